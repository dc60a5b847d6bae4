//! Unpacking a dist's tarball: one `tar` for cpanm's mirror scan and
//! perlenv's own (sandboxed) builder.

use crate::common::{Error, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Unpacks a tarball into `into` and returns its top directory.
pub(crate) fn unpack(tarball: &Path, into: &Path) -> Result<PathBuf> {
    unpack_with(Command::new("tar"), tarball, into)
}

/// [`unpack`] with `tar` given as a command to complete (a sandboxed one).
pub(crate) fn unpack_with(mut tar: Command, tarball: &Path, into: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(into)
        .map_err(|e| Error::io(format!("creating {}", into.display()), e))?;
    let out = tar
        .arg("-xf")
        .arg(tarball)
        .arg("-C")
        .arg(into)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| Error::io("running tar", e))?;
    if !out.status.success() {
        return Err(Error::failed(format!(
            "{}: not a readable tarball: {}",
            tarball.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
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
