//! Install safety: builds never see the environment's real path, run in a
//! sandbox that cannot write outside ENV and their work directory (see
//! [`super::sandbox`]), and, where no sandbox is possible, nothing may have
//! changed outside ENV afterwards.
//!
//! An environment path may hold `'`, `"`, `$`, a backtick or `$(...)`:
//! local::lib does not quote quotes when cpanm -L rebuilds PERL_MM_OPT, and
//! make expands `$` in INSTALL_BASE. So every build runs through an alias,
//! `env` with a plain name in a private 0700 work directory, and works in a
//! build directory there; nothing with the real path reaches a shell or make.

use super::env::{Env, bytes};
use super::pinned::Pinned;
use super::sandbox::{Mode, Sandbox};
use crate::common::{Error, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Bytes that mean nothing to a shell, make, shellwords or local::lib.
pub fn is_plain(path: &[u8]) -> bool {
    !path.is_empty()
        && path
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'_' | b'-'))
}

/// A private work directory holding `env` (where the builds see the
/// environment: a bind mount of it in their namespace, else a link to
/// perlenv's descriptor of it), the cpanm home, the build directories and
/// the builds' HOME and TMPDIR. Removed on drop.
pub struct Workspace {
    dir: PathBuf,
    /// The environment as the builds see it: `root` is the alias.
    pub env: Env,
    real_root: PathBuf,
    sandbox: Sandbox,
}

impl Workspace {
    /// `sandbox`: whether to use a namespace where the system allows one.
    pub fn new(pinned: &Pinned, sandbox: bool) -> Result<Workspace> {
        let base = std::env::temp_dir();
        let base = if is_plain(base.as_os_str().as_bytes()) {
            base
        } else {
            PathBuf::from("/tmp")
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let mut attempt = 0u32;
        let dir = loop {
            let dir = base.join(format!(
                "perlenv-{}-{nanos:x}-{attempt}",
                std::process::id()
            ));
            // mkdir never follows a planted symlink and fails if the name
            // exists, so the directory is ours and private.
            match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => break dir,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                    attempt += 1;
                }
                Err(e) => return Err(Error::io(format!("creating {}", dir.display()), e)),
            }
        };
        // Removed on drop from here on, whatever fails below.
        let cleanup = Cleanup(dir.clone());
        for sub in ["env", "cpanm", "build", "tmp", "home"] {
            let path = dir.join(sub);
            std::fs::create_dir(&path)
                .map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
        }
        let alias = dir.join("env");
        let sandbox = Sandbox::new(&pinned.env.root, pinned.id(), &dir, &alias, sandbox)?;
        if sandbox.mode() == Mode::Compare {
            std::fs::remove_dir(&alias)
                .and_then(|()| std::os::unix::fs::symlink(pinned.by_descriptor(), &alias))
                .map_err(|e| Error::io(format!("linking {}", alias.display()), e))?;
        }
        log::info!("builds run in {}", sandbox.mode().describe());
        let mut aliased = pinned.env.clone();
        aliased.root = alias;
        std::mem::forget(cleanup);
        Ok(Workspace {
            dir,
            env: aliased,
            real_root: pinned.env.root.clone(),
            sandbox,
        })
    }

    pub fn mode(&self) -> Mode {
        self.sandbox.mode()
    }

    /// `program` as a build step: in the sandbox, in `cwd`, with the
    /// environment's variables for the alias (PERL5OPT cleared: the builds
    /// and cpanm must see the system's modules, not the isolation module),
    /// and HOME and TMPDIR in the work directory.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = self.sandbox.command(program);
        super::vars::apply_to(&self.env, &mut cmd);
        cmd.env_remove("PERL5OPT")
            .env("HOME", self.dir.join("home"))
            .env("TMPDIR", self.dir.join("tmp"))
            .env("PERL_CPANM_HOME", self.cpanm_home());
        cmd
    }

    /// cpanm's home: a real directory with a plain path, so the build
    /// directories' own paths (getcwd resolves symlinks) are plain too.
    pub fn cpanm_home(&self) -> PathBuf {
        self.dir.join("cpanm")
    }

    /// Where dists are unpacked or copied to be built.
    pub fn build_dir(&self) -> PathBuf {
        self.dir.join("build")
    }

    /// Where `finish` keeps cpanm's build log.
    pub fn real_env_cpanm_log(&self) -> PathBuf {
        self.real_root.join(".cpanm/build.log")
    }

    /// After the builds: the records installers wrote (.packlist,
    /// perllocal.pod) name the alias; they get the real path back, and
    /// cpanm's build log is kept in ENV/.cpanm. Through ENV's descriptor.
    pub fn finish(&self, pinned: &Pinned) -> Result<()> {
        let from = bytes(&self.env.root);
        let to = bytes(&self.real_root);
        for found in
            super::walk::files_named(&pinned.at("lib/perl5"), &[".packlist", "perllocal.pod"])
        {
            let path = &found.path;
            let text = std::fs::read(path)
                .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
            if let Some(fixed) = replace_all(&text, &from, &to) {
                std::fs::write(path, fixed)
                    .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
            }
        }
        let log = self.cpanm_home().join("build.log");
        if let Ok(text) = std::fs::read(&log) {
            let keep = pinned.at(".cpanm/build.log");
            std::fs::create_dir_all(pinned.at(".cpanm"))
                .and_then(|()| std::fs::write(&keep, text))
                .map_err(|e| {
                    Error::io(
                        format!("writing {}", self.real_env_cpanm_log().display()),
                        e,
                    )
                })?;
        }
        Ok(())
    }
}

