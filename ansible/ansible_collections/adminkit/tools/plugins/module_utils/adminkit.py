# -*- coding: utf-8 -*-
# Copyright: adminkit developers
# MIT License (see LICENSE in the adminkit repository)
"""Run an adminkit tool with --json and read its result envelope.

Every adminkit tool that checks or changes things ends its --json output
with one envelope object: {"tool", "changed", "failed", "checked",
"changed_entries", "errors", "msg"} plus its own counts. The lines before it
are the tool's records (one per change or difference).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

ENVELOPE_KEYS = ("tool", "changed", "failed", "checked", "changed_entries", "errors", "msg")


def run_tool(module, argv):
    """Runs argv; returns (rc, records, envelope, stderr).

    The envelope is None when the tool stopped before it (a usage or
    configuration error): the caller fails with the tool's own message.
    """
    rc, out, err = module.run_command(argv, environ_update={"LC_ALL": "C.UTF-8"})
    records = []
    for line in out.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            records.append(json.loads(line))
        except ValueError:
            module.fail_json(msg="%s printed a line that is not JSON: %r" % (argv[0], line), rc=rc, stderr=err)
    envelope = None
    if records and isinstance(records[-1], dict) and all(k in records[-1] for k in ENVELOPE_KEYS):
        envelope = records.pop()
    return rc, records, envelope, err.strip()


def fail_from(module, argv, rc, envelope, stderr):
    """Fails the task with the tool's message: its stderr, else the envelope's msg."""
    msg = stderr or (envelope or {}).get("msg") or "%s exited with status %d" % (argv[0], rc)
    module.fail_json(msg=msg, rc=rc, cmd=argv, envelope=envelope)
