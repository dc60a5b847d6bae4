//! A file-system entry held by descriptor, never by name. Directories are
//! opened read-only; everything else with `O_PATH`, so FIFOs and devices are
//! never opened for I/O. Operations an `O_PATH` descriptor cannot do
//! directly (xattrs, chmod) go through its `/proc/self/fd/N` magic link,
//! which designates the open file itself and cannot be swapped by a user.
//! The by-name reads at the end (statx, getxattrat, never following a
//! symlink) only ever decide that an entry needs nothing, except in a
//! directory only root can write, whose regular files are changed by name
//! too (nobody else can swap them: [`only_root_writes`]).

use rustix::fs::{AtFlags, Mode, OFlags, Statx, StatxFlags, XattrFlags};
use rustix::process::{Gid, Uid};
use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

pub(crate) struct Node(Handle);

enum Handle {
    /// Open: a directory for reading, anything else with `O_PATH`.
    Open { fd: OwnedFd, o_path: bool },
    /// A regular file of a directory only root can write, reached by its
    /// name (see [`only_root_writes`]): nobody else can put another inode
    /// under that name, so the name is as sure as a descriptor, and
    /// cheaper (no open, close or `/proc/self/fd` lookup).
    Named { dir: Arc<Node>, name: CString },
}

/// What every statx asks for: type, mode, owner, links, device, mount id,
/// and the birth time (which tells a file from one that got its inode
/// number later: `chk restore` compares it).
const STATX_WANTED: StatxFlags = StatxFlags::BASIC_STATS
    .union(StatxFlags::MNT_ID)
    .union(StatxFlags::BTIME);

impl Node {
    fn open(fd: OwnedFd, o_path: bool) -> Node {
        Node(Handle::Open { fd, o_path })
    }

