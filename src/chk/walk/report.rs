//! Counting, listing and backing up what a run did.

use super::state::{Change, Current, PrivacyNote};
use crate::chk::accounts::NssNames;
use crate::chk::acl;
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
pub(crate) struct Counters {
    pub checked: AtomicU64,
    pub changed_entries: AtomicU64,
    pub owner: AtomicU64,
    pub group: AtomicU64,
    pub mode: AtomicU64,
    pub access_acl: AtomicU64,
    pub default_acl: AtomicU64,
    pub symlink: AtomicU64,
    pub special: AtomicU64,
    pub other_filesystem: AtomicU64,
    pub hard_link: AtomicU64,
    pub ignored: AtomicU64,
    pub errors: AtomicU64,
    pub widened: AtomicU64,
    pub kept_private: AtomicU64,
    pub masked: AtomicU64,
    pub members_read_only: AtomicU64,
    /// The first entry left masked, as `PATH: g:NAME:rwx #effective: r-x`,
    /// for the warning at the end.
    pub first_masked: Mutex<Option<String>>,
}

/// A target's counts. Its JSON keys are the result envelope's own
/// spelling (`checked`, `changed_entries`, `errors`; `kinds`, `skipped`
/// among chk's counts), so the per-target summary and the envelope read
/// alike.
#[derive(Serialize, Default, Clone, Copy)]
pub(crate) struct Summary {
    pub checked: u64,
    pub changed_entries: u64,
    pub kinds: Kinds,
    pub skipped: Skipped,
    pub errors: u64,
    /// Owner-only entries the run opens (opened) to others.
    pub widened: u64,
    /// Owner-only entries kept so (`--keep-private`).
    pub kept_private: u64,
    /// Changed entries left with a named ACL entry the mask cuts.
    pub masked: u64,
    /// Changed entries of a group that is not permissive which none of its
    /// members may write (the group has no w and no member owns them).
    pub members_read_only: u64,
}

#[derive(Serialize, Default, Clone, Copy)]
pub(crate) struct Kinds {
    pub owner: u64,
    pub group: u64,
    pub mode: u64,
    pub access_acl: u64,
    pub default_acl: u64,
}

#[derive(Serialize, Default, Clone, Copy)]
pub(crate) struct Skipped {
    pub symlink: u64,
    pub special: u64,
    pub other_filesystem: u64,
    pub hard_link: u64,
    /// Entries an IGNORE rule or `--exclude` left alone, each with all
    /// below it (counted once: what is below is never looked at).
    pub ignored: u64,
}

impl Counters {
    pub(crate) fn count(&self, change: &Change) {
        let counter = match change {
            Change::Owner(..) => &self.owner,
            Change::Group(..) => &self.group,
            Change::Mode(..) => &self.mode,
            Change::Access(..) => &self.access_acl,
            Change::Default(..) => &self.default_acl,
        };
        counter.fetch_add(1, Relaxed);
    }

    pub(crate) fn summary(&self) -> Summary {
        let get = |c: &AtomicU64| c.load(Relaxed);
        Summary {
            checked: get(&self.checked),
            changed_entries: get(&self.changed_entries),
            kinds: Kinds {
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
                ignored: get(&self.ignored),
            },
            errors: get(&self.errors),
            widened: get(&self.widened),
            kept_private: get(&self.kept_private),
            masked: get(&self.masked),
            members_read_only: get(&self.members_read_only),
        }
    }

    /// Counts what a changed entry's notes say.
    pub(crate) fn note(&self, notes: &Notes) {
        let counter = match notes.privacy {
            PrivacyNote::Widened => Some(&self.widened),
            PrivacyNote::KeptPrivate => Some(&self.kept_private),
            PrivacyNote::None => None,
        };
        if let Some(counter) = counter {
            counter.fetch_add(1, Relaxed);
        }
        if notes.masked.is_some() {
            self.masked.fetch_add(1, Relaxed);
        }
        if notes.read_only {
            self.members_read_only.fetch_add(1, Relaxed);
        }
    }
}

