//! nsca-send: submit passive check results to an NSCA daemon.

pub mod crypto;
