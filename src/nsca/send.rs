//! The TCP side: every resolved address in turn, a timeout on each step,
//! one write per packet with TCP_NODELAY, and a clean close as the only sign
//! that the daemon took the packets.

use super::crypto::{Encryptor, Method};
use super::packet::{self, CheckResult, Filler, FillerRng, Format, INIT_PACKET_SIZE, Init};
pub use super::types::{Closing, Delivery, SendError, Step};
use std::io::{self, Read};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Where and how to send.
pub struct Target<'a> {
    pub server: &'a str,
    pub port: u16,
    /// Bounds each step (connect, init read, each write, the close), not the run.
    pub timeout: Duration,
    pub method: Method,
    pub password: &'a [u8],
    pub format: Format,
    /// A connection to this server opened ahead, taken by the first open.
    pub ahead: Option<&'a Ahead>,
}

/// A connection opened before the run's other work (reading its spool),
/// whose init packet is read only when the first delivery to its server
/// takes it: an inetd or forking daemon takes milliseconds to start and
/// send it, and the run does that work meanwhile.
#[derive(Default)]
pub struct Ahead(std::cell::Cell<Option<(String, u16, SocketAddr, TcpStream)>>);

impl Ahead {
    /// Connects to the first address of `server` that accepts; on any
    /// failure keeps nothing (the delivery then connects as usual, and
    /// says why it cannot).
    pub fn open(&self, server: &str, port: u16, timeout: Duration) {
        let Ok(mut addrs) = (server, port).to_socket_addrs() else {
            return;
        };
        let connected = addrs.find_map(|peer| Some((peer, connect(peer, timeout).ok()?)));
        if let Some((peer, stream)) = connected {
            self.0.set(Some((server.to_string(), port, peer, stream)));
        }
    }

    /// Closes the connection opened ahead, if any (after a long wait for
    /// another run's spool lock the daemon may have given up on it); tells
    /// whether there was one.
    pub fn forget(&self) -> bool {
        self.0.take().is_some()
    }

    fn take(&self, server: &str, port: u16) -> Option<(SocketAddr, TcpStream)> {
        match self.0.take() {
            Some((s, p, peer, stream)) if s == server && p == port => Some((peer, stream)),
            other => {
                self.0.set(other);
                None
            }
        }
    }
}

/// A TCP connection to `peer` whose connect, reads and writes each end
/// after `timeout`, sending each write at once.
fn connect(peer: SocketAddr, timeout: Duration) -> Result<TcpStream, SendError> {
    let fail = |step| move |source| SendError::Connection { peer, step, source };
    let stream = TcpStream::connect_timeout(&peer, timeout).map_err(fail(Step::Connecting))?;
    super::net::set_up(&stream, timeout).map_err(fail(Step::SettingUp))?;
    Ok(stream)
}

/// One open connection whose init packet has been read.
pub struct Session {
    stream: TcpStream,
    /// Bytes written so far, to know how much the daemon has not taken yet.
    written: u64,
    /// Of those, the bytes the server's TCP acknowledged.
    acked: u64,
    peer: SocketAddr,
    init: Init,
    encryptor: Encryptor,
    format: Format,
    rng: FillerRng,
}

impl Target<'_> {
    fn name(&self) -> String {
        format!("{}:{}", self.server, self.port)
    }

    /// Connects to the first address of the server that answers with an
    /// init packet.
    pub fn open(&self) -> Result<Session, SendError> {
        if let Some((peer, stream)) = self.ahead.and_then(|a| a.take(self.server, self.port)) {
            return self.start(peer, stream);
        }
        let addrs: Vec<SocketAddr> = (self.server, self.port)
            .to_socket_addrs()
            .map_err(|source| SendError::Resolve {
                server: self.server.to_string(),
                source,
            })?
            .collect();
        self.open_any(&addrs)
    }

    /// Tries `addrs` in turn (IPv6 and IPv4 alike) until one gives an init packet.
    pub fn open_any(&self, addrs: &[SocketAddr]) -> Result<Session, SendError> {
        let mut attempts = Vec::new();
        for addr in addrs {
            match self.open_addr(*addr) {
                Ok(session) => return Ok(session),
                Err(err) => {
                    log::info!("{err}");
                    attempts.push(err);
                }
            }
        }
        if attempts.is_empty() {
            return Err(SendError::NoAddress {
                server: self.server.to_string(),
            });
        }
        Err(SendError::Unreachable {
            target: self.name(),
            attempts,
        })
    }

    fn open_addr(&self, peer: SocketAddr) -> Result<Session, SendError> {
        self.start(peer, connect(peer, self.timeout)?)
    }

    /// A session on `stream`, once the daemon's init packet is read.
    fn start(&self, peer: SocketAddr, stream: TcpStream) -> Result<Session, SendError> {
        let fail = |step| move |source| SendError::Connection { peer, step, source };
        let mut init = [0u8; INIT_PACKET_SIZE];
        (&stream)
            .read_exact(&mut init)
            .map_err(fail(Step::ReadingInit))?;
        let init = Init::parse(&init);
        log::debug!("{peer}: server time {}", init.timestamp);
        Ok(Session {
            encryptor: Encryptor::new(self.method, self.password, &init.iv),
            stream,
            written: 0,
            acked: 0,
            peer,
            init,
            format: self.format,
            rng: FillerRng::new(),
        })
    }
}