impl Summary {
    pub(crate) fn add(&mut self, o: &Summary) {
        self.checked += o.checked;
        self.changed_entries += o.changed_entries;
        self.kinds.owner += o.kinds.owner;
        self.kinds.group += o.kinds.group;
        self.kinds.mode += o.kinds.mode;
        self.kinds.access_acl += o.kinds.access_acl;
        self.kinds.default_acl += o.kinds.default_acl;
        self.skipped.symlink += o.skipped.symlink;
        self.skipped.special += o.skipped.special;
        self.skipped.other_filesystem += o.skipped.other_filesystem;
        self.skipped.hard_link += o.skipped.hard_link;
        self.skipped.ignored += o.skipped.ignored;
        self.errors += o.errors;
        self.widened += o.widened;
        self.kept_private += o.kept_private;
        self.masked += o.masked;
        self.members_read_only += o.members_read_only;
    }

    /// The lines after the summary line, each only when it has something
    /// to say. `group`: the group of a shared directory that is not
    /// permissive, whose members' write access the last line is about.
    pub(crate) fn notes(&self, label: &str, dry_run: bool, group: Option<&str>) -> Vec<String> {
        let mut lines = Vec::new();
        if self.widened > 0 {
            lines.push(format!(
                "{label}: widened: {} owner-only entries {} to others (listed with -n or -v; \
                 --keep-private or keep_private = true keeps them owner-only)",
                self.widened,
                if dry_run { "would be opened" } else { "opened" }
            ));
        }
        if self.kept_private > 0 {
            lines.push(format!(
                "{label}: kept private: {} owner-only entries (owner, admins and responsibles only)",
                self.kept_private
            ));
        }
        if let Some(group) = group.filter(|_| self.members_read_only > 0) {
            lines.push(format!(
                "{label}: members of {group} may only read {} entries they do not own{} \
                 (the group is not permissive: see --adopt USER, or permissive = [\"{group}\"] in chk.conf)",
                self.members_read_only,
                if dry_run { " once repaired" } else { "" }
            ));
        }
        if self.masked > 0 {
            lines.push(format!(
                "{label}: masked: {} entries keep named ACL rights their mask cuts (chk explain PATH shows them)",
                self.masked
            ));
        }
        lines
    }

    /// The one human summary line.
    pub(crate) fn line(&self, label: &str, dry_run: bool) -> String {
        let (c, s) = (&self.kinds, &self.skipped);
        format!(
            "{label}: {} checked, {} {} (owner {}, group {}, mode {}, access ACL {}, default ACL {}), \
             skipped: symlink {}, special {}, other filesystem {}, hard link {}, ignored {}; {} errors",
            self.checked,
            self.changed_entries,
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
            s.ignored,
            self.errors
        )
    }
}

/// Where lines go: human text or JSON lines on stdout, errors on stderr,
/// previous states to the backup file.
pub(crate) struct Report {
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
pub(crate) enum Skip {
    Symlink,
    Special,
    OtherFilesystem,
    HardLink,
    Ignored,
}

impl Skip {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Skip::Symlink => "symlink",
            Skip::Special => "special",
            Skip::OtherFilesystem => "other_filesystem",
            Skip::HardLink => "hard_link",
            Skip::Ignored => "ignored",
        }
    }
}

/// How every JSON record (walk and explain alike) names an entry: `path`
/// as text (lossy), plus `path_hex`, its exact bytes, when it is not UTF-8.
#[derive(Serialize)]
pub(crate) struct PathFields<'a> {
    pub path: std::borrow::Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_hex: Option<String>,
}

