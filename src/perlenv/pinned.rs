//! ENV opened once, by descriptor, for an install: perlenv's own file
//! operations go through that descriptor (`/proc/self/fd/N/...`) and the
//! builds reach it through a bind of it (see [`super::sandbox`]), so ENV
//! swapped for a symlink mid-install redirects nothing; the swap itself is
//! noticed and the install refused.

use super::env::Env;
use crate::common::{Error, Result};
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub(crate) struct Pinned {
    dir: std::fs::File,
    /// Device and inode of the directory opened.
    id: (u64, u64),
    pub(crate) env: Env,
}

fn id_of(m: &std::fs::Metadata) -> (u64, u64) {
    (m.dev(), m.ino())
}

impl Pinned {
    /// Opens `env.root`, which must be the directory `Env::open` checked.
    pub(crate) fn open(env: &Env) -> Result<Pinned> {
        use std::os::unix::fs::OpenOptionsExt;
        let dir = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
            .open(&env.root)
            .map_err(|e| Error::io(format!("opening {}", env.root.display()), e))?;
        let m = dir
            .metadata()
            .map_err(|e| Error::io(format!("{}", env.root.display()), e))?;
        let pinned = Pinned {
            dir,
            id: id_of(&m),
            env: env.clone(),
        };
        pinned.still_there()?;
        Ok(pinned)
    }

    pub(crate) fn id(&self) -> (u64, u64) {
        self.id
    }

    /// `rel` inside the directory opened, whatever its path leads to now.
    pub(crate) fn at(&self, rel: impl AsRef<Path>) -> PathBuf {
        PathBuf::from(format!("/proc/self/fd/{}", self.dir.as_raw_fd())).join(rel)
    }

    /// The path perlenv's messages give for `rel`.
    pub(crate) fn show(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.env.root.join(rel)
    }

    /// The path of the opened directory as this process's descriptor, for
    /// programs started while perlenv runs (`/proc/PID/fd/N`).
    pub(crate) fn by_descriptor(&self) -> PathBuf {
        PathBuf::from(format!(
            "/proc/{}/fd/{}",
            std::process::id(),
            self.dir.as_raw_fd()
        ))
    }

    /// Fails (exit 3) when ENV's path no longer leads to the directory
    /// opened: it was moved away, or replaced (by a symlink to elsewhere).
    pub(crate) fn still_there(&self) -> Result<()> {
        let now = std::fs::metadata(&self.env.root).map(|m| id_of(&m));
        if now.as_ref().ok() == Some(&self.id) {
            return Ok(());
        }
        Err(Error::failed(format!(
            "install: {}: no longer the directory this install opened (moved or \
             replaced while installing{}); stopped: everything went into the \
             directory opened, nothing elsewhere",
            self.env.root.display(),
            match std::fs::read_link(&self.env.root) {
                Ok(target) => format!(", now a symlink to {}", target.display()),
                Err(_) => String::new(),
            }
        )))
    }
}
