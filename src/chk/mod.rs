//! `chk`: checks and repairs ownership, mode bits and POSIX ACLs of trees
//! from rules (Licorn's rule language), safely as root.

pub(crate) mod accounts;
pub(crate) mod acl;
pub(crate) mod backup;
pub(crate) mod backup_file;
pub mod cli;
pub(crate) mod config;
pub(crate) mod edit;
pub(crate) mod explain;
pub(crate) mod factory;
pub mod fuzzy;
pub(crate) mod group;
pub(crate) mod ids;
pub(crate) mod man;
pub(crate) mod model;
pub(crate) mod node;
pub(crate) mod path;
pub(crate) mod quote;
pub(crate) mod restore;
pub(crate) mod rules;
pub(crate) mod safe_read;
pub(crate) mod tmpfiles;
pub(crate) mod user;
pub(crate) mod walk;

pub use cli::Cli;

use crate::common::{Exit, Result};
use cli::ConfigArg;
use config::Config;
use walk::Target;

pub fn run(cli: Cli) -> Result<Exit> {
    let nagios = cli.run.nagios.clone();
    nagios.unknown_on_error("CHK", run_command(cli))
}

fn run_command(cli: Cli) -> Result<Exit> {
    match cli.command {
        cli::Command::Path(args) => path::run(args, &cli.run, cli.verbosity),
        cli::Command::Group(args) => check_model(&cli.config, &cli.run, cli.verbosity, |c| {
            group::targets(&args, c, cli.run.dry_run)
        }),
        cli::Command::User(args) => check_model(&cli.config, &cli.run, cli.verbosity, |c| {
            user::targets(&args, c)
        }),
        cli::Command::Explain(args) => explain::run(&args, &cli.config, &cli.run),
        cli::Command::Rules(args) => factory::run(&args, &cli.config),
        cli::Command::Tmpfiles(args) => tmpfiles::run(&args, &cli.run, cli.verbosity),
        cli::Command::Restore(args) => restore::run(&args, cli.run.dry_run),
    }
}

/// `chk group` and `chk user`: load chk.conf, build the targets of Licorn's
/// model, and check them all with one pool and one summary; targets that
/// could not even be started count in the exit status.
fn check_model(
    config: &ConfigArg,
    run: &cli::RunArgs,
    verbosity: crate::common::Verbosity,
    targets: impl FnOnce(&Config) -> Result<(Vec<Target>, Exit)>,
) -> Result<Exit> {
    let options = path::options(run, verbosity)?;
    let (targets, exit) = targets(&config.load()?)?;
    Ok(walk::check_targets(targets, &options)?.worst(exit))
}
