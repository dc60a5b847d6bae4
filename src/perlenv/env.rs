//! An environment on disk: its paths and its `perlenv.cfg`.
//!
//! `perlenv.cfg` is `key = value` lines (like pyvenv.cfg); values are raw
//! bytes up to the end of the line, so non-UTF-8 paths survive.

use super::trust::{self, ChangedPerl, Refused};
use crate::common::{Error, Result};
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

pub const CFG: &str = "perlenv.cfg";

/// What `create` recorded about an environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Env {
    /// Absolute path of the environment, as baked into its scripts.
    pub root: PathBuf,
    pub perl: PathBuf,
    pub version: String,
    pub archname: String,
    pub isolated: bool,
    /// The sanitised display name (PERLENV_PROMPT).
    pub prompt: OsString,
    /// device:inode:size:mtime of the perl binary when the env was made.
    pub perl_id: String,
    /// Directories `perlenv::isolate` drops from @INC.
    pub drop: Vec<OsString>,
    /// The command line that made the environment.
    pub created: OsString,
}

/// Refuses what breaks PATH-style variables; everything else is quoted later.
pub fn check_path(path: &Path) -> Result<()> {
    let bytes = path.as_os_str().as_bytes();
    for (byte, name) in [(b':', "`:`"), (b'\n', "a newline"), (0, "NUL")] {
        if bytes.contains(&byte) {
            return Err(Error::usage(format!(
                "{}: the environment path contains {name}, which breaks PATH-style variables",
                path.display()
            )));
        }
    }
    if bytes.is_empty() {
        return Err(Error::usage("the environment path is empty"));
    }
    Ok(())
}

/// The files of an environment that decide what runs: its directories on
/// PATH and @INC, the module every isolated perl loads, and its record.
const OWN: &[&str] = &[
    CFG,
    "bin",
    "lib",
    "lib/perl5",
    "lib/perl5/perlenv",
    "lib/perl5/perlenv/isolate.pm",
    "lib/perl5/perlenv/os_owned.pm",
];

