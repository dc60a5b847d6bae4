//! `undo JOURNAL`: the journal's changes reversed, last first.
//!
//! The journal is trusted only when it is ours or root's and nobody else
//! may write it, and every line is checked before the first change (see
//! `journal`). Each entry's directory is then reached from `/` by
//! descriptor, one component at a time without following a symlink: a
//! user who swapped a directory of the tree for a symlink since the run
//! gets the entry refused, never a write elsewhere. A change the journal
//! announced but that never happened (an interrupted run) is skipped.

use super::cli::UndoArgs;
use super::journal::{self, Entry, Loaded};
use super::names::{put_path, remove_temp_link, rename_keeping_mtime, retarget};
use super::safe_fs::{self, DirTimes, lstat_at};
use crate::common::quote::escaped;
use crate::common::{Envelope, Error, Exit, JsonLines, Result, io_reason};
use rustix::fd::{AsFd, OwnedFd};
use std::ffi::OsStr;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Journals listed by `undo` without argument.
const RECENT: usize = 20;

pub(crate) fn run_undo(args: &UndoArgs, quiet: bool) -> Result<Exit> {
    let Some(path) = &args.journal else {
        return list_recent();
    };
    let loaded = journal::load(path)?;
    let json = args.json.then(JsonLines::stdout);
    let (mut failed, mut restored) = (0u64, 0u64);
    for entry in loaded.entries.iter().rev() {
        let (path, back, outcome) = match entry {
            Entry::Rename { old, new } => (new, old.as_os_str(), undo_rename(old, new)),
            Entry::Retarget {
                link,
                old_target,
                new_target,
            } => (
                link,
                old_target.as_os_str(),
                undo_retarget(link, old_target, new_target),
            ),
            Entry::Edit { file, saved } => {
                (file, saved.as_os_str(), undo_edit(&loaded, file, saved))
            }
            // Put back last (its renames come after it in the journal).
            Entry::DirTimes { dir, times } => match undo_times(dir, *times) {
                Ok(()) => continue,
                Err(why) => (dir, dir.as_os_str(), Err(why)),
            },
        };
        let (status, detail) = match outcome {
            Ok(status) => {
                restored += u64::from(status == "restored");
                (status, String::new())
            }
            Err(why) => {
                failed += 1;
                ("failed", why)
            }
        };
        let back = Path::new(back);
        if let Some(json) = &json {
            let mut object = serde_json::json!({ "status": status, "detail": detail });
            put_path(&mut object, "path", path);
            put_path(&mut object, "new", back);
            json.emit(&object)?;
        } else if status == "failed" {
            eprintln!(
                "mojibake-fix: failed: {} -> {}: {detail}",
                escaped(path),
                escaped(back)
            );
        } else if status == "restored" && !quiet {
            writeln!(
                io::stdout().lock(),
                "{} -> {}",
                escaped(path),
                escaped(back)
            )?;
        }
    }
    if let Some(json) = &json {
        let msg = format!("{restored} restored, {failed} failed");
        let counts = serde_json::json!({ "restored": restored });
        let checked = loaded.entries.len() as u64;
        Envelope::new("mojibake-fix", checked, restored, failed, msg, counts).emit(json)?;
    }
    Ok(if failed > 0 {
        Exit::Failed
    } else {
        Exit::Success
    })
}

/// `undo` without argument: the recent journals of the default directory,
/// newest first, with what each holds.
fn list_recent() -> Result<Exit> {
    let dir = journal::default_dir()?;
    let recent = match journal::recent(&dir, RECENT) {
        Ok(recent) => recent,
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(Error::io(format!("listing {}", dir.display()), e)),
    };
    let mut out = io::stdout().lock();
    if recent.is_empty() {
        writeln!(out, "no journals in {}", dir.display())?;
        return Ok(Exit::Success);
    }
    writeln!(
        out,
        "recent journals in {} (newest first; undo one with `mojibake-fix undo JOURNAL`):",
        dir.display()
    )?;
    for journal in recent {
        let when = journal::utc_timestamp(journal.modified);
        let what = match journal.summary {
            Ok((changes, trees)) => {
                let trees: Vec<String> = trees.iter().map(|t| escaped(t)).collect();
                format!("{changes} change(s) in {}", trees.join(" "))
            }
            Err(why) => format!("unreadable: {why}"),
        };
        writeln!(out, "{when}  {}  {what}", escaped(&journal.path))?;
    }
    Ok(Exit::Success)
}

fn undo_times(dir: &Path, times: DirTimes) -> std::result::Result<(), String> {
    let fd = safe_fs::open_dir(dir).map_err(|e| io_reason(&e))?;
    times.restore(fd.as_fd());
    Ok(())
}

/// The directory of a journaled path, reached by descriptor, and the
/// entry's name (the journal was checked: both exist).
fn parent_of(path: &Path) -> std::result::Result<(OwnedFd, &OsStr), String> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Err("not a path with a name".into());
    };
    let fd = safe_fs::open_dir(dir).map_err(|e| io_reason(&e))?;
    Ok((fd, name))
}

fn undo_rename(old: &Path, new: &Path) -> std::result::Result<&'static str, String> {
    let (dir, old_name) = parent_of(old)?;
    let new_name = new.file_name().ok_or("not a path with a name")?;
    // The old name is there: the rename never happened (or both names
    // exist and putting it back could only fail).
    if lstat_at(&dir, old_name)
        .map_err(|e| io_reason(&e))?
        .is_some()
    {
        return Ok("not-renamed");
    }
    rename_keeping_mtime(dir.as_fd(), new_name, old_name)
        .map(|()| "restored")
        .map_err(|e| io_reason(&e))
}

fn undo_retarget(
    link: &Path,
    old_target: &Path,
    new_target: &Path,
) -> std::result::Result<&'static str, String> {
    let (dir, name) = parent_of(link)?;
    let current =
        rustix::fs::readlinkat(&dir, name, Vec::new()).map_err(|e| io_reason(&e.into()))?;
    if current.as_bytes() == old_target.as_os_str().as_bytes() {
        // The run stopped before its rename: only its temporary link is left.
        remove_temp_link(dir.as_fd(), name).map_err(|e| io_reason(&e))?;
        return Ok("not-retargeted");
    }
    retarget(dir.as_fd(), name, new_target, old_target)
        .map(|()| "restored")
        .map_err(|e| io_reason(&e))
}

fn undo_edit(
    loaded: &Loaded,
    file: &Path,
    saved: &OsStr,
) -> std::result::Result<&'static str, String> {
    let original = loaded
        .read_saved(saved)
        .map_err(|e| format!("reading the saved original: {}", io_reason(&e)))?;
    let (dir, name) = parent_of(file)?;
    super::in_place::restore(dir.as_fd(), name, &original)
}
