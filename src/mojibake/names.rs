//! `names` and `undo`: repair file names across a tree.
//!
//! Directories are walked through directory file descriptors (openat with
//! O_NOFOLLOW: symlinks are renamed as names, never followed). Each
//! directory's subtree is finished before its own entries are renamed, and
//! a directory is renamed by its parent after that, so children always go
//! before parents. Renames use renameat2(RENAME_NOREPLACE): nothing is ever
//! overwritten. The directory's mtime is put back after each rename.

use super::cli::{NamesArgs, UndoArgs};
use super::codepages::Codepage;
use super::journal::{self, Journal};
use super::repair::Repairer;
use crate::cli::{Envelope, Error, Exit, JsonLines, Progress, Result};
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::fs::{AtFlags, FileType, Mode, OFlags, RenameFlags, Timespec, Timestamps};
use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use unicode_normalization::UnicodeNormalization;

/// Longest file name Linux file systems accept, in bytes.
const NAME_MAX: usize = 255;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Norm {
    None,
    Nfc,
    Nfd,
}

/// What happened to one name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    WouldRename,
    Renamed,
    Collision,
    Refused,
    Failed,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::WouldRename => "would-rename",
            Status::Renamed => "renamed",
            Status::Collision => "collision",
            Status::Refused => "refused",
            Status::Failed => "failed",
        }
    }
}

#[derive(Default)]
struct Counts {
    /// Names looked at.
    checked: u64,
    renames: u64,
    collisions: u64,
    refused: u64,
    errors: u64,
}

/// A name's repair: the new name and which steps made it.
struct NewName {
    name: OsString,
    reason: &'static str,
}

struct Walker {
    repairer: Repairer,
    /// How to read names that are not UTF-8 at all (`--from`).
    raw: Option<Codepage>,
    norm: Norm,
    apply: bool,
    recursive: bool,
    journal_path: PathBuf,
    journal: Option<Journal>,
    json: Option<JsonLines>,
    quiet: bool,
    progress: Progress,
    counts: Counts,
}

pub fn run_names(args: &NamesArgs, quiet: bool) -> Result<Exit> {
    let raw = match args.encoding.from.as_deref() {
        None => None,
        Some(name) => Some(
            Codepage::from_name(name)
                .ok_or_else(|| Error::usage(format!("--from {name}: unknown encoding")))?,
        ),
    };
    let mut walker = Walker {
        repairer: raw.map_or_else(Repairer::default, Repairer::only),
        raw,
        norm: if args.nfc {
            Norm::Nfc
        } else if args.nfd {
            Norm::Nfd
        } else {
            Norm::None
        },
        apply: args.apply,
        recursive: args.recursive,
        journal_path: args.journal.clone().unwrap_or_else(Journal::default_path),
        journal: None,
        json: args.json.then(JsonLines::stdout),
        quiet,
        progress: Progress::new(None, "names", quiet),
        counts: Counts::default(),
    };
    for path in &args.paths {
        walker.top(path)?;
    }
    walker.progress.finish();
    walker.summary()
}

