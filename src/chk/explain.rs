//! `chk explain PATH`: which target and rule govern PATH, what the rule
//! wants, what is there, and what a repair would change.

use crate::cli::{Exit, Result, Verbosity};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    /// A path inside a shared group directory or a user's home
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    #[command(flatten)]
    pub config: super::config::ConfigArg,
}

pub fn run(args: &ExplainArgs, _verbosity: Verbosity) -> Result<Exit> {
    let _config = args.config.load()?;
    Ok(Exit::Success)
}
