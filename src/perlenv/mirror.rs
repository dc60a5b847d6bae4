//! A private CPAN-style mirror of local tarballs in ENV/.cpanm, with a
//! plain 02packages index that `cpanm --mirror-index` reads: dependencies
//! between the given tarballs resolve offline.

use super::build::index::{Origin, dist_version, not_indexed};
use super::metadata::scan as scan_packages;
use super::tarball::unpack;
use crate::common::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn run_quiet(cmd: &mut Command, what: &str) -> Result<()> {
    let status = cmd
        .status()
        .map_err(|e| Error::io(format!("running {what}"), e))?;
    if !status.success() {
        return Err(Error::failed(format!("{what} failed ({status})")));
    }
    Ok(())
}

/// Builds a CPAN-style mirror of the local tarballs under `work`, with a
/// 02packages index for `cpanm --mirror-index`: each package points to the
/// tarball with its newest version. A tarball that does not unpack is
/// skipped with a warning. Returns (mirror, index).
pub fn local_mirror(perl: &Path, work: &Path, tarballs: &[PathBuf]) -> Result<(PathBuf, PathBuf)> {
    let mirror = work.join("mirror");
    let authors = mirror.join("authors/id/L/LO/LOCAL");
    let scan = work.join("scan");
    let _ = std::fs::remove_dir_all(&mirror);
    for dir in [&authors, &mirror.join("modules")] {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    }
    // (tarball name, its version) per .pm file handed to Module::Metadata.
    let mut owners: Vec<(String, Option<String>)> = Vec::new();
    let mut files = Vec::new();
    for (n, tarball) in tarballs.iter().enumerate() {
        let name = tarball
            .file_name()
            .ok_or_else(|| Error::usage(format!("{}: not a file", tarball.display())))?
            .to_string_lossy()
            .into_owned();
        let top = match unpack(tarball, &scan.join(n.to_string())) {
            Ok(top) => top,
            Err(e) => {
                log::warn!("skipped: {e}");
                continue;
            }
        };
        let abs = std::path::absolute(tarball)
            .map_err(|e| Error::io(format!("{}", tarball.display()), e))?;
        let link = authors.join(&name);
        if std::os::unix::fs::symlink(&abs, &link).is_err() {
            log::warn!(
                "{}: skipped: a tarball of that name came first",
                tarball.display()
            );
            continue;
        }
        for (path, rel) in super::walk::files_with_extension(&top, "pm") {
            if !not_indexed(&rel) {
                let label = Origin::Tarball(tarball.clone()).label();
                owners.push((name.clone(), dist_version(&label)));
                files.push(path);
            }
        }
    }
    // package -> (number, version, tarball): the newest wins.
    let mut best: BTreeMap<String, (f64, String, String)> = BTreeMap::new();
    for pkg in scan_packages(perl, &files)? {
        let (tarball, dist_v) = &owners[pkg.file];
        let version = pkg.version.or_else(|| dist_v.clone());
        let number = if version.is_some() { pkg.number } else { -1.0 };
        let entry = (
            number,
            version.unwrap_or_else(|| "undef".into()),
            tarball.clone(),
        );
        match best.get(&pkg.name) {
            Some((old, ..)) if *old >= number => {}
            _ => {
                best.insert(pkg.name, entry);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scan);
    let mut index = String::new();
    for (package, (_, version, tarball)) in best {
        index.push_str(&format!("{package} {version} L/LO/LOCAL/{tarball}\n"));
    }
    let file = mirror.join("modules/02packages.details.txt");
    std::fs::write(&file, index)
        .map_err(|e| Error::io(format!("writing {}", file.display()), e))?;
    Ok((mirror, file))
}
