//! nsca-send: a send_nsca drop-in. See `nsca-send --help`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match adminkit::nsca::cli::parse_or_exit_code(std::env::args_os()) {
        Ok(cli) => cli,
        Err(status) => return status,
    };
    cli.verbosity.init_logger("nsca-send");
    if cli.wrap.is_some() {
        return adminkit::nsca::run_wrapped(cli);
    }
    adminkit::nsca::run(cli)
}
