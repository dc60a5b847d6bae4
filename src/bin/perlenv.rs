//! `perlenv`: a virtualenv for Perl.
//!
//! `perlenv run` is a hop in front of every perl a script starts, so this
//! binary skips the Rust runtime's start-up (`adminkit::common::c_main` says
//! what that saves and what it does instead): `main` is the C entry point.
#![no_main]

use adminkit::common::Verbosity;
use adminkit::perlenv::cli::{Cli, RunArgs};
use clap::Parser;
use std::ffi::{c_char, c_int};

#[unsafe(no_mangle)]
extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    adminkit::common::c_main(run)
}

fn run() -> u8 {
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
    adminkit::common::exit_status("perlenv", result)
}
