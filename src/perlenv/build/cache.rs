//! The build cache: a dist built and tested once for a given perl and the
//! same configure inputs is installed again by copying what its `make
//! install` staged, instead of building it again.
//!
//! Layout, under `/var/cache/perlenv` as root and `$XDG_CACHE_HOME/perlenv`
//! (`~/.cache/perlenv`) otherwise:
//!
//! ```text
//! v1/builds/KEY/entry.json   dist, perl, dependencies, every file's SHA-256 and mode
//! v1/builds/KEY/files/...    the staged files, relative to ENV
//! v1/provides/SHA.json       the packages a tarball (by its SHA-256) provides
//! ```
//!
//! KEY hashes the tarball's SHA-256, the perl (path, version, archname,
//! `Config` signature), isolation, and the dists its configure step saw.
//! Every file is checked against its hash before an entry is used; an entry
//! that fails is removed and the dist built again. The cache belongs to the
//! user running perlenv: one that another user owns or may write is not
//! used.

use crate::common::{Error, Result};
use serde::{Deserialize, Serialize};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

#[derive(Debug, Clone)]
pub(crate) struct Cache {
    root: PathBuf,
}

/// One staged file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StagedFile {
    /// Relative to ENV.
    pub(crate) path: PathBuf,
    pub(crate) mode: u32,
    pub(crate) sha256: String,
}

/// What `entry.json` says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct EntryInfo {
    /// `Name-Version`.
    pub(crate) dist: String,
    pub(crate) perl: String,
    pub(crate) version: String,
    pub(crate) archname: String,
    /// The path the build saw ENV at, and the staged copy of it (make
    /// install's DESTDIR): records naming them get ENV's own path.
    pub(crate) alias: PathBuf,
    pub(crate) staged: PathBuf,
    /// The dists it was built against (build, test and runtime), sorted.
    pub(crate) deps: Vec<String>,
    pub(crate) files: Vec<StagedFile>,
}

/// A checked entry: its info and its files' contents.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) info: EntryInfo,
    pub(crate) contents: Vec<Vec<u8>>,
    /// The dist's MYMETA.json in the cache, for its requirements.
    pub(crate) mymeta: PathBuf,
}

/// Bytes as lower-case hexadecimal: the cache's keys and hashes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256(bytes: &[u8]) -> String {
    hex(&openssl::sha::sha256(bytes))
}

/// The key of a build: everything that decides what it installs.
pub(crate) fn key(parts: &[&str]) -> String {
    let mut text = String::from("perlenv build v1\n");
    for part in parts {
        text.push_str(part);
        text.push('\n');
    }
    sha256(text.as_bytes())
}

fn io(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let what = format!("{what} {}", path.display());
    move |e| Error::io(what, e)
}

