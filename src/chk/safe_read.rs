//! Reading a rule file that lives in a directory someone else may write
//! (a user's `~/.licorn/check.conf`), as root, without being tricked: no
//! symlink is followed on the way, the file must be a regular file owned by
//! the expected user or root, and only a bounded amount is read.

use rustix::fs::{self as rfs, FileType, Mode, OFlags};
use std::io::Read;
use std::os::fd::OwnedFd;
use std::path::{Component, Path};

/// Rule files are a few lines; anything bigger is not one.
pub(crate) const MAX_RULES_SIZE: u64 = 64 * 1024;

/// Why a rule file was not read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// No such file (or a directory on the way is missing): nothing to read.
    Missing,
    /// Present but unusable; the reason is for a warning.
    Unsafe(String),
}

/// Reads `base`/`rel` where every component of `rel` is opened relative to
/// the previous one with O_NOFOLLOW. `owners` are the uids allowed to own
/// the file; a root-owned file must have a single link (a hard link to a
/// system file would otherwise pass).
pub(crate) fn read_owned_file(base: &Path, rel: &Path, owners: &[u32]) -> Result<Vec<u8>, Refused> {
    let base = open(rfs::CWD, base, OFlags::DIRECTORY)?;
    read_owned_file_at(&base, rel, owners)
}

/// [`read_owned_file`] below the directory `base` already open (a home
/// reached safely from `/`).
pub(crate) fn read_owned_file_at(
    base: &OwnedFd,
    rel: &Path,
    owners: &[u32],
) -> Result<Vec<u8>, Refused> {
    let mut dir = open(base, Path::new("."), OFlags::DIRECTORY)?;
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    for component in rel.components() {
        match component {
            Component::Normal(name) => parts.push(name),
            Component::CurDir => {}
            _ => return Err(Refused::Unsafe("path leaves the directory".into())),
        }
    }
    let Some((last, dirs)) = parts.split_last() else {
        return Err(Refused::Unsafe("empty path".into()));
    };
    for name in dirs {
        dir = open(&dir, Path::new(name), OFlags::DIRECTORY | OFlags::NOFOLLOW)?;
    }
    // NONBLOCK: a FIFO planted here must not hang a cron run.
    let fd = open(&dir, Path::new(last), OFlags::NOFOLLOW | OFlags::NONBLOCK)?;
    let stat = rfs::fstat(&fd).map_err(|e| Refused::Unsafe(e.to_string()))?;
    if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile {
        return Err(Refused::Unsafe("not a regular file".into()));
    }
    if !owners.contains(&stat.st_uid) {
        return Err(Refused::Unsafe(format!("owned by uid {}", stat.st_uid)));
    }
    if stat.st_uid == 0 && stat.st_nlink > 1 && !owners.iter().all(|&u| u == 0) {
        return Err(Refused::Unsafe(
            "root-owned file with several hard links".into(),
        ));
    }
    if stat.st_size as u64 > MAX_RULES_SIZE {
        return Err(Refused::Unsafe(format!(
            "larger than {MAX_RULES_SIZE} bytes"
        )));
    }
    let mut text = Vec::new();
    std::fs::File::from(fd)
        .take(MAX_RULES_SIZE + 1)
        .read_to_end(&mut text)
        .map_err(|e| Refused::Unsafe(e.to_string()))?;
    if text.len() as u64 > MAX_RULES_SIZE {
        return Err(Refused::Unsafe(format!(
            "larger than {MAX_RULES_SIZE} bytes"
        )));
    }
    Ok(text)
}

fn open(dir: impl std::os::fd::AsFd, path: &Path, flags: OFlags) -> Result<OwnedFd, Refused> {
    rfs::openat(
        dir,
        path,
        flags | OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY,
        Mode::empty(),
    )
    .map_err(|errno| match errno {
        rustix::io::Errno::NOENT => Refused::Missing,
        rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR => {
            Refused::Unsafe("a symbolic link or not a directory on the way".into())
        }
        other => Refused::Unsafe(std::io::Error::from(other).to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn setup() -> (tempfile::TempDir, u32) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".licorn")).unwrap();
        (dir, rustix::process::geteuid().as_raw())
    }

    #[test]
    fn reads_a_regular_file_of_the_owner() {
        let (home, me) = setup();
        std::fs::write(home.path().join(".licorn/check.conf"), "x\tNOACL\n").unwrap();
        let text = read_owned_file(home.path(), Path::new(".licorn/check.conf"), &[me]);
        assert_eq!(text.unwrap(), b"x\tNOACL\n");
    }

    #[test]
    fn missing_file_or_dir_is_missing() {
        let (home, me) = setup();
        let rel = Path::new(".licorn/check.conf");
        assert_eq!(
            read_owned_file(home.path(), rel, &[me]),
            Err(Refused::Missing)
        );
        let rel = Path::new(".nope/check.conf");
        assert_eq!(
            read_owned_file(home.path(), rel, &[me]),
            Err(Refused::Missing)
        );
    }

    #[test]
    fn symlinks_are_never_followed() {
        let (home, me) = setup();
        let target = home.path().join("real.conf");
        std::fs::write(&target, "x\tNOACL\n").unwrap();
        symlink(&target, home.path().join(".licorn/check.conf")).unwrap();
        let rel = Path::new(".licorn/check.conf");
        assert!(matches!(
            read_owned_file(home.path(), rel, &[me]),
            Err(Refused::Unsafe(_))
        ));
        // A symlinked directory on the way is refused too.
        std::fs::create_dir(home.path().join("elsewhere")).unwrap();
        std::fs::write(home.path().join("elsewhere/check.conf"), "x\tNOACL\n").unwrap();
        symlink(home.path().join("elsewhere"), home.path().join(".other")).unwrap();
        let rel = Path::new(".other/check.conf");
        assert!(matches!(
            read_owned_file(home.path(), rel, &[me]),
            Err(Refused::Unsafe(_))
        ));
    }

    #[test]
    fn wrong_owner_type_or_size_is_refused() {
        let (home, me) = setup();
        let file = home.path().join(".licorn/check.conf");
        std::fs::write(&file, "x\tNOACL\n").unwrap();
        let rel = Path::new(".licorn/check.conf");
        let other = me + 4242;
        let err = read_owned_file(home.path(), rel, &[other]).unwrap_err();
        assert!(
            matches!(err, Refused::Unsafe(ref why) if why.contains("owned by")),
            "{err:?}"
        );
        std::fs::write(&file, vec![b'#'; MAX_RULES_SIZE as usize + 1]).unwrap();
        assert!(matches!(
            read_owned_file(home.path(), rel, &[me]),
            Err(Refused::Unsafe(_))
        ));
        std::fs::remove_file(&file).unwrap();
        std::fs::create_dir(&file).unwrap();
        assert!(matches!(
            read_owned_file(home.path(), rel, &[me]),
            Err(Refused::Unsafe(_))
        ));
    }

    #[test]
    fn a_fifo_does_not_hang() {
        let (home, me) = setup();
        let file = home.path().join(".licorn/check.conf");
        rustix::fs::mknodat(
            rfs::CWD,
            &file,
            FileType::Fifo,
            Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let rel = Path::new(".licorn/check.conf");
        assert!(matches!(
            read_owned_file(home.path(), rel, &[me]),
            Err(Refused::Unsafe(_))
        ));
    }
}
