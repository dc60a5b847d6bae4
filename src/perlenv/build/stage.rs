//! What a dist's `make install` staged (DESTDIR), and how it goes into
//! ENV: the same for a dist just built and one from the build cache, so a
//! cached install is the built one, file for file.

use super::super::guard::replace_all;
use super::super::pinned::Pinned;
use crate::common::{Error, Result};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// One staged file: path relative to ENV, mode, content.
pub(crate) type Staged = (PathBuf, u32, Vec<u8>);

/// The regular files below `stage_env` (the staged copy of ENV).
pub(crate) fn collect(stage_env: &Path) -> Result<Vec<Staged>> {
    let mut files = Vec::new();
    for found in super::super::walk::walk(stage_env) {
        if found.kind.is_dir() {
            continue;
        }
        if !found.kind.is_file() {
            log::warn!("{}: not a regular file, not installed", found.rel.display());
            continue;
        }
        let bytes = std::fs::read(&found.path)
            .map_err(|e| Error::io(format!("reading {}", found.path.display()), e))?;
        let mode = std::fs::symlink_metadata(&found.path)
            .map_err(|e| Error::io(format!("{}", found.path.display()), e))?
            .permissions()
            .mode()
            & 0o7777;
        files.push((found.rel, mode, bytes));
    }
    Ok(files)
}

/// Installer records that name ENV: the path the build saw it at
/// (`alias`) becomes ENV's own.
fn is_record(path: &Path) -> bool {
    matches!(
        path.file_name().map(|n| n.as_bytes()),
        Some(b".packlist" | b"perllocal.pod")
    )
}

/// Writes the staged files into ENV through its descriptor, each written
/// aside and renamed over the old one; returns the dist's perllocal.pod
/// entry, which the caller appends once every dist is in, in a fixed order.
/// In the records, `names` (the staged copy of ENV's path, then the path
/// the build saw ENV at) become ENV's own path.
pub(crate) fn merge(pinned: &Pinned, files: &[Staged], names: &[&Path]) -> Result<Vec<u8>> {
    let to = pinned.env.root.as_os_str().as_bytes();
    let mut perllocal = Vec::new();
    for (rel, mode, bytes) in files {
        let bytes = if is_record(rel) {
            names.iter().fold(bytes.clone(), |text, from| {
                replace_all(&text, from.as_os_str().as_bytes(), to).unwrap_or(text)
            })
        } else {
            bytes.clone()
        };
        if rel.file_name().is_some_and(|n| n == "perllocal.pod") {
            perllocal.extend_from_slice(&bytes);
            continue;
        }
        write_in(pinned, rel, &bytes, *mode)?;
    }
    Ok(perllocal)
}

/// Writes `bytes` as ENV/`rel` with `mode`, atomically.
pub(crate) fn write_in(pinned: &Pinned, rel: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let target = pinned.at(rel);
    let shown = pinned.show(rel);
    if let Some(parent) = target.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o755)
            .create(parent)
            .map_err(|e| Error::io(format!("creating {}", shown.display()), e))?;
    }
    let name = rel.file_name().unwrap_or_default().as_bytes();
    let tmp = target.with_file_name(std::ffi::OsStr::from_bytes(
        &[b".perlenv-new-", name].concat(),
    ));
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(mode)))
        .and_then(|()| std::fs::rename(&tmp, &target))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::io(format!("writing {}", shown.display()), e)
        })
}

/// Appends the dists' perllocal.pod entries to ENV's, in name order.
pub(crate) fn append_perllocal(
    pinned: &Pinned,
    archname: &str,
    mut entries: Vec<(String, Vec<u8>)>,
) -> Result<()> {
    entries.retain(|(_, e)| !e.is_empty());
    if entries.is_empty() {
        return Ok(());
    }
    entries.sort();
    let rel = Path::new("lib/perl5").join(archname).join("perllocal.pod");
    let mut text = std::fs::read(pinned.at(&rel)).unwrap_or_default();
    for (_, entry) in entries {
        text.extend_from_slice(&entry);
    }
    write_in(pinned, &rel, &text, 0o644)
}
