#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: adminkit developers
# MIT License (see LICENSE in the adminkit repository)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: mojibake_fix
short_description: Repair double-encoded UTF-8 file names with adminkit's mojibake-fix
version_added: "0.1.0"
description:
  - Runs C(mojibake-fix names --json) on the given paths and reports from its
    result envelope; C(changed) is true when a name was (in check mode,
    would be) renamed.
  - Check mode is mojibake-fix's dry run. A real run renames with
    C(--apply) and records every rename in a journal, so that
    C(mojibake-fix undo JOURNAL) reverses it.
options:
  path:
    description: Files or directories whose names to repair.
    type: list
    elements: path
    required: true
  recurse:
    description: Descend into directories.
    type: bool
    default: false
  journal:
    description:
      - Where to record the renames. By default
        C(/var/lib/adminkit/mojibake-fix-<timestamp>.journal).
    type: path
  executable:
    description: The mojibake-fix binary (default from the remote PATH).
    type: path
requirements:
  - adminkit (the C(mojibake-fix) binary) on the managed host
author:
  - adminkit developers (@adminkit)
"""

EXAMPLES = r"""
- name: Names of an old file server, journaled
  adminkit.tools.mojibake_fix:
    path: [/srv/share]
    recurse: true
    journal: /root/share-names.journal
"""

RETURN = r"""
renames:
  description: Each rename done (or in check mode, to do), with path and new.
  returned: always
  type: list
  elements: dict
journal:
  description: The journal of a real run that renamed something.
  returned: when names were renamed
  type: str
envelope:
  description: mojibake-fix's result envelope (renames, collisions, refused).
  returned: always
  type: dict
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.adminkit.tools.plugins.module_utils.adminkit import fail_from, run_tool

DEFAULT_JOURNAL_DIR = "/var/lib/adminkit"


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="list", elements="path", required=True),
            recurse=dict(type="bool", default=False),
            journal=dict(type="path"),
            executable=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    tool = p["executable"] or module.get_bin_path("mojibake-fix", required=True)
    base = [tool, "names", "--json"]
    if p["recurse"]:
        base.append("-r")
    paths = ["--"] + p["path"]
    # A dry run first: check mode stops there, and a real run with nothing to
    # rename writes no journal (a named journal is never overwritten).
    argv = base + paths
    rc, records, envelope, stderr = run_tool(module, argv)
    if envelope is None or rc not in (0, 1) or envelope["failed"]:
        fail_from(module, argv, rc, envelope, stderr)
    if not module.check_mode and envelope["changed"]:
        argv = base + ["--apply"]
        if p["journal"]:
            argv += ["--journal", p["journal"]]
        else:
            # mojibake-fix writes its default journal name in the current directory.
            if not os.path.isdir(DEFAULT_JOURNAL_DIR):
                os.makedirs(DEFAULT_JOURNAL_DIR, 0o700)
            os.chdir(DEFAULT_JOURNAL_DIR)
        argv += paths
        rc, records, envelope, stderr = run_tool(module, argv)
        if envelope is None or rc not in (0, 1) or envelope["failed"]:
            fail_from(module, argv, rc, envelope, stderr)
    renames = [r for r in records if r.get("status") in ("renamed", "would-rename")]
    result = dict(
        changed=envelope["changed"],
        msg=envelope["msg"],
        envelope=envelope,
        renames=renames,
        cmd=argv,
    )
    if envelope.get("journal"):
        result["journal"] = os.path.abspath(envelope["journal"])
    if module._diff and renames:
        result["diff"] = {
            "before_header": "names",
            "after_header": "names",
            "before": "".join("%s\n" % r["path"] for r in renames),
            "after": "".join("%s\n" % r["new"] for r in renames),
        }
    module.exit_json(**result)


if __name__ == "__main__":
    main()
