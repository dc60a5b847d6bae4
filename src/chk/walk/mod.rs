//! The root-safe parallel walker: descends only through descriptors opened
//! relative to the parent's (`openat` + `O_NOFOLLOW`). A file is first
//! looked at by name (`statx` and `getxattrat`, no symlink followed); only
//! one that differs from its rule is opened, checked to be the same inode,
//! inspected again and changed through its descriptor.

pub(crate) mod links;
pub(crate) mod report;
pub(crate) mod state;
mod tree;

pub use state::{Change, Current, InspectError, Source, Wanted, WantedRights, inspect_entry};

use crate::chk::rules::RuleSet;
use crate::common::nagios::Check;
use crate::common::{Envelope, Error, Exit, Progress, Result, Verbosity};
use report::{Report, Summary};
use std::io::Write;
use std::path::PathBuf;

/// One tree to check, with its rules.
#[derive(Default)]
pub struct Target {
    /// Shown in reports ("group staff", "/srv/data").
    pub label: String,
    pub root: PathBuf,
    pub rules: RuleSet,
    pub ownership: Ownership,
    /// The root, already opened safely (a home, reached from `/` without
    /// following a symlink): walked as it is, never looked up again.
    pub opened: Option<std::os::fd::OwnedFd>,
}

/// Ownership to enforce; `None` keeps what the entry has.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ownership {
    pub owner: Option<u32>,
    /// Group of entries under ACL rules.
    pub acl_group: Option<u32>,
    /// Group of entries under NOACL / PRIVATE rules.
    pub plain_group: Option<u32>,
    /// Owner given to entries whose uid maps to no user (when `owner` is
    /// `None`); `None` keeps such owners too.
    pub orphan_owner: Option<u32>,
}

#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    pub dry_run: bool,
    pub json: bool,
    /// Worker threads; `None` = one per CPU.
    pub jobs: Option<usize>,
    pub cross_mounts: bool,
    pub verbosity: Verbosity,
    pub backup: Option<PathBuf>,
    /// Draw a progress bar (still only on a terminal).
    pub progress: bool,
    /// `--nagios`: one plugin line instead of the listing and summaries.
    pub nagios: Option<crate::common::NagiosArgs>,
}

/// Checks (and unless dry-run repairs) every target with one thread pool,
/// printing a line per target and a total.
pub fn check_targets(targets: Vec<Target>, opts: &RunOptions) -> Result<Exit> {
    tree::prepare_process()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.unwrap_or(0))
        .thread_name(|i| format!("chk-{i}"))
        // Room for the subdirectories walked nested when the queue is full.
        .stack_size(8 << 20)
        .build()
        .map_err(|e| Error::failed(format!("starting worker threads: {e}")))?;
    let backup = opts.backup.as_deref().map(open_backup).transpose()?;
    let quiet = opts.verbosity.is_quiet();
    let progress = if opts.progress {
        Progress::new(None, "entries", quiet)
    } else {
        Progress::hidden()
    };
    let mut report = Report::new(
        opts.dry_run,
        opts.verbosity.verbose > 0,
        quiet,
        opts.json,
        progress,
        backup,
    );
    report.list_changes &= opts.nagios.is_none();
    let mut total = Summary::default();
    let mut lines = Vec::new();
    for target in &targets {
        let summary = pool.install(|| tree::walk_target(target, opts, &report))?;
        total.add(&summary);
        lines.push((target.label.clone(), summary));
    }
    report.progress.finish();
    let take = |slot: &std::sync::Mutex<Option<std::io::Error>>| {
        slot.lock().unwrap_or_else(|p| p.into_inner()).take()
    };
    if let Some(e) = take(&report.backup_error) {
        return Err(Error::io("writing the backup file", e));
    }
    match take(&report.output_error) {
        // A listing whose reader went away ends quietly.
        Some(e) if opts.dry_run => return Err(Error::io("writing output", e)),
        // A repair went on to the end: its exit status tells how it went.
        Some(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            crate::common::error::report(
                "chk",
                &Error::io("writing output (the repair went on)", e),
            );
        }
        Some(_) => {}
        None => {
            if let Some(nagios) = &opts.nagios {
                return nagios.report(&plugin_check(&targets, &lines, &total));
            }
            print_summaries(&report, &lines, &total, quiet)?
        }
    }
    Ok(if total.errors > 0 {
        Exit::Failed
    } else if opts.dry_run && total.entries_changed > 0 {
        Exit::Found
    } else {
        Exit::Success
    })
}

