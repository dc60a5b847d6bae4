//! The daemon's close of the last connection, confirmed after the run.
//!
//! NSCA 2 has no acknowledgement: only the daemon's clean close proves it
//! read every packet. Debian's forking (`--daemon`) and inetd daemons read
//! right after sending their IV, find nothing, and sleep a second before
//! reading the packet, so waiting for that close made one result per call
//! a second slower than send_nsca, which never waits. With a spool, the run
//! waits only a moment (at most [`super::protocol::FOREGROUND_CLOSE`]) and a
//! detached child waits for the rest (up to the timeout): when the close
//! does not come cleanly, it puts the results back into the spool for the
//! next run. Delivery stays at least once; only a crash of the machine
//! during that second can lose them.

use super::spool::{OpenOptionsSpool, Spool, Spooled};
use super::types::Closing;
use std::path::Path;

/// A connection to confirm, and what to spool again if it does not close.
pub(crate) struct Pending {
    pub(crate) server: String,
    pub(crate) closing: Closing,
    pub(crate) results: Vec<Spooled>,
}

/// Confirms `pending` in a detached child (or here, when it cannot fork).
pub(crate) fn in_background(
    pending: Vec<Pending>,
    dir: &Path,
    port: u16,
    options: &OpenOptionsSpool,
) {
    if pending.is_empty() {
        return;
    }
    // SAFETY: fork(2) itself is a plain syscall. The child only runs Rust
    // code that takes no lock another thread could hold: logging is turned
    // off before anything else (a wrapped job's copier threads may still
    // hold stdout or stderr), and it ends with _exit.
    let pid = unsafe { libc::fork() };
    match pid {
        0 => {
            log::set_max_level(log::LevelFilter::Off);
            detach();
            confirm_all(pending, dir, port, options);
            // SAFETY: ends the child at once, running no destructor or
            // atexit handler that belongs to the parent.
            unsafe { libc::_exit(0) }
        }
        -1 => confirm_all(pending, dir, port, options),
        pid => log::info!(
            "the daemon's close is confirmed in the background (pid {pid}); \
             results it did not take go back to the spool"
        ),
    }
}

/// A new session, with stdin, stdout and stderr on /dev/null, so that cron
/// (which reads our output to its end) does not wait for us.
fn detach() {
    let _ = rustix::process::setsid();
    if let Ok(null) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    {
        use std::os::fd::AsRawFd;
        for fd in 0..3 {
            // SAFETY: dup2(2) onto the standard descriptors, which we own.
            unsafe { libc::dup2(null.as_raw_fd(), fd) };
        }
    }
}

fn confirm_all(pending: Vec<Pending>, dir: &Path, port: u16, options: &OpenOptionsSpool) {
    for Pending {
        server,
        closing,
        results,
    } in pending
    {
        if closing.confirm(options.lock_wait).is_err()
            && let Ok(mut spool) = Spool::open(dir, &server, port, options)
        {
            // What waits there stays; ours are appended after it.
            let mut queue = spool.pending.clone();
            queue.extend(results);
            let _ = spool.keep(0, &queue);
        }
    }
}
