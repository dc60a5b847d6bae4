//! `names` and `undo`: repair file names across a tree.
//!
//! Directories are walked through directory file descriptors (openat with
//! O_NOFOLLOW: symlinks are renamed as names, never followed). Each
//! directory's subtree is finished before its own entries are renamed, and
//! a directory is renamed by its parent after that, so children always go
//! before parents. Renames use renameat2(RENAME_NOREPLACE): nothing is ever
//! overwritten. The directory's mtime is put back after each rename.

use super::cli::NamesArgs;
use super::codepages::Codepage;
use super::journal::Journal;
use super::repair::Repairer;
use crate::common::{Envelope, Error, Exit, JsonLines, Progress, Result, io_reason};
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::fs::{AtFlags, FileType, RenameFlags};
use std::collections::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use unicode_normalization::UnicodeNormalization;

use super::safe_fs::{self, NAME_MAX};

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
    WouldRetarget,
    Retargeted,
    Collision,
    Refused,
    Failed,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::WouldRename => "would-rename",
            Status::Renamed => "renamed",
            Status::WouldRetarget => "would-retarget",
            Status::Retargeted => "retargeted",
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

/// A relative symlink met in the walk: its directory (absolute, as it was
/// before any rename) and its name, its target, and where it was shown.
struct Link {
    dir: PathBuf,
    name: OsString,
    target: PathBuf,
    display: PathBuf,
}

struct Walker {
    repairer: Repairer,
    /// How to read names that are not UTF-8 at all (`--from`).
    raw: Option<Codepage>,
    /// A multi-byte `--from` (Shift_JIS, GBK, Big5, EUC-KR...): raw names
    /// in it, and names of it unpacked as cp437/cp850. Shift_JIS by default.
    cjk: &'static encoding_rs::Encoding,
    cjk_raw: bool,
    norm: Norm,
    apply: bool,
    recursive: bool,
    /// Written from the start of an `--apply` run, even if nothing changes.
    journal: Option<Journal>,
    /// Old absolute path -> new name, for every rename (made or planned).
    renamed: HashMap<PathBuf, OsString>,
    links: Vec<Link>,
    json: Option<JsonLines>,
    quiet: bool,
    progress: Progress,
    counts: Counts,
}

pub fn run_names(args: &NamesArgs, quiet: bool) -> Result<Exit> {
    let from = args.encoding.from.as_deref();
    let cjk = from.and_then(super::cjk::from_name);
    let raw = match from {
        None => None,
        Some(_) if cjk.is_some() => None,
        Some(name) => Some(
            Codepage::from_name(name)
                .ok_or_else(|| Error::usage(format!("--from {name}: unknown encoding")))?,
        ),
    };
    let mut walker = Walker {
        repairer: match (raw, cjk) {
            (Some(cp), _) => Repairer::only(cp),
            (None, Some(encoding)) => Repairer::only_east_asian(encoding),
            (None, None) => Repairer::default(),
        },
        raw,
        cjk: cjk.unwrap_or(encoding_rs::SHIFT_JIS),
        cjk_raw: cjk.is_some(),
        norm: if args.nfc {
            Norm::Nfc
        } else if args.nfd {
            Norm::Nfd
        } else {
            Norm::None
        },
        apply: args.apply,
        recursive: args.recursive,
        journal: match args.apply {
            true => {
                let mut trees: Vec<PathBuf> =
                    args.paths.iter().filter_map(|p| tree_of(p).ok()).collect();
                trees.sort();
                trees.dedup();
                Some(Journal::create_for(args.journal.as_deref(), &trees)?)
            }
            false => None,
        },
        renamed: HashMap::new(),
        links: Vec::new(),
        json: args.json.then(JsonLines::stdout),
        quiet,
        progress: Progress::new(None, "names", quiet),
        counts: Counts::default(),
    };
    for path in &args.paths {
        walker.top(path)?;
    }
    walker.retarget_links()?;
    walker.progress.finish();
    walker.summary()
}

