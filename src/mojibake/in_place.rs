//! `text --in-place`: repair files where they are. The repaired text goes
//! to a temporary file in the same directory, which gets the original's
//! owner, mode and extended attributes (ACLs, SELinux label), is fsync'ed
//! and renamed over the original; the original bytes are saved by the
//! journal first, so `undo` restores them.
//!
//! The directory is reached by descriptor (no symlink followed on the
//! way) and the file is locked (flock) while it is edited: a temporary
//! file left by a run that was killed is recognised by its fixed name and
//! removed by the next run on that file, which holds the lock.

use super::cli::TextArgs;
use super::journal::Journal;
use super::safe_fs::{lstat_at, open_dir, temp_name};
use super::text::{repair_batch, repairer};
use crate::common::{Error, Exit, Result, io_reason};
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::fs::{AtFlags, FileType, FlockOperation, Mode, OFlags};
use std::ffi::{OsStr, OsString};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// `text --in-place FILE...`.
pub(crate) fn run_in_place(args: &TextArgs, quiet: bool) -> Result<Exit> {
    if args.files.is_empty() {
        return Err(Error::usage("--in-place needs at least one FILE"));
    }
    let repairer = repairer(&args.encoding)?;
    let located: Vec<_> = args.files.iter().map(|f| locate(f)).collect();
    let mut trees: Vec<PathBuf> = located
        .iter()
        .filter_map(|l| l.as_ref().ok().map(|(dir, _)| dir.clone()))
        .collect();
    trees.sort();
    trees.dedup();
    let mut journal = Journal::create_for(args.journal.as_deref(), "text", &trees)?;
    let (mut edited, mut failed) = (0u64, 0u64);
    for (file, place) in args.files.iter().zip(located) {
        let outcome = place.map_err(|e| io_reason(&e)).and_then(|(dir, name)| {
            edit(&dir, &name, &mut journal, |text| {
                repair_batch(&repairer, text, args.nfc).concat()
            })
        });
        match outcome {
            Ok(true) => {
                edited += 1;
                if !quiet {
                    writeln!(io::stdout().lock(), "{}", file.display())?;
                }
            }
            Ok(false) => {}
            Err(why) => {
                failed += 1;
                eprintln!(
                    "mojibake-fix: {}: not repaired, left as it was: {why}",
                    file.display()
                );
            }
        }
    }
    if !quiet {
        eprintln!(
            "mojibake-fix: {edited} file(s) repaired, {failed} failed; journal: {} (undo with `mojibake-fix undo {}`)",
            journal.path.display(),
            crate::common::quote::escaped(&journal.path)
        );
    }
    Ok(if failed > 0 {
        Exit::Failed
    } else {
        Exit::Success
    })
}

/// A file's directory (canonical: symlinks resolved now, refused later)
/// and its name.
fn locate(file: &Path) -> io::Result<(PathBuf, OsString)> {
    let name = file
        .file_name()
        .ok_or_else(|| io::Error::other("not a file name"))?;
    let dir = file.parent().filter(|p| !p.as_os_str().is_empty());
    let dir = std::fs::canonicalize(dir.unwrap_or(Path::new(".")))?;
    Ok((dir, name.to_os_string()))
}

/// Repairs one file; false when it needed nothing. The error is the reason
/// it was left as it was.
fn edit(
    dir_path: &Path,
    name: &OsStr,
    journal: &mut Journal,
    repair: impl FnOnce(&[u8]) -> Vec<u8>,
) -> std::result::Result<bool, String> {
    let dir = open_dir(dir_path).map_err(|e| io_reason(&e))?;
    let file = Locked::open(dir.as_fd(), name)?;
    if file.stat.st_nlink > 1 {
        return Err("it has several hard links: an edit in place would split them".into());
    }
    let original = file.read()?;
    if original.contains(&0) {
        return Err("binary file (NUL bytes)".into());
    }
    let repaired = repair(&original);
    if repaired == original {
        return Ok(false);
    }
    journal
        .record_edit(&dir_path.join(name), &original, file.stat.st_mode)
        .map_err(|e| e.to_string())?;
    file.replace(dir.as_fd(), name, &repaired)?;
    Ok(true)
}

/// A regular file opened without following a symlink and locked against
/// another run, with what it was when opened.
struct Locked {
    fd: OwnedFd,
    stat: rustix::fs::Stat,
}

impl Locked {
    /// Opens and locks `name` in `dir`, then removes a temporary file an
    /// interrupted run left beside it.
    fn open(dir: BorrowedFd<'_>, name: &OsStr) -> std::result::Result<Locked, String> {
        let fd = rustix::fs::openat(
            dir,
            name,
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK | OFlags::NOCTTY,
            Mode::empty(),
        )
        .map_err(|e| match e {
            rustix::io::Errno::LOOP => "it is a symbolic link".to_string(),
            e => io_reason(&e.into()),
        })?;
        let stat = rustix::fs::fstat(&fd).map_err(|e| io_reason(&e.into()))?;
        if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile {
            return Err("not a regular file".into());
        }
        match rustix::fs::flock(&fd, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(rustix::io::Errno::WOULDBLOCK) => {
                return Err("another mojibake-fix run is editing it".into());
            }
            Err(e) => return Err(format!("locking it: {}", io_reason(&e.into()))),
        }
        remove_leftover(dir, name, &stat)?;
        Ok(Locked { fd, stat })
    }

