//! Library errors and how they are shown to the user.

use super::Exit;
use std::io;
use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error a tool reports before it stops. Each kind maps to one exit status.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input at a known place: a rule file, a config file, a record.
    #[error("{}:{line}: {reason}", path.display())]
    BadInput {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    /// Wrong arguments or an unusable configuration (exit 2).
    #[error("{0}")]
    Usage(String),
    /// An operation on the system failed (exit 3).
    #[error("{what}: {}", io_reason(source))]
    Io {
        what: String,
        #[source]
        source: io::Error,
    },
    /// The work failed for a reason that is not a single system call (exit 3).
    #[error("{0}")]
    Failed(String),
}

impl Error {
    pub fn bad_input(path: impl Into<PathBuf>, line: usize, reason: impl Into<String>) -> Self {
        Error::BadInput {
            path: path.into(),
            line,
            reason: reason.into(),
        }
    }

    pub fn usage(msg: impl Into<String>) -> Self {
        Error::Usage(msg.into())
    }

    pub fn failed(msg: impl Into<String>) -> Self {
        Error::Failed(msg.into())
    }

    /// `what` names the object, e.g. `"reading /etc/adminkit/chk.conf"`.
    pub fn io(what: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            what: what.into(),
            source,
        }
    }

    pub fn exit(&self) -> Exit {
        match self {
            Error::BadInput { .. } | Error::Usage(_) => Exit::Usage,
            Error::Io { .. } | Error::Failed(_) => Exit::Failed,
        }
    }

    /// True when stdout's reader went away; that ends a run quietly.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// Writing to stdout is the only I/O error converted implicitly: anything
/// else must say what it was doing.
impl From<io::Error> for Error {
    fn from(source: io::Error) -> Self {
        Error::io("writing output", source)
    }
}

/// What went wrong in a system call, worded for people: the text std gives
/// without its " (os error N)" tail (the number means nothing to an admin
/// and differs between systems). Every tool words I/O errors with this.
pub fn io_reason(err: &io::Error) -> String {
    let text = err.to_string();
    match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_string(),
        _ => text,
    }
}

/// Prints `<tool>: <error>` on stderr, the one format of every tool.
pub(crate) fn report(tool: &str, err: &Error) {
    let style = anstyle::Style::new().bold();
    anstream::eprintln!("{style}{tool}{style:#}: {err}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_error_tail_is_dropped() {
        let err = io::Error::from_raw_os_error(13);
        assert_eq!(io_reason(&err), "Permission denied");
        assert_eq!(io_reason(&io::Error::other("odd")), "odd");
    }

    #[test]
    fn bad_input_names_file_and_line() {
        let err = Error::bad_input("/etc/x.conf", 7, "unknown key `foo`");
        assert_eq!(err.to_string(), "/etc/x.conf:7: unknown key `foo`");
        assert_eq!(err.exit(), Exit::Usage);
    }

    #[test]
    fn broken_pipe_is_recognised() {
        let err: Error = io::Error::from(io::ErrorKind::BrokenPipe).into();
        assert!(err.is_broken_pipe());
        let other = Error::io("reading x", io::Error::from(io::ErrorKind::NotFound));
        assert!(!other.is_broken_pipe());
        assert_eq!(other.exit(), Exit::Failed);
    }
}
