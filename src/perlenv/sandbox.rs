//! Build steps that cannot write outside ENV and their own work directory.
//!
//! Each step (configure, build, test, install, or a whole cpanm run) starts
//! in a private mount namespace where every mount is read-only except two
//! bind mounts: the work directory, and ENV mounted inside it at the path
//! the builds are given. A write anywhere else fails in the build itself
//! with EROFS, whatever other programs do in the system's directories
//! meanwhile. ENV is bound from a directory opened inside the new
//! namespace and checked to be the very directory (device and inode) the
//! install opened: a path swapped for a symlink in between is refused,
//! never followed.
//!
//! As root the namespace is a plain mount namespace; as a user, a user
//! namespace owning a mount namespace, where the kernel allows it. Without
//! either (a container without the capability, user namespaces switched
//! off), the install falls back to comparing the system's directories
//! before and after ([`super::guard`]).

use crate::common::{Error, Result};
use std::ffi::CString;
use std::io;
use std::os::fd::RawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

/// How the build steps are kept from writing outside ENV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A private mount namespace (root).
    Namespace,
    /// A user namespace with its own mount namespace (a user, when allowed).
    UserNamespace,
    /// Neither is possible: the builds run as they are, and the system's
    /// directories are compared before and after.
    Compare,
}

impl Mode {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Mode::Namespace => "a private mount namespace, all read-only but ENV and the build",
            Mode::UserNamespace => {
                "a user and mount namespace, all read-only but ENV and the build"
            }
            Mode::Compare => "no namespace available: outside directories compared afterwards",
        }
    }
}

/// What the child needs to set its namespace up, prepared beforehand: the
/// code between fork and exec must not allocate.
#[derive(Debug, Clone)]
struct Plan {
    mode: Mode,
    /// The work directory (its real path) and its identity.
    work: CString,
    work_id: (u64, u64),
    /// ENV's real path, the directory the install opened, and where the
    /// builds see it (a directory inside the work directory).
    env: CString,
    env_id: (u64, u64),
    env_mount: CString,
    uid_map: Vec<u8>,
    gid_map: Vec<u8>,
}

/// The build steps' sandbox for one install.
#[derive(Debug, Clone)]
pub(crate) struct Sandbox {
    plan: Arc<Plan>,
}

fn c_path(path: &Path) -> Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| Error::usage(format!("{}: a path with a NUL byte", path.display())))
}

fn identity(path: &Path) -> Result<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).map_err(|e| Error::io(format!("{}", path.display()), e))?;
    Ok((m.dev(), m.ino()))
}

impl Sandbox {
    /// The strongest mode this system allows, tried for real with `true`:
    /// `env` is ENV's real path (whose identity is `env_id`), `work` the
    /// work directory and `env_mount` the directory in it where the builds
    /// see ENV. With `allowed` false: [`Mode::Compare`], whatever the
    /// system allows (`install --no-sandbox`).
    pub(crate) fn new(
        env: &Path,
        env_id: (u64, u64),
        work: &Path,
        env_mount: &Path,
        allowed: bool,
    ) -> Result<Sandbox> {
        let uid = rustix::process::geteuid().as_raw();
        let gid = rustix::process::getegid().as_raw();
        let modes: &[Mode] = match (allowed, uid) {
            (false, _) => &[],
            (true, 0) => &[Mode::Namespace, Mode::UserNamespace],
            (true, _) => &[Mode::UserNamespace],
        };
        let mut plan = Plan {
            mode: Mode::Compare,
            work: c_path(work)?,
            work_id: identity(work)?,
            env: c_path(env)?,
            env_id,
            env_mount: c_path(env_mount)?,
            uid_map: format!("{uid} {uid} 1\n").into_bytes(),
            gid_map: format!("{gid} {gid} 1\n").into_bytes(),
        };
        for &mode in modes {
            plan.mode = mode;
            let sandbox = Sandbox {
                plan: Arc::new(plan.clone()),
            };
            let works = sandbox
                .command("true")
                .stdin(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if works {
                return Ok(sandbox);
            }
            log::debug!("sandbox: {mode:?} is not available here");
        }
        plan.mode = Mode::Compare;
        Ok(Sandbox {
            plan: Arc::new(plan),
        })
    }

    pub(crate) fn mode(&self) -> Mode {
        self.plan.mode
    }

    /// `program` to be started inside the sandbox.
    pub(crate) fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        if self.plan.mode != Mode::Compare {
            let plan = Arc::clone(&self.plan);
            // SAFETY: `enter` runs in the forked child before exec and only
            // makes system calls on data prepared beforehand (no allocation,
            // no lock), which is what pre_exec requires.
            unsafe {
                cmd.pre_exec(move || enter(&plan));
            }
        }
        cmd
    }
}

