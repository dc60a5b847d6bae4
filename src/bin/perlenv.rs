//! `perlenv`: a virtualenv for Perl.

use adminkit::perlenv::cli::Cli;
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli.verbosity.init_logger("perlenv");
    adminkit::common::finish("perlenv", adminkit::perlenv::run(cli))
}
