//! nsca-send: submit passive check results to an NSCA daemon, byte for byte
//! as the C `send_nsca` does, with every cipher the Debian daemon accepts,
//! per-step timeouts and an optional spool.

pub mod cli;
pub mod config;
pub mod crypto;
pub mod input;
pub mod packet;
pub mod send;
pub mod spool;

pub use cli::Cli;

use crate::cli::{Error, Result};
use config::Config;
use input::Parsed;
use packet::{CheckResult, Format};
use send::{Deliver, Delivery};
use spool::{Spool, Spooled};
use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::Duration;

const TOOL: &str = "nsca-send";

/// nsca-send's exit statuses: send_nsca's, kept for drop-in use (they are
/// not the suite's: 2 is "not sent" here, 3 a usage error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// At least one result sent and none failed.
    Sent = 0,
    /// Configuration, connection, timeout or input failure, or nothing sent.
    NotSent = 2,
    /// Bad arguments; also help, version and licence, as send_nsca.
    Usage = 3,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        ExitCode::from(status as u8)
    }
}

/// After this many bad records, the rest are only counted.
const MAX_RECORD_ERRORS: usize = 100;

/// Reads, sends, spools and reports. Every failure is reported here and
/// ends as status 2, like send_nsca.
pub fn run(cli: Cli) -> ExitCode {
    match send_all(&cli) {
        Ok(status) => status.into(),
        Err(err) if err.is_broken_pipe() => ExitCode::SUCCESS,
        Err(err) => {
            complain(&err.to_string());
            Status::NotSent.into()
        }
    }
}

fn complain(message: &str) {
    crate::cli::error::report(TOOL, &Error::failed(message));
}

fn send_all(cli: &Cli) -> Result<Status> {
    let config = Config::read(&cli.config)?;
    if !config.has_password {
        log::warn!(
            "'{}' has no password= line: only a daemon without a password takes these results",
            cli.config.display()
        );
    }
    let format = if cli.legacy_2_7_mode || config.legacy_2_7_mode {
        Format::Legacy27
    } else {
        Format::V3
    };
    let mut parsed = read_results(cli, format)?;
    report_input_problems(&parsed);
    if cli.escape {
        let limit = packet::field_limits(format)[2];
        for result in &mut parsed.results {
            result.output = escape_output(&result.output, limit);
        }
    }

    let spool = open_spool(cli);
    let mut queue: Vec<Spooled> = spool
        .as_ref()
        .map(|s| s.pending.clone())
        .unwrap_or_default();
    if !queue.is_empty() {
        log::info!("{} spooled result(s) go first", queue.len());
    }
    queue.extend(parsed.results.drain(..).map(Spooled::now));
    if queue.is_empty() {
        complain("no check results to send");
        return Ok(Status::NotSent);
    }

    let target = send::Target {
        server: cli.server(),
        port: cli.port,
        timeout: Duration::from_secs(cli.timeout),
        method: config.method,
        password: &config.password,
        format,
    };
    let results: Vec<&CheckResult> = queue.iter().map(|s| &s.result).collect();
    let delivery = target.deliver(&results);
    let all_kept = settle(spool.as_ref(), &queue, &delivery);

    if delivery.delivered > 0 && !cli.verbosity.is_quiet() {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "{} data packet(s) sent to host successfully.",
            delivery.delivered
        )?;
        out.flush()?;
    }
    let all_good = delivery.delivered == queue.len() && all_kept && parsed.bad.is_empty();
    Ok(if all_good {
        Status::Sent
    } else {
        Status::NotSent
    })
}

/// Bad records with their numbers (at most [`MAX_RECORD_ERRORS`], then a
/// count), and cut fields as warnings.
fn report_input_problems(parsed: &Parsed) {
    for bad in parsed.bad.iter().take(MAX_RECORD_ERRORS) {
        complain(&format!("record {}: {}", bad.number, bad.reason));
    }
    if parsed.bad.len() > MAX_RECORD_ERRORS {
        complain(&format!(
            "{} more bad record(s) not shown ({} in all, not sent)",
            parsed.bad.len() - MAX_RECORD_ERRORS,
            parsed.bad.len()
        ));
    }
    for cut in parsed.truncated.iter().take(MAX_RECORD_ERRORS) {
        log::warn!(
            "record {}: {} is {} bytes, cut to {}",
            cut.number,
            cut.field,
            cut.length,
            cut.limit
        );
    }
    if parsed.truncated.len() > MAX_RECORD_ERRORS {
        log::warn!(
            "{} more field(s) cut",
            parsed.truncated.len() - MAX_RECORD_ERRORS
        );
    }
}

