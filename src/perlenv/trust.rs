//! Whose files perlenv may act on. An environment is code: perlenv runs its
//! perl, loads its modules through PERL5OPT and puts its `bin` first in
//! PATH. Run as root on an environment another user controls, that would
//! run that user's code as root. So every directory on the way to the
//! environment, its own directories and files, and its recorded perl must
//! be owned by root or by the caller, and writable by no one else; anything
//! else is refused (exit 2) with the path that failed.

use crate::common::{Error, Result};
use std::ffi::OsString;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

/// The user perlenv runs as.
fn caller() -> u32 {
    rustix::process::geteuid().as_raw()
}

pub(crate) fn running_as_root() -> bool {
    caller() == 0
}

fn user_name(uid: u32) -> String {
    match nix::unistd::User::from_uid(uid.into()) {
        Ok(Some(user)) => format!("{} (uid {uid})", user.name),
        _ => format!("uid {uid}"),
    }
}

/// Whether group write on a file of group `gid` gives no one else a say:
/// root's group (installers copy the group-write bits of a dist's
/// directories), or, for a user, their own private group (the group named
/// after them that Debian gives each user).
fn trusted_group(gid: u32) -> bool {
    use nix::unistd::{Gid, Group, Uid, User};
    if gid == 0 {
        return true;
    }
    let me = caller();
    if me == 0 || rustix::process::getegid().as_raw() != gid {
        return false;
    }
    match (
        User::from_uid(Uid::from_raw(me)),
        Group::from_gid(Gid::from_raw(gid)),
    ) {
        (Ok(Some(user)), Ok(Some(group))) => {
            group.name == user.name && group.mem.iter().all(|m| *m == user.name)
        }
        _ => false,
    }
}

/// Why `path` with metadata `m` cannot be trusted, if it cannot. An
/// ancestor directory may be sticky and writable by all (/tmp): others can
/// add names there but not replace ours.
fn distrust(path: &Path, m: &std::fs::Metadata, ancestor: bool) -> Option<String> {
    let me = caller();
    if m.uid() != 0 && m.uid() != me {
        let who = user_name(m.uid());
        let advice = match nix::unistd::User::from_uid(m.uid().into()) {
            Ok(Some(user)) if me == 0 => format!(
                " (run this as that user: runuser -u {} -- perlenv ...)",
                user.name
            ),
            _ => String::new(),
        };
        let others = if me == 0 {
            "another user"
        } else {
            "a user other than root or you"
        };
        return Some(format!(
            "{}: owned by {who}; perlenv runs nothing that {others} controls{advice}",
            path.display()
        ));
    }
    let sticky = ancestor && m.is_dir() && m.mode() & 0o1000 != 0;
    let by = match m.mode() & 0o022 {
        0 => return None,
        _ if sticky => return None,
        0o020 if trusted_group(m.gid()) => return None,
        0o020 => "its group",
        _ => "everyone",
    };
    Some(format!(
        "{}: writable by {by} (mode {:04o}); perlenv runs nothing that another \
         user could change (chmod go-w it)",
        path.display(),
        m.mode() & 0o7777
    ))
}

/// An environment (or path) perlenv will not act on, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refused(pub(crate) String);

/// A refusal, or an error that kept the check from being made.
#[derive(Debug)]
pub(crate) enum Problem {
    Refused(Refused),
    Failed(Error),
}

impl Problem {
    /// For callers that report refusals themselves: the refusal as a value,
    /// any other error as the error.
    pub(crate) fn or_error<T>(self) -> Result<Result<T, Refused>> {
        match self {
            Problem::Refused(refused) => Ok(Err(refused)),
            Problem::Failed(err) => Err(err),
        }
    }
}

impl From<Problem> for Error {
    fn from(problem: Problem) -> Error {
        match problem {
            Problem::Refused(Refused(why)) => Error::usage(why),
            Problem::Failed(err) => err,
        }
    }
}

impl From<Error> for Problem {
    fn from(err: Error) -> Problem {
        Problem::Failed(err)
    }
}

fn refuse(why: String) -> Problem {
    Problem::Refused(Refused(why))
}

/// Resolves `path` component by component as the kernel would, checking
/// every directory passed through (and every directory holding a symlink
/// followed) and the final entry; returns the final entry's real path.
/// From the first component that does not exist on, the path is returned
/// as it is, unchecked.
pub(crate) fn resolve_trusted(path: &Path) -> Result<PathBuf, Problem> {
    let absolute = absolute(path)?;
    let mut todo: Vec<OsString> = components(&absolute);
    todo.reverse();
    let mut done = PathBuf::from("/");
    check_entry(&done, true)?;
    let mut links = 0;
    while let Some(part) = todo.pop() {
        if part == ".." {
            done.pop();
            continue;
        }
        let next = done.join(&part);
        let m = match std::fs::symlink_metadata(&next) {
            Ok(m) => m,
            // What does not exist yet is made by the caller (`create`).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                todo.reverse();
                return Ok(todo.iter().fold(next, |path, part| path.join(part)));
            }
            Err(e) => return Err(Error::io(format!("{}", next.display()), e).into()),
        };
        if m.file_type().is_symlink() {
            links += 1;
            if links > 40 {
                return Err(refuse(format!("{}: too many symlinks", path.display())));
            }
            let target = std::fs::read_link(&next)
                .map_err(|e| Error::io(format!("reading the link {}", next.display()), e))?;
            if target.is_absolute() {
                done = PathBuf::from("/");
            }
            let mut more = components(&target);
            more.reverse();
            todo.extend(more);
            continue;
        }
        if let Some(why) = distrust(&next, &m, !todo.is_empty()) {
            return Err(refuse(why));
        }
        done = next;
    }
    Ok(done)
}

fn components(path: &Path) -> Vec<OsString> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect()
}

fn check_entry(path: &Path, ancestor: bool) -> Result<(), Problem> {
    match std::fs::symlink_metadata(path) {
        Ok(m) => match distrust(path, &m, ancestor) {
            Some(why) => Err(refuse(why)),
            None => Ok(()),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(format!("{}", path.display()), e).into()),
    }
}

/// The directory an environment is (to be) made in, before perlenv writes
/// there.
pub(crate) fn verify_parent(root: &Path) -> Result<()> {
    match root.parent() {
        Some(parent) => Ok(resolve_trusted(parent).map(drop)?),
        None => Ok(()),
    }
}

/// What may differ in the recorded perl.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChangedPerl {
    /// Refused as root: any command but `check`.
    Refuse,
    /// `check` reports it itself (CRITICAL, without running it).
    Report,
}

/// An environment's own directories and files (`own`, relative) below its
/// real path `real`.
pub(crate) fn verify_own(real: &Path, own: &[&str]) -> Result<(), Problem> {
    own.iter()
        .try_for_each(|own| check_entry(&real.join(own), false))
}

/// After [`verify_own`] and reading perlenv.cfg: the archname directory,
/// the recorded perl (its way there and the file) and, as root, a perl
/// that changed since creation (`changed`: why it is not run).
pub(crate) fn verify(
    real: &Path,
    archname: &str,
    perl: &Path,
    changed: Option<String>,
) -> Result<(), Problem> {
    check_entry(&real.join("lib/perl5").join(archname), false)?;
    if std::fs::symlink_metadata(perl).is_ok() {
        resolve_trusted(perl)?;
    }
    match changed {
        Some(why) if running_as_root() => Err(refuse(why)),
        _ => Ok(()),
    }
}

/// The absolute form of `path` without resolving symlinks.
pub(crate) fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).map_err(|e| Error::io(format!("resolving {}", path.display()), e))
}
