//! Counting, listing and backing up what a run did.

use super::state::{Change, Current};
use crate::chk::accounts::NssNames;
use crate::chk::backup::{Identity, Pending};
use crate::chk::node::Node;
use crate::chk::quote;
use crate::common::{JsonLines, Progress};
use rustix::fs::Statx;
use serde::Serialize;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, IsTerminal, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Per-target counters, updated from every worker thread.
#[derive(Default)]
pub struct Counters {
    pub checked: AtomicU64,
    pub entries_changed: AtomicU64,
    pub owner: AtomicU64,
    pub group: AtomicU64,
    pub mode: AtomicU64,
    pub access_acl: AtomicU64,
    pub default_acl: AtomicU64,
    pub symlink: AtomicU64,
    pub special: AtomicU64,
    pub other_filesystem: AtomicU64,
    pub hard_link: AtomicU64,
    pub errors: AtomicU64,
}

#[derive(Serialize, Default, Clone, Copy)]
pub struct Summary {
    pub checked: u64,
    pub entries_changed: u64,
    pub changed: Kinds,
    pub skipped: Skipped,
    pub errors: u64,
}

#[derive(Serialize, Default, Clone, Copy)]
pub struct Kinds {
    pub owner: u64,
    pub group: u64,
    pub mode: u64,
    pub access_acl: u64,
    pub default_acl: u64,
}

#[derive(Serialize, Default, Clone, Copy)]
pub struct Skipped {
    pub symlink: u64,
    pub special: u64,
    pub other_filesystem: u64,
    pub hard_link: u64,
}

impl Counters {
    pub fn count(&self, change: &Change) {
        let counter = match change {
            Change::Owner(..) => &self.owner,
            Change::Group(..) => &self.group,
            Change::Mode(..) => &self.mode,
            Change::Access(..) => &self.access_acl,
            Change::Default(..) => &self.default_acl,
        };
        counter.fetch_add(1, Relaxed);
    }

    pub fn summary(&self) -> Summary {
        let get = |c: &AtomicU64| c.load(Relaxed);
        Summary {
            checked: get(&self.checked),
            entries_changed: get(&self.entries_changed),
            changed: Kinds {
                owner: get(&self.owner),
                group: get(&self.group),
                mode: get(&self.mode),
                access_acl: get(&self.access_acl),
                default_acl: get(&self.default_acl),
            },
            skipped: Skipped {
                symlink: get(&self.symlink),
                special: get(&self.special),
                other_filesystem: get(&self.other_filesystem),
                hard_link: get(&self.hard_link),
            },
            errors: get(&self.errors),
        }
    }
}

impl Summary {
    pub fn add(&mut self, o: &Summary) {
        self.checked += o.checked;
        self.entries_changed += o.entries_changed;
        self.changed.owner += o.changed.owner;
        self.changed.group += o.changed.group;
        self.changed.mode += o.changed.mode;
        self.changed.access_acl += o.changed.access_acl;
        self.changed.default_acl += o.changed.default_acl;
        self.skipped.symlink += o.skipped.symlink;
        self.skipped.special += o.skipped.special;
        self.skipped.other_filesystem += o.skipped.other_filesystem;
        self.skipped.hard_link += o.skipped.hard_link;
        self.errors += o.errors;
    }

    /// The one human summary line.
    pub fn line(&self, label: &str, dry_run: bool) -> String {
        let (c, s) = (&self.changed, &self.skipped);
        format!(
            "{label}: {} checked, {} {} (owner {}, group {}, mode {}, access ACL {}, default ACL {}), \
             skipped: symlink {}, special {}, other filesystem {}, hard link {}; {} errors",
            self.checked,
            self.entries_changed,
            if dry_run { "differing" } else { "changed" },
            c.owner,
            c.group,
            c.mode,
            c.access_acl,
            c.default_acl,
            s.symlink,
            s.special,
            s.other_filesystem,
            s.hard_link,
            self.errors
        )
    }
}

