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
    pub config: super::config::ConfigArg,
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
    #[command(visible_aliases = ["groups", "grp"], after_long_help = super::group::EXAMPLES)]
    Group(super::group::GroupArgs),
    /// Check user homes (Licorn's user model, with ~/.licorn/check.conf)
    #[command(visible_aliases = ["users", "usr"], after_long_help = super::user::EXAMPLES)]
    User(super::user::UserArgs),
    /// Show which rule governs PATH, what it wants and what is there
    #[command(after_long_help = super::explain::EXAMPLES)]
    Explain(super::explain::ExplainArgs),
    /// Show the built-in factory rules
    Rules(super::factory::RulesArgs),
    /// Undo a run from its --backup FILE, never through a symbolic link
    #[command(after_long_help = super::restore::EXAMPLES)]
    Restore(super::restore::RestoreArgs),
    /// Check and repair what tmpfiles.d lines a, a+, A, A+, z, Z want, as systemd-tmpfiles --create (spelt out in full)
    #[command(after_long_help = super::tmpfiles::EXAMPLES)]
    Tmpfiles(super::tmpfiles::TmpfilesArgs),
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
