#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: adminkit developers
# MIT License (see LICENSE in the adminkit repository)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: chk
short_description: Check and repair ownership, modes and POSIX ACLs with adminkit's chk
version_added: "0.1.0"
description:
  - Runs the installed C(chk) binary with C(--json) on shared group
    directories (C(chk group)), user homes (C(chk user)) or any tree
    (C(chk path)), and reports from chk's result envelope.
  - C(changed) is true only when chk changed an entry, or in check mode
    would change one. A second run over a repaired tree reports no change.
  - In check mode chk runs with C(-n) and changes nothing.
  - With C(--diff), the current and wanted owner, group, mode and ACLs of
    each changed entry are shown, up to C(diff_limit) entries.
options:
  group:
    description:
      - Groups whose shared directory C(<groups_root>/NAME) to check.
        C(all) checks every group directory (C(chk group --all)).
    type: list
    elements: str
  user:
    description:
      - Users whose home to check. C(all) checks every standard user.
    type: list
    elements: str
  path:
    description: Trees to check against C(rules) or C(acl).
    type: list
    elements: path
  rules:
    description: Rule file (Licorn format) for C(path).
    type: path
  acl:
    description: One definition (an ACL, C(NOACL) or C(PRIVATE)) for the whole of C(path).
    type: str
  config:
    description: chk.conf to use instead of C(/etc/adminkit/chk.conf).
    type: path
  backup:
    description: Append each changed entry's previous state to this file (for C(setfacl --restore)).
    type: path
  diff_limit:
    description: At most this many entries are shown in the diff.
    type: int
    default: 50
  executable:
    description: The chk binary (default C(chk) from the remote PATH).
    type: path
notes:
  - Exactly one of C(group), C(user) and C(path) is given.
  - Needs root, as chk itself.
requirements:
  - adminkit (the C(chk) binary) on the managed host
seealso:
  - name: chk(1)
    description: The chk manual page.
    link: https://github.com/adminkit/adminkit#chk--check-and-repair-ownership-modes-and-posix-acls
author:
  - adminkit developers (@adminkit)
"""

EXAMPLES = r"""
- name: Shared directory of devs right after an upload
  adminkit.tools.chk:
    group: [devs]

- name: Every group directory and home, nightly
  adminkit.tools.chk:
    group: [all]

- name: A tree against a rule file, keeping an undo file
  adminkit.tools.chk:
    path: [/srv/projects]
    rules: /etc/adminkit/projects.rules
    backup: /root/chk.undo

- name: One ACL for a tree
  adminkit.tools.chk:
    path: [/srv/exchange]
    acl: "u::rw@UX,g::---,o::---,g:staff:rw@GX,m::rw@GX"
"""

RETURN = r"""
checked:
  description: Entries chk looked at.
  returned: always
  type: int
  sample: 90000
changed_entries:
  description: Entries changed (in check mode, differing).
  returned: always
  type: int
  sample: 12
errors:
  description: Entries that could not be checked or repaired.
  returned: always
  type: int
  sample: 0
msg:
  description: chk's summary line.
  returned: always
  type: str
  sample: "group devs: 5 checked, 5 changed (owner 4, ...); 0 errors"
envelope:
  description: chk's whole result envelope (per-kind counts, skipped entries, targets).
  returned: always
  type: dict
changes:
  description: >-
    The first C(diff_limit) changes, each with path, change, from and to
    (for an owner or group change, from and to are C({"id": N, "name": NAME})).
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.adminkit.tools.plugins.module_utils.adminkit import fail_from, run_tool


def command(module):
    p = module.params
    chk = p["executable"] or module.get_bin_path("chk", required=True)
    if p["group"] is not None:
        argv = [chk, "group"] + (["--all"] if p["group"] == ["all"] else p["group"])
    elif p["user"] is not None:
        argv = [chk, "user"] + (["--all"] if p["user"] == ["all"] else p["user"])
    else:
        if not p["rules"] and not p["acl"]:
            module.fail_json(msg="path requires one of: rules, acl")
        argv = [chk, "path"] + p["path"]
        argv += ["--rules", p["rules"]] if p["rules"] else ["--acl", p["acl"]]
    if p["config"] and p["path"] is None:
        argv += ["--config", p["config"]]
    if p["backup"] and not module.check_mode:
        argv += ["--backup", p["backup"]]
    argv.append("--json")
    if module.check_mode:
        argv.append("-n")
    return argv


def text_of(value):
    """A change's before or after as text: an owner or group comes as
    {"id", "name"} (name null when no account has the id)."""
    if isinstance(value, dict):
        return value["name"] if value.get("name") is not None else str(value["id"])
    return value


def diff_of(changes, limit):
    """The current and wanted state of the changed entries, one line per
    owner/group/mode/ACL that differs, grouped by path."""
    before, after, paths = [], [], []
    for change in changes:
        if change["path"] not in paths:
            paths.append(change["path"])
    shown = paths[:limit]
    for path in shown:
        for change in changes:
            if change["path"] == path:
                before.append("%s: %s: %s" % (path, change["change"], text_of(change["from"])))
                after.append("%s: %s: %s" % (path, change["change"], text_of(change["to"])))
    if len(paths) > limit:
        note = "... and %d more entries (diff_limit=%d)" % (len(paths) - limit, limit)
        before.append(note)
        after.append(note)
    return {
        "before_header": "current",
        "after_header": "wanted",
        "before": "\n".join(before) + "\n",
        "after": "\n".join(after) + "\n",
    }


def main():
    module = AnsibleModule(
        argument_spec=dict(
            group=dict(type="list", elements="str"),
            user=dict(type="list", elements="str"),
            path=dict(type="list", elements="path"),
            rules=dict(type="path"),
            acl=dict(type="str"),
            config=dict(type="path"),
            backup=dict(type="path"),
            diff_limit=dict(type="int", default=50),
            executable=dict(type="path"),
        ),
        mutually_exclusive=[("group", "user", "path"), ("rules", "acl")],
        required_one_of=[("group", "user", "path")],
        required_by={"rules": "path", "acl": "path"},
        supports_check_mode=True,
    )
    if module.params["diff_limit"] < 0:
        module.fail_json(msg="diff_limit must not be negative")
    argv = command(module)
    rc, records, envelope, stderr = run_tool(module, argv)
    # 0 done or compliant, 1 differences in a dry run; 2 and 3 are failures.
    if envelope is None or rc not in (0, 1) or envelope["failed"]:
        fail_from(module, argv, rc, envelope, stderr)
    changes = [r for r in records if "change" in r and "path" in r]
    result = dict(
        changed=envelope["changed"],
        checked=envelope["checked"],
        changed_entries=envelope["changed_entries"],
        errors=envelope["errors"],
        msg=envelope["msg"],
        envelope=envelope,
        changes=changes[: module.params["diff_limit"]],
        cmd=argv,
    )
    if stderr:
        result["warnings"] = stderr.splitlines()
    if module._diff and envelope["changed"]:
        result["diff"] = diff_of(changes, module.params["diff_limit"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
