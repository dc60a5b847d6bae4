//! mojibake-fix: repair UTF-8 that was misread as a legacy 8-bit code page,
//! once or several times over, in text streams and in file names.

pub(crate) mod badness;
pub mod cjk;
pub(crate) mod cjk_common;
pub mod cli;
pub mod codepages;
pub(crate) mod in_place;
pub(crate) mod journal;
pub(crate) mod legacy;
pub(crate) mod letters;
pub(crate) mod namer;
pub(crate) mod names;
pub(crate) mod plausible;
pub(crate) mod repair;
pub(crate) mod safe_fs;
pub(crate) mod text;
pub(crate) mod undo;
pub(crate) mod utf8;

pub use cli::Cli;
pub use repair::{Repairer, Step};

use crate::common::{Exit, Result};
use cli::Command;

/// Runs one mojibake-fix command.
pub fn run(cli: Cli) -> Result<Exit> {
    let quiet = cli.verbosity.is_quiet();
    match &cli.command {
        Command::Names(args) => names::run_names(args, quiet),
        Command::Text(args) if args.in_place => in_place::run_in_place(args, quiet),
        Command::Text(args) => text::run_text(args),
        Command::Check(args) => args
            .nagios
            .unknown_on_error("MOJIBAKE-FIX", text::run_check(args, quiet)),
        Command::Explain(args) => text::run_explain(args),
        Command::Undo(args) => undo::run_undo(args, quiet),
    }
}