/// Removes a half-made work directory when `Workspace::new` fails.
struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub(crate) fn replace_all(text: &[u8], from: &[u8], to: &[u8]) -> Option<Vec<u8>> {
    if from.is_empty() || !text.windows(from.len()).any(|w| w == from) {
        return None;
    }
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.windows(from.len()).position(|w| w == from) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(to);
        rest = &rest[at + from.len()..];
    }
    out.extend_from_slice(rest);
    Some(out)
}

/// What one entry looked like: kind, inode, size, mtime, ctime.
type Stamp = (u32, u64, u64, i64, i64, i64, i64);

fn stamp(m: &std::fs::Metadata) -> Stamp {
    (
        m.mode() & 0o170000,
        m.ino(),
        m.size(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec(),
    )
}

/// The state of everything an install must not touch: the system perl's
/// site directories (recursively; for a missing one, its nearest existing
/// ancestor's entries) and the names beside ENV in its parent directory.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    entries: BTreeMap<PathBuf, Stamp>,
    /// Only new names count here: ENV often lives in a shared directory
    /// (/tmp, a project) where other programs keep writing their own files,
    /// and what a lost INSTALL_BASE leaves beside ENV is a new entry.
    beside: BTreeSet<PathBuf>,
}

/// %Config directories where `make install` writes when INSTALL_BASE is lost.
const SITE_DIRS: &str = r#"print join "\0", grep { length } @Config{qw(installsitelib installsitearch installsitebin installsitescript installsiteman1dir installsiteman3dir installvendorlib installvendorarch installvendorbin installvendorman1dir installvendorman3dir installbin installscript)}"#;

impl Snapshot {
    pub fn take(env: &Env) -> Result<Snapshot> {
        let dirs = env.ask_perl(SITE_DIRS, "its install directories")?;
        let mut entries = BTreeMap::new();
        for dir in dirs.split(|&b| b == 0).filter(|d| !d.is_empty()) {
            let dir = PathBuf::from(std::ffi::OsStr::from_bytes(dir));
            // Vendor and bin directories are big and shared: their own
            // entries only; the site library trees recursively.
            let deep = dir.starts_with("/usr/local");
            let mut probe = dir.as_path();
            while std::fs::symlink_metadata(probe).is_err() {
                match probe.parent() {
                    Some(p) => probe = p,
                    None => break,
                }
            }
            // A user's build cannot write where the user cannot: only
            // what they may write is compared (other programs, such as
            // unattended upgrades, keep writing in the rest).
            if !super::trust::running_as_root()
                && rustix::fs::access(probe, rustix::fs::Access::WRITE_OK).is_err()
            {
                continue;
            }
            record(probe, deep && probe == dir, &mut entries, None);
        }
        let mut beside = BTreeMap::new();
        if let Some(parent) = env.root.parent() {
            record(parent, false, &mut beside, Some(&env.root));
        }
        Ok(Snapshot {
            entries,
            beside: beside.into_keys().collect(),
        })
    }