/// Identity of a file, to notice that perl was replaced (an upgrade): a
/// replaced file gets a new change time even when its inode is reused.
pub fn file_id(path: &Path) -> Option<String> {
    let m = std::fs::metadata(path).ok()?;
    Some(format!(
        "{}:{}:{}:{}.{:09}:{}.{:09}",
        m.dev(),
        m.ino(),
        m.size(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec()
    ))
}

impl Env {
    pub fn bin(&self) -> PathBuf {
        self.root.join("bin")
    }
    pub fn lib(&self) -> PathBuf {
        self.root.join("lib/perl5")
    }
    pub fn man(&self) -> PathBuf {
        self.root.join("man")
    }
    pub fn cpanm_home(&self) -> PathBuf {
        self.root.join(".cpanm")
    }

    /// Reads the environment at `dir` for any command but `check`: the
    /// directory must still be where it was made, and root refuses an
    /// environment someone else controls or whose perl changed (see
    /// [`super::trust`]), with exit 2 naming the path.
    pub fn open(dir: &Path) -> Result<Env> {
        Env::open_as(dir, ChangedPerl::Refuse)?.map_err(|Refused(why)| Error::usage(why))
    }

    /// [`Env::open`] for `check`, which reports a refusal itself (CRITICAL
    /// under `--nagios`) and a changed perl as a problem.
    pub(crate) fn open_as(dir: &Path, changed: ChangedPerl) -> Result<Result<Env, Refused>> {
        // Nothing of the environment is read before its directories are
        // known to be root's or the caller's: a planted FIFO or link as
        // perlenv.cfg must not even be opened.
        let real = match trust::resolve_trusted(dir) {
            Ok(real) => real,
            Err(problem) => return problem.or_error(),
        };
        if let Err(problem) = trust::verify_own(&real, OWN) {
            return problem.or_error();
        }
        let cfg = dir.join(CFG);
        let text = std::fs::read(&cfg).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::usage(format!(
                    "{}: not a perlenv environment (no {CFG}; make one with `perlenv create`)",
                    dir.display()
                ))
            } else {
                Error::io(format!("reading {}", cfg.display()), e)
            }
        })?;
        let env = Env::parse(&cfg, &text)?;
        let same = |a: &Path, b: &Path| match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        };
        if !same(dir, &env.root) {
            return Err(Error::usage(format!(
                "{}: the environment was made at {} and its scripts point there; \
                 recreate it with `perlenv create --clear`",
                dir.display(),
                env.root.display()
            )));
        }
        let refused_perl = (changed == ChangedPerl::Refuse
            && env.perl_state() == PerlState::Changed)
            .then(|| env.changed_perl());
        if let Err(problem) = trust::verify(&real, &env.archname, &env.perl, refused_perl) {
            return problem.or_error();
        }
        Ok(Ok(env))
    }

    pub fn parse(path: &Path, text: &[u8]) -> Result<Env> {
        let mut env = Env {
            root: PathBuf::new(),
            perl: PathBuf::new(),
            version: String::new(),
            archname: String::new(),
            isolated: true,
            prompt: OsString::new(),
            perl_id: String::new(),
            drop: Vec::new(),
            created: OsString::new(),
        };
        let mut seen_root = false;
        for (n, line) in text.split(|&b| b == b'\n').enumerate() {
            if line.is_empty() || line.starts_with(b"#") {
                continue;
            }
            let Some(eq) = line.windows(3).position(|w| w == b" = ") else {
                return Err(Error::bad_input(path, n + 1, "expected `key = value`"));
            };
            let key = &line[..eq];
            let value = OsStr::from_bytes(&line[eq + 3..]).to_os_string();
            let text = || value.to_string_lossy().into_owned();
            match key {
                b"root" => {
                    env.root = value.clone().into();
                    seen_root = true;
                }
                b"perl" => env.perl = value.clone().into(),
                b"version" => env.version = text(),
                b"archname" => env.archname = text(),
                b"isolated" => env.isolated = value == "true",
                b"prompt" => env.prompt = value,
                b"perl-id" => env.perl_id = text(),
                b"drop" => env.drop.push(value),
                b"created" => env.created = value,
                _ => {
                    let key = String::from_utf8_lossy(key);
                    return Err(Error::bad_input(
                        path,
                        n + 1,
                        format!("unknown key `{key}`"),
                    ));
                }
            }
        }
        if !seen_root || env.perl.as_os_str().is_empty() {
            return Err(Error::bad_input(path, 1, "`root` or `perl` is missing"));
        }
        Ok(env)
    }

    pub fn render(&self) -> Vec<u8> {
        let mut out = b"# perlenv environment, written by `perlenv create`\n".to_vec();
        let mut put = |key: &str, value: &[u8]| {
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b" = ");
            out.extend_from_slice(value);
            out.push(b'\n');
        };
        put("root", self.root.as_os_str().as_bytes());
        put("perl", self.perl.as_os_str().as_bytes());
        put("version", self.version.as_bytes());
        put("archname", self.archname.as_bytes());
        put("isolated", if self.isolated { b"true" } else { b"false" });
        put("prompt", self.prompt.as_bytes());
        put("perl-id", self.perl_id.as_bytes());
        for dir in &self.drop {
            put("drop", dir.as_bytes());
        }
        put("created", self.created.as_bytes());
        out
    }

    /// What `code` (run with `-MConfig`, none of the environment's
    /// variables) prints; `what` it asks for, for the error.
    pub(crate) fn ask_perl(&self, code: &str, what: &str) -> Result<Vec<u8>> {
        let out = std::process::Command::new(&self.perl)
            .args(["-MConfig", "-e", code])
            .env_remove("PERL5OPT")
            .env_remove("PERL5LIB")
            .output()
            .map_err(|e| Error::io(format!("running {}", self.perl.display()), e))?;
        if !out.status.success() {
            return Err(Error::failed(format!(
                "{}: cannot read {what}",
                self.perl.display()
            )));
        }
        Ok(out.stdout)
    }

    /// Whether the recorded perl binary is still the one the environment
    /// was made with (one stat).
    /// Why root does not run a perl that changed since the environment was
    /// made.
    pub(crate) fn changed_perl(&self) -> String {
        format!(
            "{}: perl {} changed since the environment was made, and perlenv runs \
             no changed perl as root; once you trust it, `perlenv check --update {}` \
             re-records it",
            self.root.display(),
            self.perl.display(),
            self.root.display()
        )
    }

    pub fn perl_state(&self) -> PerlState {
        match file_id(&self.perl) {
            None => PerlState::Gone,
            Some(id) if id != self.perl_id => PerlState::Changed,
            Some(_) => PerlState::Same,
        }
    }

    /// For running a command: a removed perl is an error, since PATH's perl
    /// would silently stand in for it; a replaced one is only warned about.
    pub fn require_perl(&self) -> crate::common::Result<()> {
        match self.perl_state() {
            PerlState::Gone => Err(crate::common::Error::failed(format!(
                "{}: the environment's perl {} is gone; recreate the environment \
                 or run `perlenv check` for details",
                self.root.display(),
                self.perl.display()
            ))),
            state => {
                self.warn_about(state);
                Ok(())
            }
        }
    }

    /// Warns when the recorded perl binary was replaced or removed.
    pub fn warn_if_perl_changed(&self) {
        self.warn_about(self.perl_state());
    }

    fn warn_about(&self, state: PerlState) {
        match state {
            PerlState::Gone => log::warn!(
                "{}: the environment's perl {} is gone",
                self.root.display(),
                self.perl.display()
            ),
            PerlState::Changed => log::warn!(
                "{}: perl {} changed since the environment was made (perl {}); \
                 XS modules may crash: run `perlenv check`",
                self.root.display(),
                self.perl.display(),
                self.version
            ),
            PerlState::Same => {}
        }
    }
}

