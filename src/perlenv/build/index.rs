//! The given sources as an index: which tarball or dist directory provides
//! which package at which version. Tarballs are unpacked (in the sandbox)
//! and their `.pm` files read by Module::Metadata, as PAUSE indexes them;
//! a `file://` mirror brings its own 02packages index. What a tarball
//! provides is kept in the build cache under its content's hash, so a
//! tarball is read once.

use super::super::guard::Workspace;
use super::super::metadata;
use super::super::trust::absolute;
use super::cache::{Cache, hex};
use super::version::{Range, numify};
use crate::common::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where a dist comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    Tarball(PathBuf),
    /// A dist directory of the user's, built from a copy.
    Dir(PathBuf),
}

impl Origin {
    pub(crate) fn path(&self) -> &Path {
        match self {
            Origin::Tarball(p) | Origin::Dir(p) => p,
        }
    }

    /// The dist as users count it before its metadata is read: the
    /// tarball's or directory's name.
    pub(crate) fn label(&self) -> String {
        let name = self
            .path()
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.path().display().to_string());
        for ext in [".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar"] {
            if let Some(stem) = name.strip_suffix(ext) {
                return stem.to_string();
            }
        }
        name
    }
}

/// One source and what is known of it.
#[derive(Debug)]
pub(crate) struct Source {
    pub(crate) origin: Origin,
    /// The SHA-256 of a tarball's bytes (the cache key's first part).
    pub(crate) sha256: Option<String>,
    /// The unpacked (or copied) tree, once there is one.
    pub(crate) tree: Mutex<Option<PathBuf>>,
}

/// A package one source provides.
#[derive(Debug, Clone, PartialEq)]
struct Provider {
    version: String,
    number: f64,
    source: usize,
}

#[derive(Debug, Default)]
pub(crate) struct Index {
    pub(crate) sources: Vec<Source>,
    packages: BTreeMap<String, Vec<Provider>>,
}

/// Top directories of a dist whose `.pm` files are not indexed.
pub(crate) fn not_indexed(rel: &Path) -> bool {
    let first = rel.components().next().map(|c| c.as_os_str());
    first.is_some_and(|f| {
        ["t", "xt", "inc", "blib", "examples", "eg", "local", "share"]
            .iter()
            .any(|skip| f == *skip)
    })
}

/// The dist version in a tarball name: `Foo-Bar-0.01.tar.gz` → `0.01`.
pub(crate) fn dist_version(label: &str) -> Option<String> {
    let v = label.rsplit_once('-')?.1.trim_start_matches('v');
    v.starts_with(|c: char| c.is_ascii_digit())
        .then(|| v.to_string())
}

/// The SHA-256 of a file's bytes, in hex.
pub(crate) fn sha256_file(path: &Path) -> Result<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    let mut hasher = openssl::sha::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finish()))
}

impl Index {
    /// Indexes `tarballs`, `dirs` (dist directories) and `mirrors`
    /// (file:// CPAN mirrors, as directories). A tarball that does not
    /// unpack is left out with a warning.
    pub(crate) fn build(
        ws: &Workspace,
        cache: Option<&Cache>,
        tarballs: &[PathBuf],
        dirs: &[PathBuf],
        mirrors: &[PathBuf],
    ) -> Result<Index> {
        let mut index = Index::default();
        // (source, tarball label) of each file handed to Module::Metadata.
        let mut owners: Vec<(usize, String)> = Vec::new();
        let mut files: Vec<PathBuf> = Vec::new();
        let mut read = |source: usize, tree: &Path, label: &str| {
            for (path, rel) in super::super::walk::files_with_extension(tree, "pm") {
                if !not_indexed(&rel) {
                    owners.push((source, label.to_string()));
                    files.push(path);
                }
            }
        };
        for tarball in tarballs {
            let origin = Origin::Tarball(absolute(tarball)?);
            if index.sources.iter().any(|s| s.origin == origin) {
                continue;
            }
            let sha = sha256_file(tarball)?;
            let n = index.sources.len();
            let label = origin.label();
            index.sources.push(Source {
                origin,
                sha256: Some(sha.clone()),
                tree: Mutex::new(None),
            });
            if let Some(known) = cache.and_then(|c| c.provides(&sha)) {
                for (package, version) in known {
                    index.add(package, version, n);
                }
                continue;
            }
            match index.unpack(ws, n) {
                Ok(tree) => read(n, &tree, &label),
                Err(e) => log::warn!("skipped: {e}"),
            }
        }
        for dir in dirs {
            let origin = Origin::Dir(absolute(dir)?);
            if index.sources.iter().any(|s| s.origin == origin) {
                continue;
            }
            let n = index.sources.len();
            let label = origin.label();
            index.sources.push(Source {
                origin,
                sha256: None,
                tree: Mutex::new(None),
            });
            read(n, dir, &label);
        }
        if !files.is_empty() {
            let mut scan = ws.command(&ws.env.perl);
            scan.current_dir(ws.build_dir());
            let mut found: BTreeMap<usize, Vec<(String, String)>> = BTreeMap::new();
            for pkg in metadata::scan_with(scan, &files)? {
                let (source, label) = &owners[pkg.file];
                let version = pkg
                    .version
                    .or_else(|| dist_version(label))
                    .unwrap_or_else(|| "undef".into());
                found.entry(*source).or_default().push((pkg.name, version));
            }
            for (source, packages) in found {
                if let (Some(cache), Some(sha)) = (cache, &index.sources[source].sha256) {
                    cache.remember_provides(sha, &packages);
                }
                for (package, version) in packages {
                    index.add(package, version, source);
                }
            }
        }
        for mirror in mirrors {
            index.read_mirror(mirror)?;
        }
        Ok(index)
    }

