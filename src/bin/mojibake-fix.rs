//! mojibake-fix: repair double- and triple-encoded UTF-8 in text and file names.

use adminkit::mojibake::Cli;
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli.verbosity.init_logger("mojibake-fix");
    adminkit::common::finish("mojibake-fix", adminkit::mojibake::run(cli))
}
