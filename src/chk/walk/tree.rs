//! Walking one target: a rayon task per directory, opened only when the
//! task runs, and a bounded queue of them; nothing kept per entry once it
//! is done. Files are looked at by name and opened only to be changed
//! (changed by name where only root can write their directory).

use super::links::{self, HardLinks};
use super::report::{self, Counters, Notes, Report, Skip, Summary};
use super::state;
use super::{Ownership, RunOptions, Scope, Target};
use crate::chk::node::{self, Node};
use crate::chk::quote;
use crate::chk::rules::{Inherited, Rule};
use crate::common::{Error, Result};
use rustix::fs::{FileType, RawDir, Statx};
use rustix::io::Errno;
use std::ffi::{CStr, OsStr};
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

/// Raises the descriptor limit (each directory being walked holds one) and
/// checks that /proc is there for the `O_PATH` operations.
pub(super) fn prepare_process() -> Result<()> {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        limit.current = limit.maximum;
        let _ = setrlimit(Resource::Nofile, limit);
    }
    if std::fs::metadata("/proc/self/fd").is_err() {
        return Err(Error::failed(
            "/proc is not mounted: chk needs /proc/self/fd to change entries safely",
        ));
    }
    Ok(())
}

/// Everything a task needs, shared by reference.
struct Walk<'a> {
    target: &'a Target,
    opts: &'a RunOptions,
    report: &'a Report,
    counters: Counters,
    /// The canonical root, for display and backups.
    root: PathBuf,
    device: (u32, u32),
    mount_id: u64,
    /// Set on a fatal error (descriptor exhaustion): every task stops.
    fatal: AtomicBool,
    fatal_error: Mutex<Option<io::Error>>,
    /// Multiply-linked files met, decided after the walk.
    links: HardLinks,
    /// Subdirectory tasks waiting in the queue.
    queued: AtomicUsize,
    /// Whether the target's file system is one where owner and mode say
    /// who may rename entries ([`node::names_are_local`]).
    names_local: bool,
}

/// Files in a row of one directory that needed a change, after which the
/// next ones are opened at once instead of looked at by name first.
const DIRECT_AFTER: u32 = 2;
/// Entries counted between two moves of the progress bar.
const PROGRESS_STEP: u64 = 1024;
/// Subdirectory tasks allowed to wait at once (about 150 bytes each).
const MAX_QUEUED: usize = 4096;
/// Subdirectories one thread may walk nested in another's reading, when
/// the queue is full, before queueing anyway.
const MAX_NESTED: u32 = 256;

