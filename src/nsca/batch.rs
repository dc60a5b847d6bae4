//! One run's batch: the results (stdin, arguments or a wrapped job) and the
//! spools' go to the servers (`--failover`: the first that answers takes
//! them, the next one what it did not take; `--all`: every server gets
//! every result), then each server's spool keeps what did not arrive, and
//! the run says what became of everything.

use super::cli::Cli;
use super::input::{self, Parsed};
use super::packet::{self, Format};
use super::protocol::{self, Destination, Settings};
use super::report::{self, Lost, complain};
use super::route::{Route, route};
use super::spool::{self, KeepError, Spool, Spooled};
use super::types::{Closing, Delivery, Status};
use super::{confirm, flush, net, raw, send, wrap};
use crate::common::{Error, Result};
use std::io::{Read, Write};
use std::time::Duration;

/// How long a connection opened ahead may wait while the spools are read
/// (another run may hold a lock): the daemon may give up on it after that.
const AHEAD_IDLE: Duration = Duration::from_secs(1);

/// One server's share of the run: its spool, what it has to deliver, and
/// how far that got.
pub(crate) struct Lane {
    pub(crate) server: String,
    spool: Option<Spool>,
    /// The spool's results, then (for the lane that keeps them) this run's.
    pub(crate) queue: Vec<Spooled>,
    /// How many of `queue` come from the spool (checkpointed as they arrive).
    spooled: usize,
    /// How many of `queue`, from the start, the servers answered.
    pub(crate) done: usize,
    /// Of those, accepted by this lane's server (or, with --failover, by any).
    pub(crate) accepted: usize,
    pub(crate) refused: usize,
    /// The last failure, with the counts of its connection.
    pub(crate) failure: Option<Delivery>,
    /// What the spool could not keep.
    pub(crate) keep_error: Option<KeepError>,
    /// Connections whose close is to be confirmed after the run, with
    /// their results (taken back into the spool if it does not come).
    closing: Vec<(Closing, Vec<Spooled>)>,
}

/// Sends the run's results (and the spools') and settles them.
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
    let fresh: Vec<Spooled> = parsed.results.drain(..).map(Spooled::now).collect();
    wait_a_random_delay(route.delay);

    let mut lost = Lost {
        bad: parsed.bad.len(),
        ..Lost::default()
    };
    // NSCA 2 with a spool: the first server's daemon starts (and sends its
    // IV) while the spools are read.
    let ahead = send::Ahead::default();
    if cli.spool.is_some() && format == Format::V3 && matches!(route.settings, Settings::Nsca2(_)) {
        ahead.open(&route.servers[0], route.port, route.timeout);
    }
    let reading = std::time::Instant::now();
    let mut lanes: Vec<Lane> = Vec::new();
    for (index, server) in route.servers.iter().enumerate() {
        let spool = open_spool(cli, &route, server, format, &mut lost);
        let mut queue = spool
            .as_ref()
            .map(|s| s.pending.clone())
            .unwrap_or_default();
        let spooled = queue.len();
        if spooled > 0 {
            log::info!("{server}: {spooled} spooled result(s) go first");
        }
        // With --failover the first server's spool keeps this run's results.
        if cli.all || index == 0 {
            queue.extend(fresh.iter().cloned());
        }
        lanes.push(Lane {
            server: server.clone(),
            spool,
            queue,
            spooled,
            done: 0,
            accepted: 0,
            refused: 0,
            failure: None,
            keep_error: None,
            closing: Vec::new(),
        });
    }
    if reading.elapsed() > AHEAD_IDLE && ahead.forget() {
        log::info!(
            "the spools took {:.1} s to read: the connection opened meanwhile is closed, \
             and a new one made",
            reading.elapsed().as_secs_f64()
        );
    }
    if lanes.iter().all(|lane| lane.queue.is_empty()) {
        // A flush killed after its last chunk left only the tidying.
        for lane in &mut lanes {
            if let Some(spool) = lane.spool.as_mut() {
                let _ = spool.keep(0, &[]);
            }
        }
        complain("no check results to send");
        return Ok(Status::NotSent);
    }

    fn destination<'a>(
        route: &Route,
        server: &'a str,
        format: Format,
        ahead: &'a send::Ahead,
    ) -> Destination<'a> {
        Destination {
            server,
            port: route.port,
            timeout: route.timeout,
            format,
            close_wait: None,
            ahead: Some(ahead),
        }
    }
    // Without a spool, the daemon's close only changes what a wrapped job's
    // line and -v say ("delivered" or "sent"): it is waited for only then.
    let answer_read = cli.wrap.is_some() || cli.verbosity.verbose > 0;
    if cli.all {
        for lane in &mut lanes {
            let server = lane.server.clone();
            let to = destination(&route, &server, format, &ahead);
            deliver_lane(&route, &to, lane, answer_read);
        }
    } else {
        // Each server in turn takes what is left, lane after lane.
        for server in &route.servers {
            for lane in &mut lanes {
                let to = destination(&route, server, format, &ahead);
                if lane.done < lane.queue.len() && !deliver_lane(&route, &to, lane, answer_read) {
                    break;
                }
            }
            if lanes.iter().all(|lane| lane.done == lane.queue.len()) {
                break;
            }
        }
    }
    for lane in &mut lanes {
        settle(lane, &mut lost);
    }
    let mut status = outcome(&lanes, &lost, route.port, cli.all);
    let unseen = closes_not_seen(&lanes, route.port);
    if unseen > 0 && status == Status::Sent {
        status = Status::Written;
    }
    let accepted: usize = lanes.iter().map(|lane| lane.accepted).sum();
    // A wrapped job's own output is what cron mails: add nothing to it.
    if accepted > 0 && !cli.verbosity.is_quiet() && cli.wrap.is_none() {
        let mut out = std::io::stdout().lock();
        if cli.all && lanes.len() > 1 {
            for lane in lanes.iter().filter(|lane| lane.accepted > 0) {
                let to = net::endpoint(&lane.server, route.port);
                writeln!(
                    out,
                    "{} data packet(s) sent to {to} successfully.",
                    lane.accepted
                )?;
            }
        } else {
            writeln!(out, "{accepted} data packet(s) sent to host successfully.")?;
        }
        out.flush()?;
    }
    let closing: Vec<confirm::Pending> = lanes
        .iter_mut()
        .filter(|lane| lane.has_spool())
        .flat_map(|lane| {
            let server = lane.server.clone();
            lane.closing
                .drain(..)
                .map(move |(closing, results)| confirm::Pending {
                    server: server.clone(),
                    closing,
                    results,
                })
        })
        .collect();
    // The spools' locks go before the confirmation, which may outlive us.
    drop(lanes);
    if let Some(dir) = &cli.spool {
        let options = spool::OpenOptionsSpool {
            lock_wait: route.timeout,
            max_age: None,
            format,
        };
        confirm::in_background(closing, dir, route.port, &options);
    }
    Ok(status)
}

