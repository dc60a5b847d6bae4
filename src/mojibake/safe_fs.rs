//! Reaching and changing entries in trees that other users may write,
//! as root, without being led elsewhere: a directory is opened from `/`
//! one component at a time with `O_NOFOLLOW|O_DIRECTORY`, so a component
//! swapped for a symlink since the path was recorded is refused, not
//! followed; every change then goes through that directory's descriptor.

use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::fs::{Mode, OFlags, RenameFlags, Timespec, Timestamps};
use std::ffi::{OsStr, OsString};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path};

/// Longest file name Linux file systems accept, in bytes.
pub(crate) const NAME_MAX: usize = 255;

/// Opens the directory `path` (absolute, without `.` or `..`) from `/`;
/// refuses when any component is a symlink or not a directory. The
/// directories on the way are only searched (`O_PATH`), the last one is
/// opened for reading.
pub(crate) fn open_dir(path: &Path) -> io::Result<OwnedFd> {
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::RootDir => {}
            Component::Normal(name) => parts.push(name),
            _ => return Err(io::Error::other("not an absolute path without `.` or `..`")),
        }
    }
    if !path.is_absolute() {
        return Err(io::Error::other("not an absolute path"));
    }
    let mut dir = rustix::fs::open("/", dir_flags(parts.is_empty()), Mode::empty())?;
    let mut walked = std::path::PathBuf::from("/");
    for (i, name) in parts.iter().enumerate() {
        walked.push(name);
        dir = open_dir_at(dir.as_fd(), name, i + 1 == parts.len()).map_err(|e| {
            if matches!(e, rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR) {
                io::Error::other(format!(
                    "{} is a symbolic link or not a directory",
                    walked.display()
                ))
            } else {
                e.into()
            }
        })?;
    }
    Ok(dir)
}

/// The directory `name` of `dir`, never through a symlink; `last` opens it
/// for reading, otherwise only for the next lookup.
pub(crate) fn open_dir_at(
    dir: BorrowedFd<'_>,
    name: &OsStr,
    last: bool,
) -> rustix::io::Result<OwnedFd> {
    rustix::fs::openat(dir, name, dir_flags(last), Mode::empty())
}

fn dir_flags(last: bool) -> OFlags {
    let base = OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    if last {
        base | OFlags::RDONLY
    } else {
        base | OFlags::PATH
    }
}

/// The name of the temporary entry that replaces `name` (a repaired file,
/// a retargeted symlink): fixed, so that a run killed half-way leaves
/// something the next run recognises as its own; shortened to fit NAME_MAX.
pub(crate) fn temp_name(name: &OsStr) -> OsString {
    const SUFFIX: &str = ".mojibake-fix-tmp";
    let room = NAME_MAX - 1 - SUFFIX.len();
    let bytes = name.as_bytes();
    let mut cut = bytes.len().min(room);
    // Cut a UTF-8 name on a character boundary.
    while cut < bytes.len() && cut > 0 && (bytes[cut] & 0xC0) == 0x80 {
        cut -= 1;
    }
    let mut temp = OsString::from(".");
    temp.push(OsStr::from_bytes(&bytes[..cut]));
    temp.push(SUFFIX);
    temp
}

/// A directory's access and modification times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DirTimes {
    pub(crate) atime: (i64, i64),
    pub(crate) mtime: (i64, i64),
}

impl DirTimes {
    pub(crate) fn of(dir: BorrowedFd<'_>) -> io::Result<DirTimes> {
        let st = rustix::fs::fstat(dir)?;
        Ok(DirTimes {
            atime: (st.st_atime as i64, st.st_atime_nsec as i64),
            mtime: (st.st_mtime as i64, st.st_mtime_nsec as i64),
        })
    }

    /// Puts the times back (a warning when the file system refuses).
    pub(crate) fn restore(self, dir: BorrowedFd<'_>) {
        let times = Timestamps {
            last_access: Timespec {
                tv_sec: self.atime.0 as _,
                tv_nsec: self.atime.1 as _,
            },
            last_modification: Timespec {
                tv_sec: self.mtime.0 as _,
                tv_nsec: self.mtime.1 as _,
            },
        };
        if let Err(e) = rustix::fs::futimens(dir, &times) {
            log::warn!("could not keep a directory's times: {e}");
        }
    }
}

/// renameat2 within one directory, the directory's times put back after.
pub(crate) fn rename_in_dir(
    dir: BorrowedFd<'_>,
    old: &OsStr,
    new: &OsStr,
    flags: RenameFlags,
) -> io::Result<()> {
    let before = DirTimes::of(dir)?;
    rustix::fs::renameat_with(dir, old, dir, new, flags)?;
    before.restore(dir);
    Ok(())
}

/// Gives the symlink `name` of `dir` the times of `from` (a link it
/// replaced): a warning when the file system refuses.
pub(crate) fn set_link_times(dir: BorrowedFd<'_>, name: &OsStr, from: &rustix::fs::Stat) {
    let times = Timestamps {
        last_access: Timespec {
            tv_sec: from.st_atime as _,
            tv_nsec: from.st_atime_nsec as _,
        },
        last_modification: Timespec {
            tv_sec: from.st_mtime as _,
            tv_nsec: from.st_mtime_nsec as _,
        },
    };
    if let Err(e) = rustix::fs::utimensat(dir, name, &times, rustix::fs::AtFlags::SYMLINK_NOFOLLOW)
    {
        log::warn!("could not keep a symlink's times: {e}");
    }
}

/// The entry `name` of `dir` without following it, if it exists.
pub(crate) fn lstat_at(dir: impl AsFd, name: &OsStr) -> io::Result<Option<rustix::fs::Stat>> {
    match rustix::fs::statat(dir, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW) {
        Ok(st) => Ok(Some(st)),
        Err(rustix::io::Errno::NOENT) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlinked_components_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("real");
        std::fs::create_dir_all(real.join("sub")).unwrap();
        std::os::unix::fs::symlink(&real, tmp.path().join("link")).unwrap();
        let base = std::fs::canonicalize(tmp.path()).unwrap();
        assert!(open_dir(&base.join("real/sub")).is_ok());
        let err = open_dir(&base.join("link/sub")).unwrap_err();
        assert!(err.to_string().contains("link is a symbolic link"), "{err}");
        assert!(open_dir(&base.join("link")).is_err());
        assert!(open_dir(&base.join("real/../real")).is_err());
        assert!(open_dir(Path::new("relative")).is_err());
        assert!(open_dir(Path::new("/")).is_ok());
    }

    #[test]
    fn temp_names_fit() {
        assert_eq!(temp_name(OsStr::new("a.txt")), ".a.txt.mojibake-fix-tmp");
        let long = "é".repeat(127);
        let temp = temp_name(OsStr::new(&long));
        assert!(temp.len() <= NAME_MAX);
        assert!(temp.to_str().is_some(), "cut on a character boundary");
    }
}
