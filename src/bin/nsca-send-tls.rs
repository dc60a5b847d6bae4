//! nsca-send-tls: nsca-send with NSCA-ng and the Icinga 2 API (OpenSSL)
//! linked in. nsca-send, built without them so that its every start is
//! cheap, runs this in its place for those protocols.
#![no_main]

use std::ffi::{c_char, c_int};

#[unsafe(no_mangle)]
extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    adminkit::common::c_main(|| adminkit::nsca::run_with_tls(std::env::args_os()))
}
