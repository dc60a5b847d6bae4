//! `chk user LOGIN...` and `chk user --all`: each user's home under
//! Licorn's user model, with the user's own `~/.licorn/check.conf`.

use super::accounts::{self, UidRange, User};
use super::config::Config;
use super::safe_read::{self, Refused};
use crate::cli::{Error, Result};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Where the standard-user range is defined.
pub const LOGIN_DEFS: &str = "/etc/login.defs";

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
/// a directory; users without one are reported and skipped.
pub fn all() -> Result<Vec<User>> {
    let range = UidRange::from_login_defs(Path::new(LOGIN_DEFS))
        .map_err(|err| Error::io(format!("reading {LOGIN_DEFS}"), err))?;
    Ok(accounts::standard_users(range)
        .into_iter()
        .filter(|user| {
            let is_dir = std::fs::symlink_metadata(&user.home).is_ok_and(|m| m.is_dir());
            if !is_dir {
                log::warn!(
                    "skipping user {}: home {} is not a directory",
                    user.name,
                    user.home.display()
                );
            }
            is_dir
        })
        .collect())
}

/// The user's own rule file, read as the user would see it (see
/// [`safe_read`]). `None` when there is none or it is refused (warned).
pub fn read_user_rules(user: &User, config: &Config) -> Option<(PathBuf, String)> {
    let path = user.home.join(&config.user_rules);
    match safe_read::read_owned_file(&user.home, &config.user_rules, &[user.uid, 0]) {
        Ok(bytes) => Some((path, String::from_utf8_lossy(&bytes).into_owned())),
        Err(Refused::Missing) => None,
        Err(Refused::Unsafe(why)) => {
            log::warn!("{}: ignored: {why}", path.display());
            None
        }
    }
}
