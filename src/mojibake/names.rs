//! `names`: repair file names across a tree.
//!
//! Directories are walked through directory file descriptors (openat with
//! O_NOFOLLOW: symlinks are renamed as names, never followed). Each
//! directory's subtree is finished before its own entries are renamed, and
//! a directory is renamed by its parent after that, so children always go
//! before parents. Renames use renameat2(RENAME_NOREPLACE): nothing is ever
//! overwritten, and names that are canonically equivalent (NFC and NFD of
//! the same text) count as the same name.
//!
//! With `--apply`, renames are carried out in batches: the batch's lines
//! (and the times of directories met for the first time) are written to
//! the journal with one fdatasync, then the renames are made and the
//! directories' times put back. A run killed at any point leaves a journal
//! that announces every rename made, so `undo` gives back the exact tree.

use super::cli::NamesArgs;
use super::journal::Journal;
use super::namer::{Namer, NewName, Norm, Verdict, collision_key};
use super::safe_fs::{self, DirTimes, NAME_MAX};
use crate::common::quote::escaped;
use crate::common::{Envelope, Exit, JsonLines, Progress, Result, base64, io_reason};
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::fs::{AtFlags, FileType, RenameFlags};
use std::collections::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Renames journaled with one fdatasync.
const BATCH: usize = 4096;
/// Directories a batch may hold open (each pending rename keeps its own).
const BATCH_DIRS: usize = 256;

/// What happened to one name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    WouldRename,
    Renamed,
    WouldRetarget,
    Retargeted,
    Collision,
    Refused,
    Unplaced,
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
            Status::Unplaced => "unplaced",
            Status::Failed => "failed",
        }
    }

    /// A change made or to be made: listed on stdout; the rest on stderr.
    fn is_change(self) -> bool {
        matches!(
            self,
            Status::WouldRename | Status::Renamed | Status::WouldRetarget | Status::Retargeted
        )
    }
}

#[derive(Default)]
struct Counts {
    /// Names looked at.
    checked: u64,
    renames: u64,
    collisions: u64,
    refused: u64,
    unplaced: u64,
    errors: u64,
}

/// A relative symlink met in the walk: its directory (absolute, as it was
/// before any rename) and its name, its target, and where it was shown.
struct Link {
    dir: PathBuf,
    name: OsString,
    target: PathBuf,
    display: PathBuf,
}

/// A rename decided and journaled in the next batch.
struct Pending {
    dir: Rc<OwnedFd>,
    dir_path: PathBuf,
    old: OsString,
    new: NewName,
    display_dir: PathBuf,
}

/// The names of one directory as they will be after the renames planned
/// in it: collision keys (NFC) and how many names have each.
struct Taken {
    keys: HashMap<OsString, usize>,
}

impl Taken {
    fn of<'a>(names: impl Iterator<Item = &'a OsString>) -> Taken {
        let mut keys = HashMap::new();
        for name in names {
            *keys.entry(collision_key(name)).or_insert(0) += 1;
        }
        Taken { keys }
    }

    /// Whether another name than `old` is, or will be, canonically `new`.
    fn holds(&self, new: &OsStr, old: &OsStr) -> bool {
        let key = collision_key(new);
        let count = self.keys.get(&key).copied().unwrap_or(0);
        count > usize::from(collision_key(old) == key)
    }

    fn rename(&mut self, old: &OsStr, new: &OsStr) {
        if let Some(n) = self.keys.get_mut(&collision_key(old)) {
            *n = n.saturating_sub(1);
        }
        *self.keys.entry(collision_key(new)).or_insert(0) += 1;
    }
}

