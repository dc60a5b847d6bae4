//! The parts every tool shares: exit codes, errors, logging, colour,
//! progress bars, JSON-lines output, the result envelope, monitoring-plugin
//! output. It names no tool; the generated documentation, which knows
//! every tool, lives in `crate::docs`.

pub(crate) mod entry;
pub(crate) mod envelope;
pub(crate) mod error;
pub(crate) mod exit;
pub(crate) mod lock;
pub(crate) mod logging;
pub(crate) mod man;
pub(crate) mod nagios;
pub(crate) mod output;
pub(crate) mod progress;
pub(crate) mod quote;

pub use entry::c_main;
pub use envelope::Envelope;
pub use error::{Error, Result, io_reason};
pub use exit::Exit;
pub use logging::Verbosity;
pub use nagios::NagiosArgs;
pub use output::{JsonLines, base64};
pub use progress::Progress;

use std::process::ExitCode;

/// The last step of every `main`: turn what `run` returned into the process
/// status, reporting an error as `<tool>: <what>: <why>` on stderr.
///
/// A reader that went away (`chk ... | head`) is not an error: the tool ends
/// quietly with status 0, as `cat` and `grep` do.
pub fn finish(tool: &str, result: Result<Exit>) -> ExitCode {
    ExitCode::from(exit_status(tool, result))
}

/// [`finish`] for a C-style `main` (see `src/bin/perlenv.rs`): the same
/// report, the status as a number.
pub fn exit_status(tool: &str, result: Result<Exit>) -> u8 {
    match result {
        Ok(exit) => exit.code(),
        Err(err) if err.is_broken_pipe() => 0,
        Err(err) => {
            error::report(tool, &err);
            err.exit().code()
        }
    }
}