impl Session {
    /// Encrypts one result and writes it in a single call, so the daemon
    /// never sees half a packet (it sleeps a second when it does).
    pub fn send(&mut self, result: &CheckResult) -> Result<(), SendError> {
        let bytes = self.encode(result);
        self.write_packet(&bytes)
    }

    /// The next encrypted packet of this connection (the cipher stream
    /// advances: packets must be written in the order they were encoded).
    pub fn encode(&mut self, result: &CheckResult) -> Vec<u8> {
        let mut bytes = packet::build(
            self.format,
            result,
            self.init.timestamp,
            Filler::Random(&mut self.rng),
        );
        self.encryptor.encrypt_packet(&mut bytes);
        bytes
    }

    fn fail(&self, step: Step) -> impl Fn(io::Error) -> SendError + use<> {
        let peer = self.peer;
        move |source| SendError::Connection { peer, step, source }
    }

    pub fn write_packet(&mut self, bytes: &[u8]) -> Result<(), SendError> {
        send_record(&self.stream, bytes).map_err(self.fail(Step::Writing))?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// Bytes of this connection the server's TCP has acknowledged (its
    /// kernel has them; the daemon may not have read them yet).
    pub fn acknowledged_bytes(&mut self) -> u64 {
        if let Some(info) = tcp_info(&self.stream) {
            self.note_acked(&info);
        }
        self.acked
    }

    fn note_acked(&mut self, info: &libc::tcp_info) {
        // bytes_acked also counts the SYN.
        self.acked = self
            .acked
            .max(info.tcpi_bytes_acked.saturating_sub(1).min(self.written));
    }

    /// Ends the connection and waits at most `wait` for the daemon to close
    /// its side; when it has not by then, gives the connection back to be
    /// confirmed later.
    fn close_within(
        &mut self,
        wait: Duration,
        results: usize,
    ) -> Result<Option<Closing>, SendError> {
        self.stream
            .shutdown(Shutdown::Write)
            .map_err(self.fail(Step::Closing))?;
        let deadline = std::time::Instant::now() + wait.min(self.close_moment());
        let mut scratch = [0u8; 512];
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if !readable_within(&self.stream, left).map_err(self.fail(Step::Closing))? {
                let stream = self.stream.try_clone().map_err(self.fail(Step::Closing))?;
                return Ok(Some(Closing {
                    stream,
                    peer: self.peer,
                    results,
                }));
            }
            match self.stream.read(&mut scratch) {
                Ok(0) => return Ok(None),
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.fail(Step::Closing)(e)),
            }
        }
    }

    /// How long a daemon that reads at once (`--single`) takes to close after
    /// our end: the packets' and the close's trips, and its work on them
    /// (about 0.1 ms on 127.0.0.1; a millisecond leaves room for a busy
    /// machine). A forking or inetd daemon sleeps a second first: waiting
    /// longer would only delay us.
    fn close_moment(&self) -> Duration {
        let round_trip = tcp_info(&self.stream).map_or(Duration::from_millis(1), |info| {
            Duration::from_micros(info.tcpi_rtt.into())
        });
        2 * round_trip + Duration::from_millis(1)
    }

    /// Ends the connection and waits for the daemon to close its side: only
    /// then have all packets been read.
    pub fn close(&mut self) -> Result<(), SendError> {
        self.stream
            .shutdown(Shutdown::Write)
            .map_err(self.fail(Step::Closing))?;
        let mut scratch = [0u8; 512];
        loop {
            match self.stream.read(&mut scratch) {
                Ok(0) => return Ok(()),
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.fail(Step::Closing)(e)),
            }
        }
    }
}

/// Writes one packet as one TCP record (MSG_EOR), blocking until the
/// kernel has taken all of it.
///
/// The daemon sleeps a whole second when it finds part of a packet in its
/// socket (`--single`), and its forking child sleeps a second whenever its
/// socket is empty (`--daemon`). MSG_EOR keeps the kernel from merging the
/// next packet into this one's segment, and a segment shorter than the MSS
/// is only sent when the peer's window takes all of it: every packet
/// arrives whole. Writing without waiting keeps the send queue full, so the
/// kernel refills the daemon's socket the moment its window opens.
fn send_record(stream: &TcpStream, mut bytes: &[u8]) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    while !bytes.is_empty() {
        // SAFETY: send(2) reads at most `bytes.len()` bytes from a live slice.
        let sent = unsafe {
            libc::send(
                stream.as_raw_fd(),
                bytes.as_ptr().cast(),
                bytes.len(),
                libc::MSG_EOR | libc::MSG_NOSIGNAL,
            )
        };
        match sent {
            n if n > 0 => bytes = &bytes[n as usize..],
            0 => return Err(io::ErrorKind::WriteZero.into()),
            _ => {
                let err = io::Error::last_os_error();
                if err.kind() != io::ErrorKind::Interrupted {
                    return Err(err);
                }
            }
        }
    }
    Ok(())
}

