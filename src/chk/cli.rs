//! Command line of `chk`.

use crate::common::Verbosity;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const EXAMPLES: &str = "\
EXAMPLES:
  Give a tree one ACL (files keep their execute bits through @UX/@GX):
    chk path /srv/projects --acl 'u::rw@UX,g::---,o::---,g:staff:rw@GX,m::rw@GX'
  Show what would change, without changing anything:
    chk path /srv/projects --rules /etc/adminkit/projects.rules --dry-run
  Repair, keeping the previous state so it can be undone:
    chk path /srv/projects --rules projects.rules --backup /root/chk.undo
    chk restore /root/chk.undo
  (not `setfacl --restore`: it follows symbolic links, so in a tree users can
  write it can hand any file of the system to a user)

EXIT STATUS:
  0  compliant or repaired
  1  differences found (--dry-run)
  2  usage or configuration error (bad rule file: FILE:LINE: reason)
  3  some entries could not be checked or repaired";

/// More threads than this only contend for the same disks and
/// descriptors (each thread's directories hold one open).
pub const MAX_JOBS: i64 = 256;

/// Check and repair ownership, mode bits and POSIX ACLs of trees, from rules.
#[derive(Parser, Debug)]
#[command(name = "chk", version, infer_subcommands = true, after_long_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub config: ConfigArg,
    #[command(flatten)]
    pub verbosity: Verbosity,
}

/// Options of every subcommand that walks trees.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// Change nothing; list every difference; exit 1 if there is any
    #[arg(short = 'n', long, global = true)]
    pub dry_run: bool,
    /// One JSON object per change (or difference) and a summary, on stdout
    #[arg(long, global = true)]
    pub json: bool,
    /// Worker threads, 1 to 256 (default: number of CPUs)
    #[arg(short = 'j', long, value_name = "N", global = true,
          value_parser = clap::value_parser!(u16).range(1..=MAX_JOBS))]
    pub jobs: Option<u16>,
    /// Descend into other file systems and bind mounts
    #[arg(long, global = true)]
    pub cross_mounts: bool,
    /// Append each changed entry's previous state to FILE (created 0600), for `chk restore FILE`
    #[arg(long, value_name = "FILE", global = true)]
    pub backup: Option<PathBuf>,
    /// Neither check nor change what matches GLOB (relative to the checked
    /// root, rule-file glob language), nor anything below it; repeatable
    #[arg(long, value_name = "GLOB", global = true)]
    pub exclude: Vec<String>,
    /// Entries only their owner may use (no rights for group or others,
    /// no ACL, such as a 0600 .env) stay so: they get the admins and
    /// responsibles entries only, never members or guests
    #[arg(long, global = true)]
    pub keep_private: bool,
    /// With -n: one monitoring-plugin line instead of the listing
    #[command(flatten)]
    pub nagios: crate::common::NagiosArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check any tree against a rule file or one ACL
    Path(PathArgs),
    /// Check shared group directories <groups_root>/NAME (Licorn's group model)
    #[command(visible_aliases = ["groups", "grp"], after_long_help = GROUP_EXAMPLES)]
    Group(GroupArgs),
    /// Check user homes (Licorn's user model, with ~/.licorn/check.conf)
    #[command(visible_aliases = ["users", "usr"], after_long_help = USER_EXAMPLES,
        mut_arg("names", |arg| arg.value_name("LOGIN")
            .help("Users whose home (from the passwd database) to check")),
        mut_arg("all", |arg| arg.help("Every standard user (UID_MIN..UID_MAX of /etc/login.defs)")))]
    User(Selection),
    /// Show which rule governs PATH, what it wants and what is there
    #[command(after_long_help = EXPLAIN_EXAMPLES)]
    Explain(ExplainArgs),
    /// Show the built-in factory rules
    Rules(RulesArgs),
    /// Undo a run from its --backup FILE, never through a symbolic link
    #[command(after_long_help = RESTORE_EXAMPLES)]
    Restore(RestoreArgs),
    /// Check and repair what tmpfiles.d lines a, a+, A, A+, z, Z want, as systemd-tmpfiles --create (spelt out in full)
    #[command(after_long_help = TMPFILES_EXAMPLES)]
    Tmpfiles(TmpfilesArgs),
}