    /// The target root, named by the administrator: followed like any path,
    /// except that its last component must not be a symlink.
    pub(crate) fn open_root(path: &Path) -> io::Result<Node> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::open(path, flags, Mode::empty())?;
        Ok(Node::open(fd, false))
    }

    /// A subdirectory of `parent`; fails with ENOTDIR or ELOOP when `name`
    /// is no longer a directory (replaced by a file or a symlink).
    pub(crate) fn open_dir_at(parent: BorrowedFd<'_>, name: &CStr) -> io::Result<Node> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(parent, name, flags, Mode::empty())?;
        Ok(Node::open(fd, false))
    }

    /// Any entry of `parent`, symlinks included, without opening it for I/O.
    pub(crate) fn open_path_at(parent: BorrowedFd<'_>, name: &CStr) -> io::Result<Node> {
        let flags = OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(parent, name, flags, Mode::empty())?;
        Ok(Node::open(fd, true))
    }

    /// The regular file `name` of `dir`, a directory [`only_root_writes`]
    /// says nobody but root can write, by name.
    pub(crate) fn in_sealed_dir(dir: &Arc<Node>, name: &CStr) -> Node {
        Node(Handle::Named {
            dir: Arc::clone(dir),
            name: name.to_owned(),
        })
    }

    /// A directory held by an `O_PATH` descriptor, opened again for
    /// reading through its `/proc/self/fd/N` magic link (which designates
    /// the open directory itself, whatever its path has become).
    pub(crate) fn reopen_dir(node: &Node) -> io::Result<Node> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let fd = rustix::fs::open(node.proc_path(), flags, Mode::empty())?;
        Ok(Node::open(fd, false))
    }

    /// The descriptor of an open entry: every directory is one.
    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        match &self.0 {
            Handle::Open { fd, .. } => fd.as_fd(),
            Handle::Named { .. } => unreachable!("directories are always open"),
        }
    }

    /// Whether operations need the `/proc/self/fd` magic link (`O_PATH`).
    fn o_path(&self) -> bool {
        matches!(self.0, Handle::Open { o_path: true, .. })
    }

    pub(crate) fn stat(&self) -> io::Result<Statx> {
        match &self.0 {
            Handle::Open { fd, .. } => Ok(rustix::fs::statx(
                fd,
                c"",
                AtFlags::EMPTY_PATH,
                STATX_WANTED,
            )?),
            Handle::Named { dir, name } => stat_by_name(dir.fd(), name),
        }
    }

    fn proc_path(&self) -> String {
        format!("/proc/self/fd/{}", self.fd().as_raw_fd())
    }

    /// The inode generation (`FS_IOC_GETVERSION`): a number the file system
    /// draws anew each time it hands out an inode, for file systems that
    /// record no birth time (ext2/3, ext4 with 128-byte inodes). The ioctl
    /// needs a descriptor open for I/O: a file held by `O_PATH` (or by
    /// name) is opened again, read-only and non-blocking, through its
    /// `/proc/self/fd` link (the open file itself, not its name). `None`
    /// when the file system has no generation either.
    pub(crate) fn generation(&self) -> Option<u64> {
        if let Handle::Named { dir, name } = &self.0 {
            return Node::open_path_at(dir.fd(), name).ok()?.generation();
        }
        let reopened;
        let fd = if self.o_path() {
            let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
            reopened = rustix::fs::open(self.proc_path(), flags, Mode::empty()).ok()?;
            reopened.as_raw_fd()
        } else {
            self.fd().as_raw_fd()
        };
        let mut generation: libc::c_long = 0;
        // SAFETY: FS_IOC_GETVERSION writes one `long` through the pointer,
        // which points to `generation`, alive across the call; `fd` is open.
        let done = unsafe { libc::ioctl(fd, FS_IOC_GETVERSION, &raw mut generation) };
        (done == 0).then_some(generation as u64)
    }

    /// Reads an xattr into `buf`; `Ok(None)` when it does not exist.
    pub(crate) fn get_xattr(&self, name: &CStr, buf: &mut Vec<u8>) -> io::Result<Option<()>> {
        if let Handle::Named { dir, name: entry } = &self.0 {
            return get_xattr_by_name(dir.fd(), entry, name, buf);
        }
        loop {
            let at =
                |dir: BorrowedFd<'_>, link: &CStr| getxattrat(dir, link, 0, name, &mut buf[..]);
            let got = if self.o_path() {
                match via_proc_fd(self.fd(), at) {
                    Some(got) => got,
                    None => rustix::fs::getxattr(self.proc_path(), name, &mut buf[..]),
                }
            } else {
                rustix::fs::fgetxattr(self.fd(), name, &mut buf[..])
            };
            match got {
                Ok(n) => {
                    buf.truncate(n);
                    return Ok(Some(()));
                }
                Err(rustix::io::Errno::NODATA) => return Ok(None),
                Err(rustix::io::Errno::RANGE) => {
                    let size = if self.o_path() {
                        rustix::fs::getxattr_query(self.proc_path(), name)?
                    } else {
                        rustix::fs::fgetxattr_query(self.fd(), name)?
                    };
                    buf.resize(size.max(buf.len() * 2), 0);
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    pub(crate) fn set_xattr(&self, name: &CStr, value: &[u8]) -> io::Result<()> {
        match &self.0 {
            Handle::Named { dir, name: entry } => {
                setxattrat(dir.fd(), entry, libc::AT_SYMLINK_NOFOLLOW, name, value)?;
            }
            Handle::Open { o_path: true, .. } => {
                let at = |dir: BorrowedFd<'_>, link: &CStr| setxattrat(dir, link, 0, name, value);
                match via_proc_fd(self.fd(), at) {
                    Some(done) => done.map(drop)?,
                    None => {
                        rustix::fs::setxattr(self.proc_path(), name, value, XattrFlags::empty())?
                    }
                }
            }
            Handle::Open { fd, .. } => {
                rustix::fs::fsetxattr(fd, name, value, XattrFlags::empty())?;
            }
        }
        Ok(())
    }

    /// Removes an xattr; one that is already gone is no error.
    pub(crate) fn remove_xattr(&self, name: &CStr) -> io::Result<()> {
        let done = match &self.0 {
            Handle::Named { dir, name: entry } => {
                removexattrat(dir.fd(), entry, libc::AT_SYMLINK_NOFOLLOW, name).map(drop)
            }
            Handle::Open { o_path: true, .. } => {
                let at = |dir: BorrowedFd<'_>, link: &CStr| removexattrat(dir, link, 0, name);
                match via_proc_fd(self.fd(), at) {
                    Some(done) => done.map(drop),
                    None => rustix::fs::removexattr(self.proc_path(), name),
                }
            }
            Handle::Open { fd, .. } => rustix::fs::fremovexattr(fd, name),
        };
        match done {
            Ok(()) | Err(rustix::io::Errno::NODATA) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    pub(crate) fn chmod(&self, mode: u32) -> io::Result<()> {
        if let Handle::Named { dir, name } = &self.0 {
            return fchmodat2(dir.fd(), name, mode, libc::AT_SYMLINK_NOFOLLOW);
        }
        if self.o_path() && !NO_FCHMODAT2.load(Relaxed) {
            match fchmodat2(self.fd(), c"", mode, libc::AT_EMPTY_PATH) {
                Err(e) if e.raw_os_error() == Some(libc::ENOSYS) => {
                    NO_FCHMODAT2.store(true, Relaxed)
                }
                done => return done,
            }
        }
        let mode = Mode::from_bits_truncate(mode);
        if self.o_path() {
            rustix::fs::chmod(self.proc_path(), mode)?;
        } else {
            rustix::fs::fchmod(self.fd(), mode)?;
        }
        Ok(())
    }

    /// fchownat(fd, "", AT_EMPTY_PATH) works on O_PATH descriptors too.
    pub(crate) fn chown(&self, uid: Option<u32>, gid: Option<u32>) -> io::Result<()> {
        let (dir, name, flags) = match &self.0 {
            Handle::Named { dir, name } => (dir.fd(), name.as_c_str(), AtFlags::SYMLINK_NOFOLLOW),
            Handle::Open { fd, .. } => (fd.as_fd(), c"", AtFlags::EMPTY_PATH),
        };
        rustix::fs::chownat(
            dir,
            name,
            uid.map(Uid::from_raw),
            gid.map(Gid::from_raw),
            flags,
        )?;
        Ok(())
    }
}

impl Node {
    /// Wraps a descriptor already open on a directory for reading.
    pub(crate) fn from_dir_fd(fd: OwnedFd) -> Node {
        Node::open(fd, false)
    }
}

/// Opens `rel` (relative, `/`-separated) below the directory `root`, one
/// component at a time without following symlinks, as the walker does;
/// for `chk explain` and `chk restore`. The last component may be
/// anything (O_PATH).
pub(crate) fn open_below(root: &Path, rel: &[u8]) -> io::Result<Node> {
    let node = Node::open_root(root)?;
    if rel.split(|&b| b == b'/').all(|p| p.is_empty() || p == b".") {
        return Ok(node);
    }
    open_relative(node.fd(), rel)
}

/// Opens `rel` (relative, `/`-separated, not empty) below the directory
/// `dir`, the same way.
pub(crate) fn open_relative(dir: BorrowedFd<'_>, rel: &[u8]) -> io::Result<Node> {
    let parts: Vec<&[u8]> = rel
        .split(|&b| b == b'/')
        .filter(|p| !p.is_empty() && *p != b".")
        .collect();
    let mut node: Option<Node> = None;
    for (i, part) in parts.iter().enumerate() {
        if *part == b".." {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "`..` in a path below the root",
            ));
        }
        let name = std::ffi::CString::new(*part)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let parent = node.as_ref().map_or(dir, Node::fd);
        node = Some(if i + 1 == parts.len() {
            Node::open_path_at(parent, &name)?
        } else {
            Node::open_dir_at(parent, &name)?
        });
    }
    node.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "empty path"))
}

/// The entry `name` of the directory `dir`, looked at by name without
/// following a symlink: `statx(dir, name, AT_SYMLINK_NOFOLLOW)`. Like
/// [`get_xattr_by_name`], only good for deciding that nothing needs doing.
pub(crate) fn stat_by_name(dir: BorrowedFd<'_>, name: &CStr) -> io::Result<Statx> {
    Ok(rustix::fs::statx(
        dir,
        name,
        AtFlags::SYMLINK_NOFOLLOW,
        STATX_WANTED,
    )?)
}

/// Whether nobody but root can add, remove or rename the entries of the
/// directory `stat` describes: owned by root, no write bit for others nor
/// for the group class (which, when the directory has an ACL, is its
/// mask: no named entry writes either). Its regular files can then be
/// changed by name ([`Node::in_sealed_dir`]), which needs the *xattrat
/// calls (Linux 6.13). The caller also checks the file system
/// ([`names_are_local`]).
pub(crate) fn only_root_writes(stat: &Statx) -> bool {
    stat.stx_uid == 0 && u32::from(stat.stx_mode) & 0o022 == 0 && have_xattrat()
}

/// Whether the file system of `dir` is a local one, where the owner and
/// mode bits statx reports are all that decides who may rename entries
/// (not a network or FUSE file system, whose server answers for itself).
pub(crate) fn names_are_local(dir: BorrowedFd<'_>) -> bool {
    const LOCAL: [libc::__fsword_t; 7] = [
        0xEF53,      // ext2/3/4
        0x5846_5342, // xfs
        0x9123_683E, // btrfs
        0x0102_1994, // tmpfs
        0xF2F5_2010, // f2fs
        0x2FC1_2FC1, // zfs
        0xCA45_1A4E, // bcachefs
    ];
    rustix::fs::fstatfs(dir).is_ok_and(|fs| LOCAL.contains(&fs.f_type))
}

/// Whether the kernel has the *xattrat calls (Linux 6.13): asked once, the
/// answer kept in the flag a call that meets ENOSYS also sets.
fn have_xattrat() -> bool {
    static ASKED: std::sync::Once = std::sync::Once::new();
    ASKED.call_once(|| {
        let got = getxattrat(
            rustix::fs::CWD,
            c"/",
            libc::AT_SYMLINK_NOFOLLOW,
            c"user.chk-probe",
            &mut [],
        );
        if got == Err(rustix::io::Errno::NOSYS) {
            NO_GETXATTRAT.store(true, Relaxed);
        }
    });
    !NO_GETXATTRAT.load(Relaxed)
}

/// Whether `now` (through the entry's descriptor) proves that nothing
/// about the inode changed since `then` (by name): same inode, same ctime
/// (which every chmod, chown and xattr write moves). Trusted only where
/// getxattrat(2) exists, Linux 6.13 and later, whose multigrain timestamps
/// give a change right after a statx a ctime of its own; before that, two
/// changes in one clock tick could share a ctime.
pub(crate) fn unchanged_since(then: &Statx, now: &Statx) -> bool {
    !NO_GETXATTRAT.load(Relaxed)
        && same_inode(then, now)
        && (then.stx_ctime.tv_sec, then.stx_ctime.tv_nsec)
            == (now.stx_ctime.tv_sec, now.stx_ctime.tv_nsec)
        && (then.stx_mode, then.stx_uid, then.stx_gid) == (now.stx_mode, now.stx_uid, now.stx_gid)
}

/// Whether two statx answers are about the same inode: device, inode
/// number and file type.
pub(crate) fn same_inode(a: &Statx, b: &Statx) -> bool {
    let kind = |s: &Statx| u32::from(s.stx_mode) & 0o170000;
    (a.stx_dev_major, a.stx_dev_minor, a.stx_ino, kind(a))
        == (b.stx_dev_major, b.stx_dev_minor, b.stx_ino, kind(b))
}

/// fchmodat2(2), Linux 6.6; the same number on every architecture.
const SYS_FCHMODAT2: libc::c_long = 452;
/// Set once the kernel answered ENOSYS: older than 6.6.
static NO_FCHMODAT2: AtomicBool = AtomicBool::new(false);

/// fchmodat2(2): chmod of `name` in `dir` with `flags`, or of the file an
/// `O_PATH` descriptor holds without the `/proc/self/fd` lookup (`""`,
/// `AT_EMPTY_PATH`).
fn fchmodat2(dir: BorrowedFd<'_>, name: &CStr, mode: u32, flags: libc::c_int) -> io::Result<()> {
    // SAFETY: `name` is a NUL-terminated string that lives across the
    // call; `dir` is an open descriptor borrowed for its duration.
    let done = unsafe {
        libc::syscall(
            SYS_FCHMODAT2,
            dir.as_raw_fd(),
            name.as_ptr(),
            mode & 0o7777,
            flags,
        )
    };
    if done == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// `_IOR('v', 1, long)` of linux/fs.h: direction read (2) in the top two
/// bits, the argument's size, type `v`, number 1.
const FS_IOC_GETVERSION: libc::Ioctl =
    ((2 << 30) | (std::mem::size_of::<libc::c_long>() << 16) | ((b'v' as usize) << 8) | 1)
        as libc::Ioctl;

/// getxattrat(2), Linux 6.13; the same number on every architecture.
const SYS_GETXATTRAT: libc::c_long = 464;
/// Set once the kernel answered ENOSYS: older than 6.13.
static NO_GETXATTRAT: AtomicBool = AtomicBool::new(false);

/// The kernel's `struct xattr_args`.
#[repr(C)]
struct XattrArgs {
    value: u64,
    size: u32,
    flags: u32,
}

/// Reads an xattr of the entry `name` of directory `dir` by name, without
/// following a symlink and without opening it: getxattrat(2), or before
/// Linux 6.13 lgetxattr on `/proc/self/fd/DIR/name` (the magic link is the
/// open directory itself, and the l- variant does not follow `name`). The
/// answer may belong to a file swapped in since the entry was looked at,
/// so it is only good for deciding that nothing needs doing: whatever leads
/// to a change is read again through the entry's own descriptor.
pub(crate) fn get_xattr_by_name(
    dir: BorrowedFd<'_>,
    name: &CStr,
    attr: &CStr,
    buf: &mut Vec<u8>,
) -> io::Result<Option<()>> {
    loop {
        let got = if NO_GETXATTRAT.load(Relaxed) {
            proc_lgetxattr(dir, name, attr, buf)
        } else {
            getxattrat(dir, name, libc::AT_SYMLINK_NOFOLLOW, attr, buf)
        };
        match got {
            Ok(n) => {
                buf.truncate(n);
                return Ok(Some(()));
            }
            Err(rustix::io::Errno::NOSYS) if !NO_GETXATTRAT.load(Relaxed) => {
                NO_GETXATTRAT.store(true, Relaxed);
            }
            Err(rustix::io::Errno::NODATA) => return Ok(None),
            // Too small: grow (ACLs are small; a 64 KiB xattr is the limit).
            Err(rustix::io::Errno::RANGE) if buf.len() < 1 << 16 => {
                buf.resize(buf.len() * 4, 0);
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn getxattrat(
    dir: BorrowedFd<'_>,
    name: &CStr,
    at_flags: libc::c_int,
    attr: &CStr,
    buf: &mut [u8],
) -> rustix::io::Result<usize> {
    let value = buf.as_mut_ptr();
    // SAFETY: `value` points to `buf.len()` writable bytes of `buf`, which
    // outlives the call.
    unsafe { xattrat(SYS_GETXATTRAT, dir, name, at_flags, attr, value, buf.len()) }
}

/// getxattrat(2) or setxattrat(2) (`nr`): both take the value through
/// `struct xattr_args`.
///
/// # Safety
///
/// `value` must point to `len` bytes that stay valid across the call,
/// writable for getxattrat.
unsafe fn xattrat(
    nr: libc::c_long,
    dir: BorrowedFd<'_>,
    name: &CStr,
    at_flags: libc::c_int,
    attr: &CStr,
    value: *mut u8,
    len: usize,
) -> rustix::io::Result<usize> {
    let mut args = XattrArgs {
        value: value as u64,
        size: u32::try_from(len).unwrap_or(u32::MAX),
        flags: 0,
    };
    // SAFETY: both strings are NUL-terminated and live across the call;
    // `args` gives the caller's buffer and its length (valid, as the
    // caller promises) and outlives the call.
    let got = unsafe {
        libc::syscall(
            nr,
            dir.as_raw_fd(),
            name.as_ptr(),
            at_flags,
            attr.as_ptr(),
            &raw mut args,
            std::mem::size_of::<XattrArgs>(),
        )
    };
    syscall_result(got)
}

/// setxattrat(2), Linux 6.13.
const SYS_SETXATTRAT: libc::c_long = 463;
/// removexattrat(2), Linux 6.13.
const SYS_REMOVEXATTRAT: libc::c_long = 466;

fn setxattrat(
    dir: BorrowedFd<'_>,
    name: &CStr,
    at_flags: libc::c_int,
    attr: &CStr,
    value: &[u8],
) -> rustix::io::Result<usize> {
    let ptr = value.as_ptr().cast_mut();
    // SAFETY: `ptr` points to `value.len()` bytes of `value`, which outlives
    // the call; setxattrat only reads through it.
    unsafe { xattrat(SYS_SETXATTRAT, dir, name, at_flags, attr, ptr, value.len()) }
}

fn removexattrat(
    dir: BorrowedFd<'_>,
    name: &CStr,
    at_flags: libc::c_int,
    attr: &CStr,
) -> rustix::io::Result<usize> {
    // SAFETY: both strings are NUL-terminated and live across the call.
    let got = unsafe {
        libc::syscall(
            SYS_REMOVEXATTRAT,
            dir.as_raw_fd(),
            name.as_ptr(),
            at_flags,
            attr.as_ptr(),
        )
    };
    syscall_result(got)
}

fn syscall_result(got: libc::c_long) -> rustix::io::Result<usize> {
    usize::try_from(got).map_err(|_| {
        let errno = io::Error::last_os_error().raw_os_error();
        rustix::io::Errno::from_raw_os_error(errno.unwrap_or(libc::EIO))
    })
}

/// `/proc/self/fd`, opened once, where the *xattrat calls exist (Linux
/// 6.13): the magic link of an `O_PATH` descriptor is then one name looked
/// up below it, not a path of four components and a symlink (the lookup
/// took a quarter of a repair's system time). The link designates the
/// open file itself, as `/proc/self/fd/N` does.
fn proc_fd_dir() -> Option<BorrowedFd<'static>> {
    static DIR: std::sync::OnceLock<Option<OwnedFd>> = std::sync::OnceLock::new();
    if NO_GETXATTRAT.load(Relaxed) {
        return None;
    }
    let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
    DIR.get_or_init(|| rustix::fs::open("/proc/self/fd", flags, Mode::empty()).ok())
        .as_ref()
        .map(|fd| fd.as_fd())
}

/// Runs `at` on the magic link of `fd` below [`proc_fd_dir`]; `None` when
/// the kernel lacks the *xattrat calls (then remembered) or /proc is not
/// there, for the caller to go by the `/proc/self/fd/N` path instead.
fn via_proc_fd<T>(
    fd: BorrowedFd<'_>,
    at: impl FnOnce(BorrowedFd<'_>, &CStr) -> rustix::io::Result<T>,
) -> Option<rustix::io::Result<T>> {
    let dir = proc_fd_dir()?;
    let name = std::ffi::CString::new(fd.as_raw_fd().to_string()).ok()?;
    match at(dir, &name) {
        Err(rustix::io::Errno::NOSYS) => {
            NO_GETXATTRAT.store(true, Relaxed);
            None
        }
        done => Some(done),
    }
}

fn proc_lgetxattr(
    dir: BorrowedFd<'_>,
    name: &CStr,
    attr: &CStr,
    buf: &mut [u8],
) -> rustix::io::Result<usize> {
    use std::os::unix::ffi::OsStrExt;
    let mut path = format!("/proc/self/fd/{}/", dir.as_raw_fd()).into_bytes();
    path.extend_from_slice(name.to_bytes());
    rustix::fs::lgetxattr(std::ffi::OsStr::from_bytes(&path), attr, buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The promise entries are changed by name on: in a directory
    /// [`only_root_writes`] accepts, a real unprivileged account can
    /// rename nothing. Each shape is tried for real by that account.
    #[test]
    fn only_root_writes_accepts_no_directory_another_user_can_rename_in() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let user = testkit::users::User::new(tmp.path());
        let acl = |dir: &Path, text: &str| {
            let done = std::process::Command::new("setfacl")
                .args(["-m", text])
                .arg(dir)
                .status();
            assert!(done.unwrap().success());
        };
        struct Shape {
            name: &'static str,
            mode: u32,
            /// Owned by the user (else root).
            owned: bool,
            /// Its group the user's (else root's).
            group: bool,
            acl: Option<String>,
            sealed: bool,
        }
        let shape = |name, mode, owned, group, acl, sealed| Shape {
            name,
            mode,
            owned,
            group,
            acl,
            sealed,
        };
        let rwx = format!("u:{}:rwx", user.uid);
        let masked = format!("u:{}:rwx,m::r-x", user.uid);
        let shapes = [
            shape("root-0755", 0o755, false, false, None, true),
            shape("root-0700", 0o700, false, false, None, true),
            shape("group-0775", 0o775, false, true, None, false),
            shape("other-0757", 0o757, false, false, None, false),
            shape("sticky-1777", 0o1777, false, false, None, false),
            shape("user-owned", 0o755, true, false, None, false),
            shape("acl-user-rwx", 0o755, false, false, Some(rwx), false),
            shape("acl-masked", 0o755, false, false, Some(masked), true),
        ];
        for Shape {
            name,
            mode,
            owned,
            group,
            acl: entries,
            sealed,
        } in shapes
        {
            let dir = tmp.path().join(name);
            std::fs::create_dir(&dir).unwrap();
            std::fs::write(dir.join("f"), b"x").unwrap();
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode)).unwrap();
            let uid = owned.then_some(user.uid);
            let gid = group.then_some(user.gid);
            std::os::unix::fs::chown(&dir, uid, gid).unwrap();
            if let Some(entries) = entries {
                acl(&dir, &entries);
            }
            let stat = Node::open_root(&dir).unwrap().stat().unwrap();
            assert_eq!(only_root_writes(&stat), sealed, "{name}");
            let renamed = user.sh(&dir, "mv f g").status.success();
            assert!(
                !(sealed && renamed),
                "{name}: renamed in a sealed directory"
            );
            assert!(
                sealed || renamed || name == "sticky-1777",
                "{name}: shape not writable"
            );
        }
    }

    #[test]
    fn open_below_never_follows_symlinks() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("d")).unwrap();
        std::fs::write(tmp.path().join("d/f"), b"x").unwrap();
        std::os::unix::fs::symlink(tmp.path().join("d"), tmp.path().join("link")).unwrap();
        let file = open_below(tmp.path(), b"d/f").unwrap();
        assert_eq!(file.stat().unwrap().stx_size, 1);
        let link = open_below(tmp.path(), b"link").unwrap();
        assert_eq!(
            u32::from(link.stat().unwrap().stx_mode) & 0o170000,
            0o120000
        );
        let err = open_below(tmp.path(), b"link/f").err().unwrap();
        assert_eq!(
            err.raw_os_error(),
            Some(rustix::io::Errno::NOTDIR.raw_os_error())
        );
        assert!(open_below(tmp.path(), b"d/../d").is_err());
    }
}
