//! nsca-send: submit passive check results to an NSCA daemon, byte for byte
//! as the C `send_nsca` does, with every cipher the Debian daemon accepts,
//! per-step timeouts and an optional spool.

pub mod cli;
pub mod config;
pub mod crypto;
pub mod input;
pub mod keyvalue;
pub mod ng;
pub mod packet;
pub mod protocol;
pub mod send;
pub mod spool;
pub mod wrap;

pub use cli::Cli;

use crate::cli::{Error, Exit, Result};
use input::Parsed;
use packet::{CheckResult, Format};
use protocol::{Destination, Protocol, Settings};
use std::io::{Read, Write};
use std::time::Duration;

const TOOL: &str = "nsca-send";

/// send_nsca's status for "not everything was sent" (2). nsca-send keeps
/// send_nsca's statuses for drop-in use, although they are not the suite's:
/// usage errors are 3 (given by the binary, see [`cli::parse_or_exit_code`]).
pub const NOT_SENT: Exit = Exit::Usage;
/// send_nsca's usage-error status (3), for the usage errors only a look at
/// the config file finds.
const USAGE: Exit = Exit::Failed;

/// Reads, sends, spools and reports. Every failure is reported here and
/// ends as status 2, like send_nsca.
pub fn run(cli: Cli) -> Result<Exit> {
    match send_all(&cli, None) {
        // Wrong arguments found after parsing (no server, -C without NSCA-ng).
        Err(err @ Error::Usage(_)) => {
            complain(&err.to_string());
            Ok(USAGE)
        }
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

/// Where to send: the command line first, then the config file, then the
/// protocol's defaults.
struct Route {
    settings: Settings,
    server: String,
    port: u16,
    timeout: Duration,
}

fn route(cli: &Cli) -> Result<Route> {
    let path = &cli.config;
    let text =
        std::fs::read(path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    let protocol = match cli.protocol {
        Some(protocol) => protocol,
        None => protocol::from_config(&text, path)?.unwrap_or(Protocol::Nsca2),
    };
    let settings = Settings::parse(protocol, &text, path)?;
    let server = match (
        cli.server.as_deref().or(cli.server_arg.as_deref()),
        settings.server(),
    ) {
        (Some(server), _) | (None, Some(server)) => server.to_string(),
        // NSCA-ng's client sends to localhost by default.
        (None, None) if protocol == Protocol::NscaNg => "localhost".into(),
        (None, None) => return Err(Error::usage("no server: give -H HOST")),
    };
    let port = cli
        .port
        .or(settings.port())
        .unwrap_or(protocol.default_port());
    let timeout = cli.timeout.or(settings.timeout()).unwrap_or(10);
    Ok(Route {
        settings,
        server,
        port,
        timeout: Duration::from_secs(timeout),
    })
}

/// `--wrap`: runs the command, sends its result, and gives its status
/// whatever became of the result (a failed delivery is reported on stderr).
pub fn run_wrapped(cli: Cli) -> std::process::ExitCode {
    let finished = wrap::run(&cli.command, Duration::from_secs(cli.command_timeout));
    match send_all(&cli, Some(&finished)) {
        Err(err) if !err.is_broken_pipe() => complain(&err.to_string()),
        _ => {}
    }
    std::process::ExitCode::from(finished.exit)
}

fn send_all(cli: &Cli, wrapped: Option<&wrap::Finished>) -> Result<Exit> {
    let route = route(cli)?;
    if cli.raw_commands {
        return send_raw_commands(&route);
    }
    let format = if cli.legacy_2_7_mode || route.settings.legacy_2_7_mode() {
        Format::Legacy27
    } else {
        Format::V3
    };
    let mut parsed = read_results(cli, format, wrapped)?;
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
        Some(dir) => Some(spool::Spool::open(dir, &route.server, route.port)?),
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

    let destination = Destination {
        server: &route.server,
        port: route.port,
        timeout: route.timeout,
        format,
    };
    let outcome = protocol::deliver(&route.settings, &destination, &queue);
    report_refusals(&outcome, &queue);
    let delivery = &outcome.delivery;
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
    let accepted = delivery.confirmed - outcome.refused.len();
    // A wrapped job's own output is what cron mails: add nothing to it.
    if accepted > 0 && !cli.verbosity.is_quiet() && cli.wrap.is_none() {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{accepted} data packet(s) sent to host successfully.")?;
        out.flush()?;
    }
    let all_good = accepted > 0
        && undelivered.is_empty()
        && parsed.bad.is_empty()
        && outcome.refused.is_empty();
    Ok(if all_good { Exit::Success } else { NOT_SENT })
}

fn report_refusals(outcome: &protocol::Outcome, queue: &[CheckResult]) {
    for refusal in &outcome.refused {
        let result = &queue[refusal.index];
        complain(&format!(
            "the server refused the result for {}{}{}: {}",
            String::from_utf8_lossy(&result.host),
            if result.service.is_empty() { "" } else { ";" },
            String::from_utf8_lossy(&result.service),
            refusal.reason
        ));
    }
}

/// `-C`: raw monitoring commands from stdin, one per line, through NSCA-ng.
/// They are not spooled (the spool holds check results).
fn send_raw_commands(route: &Route) -> Result<Exit> {
    let Settings::NscaNg(config) = &route.settings else {
        return Err(Error::usage("-C (raw commands) needs --protocol nsca-ng"));
    };
    let mut data = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut data)
        .map_err(|e| Error::io("reading standard input", e))?;
    let lines: Vec<&[u8]> = data
        .split(|&b| b == b'\n')
        .filter(|l| !l.trim_ascii().is_empty())
        .collect();
    if lines.is_empty() {
        complain("no commands to send");
        return Ok(NOT_SENT);
    }
    let target = ng::Target {
        server: &route.server,
        port: route.port,
        timeout: route.timeout,
        config,
    };
    let outcome = ng::deliver(&target, lines.iter().map(|l| ng::raw_command(l)));
    for refusal in &outcome.refused {
        complain(&format!(
            "the server refused command {}: {}",
            refusal.index + 1,
            refusal.reason
        ));
    }
    let delivery = &outcome.delivery;
    if let Some(err) = &delivery.error {
        complain(err);
        complain(&format!(
            "{} command(s) not delivered",
            lines.len() - delivery.confirmed
        ));
    }
    let all_good = delivery.confirmed == lines.len() && outcome.refused.is_empty();
    Ok(if all_good { Exit::Success } else { NOT_SENT })
}

/// The results from the arguments, or from stdin.
fn read_results(cli: &Cli, format: Format, wrapped: Option<&wrap::Finished>) -> Result<Parsed> {
    if let (Some(service), Some(finished)) = (&cli.wrap, wrapped) {
        let mut parsed = Parsed::default();
        let host = match &cli.host {
            Some(host) => host.clone(),
            None => rustix::system::uname()
                .nodename()
                .to_string_lossy()
                .into_owned(),
        };
        let status = finished.state.to_string();
        let (host, service) = (host.as_bytes(), service.as_bytes());
        parsed.add(1, host, service, &status, &finished.output, format);
        return Ok(parsed);
    }
    if cli.host.is_some() && cli.status.is_none() {
        return Err(Error::usage("--host needs --status (or --wrap)"));
    }
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
