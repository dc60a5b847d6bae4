//! The TCP side: every resolved address in turn, a timeout on each step,
//! one write per packet with TCP_NODELAY, and a clean close as the only sign
//! that the daemon took the packets.

use super::crypto::{Encryptor, Method};
use super::packet::{self, CheckResult, Filler, FillerRng, Format, INIT_PACKET_SIZE, Init};
use std::io::{self, Read, Write};
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
}

/// How long to wait between looks at the daemon's receive window.
const MIN_PAUSE: Duration = Duration::from_micros(200);
const MAX_PAUSE: Duration = Duration::from_millis(2);

/// One open connection whose init packet has been read.
pub struct Session {
    stream: TcpStream,
    /// Bytes written so far, to know how much the daemon has not taken yet.
    written: u64,
    timeout: Duration,
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
    pub fn open(&self) -> Result<Session, String> {
        let addrs: Vec<SocketAddr> = (self.server, self.port)
            .to_socket_addrs()
            .map_err(|e| format!("resolving {}: {e}", self.server))?
            .collect();
        self.open_any(&addrs)
    }

    /// Tries `addrs` in turn (IPv6 and IPv4 alike) until one gives an init packet.
    pub fn open_any(&self, addrs: &[SocketAddr]) -> Result<Session, String> {
        let mut errors = Vec::new();
        for addr in addrs {
            match self.open_addr(*addr) {
                Ok(session) => return Ok(session),
                Err(err) => {
                    log::info!("{addr}: {err}");
                    errors.push(format!("{addr}: {err}"));
                }
            }
        }
        if errors.is_empty() {
            return Err(format!("{} has no address", self.server));
        }
        Err(format!(
            "cannot reach {}: {}",
            self.name(),
            errors.join("; ")
        ))
    }

    fn open_addr(&self, addr: SocketAddr) -> Result<Session, String> {
        let stream = TcpStream::connect_timeout(&addr, self.timeout)
            .map_err(|e| format!("connecting: {}", describe(&e)))?;
        let setup = || -> io::Result<()> {
            stream.set_nodelay(true)?;
            stream.set_read_timeout(Some(self.timeout))?;
            stream.set_write_timeout(Some(self.timeout))
        };
        setup().map_err(|e| format!("setting up the socket: {e}"))?;
        let mut init = [0u8; INIT_PACKET_SIZE];
        (&stream)
            .read_exact(&mut init)
            .map_err(|e| format!("reading the init packet: {}", describe(&e)))?;
        let init = Init::parse(&init);
        log::debug!("{addr}: server time {}", init.timestamp);
        Ok(Session {
            encryptor: Encryptor::new(self.method, self.password, &init.iv),
            stream,
            written: 0,
            timeout: self.timeout,
            peer: addr,
            init,
            format: self.format,
            rng: FillerRng::new(),
        })
    }
}

impl Session {
    /// Encrypts one result and writes it in a single call, so the daemon
    /// never sees half a packet (it sleeps a second when it does).
    pub fn send(&mut self, result: &CheckResult) -> Result<(), String> {
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

    pub fn write_packet(&mut self, bytes: &[u8]) -> Result<(), String> {
        let fail = |e: io::Error| format!("{}: writing a packet: {}", self.peer, describe(&e));
        self.wait_for_window(bytes.len()).map_err(fail)?;
        self.stream.write_all(bytes).map_err(fail)?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// Waits until the daemon's receive window takes a whole packet.
    ///
    /// The daemon sleeps a full second whenever it finds only part of a
    /// packet in its socket, and a fast client fills that socket until the
    /// window closes and opens again at an arbitrary byte. Writing a packet
    /// only when it fits keeps every packet whole on the daemon's side.
    fn wait_for_window(&self, len: usize) -> io::Result<()> {
        let started = std::time::Instant::now();
        let mut pause = MIN_PAUSE;
        while let Some(info) = tcp_info(&self.stream) {
            // Sent or queued bytes the daemon has not acknowledged yet
            // (bytes_acked also counts the SYN).
            let outstanding = (self.written + 1).saturating_sub(info.tcpi_bytes_acked);
            if u64::from(info.tcpi_snd_wnd) >= outstanding + len as u64 {
                return Ok(());
            }
            if started.elapsed() > self.timeout {
                return Err(io::ErrorKind::TimedOut.into());
            }
            // Back off: the daemon has a full socket to work through, and
            // waking up often takes CPU from it.
            std::thread::sleep(pause);
            pause = (pause * 2).min(MAX_PAUSE);
        }
        Ok(())
    }

    /// Ends the connection and waits for the daemon to close its side: only
    /// then have all packets been read.
    pub fn close(mut self) -> Result<(), String> {
        let fail = |e: io::Error| format!("{}: closing: {}", self.peer, describe(&e));
        self.stream.shutdown(Shutdown::Write).map_err(fail)?;
        let mut scratch = [0u8; 512];
        loop {
            match self.stream.read(&mut scratch) {
                Ok(0) => return Ok(()),
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(fail(e)),
            }
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

fn describe(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => "timed out".into(),
        io::ErrorKind::UnexpectedEof => "the server closed the connection".into(),
        // The daemon hangs up on the first packet it cannot decrypt.
        io::ErrorKind::NotConnected
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::BrokenPipe => format!(
            "the server dropped the connection before reading every packet \
             (wrong password or encryption method?): {err}"
        ),
        _ => err.to_string(),
    }
}

/// How far a batch got.
#[derive(Debug, Default)]
pub struct Delivery {
    /// Results written to connections that then closed cleanly: these arrived.
    pub confirmed: usize,
    /// Why the rest did not, if they did not.
    pub error: Option<String>,
}

/// Sends `results` in order: all on one connection, or one connection per
/// result in legacy 2.7 mode (a 2.9+ daemon needs the close to see them).
pub fn deliver(target: &Target, results: &[CheckResult]) -> Delivery {
    let batch = match target.format {
        Format::V3 => results.len().max(1),
        Format::Legacy27 => 1,
    };
    let mut delivery = Delivery::default();
    for chunk in results.chunks(batch) {
        let sent = target.open().and_then(|mut session| {
            chunk.iter().try_for_each(|r| session.send(r))?;
            session.close()
        });
        match sent {
            Ok(()) => delivery.confirmed += chunk.len(),
            Err(err) => {
                delivery.error = Some(err);
                break;
            }
        }
    }
    delivery
}