/// chk's own counts in the result envelope.
#[derive(serde::Serialize)]
struct ChkCounts {
    dry_run: bool,
    /// Groups, homes or trees checked, and how many of them differ.
    targets: usize,
    targets_changed: usize,
    kinds: report::Kinds,
    skipped: report::Skipped,
}

fn envelope(lines: &[(String, Summary)], total: &Summary, dry_run: bool) -> Envelope<ChkCounts> {
    let label = match lines {
        [(label, _)] => label.as_str(),
        _ => "total",
    };
    Envelope::new(
        "chk",
        total.checked,
        total.entries_changed,
        total.errors,
        total.line(label, dry_run),
        ChkCounts {
            dry_run,
            targets: lines.len(),
            targets_changed: lines.iter().filter(|(_, s)| s.entries_changed > 0).count(),
            kinds: total.changed,
            skipped: total.skipped,
        },
    )
}

/// `12 entries differ in 2 of 14 groups`, from the targets' labels
/// ("group devs", "user alice", or a path).
fn plugin_check(targets: &[Target], lines: &[(String, Summary)], total: &Summary) -> Check {
    fn kind(t: &Target) -> &'static str {
        match t.label.split_once(' ') {
            Some(("group", _)) => "group",
            Some(("user", _)) => "user",
            _ => "tree",
        }
    }
    let mut kinds: Vec<&str> = targets.iter().map(kind).collect();
    kinds.dedup();
    let noun = match kinds.as_slice() {
        [one] if targets.len() == 1 => one.to_string(),
        [one] => format!("{one}s"),
        _ => "targets".to_string(),
    };
    let differing_targets = lines.iter().filter(|(_, s)| s.entries_changed > 0).count();
    let entries = if total.entries_changed == 1 {
        "entry differs"
    } else {
        "entries differ"
    };
    let mut summary = format!(
        "{} {entries} in {differing_targets} of {} {noun}",
        total.entries_changed,
        targets.len()
    );
    if total.errors > 0 {
        summary.push_str(&format!(", {} could not be checked", total.errors));
    }
    Check {
        name: "CHK",
        checked: total.checked,
        differing: total.entries_changed,
        errors: total.errors,
        summary,
    }
}

/// The backup file: created 0600, never through a symlink; an existing
/// one is appended to only when it is a regular file of ours with one link
/// (a user who planted it, or a hard link to another file, could read or
/// redirect what it records).
fn open_backup(path: &std::path::Path) -> Result<std::fs::File> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
    let what = || format!("opening backup file {}", path.display());
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => Error::failed(format!("{}: it is a symbolic link", what())),
            _ => Error::io(what(), e),
        })?;
    let meta = check_own_file(&file, path)?;
    if meta.mode() & 0o077 != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io(what(), e))?;
    }
    Ok(file)
}

/// A backup file, to append to or to restore from, must be a regular file
/// of the user running chk with a single link: otherwise someone else
/// could read what it records or make `chk restore` hand out files.
pub fn check_own_file(file: &std::fs::File, path: &std::path::Path) -> Result<std::fs::Metadata> {
    use std::os::unix::fs::MetadataExt;
    let what = || format!("backup file {}", path.display());
    let meta = file.metadata().map_err(|e| Error::io(what(), e))?;
    let refuse = |why: String| Err(Error::failed(format!("{}: {why}", what())));
    if !meta.file_type().is_file() {
        return refuse("not a regular file".into());
    }
    if meta.uid() != rustix::process::geteuid().as_raw() {
        return refuse(format!("owned by uid {}, not by us", meta.uid()));
    }
    if meta.nlink() != 1 {
        return refuse("it has several hard links".into());
    }
    Ok(meta)
}

fn print_summaries(
    report: &Report,
    lines: &[(String, Summary)],
    total: &Summary,
    quiet: bool,
) -> Result<()> {
    if let Some(json) = &report.json {
        for (label, summary) in lines {
            json.emit(&serde_json::json!({ "target": label, "summary": summary }))?;
        }
        if lines.len() > 1 {
            json.emit(&serde_json::json!({ "total": total }))?;
        }
        return Ok(envelope(lines, total, report.dry_run).emit(json)?);
    }
    if quiet {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    for (label, summary) in lines {
        writeln!(out, "{}", summary.line(label, report.dry_run))?;
    }
    if lines.len() > 1 {
        writeln!(out, "{}", total.line("total", report.dry_run))?;
    }
    Ok(())
}
