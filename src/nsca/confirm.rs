//! The daemon's close of the last connection, confirmed after the run.
//!
//! NSCA 2 has no acknowledgement: only the daemon's clean close proves it
//! read every packet. Debian's forking (`--daemon`) and inetd daemons read
//! right after sending their IV, find nothing, and sleep a second before
//! reading the packet, so waiting for that close made one result per call
//! a second slower than send_nsca, which never waits.
//!
//! With a spool, the run hands its connections to a confirming process and
//! exits. That process waits for each close (up to the timeout); when one
//! does not come cleanly, it runs `nsca-send --put-back`, which puts those
//! results back into the spool for the next run. Delivery stays at least
//! once; only a crash of the machine during that second can lose them.
//!
//! The confirming process shares the run's memory (`clone(CLONE_VM)`), so
//! starting it copies nothing: a fork write-protects every page of the run
//! and cost 0.4 ms of a 8 ms one-result call on a virtual machine, and the
//! run's memory is then freed by that process, after the run has exited.
//! Sharing memory with a run that goes on, it only reads what the run left
//! it and makes raw system calls (rustix's, which keep no libc state): no
//! allocation, no lock. Everything it needs, the run prepares first:
//!
//! - the sockets, and /dev/null for its standard descriptors;
//! - a memory file ([`Handover`]) holding the results of every connection
//!   and where their spool is, with one verdict byte per connection that
//!   the confirming process fills in;
//! - the `execve` arguments that start `--put-back` on that file.

use super::packet::Format;
use super::spool::{self, OpenOptionsSpool, Spool, Spooled};
use super::types::Closing;
use std::ffi::{CString, c_void};
use std::io::{self, Read, Seek, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A connection to confirm, and what to spool again if it does not close.
pub(crate) struct Pending {
    pub(crate) server: String,
    pub(crate) closing: Closing,
    pub(crate) results: Vec<Spooled>,
}

/// Confirms `pending` in a process of its own that outlives the run (or
/// here, when it cannot be started).
pub(crate) fn in_background(
    pending: Vec<Pending>,
    dir: &Path,
    port: u16,
    options: &OpenOptionsSpool,
) {
    if pending.is_empty() {
        return;
    }
    match Job::prepare(&pending, dir, port, options.lock_wait) {
        Ok(job) => match job.start() {
            Ok(pid) => {
                log::info!(
                    "the daemon's close is confirmed in the background (pid {pid}); \
                     results it did not take go back to the spool"
                );
                return;
            }
            Err(e) => log::info!("cannot start the confirming process: {e}"),
        },
        Err(e) => log::info!("cannot prepare the confirming process: {e}"),
    }
    confirm_here(pending, dir, port, options);
}

/// Waits for each close in this process; puts back what did not close.
fn confirm_here(pending: Vec<Pending>, dir: &Path, port: u16, options: &OpenOptionsSpool) {
    for Pending {
        server,
        closing,
        results,
    } in pending
    {
        if closing.confirm(options.lock_wait).is_err() {
            put_back(dir, &server, port, options, results);
        }
    }
}

/// Appends `results` to the spool of `server`, after what waits there.
fn put_back(
    dir: &Path,
    server: &str,
    port: u16,
    options: &OpenOptionsSpool,
    results: Vec<Spooled>,
) {
    if let Ok(mut spool) = Spool::open(dir, server, port, options) {
        let mut queue = spool.pending.clone();
        queue.extend(results);
        let _ = spool.keep(0, &queue);
    }
}

/// The verdict bytes of the hand-over file, one per connection.
const UNDECIDED: u8 = b'?';
const NOT_CLOSED: u8 = b'!';
const CLOSED: u8 = b'.';

/// What the confirming process reads; prepared, then never touched by the
/// run again (it is leaked: the process may outlive every owner).
struct Job {
    sockets: Vec<RawFd>,
    /// SO_RCVTIMEO for each socket: the longest wait for its close.
    timeout: Duration,
    null: RawFd,
    handover: RawFd,
    program: CString,
    /// NULL-terminated, pointing into `strings`.
    argv: Vec<*const libc::c_char>,
    envp: [*const libc::c_char; 1],
    _strings: Vec<CString>,
    stack: *mut c_void,
}

const STACK: usize = 64 * 1024;

impl Job {
    fn prepare(
        pending: &[Pending],
        dir: &Path,
        port: u16,
        timeout: Duration,
    ) -> io::Result<&'static Job> {
        let program = CString::new("/proc/self/exe")?;
        if !Path::new("/proc/self/exe").exists() {
            return Err(io::Error::other("/proc is not mounted"));
        }
        let handover = Handover::write(pending, dir, port, timeout)?;
        let null = OwnedFd::from(
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/null")?,
        );
        let strings = vec![
            CString::new("nsca-send")?,
            CString::new("--put-back")?,
            CString::new(handover.as_raw_fd().to_string())?,
        ];
        let mut argv: Vec<*const libc::c_char> = strings.iter().map(|s| s.as_ptr()).collect();
        argv.push(std::ptr::null());
        // SAFETY: an anonymous private mapping, never unmapped: the stack of
        // a process that may outlive this one's every object.
        let stack = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                STACK,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
                -1,
                0,
            )
        };
        if stack == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let job = Job {
            sockets: pending
                .iter()
                .map(|p| p.closing.stream.as_raw_fd())
                .collect(),
            timeout,
            null: into_leaked_fd(null),
            handover: into_leaked_fd(handover),
            program,
            argv,
            envp: [std::ptr::null()],
            _strings: strings,
            stack,
        };
        Ok(Box::leak(Box::new(job)))
    }

    /// Starts the confirming process; its pid.
    fn start(&'static self) -> io::Result<i32> {
        // SAFETY: the child shares our memory but runs only `confirm_child`,
        // on its own stack, reading the leaked `Job` that nothing writes
        // again, and making raw system calls (rustix's linux_raw backend:
        // no errno, no allocation, no lock). It shares no descriptor table
        // (no CLONE_FILES), no signal handlers (no CLONE_SIGHAND), and is
        // not a thread of ours (no CLONE_THREAD): our exit leaves it alone.
        let pid = unsafe {
            libc::clone(
                confirm_child,
                self.stack.cast::<u8>().add(STACK).cast(),
                libc::CLONE_VM | libc::SIGCHLD,
                std::ptr::from_ref(self).cast_mut().cast(),
            )
        };
        match pid {
            -1 => Err(io::Error::last_os_error()),
            pid => Ok(pid),
        }
    }
}

