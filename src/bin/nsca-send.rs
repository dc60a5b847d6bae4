//! nsca-send: a send_nsca drop-in. See `nsca-send --help`.

fn main() -> std::process::ExitCode {
    adminkit::nsca::run(std::env::args_os())
}