struct Walker {
    namer: Namer,
    apply: bool,
    recursive: bool,
    /// `--suffix`: a colliding name becomes `NAME (2).ext`.
    suffix: bool,
    /// Written from the start of an `--apply` run, even if nothing changes.
    journal: Option<Journal>,
    pending: Vec<Pending>,
    /// Directories whose times the journal holds.
    timed: HashSet<PathBuf>,
    /// Old absolute path -> new name, for every rename (made or planned).
    renamed: HashMap<PathBuf, OsString>,
    links: Vec<Link>,
    json: Option<JsonLines>,
    quiet: bool,
    progress: Progress,
    counts: Counts,
}

pub(crate) fn run_names(args: &NamesArgs, quiet: bool) -> Result<Exit> {
    let norm = match (args.nfc, args.nfd) {
        (true, _) => Some(Norm::Nfc),
        (_, true) => Some(Norm::Nfd),
        _ => None,
    };
    let namer = Namer::new(&args.encoding, norm)?;
    let mut trees: Vec<PathBuf> = args.paths.iter().filter_map(|p| tree_of(p).ok()).collect();
    trees.sort();
    trees.dedup();
    let journal = match args.apply {
        true => Some(Journal::create_for(
            args.journal.as_deref(),
            "names",
            &trees,
        )?),
        false => None,
    };
    let mut walker = Walker {
        namer,
        apply: args.apply,
        recursive: args.recursive,
        suffix: args.suffix,
        journal,
        pending: Vec::new(),
        timed: HashSet::new(),
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
    walker.flush()?;
    walker.retarget_links()?;
    if walker.apply {
        sync_trees(&trees);
    }
    walker.progress.finish();
    walker.summary()
}

/// Renames are not fsync'ed one by one (undo needs only the journal's
/// lines on disk first); one syncfs per tree at the end makes them lasting.
fn sync_trees(trees: &[PathBuf]) {
    for tree in trees {
        if let Ok(fd) = safe_fs::open_dir(tree)
            && let Err(e) = rustix::fs::syncfs(&fd)
        {
            log::warn!("syncing {}: {e}", tree.display());
        }
    }
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
        // The other names of the directory: context for the decision, and
        // what the new name must not collide with.
        let siblings: Vec<OsString> = match list(&parent_fd) {
            Ok(entries) => entries.into_iter().map(|(n, _)| n).collect(),
            Err(_) => vec![name.clone()],
        };
        let verdicts = self.namer.decide(&siblings);
        let Some(at) = siblings.iter().position(|n| *n == name) else {
            return Ok(());
        };
        let mut taken = Taken::of(siblings.iter());
        let dir = Rc::new(parent_fd);
        self.counts.checked += 1;
        self.plan(&dir, display_dir, &parent, &name, &verdicts[at], &mut taken)
    }

    fn open_and_walk(
        &mut self,
        dirfd: BorrowedFd<'_>,
        name: impl AsRef<OsStr>,
        display: &Path,
        absolute: &Path,
    ) -> Result<()> {
        match safe_fs::open_dir_at(dirfd, name.as_ref(), true) {
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
        let names: Vec<OsString> = entries.into_iter().map(|(n, _)| n).collect();
        let verdicts = self.namer.decide(&names);
        let mut taken = Taken::of(names.iter());
        let dir = Rc::new(fd);
        for (name, verdict) in names.iter().zip(&verdicts) {
            self.counts.checked += 1;
            self.plan(&dir, display, absolute, name, verdict, &mut taken)?;
        }
        Ok(())
    }

    /// Acts on one name's verdict: reported in a dry run, queued for the
    /// next batch with `--apply`.
    fn plan(
        &mut self,
        dir: &Rc<OwnedFd>,
        display_dir: &Path,
        absolute_dir: &Path,
        name: &OsStr,
        verdict: &Verdict,
        taken: &mut Taken,
    ) -> Result<()> {
        let old_display = display_dir.join(name);
        let mut new = match verdict {
            Verdict::Keep => return Ok(()),
            Verdict::Unplaced => {
                self.counts.unplaced += 1;
                let why = "not UTF-8, and no encoding reads it plausibly: name it with --from ENC";
                return self.report(Status::Unplaced, &old_display, None, why);
            }
            Verdict::Rename(new) => new.clone(),
        };
        if let Some(why) = invalid(&new.name) {
            self.counts.refused += 1;
            let shown = display_dir.join(&new.name);
            return self.report(Status::Refused, &old_display, Some((&shown, &new)), why);
        }
        if taken.holds(&new.name, name) {
            match self
                .suffix
                .then(|| with_suffix(&new.name, name, taken))
                .flatten()
            {
                Some(free) => {
                    new.name = free;
                    new.reason.push_str("+suffix");
                }
                None => {
                    self.counts.collisions += 1;
                    let shown = display_dir.join(&new.name);
                    let why = "a name that is the same text exists: left as it was";
                    return self.report(Status::Collision, &old_display, Some((&shown, &new)), why);
                }
            }
        }
        taken.rename(name, &new.name);
        self.renamed
            .insert(absolute_dir.join(name), new.name.clone());
        if !self.apply {
            self.counts.renames += 1;
            let shown = display_dir.join(&new.name);
            return self.report(Status::WouldRename, &old_display, Some((&shown, &new)), "");
        }
        self.pending.push(Pending {
            dir: Rc::clone(dir),
            dir_path: absolute_dir.to_path_buf(),
            old: name.to_os_string(),
            new,
            display_dir: display_dir.to_path_buf(),
        });
        let dirs = self.pending_dirs();
        if self.pending.len() >= BATCH || dirs.len() >= BATCH_DIRS {
            self.flush()?;
        }
        Ok(())
    }

    /// The distinct directories of the pending batch, in order.
    fn pending_dirs(&self) -> Vec<(Rc<OwnedFd>, PathBuf)> {
        let mut dirs: Vec<(Rc<OwnedFd>, PathBuf)> = Vec::new();
        for p in &self.pending {
            if !dirs.last().is_some_and(|(d, _)| Rc::ptr_eq(d, &p.dir)) {
                dirs.push((Rc::clone(&p.dir), p.dir_path.clone()));
            }
        }
        dirs
    }

    /// Carries out the pending renames: their journal lines (and the
    /// times of directories met for the first time) with one fdatasync,
    /// then the renames, then each directory's times put back.
    fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let dirs = self.pending_dirs();
        let journal = self.journal.as_mut().expect("an --apply run has a journal");
        let mut times = Vec::with_capacity(dirs.len());
        for (fd, path) in &dirs {
            let before = DirTimes::of(fd.as_fd()).ok();
            if let Some(before) = before
                && self.timed.insert(path.clone())
            {
                journal.stage_dirtimes(path, before);
            }
            times.push(before);
        }
        for p in &self.pending {
            journal.stage(&p.dir_path.join(&p.old), &p.dir_path.join(&p.new.name));
        }
        journal.commit()?;
        let pending = std::mem::take(&mut self.pending);
        let outcomes: Vec<io::Result<()>> = pending
            .iter()
            .map(|p| {
                rustix::fs::renameat_with(
                    p.dir.as_fd(),
                    &p.old,
                    p.dir.as_fd(),
                    &p.new.name,
                    RenameFlags::NOREPLACE,
                )
                .map_err(io::Error::from)
            })
            .collect();
        for ((fd, _), before) in dirs.iter().zip(times) {
            if let Some(before) = before {
                before.restore(fd.as_fd());
            }
        }
        for (p, outcome) in pending.iter().zip(outcomes) {
            let old = p.display_dir.join(&p.old);
            let shown = p.display_dir.join(&p.new.name);
            match outcome {
                Ok(()) => {
                    self.counts.renames += 1;
                    self.report(Status::Renamed, &old, Some((&shown, &p.new)), "")?;
                }
                Err(e) => {
                    self.renamed.remove(&p.dir_path.join(&p.old));
                    let (status, why) = if e.kind() == io::ErrorKind::AlreadyExists {
                        self.counts.collisions += 1;
                        (
                            Status::Collision,
                            "the name appeared meanwhile: left as it was".into(),
                        )
                    } else {
                        self.counts.errors += 1;
                        (Status::Failed, io_reason(&e))
                    };
                    self.report(status, &old, Some((&shown, &p.new)), &why)?;
                }
            }
        }
        Ok(())
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
            let (status, why) = if self.apply {
                let journal = self.journal.as_mut().expect("an --apply run has a journal");
                journal.record_retarget(&now, &link.target, &new_target)?;
                match retarget_path(&now, &link.target, &new_target) {
                    Ok(()) => (Status::Retargeted, String::new()),
                    Err(e) => {
                        self.counts.errors += 1;
                        (Status::Failed, io_reason(&e))
                    }
                }
            } else {
                (Status::WouldRetarget, String::new())
            };
            self.report_link(status, &link, &new_target, &why)?;
        }
        Ok(())
    }

    /// One line (or JSON object) about a name; `new` is the repaired name
    /// as shown, and its repair.
    fn report(
        &mut self,
        status: Status,
        old: &Path,
        new: Option<(&Path, &NewName)>,
        detail: &str,
    ) -> Result<()> {
        if let Some(json) = &self.json {
            let mut object = serde_json::json!({
                "status": status.label(),
                "detail": detail,
            });
            put_path(&mut object, "path", old);
            if let Some((shown, repair)) = new {
                put_path(&mut object, "new", shown);
                object["reason"] = repair.reason.as_str().into();
                if let Some(encoding) = repair.encoding {
                    object["encoding"] = encoding.into();
                }
            }
            json.emit(&object)?;
            return Ok(());
        }
        let arrow = new.map_or_else(String::new, |(shown, _)| format!(" -> {}", escaped(shown)));
        if status.is_change() {
            if !self.quiet {
                writeln!(io::stdout().lock(), "{}{arrow}", escaped(old))?;
            }
        } else {
            self.progress.println(format!(
                "mojibake-fix: {}: {}{arrow}: {detail}",
                status.label(),
                escaped(old)
            ));
        }
        Ok(())
    }

    fn report_link(&mut self, status: Status, link: &Link, new: &Path, why: &str) -> Result<()> {
        if let Some(json) = &self.json {
            let mut object = serde_json::json!({
                "status": status.label(),
                "reason": "symlink",
                "detail": why,
            });
            put_path(&mut object, "path", &link.display);
            put_path(&mut object, "target", &link.target);
            put_path(&mut object, "new", new);
            json.emit(&object)?;
            return Ok(());
        }
        let line = format!(
            "{}: symlink target {} -> {}",
            escaped(&link.display),
            escaped(&link.target),
            escaped(new)
        );
        if status.is_change() {
            if !self.quiet {
                writeln!(io::stdout().lock(), "{line}")?;
            }
        } else {
            self.progress
                .println(format!("mojibake-fix: {}: {line}: {why}", status.label()));
        }
        Ok(())
    }

    fn error(&mut self, path: &Path, e: &io::Error) {
        self.counts.errors += 1;
        self.progress
            .println(format!("mojibake-fix: {}: {}", escaped(path), io_reason(e)));
    }

    fn summary(&self) -> Result<Exit> {
        let c = &self.counts;
        let verb = if self.apply { "renamed" } else { "to rename" };
        let msg = format!(
            "{} {verb}, {} collision(s), {} unplaced, {} refused, {} error(s)",
            c.renames, c.collisions, c.unplaced, c.refused, c.errors
        );
        if !self.quiet {
            eprintln!("mojibake-fix: {msg}");
            if c.collisions > 0 {
                eprintln!(
                    "mojibake-fix: {} name(s) left as they were: the repaired name exists \
                     (listed above); rename one of each pair by hand, or rerun with --suffix \
                     to name them `NAME (2).ext`",
                    c.collisions
                );
            }
            if c.unplaced > 0 {
                eprintln!(
                    "mojibake-fix: {} name(s) are not UTF-8 and no encoding reads them \
                     plausibly (listed above): name it with --from ENC (`--help` lists them)",
                    c.unplaced
                );
            }
            if let Some(j) = &self.journal {
                eprintln!(
                    "mojibake-fix: journal: {} (undo with `mojibake-fix undo {}`)",
                    j.path.display(),
                    escaped(&j.path)
                );
            }
        }
        let left = c.collisions + c.refused + c.unplaced;
        if let Some(json) = &self.json {
            let counts = serde_json::json!({
                "dry_run": !self.apply,
                "renames": c.renames,
                "collisions": c.collisions,
                "unplaced": c.unplaced,
                "refused": c.refused,
                "journal": self.journal.as_ref().map(|j| j.path.to_string_lossy()),
            });
            Envelope::new("mojibake-fix", c.checked, c.renames, c.errors, msg, counts)
                .emit(json)?;
        }
        Ok(if c.errors > 0 {
            Exit::Failed
        } else if left > 0 || (!self.apply && c.renames > 0) {
            Exit::Found
        } else {
            Exit::Success
        })
    }
}

