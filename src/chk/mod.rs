//! `chk`: checks and repairs ownership, mode bits and POSIX ACLs of trees
//! from rules (Licorn's rule language), safely as root.

pub mod accounts;
pub mod acl;
pub mod cli;
pub mod config;
pub mod explain;
pub mod factory;
pub mod fuzzy;
pub mod group;
pub mod ids;
pub mod model;
pub mod node;
pub mod path;
pub mod rules;
pub mod safe_read;
pub mod user;
pub mod walk;

pub use cli::Cli;

use crate::cli::{Exit, Result};

pub fn run(cli: Cli) -> Result<Exit> {
    match cli.command {
        cli::Command::Path(args) => path::run(args, &cli.run, cli.verbosity),
        cli::Command::Group(args) => group::run(&args, &cli.run, cli.verbosity),
        cli::Command::User(args) => user::run(&args, &cli.run, cli.verbosity),
        cli::Command::Explain(args) => explain::run(&args, cli.run.json),
        cli::Command::Rules(args) => factory::run(&args),
    }
}