impl Walker {
    /// One PATH argument: its subtree, then its own name.
    fn top(&mut self, path: &Path) -> Result<()> {
        // The directory is resolved and then reached by descriptor, the
        // name itself never followed.
        let parent = match tree_of(path) {
            Ok(p) => p,
            Err(e) => {
                self.error(path, &e);
                return Ok(());
            }
        };
        let parent_fd = match safe_fs::open_dir(&parent) {
            Ok(fd) => fd,
            Err(e) => {
                self.error(&parent, &e);
                return Ok(());
            }
        };
        let Some(name) = path.file_name().map(OsStr::to_os_string) else {
            // `/`, `.` or `..`: only what is below can be renamed.
            if self.recursive {
                self.walk(parent_fd, path, &parent)?;
            }
            return Ok(());
        };
        let display_dir = path.parent().unwrap_or(Path::new(""));
        let absolute = parent.join(&name);
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
            if *file_type == FileType::Symlink
                && let Ok(target) = rustix::fs::readlinkat(fd.as_fd(), name.as_os_str(), Vec::new())
                && target.as_bytes().first() != Some(&b'/')
            {
                self.links.push(Link {
                    dir: absolute.to_path_buf(),
                    name: name.clone(),
                    target: PathBuf::from(OsString::from_vec(target.into_bytes())),
                    display: display.join(name),
                });
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
            self.renamed
                .insert(absolute_dir.join(name), new.name.clone());
            return self.report(
                Status::WouldRename,
                &old_display,
                &new_display,
                new.reason,
                "",
            );
        }
        let journal = self.journal.as_mut().expect("an --apply run has a journal");
        journal.record(&absolute_dir.join(name), &absolute_dir.join(&new.name))?;
        match rename_keeping_mtime(dirfd, name, &new.name) {
            Ok(()) => {
                self.counts.renames += 1;
                taken.remove(name);
                taken.insert(new.name.clone());
                self.renamed
                    .insert(absolute_dir.join(name), new.name.clone());
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
                let why = io_reason(&e);
                self.report(Status::Failed, &old_display, &new_display, new.reason, &why)
            }
        }
    }

    /// Where `old` (an absolute path as it was before the run) is now.
    fn current_path(&self, old: &Path) -> PathBuf {
        let mut before = PathBuf::new();
        let mut now = PathBuf::new();
        for part in old.components() {
            before.push(part);
            match self.renamed.get(&before) {
                Some(new) => now.push(new),
                None => now.push(part),
            }
        }
        now
    }

    /// The relative target of a link in `dir` with renamed components
    /// replaced, or None when none of them was renamed. `..` is resolved
    /// lexically, as the link's text says.
    fn new_target(&self, dir: &Path, target: &Path) -> Option<PathBuf> {
        use std::path::Component;
        let mut at = dir.to_path_buf();
        let mut out = PathBuf::new();
        let mut changed = false;
        for part in target.components() {
            match part {
                Component::ParentDir => {
                    at.pop();
                    out.push("..");
                }
                Component::CurDir => out.push("."),
                Component::Normal(name) => {
                    at.push(name);
                    match self.renamed.get(&at) {
                        Some(new) => {
                            out.push(new);
                            changed = true;
                        }
                        None => out.push(name),
                    }
                }
                Component::RootDir | Component::Prefix(_) => return None,
            }
        }
        changed.then_some(out)
    }

    /// Relative symlinks whose targets were renamed in this run point to
    /// the new names (journaled, so `undo` puts them back).
    fn retarget_links(&mut self) -> Result<()> {
        for link in std::mem::take(&mut self.links) {
            let Some(new_target) = self.new_target(&link.dir, &link.target) else {
                continue;
            };
            let now = self.current_path(&link.dir.join(&link.name));
            let status = if self.apply {
                let journal = self.journal.as_mut().expect("an --apply run has a journal");
                journal.record_retarget(&now, &link.target, &new_target)?;
                match retarget_path(&now, &link.target, &new_target) {
                    Ok(()) => Status::Retargeted,
                    Err(e) => {
                        self.counts.errors += 1;
                        let why = io_reason(&e);
                        let (old, new) = (link.target.as_path(), new_target.as_path());
                        self.report(Status::Failed, old, new, "symlink", &why)?;
                        continue;
                    }
                }
            } else {
                Status::WouldRetarget
            };
            let display = link.display.display().to_string();
            self.report(status, &link.target, &new_target, "symlink", &display)?;
        }
        Ok(())
    }

