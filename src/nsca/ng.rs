//! NSCA-ng (protocol version 1, as nsca-ng 1.6 speaks it): TLS with a
//! pre-shared key per client identity, then CRLF-terminated requests
//! (`MOIN 1 <id>`, `PUSH <size>`, `QUIT`) each answered by the server
//! (`MOIN 1`, `OKAY`, `FAIL <why>`, `BAIL <why>`). Every command is
//! acknowledged, so a result the server refuses is known to be refused.

use super::keyvalue;
use super::net::{self, describe};
use super::types::SendError;
use super::types::Spooled;
use super::types::{Outcome, Refusal};
use crate::common::Error;
use openssl::ssl::{Ssl, SslContext, SslMethod, SslStream, SslVersion};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

pub const DEFAULT_PORT: u16 = 5668;
/// NSCA-ng's default, also the server's: the four PSK suites of 2013, of
/// which OpenSSL 3 still offers the first two.
pub const DEFAULT_CIPHERS: &str =
    "PSK-AES256-CBC-SHA:PSK-AES128-CBC-SHA:PSK-3DES-EDE-CBC-SHA:PSK-RC4-SHA";
/// A request or response line may not be longer (CRLF included).
const MAX_LINE: usize = 1024;

/// NSCA-ng's send_nsca.cfg: `identity`, `password`, `server`, `port`,
/// `timeout`, `tls_ciphers` (and `delay`, `encryption_method`, accepted
/// and ignored as NSCA-ng's client does).
#[derive(Debug, PartialEq, Eq)]
pub struct Config {
    pub identity: String,
    pub password: Vec<u8>,
    pub server: Option<String>,
    pub port: Option<u16>,
    pub timeout: Option<u64>,
    pub tls_ciphers: String,
    /// The most to wait before connecting, in seconds.
    pub delay: Option<u64>,
}

impl Config {
    pub fn parse(text: &[u8], path: &Path) -> Result<Config, Error> {
        let mut config = Config {
            // NSCA-ng's defaults: the host name, and the server's sample password.
            identity: net::node_name(),
            password: b"change-me".to_vec(),
            server: None,
            port: None,
            timeout: None,
            tls_ciphers: DEFAULT_CIPHERS.into(),
            delay: None,
        };
        for setting in keyvalue::parse(text, path)? {
            let value = setting.value.clone();
            match setting.key.as_str() {
                "identity" => config.identity = value,
                "password" => config.password = value.into_bytes(),
                "server" => config.server = Some(value),
                "port" => config.port = Some(setting.port(path)?),
                "timeout" => config.timeout = Some(setting.number(path)?),
                "tls_ciphers" => config.tls_ciphers = value,
                "delay" => config.delay = Some(setting.number(path)?),
                "encryption_method" | "protocol" => {}
                other => return Err(setting.bad(path, format!("unknown key `{other}`"))),
            }
        }
        if config.identity.is_empty() || config.identity.len() > 127 {
            return Err(Error::usage(format!(
                "{}: the identity must be 1 to 127 bytes",
                path.display()
            )));
        }
        Ok(config)
    }
}

/// Where and as whom to send.
pub struct Target<'a> {
    pub server: &'a str,
    pub port: u16,
    /// Bounds each network step (connect, handshake, each request).
    pub timeout: Duration,
    pub config: &'a Config,
}

/// The monitoring command of one result, stamped with the time the result
/// was made (so a spooled result keeps it), newline-terminated. Newlines and
/// backslashes of the output are escaped, as the protocol asks.
pub fn command_for(spooled: &Spooled) -> Vec<u8> {
    let (stamp, result) = (spooled.created, &spooled.result);
    let mut command = format!("[{stamp}] ").into_bytes();
    if result.service.is_empty() {
        command.extend(b"PROCESS_HOST_CHECK_RESULT;");
        command.extend(&result.host);
    } else {
        command.extend(b"PROCESS_SERVICE_CHECK_RESULT;");
        command.extend(&result.host);
        command.push(b';');
        command.extend(&result.service);
    }
    command.extend(format!(";{};", result.status).as_bytes());
    for &b in &result.output {
        match b {
            b'\\' => command.extend(b"\\\\"),
            b'\n' => command.extend(b"\\n"),
            _ => command.push(b),
        }
    }
    command.push(b'\n');
    command
}

/// A raw monitoring command (`-C`), stamped with the current time unless it
/// carries its own `[timestamp]`, and otherwise sent as written (as
/// NSCA-ng's client does).
pub fn raw_command(line: &[u8]) -> Vec<u8> {
    let line = line.trim_ascii();
    let mut command = if line.starts_with(b"[") {
        Vec::new()
    } else {
        let now = std::time::SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        format!("[{now}] ").into_bytes()
    };
    command.extend(line);
    command.push(b'\n');
    command
}

/// What the server said to one request.
enum Reply {
    Okay,
    /// `FAIL`: this request was refused; the session goes on.
    Refused(String),
}