/// The recorded perl binary against the one on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PerlState {
    Same,
    /// Replaced (an upgrade, a rebuild): same path, other file.
    Changed,
    Gone,
}

/// Bytes of a path joined into a byte vector (for building variable values).
pub fn bytes(path: &Path) -> Vec<u8> {
    path.as_os_str().as_bytes().to_vec()
}

pub fn os(bytes: Vec<u8>) -> OsString {
    OsString::from_vec(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cfg_round_trips_non_utf8_paths() {
        let env = Env {
            root: PathBuf::from(OsStr::from_bytes(b"/tmp/a b\xff$x")),
            perl: "/usr/bin/perl".into(),
            version: "5.36.0".into(),
            archname: "x86_64-linux-gnu-thread-multi".into(),
            isolated: false,
            prompt: "a b_x".into(),
            perl_id: "1:2:3:4".into(),
            drop: vec!["/usr/share/perl5".into(), "/etc/perl".into()],
            created: "perlenv create x".into(),
        };
        assert_eq!(Env::parse(Path::new("c"), &env.render()).unwrap(), env);
    }

    #[test]
    fn bad_cfg_names_the_line() {
        let err = Env::parse(Path::new("e/perlenv.cfg"), b"root = /x\nperl = /p\nwhat\n")
            .unwrap_err()
            .to_string();
        assert_eq!(err, "e/perlenv.cfg:3: expected `key = value`");
    }

    #[test]
    fn refuses_colon_newline_nul() {
        for bad in [&b"a:b"[..], b"a\nb", b"a\0b"] {
            assert!(check_path(Path::new(OsStr::from_bytes(bad))).is_err());
        }
        assert!(check_path(Path::new("sp ace/q'\"$`!\\;ü")).is_ok());
    }
}
