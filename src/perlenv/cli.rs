//! Command line of `perlenv`.

use crate::common::Verbosity;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;

const EXAMPLES: &str = "\
EXAMPLES:
  perlenv create ./env                     an isolated environment
  . ./env/bin/activate                     enter it (bash, zsh, dash, ksh)
  source ./env/bin/activate.fish           fish
  source ./env/bin/activate.csh            csh, tcsh
  deactivate                               leave it, restoring every variable
  eval \"$(perlenv activate ./env --shell bash)\"
  perlenv install ./env --from ./tarballs Foo::Bar
  perlenv install ./env --from file:///srv/minicpan Moo
  perlenv install ./env --cpanfile cpanfile
  perlenv run ./env -- prove -l t
  perlenv freeze ./env > cpanfile
  perlenv lock ./env -o cpanfile.snapshot  carton's lock file
  perlenv bundle ./env vendor/cache --from ./tarballs
  perlenv which ./env Try::Tiny Moo         the file each module loads from
  perlenv cache list                       the build cache
  perlenv cache prune --older-than 30d";

const LONG: &str = "\
ISOLATION:
  By default an environment hides the site and vendor directories of its perl
  (Debian-packaged modules under /usr/share/perl5, the /usr/local site dirs):
  activation sets PERL5OPT=-Mperlenv::isolate, a module written into the
  environment that drops those directories from @INC. Core modules, -I,
  PERL5LIB and `use lib` still work (even -I/usr/share/perl5), and programs
  the OS owns are exempt: those whose real path (symlinks and .. resolved) is
  under /usr but not /usr/local, /bin, /sbin, /etc, /lib or /var/lib/dpkg/info,
  outside the environment (cpanm, dpkg-architecture, debconf-show).
  Plain `cpanm` in an activated shell is ENV/bin/cpanm, a wrapper that runs
  the real one with --self-contained --exclude-vendor on ENV: a Debian copy
  of a dependency does not count as installed, so it goes into ENV too.
  `create --system-libs` turns isolation off.
  Two leaks remain: `perl -MModule` on the command line loads Module before
  PERL5OPT is applied, so it still finds a system copy; and `perl -T` ignores
  PERL5OPT and PERL5LIB altogether (neither isolation nor the environment).

ACTIVATION:
  Sets exactly PATH, PERL5LIB, PERL5OPT (isolated only), PERL_LOCAL_LIB_ROOT,
  PERL_MM_OPT, PERL_MB_OPT, PERL_CPANM_HOME, MANPATH, PERLENV_ROOT and
  PERLENV_PROMPT, and prefixes the prompt with `(name) ` (not exported; set
  PERLENV_DISABLE_PROMPT to keep it). `deactivate` restores every variable as
  it was, unset or empty, and removes itself. For csh `perlenv activate`
  prints a `source` line, because csh cannot eval multi-line code. For fish
  use `perlenv activate ENV --shell fish | source`.