/// Whether `stream` has something to read (data, its end, or an error)
/// within `wait`. ppoll(2) keeps the wait to the microsecond, where a
/// socket's receive timeout is rounded up to the kernel's ticks (a 2 ms
/// SO_RCVTIMEO waited up to 8 ms at 250 Hz) and poll(2) to milliseconds.
fn readable_within(stream: &TcpStream, wait: Duration) -> io::Result<bool> {
    use std::os::fd::AsRawFd;
    let mut ready = libc::pollfd {
        fd: stream.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let timeout = libc::timespec {
        tv_sec: wait.as_secs().try_into().unwrap_or(libc::time_t::MAX),
        tv_nsec: wait.subsec_nanos().into(),
    };
    loop {
        // SAFETY: ppoll(2) on one valid pollfd and a timespec that live for
        // the call, with no signal mask.
        match unsafe { libc::ppoll(&mut ready, 1, &timeout, std::ptr::null()) } {
            -1 => {
                let err = io::Error::last_os_error();
                if err.kind() != io::ErrorKind::Interrupted {
                    return Err(err);
                }
            }
            count => return Ok(count > 0),
        }
    }
}

/// The kernel's TCP state of the connection (Linux).
fn tcp_info(stream: &TcpStream) -> Option<libc::tcp_info> {
    use std::os::fd::AsRawFd;
    // SAFETY: tcp_info is plain data; the kernel fills at most `len` bytes
    // of it and we pass its true size.
    unsafe {
        let mut info: libc::tcp_info = std::mem::zeroed();
        let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
        let rc = libc::getsockopt(
            stream.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&mut info as *mut libc::tcp_info).cast(),
            &mut len,
        );
        // A kernel too old to report the peer's window fills less: don't wait on it.
        let needed = std::mem::offset_of!(libc::tcp_info, tcpi_snd_wnd) + 4;
        (rc == 0 && len as usize >= needed).then_some(info)
    }
}

/// A way to hand results to a server: the seam where another protocol
/// plugs in. Results go in order; the first `delivered` of them arrived.
pub trait Deliver {
    fn deliver(&self, results: &[&CheckResult]) -> Delivery;
}

impl Deliver for Target<'_> {
    /// All results on one connection, or one connection per result in
    /// legacy 2.7 mode (a 2.9+ daemon needs the close to see them).
    fn deliver(&self, results: &[&CheckResult]) -> Delivery {
        self.deliver_with(results, None)
    }
}

impl Target<'_> {
    /// As [`Deliver::deliver`], but the daemon's close of the (last)
    /// connection is waited for only `wait`: when it has not come by then,
    /// the delivery carries the connection (`closing`) to be confirmed later.
    pub(crate) fn deliver_confirming_later(
        &self,
        results: &[&CheckResult],
        wait: Duration,
    ) -> Delivery {
        self.deliver_with(results, Some(wait))
    }

    fn deliver_with(&self, results: &[&CheckResult], later: Option<Duration>) -> Delivery {
        let batch = match self.format {
            Format::V3 => results.len().max(1),
            Format::Legacy27 => 1,
        };
        let mut delivery = Delivery::default();
        // Legacy 2.7 mode needs every close (one result per connection).
        let later = later.filter(|_| self.format == Format::V3);
        for chunk in results.chunks(batch) {
            let connection = self.deliver_one_connection(chunk, later);
            delivery.delivered += connection.delivered;
            delivery.closing = connection.closing;
            if connection.error.is_some() {
                delivery.acknowledged = connection.acknowledged;
                delivery.unconfirmed = connection.unconfirmed;
                delivery.error = connection.error;
                break;
            }
        }
        delivery
    }
}

impl Target<'_> {
    /// Sends `chunk` on one connection; on failure says how many of its
    /// packets the server's TCP acknowledged and how many more were written.
    fn deliver_one_connection(&self, chunk: &[&CheckResult], later: Option<Duration>) -> Delivery {
        let mut session = match self.open() {
            Ok(session) => session,
            Err(err) => {
                return Delivery {
                    error: Some(err),
                    ..Delivery::default()
                };
            }
        };
        let mut packets_written = 0;
        let sent = chunk
            .iter()
            .try_for_each(|r| {
                session.send(r)?;
                packets_written += 1;
                Ok(())
            })
            .and_then(|()| match later {
                Some(wait) => session.close_within(wait, chunk.len()),
                None => session.close().map(|()| None),
            });
        match sent {
            Ok(closing) => Delivery {
                delivered: chunk.len(),
                closing,
                ..Delivery::default()
            },
            Err(err) => {
                let packet_size = self.format.packet_size() as u64;
                let acknowledged = (session.acknowledged_bytes() / packet_size) as usize;
                let acknowledged = acknowledged.min(packets_written);
                Delivery {
                    acknowledged,
                    unconfirmed: packets_written - acknowledged,
                    error: Some(err),
                    ..Delivery::default()
                }
            }
        }
    }
}
