//! The entry point: the arguments, then a batch (stdin, arguments or raw
//! commands) or a wrapped job; every failure reported and mapped to
//! send_nsca's statuses.

use super::report::{TOOL, complain};
use super::types::Status;
use super::{batch, cli, input, status, wrap};
use crate::common::{Error, Result};
use std::ffi::OsString;
use std::process::ExitCode;
use std::time::Duration;

/// Runs nsca-send with `args` (the program name first).
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match cli::parse_or_exit_code(args) {
        Ok(cli) => cli,
        Err(status) => return status,
    };
    cli.verbosity.init_logger(TOOL);
    if cli.spool_status {
        return status::show(&cli);
    }
    if cli.wrap.is_some() {
        return run_wrapped(&cli);
    }
    finish(batch::send(&cli, None))
}

/// Every failure is reported here and ends as status 2, like send_nsca.
fn finish(result: Result<Status>) -> ExitCode {
    match result {
        Ok(status) => status.into(),
        Err(err) if err.is_broken_pipe() => ExitCode::SUCCESS,
        // Wrong arguments found after parsing (no server, -C without NSCA-ng).
        Err(err @ Error::Usage(_)) => {
            complain(&err.to_string());
            Status::Usage.into()
        }
        Err(err) => {
            complain(&err.to_string());
            Status::NotSent.into()
        }
    }
}

/// `--wrap`: runs the command, sends its result, and gives its status
/// whatever became of the result (a failed delivery is reported on stderr).
fn run_wrapped(cli: &cli::Cli) -> ExitCode {
    // Names the protocols cannot carry are refused before the job runs.
    let host = batch::wrapped_host(cli);
    let service = cli.wrap.as_deref().unwrap_or_default();
    let named = match host.is_empty() {
        true => Err("empty host name".to_string()),
        false => input::check_names(host.as_bytes(), service.as_bytes()),
    };
    if let Err(why) = named {
        complain(&format!("--wrap {service:?} --host {host:?}: {why}"));
        return Status::Usage.into();
    }
    let finished = wrap::run(&cli.command, Duration::from_secs(cli.command_timeout));
    let fate = match batch::send(cli, Some(&finished)) {
        Ok(Status::Sent) => "delivered",
        Ok(Status::Written) => "sent (the daemon's close not seen)",
        Ok(Status::Spooled) => "kept in the spool for the next run",
        Err(err) if !err.is_broken_pipe() => {
            complain(&err.to_string());
            "NOT delivered"
        }
        _ => "NOT delivered",
    };
    // Cron mails what the job printed; a failed job also gets one line of
    // ours, unless -q and its result arrived.
    let delivered = fate == "delivered";
    if finished.exit != 0 && !(delivered && cli.verbosity.is_quiet()) {
        complain(&format!(
            "job {} {}: reported {} {:?} as {host};{service}, {fate}",
            wrap::describe_command(&cli.command),
            wrap::describe_exit(finished.exit),
            ["OK", "WARNING", "CRITICAL", "UNKNOWN"][usize::from(finished.state.min(3))],
            String::from_utf8_lossy(&finished.output),
        ));
    }
    ExitCode::from(finished.exit)
}
