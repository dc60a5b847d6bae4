//! `--spool-status`: what waits in the spool, per server, for a human,
//! for scripts (`--json`) or for the monitoring system (`--nagios`), so
//! that an outage is seen by monitoring rather than by cron's mail.

use super::cli::Cli;
use super::spool::{self, Survey};
use super::types::unix_now;
use crate::common::{Envelope, JsonLines, Result, io_reason};
use std::io::Write;
use std::time::Duration;

/// One server's spool, as `--json` prints it.
#[derive(serde::Serialize)]
struct Line<'a> {
    /// `HOST_PORT`, as in the spool's file names.
    spool: &'a str,
    waiting: usize,
    /// Seconds since the oldest result waiting was made.
    oldest_age: Option<u64>,
    rejected: usize,
    damaged: usize,
    /// Seconds since the epoch.
    last_delivery: Option<u64>,
}

#[derive(serde::Serialize)]
struct Totals {
    waiting: usize,
    rejected: usize,
}

/// Prints the spool's state; the status is 0 (or the plugin's with --nagios).
pub(crate) fn show(cli: &Cli) -> u8 {
    let dir = cli.spool.as_deref().expect("clap requires --spool");
    let timeout = Duration::from_secs(cli.timeout.unwrap_or(10));
    let surveys = spool::survey(dir, timeout).map(|all| {
        // -H narrows the list to those servers' spools.
        all.into_iter()
            .filter(|s| {
                cli.server.is_empty()
                    || cli.server.iter().any(|server| {
                        s.base
                            .starts_with(&format!("{}_", spool::file_safe(server)))
                    })
            })
            .collect::<Vec<_>>()
    });
    let surveys = match surveys {
        Ok(surveys) => surveys,
        Err(e) => {
            let why = format!("spool '{}': {}", dir.display(), io_reason(&e));
            if cli.nagios {
                println!("NSCA-SEND UNKNOWN - {}", why.replace('|', "/"));
                return 3;
            }
            super::report::complain(&why);
            return 2;
        }
    };
    let printed = if cli.nagios {
        return nagios(cli, &surveys);
    } else if cli.json {
        json(&surveys)
    } else {
        human(&surveys)
    };
    match printed {
        Err(e) if !e.is_broken_pipe() => {
            super::report::complain(&e.to_string());
            2
        }
        _ => 0,
    }
}

fn age(since: Option<u64>) -> Option<u64> {
    since.map(|t| unix_now().saturating_sub(t))
}

fn human(surveys: &[Survey]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if surveys.is_empty() {
        writeln!(out, "no spool: nothing waiting")?;
    }
    for s in surveys {
        let oldest = age(s.oldest).map_or(String::new(), |a| format!(", the oldest {a} s old"));
        let last = age(s.last_delivery).map_or("never".into(), |a| format!("{a} s ago"));
        writeln!(
            out,
            "{}: {} result(s) waiting{oldest}; {} rejected; {} damaged; last delivery {last}",
            s.base, s.waiting, s.rejected, s.damaged
        )?;
    }
    out.flush()?;
    Ok(())
}

fn json(surveys: &[Survey]) -> Result<()> {
    let out = JsonLines::stdout();
    for s in surveys {
        out.emit(&Line {
            spool: &s.base,
            waiting: s.waiting,
            oldest_age: age(s.oldest),
            rejected: s.rejected,
            damaged: s.damaged,
            last_delivery: s.last_delivery,
        })?;
    }
    let totals = Totals {
        waiting: surveys.iter().map(|s| s.waiting).sum(),
        rejected: surveys.iter().map(|s| s.rejected).sum(),
    };
    let msg = format!(
        "{} result(s) waiting, {} rejected, in {} spool(s)",
        totals.waiting,
        totals.rejected,
        surveys.len()
    );
    let waiting = totals.waiting as u64;
    Envelope::new("nsca-send", surveys.len() as u64, waiting, 0, msg, totals).emit(&out)?;
    Ok(())
}

/// The plugin line and status: CRITICAL at the count or age thresholds'
/// critical levels, WARNING at their warning levels or with results
/// rejected or damaged, else OK.
fn nagios(cli: &Cli, surveys: &[Survey]) -> u8 {
    let waiting: usize = surveys.iter().map(|s| s.waiting).sum();
    let rejected: usize = surveys.iter().map(|s| s.rejected + s.damaged).sum();
    let oldest = surveys
        .iter()
        .filter_map(|s| age(s.oldest))
        .max()
        .unwrap_or(0);
    let (warn, crit) = (cli.warning.unwrap_or(1), cli.critical);
    let (warn_age, crit_age) = (
        cli.warning_age.unwrap_or(600),
        cli.critical_age.unwrap_or(3600),
    );
    let waiting64 = waiting as u64;
    let (status, label) =
        if crit.is_some_and(|c| waiting64 >= c) || (waiting > 0 && oldest >= crit_age) {
            (2, "CRITICAL")
        } else if waiting64 >= warn || (waiting > 0 && oldest >= warn_age) || rejected > 0 {
            (1, "WARNING")
        } else {
            (0, "OK")
        };
    let crit_text = crit.map(|c| c.to_string()).unwrap_or_default();
    println!(
        "NSCA-SEND {label} - {waiting} result(s) waiting in {} spool(s), the oldest {oldest} s old, \
         {rejected} rejected or damaged | waiting={waiting};{warn};{crit_text};0 \
         oldest={oldest}s;{warn_age};{crit_age};0 rejected={rejected};1;;0",
        surveys.len()
    );
    status
}
