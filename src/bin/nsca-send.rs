//! nsca-send: a send_nsca drop-in. See `nsca-send --help`.
//!
//! From cron it starts once per result, so it skips the Rust runtime's
//! start-up as perlenv does (`adminkit::common::c_main` says what that
//! saves and what it does instead): `main` is the C entry point.
#![no_main]

use std::ffi::{c_char, c_int};

#[unsafe(no_mangle)]
extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    adminkit::common::c_main(|| adminkit::nsca::run(std::env::args_os()))
}