/// Says what became of the results that did not arrive, and gives the
/// status: results kept safely in a spool are only warnings (`-q` hides
/// them, cron mails nothing), a loss or a refusal is an error.
fn outcome(lanes: &[Lane], lost: &Lost, port: u16, every_server: bool) -> Status {
    let refused: usize = lanes.iter().map(|lane| lane.refused).sum();
    let losing = lost.any() || refused > 0;
    let say = |message: String| {
        if losing {
            complain(&message);
        } else {
            log::warn!("{message}");
        }
    };
    let mut waiting = 0;
    for lane in lanes {
        let undelivered = lane.queue.len() - lane.done;
        let name = net::endpoint(&lane.server, port);
        if let Some(err) = lane.failure.as_ref().and_then(|f| f.error.as_ref()) {
            say(err.to_string());
        }
        if undelivered == 0 {
            continue;
        }
        let failure = lane.failure.as_ref();
        let maybe = failure.map_or(0, |f| f.maybe_arrived());
        say(format!(
            "{name}: {} of {} result(s) delivered for sure; of the rest, {} acknowledged by \
             the server's TCP (its kernel had them, the daemon may not have read them), {} \
             written but not acknowledged, {} not sent",
            lane.done,
            lane.queue.len(),
            failure.map_or(0, |f| f.acknowledged),
            failure.map_or(0, |f| f.unconfirmed),
            undelivered - maybe
        ));
        match (&lane.keep_error, lane.has_spool()) {
            (Some(err), _) => complain(&format!("spool full or failing: {err}")),
            (None, true) => {
                waiting += undelivered;
                say(format!(
                    "{undelivered} result(s) kept in '{}' for the next run; up to {maybe} of \
                     them may arrive twice (delivery is at least once)",
                    lane.spool_path().display()
                ));
            }
            (None, false) => complain(&format!(
                "{undelivered} result(s) not delivered, up to {maybe} of them may have arrived \
                 (no --spool)"
            )),
        }
    }
    if every_server && lanes.len() > 1 {
        for lane in lanes.iter().filter(|lane| lane.done < lane.queue.len()) {
            log::info!(
                "{}: {} accepted, {} refused, {} not delivered",
                net::endpoint(&lane.server, port),
                lane.accepted,
                lane.refused,
                lane.queue.len() - lane.done
            );
        }
    }
    if losing {
        Status::NotSent
    } else if waiting > 0 {
        Status::Spooled
    } else {
        Status::Sent
    }
}

impl Lane {
    pub(crate) fn has_spool(&self) -> bool {
        self.spool.is_some()
    }

    pub(crate) fn spool_path(&self) -> std::path::PathBuf {
        self.spool.as_ref().map(Spool::path).unwrap_or_default()
    }
}