/// One established NSCA-ng session.
struct Session {
    tls: SslStream<TcpStream>,
    peer: SocketAddr,
    /// Bytes read past the last line.
    buffer: Vec<u8>,
}

impl Target<'_> {
    fn context(&self) -> Result<SslContext, String> {
        let mut builder = SslContext::builder(SslMethod::tls_client())
            .and_then(|mut b| {
                b.set_min_proto_version(Some(SslVersion::TLS1_2))?;
                b.set_cipher_list(&self.config.tls_ciphers)?;
                Ok(b)
            })
            .map_err(|e| format!("tls_ciphers `{}`: {e}", self.config.tls_ciphers))?;
        let identity = self.config.identity.clone().into_bytes();
        let password = self.config.password.clone();
        builder.set_psk_client_callback(move |_ssl, _hint, identity_out, psk_out| {
            // The identity goes out NUL-terminated; both are cut to the room
            // OpenSSL gives, as NSCA-ng's client does.
            let id_len = identity.len().min(identity_out.len().saturating_sub(1));
            identity_out[..id_len].copy_from_slice(&identity[..id_len]);
            identity_out[id_len] = 0;
            let psk_len = password.len().min(psk_out.len());
            psk_out[..psk_len].copy_from_slice(&password[..psk_len]);
            Ok(psk_len)
        });
        Ok(builder.build())
    }

    fn open(&self) -> Result<Session, String> {
        let context = self.context()?;
        net::first_reachable(self.server, self.port, |addr| {
            self.open_addr(&context, addr)
        })
    }

    fn open_addr(&self, context: &SslContext, addr: SocketAddr) -> Result<Session, String> {
        let stream = net::connect(addr, self.timeout)?;
        let ssl = Ssl::new(context).map_err(|e| format!("TLS setup: {e}"))?;
        let tls = ssl.connect(stream).map_err(|e| {
            format!(
                "TLS handshake failed (wrong identity `{}` or password?): {e}",
                self.config.identity
            )
        })?;
        log::debug!("{addr}: {}", tls.ssl().version_str());
        let mut session = Session {
            tls,
            peer: addr,
            buffer: Vec::new(),
        };
        session.hello()?;
        Ok(session)
    }
}

impl Session {
    fn hello(&mut self) -> Result<(), String> {
        let id = session_id();
        match self.request(format!("MOIN 1 {id}").as_bytes())? {
            Reply::Okay => Ok(()),
            Reply::Refused(why) => Err(format!("the server refused the session: {why}")),
        }
    }

    /// Sends one command; `Ok(Some(why))` when the server refused it.
    fn push(&mut self, command: &[u8]) -> Result<Option<String>, String> {
        match self.request(format!("PUSH {}", command.len()).as_bytes())? {
            Reply::Refused(why) => return Ok(Some(why)),
            Reply::Okay => {}
        }
        self.write(command)?;
        match self.reply("the command")? {
            Reply::Refused(why) => Ok(Some(why)),
            Reply::Okay => Ok(None),
        }
    }

    fn quit(mut self) -> Result<(), String> {
        match self.request(b"QUIT")? {
            Reply::Okay => {}
            Reply::Refused(why) => return Err(format!("{}: QUIT refused: {why}", self.peer)),
        }
        // The server has answered everything: a failed close loses nothing.
        let _ = self.tls.shutdown();
        Ok(())
    }

    fn request(&mut self, line: &[u8]) -> Result<Reply, String> {
        let mut bytes = line.to_vec();
        bytes.extend(b"\r\n");
        self.write(&bytes)?;
        let what = String::from_utf8_lossy(line.split(|&b| b == b' ').next().unwrap_or_default())
            .into_owned();
        self.reply(&what)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.tls
            .write_all(bytes)
            .and_then(|()| self.tls.flush())
            .map_err(|e| format!("{}: writing: {}", self.peer, describe(&e)))
    }

    /// The server's answer: `MOIN`/`OKAY` go on, `FAIL` refuses this
    /// request, `BAIL` (or anything else) ends the session.
    fn reply(&mut self, to: &str) -> Result<Reply, String> {
        let line = self.read_line()?;
        let keyword = line.get(..4).unwrap_or(&line).to_ascii_uppercase();
        let rest = line.get(5..).unwrap_or_default().to_string();
        match keyword.as_str() {
            "OKAY" => Ok(Reply::Okay),
            "MOIN" if rest.trim() == "1" => Ok(Reply::Okay),
            "MOIN" => Err(format!("{}: protocol version `{rest}` is not 1", self.peer)),
            "FAIL" => Ok(Reply::Refused(rest)),
            "BAIL" => Err(format!("{}: the server gave up on {to}: {rest}", self.peer)),
            _ => Err(format!(
                "{}: unexpected answer to {to}: `{line}`",
                self.peer
            )),
        }
    }

