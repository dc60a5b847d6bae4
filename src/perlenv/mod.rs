//! perlenv: what `python3 -m venv` is for Python, for Perl. An environment
//! is a local::lib-compatible INSTALL_BASE tree with static activation
//! scripts for every shell and an @INC filter that hides the system's site
//! and vendor modules.

mod build;
pub mod cli;
pub(crate) mod cpanfile;
pub(crate) mod create;
pub(crate) mod env;
mod guard;
pub(crate) mod info;
pub(crate) mod install;
pub(crate) mod inventory;
mod metadata;
pub(crate) mod mirror;
mod outcome;
mod pinned;
mod quote;
mod report;
pub(crate) mod run;
mod sandbox;
pub(crate) mod scripts;
mod snapshot;
mod tarball;
mod trust;
pub(crate) mod vars;
mod walk;
pub(crate) mod wrap;

use crate::common::{Exit, Result};
use cli::{Cli, Command};

/// `perlenv run`: on success it never returns (the command replaced perlenv).
pub fn run_command(args: &cli::RunArgs) -> Result<Exit> {
    run::run(args)?;
    Ok(Exit::Success)
}

pub fn run(cli: Cli) -> Result<Exit> {
    match &cli.command {
        Command::Create(args) => report::create(args)?,
        Command::Install(args) => report::install(args, cli.verbosity.is_quiet())?,
        Command::Run(args) => return run_command(args),
        Command::Activate(args) => run::activate(args)?,
        Command::List(args) => info::list(args)?,
        Command::Freeze(args) => info::freeze(&args.env)?,
        Command::Lock(args) => snapshot::lock(&args.env, args.output.as_deref())?,
        Command::Bundle(args) => snapshot::bundle(&args.env, &args.dir, &args.from)?,
        Command::Info(args) => info::info(args)?,
        Command::Check(args) => {
            return args.nagios.unknown_on_error("PERLENV", info::check(args));
        }
        Command::Which(args) => return info::which(args),
        Command::Cache(command) => build::cache::command(command)?,
    }
    Ok(Exit::Success)
}
