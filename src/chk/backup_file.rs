//! The backup file itself (`--backup FILE`, read by `chk restore`):
//! opened so that nobody else can read what it records or choose what a
//! restore hands out.

use crate::common::{Error, Result};
use std::path::Path;

/// Opens the backup file with `options`, never through a symlink nor
/// blocking on a FIFO, and only if it is a regular file of the user
/// running chk with a single link: otherwise someone else could read what
/// it records or make `chk restore` hand out files.
pub(crate) fn open_own_file(
    path: &Path,
    options: &mut std::fs::OpenOptions,
) -> Result<(std::fs::File, std::fs::Metadata)> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let what = || format!("backup file {}", path.display());
    let file = options
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => Error::failed(format!("{}: it is a symbolic link", what())),
            _ => Error::io(what(), e),
        })?;
    let meta = file.metadata().map_err(|e| Error::io(what(), e))?;
    let refuse = |why: String| Err(Error::failed(format!("{}: {why}", what())));
    if !meta.file_type().is_file() {
        return refuse("not a regular file".into());
    }
    if meta.uid() != rustix::process::geteuid().as_raw() {
        return refuse(format!("owned by uid {}, not by us", meta.uid()));
    }
    if meta.nlink() != 1 {
        return refuse("it has several hard links".into());
    }
    Ok((file, meta))
}

/// The backup file of a run, to append to: created 0600; an existing one
/// only when [`open_own_file`] accepts it (a user who planted it, or a hard
/// link to another file, could read or redirect what it records), and
/// made 0600 if it was wider.
pub(crate) fn open_for_append(path: &Path) -> Result<std::fs::File> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true).mode(0o600);
    let (file, meta) = open_own_file(path, &mut options)?;
    if meta.mode() & 0o077 != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io(format!("backup file {}", path.display()), e))?;
    }
    Ok(file)
}
