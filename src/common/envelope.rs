//! The result envelope: the last line of every `--json` run that checks or
//! changes things, the same for every tool, so that configuration management
//! (Ansible, Salt, Puppet) and monitoring read one shape.
//!
//! `{"tool", "changed", "failed", "checked", "changed_entries", "errors",
//! "msg"}` plus the tool's own counts, flattened beside them.

use super::JsonLines;
use serde::Serialize;
use std::io::{self, Write};

/// The figures every tool reports, before they become an envelope.
#[derive(Serialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct Envelope<C: Serialize = ()> {
    pub tool: &'static str,
    /// Something was changed — or, in a check-only run, would be.
    pub changed: bool,
    /// Some of the work failed (the run exits 3).
    pub failed: bool,
    /// Entries looked at (files, names, lines, modules).
    pub checked: u64,
    /// Entries changed, or differing in a check-only run.
    pub changed_entries: u64,
    /// Entries that could not be checked or changed.
    pub errors: u64,
    /// One line for humans, the tool's own summary.
    pub msg: String,
    #[serde(flatten)]
    pub counts: C,
}

impl<C: Serialize> Envelope<C> {
    /// The envelope of a run; `changed` and `failed` follow from the counts.
    pub fn new(
        tool: &'static str,
        checked: u64,
        changed_entries: u64,
        errors: u64,
        msg: String,
        counts: C,
    ) -> Self {
        Envelope {
            tool,
            changed: changed_entries > 0,
            failed: errors > 0,
            checked,
            changed_entries,
            errors,
            msg,
            counts,
        }
    }

    /// Writes the envelope as the last JSON line and flushes.
    pub fn emit<W: Write>(&self, json: &JsonLines<W>) -> io::Result<()> {
        json.emit(self)?;
        json.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Counts {
        renames: u64,
    }

    #[test]
    fn counts_sit_beside_the_common_keys() {
        let lines = JsonLines::new(Vec::new());
        Envelope::new("t", 5, 2, 0, "ok".into(), Counts { renames: 2 })
            .emit(&lines)
            .unwrap();
        let value: serde_json::Value = serde_json::from_slice(&lines.into_inner()).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"tool": "t", "changed": true, "failed": false, "checked": 5,
                "changed_entries": 2, "errors": 0, "msg": "ok", "renames": 2})
        );
    }
}
