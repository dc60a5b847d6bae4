//! The types every part of nsca-send shares, below all of them: a result
//! with its time, how far a batch got and why it stopped, what a server
//! refused, and the exit statuses. It imports no other module of the tool
//! but the packet's `CheckResult`.

use super::packet::CheckResult;
use std::io;
use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

/// nsca-send's exit statuses: send_nsca's 0, 2 and 3, kept for drop-in
/// use (they are not the suite's: 2 is "not sent" here, 3 a usage error),
/// and 1 for results kept in the spool, which send_nsca has no word for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Every result delivered (at least one) and none failed.
    Sent,
    /// Every result written (NSCA 2, no spool), but the daemon's close of
    /// the last connection not seen (without a spool it is not waited for):
    /// status 0, as send_nsca gives for written packets (it never waits).
    Written,
    /// Nothing lost, but some results wait in the spool for the next run.
    Spooled,
    /// Results lost or refused, configuration, connection, timeout or input
    /// failure without a spool, or nothing sent.
    NotSent,
    /// Bad arguments; also `-h`, `-V` and the licence, as send_nsca.
    Usage,
}

impl Status {
    pub(crate) fn code(self) -> u8 {
        match self {
            Status::Sent | Status::Written => 0,
            Status::Spooled => 1,
            Status::NotSent => 2,
            Status::Usage => 3,
        }
    }
}

/// A result waiting in the spool, with the time it was first spooled or read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Spooled {
    /// Seconds since the epoch.
    pub created: u64,
    pub result: CheckResult,
}

impl Spooled {
    pub(crate) fn now(result: CheckResult) -> Spooled {
        Spooled {
            created: unix_now(),
            result,
        }
    }
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// How far a batch got. Each result is in exactly one of four states.
#[derive(Debug, Default)]
pub struct Delivery {
    /// On connections that then closed cleanly: the daemon read these.
    pub delivered: usize,
    /// Whole packets of the failed connection the server's TCP acknowledged:
    /// its kernel had them, but a daemon that died before reading them lost them.
    pub acknowledged: usize,
    /// Written to the failed connection, not (wholly) acknowledged.
    pub unconfirmed: usize,
    /// Why the rest did not arrive, if they did not.
    pub error: Option<SendError>,
    /// The last connection, when its close is to be confirmed later (its
    /// results are counted in `delivered`).
    pub closing: Option<Closing>,
}

/// A connection whose packets were all written and whose end was sent, but
/// whose close the daemon had not answered when the run stopped waiting:
/// Debian's forking and inetd daemons sleep a second when their first read
/// finds no packet, which it never does (they read right after sending the
/// IV). Only that close proves the packets were read.
#[derive(Debug)]
pub struct Closing {
    pub(crate) stream: std::net::TcpStream,
    pub(crate) peer: SocketAddr,
    /// How many results were written to it (the last of the delivered ones).
    pub(crate) results: usize,
}

impl Closing {
    /// Waits at most `timeout` for the daemon's clean close.
    pub(crate) fn confirm(mut self, timeout: std::time::Duration) -> Result<(), String> {
        use std::io::Read;
        self.stream
            .set_read_timeout(Some(timeout))
            .map_err(|e| describe(&e))?;
        let mut scratch = [0u8; 512];
        loop {
            match self.stream.read(&mut scratch) {
                Ok(0) => return Ok(()),
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(format!("{}: closing: {}", self.peer, describe(&e))),
            }
        }
    }
}

impl Delivery {
    /// Results that may have arrived although not known delivered: they are
    /// kept for the next run and may arrive twice.
    pub fn maybe_arrived(&self) -> usize {
        self.acknowledged + self.unconfirmed
    }
}

/// A step of a connection, to say where it failed.
#[derive(Debug, Clone, Copy)]
pub enum Step {
    Connecting,
    SettingUp,
    ReadingInit,
    Writing,
    Closing,
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(match self {
            Step::Connecting => "connecting",
            Step::SettingUp => "setting up the socket",
            Step::ReadingInit => "reading the init packet",
            Step::Writing => "writing a packet",
            Step::Closing => "closing",
        })
    }
}

/// Why a batch stopped. Every kind means "not (all) sent": status 2.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("resolving '{server}': {}", describe(source))]
    Resolve { server: String, source: io::Error },
    #[error("'{server}' has no address")]
    NoAddress { server: String },
    #[error("cannot reach {target}: {}", attempts.iter().map(|a| a.to_string()).collect::<Vec<_>>().join("; "))]
    Unreachable {
        target: String,
        attempts: Vec<SendError>,
    },
    #[error("{peer}: {step}: {}", describe(source))]
    Connection {
        peer: SocketAddr,
        step: Step,
        source: io::Error,
    },
    /// Another protocol's failure (NSCA-ng), already described.
    #[error("{0}")]
    Protocol(Box<str>),
}

pub(crate) fn describe(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => "timed out".into(),
        io::ErrorKind::UnexpectedEof => "the server closed the connection".into(),
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::NotConnected
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => {
            "connection reset by the server (daemon stopped, or a wrong password or \
             encryption method: it hangs up on the first packet it cannot decrypt)"
                .into()
        }
        _ => crate::common::io_reason(err),
    }
}

/// A result the server answered with a refusal (it would refuse it again:
/// it is reported, not kept).
#[derive(Debug)]
pub(super) struct Refusal {
    /// Position in the batch.
    pub index: usize,
    pub reason: String,
}

/// How far a batch got through any protocol.
#[derive(Debug, Default)]
pub(super) struct Outcome {
    /// `delivered` counts the results the server answered (accepted or
    /// refused); the rest, from `delivered` on, did not arrive.
    pub delivery: Delivery,
    pub refused: Vec<Refusal>,
}