thread_local! {
    /// How deep this thread is in subdirectories walked at once.
    static NESTED: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Walks one target. A root that cannot be opened is an error of that
/// target only (counted, exit 3); the other targets still run.
pub(super) fn walk_target(target: &Target, opts: &RunOptions, report: &Report) -> Result<Summary> {
    let failed = |e: &io::Error| {
        report.error(
            &target.label,
            &target.root,
            "opening the target (it must be a directory, not a symlink)",
            e,
        );
        Ok(Summary {
            errors: 1,
            ..Summary::default()
        })
    };
    let (stat, node) = match &target.scope {
        Scope::Tree => {
            let opened = match &target.opened {
                Some(fd) => rustix::io::fcntl_dupfd_cloexec(fd, 0)
                    .map(Node::from_dir_fd)
                    .map_err(io::Error::from),
                None => Node::open_root(&target.root),
            };
            match opened.and_then(|n| Ok((n.stat()?, n))) {
                Ok(opened) => opened,
                Err(e) => return failed(&e),
            }
        }
        Scope::Below {
            base,
            rel,
            entry_only,
        } => match open_below(base, rel, *entry_only) {
            Ok(Below::Tree(stat, node)) => (stat, node),
            Ok(Below::Entry(stat, node)) => {
                return Ok(check_entry(target, opts, report, &node, &stat));
            }
            Ok(Below::Nothing) => return Ok(Summary::default()),
            Ok(Below::Symlinked) => {
                report.warn(
                    &target.root,
                    "a symbolic link on the way to it: not followed",
                );
                return Ok(Summary {
                    skipped: report::Skipped {
                        symlink: 1,
                        ..Default::default()
                    },
                    ..Summary::default()
                });
            }
            Err(e) => return failed(&e),
        },
    };
    // The absolute path of what was opened, for reports and backups.
    let root = std::fs::read_link(format!("/proc/self/fd/{}", node.fd().as_raw_fd()))
        .unwrap_or_else(|_| target.root.clone());
    let mut walk = Walk::new(target, opts, report, root, &stat);
    let (rule, inherited) = target.rules.step(Inherited::default(), b"");
    if rule.is_some_and(Rule::is_ignore) {
        walk.skip(b"", Skip::Ignored);
        return Ok(walk.counters.summary());
    }
    walk.names_local = node::names_are_local(node.fd());
    let node = Arc::new(node);
    rayon::scope(|scope| walk.open_directory(scope, &node, &stat, Vec::new(), rule, inherited));
    // Multiply-linked files, once every link of theirs had its chance to be met.
    for inode in std::mem::take(&mut walk.links).into_inodes() {
        walk.linked_file(&node, inode);
    }
    let masked = walk.counters.masked.load(Relaxed);
    if let Some(example) = walk
        .counters
        .first_masked
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
    {
        report.warn_line(&format!(
            "{}: {masked} changed entries keep named ACL rights their mask cuts, such as {example} (see chk explain)",
            target.label
        ));
    }
    if let Some(e) = walk
        .fatal_error
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
    {
        return Err(Error::io(
            format!("{}: walking the tree", walk.root.display()),
            e,
        ));
    }
    Ok(walk.counters.summary())
}

/// What a [`Scope::Below`] root turned out to be.
enum Below {
    /// A directory to walk, opened for reading.
    Tree(Statx, Node),
    /// An entry to check alone (`O_PATH`).
    Entry(Statx, Node),
    /// Missing: nothing to do.
    Nothing,
    /// A symlink or a non-directory on the way to it: not followed.
    Symlinked,
}

fn open_below(base: &std::path::Path, rel: &[u8], entry_only: bool) -> io::Result<Below> {
    let node = match node::open_below(base, rel) {
        Ok(node) => node,
        Err(e) if is_vanished(&e) => return Ok(Below::Nothing),
        Err(e) if matches!(e.raw_os_error(), Some(libc::ELOOP | libc::ENOTDIR)) => {
            return Ok(Below::Symlinked);
        }
        Err(e) => return Err(e),
    };
    let stat = node.stat()?;
    if entry_only || FileType::from_raw_mode(stat.stx_mode.into()) != FileType::Directory {
        return Ok(Below::Entry(stat, node));
    }
    // The O_PATH descriptor's magic link names the very directory opened.
    let dir = Node::reopen_dir(&node)?;
    let again = dir.stat()?;
    if !node::same_inode(&stat, &again) {
        return Err(io::Error::other("replaced while being opened"));
    }
    Ok(Below::Tree(again, dir))
}

/// A target that is one entry: checked through its own descriptor, never
/// when it is a symlink or a special file, nor a file with several links
/// (they may lie outside anything chk was asked to check).
fn check_entry(
    target: &Target,
    opts: &RunOptions,
    report: &Report,
    node: &Node,
    stat: &Statx,
) -> Summary {
    let walk = Walk::new(target, opts, report, target.root.clone(), stat);
    match FileType::from_raw_mode(stat.stx_mode.into()) {
        FileType::Symlink => walk.skip(b"", Skip::Symlink),
        FileType::RegularFile if links::is_multiply_linked(stat) => {
            walk.skip(b"", Skip::HardLink);
            let why = format!("hard-linked file with {} links: left alone", stat.stx_nlink);
            report.warn(&walk.root, &why);
        }
        FileType::Directory | FileType::RegularFile => {
            walk.check_open(node, stat, b"", target.rules.governing(b""));
        }
        _ => walk.skip(b"", Skip::Special),
    }
    walk.counters.summary()
}

fn is_vanished(e: &io::Error) -> bool {
    e.raw_os_error() == Some(Errno::NOENT.raw_os_error())
}

fn is_denied(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(n) if n == Errno::ACCESS.raw_os_error() || n == Errno::PERM.raw_os_error())
}

fn is_exhaustion(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(n) if n == Errno::MFILE.raw_os_error() || n == Errno::NFILE.raw_os_error())
}

