//! One run's batch: the results (stdin, arguments or a wrapped job), the
//! spool's first, delivered a chunk at a time, then settled: what did not
//! arrive is kept in the spool and reported.

use super::cli::Cli;
use super::input::{self, Parsed};
use super::packet::{self, Format};
use super::protocol::Destination;
use super::report::{self, complain};
use super::route::{Route, route};
use super::send::Delivery;
use super::spool::{self, Spool, Spooled};
use super::types::Status;
use super::{flush, net, raw, wrap};
use crate::common::{Error, Result};
use std::io::{Read, Write};
use std::time::Duration;

/// Sends the run's results (and the spool's) and settles them.
pub(crate) fn send(cli: &Cli, wrapped: Option<&wrap::Finished>) -> Result<Status> {
    let route = route(cli)?;
    if cli.raw_commands {
        return raw::send(&route);
    }
    let format = if cli.legacy_2_7_mode || route.settings.legacy_2_7_mode() {
        Format::Legacy27
    } else {
        Format::V3
    };
    let mut parsed = read_results(cli, format, wrapped)?;
    report::input_problems(&parsed);
    if cli.escape {
        let limit = packet::field_limits(format)[2];
        for result in &mut parsed.results {
            result.output = input::escape_output(&result.output, limit);
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
    report::refusals(&outcome, &queue);
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
pub(crate) fn wrapped_host(cli: &Cli) -> String {
    match &cli.host {
        Some(host) => host.clone(),
        None => net::node_name(),
    }
}