/// setfacl's edits, made on every entry of the tree like `setfacl -R`.
#[derive(Args, Debug, Default)]
#[group(conflicts_with_all = ["rules", "acl"], multiple = true)]
pub struct SetfaclArgs {
    /// Set these entries, setfacl's syntax: u:alice:rwX,g:devs:r-x,d:g:devs:rX,m::rx
    /// (X: execute on directories and on files some class may execute)
    #[arg(short = 'm', long = "modify", value_name = "ENTRIES")]
    pub modify: Vec<String>,
    /// Remove these entries: u:alice,g:devs,d:u:bob
    #[arg(short = 'x', long = "remove", value_name = "ENTRIES")]
    pub remove: Vec<String>,
    /// Remove every named entry, the mask and the default ACL (setfacl -b)
    #[arg(short = 'b', long)]
    pub remove_all: bool,
    /// Remove the default ACL of directories (setfacl -k)
    #[arg(short = 'k', long)]
    pub remove_default: bool,
    /// --modify and --remove edit the default ACL (of directories)
    #[arg(short = 'd', long)]
    pub default: bool,
    /// Keep the mask as it is instead of recalculating it (setfacl -n)
    #[arg(long)]
    pub no_mask: bool,
}

impl SetfaclArgs {
    pub fn any(&self) -> bool {
        !self.modify.is_empty() || !self.remove.is_empty() || self.remove_all || self.remove_default
    }
}

#[derive(Args, Debug)]
pub struct PathArgs {
    /// Roots of the trees to check
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Rule file (Licorn format: PATH <TAB or blanks> DEFINITION a line)
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present_any = ["acl", "modify", "remove", "remove_all", "remove_default"],
        conflicts_with = "acl"
    )]
    pub rules: Option<PathBuf>,
    /// One definition for the whole tree: an ACL written for files
    /// (@UX/@GX allowed; directories get x instead), NOACL or PRIVATE
    #[arg(long, value_name = "SPEC")]
    pub acl: Option<String>,
    #[command(flatten)]
    pub edit: SetfaclArgs,
    /// Make every entry owned by USER (default: keep owners)
    #[arg(long, value_name = "USER")]
    pub owner: Option<String>,
    /// Make every entry's group GROUP (default: keep groups)
    #[arg(long, value_name = "GROUP")]
    pub group: Option<String>,
}

/// `--config FILE`: a global option, accepted before or after the subcommand.
#[derive(Args, Debug, Clone, Default)]
pub struct ConfigArg {
    /// Configuration file [default: /etc/adminkit/chk.conf]
    #[arg(id = "config", long = "config", value_name = "FILE", global = true)]
    pub file: Option<PathBuf>,
}

pub const EXPLAIN_EXAMPLES: &str = "\
EXAMPLES:
  Why does this script have these rights, and what would chk change?
    chk explain /home/groups/devs/tools/build.sh

EXIT STATUS:
  0  PATH is as its rule wants (or no rule governs it)
  1  a repair would change PATH
  2  PATH is in no shared directory nor home, or bad configuration
  3  PATH cannot be read";

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// A path inside a shared group directory or a user's home
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
}

/// `chk rules`: the factory rules as a starting point for rules_dir.
#[derive(Args, Debug)]
pub struct RulesArgs {
    /// Write the built-in factory rule files (Licorn's) to stdout
    #[arg(long, required = true)]
    pub print_defaults: bool,
}