impl Cache {
    /// Where the cache of the user running perlenv lives (`dir` if given).
    pub(crate) fn location(dir: Option<&Path>) -> Option<PathBuf> {
        if let Some(dir) = dir {
            return std::path::absolute(dir).ok();
        }
        if super::super::trust::running_as_root() {
            return Some(PathBuf::from("/var/cache/perlenv"));
        }
        let xdg = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute());
        let base =
            xdg.or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))?;
        Some(base.join("perlenv"))
    }

    /// The cache, made if missing; `None` (with a warning) when it cannot
    /// be used: not ours, writable by others, or not creatable.
    pub(crate) fn open(dir: Option<&Path>) -> Option<Cache> {
        let root = Cache::location(dir)?;
        let mode = if super::super::trust::running_as_root() {
            0o755
        } else {
            0o700
        };
        for dir in [root.join("v1/builds"), root.join("v1/provides")] {
            if let Err(e) = std::fs::DirBuilder::new()
                .recursive(true)
                .mode(mode)
                .create(&dir)
            {
                log::warn!(
                    "build cache {} not used: {}",
                    dir.display(),
                    crate::common::io_reason(&e)
                );
                return None;
            }
        }
        let me = rustix::process::geteuid().as_raw();
        for dir in [
            root.clone(),
            root.join("v1"),
            root.join("v1/builds"),
            root.join("v1/provides"),
        ] {
            match std::fs::symlink_metadata(&dir) {
                Ok(m) if m.is_dir() && m.uid() == me && m.mode() & 0o022 == 0 => {}
                _ => {
                    log::warn!(
                        "build cache {} not used: it must be a directory of yours that no one \
                         else may write",
                        dir.display()
                    );
                    return None;
                }
            }
        }
        Some(Cache { root })
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    fn builds(&self) -> PathBuf {
        self.root.join("v1/builds")
    }

    /// The packages (with versions) a tarball provides, if read before.
    pub(crate) fn provides(&self, tarball_sha: &str) -> Option<Vec<(String, String)>> {
        let text = std::fs::read(
            self.root
                .join("v1/provides")
                .join(format!("{tarball_sha}.json")),
        )
        .ok()?;
        serde_json::from_slice(&text).ok()
    }

    /// Remembers what a tarball provides (best effort: the cache is an
    /// accelerator, never a reason to fail).
    pub(crate) fn remember_provides(&self, tarball_sha: &str, packages: &[(String, String)]) {
        let file = self
            .root
            .join("v1/provides")
            .join(format!("{tarball_sha}.json"));
        if let Ok(text) = serde_json::to_vec(packages) {
            let _ = write_new(&file, &text, 0o644);
        }
    }

    /// The entry for `key`, every file checked against its hash. A
    /// damaged entry is removed (with a warning) and `None` returned.
    pub(crate) fn load(&self, key: &str) -> Option<Entry> {
        let dir = self.builds().join(key);
        let text = std::fs::read(dir.join("entry.json")).ok()?;
        let checked = (|| -> std::result::Result<Entry, String> {
            let info: EntryInfo =
                serde_json::from_slice(&text).map_err(|e| format!("entry.json: {e}"))?;
            let mut contents = Vec::with_capacity(info.files.len());
            for file in &info.files {
                if file
                    .path
                    .components()
                    .any(|c| !matches!(c, std::path::Component::Normal(_)))
                {
                    return Err(format!("{}: not a relative path", file.path.display()));
                }
                let bytes = std::fs::read(dir.join("files").join(&file.path)).map_err(|e| {
                    format!("{}: {}", file.path.display(), crate::common::io_reason(&e))
                })?;
                if sha256(&bytes) != file.sha256 {
                    return Err(format!("{}: content changed", file.path.display()));
                }
                contents.push(bytes);
            }
            Ok(Entry {
                info,
                contents,
                mymeta: dir.join("MYMETA.json"),
            })
        })();
        match checked {
            Ok(entry) => {
                // Last use, for `cache prune --older-than`.
                let _ = std::fs::File::open(&dir).and_then(|d| d.set_modified(SystemTime::now()));
                Some(entry)
            }
            Err(why) => {
                log::warn!(
                    "build cache entry {} is damaged ({why}): removed, the dist is built again",
                    dir.display()
                );
                let _ = std::fs::remove_dir_all(&dir);
                None
            }
        }
    }

    /// Stores a build: `files` (relative to ENV) with their contents, and
    /// the dist's MYMETA.json. Written aside and renamed into place, so a
    /// reader sees a whole entry or none.
    pub(crate) fn store(
        &self,
        key: &str,
        mut info: EntryInfo,
        files: &[(PathBuf, u32, Vec<u8>)],
        mymeta: &Path,
    ) -> Result<()> {
        let final_dir = self.builds().join(key);
        if final_dir.exists() {
            return Ok(());
        }
        let tmp = self
            .builds()
            .join(format!(".new-{key}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let result = (|| -> Result<()> {
            std::fs::DirBuilder::new()
                .mode(0o755)
                .create(&tmp)
                .map_err(io("creating", &tmp))?;
            info.files.clear();
            for (path, mode, bytes) in files {
                let target = tmp.join("files").join(path);
                if let Some(parent) = target.parent() {
                    std::fs::DirBuilder::new()
                        .recursive(true)
                        .mode(0o755)
                        .create(parent)
                        .map_err(io("creating", parent))?;
                }
                write_new(&target, bytes, 0o644)?;
                info.files.push(StagedFile {
                    path: path.clone(),
                    mode: *mode,
                    sha256: sha256(bytes),
                });
            }
            std::fs::copy(mymeta, tmp.join("MYMETA.json")).map_err(io("copying", mymeta))?;
            let text = serde_json::to_vec_pretty(&info)
                .map_err(|e| Error::failed(format!("build cache entry: {e}")))?;
            write_new(&tmp.join("entry.json"), &text, 0o644)?;
            match std::fs::rename(&tmp, &final_dir) {
                // Another install stored the same build meanwhile.
                Err(_) if final_dir.join("entry.json").exists() => {
                    let _ = std::fs::remove_dir_all(&tmp);
                    Ok(())
                }
                other => other.map_err(io("renaming", &tmp)),
            }
        })();
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        result
    }

    /// Every entry: (key, info, size in bytes, last use).
    pub(crate) fn entries(&self) -> Vec<(String, EntryInfo, u64, SystemTime)> {
        let mut out = Vec::new();
        let Ok(dirs) = std::fs::read_dir(self.builds()) else {
            return out;
        };
        for dir in dirs.flatten() {
            let name = dir.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let Ok(text) = std::fs::read(dir.path().join("entry.json")) else {
                continue;
            };
            let Ok(info) = serde_json::from_slice::<EntryInfo>(&text) else {
                continue;
            };
            let size = super::super::walk::walk(&dir.path())
                .iter()
                .filter(|f| f.kind.is_file())
                .filter_map(|f| f.path.metadata().ok())
                .map(|m| m.len())
                .sum();
            let used = dir
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(SystemTime::UNIX_EPOCH);
            out.push((name, info, size, used));
        }
        out.sort_by(|a, b| a.1.dist.cmp(&b.1.dist).then(a.0.cmp(&b.0)));
        out
    }

    /// Removes the entries last used longer than `older_than` ago (all of
    /// them without it), and what tarballs provide; returns how many
    /// entries and bytes went.
    pub(crate) fn prune(&self, older_than: Option<Duration>) -> Result<(usize, u64)> {
        let now = SystemTime::now();
        let (mut count, mut bytes) = (0, 0);
        for (key, _, size, used) in self.entries() {
            let age = now.duration_since(used).unwrap_or_default();
            if older_than.is_some_and(|limit| age < limit) {
                continue;
            }
            let dir = self.builds().join(&key);
            std::fs::remove_dir_all(&dir).map_err(io("removing", &dir))?;
            count += 1;
            bytes += size;
        }
        if older_than.is_none() {
            let provides = self.root.join("v1/provides");
            for file in std::fs::read_dir(&provides).into_iter().flatten().flatten() {
                let _ = std::fs::remove_file(file.path());
            }
        }
        Ok((count, bytes))
    }
}