    /// Fails (exit 3) naming what changed since `before`.
    pub fn verify_unchanged_since(&self, before: &Snapshot) -> Result<()> {
        let mut changed: Vec<String> = Vec::new();
        for (path, st) in &self.entries {
            if before.entries.get(path) != Some(st) {
                changed.push(format!("'{}'", path.display()));
            }
        }
        for path in before.entries.keys() {
            if !self.entries.contains_key(path) {
                changed.push(format!("'{}' (removed)", path.display()));
            }
        }
        for path in self.beside.difference(&before.beside) {
            changed.push(format!("'{}' (new)", path.display()));
        }
        if changed.is_empty() {
            return Ok(());
        }
        changed.truncate(20);
        Err(Error::failed(format!(
            "install: SOMETHING WAS WRITTEN OUTSIDE THE ENVIRONMENT: {}",
            changed.join(", ")
        )))
    }
}

/// Records `dir` and its entries (all levels when `deep`), skipping `skip`.
fn record(dir: &Path, deep: bool, out: &mut BTreeMap<PathBuf, Stamp>, skip: Option<&Path>) {
    if let Ok(m) = std::fs::symlink_metadata(dir) {
        // The parent of ENV changes when ENV's own entry does; its listing
        // below is what matters.
        if skip.is_none() {
            out.insert(dir.to_path_buf(), stamp(&m));
        }
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if Some(path.as_path()) == skip {
            continue;
        }
        let Ok(m) = entry.metadata() else { continue };
        out.insert(path.clone(), stamp(&m));
        if deep && m.is_dir() {
            record(&path, true, out, None);
        }
    }
}

/// Runs the install steps in a workspace, then fixes the records and keeps
/// the log through ENV's descriptor. Without a sandbox, it also checks
/// afterwards that nothing outside ENV changed; and it refuses when ENV's
/// path no longer leads to the directory the install opened.
pub fn guarded(
    pinned: &Pinned,
    sandbox: bool,
    work: impl FnOnce(&Workspace) -> Result<()>,
) -> Result<()> {
    let workspace = Workspace::new(pinned, sandbox)?;
    let before = match workspace.mode() {
        Mode::Compare => Some(Snapshot::take(&pinned.env)?),
        _ => None,
    };
    // The records are fixed and the log kept even when a build failed.
    let result = work(&workspace);
    let result = workspace.finish(pinned).and(result);
    drop(workspace);
    if let Some(before) = before {
        // A write outside ENV outranks any other outcome.
        Snapshot::take(&pinned.env)?.verify_unchanged_since(&before)?;
    }
    pinned.still_there()?;
    result
}

/// `file://` plus a path, for cpanm's --mirror.
pub fn file_url(path: &Path) -> OsString {
    let mut url = OsString::from("file://");
    url.push(path.as_os_str());
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths() {
        assert!(is_plain(b"/tmp/perlenv-1-a/env"));
        for bad in [&b"a b"[..], b"a'b", b"a\"b", b"a$b", b"a`b", b"a\\b", b""] {
            assert!(!is_plain(bad));
        }
    }

    #[test]
    fn replaces_every_occurrence() {
        assert_eq!(
            replace_all(b"/a/x /a/y", b"/a", b"/q'").unwrap(),
            b"/q'/x /q'/y"
        );
        assert_eq!(replace_all(b"none", b"/a", b"/b"), None);
    }
}
