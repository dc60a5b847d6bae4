//! `perlenv run` and `perlenv activate`.

use super::cli::{ActivateArgs, RunArgs, Shell};
use super::env::Env;
use super::{scripts, vars};
use crate::common::{Error, Result};
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::Command;

/// Sets the environment's variables and replaces this process with the
/// command: one exec of cost.
pub fn run(args: &RunArgs) -> Result<()> {
    let env = Env::open(&args.env)?;
    env.require_perl()?;
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| Error::usage("run: no command given"))?;
    let mut cmd = Command::new(program);
    cmd.args(rest);
    vars::apply_to(&env, &mut cmd);
    let err = cmd.exec();
    Err(Error::io(
        format!("running {}", program.to_string_lossy()),
        err,
    ))
}

/// The shell named by $SHELL, for `activate` without `--shell`.
fn shell_from_env() -> Shell {
    let shell = std::env::var_os("SHELL").unwrap_or_default();
    let name = std::path::Path::new(&shell)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match name.as_str() {
        "fish" => Shell::Fish,
        "csh" | "tcsh" => Shell::Tcsh,
        _ => Shell::Sh,
    }
}

pub fn activate(args: &ActivateArgs) -> Result<()> {
    let env = Env::open(&args.env)?;
    env.warn_if_perl_changed();
    let code = match args.shell.unwrap_or_else(shell_from_env) {
        Shell::Sh | Shell::Bash | Shell::Zsh | Shell::Dash | Shell::Ksh => {
            scripts::activate(&env, scripts::Family::Sh)
        }
        Shell::Fish => scripts::activate(&env, scripts::Family::Fish),
        Shell::Csh | Shell::Tcsh => scripts::csh_eval(&env),
    };
    std::io::stdout().lock().write_all(&code)?;
    Ok(())
}
