//! `perlenv`: a virtualenv for Perl.
//!
//! `perlenv run` is a hop in front of every perl a script starts, so this
//! binary skips the Rust runtime's start-up (stack-guard probe through
//! /proc/self/maps, signal stack, stdio poll): `main` is the C entry point.
//!
//! `std::env::args_os` still works without the runtime's `lang_start`
//! because std reads argv from a function of its own in `.init_array`,
//! which glibc calls with (argc, argv, envp) before `main` (a glibc
//! extension; musl passes no arguments there, and args_os would be empty).
#![no_main]

use adminkit::common::Verbosity;
use adminkit::perlenv::cli::{Cli, RunArgs};
use clap::Parser;
use std::ffi::{c_char, c_int};
use std::io::Write;

#[unsafe(no_mangle)]
extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    // What the Rust runtime would have done: a closed pipe is an error to
    // report (or ignore), not a signal that kills us mid-write. (`run` execs
    // its command with SIGPIPE back at the default, as std always does.)
    // SAFETY: signal(2) with a valid signal number and SIG_IGN; nothing
    // else runs yet (no thread, no handler installed that this replaces).
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let result = match RunArgs::plain(&argv) {
        Some(args) => {
            Verbosity::default().init_logger("perlenv");
            adminkit::perlenv::run_command(&args)
        }
        None => {
            let cli = Cli::parse_from(argv);
            cli.verbosity.init_logger("perlenv");
            adminkit::perlenv::run(cli)
        }
    };
    let status = adminkit::common::exit_status("perlenv", result);
    // The runtime's last step too: a last line without its newline is still
    // in stdout's buffer.
    let _ = std::io::stdout().flush();
    status.into()
}