    /// The repaired name, or None when it stays.
    fn new_name(&self, name: &OsStr) -> Option<NewName> {
        let bytes = name.as_bytes();
        let (text, mut reason) = match std::str::from_utf8(bytes) {
            Ok(s) => {
                let fixed = self.repairer.repair(s);
                if fixed != s {
                    (fixed.into_owned(), "mojibake")
                } else if let Some(unzipped) = super::cjk::dos_unzipped(s, self.cjk) {
                    (unzipped, "dos-unzipped")
                } else {
                    (fixed.into_owned(), "")
                }
            }
            Err(_) if self.cjk_raw => (super::cjk::decode(self.cjk, bytes)?, "legacy-bytes"),
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
            Status::WouldRetarget | Status::Retargeted => {
                format!(
                    "{detail}: symlink target {} -> {}",
                    old.display(),
                    new.display()
                )
            }
            _ => format!(
                "{}: {} -> {}: {detail}",
                status.label(),
                old.display(),
                new.display()
            ),
        };
        if matches!(
            status,
            Status::WouldRename | Status::Renamed | Status::WouldRetarget | Status::Retargeted
        ) {
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
        self.progress.println(format!(
            "mojibake-fix: {}: {}",
            path.display(),
            io_reason(e)
        ));
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

/// The directory a PATH argument's changes happen in, canonical: its
/// parent, or the path itself for `/`, `.` and `..` (only what is below
/// them is renamed). The journal names it as a tree.
fn tree_of(path: &Path) -> io::Result<PathBuf> {
    if path.file_name().is_none() {
        return std::fs::canonicalize(path);
    }
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    std::fs::canonicalize(dir.unwrap_or(Path::new(".")))
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
    safe_fs::open_dir_at(dirfd.as_fd(), name, true)
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
pub(crate) fn rename_keeping_mtime(
    dirfd: BorrowedFd<'_>,
    old: &OsStr,
    new: &OsStr,
) -> io::Result<()> {
    safe_fs::rename_in_dir(dirfd, old, new, RenameFlags::NOREPLACE)
}

/// [`retarget`] for the link at the absolute path `link`, its directory
/// reached by descriptor.
pub(crate) fn retarget_path(link: &Path, expected: &Path, new: &Path) -> io::Result<()> {
    let (Some(dir), Some(name)) = (link.parent(), link.file_name()) else {
        return Err(io::Error::other("not a link path"));
    };
    retarget(safe_fs::open_dir(dir)?.as_fd(), name, expected, new)
}

/// Points the symlink `name` of `dir` at `new` instead of `expected`: a new
/// link under a temporary name, renamed over the old one (atomic). Refused
/// when the link no longer points at `expected`. A temporary link an
/// interrupted run left is replaced.
pub(crate) fn retarget(
    dir: BorrowedFd<'_>,
    name: &OsStr,
    expected: &Path,
    new: &Path,
) -> io::Result<()> {
    let current = rustix::fs::readlinkat(dir, name, Vec::new())?;
    if current.as_bytes() != expected.as_os_str().as_bytes() {
        return Err(io::Error::other(format!(
            "the link points to {} now, not {}",
            OsStr::from_bytes(current.as_bytes()).to_string_lossy(),
            expected.display()
        )));
    }
    let temp = remove_temp_link(dir, name)?;
    rustix::fs::symlinkat(new.as_os_str(), dir, &temp)?;
    let renamed = safe_fs::rename_in_dir(dir, &temp, name, RenameFlags::empty());
    if renamed.is_err() {
        let _ = rustix::fs::unlinkat(dir, &temp, AtFlags::empty());
    }
    renamed
}

/// The temporary name of a retargeted link `name`, freed of a symlink an
/// interrupted run left there (anything else there is refused).
pub(crate) fn remove_temp_link(dir: BorrowedFd<'_>, name: &OsStr) -> io::Result<OsString> {
    let temp = safe_fs::temp_name(name);
    if let Some(st) = safe_fs::lstat_at(dir, &temp)? {
        if FileType::from_raw_mode(st.st_mode) != FileType::Symlink {
            return Err(io::Error::other(format!(
                "{} is in the way and is no leftover of mojibake-fix",
                temp.to_string_lossy()
            )));
        }
        rustix::fs::unlinkat(dir, &temp, AtFlags::empty())?;
    }
    Ok(temp)
}
