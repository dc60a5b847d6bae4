//! Monitoring-plugin output (`--nagios`) for check-only runs: one line in
//! the Nagios plugin format and the plugin exit statuses, for NRPE and for
//! `nsca-send` from cron.
//!
//! `CHK WARNING - 12 entries differ in 2 of 14 groups | checked=90000 differing=12 errors=0`

use super::{Error, Exit, Result};
use std::fmt;

/// `--nagios`, `--warning N`, `--critical N` of every check-only command.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct NagiosArgs {
    /// Print one monitoring-plugin line (Nagios, Icinga, NRPE) instead of the
    /// listing, and exit 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN
    #[arg(long, global = true)]
    pub nagios: bool,
    /// WARNING from N differing entries on [default: 1]
    #[arg(long, value_name = "N", requires = "nagios", global = true)]
    pub warning: Option<u64>,
    /// CRITICAL from N differing entries on [default: never]
    #[arg(long, value_name = "N", requires = "nagios", global = true)]
    pub critical: Option<u64>,
}

/// The plugin statuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok = 0,
    Warning = 1,
    Critical = 2,
    Unknown = 3,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warning => "WARNING",
            Status::Critical => "CRITICAL",
            Status::Unknown => "UNKNOWN",
        }
    }

    /// The process status. The plugin statuses 0–3 are numerically the
    /// suite's exit codes, which `Exit` carries to `main`.
    pub fn exit(self) -> Exit {
        match self {
            Status::Ok => Exit::Success,
            Status::Warning => Exit::Found,
            Status::Critical => Exit::Usage,
            Status::Unknown => Exit::Failed,
        }
    }
}

/// What a check-only run found, in plugin terms.
#[derive(Debug, Clone)]
pub struct Check {
    /// Upper-case plugin name: `CHK`, `MOJIBAKE-FIX`, `PERLENV`.
    pub name: &'static str,
    pub checked: u64,
    pub differing: u64,
    pub errors: u64,
    /// The text after the status, e.g. `12 entries differ in 2 of 14 groups`.
    pub summary: String,
}

impl NagiosArgs {
    /// Refuses thresholds that cannot both hold (a critical level below the
    /// warning level).
    pub fn validate(&self) -> Result<()> {
        if let (Some(w), Some(c)) = (self.warning, self.critical)
            && c < w
        {
            return Err(Error::usage(format!(
                "--critical {c} is below --warning {w}"
            )));
        }
        Ok(())
    }

    /// CRITICAL at or above the critical threshold; else UNKNOWN when
    /// entries could not be checked (the state is not known); else WARNING
    /// at or above the warning threshold; else OK.
    pub fn status(&self, check: &Check) -> Status {
        let warning = self.warning.unwrap_or(1);
        if self.critical.is_some_and(|c| check.differing >= c) {
            Status::Critical
        } else if check.errors > 0 {
            Status::Unknown
        } else if check.differing >= warning {
            Status::Warning
        } else {
            Status::Ok
        }
    }

    /// The plugin line, with perfdata `label=value;warn;crit;min`.
    pub fn line(&self, check: &Check) -> String {
        self.line_with(check, &[])
    }

    /// [`Self::line`] with a tool's own counts after the common perfdata.
    pub fn line_with(&self, check: &Check, extra: &[(&str, u64)]) -> String {
        let status = self.status(check);
        let warn = self.warning.unwrap_or(1);
        let crit = self.critical.map(|c| c.to_string()).unwrap_or_default();
        let mut line = format!(
            "{} {} - {} | checked={} differing={};{warn};{crit};0 errors={}",
            check.name,
            status.label(),
            Sanitized(&check.summary),
            check.checked,
            check.differing,
            check.errors
        );
        for (label, value) in extra {
            line.push_str(&format!(" {label}={value}"));
        }
        line
    }

    /// Prints the line on stdout and gives the status to exit with.
    pub fn report(&self, check: &Check) -> Result<Exit> {
        self.report_with(check, &[])
    }

    /// [`Self::report`] with a tool's own counts as more perfdata.
    pub fn report_with(&self, check: &Check, extra: &[(&str, u64)]) -> Result<Exit> {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", self.line_with(check, extra))?;
        out.flush()?;
        Ok(self.status(check).exit())
    }

    /// One CRITICAL line on stdout and exit 2, whatever the thresholds: for
    /// what a check refused to look at (an environment another user
    /// controls), which must not pass as a count below `--critical`.
    pub fn critical(&self, name: &str, why: &str) -> Result<Exit> {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "{name} CRITICAL - {}", Sanitized(why))?;
        out.flush()?;
        Ok(Status::Critical.exit())
    }

    /// Under `--nagios`, a run that could not be done at all (bad
    /// configuration, unreadable input) is one UNKNOWN line on stdout, so
    /// that the monitoring system shows why, and exit 3.
    pub fn unknown_on_error(&self, name: &str, result: Result<Exit>) -> Result<Exit> {
        match result {
            Err(err) if self.nagios && !err.is_broken_pipe() => {
                println!("{name} UNKNOWN - {}", Sanitized(&err.to_string()));
                Ok(Status::Unknown.exit())
            }
            other => other,
        }
    }
}

/// Plugin output is one line and `|` starts the perfdata: both are kept
/// out of the text.
struct Sanitized<'a>(&'a str);

impl fmt::Display for Sanitized<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            match c {
                '|' => f.write_str("/")?,
                '\n' | '\r' => f.write_str(" ")?,
                c => write!(f, "{c}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(differing: u64, errors: u64) -> Check {
        Check {
            name: "CHK",
            checked: 90,
            differing,
            errors,
            summary: format!("{differing} entries differ"),
        }
    }

    fn args(warning: Option<u64>, critical: Option<u64>) -> NagiosArgs {
        NagiosArgs {
            nagios: true,
            warning,
            critical,
        }
    }

    #[test]
    fn every_status_from_the_thresholds() {
        let a = args(Some(5), Some(10));
        assert_eq!(a.status(&check(0, 0)), Status::Ok);
        assert_eq!(a.status(&check(4, 0)), Status::Ok);
        assert_eq!(a.status(&check(5, 0)), Status::Warning);
        assert_eq!(a.status(&check(10, 0)), Status::Critical);
        assert_eq!(a.status(&check(3, 1)), Status::Unknown);
        assert_eq!(a.status(&check(12, 1)), Status::Critical);
        // Defaults: any difference warns, nothing is critical.
        assert_eq!(args(None, None).status(&check(1, 0)), Status::Warning);
        assert_eq!(args(None, None).status(&check(10_000, 0)), Status::Warning);
    }

    #[test]
    fn line_in_plugin_format() {
        let a = args(Some(1), Some(20));
        assert_eq!(
            a.line(&check(12, 0)),
            "CHK WARNING - 12 entries differ | checked=90 differing=12;1;20;0 errors=0"
        );
        let mut hostile = check(0, 0);
        hostile.summary = "a|b\nc".into();
        assert_eq!(
            args(None, None).line(&hostile),
            "CHK OK - a/b c | checked=90 differing=0;1;;0 errors=0"
        );
    }

    #[test]
    fn critical_below_warning_is_refused() {
        assert!(args(Some(5), Some(2)).validate().is_err());
        assert!(args(Some(5), Some(5)).validate().is_ok());
    }
}