/// `-1` from a system call as the error it set.
fn check(ret: libc::c_long) -> io::Result<libc::c_long> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// Writes all of `data` to the file `path` (a /proc file of this process).
fn write_proc(path: &std::ffi::CStr, data: &[u8]) -> io::Result<()> {
    // SAFETY: open, write and close on a valid C string and buffer.
    unsafe {
        let fd =
            check(libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC).into())? as RawFd;
        let written = libc::write(fd, data.as_ptr().cast(), data.len());
        libc::close(fd);
        if written < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Opens the directory `path` and checks it is the one with identity `id`.
fn open_same(path: &std::ffi::CStr, id: (u64, u64)) -> io::Result<RawFd> {
    // SAFETY: open and fstat on a valid C string and a zeroed stat buffer.
    unsafe {
        let fd = check(
            libc::open(
                path.as_ptr(),
                libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
            )
            .into(),
        )? as RawFd;
        let mut st: libc::stat = std::mem::zeroed();
        if libc::fstat(fd, &mut st) < 0 || (st.st_dev, st.st_ino) != id {
            libc::close(fd);
            // Not the directory the install opened: the caller says which.
            return Err(io::Error::from_raw_os_error(libc::ESTALE));
        }
        Ok(fd)
    }
}

/// Mounts the directory open as `fd` (in this namespace) on `target`.
fn bind(fd: RawFd, target: &std::ffi::CStr) -> io::Result<()> {
    let empty = c"";
    // SAFETY: open_tree and move_mount with valid C strings; the tree's
    // descriptor is closed on both paths.
    unsafe {
        let tree = check(libc::syscall(
            libc::SYS_open_tree,
            fd,
            empty.as_ptr(),
            libc::OPEN_TREE_CLONE | libc::OPEN_TREE_CLOEXEC | libc::AT_EMPTY_PATH as libc::c_uint,
        ))? as RawFd;
        let moved = check(libc::syscall(
            libc::SYS_move_mount,
            tree,
            empty.as_ptr(),
            libc::AT_FDCWD,
            target.as_ptr(),
            libc::MOVE_MOUNT_F_EMPTY_PATH,
        ));
        libc::close(tree);
        moved.map(drop)
    }
}

/// Sets (`set`) or clears the read-only flag of every mount at and below `path`.
fn read_only(path: &std::ffi::CStr, set: bool) -> io::Result<()> {
    let mut attr: libc::mount_attr = libc::mount_attr {
        attr_set: 0,
        attr_clr: 0,
        propagation: 0,
        userns_fd: 0,
    };
    if set {
        attr.attr_set = libc::MOUNT_ATTR_RDONLY;
    } else {
        attr.attr_clr = libc::MOUNT_ATTR_RDONLY;
    }
    // SAFETY: mount_setattr with a valid C string and a mount_attr of the
    // size passed.
    unsafe {
        check(libc::syscall(
            libc::SYS_mount_setattr,
            libc::AT_FDCWD,
            path.as_ptr(),
            libc::AT_RECURSIVE,
            &attr as *const libc::mount_attr,
            std::mem::size_of::<libc::mount_attr>(),
        ))?;
    }
    Ok(())
}

/// In the child, before exec: a new mount namespace (and user namespace)
/// where everything is read-only but the work directory and ENV.
fn enter(plan: &Plan) -> io::Result<()> {
    // SAFETY: unshare and mount with constant flags and valid C strings.
    unsafe {
        if plan.mode == Mode::UserNamespace {
            check(libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNS).into())?;
            write_proc(c"/proc/self/uid_map", &plan.uid_map)?;
            write_proc(c"/proc/self/setgroups", b"deny")?;
            write_proc(c"/proc/self/gid_map", &plan.gid_map)?;
        } else {
            check(libc::unshare(libc::CLONE_NEWNS).into())?;
        }
        // Nothing mounted here propagates back to the system.
        check(
            libc::mount(
                std::ptr::null(),
                c"/".as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            )
            .into(),
        )?;
    }
    let work = open_same(&plan.work, plan.work_id)?;
    let bound = bind(work, &plan.work);
    // SAFETY: closing a descriptor this function opened.
    unsafe { libc::close(work) };
    bound?;
    let env = open_same(&plan.env, plan.env_id)?;
    let bound = bind(env, &plan.env_mount);
    // SAFETY: as above.
    unsafe { libc::close(env) };
    bound?;
    read_only(c"/", true)?;
    read_only(&plan.work, false)?;
    // std changed to the command's directory before this ran: that
    // directory is still the one under the new mounts. Entering it again
    // by its path reaches it through them (a build directory is writable).
    let mut cwd = [0u8; libc::PATH_MAX as usize];
    // SAFETY: getcwd into a buffer of the size passed; chdir to the
    // NUL-terminated path it wrote.
    unsafe {
        if !libc::getcwd(cwd.as_mut_ptr().cast(), cwd.len()).is_null() {
            check(libc::chdir(cwd.as_ptr().cast()).into())?;
        }
    }
    Ok(())
}

/// The first line of a build's output that says it was refused a write
/// (EROFS): the path it tried, in its own words.
pub(crate) fn refused_write(log: &[u8]) -> Option<String> {
    String::from_utf8_lossy(log)
        .lines()
        .find(|l| l.contains("Read-only file system"))
        .map(|l| l.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refused_write_is_found_in_the_log() {
        let log = b"Checking\nCan't open /usr/local/share/perl/5.36.0/Evil.pm: Read-only file system at Makefile.PL line 1.\nmore";
        assert_eq!(
            refused_write(log).as_deref(),
            Some(
                "Can't open /usr/local/share/perl/5.36.0/Evil.pm: Read-only file system at Makefile.PL line 1."
            )
        );
        assert_eq!(refused_write(b"all fine"), None);
    }
}
