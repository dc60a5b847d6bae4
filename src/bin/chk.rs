use adminkit::chk::Cli;
use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    cli.verbosity.init_logger("chk");
    adminkit::cli::finish("chk", adminkit::chk::run(cli))
}
