//! What the TLS protocols (NSCA-ng, Icinga 2) share on the way to the
//! server: every address of its name tried in turn, sockets bounded by the
//! per-step timeout, errors as the user reads them.

use std::io;
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// `server:port`, with an IPv6 address in brackets.
pub(super) fn endpoint(server: &str, port: u16) -> String {
    match server.parse::<IpAddr>() {
        Ok(IpAddr::V6(_)) => format!("[{server}]:{port}"),
        _ => format!("{server}:{port}"),
    }
}

/// The first connection `open` makes to an address of `server`, trying
/// them in order; else every attempt's error in one message.
pub(super) fn first_reachable<T>(
    server: &str,
    port: u16,
    mut open: impl FnMut(SocketAddr) -> Result<T, String>,
) -> Result<T, String> {
    let addrs: Vec<SocketAddr> = (server, port)
        .to_socket_addrs()
        .map_err(|e| format!("resolving {server}: {e}"))?
        .collect();
    let mut errors = Vec::new();
    for addr in addrs {
        match open(addr) {
            Ok(connection) => return Ok(connection),
            Err(err) => {
                log::info!("{addr}: {err}");
                errors.push(format!("{addr}: {err}"));
            }
        }
    }
    if errors.is_empty() {
        return Err(format!("{server} has no address"));
    }
    Err(format!(
        "cannot reach {}: {}",
        endpoint(server, port),
        errors.join("; ")
    ))
}

/// A TCP connection to `addr` whose connect, reads and writes each end
/// after `timeout`.
pub(super) fn connect(addr: SocketAddr, timeout: Duration) -> Result<TcpStream, String> {
    let stream = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| format!("connecting: {}", describe(&e)))?;
    set_up(&stream, timeout).map_err(|e| format!("setting up the socket: {e}"))?;
    Ok(stream)
}

/// Each write sent at once, each read and write ending after `timeout`.
pub(super) fn set_up(stream: &TcpStream, timeout: Duration) -> io::Result<()> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))
}

/// A socket error as the user reads it (a read timeout is `WouldBlock`).
pub(super) fn describe(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => "timed out".into(),
        _ => crate::common::io_reason(err),
    }
}

/// This machine's name: the default host of `--wrap`, NSCA-ng's default
/// identity, the `check_source` of Icinga 2 results.
pub(super) fn node_name() -> String {
    rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned()
}
