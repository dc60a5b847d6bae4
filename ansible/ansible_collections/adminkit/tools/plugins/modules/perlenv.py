#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: adminkit developers
# MIT License (see LICENSE in the adminkit repository)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: perlenv
short_description: Perl module environments with adminkit's perlenv
version_added: "0.1.0"
description:
  - Makes sure a perlenv environment exists at C(path) and holds the given
    modules, installed offline from C(from) sources with C(perlenv install).
  - Idempotent. C(changed) is false when the environment exists and every
    module is already installed in it.
  - Check mode reports what would be created or installed and changes nothing.
options:
  path:
    description: The environment directory.
    type: path
    required: true
  state:
    description: Only C(present) (the environment and its modules exist).
    type: str
    choices: [present]
    default: present
  modules:
    description: Module names that must be installed.
    type: list
    elements: str
    default: []
  from:
    description: Offline sources. A directory of tarballs, a tarball, a dist directory or a file:// mirror.
    type: list
    elements: str
    default: []
  cpanfile:
    description: A cpanfile whose C(requires) modules must be installed (as C(modules)).
    type: path
  executable:
    description: The perlenv binary (default from the remote PATH).
    type: path
requirements:
  - adminkit (the C(perlenv) binary), perl and cpanminus on the managed host
author:
  - adminkit developers (@adminkit)
"""

EXAMPLES = r"""
- name: The app's modules, from the tarballs shipped with it
  adminkit.tools.perlenv:
    path: /srv/app/perl
    modules: [JSON::PP, Try::Tiny]
    from: [/srv/app/vendor]
"""

RETURN = r"""
created:
  description: Whether the environment was (in check mode, would be) created.
  returned: always
  type: bool
missing:
  description: The modules that were not installed before this run.
  returned: always
  type: list
  elements: str
installed:
  description: The modules this run installed or upgraded (C(Name Version)).
  returned: always
  type: list
  elements: str
"""

import json
import os
import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.adminkit.tools.plugins.module_utils.adminkit import fail_from, run_tool

REQUIRES = re.compile(r"""^\s*requires\s+['"]([A-Za-z0-9_:]+)['"]""", re.MULTILINE)


def installed_modules(module, tool, path):
    rc, out, err = module.run_command([tool, "list", path, "--json"])
    if rc != 0:
        module.fail_json(msg=err.strip() or "perlenv list failed", rc=rc)
    return set(json.loads(line)["module"] for line in out.splitlines() if line.strip())


def main():
    module = AnsibleModule(
        argument_spec={
            "path": dict(type="path", required=True),
            "state": dict(type="str", choices=["present"], default="present"),
            "modules": dict(type="list", elements="str", default=[]),
            "from": dict(type="list", elements="str", default=[]),
            "cpanfile": dict(type="path"),
            "executable": dict(type="path"),
        },
        supports_check_mode=True,
    )
    p = module.params
    tool = p["executable"] or module.get_bin_path("perlenv", required=True)
    path = p["path"]
    wanted = list(p["modules"])
    if p["cpanfile"]:
        try:
            with open(p["cpanfile"]) as f:
                wanted += REQUIRES.findall(f.read())
        except IOError as e:
            module.fail_json(msg="%s: %s" % (p["cpanfile"], e))
    exists = os.path.isfile(os.path.join(path, "perlenv.cfg"))
    present = installed_modules(module, tool, path) if exists else set()
    missing = [m for m in wanted if m not in present]
    result = dict(changed=not exists or bool(missing), created=not exists, missing=missing, installed=[])
    if module.check_mode or not result["changed"]:
        module.exit_json(**result)
    if not exists:
        argv = [tool, "create", path, "--json"]
        rc, _, envelope, stderr = run_tool(module, argv)
        if rc != 0 or envelope is None:
            fail_from(module, argv, rc, envelope, stderr)
    if missing:
        argv = [tool, "install", path, "--json"]
        for source in p["from"]:
            argv += ["--from", source]
        argv += missing
        rc, _, envelope, stderr = run_tool(module, argv)
        if rc != 0 or envelope is None or envelope["failed"]:
            fail_from(module, argv, rc, envelope, stderr)
        result["installed"] = envelope["installed"]
        result["msg"] = envelope["msg"]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
