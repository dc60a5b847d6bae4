//! `-C`: raw monitoring commands through NSCA-ng.

use super::protocol::Settings;
use super::report::complain;
use super::route::Route;
use super::types::Status;
use super::{ng, tls};
use crate::common::{Error, Result};
use std::io::Read;

/// `-C`: raw monitoring commands from stdin, one per line, through NSCA-ng.
/// They are not spooled (the spool holds check results).
pub(crate) fn send(route: &Route) -> Result<Status> {
    let Settings::NscaNg(config) = &route.settings else {
        return Err(Error::usage("-C (raw commands) needs --protocol nsca-ng"));
    };
    let mut data = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut data)
        .map_err(|e| Error::io("reading standard input", e))?;
    let lines: Vec<&[u8]> = data
        .split(|&b| b == b'\n')
        .filter(|l| !l.trim_ascii().is_empty())
        .collect();
    if lines.is_empty() {
        complain("no commands to send");
        return Ok(Status::NotSent);
    }
    let target = ng::Target {
        // Raw commands go to the first server only.
        server: &route.servers[0],
        port: route.port,
        timeout: route.timeout,
        config,
    };
    let outcome = match tls::linked() {
        Ok(tls) => (tls.ng_commands)(&target, &lines),
        Err(err) => tls::unlinked(err),
    };
    for refusal in &outcome.refused {
        complain(&format!(
            "the server refused command {}: {}",
            refusal.index + 1,
            refusal.reason
        ));
    }
    let delivery = &outcome.delivery;
    if let Some(err) = &delivery.error {
        complain(&err.to_string());
        complain(&format!(
            "{} command(s) not delivered",
            lines.len() - delivery.delivered
        ));
    }
    let all_good = delivery.delivered == lines.len() && outcome.refused.is_empty();
    Ok(if all_good {
        Status::Sent
    } else {
        Status::NotSent
    })
}
