//! An exclusive flock with a bounded wait, for the tools' lock files (the
//! nsca-send spool, a perlenv environment's installs).

use std::fs::File;
use std::io;
use std::time::{Duration, Instant};

/// What came of waiting for the lock.
#[derive(Debug)]
pub(crate) enum Waited {
    Locked,
    /// Another holder kept it for all of `wait`.
    TimedOut,
}

/// Takes the exclusive lock on `file`, waiting at most `wait`; `waiting`
/// is called once, when the lock is first found taken, to say what the
/// run waits for.
pub(crate) fn exclusive_within(
    file: &File,
    wait: Duration,
    waiting: impl FnOnce(),
) -> io::Result<Waited> {
    use rustix::fs::{FlockOperation, flock};
    let started = Instant::now();
    let mut waiting = Some(waiting);
    loop {
        match flock(file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => return Ok(Waited::Locked),
            Err(e) if e == rustix::io::Errno::WOULDBLOCK || e == rustix::io::Errno::INTR => {}
            Err(e) => return Err(e.into()),
        }
        if started.elapsed() >= wait {
            return Ok(Waited::TimedOut);
        }
        if let Some(say) = waiting.take() {
            say();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