    fn read(&self) -> std::result::Result<Vec<u8>, String> {
        let mut bytes = Vec::with_capacity(self.stat.st_size as usize);
        let fd = self.fd.try_clone().map_err(|e| io_reason(&e))?;
        std::fs::File::from(fd)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("reading it: {}", io_reason(&e)))?;
        Ok(bytes)
    }

    /// Writes `bytes` to a new file beside it, with its owner, mode and
    /// extended attributes, and renames that over it, if `name` is still
    /// this file. The temporary file is removed when anything fails.
    fn replace(
        &self,
        dir: BorrowedFd<'_>,
        name: &OsStr,
        bytes: &[u8],
    ) -> std::result::Result<(), String> {
        let temp = temp_name(name);
        let fd = rustix::fs::openat(
            dir,
            &temp,
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )
        .map_err(|e| {
            format!(
                "creating {}: {}",
                temp.to_string_lossy(),
                io_reason(&e.into())
            )
        })?;
        let written = self.fill(dir, name, &temp, fd, bytes);
        if written.is_err() {
            let _ = rustix::fs::unlinkat(dir, &temp, AtFlags::empty());
        }
        written
    }

    fn fill(
        &self,
        dir: BorrowedFd<'_>,
        name: &OsStr,
        temp: &OsStr,
        fd: OwnedFd,
        bytes: &[u8],
    ) -> std::result::Result<(), String> {
        let mut out = std::fs::File::from(fd);
        out.write_all(bytes)
            .and_then(|()| out.sync_all())
            .map_err(step("writing the repaired copy"))?;
        // Owner first: chown clears the set-id bits the mode then restores.
        let st = &self.stat;
        rustix::fs::fchown(
            &out,
            Some(rustix::fs::Uid::from_raw(st.st_uid)),
            Some(rustix::fs::Gid::from_raw(st.st_gid)),
        )
        .and_then(|()| rustix::fs::fchmod(&out, Mode::from_raw_mode(st.st_mode & 0o7777)))
        .map_err(|e| step("giving the copy the original's owner and mode")(e.into()))?;
        copy_xattrs(self.fd.as_fd(), out.as_fd())
            .and_then(|()| out.sync_all())
            .map_err(step("copying extended attributes"))?;
        // The name must still be the file that was read (same inode).
        let now = lstat_at(dir, name).map_err(step("checking the file again"))?;
        if now.is_none_or(|now| (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino)) {
            return Err("the file was replaced while being repaired".into());
        }
        rustix::fs::renameat(dir, temp, dir, name)
            .and_then(|()| rustix::fs::fsync(dir))
            .map_err(|e| step("renaming the copy over it")(e.into()))
    }
}

/// Words a failed step of [`Locked::replace`].
fn step(what: &'static str) -> impl Fn(io::Error) -> String {
    move |e| format!("{what}: {}", io_reason(&e))
}

/// Removes the temporary file of `name` that a killed run left: one of
/// ours is a regular file with one link, owned by the file's owner or by
/// root (before it was given the owner). Anything else in the way is
/// refused, never removed.
fn remove_leftover(
    dir: BorrowedFd<'_>,
    name: &OsStr,
    file: &rustix::fs::Stat,
) -> std::result::Result<(), String> {
    let temp = temp_name(name);
    let st = match lstat_at(dir, &temp) {
        Ok(None) => return Ok(()),
        Ok(Some(st)) => st,
        Err(e) => return Err(io_reason(&e)),
    };
    let regular = FileType::from_raw_mode(st.st_mode) == FileType::RegularFile;
    let ours = regular && st.st_nlink == 1 && (st.st_uid == file.st_uid || st.st_uid == 0);
    if !ours {
        return Err(format!(
            "{} is in the way and is no leftover of mojibake-fix",
            temp.to_string_lossy()
        ));
    }
    rustix::fs::unlinkat(dir, &temp, AtFlags::empty()).map_err(|e| {
        format!(
            "removing the leftover {}: {}",
            temp.to_string_lossy(),
            io_reason(&e.into())
        )
    })?;
    eprintln!(
        "mojibake-fix: removed {}, left beside {} by an interrupted run",
        temp.to_string_lossy(),
        name.to_string_lossy()
    );
    Ok(())
}

/// `undo` of an edit: the saved original put back in place of `name` in
/// `dir` ("not-edited" when the file already holds it: the run stopped
/// before its rename).
pub(crate) fn restore(
    dir: BorrowedFd<'_>,
    name: &OsStr,
    original: &[u8],
) -> std::result::Result<&'static str, String> {
    let file = Locked::open(dir, name)?;
    if file.stat.st_nlink > 1 {
        return Err("it has several hard links now: not replaced".into());
    }
    if file.read()? == original {
        return Ok("not-edited");
    }
    file.replace(dir, name, original)?;
    Ok("restored")
}

/// Every extended attribute of `from` set on `to`.
fn copy_xattrs(from: BorrowedFd<'_>, to: BorrowedFd<'_>) -> io::Result<()> {
    let size = match rustix::fs::flistxattr_query(from) {
        Ok(n) => n,
        Err(rustix::io::Errno::NOTSUP) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let mut names = vec![0u8; size];
    let n = rustix::fs::flistxattr(from, &mut names[..])?;
    for name in names[..n].split(|&b| b == 0).filter(|n| !n.is_empty()) {
        let name = std::ffi::CString::new(name).expect("split at NUL");
        let len = rustix::fs::fgetxattr_query(from, name.as_c_str())?;
        let mut value = vec![0u8; len];
        let got = rustix::fs::fgetxattr(from, name.as_c_str(), &mut value[..])?;
        rustix::fs::fsetxattr(
            to,
            name.as_c_str(),
            &value[..got],
            rustix::fs::XattrFlags::empty(),
        )?;
    }
    Ok(())
}
