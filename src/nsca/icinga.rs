//! The Icinga 2 REST API: each result is one
//! `POST /v1/actions/process-check-result` over HTTPS with an API user's
//! Basic credentials, on one kept-alive connection. Every request is
//! answered, so a refused result is known to be refused.

use super::keyvalue;
use super::net::{self, describe};
use super::packet::CheckResult;
use super::types::SendError;
use super::types::Spooled;
use super::types::{Outcome, Refusal};
use crate::common::{Error, base64};
use openssl::ssl::{SslConnector, SslMethod, SslStream, SslVerifyMode, SslVersion};
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub(super) const DEFAULT_PORT: u16 = 5665;
/// Where `icinga2 node setup` and `icinga2 api setup` put the CA.
const ICINGA_CA: &str = "/var/lib/icinga2/certs/ca.crt";
/// A response head or chunk-size line may not be longer.
const MAX_HEAD: usize = 64 * 1024;
/// A response body may not be longer (the API answers in a few hundred bytes).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// The Icinga 2 settings, in NSCA-ng's config syntax: `api_user` and
/// `password` (required: credentials never come from the command line),
/// `server`, `port`, `url`, `timeout`, `ca`, `ttl`.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Config {
    pub api_user: String,
    pub password: String,
    pub server: Option<String>,
    pub port: Option<u16>,
    pub timeout: Option<u64>,
    /// The CA that signed the server's certificate, the only one trusted.
    pub ca: Option<PathBuf>,
    /// Seconds after which Icinga expects the next result (freshness).
    pub ttl: Option<u64>,
    /// The most to wait before connecting, in seconds.
    pub delay: Option<u64>,
}

impl Config {
    pub(super) fn parse(text: &[u8], path: &Path) -> Result<Config, Error> {
        let mut config = Config {
            api_user: String::new(),
            password: String::new(),
            server: None,
            port: None,
            timeout: None,
            ca: None,
            ttl: None,
            delay: None,
        };
        let (mut user_seen, mut password_seen) = (false, false);
        for setting in keyvalue::parse(text, path)? {
            let value = setting.value.clone();
            match setting.key.as_str() {
                "api_user" => (config.api_user, user_seen) = (value, true),
                "password" => (config.password, password_seen) = (value, true),
                "server" => config.server = Some(value),
                "port" => config.port = Some(setting.port(path)?),
                "url" => {
                    let (server, port) = parse_url(&value).map_err(|why| setting.bad(path, why))?;
                    (config.server, config.port) = (Some(server), port.or(config.port));
                }
                "timeout" => config.timeout = Some(setting.number(path)?),
                "ca" => config.ca = Some(PathBuf::from(value)),
                "ttl" => config.ttl = Some(setting.number(path)?),
                "delay" => config.delay = Some(setting.number(path)?),
                "protocol" => {}
                other => return Err(setting.bad(path, format!("unknown key `{other}`"))),
            }
        }
        let missing = |key: &str| {
            Error::failed(format!(
                "{}: no `{key} =` line: the Icinga 2 API user and password come from the \
                 config file (an ApiUser object on the server)",
                path.display()
            ))
        };
        if !user_seen || config.api_user.is_empty() {
            return Err(missing("api_user"));
        }
        if !password_seen {
            return Err(missing("password"));
        }
        if config.api_user.contains(':') {
            return Err(Error::failed(format!(
                "{}: api_user `{}` holds a `:`, which Basic authentication cannot carry",
                path.display(),
                config.api_user
            )));
        }
        Ok(config)
    }
}

