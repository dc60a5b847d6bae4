//! `text --in-place`: repair files where they are. The repaired text goes
//! to a temporary file in the same directory, which gets the original's
//! owner, mode and extended attributes (ACLs, SELinux label), is fsync'ed
//! and renamed over the original; the original bytes are saved by the
//! journal first, so `undo` restores them.

use super::cli::TextArgs;
use super::journal::Journal;
use super::text::{repair_batch, repairer};
use crate::common::{Error, Exit, Result};
use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::path::Path;

/// `text --in-place FILE...`.
pub fn run_in_place(args: &TextArgs, quiet: bool) -> Result<Exit> {
    if args.files.is_empty() {
        return Err(Error::usage("--in-place needs at least one FILE"));
    }
    let repairer = repairer(args.encoding.from.as_deref())?;
    let mut journal = Journal::create_for(args.journal.as_deref())?;
    let (mut edited, mut failed) = (0u64, 0u64);
    for file in &args.files {
        match edit(file, &mut journal, |text| {
            repair_batch(&repairer, text, args.nfc).concat()
        }) {
            Ok(true) => {
                edited += 1;
                if !quiet {
                    writeln!(io::stdout().lock(), "{}", file.display())?;
                }
            }
            Ok(false) => {}
            Err(e) => {
                failed += 1;
                eprintln!("mojibake-fix: {}: {e}", file.display());
            }
        }
    }
    if !quiet {
        eprintln!(
            "mojibake-fix: {edited} file(s) repaired, {failed} failed; journal: {} (undo with `mojibake-fix undo`)",
            journal.path.display()
        );
    }
    Ok(if failed > 0 {
        Exit::Failed
    } else {
        Exit::Success
    })
}

/// Repairs one file; false when it needed nothing.
fn edit(file: &Path, journal: &mut Journal, repair: impl FnOnce(&[u8]) -> Vec<u8>) -> Result<bool> {
    let io_err = |e: io::Error| Error::io(format!("editing {}", file.display()), e);
    let refuse =
        |why: &str| Error::io(format!("editing {}", file.display()), io::Error::other(why));
    let fd = open_regular(file).map_err(io_err)?;
    let stat = rustix::fs::fstat(&fd).map_err(|e| io_err(e.into()))?;
    if stat.st_nlink > 1 {
        return Err(refuse(
            "has several hard links: an edit in place would split them",
        ));
    }
    let mut original = Vec::with_capacity(stat.st_size as usize);
    std::fs::File::from(fd.try_clone().map_err(io_err)?)
        .read_to_end(&mut original)
        .map_err(io_err)?;
    if original.contains(&0) {
        return Err(refuse("binary file (NUL bytes), not edited"));
    }
    let repaired = repair(&original);
    if repaired == original {
        return Ok(false);
    }
    let absolute = std::fs::canonicalize(
        file.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
    )
    .map_err(io_err)?
    .join(file.file_name().expect("a regular file has a name"));
    journal.record_edit(&absolute, &original)?;
    replace_with(&absolute, &fd, &repaired).map_err(io_err)?;
    Ok(true)
}

/// Opens `path` without following a symlink; refuses anything but a
/// regular file.
fn open_regular(path: &Path) -> io::Result<OwnedFd> {
    let fd = rustix::fs::openat(
        rustix::fs::CWD,
        path,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK,
        Mode::empty(),
    )
    .map_err(|e| {
        if e == rustix::io::Errno::LOOP {
            io::Error::other("is a symbolic link, not edited")
        } else {
            e.into()
        }
    })?;
    let stat = rustix::fs::fstat(&fd)?;
    if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile {
        return Err(io::Error::other("not a regular file"));
    }
    Ok(fd)
}

/// Replaces the contents of the regular file `path` (also used by `undo`).
pub fn replace_contents(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let fd = open_regular(path)?;
    replace_with(path, &fd, bytes)
}

/// Writes `bytes` to a new file beside `path` with the owner, mode and
/// extended attributes of `original` (an open descriptor of `path`), and
/// renames it over `path`.
fn replace_with(path: &Path, original: &OwnedFd, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().expect("an absolute file path");
    let name = path.file_name().expect("an absolute file path");
    let dirfd = rustix::fs::openat(
        rustix::fs::CWD,
        dir,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let stat = rustix::fs::fstat(original)?;
    let mut temp = OsString::from(".");
    temp.push(name);
    temp.push(format!(".mojibake-fix-{}", std::process::id()));
    let fd = rustix::fs::openat(
        &dirfd,
        temp.as_os_str(),
        OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o600),
    )?;
    let written = (|| -> io::Result<()> {
        let mut out = std::fs::File::from(fd.try_clone()?);
        out.write_all(bytes)?;
        // Owner first: chown clears the set-id bits the mode then restores.
        rustix::fs::fchown(
            &fd,
            Some(rustix::fs::Uid::from_raw(stat.st_uid)),
            Some(rustix::fs::Gid::from_raw(stat.st_gid)),
        )?;
        rustix::fs::fchmod(&fd, Mode::from_raw_mode(stat.st_mode & 0o7777))?;
        copy_xattrs(original, &fd)?;
        rustix::fs::fsync(&fd)?;
        // The file must still be the one that was read (same inode).
        let now = rustix::fs::statat(&dirfd, name, AtFlags::SYMLINK_NOFOLLOW)?;
        if (now.st_dev, now.st_ino) != (stat.st_dev, stat.st_ino) {
            return Err(io::Error::other(
                "the file was replaced while being repaired",
            ));
        }
        rustix::fs::renameat(&dirfd, temp.as_os_str(), &dirfd, name)?;
        rustix::fs::fsync(&dirfd)?;
        Ok(())
    })();
    if written.is_err() {
        let _ = rustix::fs::unlinkat(&dirfd, temp.as_os_str(), AtFlags::empty());
    }
    written
}

/// Every extended attribute of `from` set on `to`.
fn copy_xattrs(from: &OwnedFd, to: &OwnedFd) -> io::Result<()> {
    let size = match rustix::fs::flistxattr_query(from.as_fd()) {
        Ok(n) => n,
        Err(rustix::io::Errno::NOTSUP) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let mut names = vec![0u8; size];
    let n = rustix::fs::flistxattr(from.as_fd(), &mut names[..])?;
    for name in names[..n].split(|&b| b == 0).filter(|n| !n.is_empty()) {
        let name = std::ffi::CString::new(name).expect("split at NUL");
        let len = rustix::fs::fgetxattr_query(from.as_fd(), name.as_c_str())?;
        let mut value = vec![0u8; len];
        let got = rustix::fs::fgetxattr(from.as_fd(), name.as_c_str(), &mut value[..])?;
        rustix::fs::fsetxattr(
            to.as_fd(),
            name.as_c_str(),
            &value[..got],
            rustix::fs::XattrFlags::empty(),
        )?;
    }
    Ok(())
}
