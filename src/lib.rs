//! adminkit: one-shot command-line tools for system administrators.
//!
//! Each tool is a module with one entry point, `run`, called by the thin
//! binary in `src/bin/`. The shared parts live in [`cli`].

pub mod chk;
pub mod cli;
pub mod mojibake;
pub mod nsca;
pub mod perlenv;