/// `1.2 MiB`.
fn human_size(bytes: u64) -> String {
    let mut size = bytes as f64;
    for unit in ["B", "KiB", "MiB", "GiB"] {
        if size < 1024.0 || unit == "GiB" {
            return if unit == "B" {
                format!("{bytes} B")
            } else {
                format!("{size:.1} {unit}")
            };
        }
        size /= 1024.0;
    }
    unreachable!("the loop returns at GiB")
}

/// `3 d`, `5 h`, `12 min`, `40 s` ago.
fn human_age(age: Duration) -> String {
    let s = age.as_secs();
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86400 => format!("{} h", s / 3600),
        _ => format!("{} d", s / 86400),
    }
}

/// `perlenv cache list|prune`.
pub(crate) fn command(command: &super::super::cli::CacheCommand) -> Result<()> {
    use super::super::cli::CacheCommand;
    use std::io::Write;
    let (CacheCommand::List { cache: dir, .. } | CacheCommand::Prune { cache: dir, .. }) = command;
    let dir = dir.cache_dir.as_deref();
    let root = Cache::location(dir)
        .ok_or_else(|| Error::usage("cache: no HOME or XDG_CACHE_HOME to find the cache in"))?;
    if !root.exists() {
        log::info!("{}: no build cache yet", root.display());
        return Ok(());
    }
    let cache = Cache::open(dir).ok_or_else(|| {
        Error::failed(format!(
            "cache: {} cannot be used (see the warning)",
            root.display()
        ))
    })?;
    match command {
        CacheCommand::List { json, .. } => {
            let now = SystemTime::now();
            let out = crate::common::JsonLines::stdout();
            let mut text = std::io::stdout().lock();
            for (key, info, size, used) in cache.entries() {
                let age = now.duration_since(used).unwrap_or_default();
                if *json {
                    out.emit(&serde_json::json!({
                        "dist": info.dist,
                        "perl": info.perl,
                        "version": info.version,
                        "archname": info.archname,
                        "bytes": size,
                        "unused_seconds": age.as_secs(),
                        "key": key,
                    }))?;
                } else {
                    writeln!(
                        text,
                        "{}  perl {} {}  {}  used {} ago  {}",
                        info.dist,
                        info.version,
                        info.archname,
                        human_size(size),
                        human_age(age),
                        &key[..12]
                    )?;
                }
            }
        }
        CacheCommand::Prune { older_than, .. } => {
            let limit = older_than
                .as_deref()
                .map(parse_duration)
                .transpose()
                .map_err(|e| Error::usage(format!("--older-than {e}")))?;
            let (count, bytes) = cache.prune(limit)?;
            writeln!(
                std::io::stdout().lock(),
                "removed {count} cached builds ({}) from {}",
                human_size(bytes),
                cache.root().display()
            )?;
        }
    }
    Ok(())
}