/// `https://HOST[:PORT][/]`: the server and its port, if given. Only the
/// scheme and authority mean something: the API's paths are fixed.
pub(super) fn parse_url(url: &str) -> Result<(String, Option<u16>), String> {
    let bad = |why: &str| format!("url `{url}`: {why}");
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| bad("the Icinga 2 API is https://HOST:PORT"))?;
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.contains(['/', '?', '#', '@']) {
        return Err(bad("give only https://HOST:PORT (no path, query or user)"));
    }
    let (host, port) = match authority.strip_prefix('[') {
        // [IPv6]:port
        Some(v6) => {
            let (host, after) = v6.split_once(']').ok_or_else(|| bad("unclosed `[`"))?;
            (host, after.strip_prefix(':'))
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    if host.is_empty() {
        return Err(bad("no host"));
    }
    let port = port
        .map(|p| p.parse::<u16>().ok().filter(|&p| p != 0))
        .map(|p| p.ok_or_else(|| bad("the port is not 1-65535")))
        .transpose()?;
    Ok((host.to_string(), port))
}

/// Where and as whom to send.
pub(super) struct Target<'a> {
    pub server: &'a str,
    pub port: u16,
    /// Bounds each network step (connect, handshake, each request).
    pub timeout: Duration,
    pub config: &'a Config,
}

/// The request body for one result, stamped with the time it was made (so
/// a spooled result keeps it).
pub(super) fn body_for(spooled: &Spooled, ttl: Option<u64>, check_source: &str) -> Vec<u8> {
    let result = &spooled.result;
    let (output, performance_data) = split_output(&result.output);
    let mut body = serde_json::Map::new();
    let host = String::from_utf8_lossy(&result.host);
    if result.service.is_empty() {
        body.insert("type".into(), "Host".into());
        body.insert("host".into(), host.into());
    } else {
        let service = String::from_utf8_lossy(&result.service);
        body.insert("type".into(), "Service".into());
        body.insert("service".into(), format!("{host}!{service}").into());
    }
    body.insert("exit_status".into(), exit_status(result).into());
    body.insert("plugin_output".into(), output.into());
    body.insert("performance_data".into(), performance_data.into());
    body.insert("check_source".into(), check_source.into());
    body.insert("execution_start".into(), spooled.created.into());
    body.insert("execution_end".into(), spooled.created.into());
    if let Some(ttl) = ttl {
        body.insert("ttl".into(), ttl.into());
    }
    serde_json::Value::Object(body).to_string().into_bytes()
}

/// Icinga 2 takes 0 (UP) and 1 (DOWN) for a host; NSCA's host codes are
/// 0 UP, 1 DOWN, 2 UNREACHABLE: anything but UP is DOWN.
fn exit_status(result: &CheckResult) -> u16 {
    if result.service.is_empty() {
        u16::from(result.status != 0)
    } else {
        result.status
    }
}

/// A plugin's output as the API wants it: the text (first line and long
/// output) apart from the performance data, which follows a `|` on the
/// first line and the first `|` of the long output.
fn split_output(output: &[u8]) -> (String, Vec<String>) {
    let output = String::from_utf8_lossy(output);
    let (first, long) = match output.split_once('\n') {
        Some((first, long)) => (first, Some(long)),
        None => (&output[..], None),
    };
    let mut perf = String::new();
    let mut text = match first.split_once('|') {
        Some((text, data)) => {
            perf.push_str(data);
            text.trim_end().to_string()
        }
        None => first.to_string(),
    };
    if let Some(long) = long {
        let long = match long.split_once('|') {
            Some((long, data)) => {
                perf.push(' ');
                perf.push_str(data);
                long
            }
            None => long,
        };
        let long = long.trim_end_matches('\n');
        if !long.is_empty() {
            text.push('\n');
            text.push_str(long);
        }
    }
    (text, perf_labels(&perf))
}

/// `a=1 'b c'=2;3` → [`a=1`, `'b c'=2;3`]: blank-separated, a quoted
/// label (with `''` for a quote) may hold blanks.
fn perf_labels(perf: &str) -> Vec<String> {
    let mut labels = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in perf.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                current.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    labels.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        labels.push(current);
    }
    labels
}

/// What the server answered to one result.
enum Answer {
    Accepted,
    /// The server would refuse it again (no such object, bad value).
    Refused(String),
}

/// Why a request got no usable answer.
enum Failure {
    /// The connection ended before any byte of an answer: on a reused
    /// connection, the server may have closed it as idle.
    ClosedBeforeAnswer(String),
    /// Anything else: the batch stops here.
    Stop(String),
}

