//! What the user reads on stderr: bad records, refusals, and what became
//! of the results that did not arrive.

use super::input::Parsed;
use super::net;
use super::protocol::Destination;
use super::types::{Outcome, Spooled};
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
    pub(crate) fn any(&self) -> bool {
        self.bad + self.expired + self.unkept > 0
    }
}
