//! `chk user LOGIN...` and `chk user --all`: each user's home under
//! Licorn's user model, with the user's own `~/.licorn/check.conf`.

use super::accounts::{self, UidRange, User};
use super::config::Config;
use super::factory::Kind;
use super::group::ModelGroups;
use super::model::{self, TargetSpec};
use super::walk::{Ownership, Target};
use crate::common::{Error, Exit, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub const EXAMPLES: &str = "\
EXAMPLES:
  One home, with what its ~/.licorn/check.conf adds:
    chk user alice
  Every standard user, nightly from cron:
    chk user --all -q
  A user's own rules (~/.licorn/check.conf), TAB or blanks between columns:
    src          NOACL
    shared       g:friends:r-x

EXIT STATUS:
  0  compliant or repaired
  1  differences found (--dry-run)
  2  unknown user, bad chk.conf or system rule file, missing acl/admins group
  3  some entries could not be checked or repaired, or a home is missing";

/// `chk user LOGIN... | --all`
#[derive(clap::Args, Debug)]
pub struct UserArgs {
    /// Users whose home (from the passwd database) to check
    #[arg(
        value_name = "LOGIN",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub logins: Vec<String>,
    /// Every standard user (UID_MIN..UID_MAX of /etc/login.defs)
    #[arg(long)]
    pub all: bool,
}

/// The targets of `chk user`, and the outcome of the ones that could not
/// even be started (a home that is not a directory).
pub fn targets(args: &UserArgs, config: &Config) -> Result<(Vec<Target>, Exit)> {
    let users = if args.all {
        all()?
    } else {
        named(&args.logins)?
    };
    let model = ModelGroups::resolve(config)?;
    let mut targets = Vec::new();
    let mut exit = Exit::Success;
    for user in users {
        if is_system_root(&user.home) {
            log::error!(
                "user {}: home is /: refusing to check the whole system",
                user.name
            );
            exit = exit.worst(Exit::Failed);
            continue;
        }
        if !std::fs::symlink_metadata(&user.home).is_ok_and(|m| m.is_dir()) {
            log::error!(
                "user {}: home {} is not a directory",
                user.name,
                user.home.display()
            );
            exit = exit.worst(Exit::Failed);
            continue;
        }
        targets.push(target(&user, &model, config)?);
    }
    Ok((targets, exit))
}

/// One home as a walk target: owned by its user, ACL content in the acl
/// group, private and plain parts in the user's primary group.
pub fn target(user: &User, model: &ModelGroups, config: &Config) -> Result<Target> {
    let spec = TargetSpec {
        kind: Kind::Users,
        label: format!("user {}", user.name),
        root: user.home.clone(),
        group: None,
        permissive: false,
        left_out: BTreeSet::new(),
        own_rules: model::read_own_rules(&user.home, &config.user_rules, &[user.uid, 0]),
        ownership: Ownership {
            owner: Some(user.uid),
            acl_group: Some(model.acl.gid),
            plain_group: Some(user.gid),
            orphan_owner: None,
        },
    };
    model::target(spec, model, config)
}

/// The users named on the command line; an unknown login is a usage error.
pub fn named(logins: &[String]) -> Result<Vec<User>> {
    let mut seen = BTreeSet::new();
    let mut users = Vec::new();
    for login in logins {
        if !seen.insert(login.as_str()) {
            continue;
        }
        let user = accounts::user_by_name(login)
            .map_err(|err| Error::io(format!("looking up user {login}"), err))?
            .ok_or_else(|| Error::usage(format!("user `{login}` does not exist")))?;
        users.push(user);
    }
    Ok(users)
}

/// Every standard user (UID_MIN..UID_MAX of /etc/login.defs) whose home is
/// a directory of its own; others are reported and skipped (a home shared
/// by several users would be handed from one owner to the other).
pub fn all() -> Result<Vec<User>> {
    let range = UidRange::system()?;
    let users = accounts::standard_users(range);
    let mut homes: BTreeMap<&Path, usize> = BTreeMap::new();
    for user in &users {
        *homes.entry(user.home.as_path()).or_default() += 1;
    }
    let keep: Vec<bool> = users
        .iter()
        .map(|user| {
            let why = if homes[user.home.as_path()] > 1 {
                "is the home of several users"
            } else if !std::fs::symlink_metadata(&user.home).is_ok_and(|m| m.is_dir()) {
                "is not a directory"
            } else {
                return true;
            };
            log::warn!(
                "skipping user {}: home {} {why}",
                user.name,
                user.home.display()
            );
            false
        })
        .collect();
    Ok(users
        .into_iter()
        .zip(keep)
        .filter_map(|(user, keep)| keep.then_some(user))
        .collect())
}

/// `/` (however spelled): never a home chk may take over.
fn is_system_root(home: &Path) -> bool {
    std::fs::canonicalize(home).is_ok_and(|p| p == Path::new("/"))
}