/// Where lines go: human text or JSON lines on stdout, errors on stderr,
/// previous states to the backup file.
pub struct Report {
    pub dry_run: bool,
    pub list_changes: bool,
    pub json: Option<JsonLines>,
    pub progress: Progress,
    /// stdout is the terminal the bar is drawn on: lines are written with
    /// the bar cleared, so the two never mix.
    stdout_under_bar: bool,
    backup: Option<Mutex<File>>,
    /// (device, inode) of the backup file: never repaired by the walk,
    /// should it lie inside a target (it would get the tree's ACL).
    backup_inode: Option<(u64, u64)>,
    names: NssNames,
    /// The first failure to write the backup: stops the run (no change
    /// may be made that cannot be undone).
    pub backup_error: Mutex<Option<io::Error>>,
    /// The first failure to write stdout (its reader went away): a repair
    /// goes on without output; a dry run, being only a listing, stops.
    pub output_error: Mutex<Option<io::Error>>,
}

/// Why an entry was passed over: each is counted and, with `--json`,
/// reported as `{"skipped": KIND, ...}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    Symlink,
    Special,
    OtherFilesystem,
    HardLink,
}

impl Skip {
    pub fn name(self) -> &'static str {
        match self {
            Skip::Symlink => "symlink",
            Skip::Special => "special",
            Skip::OtherFilesystem => "other_filesystem",
            Skip::HardLink => "hard_link",
        }
    }
}

/// How every JSON record (walk and explain alike) names an entry: `path`
/// as text (lossy), plus `path_hex`, its exact bytes, when it is not UTF-8.
#[derive(Serialize)]
pub struct PathFields<'a> {
    pub path: std::borrow::Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_hex: Option<String>,
}

impl<'a> PathFields<'a> {
    pub fn of(path: &'a Path) -> PathFields<'a> {
        let bytes = path.as_os_str().as_bytes();
        PathFields {
            path: path.to_string_lossy(),
            path_hex: std::str::from_utf8(bytes).is_err().then(|| hex(bytes)),
        }
    }
}

#[derive(Serialize)]
struct ChangeRecord<'a> {
    target: &'a str,
    #[serde(flatten)]
    path: PathFields<'a>,
    change: &'static str,
    from: String,
    to: String,
    done: bool,
}

#[derive(Serialize)]
struct ErrorRecord<'a> {
    target: &'a str,
    #[serde(flatten)]
    path: PathFields<'a>,
    error: &'a str,
    reason: String,
}

#[derive(Serialize)]
struct SkipRecord<'a> {
    target: &'a str,
    #[serde(flatten)]
    path: PathFields<'a>,
    skipped: &'static str,
}

impl Report {
    /// `quiet` (-q) silences the listing of a dry run; `--json` still
    /// writes every record.
    pub fn new(
        dry_run: bool,
        list_changes: bool,
        quiet: bool,
        json: bool,
        progress: Progress,
        backup: Option<File>,
    ) -> Report {
        Report {
            dry_run,
            list_changes: (list_changes || dry_run) && !quiet,
            json: json.then(JsonLines::stdout),
            stdout_under_bar: !progress.is_hidden() && io::stdout().is_terminal(),
            progress,
            backup_inode: backup.as_ref().and_then(|f| {
                use std::os::unix::fs::MetadataExt;
                f.metadata().ok().map(|m| (m.dev(), m.ino()))
            }),
            backup: backup.map(Mutex::new),
            names: NssNames::default(),
            backup_error: Mutex::new(None),
            output_error: Mutex::new(None),
        }
    }

    fn keep_error(slot: &Mutex<Option<io::Error>>, result: io::Result<()>) {
        if let Err(e) = result {
            slot.lock()
                .unwrap_or_else(|p| p.into_inner())
                .get_or_insert(e);
        }
    }