fn into_leaked_fd(fd: impl Into<OwnedFd>) -> RawFd {
    std::os::fd::IntoRawFd::into_raw_fd(fd.into())
}

/// The confirming process. Raw system calls only (see [`Job::start`]).
extern "C" fn confirm_child(job: *mut c_void) -> i32 {
    // SAFETY: `Job::start` passes a leaked `&'static Job`.
    let job = unsafe { &*job.cast::<Job>() };
    let _ = rustix::process::setsid();
    // SAFETY: the descriptors are ours (our own table, copied at clone);
    // no object of this process owns them.
    let borrow = |fd: RawFd| unsafe { rustix::fd::BorrowedFd::borrow_raw(fd) };
    let null = borrow(job.null);
    let _ = rustix::stdio::dup2_stdin(null);
    let _ = rustix::stdio::dup2_stdout(null);
    let _ = rustix::stdio::dup2_stderr(null);
    let mut any_failed = false;
    for (index, &socket) in job.sockets.iter().enumerate() {
        let closed = wait_for_close(borrow(socket), job.timeout);
        any_failed |= !closed;
        let verdict = if closed { CLOSED } else { NOT_CLOSED };
        let _ = rustix::io::pwrite(
            borrow(job.handover),
            &[verdict],
            Handover::verdict_offset(index),
        );
    }
    if any_failed {
        // SAFETY: the arguments are NUL-terminated strings and NULL-
        // terminated arrays the run prepared and leaked. On success this
        // process is a new nsca-send. Only a failed execve touches libc
        // state (errno, of the run's thread, which has exited by then or
        // no longer reads it); this process then just exits.
        unsafe {
            libc::execve(job.program.as_ptr(), job.argv.as_ptr(), job.envp.as_ptr());
        }
    }
    0
}

