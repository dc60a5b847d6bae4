//! `create --json` and `install --json`: the commands as usual, then the
//! suite's result envelope (what was created or newly installed).
//!
//! What an install added is read from the environment's modules (its .pm
//! files) before and after: cpanm records a dist (`.meta/*/install.json`)
//! only when the dist ships META, so those records would miss some.

use super::cli::{CreateArgs, InstallArgs};
use super::env::Env;
use super::{create, install, inventory};
use crate::common::{Envelope, JsonLines, Result};
use std::collections::BTreeSet;

pub(super) fn create(args: &CreateArgs) -> Result<()> {
    create::create(args)?;
    if args.json {
        let msg = format!("created {}", args.env.display());
        let counts = serde_json::json!({ "env": args.env.to_string_lossy() });
        Envelope::new("perlenv", 1, 1, 0, msg, counts).emit(&JsonLines::stdout())?;
    }
    Ok(())
}

/// The modules of ENV as `Name Version`, to tell what an install added or upgraded.
fn modules(args: &InstallArgs) -> BTreeSet<String> {
    Env::open(&args.env)
        .map(|env| {
            inventory::modules(&env)
                .into_iter()
                .map(|m| format!("{} {}", m.module, m.version.as_deref().unwrap_or("undef")))
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn install(args: &InstallArgs, quiet: bool) -> Result<()> {
    let locked = super::snapshot::locked_install(args)?;
    let args = locked.as_ref().unwrap_or(args);
    if !args.json {
        return install::install(args, quiet);
    }
    let before = modules(args);
    let result = install::install(args, quiet);
    let after = modules(args);
    let installed: Vec<&String> = after.difference(&before).collect();
    let msg = match &result {
        Ok(()) => format!(
            "{} modules installed, {} in the environment",
            installed.len(),
            after.len()
        ),
        Err(err) => format!("perlenv: {err}"),
    };
    let errors = u64::from(result.is_err());
    let counts = serde_json::json!({ "installed": installed });
    Envelope::new(
        "perlenv",
        after.len() as u64,
        installed.len() as u64,
        errors,
        msg,
        counts,
    )
    .emit(&JsonLines::stdout())?;
    result
}
