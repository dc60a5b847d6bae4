//! The root-safe parallel walker: descends only through descriptors opened
//! relative to the parent's (`openat` + `O_NOFOLLOW`). A file is first
//! looked at by name (`statx` and `getxattrat`, no symlink followed); only
//! one that differs from its rule is opened, checked to be the same inode
//! (and inspected again unless its ctime proves nothing changed), and
//! changed through its descriptor.

pub(crate) mod links;
pub(crate) mod report;
pub(crate) mod state;
mod tree;

pub(crate) use state::{
    Change, Current, InspectError, PrivacyNote, Source, Wanted, WantedRights, inspect_entry,
};

use crate::chk::rules::RuleSet;
use crate::common::nagios::Check;
use crate::common::{Envelope, Error, Exit, Progress, Result, Verbosity};
use report::{Report, Summary};
use std::io::Write;
use std::path::PathBuf;

/// One tree to check, with its rules.
#[derive(Default)]
pub(crate) struct Target {
    /// Shown in reports ("group staff", "/srv/data").
    pub label: String,
    pub root: PathBuf,
    pub rules: RuleSet,
    pub ownership: Ownership,
    /// The root, already opened safely (a home, reached from `/` without
    /// following a symlink): walked as it is, never looked up again.
    pub opened: Option<std::os::fd::OwnedFd>,
    pub scope: Scope,
    /// A shared directory of a group that is not permissive: the summary
    /// says how many changed entries its members may then only read.
    pub members: Option<Members>,
}

/// How a target's root is reached, and how much of it is checked.
#[derive(Clone, Debug, Default)]
pub(crate) enum Scope {
    /// The tree below `opened`, or else below `root`, a path the
    /// administrator gave: followed like any path, except that its last
    /// component must not be a symlink.
    #[default]
    Tree,
    /// `rel` below the directory `base` (a tmpfiles.d line's path below
    /// `--root`), reached one component at a time without following any
    /// symlink; the tree below it, or with `entry_only` the entry alone.
    /// An entry that does not exist is nothing to do.
    Below {
        base: PathBuf,
        rel: Vec<u8>,
        entry_only: bool,
    },
}

impl Target {
    /// What the command line adds to every target: `--exclude`,
    /// `--keep-private`.
    pub(crate) fn apply(&mut self, exclude: &[crate::chk::rules::Pattern], keep_private: bool) {
        if !exclude.is_empty() {
            self.rules.add_excludes(exclude);
        }
        if let Some(privacy) = &mut self.ownership.privacy {
            privacy.keep |= keep_private;
        }
    }
}

/// The group of a shared directory, and who of the entries' owners are in it.
pub(crate) struct Members {
    pub gid: u32,
    pub name: String,
    /// uid → member or not, asked once per owner.
    known: std::sync::Mutex<std::collections::HashMap<u32, bool>>,
}

impl Members {
    pub(crate) fn new(gid: u32, name: &str) -> Members {
        Members {
            gid,
            name: name.to_string(),
            known: Default::default(),
        }
    }

    /// Whether the user `uid` is a member of the group.
    pub(crate) fn includes(&self, uid: u32) -> bool {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        *known.entry(uid).or_insert_with(|| {
            crate::chk::accounts::user_by_uid(uid)
                .ok()
                .flatten()
                .is_some_and(|user| crate::chk::accounts::is_member(&user, self.gid))
        })
    }
}

/// Ownership to enforce; `None` keeps what the entry has.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Ownership {
    pub owner: Option<u32>,
    /// Group of entries under ACL rules.
    pub acl_group: Option<u32>,
    /// Group of entries under NOACL / PRIVATE rules.
    pub plain_group: Option<u32>,
    /// Owner given to entries whose uid maps to no user (when `owner` is
    /// `None`); `None` keeps such owners too.
    pub orphan_owner: Option<u32>,
    /// What becomes of owner-only entries; `None` for a target's root,
    /// which must stay open to those the model names.
    pub privacy: Option<Privacy>,
}

/// Owner-only entries: no right for anyone but the owner (and the groups
/// of `allowed`), such as a `0600 .env` from an archive. A rule that gives
/// others rights opens ("widens") them; with `keep`, they stay owner-only.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Privacy {
    /// `--keep-private`, `keep_private`: such entries keep owner-only access.
    pub keep: bool,
    /// Groups an owner-only entry may still grant without being opened to
    /// others (the admins and responsibles groups of the model).
    pub allowed: [Option<u32>; 2],
}