    fn has(slot: &Mutex<Option<io::Error>>) -> bool {
        slot.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    pub fn output_closed(&self) -> bool {
        Report::has(&self.output_error)
    }

    /// Whether `stat` is the backup file itself.
    pub fn is_backup_file(&self, stat: &rustix::fs::Statx) -> bool {
        let dev = rustix::fs::makedev(stat.stx_dev_major, stat.stx_dev_minor);
        self.backup_inode == Some((dev, stat.stx_ino))
    }

    /// Whether the walk must stop: the backup cannot be written, or the
    /// reader of a dry run's listing went away.
    pub fn failed(&self) -> bool {
        Report::has(&self.backup_error) || (self.dry_run && self.output_closed())
    }

    /// Writes to stdout, clearing the bar first when both share a terminal.
    /// Until it fails once; after that, nothing more.
    fn to_stdout(&self, write: impl FnOnce() -> io::Result<()>) {
        if Report::has(&self.output_error) {
            return;
        }
        let result = if self.stdout_under_bar {
            self.progress.suspend(write)
        } else {
            write()
        };
        Report::keep_error(&self.output_error, result);
    }

    /// Lists the changes of one entry (all in a dry run, with -v otherwise),
    /// the path escaped so that no name can forge a line.
    pub fn changes(&self, label: &str, path: &Path, changes: &[Change]) {
        if let Some(json) = &self.json {
            for change in changes {
                let (from, to) = change.values(&self.names);
                let record = ChangeRecord {
                    target: label,
                    path: PathFields::of(path),
                    change: change.kind(),
                    from,
                    to,
                    done: !self.dry_run,
                };
                self.to_stdout(|| json.emit(&record));
            }
            return;
        }
        if !self.list_changes {
            return;
        }
        let shown = quote::escaped(path);
        let mut text = String::new();
        for change in changes {
            let (from, to) = change.values(&self.names);
            let _ = writeln!(text, "{shown}: {}: {from} -> {to}", change.kind());
        }
        self.to_stdout(|| io::stdout().lock().write_all(text.as_bytes()));
    }

    /// An entry that could not be checked or changed: `chk: 'PATH': what:
    /// why` on stderr, and with `--json` an `{"error": ...}` record.
    pub fn error(&self, label: &str, path: &Path, what: &str, err: &io::Error) {
        let reason = quote::io_reason(err);
        if let Some(json) = &self.json {
            let record = ErrorRecord {
                target: label,
                path: PathFields::of(path),
                error: what,
                reason: reason.clone(),
            };
            self.to_stdout(|| json.emit(&record));
        }
        self.progress
            .println(format!("chk: {}: {what}: {reason}", quote::quoted(path)));
    }

    /// An entry passed over; only `--json` lists them one by one.
    pub fn skipped(&self, label: &str, path: &Path, why: Skip) {
        if let Some(json) = &self.json {
            let record = SkipRecord {
                target: label,
                path: PathFields::of(path),
                skipped: why.name(),
            };
            self.to_stdout(|| json.emit(&record));
        }
    }

    /// A warning (`chk: warning: 'PATH': why`), silenced by -q.
    pub fn warn(&self, path: &Path, why: &str) {
        if log::log_enabled!(log::Level::Warn) {
            self.progress
                .println(format!("chk: warning: {}: {why}", quote::quoted(path)));
        }
    }

    /// Appends the entry's state before the change, as getfacl prints it,
    /// plus what identifies it and its content (see [`backup`]), so that
    /// `chk restore` can tell that the entry it reaches is still the one
    /// backed up. Returns the record, to complete with [`Self::backup_done`]
    /// once the change is made.
    pub fn backup(&self, path: &Path, cur: &Current, node: &Node, stat: &Statx) -> Option<Pending> {
        let file = self.backup.as_ref()?;
        let record = Pending::new(path, cur, &Identity::of(node, stat));
        let mut file = file.lock().unwrap_or_else(|p| p.into_inner());
        Report::keep_error(&self.backup_error, file.write_all(record.text().as_bytes()));
        Some(record)
    }

    /// Appends the completion of `record`: the ctime chk's change left on
    /// the entry (read through its descriptor), which `chk restore` finds
    /// again only if nobody touched the entry since.
    pub fn backup_done(&self, record: Pending, node: &Node) {
        let (Some(file), Ok(stat)) = (&self.backup, node.stat()) else {
            return;
        };
        let text = record.completion(stat.stx_ctime.into());
        let mut file = file.lock().unwrap_or_else(|p| p.into_inner());
        Report::keep_error(&self.backup_error, file.write_all(text.as_bytes()));
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
