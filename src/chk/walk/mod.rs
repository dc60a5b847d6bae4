//! The root-safe parallel walker: descends only through descriptors opened
//! relative to the parent's (`openat` + `O_NOFOLLOW`). A file is first
//! looked at by name (`statx` and `getxattrat`, no symlink followed); only
//! one that differs from its rule is opened, checked to be the same inode,
//! inspected again and changed through its descriptor.

pub mod report;
pub mod state;
mod tree;

pub use state::{
    Change, Current, InspectError, Inspection, Source, Wanted, WantedRights, differences,
    inspect_entry, read_state, wanted_state,
};

use crate::chk::rules::RuleSet;
use crate::cli::{Error, Exit, Progress, Result, Verbosity};
use report::{Report, Summary};
use std::io::Write;
use std::path::PathBuf;

/// One tree to check, with its rules.
pub struct Target {
    /// Shown in reports ("group staff", "/srv/data").
    pub label: String,
    pub root: PathBuf,
    pub rules: RuleSet,
    pub ownership: Ownership,
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
    /// Owners below this uid are system accounts (hard-link rule).
    pub uid_min: u32,
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
    let backup = match &opts.backup {
        Some(path) => Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| Error::io(format!("opening backup file {}", path.display()), e))?,
        ),
        None => None,
    };
    let quiet = opts.verbosity.is_quiet();
    let progress = if opts.progress {
        Progress::new(None, "entries", quiet)
    } else {
        Progress::hidden()
    };
    let report = Report::new(
        opts.dry_run,
        opts.verbosity.verbose > 0,
        opts.json,
        progress,
        backup,
    );
    let mut total = Summary::default();
    let mut lines = Vec::new();
    for target in &targets {
        let summary = pool.install(|| tree::walk_target(target, opts, &report))?;
        total.add(&summary);
        lines.push((target.label.clone(), summary));
    }
    report.progress.finish();
    if let Some(e) = report
        .output_error
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
    {
        return Err(Error::io("writing output", e));
    }
    print_summaries(&report, &lines, &total, quiet)?;
    Ok(if total.errors > 0 {
        Exit::Failed
    } else if opts.dry_run && total.entries_changed > 0 {
        Exit::Found
    } else {
        Exit::Success
    })
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
        return Ok(json.flush()?);
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
