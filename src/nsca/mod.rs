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

use crate::cli::{Error, Exit, Result};
use config::Config;
use input::Parsed;
use packet::{CheckResult, Format};
use std::io::{Read, Write};
use std::time::Duration;

const TOOL: &str = "nsca-send";

/// send_nsca's status for "not everything was sent" (2). nsca-send keeps
/// send_nsca's statuses for drop-in use, although they are not the suite's:
/// usage errors are 3 (given by the binary, see [`cli::parse_or_exit_code`]).
pub const NOT_SENT: Exit = Exit::Usage;

/// Reads, sends, spools and reports. Every failure is reported here and
/// ends as status 2, like send_nsca.
pub fn run(cli: Cli) -> Result<Exit> {
    match send_all(&cli) {
        Err(err) if !err.is_broken_pipe() => {
            complain(&err.to_string());
            Ok(NOT_SENT)
        }
        other => other,
    }
}

fn complain(message: &str) {
    crate::cli::error::report(TOOL, &Error::failed(message));
}

fn send_all(cli: &Cli) -> Result<Exit> {
    let config = Config::read(&cli.config)?;
    let format = if cli.legacy_2_7_mode || config.legacy_2_7_mode {
        Format::Legacy27
    } else {
        Format::V3
    };
    let mut parsed = read_results(cli, format)?;
    for bad in &parsed.bad {
        complain(&format!("record {}: {}", bad.number, bad.reason));
    }
    for cut in &parsed.truncated {
        log::warn!(
            "record {}: {} is {} bytes, cut to {}",
            cut.number,
            cut.field,
            cut.length,
            cut.limit
        );
    }
    if cli.escape {
        let limit = packet::field_limits(format)[2];
        for result in &mut parsed.results {
            result.output = escape_output(&result.output, limit);
        }
    }

    let spool = match &cli.spool {
        Some(dir) => Some(spool::Spool::open(dir, cli.server(), cli.port)?),
        None => None,
    };
    let mut queue: Vec<CheckResult> = spool
        .as_ref()
        .map(|s| s.pending.clone())
        .unwrap_or_default();
    if !queue.is_empty() {
        log::info!("{} spooled result(s) go first", queue.len());
    }
    queue.append(&mut parsed.results);
    if queue.is_empty() {
        complain("no check results to send");
        return Ok(NOT_SENT);
    }

    let target = send::Target {
        server: cli.server(),
        port: cli.port,
        timeout: Duration::from_secs(cli.timeout),
        method: config.method,
        password: &config.password,
        format,
    };
    let delivery = send::deliver(&target, &queue);
    let undelivered = &queue[delivery.confirmed..];
    if let Some(err) = &delivery.error {
        complain(err);
    }
    if let Some(spool) = &spool {
        spool.keep(undelivered)?;
    }
    if !undelivered.is_empty() {
        let kept = match &spool {
            Some(spool) => format!(", kept in {}", spool.path().display()),
            None => String::new(),
        };
        complain(&format!(
            "{} result(s) not delivered{kept}",
            undelivered.len()
        ));
    }
    if delivery.confirmed > 0 && !cli.verbosity.is_quiet() {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "{} data packet(s) sent to host successfully.",
            delivery.confirmed
        )?;
        out.flush()?;
    }
    let all_good = delivery.confirmed > 0 && undelivered.is_empty() && parsed.bad.is_empty();
    Ok(if all_good { Exit::Success } else { NOT_SENT })
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