impl<'a> Walk<'a> {
    fn new(
        target: &'a Target,
        opts: &'a RunOptions,
        report: &'a Report,
        root: PathBuf,
        stat: &Statx,
    ) -> Walk<'a> {
        Walk {
            target,
            opts,
            report,
            counters: Counters::default(),
            root,
            device: (stat.stx_dev_major, stat.stx_dev_minor),
            mount_id: stat.stx_mnt_id,
            fatal: AtomicBool::new(false),
            fatal_error: Mutex::new(None),
            links: HardLinks::default(),
            queued: AtomicUsize::new(0),
            names_local: false,
        }
    }

    fn path(&self, rel: &[u8]) -> PathBuf {
        if rel.is_empty() {
            self.root.clone()
        } else {
            self.root.join(OsStr::from_bytes(rel))
        }
    }

    fn stopped(&self) -> bool {
        self.fatal.load(Relaxed) || self.report.failed()
    }

    /// An error about one entry: counted and reported, the walk goes on;
    /// running out of descriptors stops everything.
    fn entry_error(&self, rel: &[u8], what: &str, e: io::Error) {
        if is_exhaustion(&e) {
            self.fatal.store(true, Relaxed);
            self.fatal_error
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get_or_insert(e);
            return;
        }
        self.counters.errors.fetch_add(1, Relaxed);
        self.report
            .error(&self.target.label, &self.path(rel), what, &e);
    }

    /// An entry passed over: counted, and listed with `--json`.
    fn skip(&self, rel: &[u8], why: Skip) {
        let counter = match why {
            Skip::Symlink => &self.counters.symlink,
            Skip::Special => &self.counters.special,
            Skip::OtherFilesystem => &self.counters.other_filesystem,
            Skip::HardLink => &self.counters.hard_link,
            Skip::Ignored => &self.counters.ignored,
        };
        counter.fetch_add(1, Relaxed);
        self.report
            .skipped(&self.target.label, &self.path(rel), why);
    }

    fn same_filesystem(&self, stat: &Statx) -> bool {
        self.opts.cross_mounts
            || ((stat.stx_dev_major, stat.stx_dev_minor) == self.device
                && stat.stx_mnt_id == self.mount_id)
    }

    /// Whether a subdirectory found now should wait in the queue (a task
    /// of its own) rather than be walked at once by this thread. Queued
    /// tasks are what memory grows with: one directory holding a million
    /// subdirectories must not queue them all. Walking at once nests on the
    /// stack, so that too is bounded, which only the deepest trees meet.
    fn queue_it(&self) -> bool {
        self.queued.load(Relaxed) < MAX_QUEUED || NESTED.get() >= MAX_NESTED
    }

    /// Whether nobody but root can rename entries of the directory `stat`
    /// describes (see [`node::only_root_writes`]), on the target's file
    /// system. A dry run writes nothing: it keeps the usual order, each
    /// directory listed before its entries.
    fn sealed(&self, stat: &Statx) -> bool {
        !self.report.dry_run
            && self.names_local
            && (stat.stx_dev_major, stat.stx_dev_minor) == self.device
            && node::only_root_writes(stat)
    }

    /// Checks the open directory `dir` (unless `rule` is `None`) and walks
    /// it. One that only root can write is checked after its own entries,
    /// which are then changed by name: its check may open it to others.
    fn open_directory<'s>(
        &'s self,
        scope: &rayon::Scope<'s>,
        dir: &Arc<Node>,
        stat: &Statx,
        rel: Vec<u8>,
        rule: Option<&'a Rule>,
        below: Inherited,
    ) {
        let sealed = self.sealed(stat);
        if !sealed {
            self.check_open(dir, stat, &rel, rule);
            return self.directory(scope, Arc::clone(dir), rel, below, false);
        }
        self.directory(scope, Arc::clone(dir), rel.clone(), below, true);
        self.check_open(dir, stat, &rel, rule);
    }

    /// Reads the directory `dir` (at `rel`) and hands each entry on;
    /// `sealed`: only root can rename its entries.
    fn directory<'s>(
        &'s self,
        scope: &rayon::Scope<'s>,
        dir: Arc<Node>,
        rel: Vec<u8>,
        inherited: Inherited,
        sealed: bool,
    ) {
        let mut buf = vec![MaybeUninit::<u8>::uninit(); 8192];
        let mut entries = RawDir::new(dir.fd(), &mut buf);
        // Each entry's relative path, built in one buffer.
        let mut child_rel = rel.clone();
        // Files in a row that needed a change (see `open_file_at_once`).
        let mut streak = 0;
        while let Some(entry) = entries.next() {
            if self.stopped() {
                return;
            }
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => return self.entry_error(&rel, "reading the directory", e.into()),
            };
            let name = entry.file_name();
            if matches!(name.to_bytes(), b"." | b"..") {
                continue;
            }
            child_rel.truncate(rel.len());
            if !rel.is_empty() {
                child_rel.push(b'/');
            }
            child_rel.extend_from_slice(name.to_bytes());
            let (rule, below) = self.target.rules.step(inherited, &child_rel);
            if rule.is_some_and(Rule::is_ignore) {
                self.skip(&child_rel, Skip::Ignored);
                continue;
            }
            let is_dir_hint = matches!(entry.file_type(), FileType::Directory | FileType::Unknown);
            if entry.file_type() == FileType::RegularFile && streak >= DIRECT_AFTER && !sealed {
                let changed = self.open_file_at_once(scope, &dir, name, &child_rel, rule, below);
                streak = if changed { streak + 1 } else { 0 };
            } else if !is_dir_hint {
                let entry = (name, child_rel.as_slice());
                let changed = self.non_directory(Some(scope), &dir, sealed, entry, rule, below);
                streak = if changed { streak + 1 } else { 0 };
            } else if self.queue_it() {
                let name = name.to_owned();
                let parent = Arc::clone(&dir);
                let child_rel = child_rel.clone();
                self.queued.fetch_add(1, Relaxed);
                scope.spawn(move |scope| {
                    self.queued.fetch_sub(1, Relaxed);
                    self.subdirectory(scope, parent, &name, child_rel, rule, below)
                });
            } else {
                NESTED.set(NESTED.get() + 1);
                let child_rel = child_rel.clone();
                self.subdirectory(scope, Arc::clone(&dir), name, child_rel, rule, below);
                NESTED.set(NESTED.get() - 1);
            }
        }
    }

    /// Opens a subdirectory, checks it, walks it.
    fn subdirectory<'s>(
        &'s self,
        scope: &rayon::Scope<'s>,
        parent: Arc<Node>,
        name: &CStr,
        rel: Vec<u8>,
        rule: Option<&'a Rule>,
        below: Inherited,
    ) {
        if self.stopped() {
            return;
        }
        // `checked`: its own entry was already repaired through O_PATH.
        let (node, checked) = match Node::open_dir_at(parent.fd(), name) {
            Ok(node) => (node, false),
            // Replaced by a file or a symlink since it was listed.
            Err(e) if matches!(e.raw_os_error(), Some(n) if n == Errno::NOTDIR.raw_os_error() || n == Errno::LOOP.raw_os_error()) =>
            {
                // (Not descending again if it flips back: left for the next run.)
                self.non_directory(None, &parent, false, (name, &rel), rule, below);
                return;
            }
            Err(e) if is_vanished(&e) => return,
            Err(e) if is_denied(&e) => {
                match self.repair_unreadable_dir(&parent, name, &rel, rule) {
                    Some(node) => (node, true),
                    None => return self.entry_error(&rel, "opening", e),
                }
            }
            Err(e) => return self.entry_error(&rel, "opening", e),
        };
        drop(parent);
        let stat = match node.stat() {
            Ok(stat) => stat,
            Err(e) => return self.entry_error(&rel, "reading", e),
        };
        if !self.same_filesystem(&stat) {
            self.skip(&rel, Skip::OtherFilesystem);
            return;
        }
        let rule = if checked { None } else { rule };
        self.open_directory(scope, &Arc::new(node), &stat, rel, rule, below);
    }

    /// A directory that cannot be opened for reading (mode 000 under a
    /// user who is not root, a root-squashed mount): its own owner, mode
    /// and ACLs are still checked through an `O_PATH` descriptor, then it
    /// is opened again, as the repair may have made it readable. `None`
    /// when it still cannot be read (the caller reports it).
    fn repair_unreadable_dir(
        &self,
        parent: &Node,
        name: &CStr,
        rel: &[u8],
        rule: Option<&Rule>,
    ) -> Option<Node> {
        let node = Node::open_path_at(parent.fd(), name).ok()?;
        let stat = node.stat().ok()?;
        if FileType::from_raw_mode(stat.stx_mode.into()) != FileType::Directory
            || !self.same_filesystem(&stat)
        {
            return None;
        }
        self.check_open(&node, &stat, rel, rule);
        let reopened = Node::open_dir_at(parent.fd(), name).ok()?;
        // The same directory, not one swapped in meanwhile.
        let again = reopened.stat().ok()?;
        node::same_inode(&stat, &again).then_some(reopened)
    }

    /// Anything that was not listed as a directory, looked at by name
    /// (statx without following symlinks, never opened); only regular files
    /// are checked. Without `scope`, an entry that turns out to be a
    /// directory is not walked. `sealed`: only root can rename entries of
    /// `parent`.
    fn non_directory<'s>(
        &'s self,
        scope: Option<&rayon::Scope<'s>>,
        parent: &Arc<Node>,
        sealed: bool,
        (name, rel): (&CStr, &[u8]),
        rule: Option<&'a Rule>,
        below: Inherited,
    ) -> bool {
        let stat = match node::stat_by_name(parent.fd(), name) {
            Ok(stat) => stat,
            Err(e) if is_vanished(&e) => return false,
            Err(e) => {
                self.entry_error(rel, "reading", e);
                return false;
            }
        };
        if !self.is_regular_file_here(scope, parent, name, rel, &stat, rule, below) {
            return false;
        }
        self.check_by_name(parent, sealed, name, &stat, rel, rule)
    }

    /// Whether an entry is a regular file on the target's file system (not
    /// the backup file): anything else is counted as skipped, or walked
    /// when it became a directory since it was listed (only with `scope`).
    #[allow(clippy::too_many_arguments)]
    fn is_regular_file_here<'s>(
        &'s self,
        scope: Option<&rayon::Scope<'s>>,
        parent: &Arc<Node>,
        name: &CStr,
        rel: &[u8],
        stat: &Statx,
        rule: Option<&'a Rule>,
        below: Inherited,
    ) -> bool {
        match FileType::from_raw_mode(stat.stx_mode.into()) {
            FileType::RegularFile if self.report.is_backup_file(stat) => return false,
            FileType::RegularFile => {}
            FileType::Symlink => {
                self.skip(rel, Skip::Symlink);
                return false;
            }
            FileType::Directory => {
                if let Some(scope) = scope {
                    let rel = rel.to_vec();
                    self.subdirectory(scope, Arc::clone(parent), name, rel, rule, below);
                }
                return false;
            }
            _ => {
                self.skip(rel, Skip::Special);
                return false;
            }
        }
        if !self.same_filesystem(stat) {
            self.skip(rel, Skip::OtherFilesystem);
            return false;
        }
        true
    }

    /// A file listed as regular in a run of files that all needed a
    /// change: most likely this one does too, so it is opened at once
    /// (`O_PATH`, no symlink followed; never a FIFO or device opened for
    /// I/O) and decided and changed through its descriptor, without the
    /// by-name look that would only precede the same opening. Whatever
    /// it turns out to be is handled as a listed entry would be.
    fn open_file_at_once<'s>(
        &'s self,
        scope: &rayon::Scope<'s>,
        parent: &Arc<Node>,
        name: &CStr,
        rel: &[u8],
        rule: Option<&'a Rule>,
        below: Inherited,
    ) -> bool {
        let opened = Node::open_path_at(parent.fd(), name).and_then(|n| Ok((n.stat()?, n)));
        let (stat, node) = match opened {
            Ok(opened) => opened,
            Err(e) if is_vanished(&e) => return false,
            Err(e) => {
                self.entry_error(rel, "opening", e);
                return false;
            }
        };
        if !self.is_regular_file_here(Some(scope), parent, name, rel, &stat, rule, below) {
            return false;
        }
        self.count_checked();
        if links::is_multiply_linked(&stat) {
            self.links.meet(&stat, rel);
            return false;
        }
        rule.is_some_and(|rule| self.repair(&node, &stat, rel, rule))
    }

    /// Counts an entry; the progress bar (a lock and a clock read per
    /// update) moves by whole batches.
    fn count_checked(&self) {
        let checked = self.counters.checked.fetch_add(1, Relaxed) + 1;
        if checked.is_multiple_of(PROGRESS_STEP) {
            self.report.progress.inc(PROGRESS_STEP);
        }
    }

    /// Checks a regular file `name` of `dir` (`stat` made by name). A
    /// multiply-linked file waits for the end of the walk
    /// ([`Self::linked_file`]), whatever its state. Any other compliant file
    /// costs that statx and one getxattrat, both by name: it is never
    /// opened. One that differs is opened (O_PATH, no symlink followed),
    /// must be the very inode inspected, is inspected again through the
    /// descriptor unless its ctime proves nothing changed, and is repaired
    /// through that descriptor only; in a directory only root can write
    /// (`sealed`), by name, as nobody else can put another file under it.
    /// Returns whether it needed a change.
    fn check_by_name(
        &self,
        parent: &Arc<Node>,
        sealed: bool,
        name: &CStr,
        stat: &Statx,
        rel: &[u8],
        rule: Option<&Rule>,
    ) -> bool {
        self.count_checked();
        if links::is_multiply_linked(stat) {
            self.links.meet(stat, rel);
            return false;
        }
        let Some(rule) = rule else { return false };
        let dir = parent.fd();
        let by_name = state::Source::ByName { dir, name };
        let found = match state::inspect_entry(by_name, stat, rule, &self.target.ownership) {
            Ok(found) if found.changes.is_empty() => return false,
            Err(state::InspectError::Read(e)) if is_vanished(&e) => return false,
            Ok(found) => Some(found),
            // Anything else is decided again through the descriptor.
            Err(_) => None,
        };
        if sealed {
            let node = Node::in_sealed_dir(parent, name);
            return match found {
                Some(found) => self.make_changes(&node, stat, rel, found),
                None => self.repair(&node, stat, rel, rule),
            };
        }
        let node = match Node::open_path_at(dir, name) {
            Ok(node) => node,
            Err(e) if is_vanished(&e) => return false,
            Err(e) => {
                self.entry_error(rel, "opening", e);
                return false;
            }
        };
        let opened = match node.stat() {
            Ok(opened) => opened,
            Err(e) => {
                self.entry_error(rel, "reading", e);
                return false;
            }
        };
        if !node::same_inode(stat, &opened) {
            self.report.warn(
                &self.path(rel),
                "replaced while being checked, left for the next run",
            );
            return false;
        }
        if links::is_multiply_linked(&opened) {
            // Linked again since it was looked at: it waits like the others.
            self.links.meet(&opened, rel);
            return false;
        }
        match found {
            // Nothing changed since the by-name look (see `unchanged_since`):
            // what it read is what the descriptor would read.
            Some(found) if node::unchanged_since(stat, &opened) => {
                self.make_changes(&node, &opened, rel, found)
            }
            _ => self.repair(&node, &opened, rel, rule),
        }
    }

    /// Checks a directory already open (the root, a subdirectory) through
    /// its descriptor.
    fn check_open(&self, node: &Node, stat: &Statx, rel: &[u8], rule: Option<&Rule>) {
        self.count_checked();
        if let Some(rule) = rule {
            self.repair(node, stat, rel, rule);
        }
    }

    /// After the walk, a multiply-linked file: repaired once when all its
    /// links were met inside the target, else reported and left alone.
    fn linked_file(&self, root: &Node, inode: links::Inode) {
        if self.stopped() {
            return;
        }
        let path = self.path(&inode.rel);
        if !inode.all_inside() {
            self.skip(&inode.rel, Skip::HardLink);
            let why = format!(
                "hard-linked file with {} links, {} of them inside the target: left alone",
                inode.nlink, inode.met
            );
            return self.report.warn(&path, &why);
        }
        let Some(rule) = self.target.rules.governing(&inode.rel) else {
            return;
        };
        let node = match node::open_relative(root.fd(), &inode.rel) {
            Ok(node) => node,
            Err(e) if is_vanished(&e) => return,
            Err(e) => return self.entry_error(&inode.rel, "opening", e),
        };
        let stat = match node.stat() {
            Ok(stat) => stat,
            Err(e) => return self.entry_error(&inode.rel, "reading", e),
        };
        if !links::is_multiply_linked(&stat) || !inode.is(&stat) {
            // Relinked or replaced while the walk went on: the next run decides.
            self.skip(&inode.rel, Skip::HardLink);
            return self
                .report
                .warn(&path, "hard links changed during the walk: left alone");
        }
        self.repair(&node, &stat, &inode.rel, rule);
    }

    /// The inspect step (shared with `chk explain`) through the entry's
    /// descriptor (`stat` made through it), then the repair, through it.
    /// Returns whether the entry needed a change.
    fn repair(&self, node: &Node, stat: &Statx, rel: &[u8], rule: &Rule) -> bool {
        let root_ownership;
        let ownership = if rel.is_empty() {
            // The root stays open to those the model names, however private.
            root_ownership = Ownership {
                privacy: None,
                ..self.target.ownership
            };
            &root_ownership
        } else {
            &self.target.ownership
        };
        let found = match state::inspect_entry(state::Source::Node(node), stat, rule, ownership) {
            Ok(found) => found,
            Err(state::InspectError::Read(e)) => {
                self.entry_error(rel, "reading the ACL", e);
                return false;
            }
            Err(state::InspectError::Rule(why)) => {
                self.entry_error(rel, "applying the rule", io::Error::other(why));
                return false;
            }
        };
        self.make_changes(node, stat, rel, found)
    }

    /// Backs up, changes (unless dry run), counts and reports one
    /// inspected entry, through its descriptor. Returns whether it needed
    /// a change.
    fn make_changes(
        &self,
        node: &Node,
        stat: &Statx,
        rel: &[u8],
        found: state::Inspection,
    ) -> bool {
        if found.changes.is_empty() {
            return false;
        }
        let path = self.path(rel);
        if !self.report.dry_run {
            #[cfg(test)]
            tests::before_change(&path);
            let record = self.report.backup(&path, &found.current, node, stat);
            let applied = state::apply(node, &found.changes);
            if let Some(record) = record {
                self.report.backup_done(record, node);
            }
            if let Err((what, e)) = applied {
                self.entry_error(rel, what, e);
                return true;
            }
        }
        self.counters.changed_entries.fetch_add(1, Relaxed);
        found.changes.iter().for_each(|c| self.counters.count(c));
        let notes = self.notes(&found, &path);
        self.counters.note(&notes);
        self.report
            .changes(&self.target.label, &path, &found.changes, &notes);
        true
    }

    /// What the summary says of a changed entry beside its changes.
    fn notes(&self, found: &state::Inspection, path: &std::path::Path) -> Notes {
        let masked = found.masked_after();
        if let Some((entry, effective)) = masked {
            let mut first = self
                .counters
                .first_masked
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            first.get_or_insert_with(|| {
                let entry = crate::chk::acl::Acl::entry_text(&entry, None);
                let effective = crate::chk::acl::perm_text(effective);
                format!("{}: {entry}  #effective: {effective}", quote::quoted(path))
            });
        }
        Notes {
            privacy: found.wanted.privacy,
            masked,
            read_only: self.target.members.as_ref().is_some_and(|members| {
                found.read_only_to(members.gid) && !members.includes(found.wanted.uid)
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    //! The race the walker is built for, made deterministic: a hook runs
    //! between the moment an entry is open and the moment it is changed,
    //! and swaps the entry for a symlink to a file outside the tree.

    use super::super::{RunOptions, Target, check_targets};
    use crate::chk::ids::tests::FakeNames;
    use crate::chk::rules::{self, Level, Macros, Pattern, Rule, RuleSet};
    use crate::common::Verbosity;
    use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
    use std::path::{Path, PathBuf};
    use std::sync::Mutex;

    /// Names the hook swaps (`victim-file`, `victim-dir`), and how many
    /// swaps it made: set by the one test that uses it.
    static SWAPS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

    /// Modes of the directory of each `sealed-*` file, seen just before
    /// the file's change.
    static SEALED: Mutex<Vec<u32>> = Mutex::new(Vec::new());

    /// Called by the walker just before it changes `path`: an entry named
    /// `victim-*` is moved to `*.moved` and a symlink to `../outside/*`
    /// (a file or a directory outside the tree) takes its place; for one
    /// named `sealed-*`, its directory's mode is noted.
    pub(super) fn before_change(path: &Path) {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            return;
        };
        if name.starts_with("sealed-") {
            SEALED.lock().unwrap().push(mode(path.parent().unwrap()));
        }
        let Some(kind) = name.strip_prefix("victim-") else {
            return;
        };
        let tree = path.parent().unwrap();
        let outside = tree.parent().unwrap().join("outside").join(kind);
        std::fs::rename(path, tree.join(format!("{name}.moved"))).unwrap();
        symlink(&outside, path).unwrap();
        SWAPS.lock().unwrap().push(path.to_path_buf());
    }

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
    }

    #[test]
    fn an_entry_swapped_between_open_and_change_changes_only_itself() {
        let definition =
            rules::parse_definition("PRIVATE", Level::System, &Macros::default(), &FakeNames)
                .unwrap();
        swapped_mid_run(definition);
    }

    #[test]
    fn a_setfacl_edit_swapped_between_open_and_change_changes_only_itself() {
        use crate::chk::edit::{Edit, Step, entries, setfacl::SetfaclEdit};
        let modify = entries::parse("g::---,o::---", entries::Perms::Required, &FakeNames);
        let edit = SetfaclEdit {
            modify: modify.unwrap(),
            ..SetfaclEdit::default()
        };
        let step = Step {
            source: "test".into(),
            text: String::new(),
            edit: Edit::Setfacl(edit),
        };
        swapped_mid_run(rules::Definition::Edits(vec![step]));
    }

    #[test]
    fn files_opened_at_once_in_a_run_of_changes_are_as_safe() {
        // Thirty files that all need a change: after the first few, the
        // walker opens them without looking by name first; each is swapped
        // for a symlink between its opening and its change.
        let tmp = tempfile::tempdir().unwrap();
        let (tree, outside) = (tmp.path().join("tree"), tmp.path().join("outside"));
        std::fs::create_dir_all(&tree).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        // Group-writable, as a shared directory is (see `swapped_mid_run`).
        std::fs::set_permissions(&tree, std::fs::Permissions::from_mode(0o775)).unwrap();
        for i in 0..30 {
            std::fs::write(outside.join(format!("f{i}")), "secret").unwrap();
            std::fs::write(tree.join(format!("victim-f{i}")), "x").unwrap();
            for p in [
                outside.join(format!("f{i}")),
                tree.join(format!("victim-f{i}")),
            ] {
                std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o644)).unwrap();
            }
        }
        let definition =
            rules::parse_definition("PRIVATE", Level::System, &Macros::default(), &FakeNames)
                .unwrap();
        check_whole_tree(&tree, definition, Some(1));
        let swaps = SWAPS.lock().unwrap().clone();
        assert_eq!(swaps.iter().filter(|p| p.starts_with(&tree)).count(), 30);
        for i in 0..30 {
            assert_eq!(mode(&outside.join(format!("f{i}"))), 0o644);
            assert_eq!(mode(&tree.join(format!("victim-f{i}.moved"))), 0o600);
        }
    }

    #[test]
    fn a_directory_only_root_can_write_is_opened_up_after_its_files() {
        // Root's 0755 directory: its files are changed by name, which is
        // safe only while nobody else can write it; the rule gives its
        // group write access, so it must be checked after its files.
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("tree");
        std::fs::create_dir(&dir).unwrap();
        for i in 0..10 {
            std::fs::write(dir.join(format!("sealed-{i}")), "x").unwrap();
        }
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let definition = rules::parse_definition(
            "u::rwx,g::rwx,o::---",
            Level::System,
            &Macros::default(),
            &FakeNames,
        )
        .unwrap();
        check_whole_tree(&dir, definition, Some(1));
        let seen = SEALED.lock().unwrap().clone();
        assert_eq!(seen.len(), 10);
        assert!(seen.iter().all(|m| m & 0o022 == 0), "{seen:?}");
        assert_eq!(mode(&dir) & 0o070, 0o070);
        assert_eq!(mode(&dir.join("sealed-0")) & 0o077, 0o070);
    }

    /// One quiet run of `definition` over all of `tree`, on `jobs` threads.
    fn check_whole_tree(
        tree: &std::path::Path,
        definition: rules::Definition,
        jobs: Option<usize>,
    ) {
        let root = Pattern::Path {
            rel: Vec::new(),
            contents: false,
        };
        let target = Target {
            label: "race".into(),
            root: tree.to_path_buf(),
            rules: RuleSet::new(vec![Rule::builtin("test", root, definition)]),
            ..Target::default()
        };
        let opts = RunOptions {
            verbosity: Verbosity {
                verbose: 0,
                quiet: 1,
            },
            jobs,
            ..RunOptions::default()
        };
        check_targets(vec![target], &opts).unwrap();
    }

    /// A tree whose `victim-*` entries the hook swaps: the rule must leave
    /// files 0600 and directories 0700.
    fn swapped_mid_run(definition: rules::Definition) {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(outside.join("dir")).unwrap();
        std::fs::write(outside.join("file"), "secret").unwrap();
        std::fs::write(outside.join("dir/inner"), "secret").unwrap();
        for p in ["file", "dir", "dir/inner"] {
            let perm = if p == "dir" { 0o755 } else { 0o644 };
            std::fs::set_permissions(outside.join(p), std::fs::Permissions::from_mode(perm))
                .unwrap();
        }
        let tree = tmp.path().join("tree");
        std::fs::create_dir_all(tree.join("victim-dir")).unwrap();
        std::fs::write(tree.join("victim-file"), "x").unwrap();
        std::fs::write(tree.join("victim-dir/child"), "x").unwrap();
        // Group-writable directories, as shared ones are: a member can swap
        // their entries (in a directory only root can write, nobody but
        // root can, and entries are changed by name).
        for p in ["", "victim-file", "victim-dir", "victim-dir/child"] {
            let perm = if p.ends_with("dir") || p.is_empty() {
                0o775
            } else {
                0o644
            };
            std::fs::set_permissions(tree.join(p), std::fs::Permissions::from_mode(perm)).unwrap();
        }

        check_whole_tree(&tree, definition, None);

        // Both swaps landed while the walk was inside the tree...
        let swaps: Vec<_> = SWAPS.lock().unwrap().clone();
        let swaps: Vec<_> = swaps.iter().filter(|p| p.starts_with(&tree)).collect();
        assert_eq!(swaps.len(), 2, "{swaps:?}");
        assert!(tree.join("victim-file").is_symlink());
        assert!(tree.join("victim-dir").is_symlink());
        // ...the outside files kept their modes...
        assert_eq!(mode(&outside.join("file")), 0o644);
        assert_eq!(mode(&outside.join("dir")), 0o755);
        assert_eq!(mode(&outside.join("dir/inner")), 0o644);
        // ...and the entries that were open got the change, wherever they
        // went, the moved directory's contents included.
        assert_eq!(mode(&tree.join("victim-file.moved")), 0o600);
        assert_eq!(mode(&tree.join("victim-dir.moved")), 0o700);
        assert_eq!(mode(&tree.join("victim-dir.moved/child")), 0o600);
    }
}
