//! `chk user LOGIN...` and `chk user --all`: each user's home under
//! Licorn's user model, with the user's own `~/.licorn/check.conf`.

use super::accounts::{self, UidRange, User};
use super::cli::Selection;
use super::config::Config;
use super::factory::Kind;
use super::model::{self, ModelGroups, Start, TargetSpec};
use super::quote::{io_reason, quoted};
use super::walk::{Ownership, Privacy, Target};
use crate::common::{Error, Exit, Result};
use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::os::fd::OwnedFd;
use std::path::{Component, Path, PathBuf};

/// The targets of `chk user`, and the outcome of the ones that could not
/// even be started (a home that is not a directory).
pub(crate) fn targets(selection: &Selection, config: &Config) -> Result<(Vec<Target>, Exit)> {
    let users = if selection.all {
        all()?
    } else {
        named(&selection.names)?
    };
    model::start_each(users, config, |user, model| match open_home(&user) {
        Ok(home) => {
            target(&user, Some(home), model, config).map(|target| Start::Walk(Box::new(target)))
        }
        Err(why) => {
            log::error!("user {}: home {} {why}", user.name, quoted(&user.home));
            Ok(Start::Not(Exit::Failed))
        }
    })
}

/// Opens the home of `user` from `/`, one component at a time with
/// `O_NOFOLLOW|O_DIRECTORY`, as the walker descends: what is checked is
/// what gets walked, and nobody can swap a component in between. Refused:
/// a path through a symbolic link (`/home/link/x`, with `link` pointing
/// into bob's home, would hand bob's files to the user), through a
/// directory another user may write or owns (they could put a symlink or
/// their own directory in the path), a home that is `/`, and a home that
/// belongs to another existing user.
fn open_home(user: &User) -> std::result::Result<OwnedFd, String> {
    let mut parts = Vec::new();
    for component in user.home.components() {
        match component {
            Component::RootDir | Component::CurDir => {}
            Component::Normal(name) => parts.push(name),
            _ => return Err("is not an absolute path without `..`".into()),
        }
    }
    if !user.home.is_absolute() {
        return Err("is not an absolute path".into());
    }
    let Some((home_name, parents)) = parts.split_last() else {
        return Err("is the root directory: refusing to check the whole system".into());
    };
    // Why a component could not be opened; `last`: it is the home itself.
    let opening = |what: &Path, last: bool, e: Errno| match (e, last) {
        (Errno::LOOP, true) => "is a symbolic link: refused".to_string(),
        (Errno::LOOP, false) => format!(
            "passes through the symbolic link {}: refused (set the home to its real path)",
            quoted(what)
        ),
        (Errno::NOTDIR, true) => "is not a directory".to_string(),
        (Errno::NOTDIR, false) => format!("passes through {}, not a directory", quoted(what)),
        (Errno::NOENT, _) => "does not exist".to_string(),
        (e, _) => format!(
            "cannot be opened: {}: {}",
            quoted(what),
            io_reason(&e.into())
        ),
    };
    let open = |dir: &OwnedFd, name: &OsStr| {
        rustix::fs::openat(
            dir,
            name,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
    };
    let stat = |fd: &OwnedFd, what: &Path| {
        rustix::fs::fstat(fd)
            .map_err(|e| format!("reading {}: {}", quoted(what), io_reason(&e.into())))
    };
    let mut path = PathBuf::from("/");
    let mut dir = rustix::fs::open(
        "/",
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| opening(&path, false, e))?;
    let mut dir_stat = stat(&dir, &path)?;
    let trusted = |uid: u32| uid == 0 || uid == user.uid;
    for (index, name) in parents.iter().chain([home_name]).enumerate() {
        let child_path = path.join(name);
        let last = index == parents.len();
        let child = open(&dir, name).map_err(|e| {
            // O_DIRECTORY answers ENOTDIR for a symlink too.
            let symlink = rustix::fs::statat(&dir, *name, AtFlags::SYMLINK_NOFOLLOW)
                .is_ok_and(|st| FileType::from_raw_mode(st.st_mode) == FileType::Symlink);
            opening(&child_path, last, if symlink { Errno::LOOP } else { e })
        })?;
        let child_stat = stat(&child, &child_path)?;
        // `dir` is on the way: only root and the user may change it.
        if !trusted(dir_stat.st_uid) {
            return Err(format!(
                "passes through {}, owned by {}: refused (another user could change the path)",
                quoted(&path),
                owner_name(dir_stat.st_uid)
            ));
        }
        let writable_by_others = dir_stat.st_mode & 0o022 != 0;
        let sticky = dir_stat.st_mode & 0o1000 != 0;
        // In a sticky directory (/tmp), others may add entries but not
        // rename or remove one they do not own.
        if writable_by_others && !(sticky && trusted(child_stat.st_uid)) {
            return Err(format!(
                "passes through {} (mode {:04o}), which other users may write: refused",
                quoted(&path),
                dir_stat.st_mode & 0o7777
            ));
        }
        (path, dir, dir_stat) = (child_path, child, child_stat);
    }
    if dir_stat.st_uid != user.uid && accounts::uid_exists(dir_stat.st_uid) && dir_stat.st_uid != 0
    {
        return Err(format!(
            "belongs to {}: refusing to hand it to {}",
            owner_name(dir_stat.st_uid),
            user.name
        ));
    }
    Ok(dir)
}

/// `bob (uid 1001)`, or the number alone.
fn owner_name(uid: u32) -> String {
    match accounts::user_by_uid(uid) {
        Ok(Some(user)) => format!("{} (uid {uid})", user.name),
        _ => format!("uid {uid}"),
    }
}

/// One home as a walk target: owned by its user, ACL content in the acl
/// group, private and plain parts in the user's primary group. `home`:
/// the home opened by [`open_home`], walked and read from as it is.
pub(crate) fn target(
    user: &User,
    home: Option<OwnedFd>,
    model: &ModelGroups,
    config: &Config,
) -> Result<Target> {
    let spec = TargetSpec {
        kind: Kind::Users,
        label: format!("user {}", user.name),
        root: user.home.clone(),
        group: None,
        permissive: false,
        left_out: BTreeSet::new(),
        own_rules: model::read_own_rules(
            &user.home,
            home.as_ref(),
            &config.user_rules,
            &[user.uid, 0],
        ),
        ownership: Ownership {
            owner: Some(user.uid),
            acl_group: Some(model.acl.gid),
            plain_group: Some(user.gid),
            orphan_owner: None,
            privacy: Some(Privacy {
                keep: config.keep_private,
                allowed: [Some(model.admins.gid), None],
            }),
        },
    };
    let mut target = model::target(spec, model, config)?;
    target.opened = home;
    Ok(target)
}

/// The users named on the command line; an unknown login is a usage error.
pub(crate) fn named(logins: &[String]) -> Result<Vec<User>> {
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
pub(crate) fn all() -> Result<Vec<User>> {
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
