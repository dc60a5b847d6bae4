//! The spool directory, opened once and trusted only when it is ours: every
//! file of the spool is reached from its descriptor, never through a
//! symlink, and must be a regular file of ours with one link. A user who
//! can write the directory (or plant a FIFO, a device or a link to
//! `/etc/shadow` in it) could make root read, block on or overwrite what
//! they choose: such a spool is refused and the run goes on without it.

use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A spool directory that only its owner (the user running us) can change.
pub(crate) struct SpoolDir {
    fd: File,
    path: PathBuf,
}

/// The identity of a file: a checkpoint names the spool file it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileId {
    pub(crate) dev: u64,
    pub(crate) ino: u64,
}

fn unsafe_spool(why: String) -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, why)
}

impl SpoolDir {
    /// Opens `path` (creating it 0700 when missing), refusing a symlink and
    /// a directory another user owns or that group or others may write.
    pub(crate) fn open(path: &Path, create: bool) -> io::Result<SpoolDir> {
        if create {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(path)?;
        }
        let fd = rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| match e {
            rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR => {
                unsafe_spool("a symlink or not a directory: refused".into())
            }
            e => e.into(),
        })?;
        let stat = rustix::fs::fstat(&fd)?;
        let me = rustix::process::geteuid().as_raw();
        if stat.st_uid != me {
            return Err(unsafe_spool(format!(
                "owned by uid {}, not by uid {me} running nsca-send: refused (its owner could \
                 swap the spool's files)",
                stat.st_uid
            )));
        }
        if stat.st_mode & 0o022 != 0 {
            return Err(unsafe_spool(format!(
                "mode {:04o} lets group or others write in it: refused",
                stat.st_mode & 0o7777
            )));
        }
        Ok(SpoolDir {
            fd: File::from(fd),
            path: path.to_path_buf(),
        })
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Opens `name` in the directory: never through a symlink, never
    /// blocking on a FIFO; only a regular file of ours with one link is
    /// accepted. `None` when it does not exist and `create` is off.
    pub(crate) fn open_file(&self, name: &str, how: How) -> io::Result<Option<File>> {
        let mut flags = OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        flags |= match how {
            How::Read => OFlags::RDONLY,
            How::Update => OFlags::RDWR | OFlags::CREATE,
            How::Append => OFlags::WRONLY | OFlags::APPEND | OFlags::CREATE,
            How::CreateNew => OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL,
        };
        let fd = match rustix::fs::openat(&self.fd, name, flags, Mode::from_raw_mode(0o600)) {
            Ok(fd) => fd,
            Err(rustix::io::Errno::NOENT) if matches!(how, How::Read) => return Ok(None),
            Err(rustix::io::Errno::LOOP) => {
                return Err(unsafe_spool("a symlink: refused".into()));
            }
            Err(e) => return Err(e.into()),
        };
        let stat = rustix::fs::fstat(&fd)?;
        if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile {
            return Err(unsafe_spool("not a regular file: refused".into()));
        }
        if stat.st_uid != rustix::process::geteuid().as_raw() || stat.st_nlink != 1 {
            return Err(unsafe_spool(
                "another user's file, or a hard link: refused".into(),
            ));
        }
        // Back to blocking writes (NONBLOCK only guarded the open).
        rustix::fs::fcntl_setfl(&fd, rustix::fs::fcntl_getfl(&fd)? - OFlags::NONBLOCK)?;
        Ok(Some(File::from(fd)))
    }

    /// Reads `name` whole, or `None` when it does not exist; gives up with
    /// `TimedOut` at `deadline`.
    pub(crate) fn read(
        &self,
        name: &str,
        deadline: Instant,
    ) -> io::Result<Option<(Vec<u8>, File)>> {
        let Some(mut file) = self.open_file(name, How::Read)? else {
            return Ok(None);
        };
        let mut bytes = Vec::new();
        let mut chunk = vec![0u8; 1 << 16];
        loop {
            if Instant::now() > deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "reading took longer than the timeout",
                ));
            }
            match file.read(&mut chunk) {
                Ok(0) => return Ok(Some((bytes, file))),
                Ok(n) => bytes.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Writes `bytes` to a new file `name`, replacing whatever is at `into`
    /// only once all of it is on disk; a failed write leaves `into` as it was.
    pub(crate) fn replace(&self, name: &str, into: &str, bytes: &[u8]) -> io::Result<()> {
        self.remove(name)?;
        let written = self
            .open_file(name, How::CreateNew)
            .and_then(|file| {
                let mut file = file.expect("created");
                file.write_all(bytes)?;
                file.sync_all()
            })
            .and_then(|()| {
                rustix::fs::renameat(&self.fd, name, &self.fd, into).map_err(Into::into)
            });
        if written.is_err() {
            let _ = self.remove(name);
        }
        written?;
        self.sync()
    }

    /// The names in the directory.
    pub(crate) fn names(&self) -> io::Result<Vec<String>> {
        let mut dir = rustix::fs::Dir::read_from(&self.fd)?;
        let mut names = Vec::new();
        while let Some(entry) = dir.read() {
            let entry = entry?;
            if let Ok(name) = entry.file_name().to_str() {
                names.push(name.to_string());
            }
        }
        Ok(names)
    }

    /// Removes `name`; one that is not there is no error.
    pub(crate) fn remove(&self, name: &str) -> io::Result<()> {
        match rustix::fs::unlinkat(&self.fd, name, AtFlags::empty()) {
            Ok(()) | Err(rustix::io::Errno::NOENT) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Makes the directory's entries survive a crash.
    pub(crate) fn sync(&self) -> io::Result<()> {
        self.fd.sync_all()
    }
}

/// How [`SpoolDir::open_file`] opens.
#[derive(Clone, Copy)]
pub(crate) enum How {
    Read,
    /// Read and write, created when missing (the lock, the state).
    Update,
    Append,
    CreateNew,
}

pub(crate) fn file_id(file: &File) -> io::Result<FileId> {
    let stat = rustix::fs::fstat(file)?;
    Ok(FileId {
        dev: stat.st_dev,
        ino: stat.st_ino,
    })
}
