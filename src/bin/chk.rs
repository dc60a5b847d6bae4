fn main() -> std::process::ExitCode {
    // Like `Cli::parse()`, but an ambiguous abbreviation lists its candidates.
    let cli = adminkit::chk::fuzzy::parse();
    cli.verbosity.init_logger("chk");
    adminkit::common::finish("chk", adminkit::chk::run(cli))
}