impl Walker {
    /// One PATH argument: its subtree, then its own name.
    fn top(&mut self, path: &Path) -> Result<()> {
        let Some(name) = path.file_name().map(OsStr::to_os_string) else {
            // `/`, `.` or `..`: only what is below can be renamed.
            if self.recursive {
                match std::fs::canonicalize(path) {
                    Ok(absolute) => self.open_and_walk(rustix::fs::CWD, path, path, &absolute)?,
                    Err(e) => self.error(path, &e),
                }
            }
            return Ok(());
        };
        let display_dir = path.parent().unwrap_or(Path::new(""));
        let dir = if display_dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            display_dir
        };
        // The directory is resolved, the name itself never followed.
        let parent = match std::fs::canonicalize(dir) {
            Ok(p) => p,
            Err(e) => {
                self.error(dir, &e);
                return Ok(());
            }
        };
        let absolute = parent.join(&name);
        let parent_fd = match open_dir(rustix::fs::CWD, parent.as_os_str()) {
            Ok(fd) => fd,
            Err(e) => {
                self.error(&parent, &e.into());
                return Ok(());
            }
        };
        let stat = match rustix::fs::statat(&parent_fd, name.as_os_str(), AtFlags::SYMLINK_NOFOLLOW)
        {
            Ok(st) => st,
            Err(e) => {
                self.error(path, &e.into());
                return Ok(());
            }
        };
        if self.recursive && FileType::from_raw_mode(stat.st_mode) == FileType::Directory {
            self.open_and_walk(parent_fd.as_fd(), &name, path, &absolute)?;
        }
        let mut taken = HashSet::new();
        self.rename_in(parent_fd.as_fd(), display_dir, &parent, &name, &mut taken)
    }

    fn open_and_walk(
        &mut self,
        dirfd: BorrowedFd<'_>,
        name: impl AsRef<OsStr>,
        display: &Path,
        absolute: &Path,
    ) -> Result<()> {
        match open_dir(dirfd, name.as_ref()) {
            Ok(fd) => self.walk(fd, display, absolute),
            Err(e) => {
                self.error(display, &e.into());
                Ok(())
            }
        }
    }

    /// Everything below one directory, then its entries' names.
    fn walk(&mut self, fd: OwnedFd, display: &Path, absolute: &Path) -> Result<()> {
        let entries = match list(&fd) {
            Ok(entries) => entries,
            Err(e) => {
                self.error(display, &e.into());
                return Ok(());
            }
        };
        for (name, file_type) in &entries {
            self.progress.inc(1);
            if *file_type == FileType::Directory {
                self.open_and_walk(fd.as_fd(), name, &display.join(name), &absolute.join(name))?;
            }
        }
        let mut taken: HashSet<OsString> = entries.iter().map(|(n, _)| n.clone()).collect();
        for (name, _) in &entries {
            self.rename_in(fd.as_fd(), display, absolute, name, &mut taken)?;
        }
        Ok(())
    }

    /// Repairs one name in the directory `dirfd` (a dry run only reports).
    fn rename_in(
        &mut self,
        dirfd: BorrowedFd<'_>,
        display_dir: &Path,
        absolute_dir: &Path,
        name: &OsStr,
        taken: &mut HashSet<OsString>,
    ) -> Result<()> {
        self.counts.checked += 1;
        let Some(new) = self.new_name(name) else {
            return Ok(());
        };
        let old_display = display_dir.join(name);
        let new_display = display_dir.join(&new.name);
        if let Some(why) = invalid(&new.name) {
            self.counts.refused += 1;
            return self.report(Status::Refused, &old_display, &new_display, new.reason, why);
        }
        let exists = taken.contains(&new.name)
            || rustix::fs::statat(dirfd, new.name.as_os_str(), AtFlags::SYMLINK_NOFOLLOW).is_ok();
        if exists {
            self.counts.collisions += 1;
            return self.report(
                Status::Collision,
                &old_display,
                &new_display,
                new.reason,
                "target exists",
            );
        }
        if !self.apply {
            self.counts.renames += 1;
            taken.insert(new.name.clone());
            return self.report(
                Status::WouldRename,
                &old_display,
                &new_display,
                new.reason,
                "",
            );
        }
        let journal = match &mut self.journal {
            Some(j) => j,
            None => self.journal.insert(Journal::create(&self.journal_path)?),
        };
        journal
            .record(&absolute_dir.join(name), &absolute_dir.join(&new.name))
            .map_err(|e| Error::io(format!("writing journal {}", journal.path.display()), e))?;
        match rename_keeping_mtime(dirfd, name, &new.name) {
            Ok(()) => {
                self.counts.renames += 1;
                taken.remove(name);
                taken.insert(new.name.clone());
                self.report(Status::Renamed, &old_display, &new_display, new.reason, "")
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                self.counts.collisions += 1;
                self.report(
                    Status::Collision,
                    &old_display,
                    &new_display,
                    new.reason,
                    "target exists",
                )
            }
            Err(e) => {
                self.counts.errors += 1;
                let why = e.to_string();
                self.report(Status::Failed, &old_display, &new_display, new.reason, &why)
            }
        }
    }

    /// The repaired name, or None when it stays.
    fn new_name(&self, name: &OsStr) -> Option<NewName> {
        let bytes = name.as_bytes();
        let (text, mut reason) = match std::str::from_utf8(bytes) {
            Ok(s) => {
                let fixed = self.repairer.repair(s);
                let changed = fixed != s;
                (fixed.into_owned(), if changed { "mojibake" } else { "" })
            }
            Err(_) => (self.raw?.decode_bytes(bytes)?, "legacy-bytes"),
        };
        let text = match self.norm {
            Norm::None => text,
            Norm::Nfc | Norm::Nfd => {
                let normal: String = if self.norm == Norm::Nfc {
                    text.nfc().collect()
                } else {
                    text.nfd().collect()
                };
                if normal != text {
                    reason = match (reason, self.norm) {
                        ("", Norm::Nfc) => "nfc",
                        ("", _) => "nfd",
                        (_, Norm::Nfc) => "mojibake+nfc",
                        _ => "mojibake+nfd",
                    };
                }
                normal
            }
        };
        (text.as_bytes() != bytes).then(|| NewName {
            name: OsString::from_vec(text.into_bytes()),
            reason,
        })
    }

    fn report(
        &mut self,
        status: Status,
        old: &Path,
        new: &Path,
        reason: &str,
        detail: &str,
    ) -> Result<()> {
        if let Some(json) = &self.json {
            let mut object = serde_json::json!({
                "status": status.label(),
                "path": old.to_string_lossy(),
                "new": new.to_string_lossy(),
                "reason": reason,
                "detail": detail,
            });
            // A name that is not UTF-8 is shown lossily; its exact bytes too.
            if old.to_str().is_none() {
                object["path_bytes"] = old.as_os_str().as_bytes().into();
            }
            json.emit(&object)?;
            return Ok(());
        }
        let line = match status {
            Status::WouldRename | Status::Renamed => {
                format!("{} -> {}", old.display(), new.display())
            }
            _ => format!(
                "{}: {} -> {}: {detail}",
                status.label(),
                old.display(),
                new.display()
            ),
        };
        if matches!(status, Status::WouldRename | Status::Renamed) {
            if !self.quiet {
                let mut out = io::stdout().lock();
                writeln!(out, "{line}")?;
            }
        } else {
            self.progress.println(format!("mojibake-fix: {line}"));
        }
        Ok(())
    }

    fn error(&mut self, path: &Path, e: &io::Error) {
        self.counts.errors += 1;
        self.progress
            .println(format!("mojibake-fix: {}: {e}", path.display()));
    }

    fn summary(&self) -> Result<Exit> {
        let c = &self.counts;
        if !self.quiet {
            let verb = if self.apply { "renamed" } else { "to rename" };
            eprintln!(
                "mojibake-fix: {} {verb}, {} collision(s), {} refused, {} error(s)",
                c.renames, c.collisions, c.refused, c.errors
            );
            if let Some(j) = &self.journal {
                eprintln!(
                    "mojibake-fix: journal: {} (undo with `mojibake-fix undo`)",
                    j.path.display()
                );
            }
        }
        let problems = c.collisions + c.refused + c.errors;
        if let Some(json) = &self.json {
            let verb = if self.apply { "renamed" } else { "to rename" };
            let msg = format!(
                "{} {verb}, {} collision(s), {} refused, {} error(s)",
                c.renames, c.collisions, c.refused, c.errors
            );
            let counts = serde_json::json!({
                "dry_run": !self.apply,
                "renames": c.renames,
                "collisions": c.collisions,
                "refused": c.refused,
                "journal": self.journal.as_ref().map(|j| j.path.to_string_lossy()),
            });
            let mut envelope =
                Envelope::new("mojibake-fix", c.checked, c.renames, c.errors, msg, counts);
            // A rename refused or blocked by a collision is work not done.
            envelope.failed |= self.apply && problems > 0;
            envelope.emit(json)?;
        }
        Ok(if self.apply {
            if problems > 0 {
                Exit::Failed
            } else {
                Exit::Success
            }
        } else if c.errors > 0 {
            Exit::Failed
        } else if c.renames + problems > 0 {
            Exit::Found
        } else {
            Exit::Success
        })
    }
}

