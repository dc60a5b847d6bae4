//! `perlenv`: a virtualenv for Perl.

use adminkit::common::Verbosity;
use adminkit::perlenv::cli::{Cli, RunArgs};
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(args) = RunArgs::plain(&argv) {
        Verbosity::default().init_logger("perlenv");
        return adminkit::common::finish("perlenv", adminkit::perlenv::run_command(&args));
    }
    let cli = Cli::parse_from(argv);
    cli.verbosity.init_logger("perlenv");
    adminkit::common::finish("perlenv", adminkit::perlenv::run(cli))
}
