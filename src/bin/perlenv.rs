//! `perlenv`: a virtualenv for Perl.
//!
//! `perlenv run` is a hop in front of every perl a script starts, so this
//! binary skips the Rust runtime's start-up (stack-guard probe through
//! /proc/self/maps, signal stack, stdio poll): `main` is the C entry point.
#![no_main]

use adminkit::common::Verbosity;
use adminkit::perlenv::cli::{Cli, RunArgs};
use clap::Parser;
use std::ffi::{c_char, c_int};
use std::io::Write;

#[unsafe(no_mangle)]
extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(args) = RunArgs::plain(&argv) {
        Verbosity::default().init_logger("perlenv");
        return adminkit::common::exit_status("perlenv", adminkit::perlenv::run_command(&args))
            .into();
    }
    // What the Rust runtime would have done: a closed pipe is an error to
    // report (or ignore), not a signal that kills us mid-write.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    let cli = Cli::parse_from(argv);
    cli.verbosity.init_logger("perlenv");
    let status = adminkit::common::exit_status("perlenv", adminkit::perlenv::run(cli));
    // The runtime's last step too: a last line without its newline is still
    // in stdout's buffer.
    let _ = std::io::stdout().flush();
    status.into()
}