/// Why a repaired name cannot be a file name, if it cannot.
fn invalid(name: &OsStr) -> Option<&'static str> {
    let b = name.as_bytes();
    if b.is_empty() || b == b"." || b == b".." {
        Some("not a usable name")
    } else if b.contains(&b'/') || b.contains(&0) {
        Some("would contain '/' or NUL")
    } else if b.len() > NAME_MAX {
        Some("longer than 255 bytes")
    } else {
        None
    }
}

fn open_dir(dirfd: impl AsFd, name: &OsStr) -> rustix::io::Result<OwnedFd> {
    rustix::fs::openat(
        dirfd,
        name,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
}

/// A directory's entries (not `.`/`..`), sorted by name, with their types.
fn list(fd: &OwnedFd) -> rustix::io::Result<Vec<(OsString, FileType)>> {
    let mut dir = rustix::fs::Dir::read_from(fd)?;
    let mut out = Vec::new();
    while let Some(entry) = dir.read() {
        let entry = entry?;
        let name = entry.file_name().to_bytes();
        if name == b"." || name == b".." {
            continue;
        }
        let name = OsStr::from_bytes(name).to_os_string();
        let mut file_type = entry.file_type();
        if file_type == FileType::Unknown {
            file_type = rustix::fs::statat(fd, name.as_os_str(), AtFlags::SYMLINK_NOFOLLOW)
                .map(|st| FileType::from_raw_mode(st.st_mode))?;
        }
        out.push((name, file_type));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// renameat2(RENAME_NOREPLACE) within one directory, then the directory's
/// access and modification times put back as they were.
fn rename_keeping_mtime(dirfd: BorrowedFd<'_>, old: &OsStr, new: &OsStr) -> io::Result<()> {
    let before = rustix::fs::fstat(dirfd)?;
    rustix::fs::renameat_with(dirfd, old, dirfd, new, RenameFlags::NOREPLACE)?;
    let times = Timestamps {
        last_access: Timespec {
            tv_sec: before.st_atime as _,
            tv_nsec: before.st_atime_nsec as _,
        },
        last_modification: Timespec {
            tv_sec: before.st_mtime as _,
            tv_nsec: before.st_mtime_nsec as _,
        },
    };
    if let Err(e) = rustix::fs::futimens(dirfd, &times) {
        log::warn!("could not keep a directory's mtime: {e}");
    }
    Ok(())
}

/// `undo`: the journal's renames reversed, last first. A rename the journal
/// announced but that never happened (interrupted run) is skipped.
pub fn run_undo(args: &UndoArgs, quiet: bool) -> Result<Exit> {
    let renames = journal::read(&args.journal)?;
    let json = args.json.then(JsonLines::stdout);
    let (mut failed, mut restored) = (0u64, 0u64);
    for (old, new) in renames.iter().rev() {
        let dir = old.parent().expect("journal paths are absolute");
        let (old_name, new_name) = (
            old.file_name().expect("checked when read"),
            new.file_name().expect("checked when read"),
        );
        let outcome = open_dir(rustix::fs::CWD, dir.as_os_str())
            .map_err(io::Error::from)
            .and_then(|fd| {
                let present =
                    |n: &OsStr| rustix::fs::statat(&fd, n, AtFlags::SYMLINK_NOFOLLOW).is_ok();
                if !present(new_name) && present(old_name) {
                    return Ok("not-renamed");
                }
                rename_keeping_mtime(fd.as_fd(), new_name, old_name).map(|()| "restored")
            });
        let (status, detail) = match outcome {
            Ok(status) => {
                restored += u64::from(status == "restored");
                (status, String::new())
            }
            Err(e) => {
                failed += 1;
                ("failed", e.to_string())
            }
        };
        if let Some(json) = &json {
            json.emit(&serde_json::json!({
                "status": status,
                "path": new.to_string_lossy(),
                "new": old.to_string_lossy(),
                "detail": detail,
            }))?;
        } else if status == "failed" {
            eprintln!(
                "mojibake-fix: failed: {} -> {}: {detail}",
                new.display(),
                old.display()
            );
        } else if status == "restored" && !quiet {
            writeln!(
                io::stdout().lock(),
                "{} -> {}",
                new.display(),
                old.display()
            )?;
        }
    }
    if let Some(json) = &json {
        let msg = format!("{restored} restored, {failed} failed");
        let counts = serde_json::json!({ "restored": restored });
        let checked = renames.len() as u64;
        Envelope::new("mojibake-fix", checked, restored, failed, msg, counts).emit(json)?;
    }
    Ok(if failed > 0 {
        Exit::Failed
    } else {
        Exit::Success
    })
}
