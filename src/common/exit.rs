//! The exit-status table of the suite (CONVENTIONS.md).

use std::process::ExitCode;

/// How a run ended. The numeric values are the documented exit statuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Exit {
    /// Nothing to do, or everything done.
    Success = 0,
    /// A check-only mode found something (differences, mojibake, a missing module).
    Found = 1,
    /// Usage or configuration error: nothing was done.
    Usage = 2,
    /// The work failed in whole or in part (I/O, permission, network).
    Failed = 3,
}

impl Exit {
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The more serious of two outcomes, for runs that combine many results.
    pub fn worst(self, other: Exit) -> Exit {
        self.max(other)
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_prefers_failure_over_findings() {
        assert_eq!(Exit::Found.worst(Exit::Failed), Exit::Failed);
        assert_eq!(Exit::Success.worst(Exit::Found), Exit::Found);
        assert_eq!(Exit::Usage.code(), 2);
    }
}
