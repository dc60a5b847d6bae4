//! adminkit: one-shot command-line tools for system administrators.
//!
//! Each tool is a module with one entry point, `run`, called by the thin
//! binary in `src/bin/`. The shared parts live in [`common`], which knows no
//! tool; [`docs`] assembles every tool's man page and completions.

pub mod chk;
pub mod common;
pub mod docs;
pub mod mojibake;
pub mod nsca;
pub mod perlenv;
