//! A private CPAN-style mirror of local tarballs in ENV/.cpanm, with a
//! plain 02packages index that `cpanm --mirror-index` reads: dependencies
//! between the given tarballs resolve offline.

use super::inventory::{parse_packages, parse_version, pm_files};
use crate::cli::{Error, Result};
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

/// Unpacks a tarball into `into` and returns its top directory.
pub fn unpack(tarball: &Path, into: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(into)
        .map_err(|e| Error::io(format!("creating {}", into.display()), e))?;
    run_quiet(
        Command::new("tar")
            .arg("-xf")
            .arg(tarball)
            .arg("-C")
            .arg(into),
        &format!("tar -xf {}", tarball.display()),
    )?;
    let mut dirs = std::fs::read_dir(into)
        .map_err(|e| Error::io(format!("reading {}", into.display()), e))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir());
    match (dirs.next(), dirs.next()) {
        (Some(top), None) => Ok(top),
        _ => Ok(into.to_path_buf()),
    }
}

/// The dist version in a tarball name: `Foo-Bar-0.01.tar.gz` → `0.01`.
fn dist_version(tarball: &Path) -> Option<String> {
    let name = tarball.file_name()?.to_string_lossy().into_owned();
    let stem = name
        .trim_end_matches(".gz")
        .trim_end_matches(".bz2")
        .trim_end_matches(".tgz")
        .trim_end_matches(".tar");
    let v = stem.rsplit_once('-')?.1.trim_start_matches('v');
    v.starts_with(|c: char| c.is_ascii_digit())
        .then(|| v.to_string())
}

/// Builds a CPAN-style mirror of the local tarballs under `work`, with a
/// plain 02packages index for `cpanm --mirror-index`. Returns (mirror, index).
pub fn local_mirror(work: &Path, tarballs: &[PathBuf]) -> Result<(PathBuf, PathBuf)> {
    let mirror = work.join("mirror");
    let authors = mirror.join("authors/id/L/LO/LOCAL");
    let scan = work.join("scan");
    let _ = std::fs::remove_dir_all(&mirror);
    for dir in [&authors, &mirror.join("modules")] {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    }
    let mut index = String::new();
    for (n, tarball) in tarballs.iter().enumerate() {
        let name = tarball
            .file_name()
            .ok_or_else(|| Error::usage(format!("{}: not a file", tarball.display())))?;
        let abs = std::path::absolute(tarball)
            .map_err(|e| Error::io(format!("{}", tarball.display()), e))?;
        let link = authors.join(name);
        std::os::unix::fs::symlink(&abs, &link)
            .map_err(|e| Error::io(format!("linking {}", link.display()), e))?;
        let top = unpack(tarball, &scan.join(n.to_string()))?;
        let fallback = dist_version(tarball).unwrap_or_else(|| "undef".into());
        for (path, rel) in pm_files(&top) {
            let first = rel
                .components()
                .next()
                .map(|c| c.as_os_str().to_string_lossy().into_owned());
            if matches!(
                first.as_deref(),
                Some("t" | "xt" | "inc" | "blib" | "examples" | "eg")
            ) {
                continue;
            }
            let text =
                String::from_utf8_lossy(&std::fs::read(&path).unwrap_or_default()).into_owned();
            let version = parse_version(&text).unwrap_or_else(|| fallback.clone());
            for package in parse_packages(&text) {
                index.push_str(&format!(
                    "{package} {version} L/LO/LOCAL/{}\n",
                    name.to_string_lossy()
                ));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scan);
    let file = mirror.join("modules/02packages.details.txt");
    std::fs::write(&file, index)
        .map_err(|e| Error::io(format!("writing {}", file.display()), e))?;
    Ok((mirror, file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_from_tarball_names() {
        assert_eq!(
            dist_version(Path::new("/x/Foo-Bar-0.01.tar.gz")).as_deref(),
            Some("0.01")
        );
        assert_eq!(dist_version(Path::new("Foo.tgz")), None);
    }
}
