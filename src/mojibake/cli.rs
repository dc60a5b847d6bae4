//! Command-line arguments of mojibake-fix.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const EXAMPLES: &str = "\
EXAMPLES:
  mojibake-fix explain \"Raison D'‚àö‚Ñ¢tre\"     show each layer peeled off
  mojibake-fix text dump.csv > fixed.csv        repair a file, line by line
  mysqldump db | mojibake-fix text | gzip       in a pipeline
  mojibake-fix check export/*.txt               exit 1 if any line is damaged
  mojibake-fix names -r ~/Recipes               dry run: list old -> new
  mojibake-fix names -r --apply ~/Recipes       rename, journaled
  mojibake-fix undo                             list the recent journals
  mojibake-fix undo /var/lib/mojibake-fix/names-20250101T120000Z-4242.journal
  mojibake-fix names -r --from cp850 unzipped/  prefer cp850 for DOS names

EXIT STATUS:
  0  nothing to fix, or everything fixed
  1  mojibake found (check, or names without --apply), or names left as
     they were: a collision, a name no encoding reads (listed)
  2  usage error, or a journal refused (not ours, writable by others, a
     bad line: FILE:LINE)
  3  some renames failed, or a file could not be read";

/// Repair UTF-8 text that was misread as a legacy 8-bit encoding (once or
/// several times over) in text streams and file names, in one pass.
#[derive(Parser, Debug)]
#[command(name = "mojibake-fix", version, after_help = EXAMPLES, after_long_help = EXAMPLES)]
pub struct Cli {
    #[command(flatten)]
    pub verbosity: crate::common::Verbosity,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Repair file and directory names (dry run unless --apply)
    Names(NamesArgs),
    /// Repair text: files (or stdin) to stdout, line by line
    Text(TextArgs),
    /// Report damaged lines; exit 1 if any
    Check(CheckArgs),
    /// Show the chain of repairs for one string
    Explain(ExplainArgs),
    /// Reverse the renames recorded in a journal
    Undo(UndoArgs),
}

#[derive(Args, Debug)]
pub struct Encoding {
    /// Prefer this legacy encoding (windows-1252, iso-8859-1, macintosh,
    /// windows-1250/1251/1253/1254/1257, iso-8859-2/5/7/9/15, cp437, cp850,
    /// cp852, cp866, koi8-r, koi8-u, shift_jis, euc-jp, gbk, big5, euc-kr):
    /// it wins every close call, but a name or line that reads clearly
    /// better another way is read that way, and clean text stays as it is
    #[arg(long, value_name = "ENC", conflicts_with = "only_from")]
    pub from: Option<String>,
    /// Consider only this encoding, as `--from` did before: for names that
    /// are not UTF-8 at all, the encoding they are in (and for the East
    /// Asian ones, names of it unpacked as cp437/cp850)
    #[arg(long, value_name = "ENC")]
    pub only_from: Option<String>,
}

impl Encoding {
    /// The encoding `--from` or `--only-from` names, and whether it is the
    /// only one to consider.
    pub(crate) fn parse(&self) -> crate::common::Result<Option<(super::legacy::Legacy, bool)>> {
        let (flag, name, only) = match (&self.from, &self.only_from) {
            (Some(name), _) => ("--from", name, false),
            (None, Some(name)) => ("--only-from", name, true),
            (None, None) => return Ok(None),
        };
        super::legacy::Legacy::from_name(name)
            .map(|legacy| Some((legacy, only)))
            .ok_or_else(|| {
                crate::common::Error::usage(format!(
                    "{flag} {name}: unknown encoding (`--help` lists them)"
                ))
            })
    }
}

#[derive(Args, Debug)]
pub struct NamesArgs {
    /// Files or directories whose names to repair
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Descend into directories
    #[arg(short, long)]
    pub recursive: bool,
    /// Rename for real (default: only show what would be renamed)
    #[arg(long)]
    pub apply: bool,
    /// Where to record the renames (default: a new file in
    /// /var/lib/mojibake-fix/ as root, $XDG_STATE_HOME/mojibake-fix/
    /// otherwise; its name is printed at the end)
    #[arg(long, value_name = "FILE", requires = "apply")]
    pub journal: Option<PathBuf>,
    /// Give a name whose repair collides with an existing one the next free
    /// `NAME (2).ext` instead of leaving it as it is
    #[arg(long)]
    pub suffix: bool,
    /// Also compose names to Unicode NFC
    #[arg(long, conflicts_with = "nfd")]
    pub nfc: bool,
    /// Also decompose names to Unicode NFD (as macOS stores them). Without
    /// --nfc or --nfd a repaired name takes the form of the other names of
    /// its directory (NFC when none tells), and a name left alone keeps
    /// its form.
    #[arg(long)]
    pub nfd: bool,
    #[command(flatten)]
    pub encoding: Encoding,
    /// One JSON object per name
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct TextArgs {
    /// Files to read (default: stdin)
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Compose the output to Unicode NFC
    #[arg(long)]
    pub nfc: bool,
    #[command(flatten)]
    pub encoding: Encoding,
    /// Repair the FILEs where they are (temporary file, fsync, rename;
    /// owner, mode and xattrs kept; originals saved 0600 beside the journal
    /// for undo; binary files refused)
    #[arg(long, short = 'i')]
    pub in_place: bool,
    /// Where to record the edits (default: as for `names --apply`)
    #[arg(long, value_name = "FILE", requires = "in_place")]
    pub journal: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files to read (default: stdin), or directories with -r
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Also count lines that only NFC would change
    #[arg(long)]
    pub nfc: bool,
    #[command(flatten)]
    pub encoding: Encoding,
    /// Read every file below the given directories (symlinks not followed,
    /// binary files skipped)
    #[arg(short, long)]
    pub recursive: bool,
    /// Skip paths matching this glob (`*.min.js`, `vendor/**`); repeatable
    #[arg(long, value_name = "GLOB", requires = "recursive")]
    pub exclude: Vec<String>,
    /// One JSON object per damaged line, then the result envelope
    #[arg(long, conflicts_with = "nagios")]
    pub json: bool,
    #[command(flatten)]
    pub nagios: crate::common::NagiosArgs,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The damaged text
    pub string: String,
    #[command(flatten)]
    pub encoding: Encoding,
    /// Print the steps as JSON lines
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct UndoArgs {
    /// A journal written by `names --apply` or `text -i`: refused (exit 2)
    /// when it is a symlink, owned by neither you nor root, or writable by
    /// others, or when any line is malformed or outside its trees. Without
    /// it, the recent journals of the default directory are listed
    pub journal: Option<PathBuf>,
    /// One JSON object per restored name
    #[arg(long)]
    pub json: bool,
}