impl Privacy {
    pub(crate) fn allows(&self, gid: u32) -> bool {
        self.allowed.contains(&Some(gid))
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct RunOptions {
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
    /// `--exclude`: IGNORE rules added to every target.
    pub exclude: Vec<crate::chk::rules::Pattern>,
    /// `--keep-private`, for every target.
    pub keep_private: bool,
}

/// Checks (and unless dry-run repairs) every target with one thread pool,
/// printing a line per target and a total.
pub(crate) fn check_targets(mut targets: Vec<Target>, opts: &RunOptions) -> Result<Exit> {
    tree::prepare_process()?;
    for target in &mut targets {
        target.apply(&opts.exclude, opts.keep_private);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.unwrap_or(0))
        .thread_name(|i| format!("chk-{i}"))
        // Room for the subdirectories walked nested when the queue is full.
        .stack_size(8 << 20)
        .build()
        .map_err(|e| Error::failed(format!("starting worker threads: {e}")))?;
    let backup = opts
        .backup
        .as_deref()
        .map(crate::chk::backup_file::open_for_append)
        .transpose()?;
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
        lines.push((target, summary));
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
                let widened = [("widened", total.widened)];
                return nagios.report_with(&plugin_check(&lines, &total), &widened);
            }
            print_summaries(&report, &lines, &total, quiet)?
        }
    }
    Ok(if total.errors > 0 {
        Exit::Failed
    } else if opts.dry_run && total.changed_entries > 0 {
        Exit::Found
    } else {
        Exit::Success
    })
}

/// Each target walked, with its summary.
type Lines<'a> = [(&'a Target, Summary)];

/// chk's own counts in the result envelope: those of the per-target
/// summaries, spelt alike, plus the targets.
#[derive(serde::Serialize)]
struct ChkCounts {
    dry_run: bool,
    /// Groups, homes or trees checked, and how many of them differ.
    targets: usize,
    targets_changed: usize,
    kinds: report::Kinds,
    skipped: report::Skipped,
    widened: u64,
    kept_private: u64,
    masked: u64,
    members_read_only: u64,
}

fn envelope(lines: &Lines, total: &Summary, dry_run: bool) -> Envelope<ChkCounts> {
    let label = match lines {
        [(target, _)] => target.label.as_str(),
        _ => "total",
    };
    Envelope::new(
        "chk",
        total.checked,
        total.changed_entries,
        total.errors,
        total.line(label, dry_run),
        ChkCounts {
            dry_run,
            targets: lines.len(),
            targets_changed: lines.iter().filter(|(_, s)| s.changed_entries > 0).count(),
            kinds: total.kinds,
            skipped: total.skipped,
            widened: total.widened,
            kept_private: total.kept_private,
            masked: total.masked,
            members_read_only: total.members_read_only,
        },
    )
}

/// `12 entries differ in 2 of 14 groups`, from the targets' labels
/// ("group devs", "user alice", or a path).
fn plugin_check(lines: &Lines, total: &Summary) -> Check {
    fn kind(t: &Target) -> &'static str {
        match t.label.split_once(' ') {
            Some(("group", _)) => "group",
            Some(("user", _)) => "user",
            _ => "tree",
        }
    }
    let mut kinds: Vec<&str> = lines.iter().map(|(t, _)| kind(t)).collect();
    kinds.dedup();
    let noun = match kinds.as_slice() {
        [one] if lines.len() == 1 => one.to_string(),
        [one] => format!("{one}s"),
        _ => "targets".to_string(),
    };
    let differing_targets = lines.iter().filter(|(_, s)| s.changed_entries > 0).count();
    let entries = if total.changed_entries == 1 {
        "entry differs"
    } else {
        "entries differ"
    };
    let mut summary = format!(
        "{} {entries} in {differing_targets} of {} {noun}",
        total.changed_entries,
        lines.len()
    );
    if total.widened > 0 {
        summary.push_str(&format!(", {} owner-only would be widened", total.widened));
    }
    if total.errors > 0 {
        summary.push_str(&format!(", {} could not be checked", total.errors));
    }
    Check {
        name: "CHK",
        checked: total.checked,
        differing: total.changed_entries,
        errors: total.errors,
        summary,
    }
}

fn print_summaries(report: &Report, lines: &Lines, total: &Summary, quiet: bool) -> Result<()> {
    if let Some(json) = &report.json {
        for (target, summary) in lines {
            json.emit(&serde_json::json!({ "target": target.label, "summary": summary }))?;
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
    for (target, summary) in lines {
        writeln!(out, "{}", summary.line(&target.label, report.dry_run))?;
        let group = target.members.as_ref().map(|m| m.name.as_str());
        for note in summary.notes(&target.label, report.dry_run, group) {
            writeln!(out, "{note}")?;
        }
    }
    if lines.len() > 1 {
        writeln!(out, "{}", total.line("total", report.dry_run))?;
    }
    Ok(())
}

/// `rel/name`, a path relative to the target's root (`name` alone at the root).
fn join_relative(rel: &[u8], name: &[u8]) -> Vec<u8> {
    let mut child = Vec::with_capacity(rel.len() + 1 + name.len());
    if !rel.is_empty() {
        child.extend_from_slice(rel);
        child.push(b'/');
    }
    child.extend_from_slice(name);
    child
}