impl<'a> PathFields<'a> {
    pub(crate) fn of(path: &'a Path) -> PathFields<'a> {
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
    /// Text (a mode, an ACL), or for an owner or group `{"id", "name"}`.
    from: serde_json::Value,
    to: serde_json::Value,
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

/// A changed entry's notes beside its changes.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Notes {
    pub privacy: PrivacyNote,
    /// A named entry the mask cuts, and what gets through.
    pub masked: Option<(acl::Entry, u8)>,
    /// None of the group's members may write it once repaired.
    pub read_only: bool,
}

#[derive(Serialize)]
struct NoteRecord<'a> {
    target: &'a str,
    #[serde(flatten)]
    path: PathFields<'a>,
    /// `widened`, `kept_private` or `masked`.
    note: &'static str,
    /// For `masked`: the entry and its effective rights.
    #[serde(skip_serializing_if = "Option::is_none")]
    entry: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    effective: Option<String>,
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
    pub(crate) fn new(
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

    pub(crate) fn output_closed(&self) -> bool {
        Report::has(&self.output_error)
    }

    /// Whether `stat` is the backup file itself.
    pub(crate) fn is_backup_file(&self, stat: &rustix::fs::Statx) -> bool {
        let dev = rustix::fs::makedev(stat.stx_dev_major, stat.stx_dev_minor);
        self.backup_inode == Some((dev, stat.stx_ino))
    }

    /// Whether the walk must stop: the backup cannot be written, or the
    /// reader of a dry run's listing went away.
    pub(crate) fn failed(&self) -> bool {
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
    /// the path escaped so that no name can forge a line, then its notes:
    /// widened or kept private, a named entry the mask cuts.
    pub(crate) fn changes(&self, label: &str, path: &Path, changes: &[Change], notes: &Notes) {
        let privacy = match notes.privacy {
            PrivacyNote::Widened => {
                Some(("widened", "only its owner could use it; others may now"))
            }
            PrivacyNote::KeptPrivate => Some((
                "kept_private",
                "only its owner may use it, and the admins and responsibles",
            )),
            PrivacyNote::None => None,
        };
        let masked = notes.masked.map(|(entry, effective)| {
            (
                acl::Acl::entry_text(&entry, Some(&self.names)),
                acl::perm_text(effective),
            )
        });
        if let Some(json) = &self.json {
            for change in changes {
                let (from, to) = change.json_values(&self.names);
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
            let note = |note, entry: Option<&(String, String)>| NoteRecord {
                target: label,
                path: PathFields::of(path),
                note,
                entry: entry.map(|e| e.0.clone()),
                effective: entry.map(|e| e.1.clone()),
            };
            if let Some((kind, _)) = privacy {
                self.to_stdout(|| json.emit(&note(kind, None)));
            }
            if let Some(masked) = &masked {
                self.to_stdout(|| json.emit(&note("masked", Some(masked))));
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
        if let Some((kind, what)) = privacy {
            let _ = writeln!(text, "{shown}: {}: {what}", kind.replace('_', " "));
        }
        if let Some((entry, effective)) = &masked {
            let _ = writeln!(
                text,
                "{shown}: masked: {entry}  #effective: {effective} (mask)"
            );
        }
        self.to_stdout(|| io::stdout().lock().write_all(text.as_bytes()));
    }

    /// An entry that could not be checked or changed: `chk: 'PATH': what:
    /// why` on stderr, and with `--json` an `{"error": ...}` record.
    pub(crate) fn error(&self, label: &str, path: &Path, what: &str, err: &io::Error) {
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
    pub(crate) fn skipped(&self, label: &str, path: &Path, why: Skip) {
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
    pub(crate) fn warn(&self, path: &Path, why: &str) {
        if log::log_enabled!(log::Level::Warn) {
            self.progress
                .println(format!("chk: warning: {}: {why}", quote::quoted(path)));
        }
    }

    /// A warning about the run (`chk: warning: TEXT`), silenced by -q.
    pub(crate) fn warn_line(&self, text: &str) {
        if log::log_enabled!(log::Level::Warn) {
            self.progress.println(format!("chk: warning: {text}"));
        }
    }

    /// Appends the entry's state before the change, as getfacl prints it,
    /// plus what identifies it and its content (see [`backup`]), so that
    /// `chk restore` can tell that the entry it reaches is still the one
    /// backed up. Returns the record, to complete with [`Self::backup_done`]
    /// once the change is made.
    pub(crate) fn backup(
        &self,
        path: &Path,
        cur: &Current,
        node: &Node,
        stat: &Statx,
    ) -> Option<Pending> {
        let file = self.backup.as_ref()?;
        let record = Pending::new(path, cur, &Identity::of(node, stat));
        let mut file = file.lock().unwrap_or_else(|p| p.into_inner());
        Report::keep_error(&self.backup_error, file.write_all(record.text().as_bytes()));
        Some(record)
    }

    /// Appends the completion of `record`: the ctime chk's change left on
    /// the entry (read through its descriptor), which `chk restore` finds
    /// again only if nobody touched the entry since.
    pub(crate) fn backup_done(&self, record: Pending, node: &Node) {
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