/// Whether the daemon closed `socket` cleanly within `timeout`.
fn wait_for_close(socket: rustix::fd::BorrowedFd<'_>, timeout: Duration) -> bool {
    use rustix::net::sockopt::{Timeout, set_socket_timeout};
    if set_socket_timeout(socket, Timeout::Recv, Some(timeout)).is_err() {
        return false;
    }
    let mut scratch = [0u8; 512];
    loop {
        match rustix::net::recv(socket, &mut scratch, rustix::net::RecvFlags::empty()) {
            Ok((0, _)) => return true,
            Ok(_) | Err(rustix::io::Errno::INTR) => continue,
            Err(_) => return false,
        }
    }
}

/// The hand-over file: a memory file the run writes and the confirming
/// process marks, read back by `--put-back`:
///
/// `COUNT` (u32), `COUNT` verdict bytes, the spool directory, the port
/// (u16), the lock wait in milliseconds (u64), then per connection its
/// server and its results as spool records. Numbers are little-endian;
/// byte strings are a u32 length and the bytes.
struct Handover;

impl Handover {
    fn verdict_offset(index: usize) -> u64 {
        4 + index as u64
    }

    fn write(pending: &[Pending], dir: &Path, port: u16, timeout: Duration) -> io::Result<OwnedFd> {
        let fd = rustix::fs::memfd_create("nsca-send-handover", rustix::fs::MemfdFlags::empty())?;
        let mut bytes = Vec::new();
        bytes.extend((pending.len() as u32).to_le_bytes());
        bytes.extend(std::iter::repeat_n(UNDECIDED, pending.len()));
        put_bytes(&mut bytes, dir.as_os_str().as_encoded_bytes());
        bytes.extend(port.to_le_bytes());
        bytes.extend((timeout.as_millis() as u64).to_le_bytes());
        for item in pending {
            put_bytes(&mut bytes, item.server.as_bytes());
            put_bytes(&mut bytes, &spool::to_records(&item.results));
        }
        let mut file = std::fs::File::from(fd);
        file.write_all(&bytes)?;
        Ok(file.into())
    }
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend((bytes.len() as u32).to_le_bytes());
    out.extend(bytes);
}

/// Reads the hand-over file.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> io::Result<&'a [u8]> {
        if self.0.len() < n {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "cut short"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn number<const N: usize>(&mut self) -> io::Result<[u8; N]> {
        Ok(self.take(N)?.try_into().expect("N bytes"))
    }

    fn bytes(&mut self) -> io::Result<&'a [u8]> {
        let n = u32::from_le_bytes(self.number()?) as usize;
        self.take(n)
    }
}

/// `nsca-send --put-back FD`, run by the confirming process: puts the
/// results of the connections it saw not close back into their spool.
pub(crate) fn put_back_from(fd: RawFd) -> io::Result<()> {
    // SAFETY: fcntl(2) F_GETFD only asks whether the descriptor is open.
    if unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1 {
        let err = io::Error::last_os_error();
        return Err(io::Error::new(err.kind(), format!("{fd}: {err}")));
    }
    // SAFETY: an open descriptor, given to this process for this purpose
    // (the confirming process kept it open across execve).
    let mut file = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(fd) });
    file.rewind()?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let mut reader = Reader(&bytes);
    let count = u32::from_le_bytes(reader.number()?) as usize;
    let verdicts = reader.take(count)?;
    let dir = PathBuf::from(std::ffi::OsStr::from_bytes(reader.bytes()?));
    let port = u16::from_le_bytes(reader.number()?);
    let lock_wait = Duration::from_millis(u64::from_le_bytes(reader.number()?));
    let options = OpenOptionsSpool {
        lock_wait,
        max_age: None,
        format: Format::V3,
    };
    for &verdict in verdicts {
        let server = String::from_utf8_lossy(reader.bytes()?).into_owned();
        let results = spool::from_records(reader.bytes()?);
        if verdict != CLOSED {
            put_back(&dir, &server, port, &options, results);
        }
    }
    Ok(())
}
