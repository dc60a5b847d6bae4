//! A queue through any protocol, a chunk at a time: after each chunk of
//! spooled results the server acknowledged, the spool's checkpoint moves
//! past it (and what the server refused for good is set aside first), so a
//! run killed mid-flush resends at most the chunk it was sending.

use super::protocol::{self, Destination, Settings};
use super::spool::{Spool, Spooled};
use super::types::{Outcome, Refusal};

/// Spooled results per connection (NSCA 2) or per checkpoint (NSCA-ng and
/// Icinga 2, which acknowledge each result): the most that a flush killed
/// part-way sends twice.
pub(crate) const CHUNK: usize = 500;

/// Delivers `queue[from..]` in order, stopping at the first chunk that
/// fails. The first `spooled` results of `queue` are the spool's, which go
/// `CHUNK` at a time with a checkpoint after each; this run's own results
/// go with the last chunk (they are in no file a checkpoint could mark).
/// Counts and refusal indexes are about `queue`, from `from` on.
pub(crate) fn deliver(
    settings: &Settings,
    to: &Destination,
    queue: &[Spooled],
    from: usize,
    spooled: usize,
    mut spool: Option<&mut Spool>,
) -> Outcome {
    let mut outcome = Outcome::default();
    let mut start = from;
    while start < queue.len() {
        let end = if spooled.saturating_sub(start) > CHUNK {
            start + CHUNK
        } else {
            queue.len()
        };
        // Only the last connection's close may be confirmed later.
        let to = Destination {
            close_wait: to.close_wait.filter(|_| end == queue.len()),
            ..*to
        };
        let part = protocol::deliver(settings, &to, &queue[start..end]);
        let refused: Vec<Refusal> = part
            .refused
            .into_iter()
            .map(|r| Refusal {
                index: r.index + start,
                reason: r.reason,
            })
            .collect();
        outcome.delivery.delivered += part.delivery.delivered;
        outcome.delivery.closing = part.delivery.closing;
        if let Some(spool) = spool.as_deref_mut() {
            set_aside_rejected(spool, queue, &refused);
            spool.checkpoint(start + part.delivery.delivered);
        }
        outcome.refused.extend(refused);
        if part.delivery.error.is_some() {
            outcome.delivery.acknowledged = part.delivery.acknowledged;
            outcome.delivery.unconfirmed = part.delivery.unconfirmed;
            outcome.delivery.error = part.delivery.error;
            break;
        }
        start = end;
    }
    outcome
}

fn set_aside_rejected(spool: &Spool, queue: &[Spooled], refused: &[Refusal]) {
    let rejected: Vec<(&Spooled, &str)> = refused
        .iter()
        .map(|r| (&queue[r.index], r.reason.as_str()))
        .collect();
    if let Err(e) = spool.reject(&rejected) {
        log::warn!(
            "cannot set the refused result(s) aside in '{}': {}",
            spool.rejected_path().display(),
            crate::common::io_reason(&e)
        );
    }
}
