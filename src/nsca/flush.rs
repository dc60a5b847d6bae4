//! A batch through any protocol, the spool's results first and a chunk at
//! a time: after each chunk the server acknowledged, the spool's checkpoint
//! moves past it (and what the server refused for good is set aside), so a
//! run killed mid-flush resends at most the chunk it was sending.

use super::protocol::{self, Destination, Settings};
use super::spool::{Spool, Spooled};
use super::types::{Outcome, Refusal};

/// Spooled results per connection (NSCA 2) or per checkpoint (NSCA-ng and
/// Icinga 2, which acknowledge each result): the most that a flush killed
/// part-way sends twice.
pub(crate) const CHUNK: usize = 500;

/// Delivers `queue` (the spool's pending results, then this run's) in
/// order; stops at the first chunk that fails.
pub(crate) fn deliver(
    settings: &Settings,
    to: &Destination,
    queue: &[Spooled],
    mut spool: Option<&mut Spool>,
) -> Outcome {
    let pending = spool.as_ref().map_or(0, |s| s.pending.len());
    let mut outcome = Outcome::default();
    let mut start = 0;
    while start < queue.len() {
        // This run's own results go with the last chunk: they are in no
        // file a checkpoint could mark.
        let end = if pending.saturating_sub(start) > CHUNK {
            start + CHUNK
        } else {
            queue.len()
        };
        let part = protocol::deliver(settings, to, &queue[start..end]);
        let refused: Vec<Refusal> = part
            .refused
            .into_iter()
            .map(|r| Refusal {
                index: r.index + start,
                reason: r.reason,
            })
            .collect();
        outcome.delivery.delivered += part.delivery.delivered;
        if let Some(spool) = spool.as_deref_mut() {
            set_aside_rejected(spool, queue, &refused);
            spool.checkpoint(outcome.delivery.delivered);
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