/// The spool of `--spool`, or none when it cannot be used: then results
/// are delivered directly, with a warning.
fn open_spool(cli: &Cli) -> Option<Spool> {
    let dir = cli.spool.as_ref()?;
    let options = spool::OpenOptionsSpool {
        lock_wait: Duration::from_secs(cli.timeout),
        max_age: cli.max_age.map(Duration::from_secs),
    };
    match Spool::open(dir, cli.server(), cli.port, &options) {
        Ok(spool) => {
            if spool.expired > 0 {
                log::warn!(
                    "{} spooled result(s) older than {} s dropped (--max-age)",
                    spool.expired,
                    options.max_age.unwrap_or_default().as_secs()
                );
            }
            Some(spool)
        }
        Err(err) => {
            log::warn!("spool {err}: delivering directly, without it");
            None
        }
    }
}

/// Reports what did not arrive and keeps it in the spool: everything not
/// known delivered, so delivery is at least once. False when a result
/// that did not arrive could not be kept.
fn settle(spool: Option<&Spool>, queue: &[Spooled], delivery: &Delivery) -> bool {
    let undelivered = &queue[delivery.delivered..];
    if let Some(err) = &delivery.error {
        complain(&err.to_string());
    }
    let kept = match spool {
        Some(spool) => match spool.keep(undelivered) {
            Ok(()) => Ok(spool.path()),
            Err(err) => Err(err),
        },
        None => Ok(std::path::Path::new("")),
    };
    if undelivered.is_empty() {
        return kept.is_ok();
    }
    let not_sent = undelivered.len() - delivery.maybe_arrived();
    complain(&format!(
        "{} of {} result(s) delivered for sure; of the rest, {} acknowledged by the server's \
         TCP (its kernel had them, the daemon may not have read them), {} written but not \
         acknowledged, {} not sent",
        delivery.delivered,
        queue.len(),
        delivery.acknowledged,
        delivery.unconfirmed,
        not_sent
    ));
    match (spool, kept) {
        (Some(_), Ok(path)) => {
            complain(&format!(
                "{} result(s) kept in '{}' for the next run; up to {} of them may arrive \
                 twice (delivery is at least once)",
                undelivered.len(),
                path.display(),
                delivery.maybe_arrived()
            ));
            true
        }
        (_, Err(err)) => {
            complain(&format!("spool full or failing: {err}"));
            false
        }
        (None, _) => {
            complain(&format!(
                "{} result(s) not delivered, up to {} of them may have arrived (no --spool)",
                undelivered.len(),
                delivery.maybe_arrived()
            ));
            false
        }
    }
}

/// The results from the arguments, or from stdin.
fn read_results(cli: &Cli, format: Format) -> Result<Parsed> {
    if let Some(host) = &cli.host {
        let mut parsed = Parsed::default();
        let service = cli.service.as_deref().unwrap_or_default();
        let status = cli.status.as_deref().unwrap_or_default();
        let output = cli.output.as_bytes();
        parsed.add(
            1,
            host.as_bytes(),
            service.as_bytes(),
            status,
            output,
            format,
        );
        return Ok(parsed);
    }
    let mut data = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut data)
        .map_err(|e| Error::io("reading standard input", e))?;
    Ok(if cli.json {
        input::parse_json(&data, format)
    } else {
        input::parse_delimited(&data, cli.delimiter, cli.record_separator, format)
    })
}

/// What NSCA clients before 2.10.1 did: `\` and newlines escaped on the
/// client, since those servers wrote the output as it came.
fn escape_output(output: &[u8], limit: usize) -> Vec<u8> {
    let mut escaped = Vec::with_capacity(output.len());
    for &b in output {
        match b {
            b'\\' => escaped.extend(b"\\\\"),
            b'\n' => escaped.extend(b"\\n"),
            _ => escaped.push(b),
        }
    }
    input::cut_at_char_boundary(&escaped, limit).to_vec()
}

#[cfg(test)]
mod tests {
    #[test]
    fn client_side_escaping() {
        assert_eq!(super::escape_output(b"a\\b\nc", 100), b"a\\\\b\\nc");
        assert_eq!(super::escape_output(b"\n\n", 3), b"\\n\\");
    }
}