/// `path` into a JSON object: the text (lossy for display), and when it
/// is not UTF-8 its exact bytes as `<key>_base64`.
pub(crate) fn put_path(object: &mut serde_json::Value, key: &str, path: &Path) {
    object[key] = path.to_string_lossy().into();
    if path.to_str().is_none() {
        object[format!("{key}_base64")] = base64(path.as_os_str().as_bytes()).into();
    }
}

/// `NAME (2).ext`, `NAME (3).ext`... the first that no name of the
/// directory is (or will be) canonically.
fn with_suffix(name: &OsStr, old: &OsStr, taken: &Taken) -> Option<OsString> {
    let bytes = name.as_bytes();
    // The extension starts at the last dot, unless that dot starts the name.
    let cut = match bytes.iter().rposition(|&b| b == b'.') {
        Some(0) | None => bytes.len(),
        Some(i) => i,
    };
    (2..1000).find_map(|n| {
        let mut candidate = bytes[..cut].to_vec();
        candidate.extend_from_slice(format!(" ({n})").as_bytes());
        candidate.extend_from_slice(&bytes[cut..]);
        let candidate = OsString::from_vec(candidate);
        (invalid(&candidate).is_none() && !taken.holds(&candidate, old)).then_some(candidate)
    })
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
/// link under a temporary name, renamed over the old one (atomic), with the
/// old link's times. Refused when the link no longer points at `expected`.
/// A temporary link an interrupted run left is replaced.
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
            escaped(Path::new(OsStr::from_bytes(current.as_bytes()))),
            escaped(expected)
        )));
    }
    let old = rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)?;
    let temp = remove_temp_link(dir, name)?;
    rustix::fs::symlinkat(new.as_os_str(), dir, &temp)?;
    let renamed = safe_fs::rename_in_dir(dir, &temp, name, RenameFlags::empty());
    if renamed.is_err() {
        let _ = rustix::fs::unlinkat(dir, &temp, AtFlags::empty());
    }
    renamed?;
    safe_fs::set_link_times(dir, name, &old);
    Ok(())
}

/// The temporary name of a retargeted link `name`, freed of a symlink an
/// interrupted run left there (anything else there is refused).
pub(crate) fn remove_temp_link(dir: BorrowedFd<'_>, name: &OsStr) -> io::Result<OsString> {
    let temp = safe_fs::temp_name(name);
    if let Some(st) = safe_fs::lstat_at(dir, &temp)? {
        if FileType::from_raw_mode(st.st_mode) != FileType::Symlink {
            return Err(io::Error::other(format!(
                "{} is in the way and is no leftover of mojibake-fix",
                escaped(Path::new(&temp))
            )));
        }
        rustix::fs::unlinkat(dir, &temp, AtFlags::empty())?;
    }
    Ok(temp)
}