    fn read_line(&mut self) -> Result<String, String> {
        loop {
            if let Some(end) = self.buffer.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.buffer.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(String::from_utf8_lossy(&line).into_owned());
            }
            if self.buffer.len() > MAX_LINE {
                return Err(format!("{}: the server sent an over-long line", self.peer));
            }
            let mut chunk = [0u8; MAX_LINE];
            match self.tls.read(&mut chunk) {
                Ok(0) => {
                    return Err(format!(
                        "{}: the server closed the connection without an answer",
                        self.peer
                    ));
                }
                Ok(n) => self.buffer.extend(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("{}: reading: {}", self.peer, describe(&e))),
            }
        }
    }
}

/// 2-64 printable characters, meant to be unique: eight random ones.
fn session_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bytes = [0u8; 8];
    let _ = getrandom::fill(&mut bytes);
    bytes
        .iter()
        .map(|&b| ALPHABET[usize::from(b) % ALPHABET.len()] as char)
        .collect()
}

/// Sends `commands` in order on one session. Each is answered: a refused
/// one is reported (and not kept: the server would refuse it again), a
/// failed session stops the batch and leaves the rest undelivered.
pub fn deliver(target: &Target, commands: impl IntoIterator<Item = Vec<u8>>) -> Outcome {
    let mut outcome = Outcome::default();
    let mut session = match target.open() {
        Ok(session) => session,
        Err(err) => {
            outcome.delivery.error = Some(SendError::Protocol(err.into()));
            return outcome;
        }
    };
    // Answered commands: accepted or refused, they are done with.
    let mut answered = 0;
    for (index, command) in commands.into_iter().enumerate() {
        match session.push(&command) {
            Ok(None) => {}
            Ok(Some(reason)) => outcome.refused.push(Refusal { index, reason }),
            Err(err) => {
                outcome.delivery.error = Some(SendError::Protocol(err.into()));
                outcome.delivery.delivered = answered;
                return outcome;
            }
        }
        answered += 1;
    }
    if let Err(err) = session.quit() {
        // Every command was answered before the QUIT: they arrived.
        log::warn!("{err}");
    }
    outcome.delivery.delivered = answered;
    outcome
}

/// Sends check results; see [`deliver`].
pub fn deliver_results(target: &Target, results: &[Spooled]) -> Outcome {
    deliver(target, results.iter().map(command_for))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(service: &str, output: &[u8]) -> Spooled {
        Spooled::now(super::super::packet::CheckResult {
            host: b"web01".to_vec(),
            service: service.as_bytes().to_vec(),
            status: 2,
            output: output.to_vec(),
        })
    }

    fn without_stamp(command: &[u8]) -> String {
        let text = String::from_utf8(command.to_vec()).unwrap();
        let (stamp, rest) = text.split_once("] ").unwrap();
        assert!(stamp[1..].parse::<u64>().unwrap() > 1_700_000_000);
        rest.to_string()
    }

    #[test]
    fn commands_are_stamped_escaped_and_newline_terminated() {
        assert_eq!(
            without_stamp(&command_for(&result("HTTP", b"down\\up\nmore|t=1"))),
            "PROCESS_SERVICE_CHECK_RESULT;web01;HTTP;2;down\\\\up\\nmore|t=1\n"
        );
        assert_eq!(
            without_stamp(&command_for(&result("", b""))),
            "PROCESS_HOST_CHECK_RESULT;web01;2;\n"
        );
        assert_eq!(
            raw_command(b"[12] ENABLE_NOTIFICATIONS\n"),
            b"[12] ENABLE_NOTIFICATIONS\n"
        );
        assert_eq!(without_stamp(&raw_command(b"  NOOP ")), "NOOP\n");
    }

    #[test]
    fn config_keys_defaults_and_errors() {
        let path = Path::new("/etc/send_nsca.cfg");
        let c = Config::parse(
            b"identity = \"web 01\"\npassword = 's3cret'\nserver = mon\nport = 6000\ntimeout = 3\ndelay = 0\n",
            path,
        )
        .unwrap();
        assert_eq!(
            (c.identity.as_str(), &c.password[..], c.server.as_deref()),
            ("web 01", &b"s3cret"[..], Some("mon"))
        );
        assert_eq!((c.port, c.timeout), (Some(6000), Some(3)));
        assert_eq!(c.tls_ciphers, DEFAULT_CIPHERS);
        let c = Config::parse(b"", path).unwrap();
        assert_eq!(c.password, b"change-me");
        assert!(!c.identity.is_empty());
        let err = Config::parse(b"identity=a\npasword=x\n", path).unwrap_err();
        assert_eq!(
            err.to_string(),
            "/etc/send_nsca.cfg:2: unknown key `pasword`"
        );
        let err = Config::parse(b"port = 70000\n", path).unwrap_err();
        assert!(err.to_string().contains("port 70000"), "{err}");
    }
}