    fn add(&mut self, package: String, version: String, source: usize) {
        let number = numify(&version).unwrap_or(-1.0);
        let providers = self.packages.entry(package).or_default();
        if !providers.iter().any(|p| p.source == source) {
            providers.push(Provider {
                version,
                number,
                source,
            });
        }
    }

    /// A CPAN mirror's `modules/02packages.details.txt(.gz)`.
    fn read_mirror(&mut self, mirror: &Path) -> Result<()> {
        let plain = mirror.join("modules/02packages.details.txt");
        let text = if plain.is_file() {
            std::fs::read(&plain)
                .map_err(|e| Error::io(format!("reading {}", plain.display()), e))?
        } else {
            let gz = mirror.join("modules/02packages.details.txt.gz");
            let out = std::process::Command::new("gzip")
                .arg("-dc")
                .arg(&gz)
                .output()
                .map_err(|e| Error::io("running gzip", e))?;
            if !out.status.success() {
                return Err(Error::usage(format!(
                    "{}: not a CPAN mirror (no readable modules/02packages.details.txt.gz)",
                    mirror.display()
                )));
            }
            out.stdout
        };
        let text = String::from_utf8_lossy(&text);
        // The header ends at the first empty line.
        let body = text.split_once("\n\n").map_or("", |(_, body)| body);
        let mut by_path: BTreeMap<String, usize> = BTreeMap::new();
        for line in body.lines() {
            let mut words = line.split_whitespace();
            let (Some(package), Some(version), Some(path)) =
                (words.next(), words.next(), words.next())
            else {
                continue;
            };
            if path.contains("..") {
                continue;
            }
            let source = match by_path.get(path) {
                Some(&n) => n,
                None => {
                    let tarball = mirror.join("authors/id").join(path);
                    let n = self.sources.len();
                    self.sources.push(Source {
                        origin: Origin::Tarball(tarball),
                        sha256: None,
                        tree: Mutex::new(None),
                    });
                    by_path.insert(path.to_string(), n);
                    n
                }
            };
            self.add(package.to_string(), version.to_string(), source);
        }
        Ok(())
    }

    /// The source with the newest version of `module` in `range`.
    pub(crate) fn find(&self, module: &str, range: &Range) -> Option<usize> {
        let providers = self.packages.get(module)?;
        providers
            .iter()
            .filter(|p| range.accepts(p.number) || (p.number < 0.0 && *range == Range::any()))
            .fold(None::<&Provider>, |best, p| match best {
                Some(b) if b.number >= p.number => Some(b),
                _ => Some(p),
            })
            .map(|p| p.source)
    }

    /// The source's tree: a tarball unpacked (in the sandbox, into the
    /// work directory), a dist directory copied there, once.
    pub(crate) fn unpack(&self, ws: &Workspace, source: usize) -> Result<PathBuf> {
        let src = &self.sources[source];
        let mut tree = src.tree.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tree) = &*tree {
            return Ok(tree.clone());
        }
        let into = ws.build_dir().join(format!("src-{source}"));
        let made = match &src.origin {
            Origin::Tarball(tarball) => {
                super::super::tarball::unpack_with(ws.command("tar"), tarball, &into)?
            }
            Origin::Dir(dir) => {
                // A plain name: make and shells see the build directory's path.
                let copy = into.join("dist");
                std::fs::create_dir_all(&into)
                    .map_err(|e| Error::io(format!("creating {}", into.display()), e))?;
                run(
                    ws.command("cp").arg("-a").arg(dir).arg(&copy),
                    &format!("copying {}", dir.display()),
                )?;
                copy
            }
        };
        *tree = Some(made.clone());
        Ok(made)
    }
}

impl Range {
    /// The range that accepts any version (`0`).
    pub(crate) fn any() -> Range {
        Range::parse("0").expect("constant")
    }
}

fn run(cmd: &mut std::process::Command, what: &str) -> Result<()> {
    let out = cmd
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| Error::io(what.to_string(), e))?;
    if !out.status.success() {
        return Err(Error::failed(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_versions_from_names() {
        let t = Origin::Tarball("/x/Foo-Bar-0.01.tar.gz".into());
        assert_eq!(t.label(), "Foo-Bar-0.01");
        assert_eq!(dist_version(&t.label()).as_deref(), Some("0.01"));
        assert_eq!(dist_version("Foo"), None);
    }
}
