//! Which protocol carries the results (NSCA 2, NSCA-ng, the Icinga 2 API),
//! what each one's config file says, and one way to deliver through any.

use super::config::Config as Nsca2Config;
use super::packet::{CheckResult, Format};
use super::send::{self, Deliver};
use super::types::Outcome;
use super::types::Spooled;
use super::{icinga, ng, tls};
use crate::common::Error;
use std::path::Path;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Protocol {
    /// NSCA 2.x, as send_nsca speaks it (no answer from the server)
    Nsca2,
    /// NSCA-ng: TLS with a pre-shared key, every result acknowledged
    NscaNg,
    /// The Icinga 2 REST API over HTTPS
    Icinga2,
}

impl Protocol {
    fn from_name(name: &str) -> Option<Protocol> {
        match name {
            "nsca2" => Some(Protocol::Nsca2),
            "nsca-ng" => Some(Protocol::NscaNg),
            "icinga2" => Some(Protocol::Icinga2),
            _ => None,
        }
    }

    pub(crate) fn default_port(self) -> u16 {
        match self {
            Protocol::Nsca2 => 5667,
            Protocol::NscaNg => ng::DEFAULT_PORT,
            Protocol::Icinga2 => icinga::DEFAULT_PORT,
        }
    }
}

/// The `protocol = NAME` line of a config file, if there is one. Both
/// config syntaxes agree on simple `key = value` lines, so this is read
/// before the file is parsed for its protocol.
pub(super) fn from_config(text: &[u8], path: &Path) -> Result<Option<Protocol>, Error> {
    for (index, line) in text.split(|&b| b == b'\n').enumerate() {
        let line = String::from_utf8_lossy(line);
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if key.trim() != "protocol" {
            continue;
        }
        let value = value.split('#').next().unwrap_or_default().trim();
        let name = value.trim_matches(|c| c == '"' || c == '\'');
        return Protocol::from_name(name).map(Some).ok_or_else(|| {
            Error::bad_input(
                path,
                index + 1,
                format!("protocol `{name}` is not nsca2, nsca-ng or icinga2"),
            )
        });
    }
    Ok(None)
}

/// The settings of the chosen protocol's config file.
pub(super) enum Settings {
    Nsca2(Nsca2Config),
    NscaNg(ng::Config),
    Icinga2(icinga::Config),
}

impl Settings {
    pub(super) fn parse(protocol: Protocol, text: &[u8], path: &Path) -> Result<Settings, Error> {
        Ok(match protocol {
            Protocol::Nsca2 => Settings::Nsca2(Nsca2Config::parse(text, path)?),
            Protocol::NscaNg => Settings::NscaNg(ng::Config::parse(text, path)?),
            Protocol::Icinga2 => Settings::Icinga2(icinga::Config::parse(text, path)?),
        })
    }

    /// The server the config names, if any (NSCA 2 configs name none).
    pub(super) fn server(&self) -> Option<&str> {
        match self {
            Settings::Nsca2(_) => None,
            Settings::NscaNg(c) => c.server.as_deref(),
            Settings::Icinga2(c) => c.server.as_deref(),
        }
    }

    pub(super) fn port(&self) -> Option<u16> {
        match self {
            Settings::Nsca2(_) => None,
            Settings::NscaNg(c) => c.port,
            Settings::Icinga2(c) => c.port,
        }
    }

    pub(super) fn timeout(&self) -> Option<u64> {
        match self {
            Settings::Nsca2(_) => None,
            Settings::NscaNg(c) => c.timeout,
            Settings::Icinga2(c) => c.timeout,
        }
    }

    /// The config's `delay =` (NSCA-ng's client has it), in seconds.
    pub(super) fn delay(&self) -> Option<u64> {
        match self {
            Settings::Nsca2(_) => None,
            Settings::NscaNg(c) => c.delay,
            Settings::Icinga2(c) => c.delay,
        }
    }

    pub(super) fn legacy_2_7_mode(&self) -> bool {
        matches!(self, Settings::Nsca2(c) if c.legacy_2_7_mode)
    }
}

/// Everything needed to reach the server.
#[derive(Clone, Copy)]
pub(super) struct Destination<'a> {
    pub server: &'a str,
    pub port: u16,
    pub timeout: Duration,
    pub format: Format,
    /// NSCA 2: how long the daemon's close of the last connection is
    /// waited for (`None`: to the end); when it has not come by then, the
    /// delivery carries the connection (`Delivery::closing`), to be
    /// confirmed later (with a spool) or reported as not seen (without one).
    pub close_wait: Option<Duration>,
    /// NSCA 2: a connection opened ahead, for the first delivery to its server.
    pub ahead: Option<&'a send::Ahead>,
}

/// The most an NSCA 2 run waits for the daemon's close when it is to say
/// whether the results were delivered (a wrapped job's line, -v) or sends
/// several: a daemon that reads at once (`--single`) closes within two
/// round trips and a moment (`send::Session::close_within`). The forking
/// and inetd daemons sleep a second first, and are not waited for.
pub(crate) const FOREGROUND_CLOSE: Duration = Duration::from_millis(2);

/// Delivers `results` in order through the protocol of `settings`.
pub(super) fn deliver(settings: &Settings, to: &Destination, results: &[Spooled]) -> Outcome {
    match settings {
        Settings::Nsca2(config) => {
            let target = send::Target {
                server: to.server,
                port: to.port,
                timeout: to.timeout,
                method: config.method,
                password: &config.password,
                format: to.format,
                ahead: to.ahead,
            };
            let results: Vec<&CheckResult> = results.iter().map(|s| &s.result).collect();
            let delivery = match to.close_wait {
                Some(wait) => target.deliver_confirming_later(&results, wait),
                None => target.deliver(&results),
            };
            Outcome {
                delivery,
                refused: Vec::new(),
            }
        }
        Settings::NscaNg(config) => {
            let target = ng::Target {
                server: to.server,
                port: to.port,
                timeout: to.timeout,
                config,
            };
            match tls::linked() {
                Ok(tls) => (tls.ng_results)(&target, results),
                Err(err) => tls::unlinked(err),
            }
        }
        Settings::Icinga2(config) => {
            let target = icinga::Target {
                server: to.server,
                port: to.port,
                timeout: to.timeout,
                config,
            };
            match tls::linked() {
                Ok(tls) => (tls.icinga_results)(&target, results),
                Err(err) => tls::unlinked(err),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_line_in_either_syntax() {
        let path = Path::new("c");
        let found = |t: &str| from_config(t.as_bytes(), path).unwrap();
        assert_eq!(found("password=x\n"), None);
        assert_eq!(found("protocol=nsca-ng\n"), Some(Protocol::NscaNg));
        assert_eq!(
            found(" protocol = \"icinga2\" # api\n"),
            Some(Protocol::Icinga2)
        );
        let err = from_config(b"a=1\nprotocol = nsca3\n", path).unwrap_err();
        assert_eq!(
            err.to_string(),
            "c:2: protocol `nsca3` is not nsca2, nsca-ng or icinga2"
        );
    }
}