pub const GROUP_EXAMPLES: &str = "\
EXAMPLES:
  After untarring an archive into a shared directory:
    tar -xpf upload.tar -C /home/groups/devs && chk group devs -n
  devs is not permissive: members only read what they do not own, and the
  archive's owner (no account here) becomes root. Either give those
  entries to the member who untarred them, who can then write them:
    chk group devs --adopt alice
  or let every member write everything (chk.conf: permissive = [\"devs\"]):
    chk group devs
  Keep a 0600 secret owner-only, leave the build directory alone:
    chk group devs --adopt alice --keep-private --exclude build
  Make a missing shared directory as a repair would:
    chk group devs --create
  Nightly from cron: -q prints only errors, so cron mails only on failures:
    chk group --all -q
  What would change, as JSON lines:
    chk grp devs --dry-run --json

EXIT STATUS:
  0  compliant or repaired
  1  differences found (--dry-run)
  2  unknown group, bad chk.conf or system rule file, missing acl/admins
     group, --adopt naming someone who is not a member
  3  some entries could not be checked or repaired, or a directory is missing";

/// Which groups or users `chk group` and `chk user` check: those named,
/// or all of them. (`chk user` words the two its own way: [`Command::User`].)
#[derive(Args, Debug)]
pub struct Selection {
    /// Groups whose shared directory <groups_root>/NAME to check
    #[arg(
        value_name = "NAME",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub names: Vec<String>,
    /// Every directory under groups_root that is named after a group
    #[arg(long)]
    pub all: bool,
}

/// `chk group NAME... | --all`
#[derive(Args, Debug)]
pub struct GroupArgs {
    #[command(flatten)]
    pub selection: Selection,
    /// Give entries whose owner is no account (as `tar -xp` of another
    /// machine's archive leaves them) to USER, a member of the group,
    /// instead of orphan_owner, so that USER can write them
    #[arg(long, value_name = "USER", conflicts_with = "all")]
    pub adopt: Option<String>,
    /// Create <groups_root>/NAME when it does not exist, as a repair makes
    /// it (the model's owner, group, mode and ACLs); nothing with -n
    #[arg(long, conflicts_with = "all")]
    pub create: bool,
}

pub const RESTORE_EXAMPLES: &str = "\
EXAMPLES:
  Repair, keeping the previous state, then undo it:
    chk group devs --backup /root/chk-devs.undo
    chk restore /root/chk-devs.undo --dry-run
    chk restore /root/chk-devs.undo

  An entry that now resolves through a symbolic link, or is no longer the
  file or directory that was backed up (another inode, or a newer file
  given the same inode number), is refused and reported (exit 3). A file
  changed since the run (rewritten, or its metadata changed by someone
  else) gets back only what narrows access: no set-id bit, no owner or
  group, no wider mode or ACL (reported as changed since the run, exit 3).
  The others are restored. Never use `setfacl --restore` on a tree users
  can write: it follows symbolic links.

EXIT STATUS:
  0  restored (or already as backed up)
  1  differences found (--dry-run)
  2  malformed backup file (FILE:LINE: reason)
  3  some entries were refused, changed since the run or could not be
     restored (in whole or in part), or the backup file is not to be
     trusted (a symlink, not ours, writable by others)";

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// A file written by --backup (getfacl's dump format)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

pub const USER_EXAMPLES: &str = "\
EXAMPLES:
  One home, with what its ~/.licorn/check.conf adds:
    chk user alice
  Every standard user, nightly from cron:
    chk user --all -q
  A user's own rules (~/.licorn/check.conf), TAB or blanks between columns:
    src          NOACL
    shared       g:friends:r-x

EXIT STATUS:
  0  compliant or repaired
  1  differences found (--dry-run)
  2  unknown user, bad chk.conf or system rule file, missing acl/admins group
  3  some entries could not be checked or repaired, or a home is missing";

pub const TMPFILES_EXAMPLES: &str = "\
EXAMPLES:
  What would systemd-tmpfiles --create change in ACLs, modes and owners?
    chk tmpfiles -n
  Apply one package's lines, keeping an undo file:
    chk tmpfiles --backup /root/tmpfiles.undo /usr/lib/tmpfiles.d/journal-nocow.conf
  Which line governs this path, and what does it want?
    chk tmpfiles --explain /var/log/journal

Only lines of types a, a+, A, A+, z and Z are handled; the others (d, f, L,
...) are counted once and skipped. X in an ACL is read as setfacl reads it
(systemd-tmpfiles 252 rejects such a line: an extension of chk's).

EXIT STATUS:
  0  compliant or repaired
  1  differences found (--dry-run), or --explain: PATH would change
  2  a line chk cannot parse (FILE:LINE: why; nothing is changed), bad usage
  3  some entries could not be checked or repaired";

#[derive(Args, Debug)]
pub struct TmpfilesArgs {
    /// tmpfiles.d files to read (a bare name is looked up in the tmpfiles.d
    /// directories); default: every *.conf there, as systemd-tmpfiles finds them
    #[arg(value_name = "CONFIG")]
    pub configs: Vec<PathBuf>,
    /// Only lines whose path starts with PATH (repeatable)
    #[arg(long, value_name = "PATH")]
    pub prefix: Vec<PathBuf>,
    /// Skip lines whose path starts with PATH (repeatable)
    #[arg(long, value_name = "PATH")]
    pub exclude_prefix: Vec<PathBuf>,
    /// Work below DIR: configuration and paths are taken inside it
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Show which lines (FILE:LINE) govern PATH, what they want and what is there
    #[arg(long, value_name = "PATH")]
    pub explain: Option<PathBuf>,
}
