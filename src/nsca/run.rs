//! The entry point: the arguments, then a batch (stdin, arguments or raw
//! commands) or a wrapped job; every failure reported and mapped to
//! send_nsca's statuses.

use super::protocol::{self, Protocol};
use super::report::{TOOL, complain};
use super::types::Status;
use super::{batch, cli, config, confirm, input, status, tls, wrap};
use crate::common::{Error, Result};
use std::ffi::OsString;
use std::time::Duration;

/// Runs nsca-send with `args` (the program name first); gives its exit
/// status. A run over NSCA-ng or Icinga 2 is handed to `nsca-send-tls`.
pub fn run(args: impl IntoIterator<Item = OsString>) -> u8 {
    let args: Vec<OsString> = args.into_iter().collect();
    // The confirming process's own entry (confirm.rs), not a user option:
    // it stays out of the help, the man page and the completions.
    if let [_, flag, fd] = &args[..]
        && flag == "--put-back"
    {
        return put_back(fd);
    }
    let cli = match cli::parse_or_exit_code(args.iter().cloned()) {
        Ok(cli) => cli,
        Err(status) => return status,
    };
    cli.verbosity.init_logger(TOOL);
    if cli.spool_status {
        return status::show(&cli);
    }
    if speaks_tls(&cli) && !tls::is_linked() {
        complain(&tls::hand_over(&args));
    }
    if cli.wrap.is_some() {
        return run_wrapped(&cli);
    }
    finish(batch::send(&cli, None))
}

/// `nsca-send --put-back FD`: puts the results of the connections the
/// confirming process saw not close back into their spools.
fn put_back(fd: &OsString) -> u8 {
    let result = fd
        .to_str()
        .and_then(|fd| fd.parse().ok())
        .ok_or_else(|| format!("not a descriptor: {}", fd.to_string_lossy()))
        .and_then(|fd| confirm::put_back_from(fd).map_err(|e| e.to_string()));
    match result {
        Ok(()) => 0,
        Err(e) => {
            complain(&format!("--put-back: {e}"));
            Status::NotSent.code()
        }
    }
}

/// Whether this run speaks NSCA-ng or the Icinga 2 API. A config file
/// that cannot be read says NSCA 2 here: the run reports it as it would.
fn speaks_tls(cli: &cli::Cli) -> bool {
    let protocol = cli.protocol.or_else(|| {
        let text = config::read_text(&cli.config).ok()?;
        protocol::from_config(&text, &cli.config).ok().flatten()
    });
    cli.raw_commands || matches!(protocol, Some(Protocol::NscaNg | Protocol::Icinga2))
}

/// [`run`] with NSCA-ng and the Icinga 2 API linked in (`nsca-send-tls`).
pub fn run_with_tls(args: impl IntoIterator<Item = OsString>) -> u8 {
    tls::link();
    run(args)
}

/// Every failure is reported here and ends as status 2, like send_nsca.
fn finish(result: Result<Status>) -> u8 {
    match result {
        Ok(status) => status.code(),
        Err(err) if err.is_broken_pipe() => 0,
        // Wrong arguments found after parsing (no server, -C without NSCA-ng).
        Err(err @ Error::Usage(_)) => {
            complain(&err.to_string());
            Status::Usage.code()
        }
        Err(err) => {
            complain(&err.to_string());
            Status::NotSent.code()
        }
    }
}

/// `--wrap`: runs the command, sends its result, and gives its status
/// whatever became of the result (a failed delivery is reported on stderr).
fn run_wrapped(cli: &cli::Cli) -> u8 {
    // Names the protocols cannot carry are refused before the job runs.
    let host = batch::wrapped_host(cli);
    let service = cli.wrap.as_deref().unwrap_or_default();
    let named = match host.is_empty() {
        true => Err("empty host name".to_string()),
        false => input::check_names(host.as_bytes(), service.as_bytes()),
    };
    if let Err(why) = named {
        complain(&format!("--wrap {service:?} --host {host:?}: {why}"));
        return Status::Usage.code();
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
    finished.exit
}
