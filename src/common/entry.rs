//! The body of a C `main` for the bins whose start-up is on someone's
//! critical path (`#![no_main]`: perlenv, a hop in front of every perl a
//! script starts; nsca-send, one start per result from cron). They skip the
//! Rust runtime's start-up, whose stack-guard probe reads /proc/self/maps
//! and whose signal stack costs an mmap and an mprotect, and do here the
//! parts of it they need.
//!
//! `std::env::args_os` still works without the runtime's `lang_start`
//! because std reads argv from a function of its own in `.init_array`,
//! which glibc calls with (argc, argv, envp) before `main` (a glibc
//! extension; musl passes no arguments there, and args_os would be empty).

use std::ffi::c_int;
use std::io::Write;

/// Runs `body` as the runtime would run `main`, and gives its exit status.
pub fn c_main(body: impl FnOnce() -> u8) -> c_int {
    open_standard_fds();
    // A closed pipe is an error to report (or ignore), not a signal that
    // kills us mid-write. (std's Command puts SIGPIPE back to the default in
    // the commands we start, as it always does.)
    // SAFETY: signal(2) with a valid signal number and SIG_IGN; nothing
    // else runs yet (no thread, no handler installed that this replaces).
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    let status = body();
    // The runtime's last step too: a last line without its newline is still
    // in stdout's buffer.
    let _ = std::io::stdout().flush();
    status.into()
}

/// Puts /dev/null on a closed stdin, stdout or stderr, as the runtime does:
/// otherwise the first file or socket opened would get that number, and a
/// message meant for stderr would land in it.
fn open_standard_fds() {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: poll(2) on an array we own, of the length given, no wait.
    if unsafe { libc::poll(fds.as_mut_ptr(), 3, 0) } <= 0 {
        return;
    }
    for closed in fds.iter().filter(|p| p.revents & libc::POLLNVAL != 0) {
        let mode = if closed.fd == 0 {
            libc::O_RDONLY
        } else {
            libc::O_RDWR
        };
        // SAFETY: open(2) of a NUL-terminated path; the lowest free number
        // is the closed one (the lower ones are open or reopened already).
        let fd = unsafe { libc::open(c"/dev/null".as_ptr(), mode) };
        if fd != closed.fd {
            // Without /dev/null there is nothing better to do than go on.
            return;
        }
    }
}