/// An HTTP response: status, whether the server closes, the body.
struct Response {
    status: u16,
    close: bool,
    body: Vec<u8>,
}

/// One TLS connection to the API.
struct Connection {
    tls: SslStream<TcpStream>,
    peer: SocketAddr,
    /// Bytes read past the last response.
    buffer: Vec<u8>,
    /// Requests answered on it so far.
    answered: usize,
}

impl Target<'_> {
    fn name(&self) -> String {
        net::endpoint(self.server, self.port)
    }

    /// Trusts the configured CA only, or the system's when none is given;
    /// the certificate must name the server as it is addressed.
    fn connector(&self) -> Result<SslConnector, String> {
        let mut builder = SslConnector::builder(SslMethod::tls_client())
            .map_err(|e| format!("TLS setup: {e}"))?;
        builder
            .set_min_proto_version(Some(SslVersion::TLS1_2))
            .map_err(|e| format!("TLS setup: {e}"))?;
        builder.set_verify(SslVerifyMode::PEER);
        if let Some(ca) = &self.config.ca {
            let pem = std::fs::read(ca)
                .map_err(|e| format!("ca '{}': {}", ca.display(), crate::common::io_reason(&e)))?;
            let certs = X509::stack_from_pem(&pem)
                .ok()
                .filter(|certs| !certs.is_empty())
                .ok_or_else(|| format!("ca '{}': no PEM certificate in it", ca.display()))?;
            let mut store = X509StoreBuilder::new().map_err(|e| format!("TLS setup: {e}"))?;
            for cert in certs {
                store
                    .add_cert(cert)
                    .map_err(|e| format!("ca '{}': {e}", ca.display()))?;
            }
            builder.set_cert_store(store.build());
        }
        Ok(builder.build())
    }

    fn open(&self, connector: &SslConnector) -> Result<Connection, String> {
        net::first_reachable(self.server, self.port, |addr| {
            self.open_addr(connector, addr)
        })
    }

    fn open_addr(&self, connector: &SslConnector, addr: SocketAddr) -> Result<Connection, String> {
        let stream = net::connect(addr, self.timeout)?;
        // Checks the certificate's names against the server as given
        // (a DNS name, or an IP address).
        let ssl = connector
            .configure()
            .and_then(|c| c.into_ssl(self.server))
            .map_err(|e| format!("TLS setup: {e}"))?;
        let tls = ssl.connect(stream).map_err(|e| {
            let ca = match &self.config.ca {
                Some(ca) => format!("the CA in '{}'", ca.display()),
                None => format!("the system's CAs (give the Icinga CA with --ca {ICINGA_CA})"),
            };
            format!(
                "TLS handshake failed: {e} (the certificate must be signed by {ca} and name \
                 `{}`)",
                self.server
            )
        })?;
        log::debug!("{addr}: {}", tls.ssl().version_str());
        Ok(Connection {
            tls,
            peer: addr,
            buffer: Vec::new(),
            answered: 0,
        })
    }

    /// The request's lines up to its length, the same for every result.
    fn request_head(&self) -> String {
        let credentials = format!("{}:{}", self.config.api_user, self.config.password);
        format!(
            "POST /v1/actions/process-check-result HTTP/1.1\r\n\
             Host: {}\r\n\
             User-Agent: nsca-send/{}\r\n\
             Authorization: Basic {}\r\n\
             Accept: application/json\r\n\
             Content-Type: application/json\r\n",
            self.name(),
            env!("CARGO_PKG_VERSION"),
            base64(credentials.as_bytes()),
        )
    }

    /// What the answer means for this result, or why the batch stops.
    fn judge(&self, response: &Response) -> Result<Answer, String> {
        let json: serde_json::Value = serde_json::from_slice(&response.body).unwrap_or_default();
        let status_text = |value: &serde_json::Value| {
            value
                .get("status")
                .and_then(|s| s.as_str())
                .map(str::to_string)
                .unwrap_or_else(|| String::from_utf8_lossy(&response.body).trim().to_string())
        };
        match response.status {
            200 => {
                let results = json.get("results").and_then(|r| r.as_array());
                let refused = results.and_then(|results| {
                    results
                        .iter()
                        .find(|r| r.get("code").and_then(|c| c.as_f64()) != Some(200.0))
                });
                match (results, refused) {
                    (None, _) => Err(format!(
                        "{}: unexpected answer: `{}`",
                        self.name(),
                        status_text(&json)
                    )),
                    (Some(results), _) if results.is_empty() => {
                        Ok(Answer::Refused("no object matched".into()))
                    }
                    (_, Some(refused)) => Ok(Answer::Refused(status_text(refused))),
                    _ => Ok(Answer::Accepted),
                }
            }
            401 => Err(format!(
                "{}: wrong api_user `{}` or password (HTTP 401)",
                self.name(),
                self.config.api_user
            )),
            // The user may not process these results: it never will.
            403 => Ok(Answer::Refused(format!(
                "HTTP 403: api_user `{}` lacks the permission actions/process-check-result: {}",
                self.config.api_user,
                status_text(&json)
            ))),
            // Busy, or failing: the result is kept and tried again.
            408 | 429 | 500.. => Err(format!(
                "{}: HTTP {}: {}",
                self.name(),
                response.status,
                status_text(&json)
            )),
            status @ 400..=499 => Ok(Answer::Refused(format!(
                "HTTP {status}: {}",
                status_text(&json)
            ))),
            status => Err(format!(
                "{}: unexpected HTTP status {status}: {}",
                self.name(),
                status_text(&json)
            )),
        }
    }
}

