//! nsca-send: submit passive check results to an NSCA daemon byte for byte
//! as the C `send_nsca` does (every cipher the Debian daemon accepts), or
//! through NSCA-ng or the Icinga 2 API; per-step timeouts and one spool.

pub mod cli;
pub(crate) mod config;
pub mod crypto;
pub(crate) mod flush;
pub(crate) mod icinga;
pub(crate) mod input;
pub(crate) mod keyvalue;
pub(crate) mod net;
pub(crate) mod ng;
pub mod packet;
pub(crate) mod protocol;
pub mod send;
pub(crate) mod spool;
pub(crate) mod wrap;

pub use cli::Cli;

use crate::common::{Error, Result};
use input::Parsed;
use packet::Format;
use protocol::{Destination, Protocol, Settings};
use send::Delivery;
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
    match send_all(&cli, None) {
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

fn complain(message: &str) {
    crate::common::error::report(TOOL, &Error::failed(message));
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
    let text = config::read_text(path)?;
    let protocol = match cli.protocol {
        Some(protocol) => protocol,
        None => protocol::from_config(&text, path)?.unwrap_or(Protocol::Nsca2),
    };
    let mut settings = Settings::parse(protocol, &text, path)?;
    let mut url = None;
    match &mut settings {
        Settings::Icinga2(config) => {
            config.ca = cli.ca.clone().or(config.ca.take());
            config.ttl = cli.ttl.or(config.ttl);
            if let Some(given) = &cli.url {
                url = Some(icinga::parse_url(given).map_err(Error::usage)?);
            }
        }
        _ if cli.url.is_some() || cli.ca.is_some() || cli.ttl.is_some() => {
            return Err(Error::usage(
                "--url, --ca and --ttl need --protocol icinga2",
            ));
        }
        _ => {}
    }
    if let Settings::Nsca2(config) = &settings
        && !config.has_password
    {
        log::warn!(
            "'{}' has no password= line: only a daemon without a password takes these results",
            path.display()
        );
    }
    let (url_server, url_port) = match &url {
        Some((server, port)) => (Some(server.as_str()), *port),
        None => (None, None),
    };
    let server = match (
        url_server
            .or(cli.server.as_deref())
            .or(cli.server_arg.as_deref()),
        settings.server(),
    ) {
        (Some(server), _) | (None, Some(server)) => server.to_string(),
        // NSCA-ng's client sends to localhost by default.
        (None, None) if protocol == Protocol::NscaNg => "localhost".into(),
        (None, None) => return Err(Error::usage("no server: give -H HOST")),
    };
    let port = url_port
        .or(cli.port)
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
pub fn run_wrapped(cli: Cli) -> ExitCode {
    // Names the protocols cannot carry are refused before the job runs.
    let host = wrapped_host(&cli);
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
    match send_all(&cli, Some(&finished)) {
        Err(err) if !err.is_broken_pipe() => complain(&err.to_string()),
        _ => {}
    }
    ExitCode::from(finished.exit)
}

fn send_all(cli: &Cli, wrapped: Option<&wrap::Finished>) -> Result<Status> {
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
    report_input_problems(&parsed);
    if cli.escape {
        let limit = packet::field_limits(format)[2];
        for result in &mut parsed.results {
            result.output = escape_output(&result.output, limit);
        }
    }

    let mut spool = open_spool(cli, &route, format);
    let mut queue: Vec<Spooled> = spool
        .as_ref()
        .map(|s| s.pending.clone())
        .unwrap_or_default();
    if !queue.is_empty() {
        log::info!("{} spooled result(s) go first", queue.len());
    }
    queue.extend(parsed.results.drain(..).map(Spooled::now));
    if queue.is_empty() {
        // A flush killed after its last chunk left only the tidying.
        if let Some(spool) = spool.as_mut() {
            let _ = spool.keep(0, &[]);
        }
        complain("no check results to send");
        return Ok(Status::NotSent);
    }

    let destination = Destination {
        server: &route.server,
        port: route.port,
        timeout: route.timeout,
        format,
    };
    let outcome = flush::deliver(&route.settings, &destination, &queue, spool.as_mut());
    report_refusals(&outcome, &queue);
    let delivery = &outcome.delivery;
    let all_kept = settle(spool.as_mut(), &queue, delivery);

    let accepted = delivery.delivered - outcome.refused.len();
    // A wrapped job's own output is what cron mails: add nothing to it.
    if accepted > 0 && !cli.verbosity.is_quiet() && cli.wrap.is_none() {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{accepted} data packet(s) sent to host successfully.")?;
        out.flush()?;
    }
    let all_good = delivery.delivered == queue.len()
        && all_kept
        && parsed.bad.is_empty()
        && outcome.refused.is_empty();
    Ok(if all_good {
        Status::Sent
    } else {
        Status::NotSent
    })
}

fn report_refusals(outcome: &protocol::Outcome, queue: &[Spooled]) {
    for refusal in &outcome.refused {
        let result = &queue[refusal.index].result;
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
fn send_raw_commands(route: &Route) -> Result<Status> {
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
        return Ok(Status::NotSent);
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
        complain(&err.to_string());
        complain(&format!(
            "{} command(s) not delivered",
            lines.len() - delivery.delivered
        ));
    }
    let all_good = delivery.delivered == lines.len() && outcome.refused.is_empty();
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
fn open_spool(cli: &Cli, route: &Route, format: Format) -> Option<Spool> {
    let dir = cli.spool.as_ref()?;
    let options = spool::OpenOptionsSpool {
        lock_wait: route.timeout,
        max_age: cli.max_age.map(Duration::from_secs),
        format,
    };
    match Spool::open(dir, &route.server, route.port, &options) {
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
fn settle(spool: Option<&mut Spool>, queue: &[Spooled], delivery: &Delivery) -> bool {
    let undelivered = &queue[delivery.delivered..];
    if let Some(err) = &delivery.error {
        complain(&err.to_string());
    }
    let (spooling, kept) = match spool {
        Some(spool) => (
            true,
            spool.keep(delivery.delivered, queue).map(|()| spool.path()),
        ),
        None => (false, Ok(std::path::PathBuf::new())),
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
    match (spooling, kept) {
        (true, Ok(path)) => {
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
        (false, _) => {
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
fn read_results(cli: &Cli, format: Format, wrapped: Option<&wrap::Finished>) -> Result<Parsed> {
    if let (Some(service), Some(finished)) = (&cli.wrap, wrapped) {
        let mut parsed = Parsed::default();
        let host = wrapped_host(cli);
        let status = finished.state.to_string();
        let (host, service) = (host.as_bytes(), service.as_bytes());
        // The job's result is always sent: bytes no protocol carries are escaped.
        let (output, nuls) = input::escape_nul(&finished.output);
        if nuls > 0 {
            log::warn!("the job's output held {nuls} NUL byte(s): sent as `\\0`");
        }
        parsed.add(1, host, service, &status, &output, format);
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

/// The host a wrapped job is reported for: `--host`, else this machine.
fn wrapped_host(cli: &Cli) -> String {
    match &cli.host {
        Some(host) => host.clone(),
        None => net::node_name(),
    }
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