/// Writes a new file with `mode` (replacing a leftover of the same name).
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    std::fs::write(path, bytes)
        .and_then(|()| std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)))
        .map_err(io("writing", path))
}

/// `30d`, `12h`, `90m`, `45s`, `2w`: the argument of `--older-than`.
pub(crate) fn parse_duration(text: &str) -> std::result::Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?}: expected a number and a unit (30d, 12h, 90m, 45s, 2w)"))?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" | "" => 86400,
        "w" => 7 * 86400,
        _ => return Err(format!("{text:?}: unknown unit {unit:?} (s, m, h, d, w)")),
    };
    Ok(Duration::from_secs(n * seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30d"), Ok(Duration::from_secs(30 * 86400)));
        assert_eq!(parse_duration("90m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("2w"), Ok(Duration::from_secs(14 * 86400)));
        assert!(parse_duration("x").is_err() && parse_duration("3y").is_err());
    }

    #[test]
    fn a_changed_file_is_never_used() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(t.path().join("v1/builds")).unwrap();
        let cache = Cache {
            root: t.path().to_path_buf(),
        };
        let mymeta = t.path().join("MYMETA.json");
        std::fs::write(&mymeta, "{}").unwrap();
        let info = EntryInfo {
            dist: "Foo-1".into(),
            perl: "/usr/bin/perl".into(),
            version: "5.36.0".into(),
            archname: "x".into(),
            alias: "/tmp/a/env".into(),
            staged: "/tmp/a/build/stage-0/tmp/a/env".into(),
            deps: vec![],
            files: vec![],
        };
        let files = vec![(
            PathBuf::from("lib/perl5/Foo.pm"),
            0o444,
            b"package Foo; 1;\n".to_vec(),
        )];
        cache.store("k", info.clone(), &files, &mymeta).unwrap();
        let entry = cache.load("k").unwrap();
        assert_eq!(entry.contents, [b"package Foo; 1;\n".to_vec()]);
        assert_eq!(entry.info.files[0].mode, 0o444);
        std::fs::write(
            t.path().join("v1/builds/k/files/lib/perl5/Foo.pm"),
            "package Evil; 1;\n",
        )
        .unwrap();
        assert!(cache.load("k").is_none());
        assert!(
            !t.path().join("v1/builds/k").exists(),
            "the damaged entry was removed"
        );
    }
}