impl Connection {
    fn exchange(&mut self, request: &[u8]) -> Result<Response, Failure> {
        let closed =
            |why: String, peer: SocketAddr| Failure::ClosedBeforeAnswer(format!("{peer}: {why}"));
        if let Err(e) = self.tls.write_all(request).and_then(|()| self.tls.flush()) {
            return Err(closed(format!("writing: {}", describe(&e)), self.peer));
        }
        let head = match self.read_head() {
            Ok(Some(head)) => head,
            Ok(None) => {
                return Err(closed(
                    "the server closed the connection without an answer".into(),
                    self.peer,
                ));
            }
            Err(err) => return Err(Failure::Stop(err)),
        };
        self.parse_response(&head).map_err(Failure::Stop)
    }

    /// The status line and headers; `None` when the connection ended
    /// before any byte of them.
    fn read_head(&mut self) -> Result<Option<String>, String> {
        loop {
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                let head: Vec<u8> = self.buffer.drain(..end + 4).collect();
                return Ok(Some(String::from_utf8_lossy(&head).into_owned()));
            }
            if self.buffer.len() > MAX_HEAD {
                return Err(format!("{}: over-long response headers", self.peer));
            }
            if self.buffer.is_empty() {
                if self.fill()? == 0 {
                    return Ok(None);
                }
            } else {
                self.fill_mid_answer()?;
            }
        }
    }

    fn parse_response(&mut self, head: &str) -> Result<Response, String> {
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status = status_line
            .strip_prefix("HTTP/1.")
            .and_then(|rest| rest.get(2..5))
            .and_then(|code| code.parse::<u16>().ok())
            .ok_or_else(|| format!("{}: not an HTTP answer: `{status_line}`", self.peer))?;
        let (mut length, mut chunked, mut close) =
            (None, false, status_line.starts_with("HTTP/1.0"));
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse::<usize>().ok(),
                "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                "connection" => close = value.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
        let body = if chunked {
            self.read_chunked()?
        } else if let Some(length) = length {
            self.read_exact(length)?
        } else {
            close = true;
            self.read_to_close()?
        };
        Ok(Response {
            status,
            close,
            body,
        })
    }

    fn read_exact(&mut self, length: usize) -> Result<Vec<u8>, String> {
        if length > MAX_BODY {
            return Err(format!("{}: over-long answer ({length} bytes)", self.peer));
        }
        while self.buffer.len() < length {
            self.fill_mid_answer()?;
        }
        Ok(self.buffer.drain(..length).collect())
    }

    fn read_chunked(&mut self) -> Result<Vec<u8>, String> {
        let mut body = Vec::new();
        loop {
            let line = self.read_line()?;
            let size = line.split(';').next().unwrap_or_default().trim();
            let size = usize::from_str_radix(size, 16)
                .map_err(|_| format!("{}: bad chunk size `{line}`", self.peer))?;
            if body.len() + size > MAX_BODY {
                return Err(format!("{}: over-long answer", self.peer));
            }
            if size == 0 {
                // Trailers, up to the empty line.
                while !self.read_line()?.is_empty() {}
                return Ok(body);
            }
            body.extend(self.read_exact(size)?);
            self.read_line()?;
        }
    }

    fn read_line(&mut self) -> Result<String, String> {
        loop {
            if let Some(end) = find(&self.buffer, b"\r\n") {
                let line: Vec<u8> = self.buffer.drain(..end + 2).collect();
                return Ok(String::from_utf8_lossy(&line[..end]).into_owned());
            }
            if self.buffer.len() > MAX_HEAD {
                return Err(format!("{}: over-long chunk line", self.peer));
            }
            self.fill_mid_answer()?;
        }
    }

    fn read_to_close(&mut self) -> Result<Vec<u8>, String> {
        while self.fill()? != 0 {
            if self.buffer.len() > MAX_BODY {
                return Err(format!("{}: over-long answer", self.peer));
            }
        }
        Ok(std::mem::take(&mut self.buffer))
    }

    /// Reads more of an answer begun: its end is an error.
    fn fill_mid_answer(&mut self) -> Result<(), String> {
        match self.fill()? {
            0 => Err(format!(
                "{}: the server closed the connection mid-answer",
                self.peer
            )),
            _ => Ok(()),
        }
    }

    /// Reads more into the buffer; 0 at the end of the connection.
    fn fill(&mut self) -> Result<usize, String> {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match self.tls.read(&mut chunk) {
                Ok(n) => {
                    self.buffer.extend(&chunk[..n]);
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // A close without TLS's close_notify, or a reset: the end.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::UnexpectedEof
                            | io::ErrorKind::ConnectionReset
                            | io::ErrorKind::ConnectionAborted
                    ) =>
                {
                    return Ok(0);
                }
                Err(e) => return Err(format!("{}: reading: {}", self.peer, describe(&e))),
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Sends `results` in order, one request each on a kept-alive connection.
/// A refused result is reported (and not kept: the server would refuse it
/// again); a failure stops the batch and leaves the rest undelivered.
pub(super) fn deliver_results(target: &Target, results: &[Spooled]) -> Outcome {
    let mut outcome = Outcome::default();
    let stop = |mut outcome: Outcome, answered: usize, err: String| {
        outcome.delivery.delivered = answered;
        outcome.delivery.error = Some(SendError::Protocol(err.into()));
        outcome
    };
    let connector = match target.connector() {
        Ok(connector) => connector,
        Err(err) => return stop(outcome, 0, err),
    };
    let check_source = net::node_name();
    let head = target.request_head();
    let mut connection: Option<Connection> = None;
    for (index, spooled) in results.iter().enumerate() {
        let body = body_for(spooled, target.config.ttl, &check_source);
        let mut request = format!("{head}Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        request.extend(body);
        let response = loop {
            let mut open = match connection.take() {
                Some(open) => open,
                None => match target.open(&connector) {
                    Ok(open) => open,
                    Err(err) => return stop(outcome, index, err),
                },
            };
            match open.exchange(&request) {
                Ok(response) => {
                    outcome.delivery.unconfirmed = 0;
                    open.answered += 1;
                    if !response.close {
                        connection = Some(open);
                    }
                    break response;
                }
                // An idle kept-alive connection the server closed: once more
                // on a new one (at least once: it may have had the request).
                // Until answered there, it counts as written, not answered
                // (a server killed mid-batch also closes this way).
                Err(Failure::ClosedBeforeAnswer(err)) if open.answered > 0 => {
                    log::info!("{err}: reconnecting");
                    outcome.delivery.unconfirmed = 1;
                }
                Err(Failure::ClosedBeforeAnswer(err) | Failure::Stop(err)) => {
                    // Written, never answered: it may have been processed.
                    outcome.delivery.unconfirmed = 1;
                    return stop(outcome, index, err);
                }
            }
        };
        match target.judge(&response) {
            Ok(Answer::Accepted) => {}
            Ok(Answer::Refused(reason)) => outcome.refused.push(Refusal { index, reason }),
            Err(err) => return stop(outcome, index, err),
        }
    }
    outcome.delivery.delivered = results.len();
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spooled(service: &str, status: u16, output: &str) -> Spooled {
        Spooled {
            created: 1_700_000_000,
            result: CheckResult {
                host: b"web01".to_vec(),
                service: service.as_bytes().to_vec(),
                status,
                output: output.as_bytes().to_vec(),
            },
        }
    }

    fn body(spooled: &Spooled, ttl: Option<u64>) -> serde_json::Value {
        serde_json::from_slice(&body_for(spooled, ttl, "cron01")).unwrap()
    }

    #[test]
    fn bodies_carry_names_status_output_perfdata_and_time() {
        let got = body(
            &spooled(
                "backup",
                1,
                "WARNING - slow | time=3s;2;5 'disk used'=80%\nline 2\nline 3|rows=5\n",
            ),
            Some(300),
        );
        let want = serde_json::json!({
            "type": "Service", "service": "web01!backup", "exit_status": 1,
            "plugin_output": "WARNING - slow\nline 2\nline 3",
            "performance_data": ["time=3s;2;5", "'disk used'=80%", "rows=5"],
            "check_source": "cron01",
            "execution_start": 1_700_000_000u64, "execution_end": 1_700_000_000u64,
            "ttl": 300,
        });
        assert_eq!(got, want);
        let host = body(&spooled("", 2, "DOWN"), None);
        assert_eq!(host["type"], "Host");
        assert_eq!(host["host"], "web01");
        assert_eq!(host["exit_status"], 1, "UNREACHABLE is DOWN for Icinga");
        assert_eq!(host["performance_data"], serde_json::json!([]));
        assert!(host.get("ttl").is_none());
    }

    #[test]
    fn urls_give_server_and_port() {
        assert_eq!(
            parse_url("https://mon.example:5665/"),
            Ok(("mon.example".into(), Some(5665)))
        );
        assert_eq!(parse_url("https://mon"), Ok(("mon".into(), None)));
        assert_eq!(
            parse_url("https://[::1]:6000"),
            Ok(("::1".into(), Some(6000)))
        );
        assert!(parse_url("http://mon:5665").is_err());
        assert!(parse_url("https://mon:5665/v1/actions").is_err());
        assert!(parse_url("https://mon:0").is_err());
        assert!(parse_url("https://:5665").is_err());
    }

    #[test]
    fn config_needs_user_and_password() {
        let path = Path::new("/etc/nsca-send/icinga.cfg");
        let c = Config::parse(
            b"api_user = nsca\npassword = 's3 cret'\nurl = https://mon:6000\nca = /etc/ca.crt\nttl = 600\n",
            path,
        )
        .unwrap();
        assert_eq!(
            (
                c.api_user.as_str(),
                c.password.as_str(),
                c.server.as_deref()
            ),
            ("nsca", "s3 cret", Some("mon"))
        );
        assert_eq!((c.port, c.ttl), (Some(6000), Some(600)));
        assert_eq!(c.ca.as_deref(), Some(Path::new("/etc/ca.crt")));
        let err = Config::parse(b"password = x\n", path).unwrap_err();
        assert!(err.to_string().contains("no `api_user =` line"), "{err}");
        let err = Config::parse(b"api_user = x\n", path).unwrap_err();
        assert!(err.to_string().contains("no `password =` line"), "{err}");
        let err = Config::parse(b"api_user=x\npassword=y\nidentity=z\n", path).unwrap_err();
        assert_eq!(
            err.to_string(),
            "/etc/nsca-send/icinga.cfg:3: unknown key `identity`"
        );
    }
}
