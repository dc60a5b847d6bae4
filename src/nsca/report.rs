//! What the user reads on stderr: bad records, refusals, and what became
//! of the results that did not arrive.

use super::batch::Lane;
use super::input::Parsed;
use super::net;
use super::protocol::Destination;
use super::types::{Outcome, Spooled, Status};
use crate::common::Error;

pub(crate) const TOOL: &str = "nsca-send";

/// After this many bad records, the rest are only counted.
const MAX_RECORD_ERRORS: usize = 100;

/// An error line: `nsca-send: MESSAGE`.
pub(crate) fn complain(message: &str) {
    crate::common::error::report(TOOL, &Error::failed(message));
}

/// Bad records with their numbers (at most [`MAX_RECORD_ERRORS`], then a
/// count), and cut fields as warnings.
pub(crate) fn input_problems(parsed: &Parsed) {
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
    for number in parsed.merged.iter().take(MAX_RECORD_ERRORS) {
        log::warn!(
            "record {number}: its output holds a newline followed by what looks like another \
             record: sent as one record, as send_nsca does (records are separated by ETB, \
             0x17); for one record per line use -ds 0x0a or --lines"
        );
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

pub(crate) fn refusals(outcome: &Outcome, queue: &[Spooled], to: &Destination) {
    for refusal in &outcome.refused {
        let result = &queue[refusal.index].result;
        complain(&format!(
            "{} refused the result for {}{}{} for good: {}",
            net::endpoint(to.server, to.port),
            String::from_utf8_lossy(&result.host),
            if result.service.is_empty() { "" } else { ";" },
            String::from_utf8_lossy(&result.service),
            refusal.reason
        ));
    }
}

/// Results of the run that are gone: no spool kept them.
#[derive(Debug, Default)]
pub(crate) struct Lost {
    /// Bad records of the input.
    pub(crate) bad: usize,
    /// Spooled results dropped by `--max-age`.
    pub(crate) expired: usize,
    /// Results not delivered that no spool could keep.
    pub(crate) unkept: usize,
}

impl Lost {
    fn any(&self) -> bool {
        self.bad + self.expired + self.unkept > 0
    }
}

/// Says what became of the results that did not arrive, and gives the
/// status: results kept safely in a spool are only warnings (`-q` hides
/// them, cron mails nothing), a loss or a refusal is an error.
pub(crate) fn outcome(lanes: &[Lane], lost: &Lost, port: u16, every_server: bool) -> Status {
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