/// Delivers what is left of `lane` to `to`; false when the server failed.
/// `answer_read`: something says whether the results were delivered.
fn deliver_lane(route: &Route, to: &Destination, lane: &mut Lane, answer_read: bool) -> bool {
    // The daemon's close is waited for only a moment, and only when it
    // matters: when a wrapped job's line or -v tells delivered from sent,
    // or for several results. Otherwise the one result counts as written,
    // as send_nsca counts it (it never waits), and with a spool a process
    // of its own confirms the close after the run (confirm.rs).
    // Several results: a daemon that hangs up on a bad packet (a wrong
    // password) shows it within the moment, and they are not the cron case.
    let several = lane.queue.len() - lane.done > 1;
    let wait = match answer_read || several {
        true => protocol::FOREGROUND_CLOSE,
        false => Duration::ZERO,
    };
    let to = &Destination {
        close_wait: Some(wait),
        ..*to
    };
    let mut outcome = flush::deliver(
        &route.settings,
        to,
        &lane.queue,
        lane.done,
        lane.spooled,
        lane.spool.as_mut(),
    );
    report::refusals(&outcome, &lane.queue, to);
    lane.done += outcome.delivery.delivered;
    if let Some(closing) = outcome.delivery.closing.take() {
        let results = lane.queue[lane.done - closing.results..lane.done].to_vec();
        lane.closing.push((closing, results));
    }
    lane.refused += outcome.refused.len();
    lane.accepted += outcome.delivery.delivered - outcome.refused.len();
    let failed = outcome.delivery.error.is_some();
    if failed {
        lane.failure = Some(outcome.delivery);
    }
    !failed
}

/// Says which servers' close was not seen in time with no spool to take
/// the results back, and how many results that leaves unconfirmed.
fn closes_not_seen(lanes: &[Lane], port: u16) -> usize {
    let mut unseen = 0;
    for lane in lanes.iter().filter(|lane| !lane.has_spool()) {
        for (closing, _) in &lane.closing {
            unseen += closing.results;
            log::info!(
                "{}: {} result(s) sent, the daemon's close not seen at once (it reads \
                 them after this run; with --spool they would go back to the spool if it \
                 did not)",
                net::endpoint(&lane.server, port),
                closing.results,
            );
        }
    }
    unseen
}

/// Keeps what did not arrive in the lane's spool (everything not known
/// delivered, so delivery is at least once).
fn settle(lane: &mut Lane, lost: &mut Lost) {
    let undelivered = lane.queue.len() - lane.done;
    match lane.spool.as_mut() {
        Some(spool) => {
            if let Err(err) = spool.keep(lane.done, &lane.queue) {
                lost.unkept += err.lost;
                lane.keep_error = Some(err);
            }
        }
        None => lost.unkept += undelivered,
    }
}

/// `--delay`: a random wait of 0 to `most`, so that a fleet's cron jobs
/// spread over it.
fn wait_a_random_delay(most: Duration) {
    if most.is_zero() {
        return;
    }
    let mut bytes = [0u8; 8];
    let _ = getrandom::fill(&mut bytes);
    let millis = u64::from_le_bytes(bytes) % (most.as_millis() as u64 + 1);
    let wait = Duration::from_millis(millis);
    log::info!(
        "waiting {:.3} s before connecting (--delay {})",
        wait.as_secs_f64(),
        most.as_secs()
    );
    std::thread::sleep(wait);
}

/// The spool of `server` in `--spool`, or none when it cannot be used:
/// then results are delivered directly, with a warning.
fn open_spool(
    cli: &Cli,
    route: &Route,
    server: &str,
    format: Format,
    lost: &mut Lost,
) -> Option<Spool> {
    let dir = cli.spool.as_ref()?;
    let options = spool::OpenOptionsSpool {
        lock_wait: route.timeout,
        max_age: cli.max_age.map(Duration::from_secs),
        format,
    };
    match Spool::open(dir, server, route.port, &options) {
        Ok(spool) => {
            if spool.expired > 0 {
                // Dropped for good: said even under -q.
                complain(&format!(
                    "{} spooled result(s) for {server} older than {} s dropped (--max-age)",
                    spool.expired,
                    options.max_age.unwrap_or_default().as_secs()
                ));
                lost.expired += spool.expired;
            }
            Some(spool)
        }
        Err(err) => {
            log::warn!("spool {err}: delivering directly, without it");
            None
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
    let separator = if cli.lines {
        b'\n'
    } else {
        cli.record_separator
    };
    Ok(if cli.json {
        input::parse_json(&data, format)
    } else {
        input::parse_delimited(&data, cli.delimiter, separator, format)
    })
}

/// The host a wrapped job is reported for: `--host`, else this machine.
pub(crate) fn wrapped_host(cli: &Cli) -> String {
    match &cli.host {
        Some(host) => host.clone(),
        None => net::node_name(),
    }
}