INSTALLING:
  From local sources (--from DIR of tarballs, a TARBALL, a dist directory, a
  file:// CPAN mirror) perlenv builds the dists itself: the dependency graph
  is resolved as it unfolds, independent dists are configured, built, tested
  and installed at the same time (--jobs N, default: the CPUs; make test runs
  N test files at once, and once more one file at a time if that fails), one
  failure stops only the dists that need it, and each dist's log (every step
  between lines with its time into the install) is kept in ENV/.perlenv/logs.
  A dist built and tested once for this perl is installed again from the
  build cache (/var/cache/perlenv as root, $XDG_CACHE_HOME/perlenv
  otherwise; every file checked against its SHA-256 first; `perlenv cache
  list|prune`). A module from CPAN itself (no
  --from) or an http(s) mirror goes through cpanm -L. Every build step runs in
  a private mount namespace where all but ENV and the build's work directory
  is read-only: a build that writes elsewhere fails there (EROFS, the path in
  perlenv's error), and other programs writing in the system's directories
  never fail an install. ENV is opened once and reached through that
  descriptor: swapped for a symlink mid-install, it is refused.

OFFLINE SOURCES:
  The tarballs --from reads are CPAN release tarballs, from: CPAN on a
  connected machine (cpanm --save-dists DIR); `perlenv bundle ENV DIR` where
  the set is installed (carton's vendor/cache, also a file:// mirror); a
  minicpan or any CPAN-layout mirror (--from file:///srv/minicpan); Debian
  source packages, whose .orig.tar.gz is the CPAN tarball (`apt-get source -d
  libmoo-perl`; the top directory inside gives the CPAN name). A worked
  example, from a connected machine to an offline server:

    cpanm -L /tmp/scratch --save-dists /tmp/dists Moo      # connected
    mkdir tarballs; find /tmp/dists -name '*.tar.gz' -exec cp {} tarballs/ +
    perlenv create ./env && perlenv install ./env --from tarballs Moo
    perlenv lock ./env -o cpanfile.snapshot
    perlenv bundle ./env vendor/cache --from tarballs
    # copy cpanfile.snapshot and vendor/cache; on the offline server:
    perlenv create /srv/app/env
    perlenv install /srv/app/env --locked cpanfile.snapshot --from vendor/cache

SAFETY:
  perlenv runs nothing another user controls: every command refuses (exit 2,
  naming the path) an environment when a directory on the way to it, ENV,
  perlenv.cfg, bin, lib/perl5 or the recorded perl is owned by a user other
  than root or the caller, or writable by group or others; as root, a perl
  that changed since the environment was made is not run (`check --update`
  accepts it). `check --nagios` reports a refused environment CRITICAL.

LOCK AND BUNDLE:
  `lock` writes a carton `cpanfile.snapshot` (format version 1.0) from what
  the installer (cpanm, or perlenv's make path without it) recorded per dist
  under lib/perl5/ARCH/.meta: the dist, its pathname,
  the packages it provides and its configure, build and runtime requires.
  `bundle ENV DIR --from SRC` copies each locked dist's tarball from the
  sources into DIR/authors/id/PATHNAME and writes DIR/modules/
  02packages.details.txt.gz: with the snapshot and the cpanfile in a project,
  DIR as vendor/cache deploys offline with `carton install --deployment
  --cached`. `install ENV --locked [SNAPSHOT] --from SRC` installs exactly
  the snapshot's dists (the locked tarballs are the only source); a locked
  dist missing from the sources is exit 3, a bad or torn snapshot exit 2.

EXIT STATUS:
  0  success
  1  check: the recorded perl changed, or a module fails to load
  2  usage error, bad ENV path, bad cpanfile, not an environment, or an
     environment refused because a user other than root or the caller owns or
     may write it (or its perl), or as root because its perl changed
  3  the work failed: perl query, I/O, cpanm or a build failed, or a module
     could not be found (the missing names are reported)";

/// A virtualenv for Perl: isolated module environments for the system perl.
#[derive(Debug, Parser)]
#[command(name = "perlenv", version, after_help = EXAMPLES, after_long_help = format!("{EXAMPLES}\n\n{LONG}"))]
pub struct Cli {
    #[command(flatten)]
    pub verbosity: Verbosity,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make an environment directory (one perl query, then file writes).
    Create(CreateArgs),
    /// Install modules, dist directories, tarballs or a cpanfile: built in
    /// parallel in a sandbox from local sources, with a build cache (cpanm -L
    /// for CPAN itself).
    Install(InstallArgs),
    /// Run one command inside ENV without activating it.
    Run(RunArgs),
    /// Print activation code for `eval` (fish: pipe to `source`).
    Activate(ActivateArgs),
    /// List installed modules and their versions.
    List(ListArgs),
    /// Print a cpanfile pinning what is installed (`==` versions).
    Freeze(EnvArg),
    /// Write a carton `cpanfile.snapshot` of the installed dists (stdout or -o FILE).
    Lock(LockArgs),
    /// Write carton's vendor/cache (authors/id tarballs + 02packages) for the installed dists.
    Bundle(BundleArgs),
    /// Show perl, version, archname, isolation, paths and health.
    Info(ListArgs),
    /// Exit 1 if the recorded perl changed or an installed module fails to load.
    Check(CheckArgs),
    /// Print the file each module resolves to inside ENV and where it comes
    /// from (ENV, core, vendor, site); exit 1 if one is not found.
    Which(WhichArgs),
    /// List or prune the build cache (/var/cache/perlenv as root,
    /// $XDG_CACHE_HOME/perlenv otherwise).
    #[command(subcommand)]
    Cache(CacheCommand),
}

#[derive(Debug, Args)]
pub struct WhichArgs {
    /// The environment directory.
    pub env: PathBuf,
    /// Module names (Foo::Bar).
    #[arg(required = true)]
    pub modules: Vec<String>,
    /// One JSON object per module.
    #[arg(long)]
    pub json: bool,
}

/// Where the build cache is.
#[derive(Debug, Clone, Default, Args)]
pub struct CacheDir {
    /// The build cache [default: /var/cache/perlenv as root,
    /// $XDG_CACHE_HOME/perlenv (~/.cache/perlenv) otherwise].
    #[arg(long, value_name = "DIR", env = "PERLENV_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// One line per cached build: dist, perl, size, last use.
    List {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        cache: CacheDir,
    },
    /// Remove cached builds: all, or those unused for longer than DURATION.
    Prune {
        /// Only builds last used longer ago than this: 30d, 12h, 90m, 2w.
        #[arg(long, value_name = "DURATION")]
        older_than: Option<String>,
        #[command(flatten)]
        cache: CacheDir,
    },
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The environment directory.
    pub env: PathBuf,
    /// Print the result envelope as one JSON line instead of the problems.
    #[arg(long, conflicts_with = "nagios")]
    pub json: bool,
    /// Re-record a perl that was rebuilt or reinstalled with the same version and
    /// archname, so `run` and `activate` stop warning about it
    #[arg(long)]
    pub update: bool,
    #[command(flatten)]
    pub nagios: crate::common::NagiosArgs,
}

#[derive(Debug, Args)]
pub struct LockArgs {
    /// The environment directory.
    pub env: PathBuf,
    /// Write the snapshot to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BundleArgs {
    /// The environment directory.
    pub env: PathBuf,
    /// The directory to write (carton's vendor/cache layout).
    pub dir: PathBuf,
    /// Where the installed dists' tarballs are: directories or tarballs.
    #[arg(long, value_name = "DIR|TARBALL", required = true)]
    pub from: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EnvArg {
    /// The environment directory.
    pub env: PathBuf,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The environment directory to make (no `:`, newline or NUL in the path).
    pub env: PathBuf,
    /// The perl to use (default: `perl` from PATH).
    #[arg(long, value_name = "PATH")]
    pub perl: Option<PathBuf>,
    /// Let the system's site and vendor modules be seen (no isolation).
    #[arg(long)]
    pub system_libs: bool,
    /// Name shown in the prompt (default: the directory's name).
    #[arg(long, value_name = "NAME")]
    pub prompt: Option<OsString>,
    /// Remove an existing environment at ENV first.
    #[arg(long)]
    pub clear: bool,
    /// Print the result envelope as one JSON line.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct InstallArgs {
    /// The environment directory.
    pub env: PathBuf,
    /// Offline source: a directory of tarballs, a tarball, a dist directory or a file:// mirror.
    #[arg(long, value_name = "DIR|TARBALL|MIRROR")]
    pub from: Vec<OsString>,
    /// Install what this cpanfile requires.
    #[arg(long, value_name = "FILE")]
    pub cpanfile: Vec<PathBuf>,
    /// Modules, dist directories, tarballs or cpanfiles.
    pub targets: Vec<OsString>,
    /// Install exactly the dists and versions of this carton snapshot, from
    /// the --from sources (tarball directories or a `bundle` directory).
    #[arg(long, value_name = "SNAPSHOT", num_args = 0..=1, default_missing_value = "cpanfile.snapshot")]
    pub locked: Option<PathBuf>,
    /// End with the result envelope as JSON: the dists newly installed.
    #[arg(long)]
    pub json: bool,
    /// Build without the private mount namespace (where all but ENV is
    /// read-only); compare the system's perl directories and ENV's parent
    /// before and after instead, and fail if they changed.
    #[arg(long)]
    pub no_sandbox: bool,
    /// Build every dist from source, without the build cache (nor adding to it).
    #[arg(long)]
    pub no_cache: bool,
    #[command(flatten)]
    pub cache: CacheDir,
    /// Build steps (and test files within a dist) run at once [default:
    /// the number of CPUs].
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The environment directory.
    pub env: PathBuf,
    /// The command and its arguments (after `--`).
    #[arg(required = true, last = true)]
    pub command: Vec<OsString>,
}

impl RunArgs {
    /// `perlenv run ENV -- COMMAND…` exactly as written, with no option:
    /// recognised without building the whole CLI, because every program
    /// started through `perlenv run` waits for perlenv's start-up.
    pub fn plain(argv: &[OsString]) -> Option<RunArgs> {
        use std::os::unix::ffi::OsStrExt;
        match argv {
            [_, run, env, dashes, command @ ..]
                if run == "run"
                    && dashes == "--"
                    && !command.is_empty()
                    && !env.as_bytes().starts_with(b"-") =>
            {
                Some(RunArgs {
                    env: env.into(),
                    command: command.to_vec(),
                })
            }
            _ => None,
        }
    }
}

#[derive(Debug, Args)]
pub struct ActivateArgs {
    /// The environment directory.
    pub env: PathBuf,
    /// The shell to print code for (default: from $SHELL).
    #[arg(long, value_enum)]
    pub shell: Option<Shell>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// The environment directory.
    pub env: PathBuf,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Sh,
    Bash,
    Zsh,
    Dash,
    Ksh,
    Fish,
    Csh,
    Tcsh,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn argv(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_plain_run_shortcut_reads_what_clap_reads_and_nothing_else() {
        let plain = argv(&[
            "perlenv", "run", "./env", "--", "perl", "-e", "print 1", "--",
        ]);
        let fast = RunArgs::plain(&plain).expect("a plain run");
        let Command::Run(parsed) = Cli::parse_from(&plain).command else {
            panic!("clap did not read a run");
        };
        assert_eq!((&fast.env, &fast.command), (&parsed.env, &parsed.command));
        for other in [
            &["perlenv", "-q", "run", "./env", "--", "perl"][..],
            &["perlenv", "run", "--help", "--", "perl"],
            &["perlenv", "run", "./env", "perl"],
            &["perlenv", "run", "./env", "--"],
            &["perlenv", "list", "./env", "--", "perl"],
        ] {
            assert!(RunArgs::plain(&argv(other)).is_none(), "{other:?}");
        }
    }
}
