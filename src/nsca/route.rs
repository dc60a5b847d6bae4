//! Where to send: the command line first, then the config file, then the
//! protocol's defaults.

use super::cli::Cli;
use super::protocol::{self, Protocol, Settings};
use super::{config, icinga};
use crate::common::{Error, Result};
use std::time::Duration;

/// Where to send: the command line first, then the config file, then the
/// protocol's defaults.
pub(crate) struct Route {
    pub(crate) settings: Settings,
    /// In order, without repeats; never empty.
    pub(crate) servers: Vec<String>,
    pub(crate) port: u16,
    pub(crate) timeout: Duration,
    /// The most `--delay` waits before connecting.
    pub(crate) delay: Duration,
}

pub(crate) fn route(cli: &Cli) -> Result<Route> {
    let path = &cli.config;
    let text = config::read_text(path)?;
    let protocol = match cli.protocol {
        Some(protocol) => protocol,
        None => protocol::from_config(&text, path)?.unwrap_or(Protocol::Nsca2),
    };
    let mut settings = Settings::parse(protocol, &text, path)?;
    let mut url = None;
    match &mut settings {
        Settings::Icinga2(config) => {
            config.ca = cli.ca.clone().or(config.ca.take());
            config.ttl = cli.ttl.or(config.ttl);
            if let Some(given) = &cli.url {
                url = Some(icinga::parse_url(given).map_err(Error::usage)?);
            }
        }
        _ if cli.url.is_some() || cli.ca.is_some() || cli.ttl.is_some() => {
            return Err(Error::usage(
                "--url, --ca and --ttl need --protocol icinga2",
            ));
        }
        _ => {}
    }
    if let Settings::Nsca2(config) = &settings
        && !config.has_password
    {
        log::warn!(
            "'{}' has no password= line: only a daemon without a password takes these results",
            path.display()
        );
    }
    let (url_server, url_port) = match &url {
        Some((server, port)) => (Some(server.as_str()), *port),
        None => (None, None),
    };
    let given: Vec<String> = match (&url_server, cli.server.is_empty(), &cli.server_arg) {
        (Some(server), _, _) => vec![server.to_string()],
        (None, false, _) => cli.server.clone(),
        (None, true, Some(server)) => vec![server.clone()],
        (None, true, None) => settings
            .server()
            .map(|list| list.split(',').map(|s| s.trim().to_string()).collect())
            .unwrap_or_default(),
    };
    let mut servers: Vec<String> = Vec::new();
    for server in given {
        if server.is_empty() {
            return Err(Error::usage("an empty server name in -H"));
        }
        if !servers.contains(&server) {
            servers.push(server);
        }
    }
    if servers.is_empty() {
        match protocol {
            // NSCA-ng's client sends to localhost by default.
            Protocol::NscaNg => servers.push("localhost".into()),
            _ => return Err(Error::usage("no server: give -H HOST")),
        }
    }
    let port = url_port
        .or(cli.port)
        .or(settings.port())
        .unwrap_or(protocol.default_port());
    let timeout = cli.timeout.or(settings.timeout()).unwrap_or(10);
    let delay = cli.delay.or(settings.delay()).unwrap_or(0);
    Ok(Route {
        settings,
        servers,
        port,
        timeout: Duration::from_secs(timeout),
        delay: Duration::from_secs(delay),
    })
}
