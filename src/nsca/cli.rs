//! Command line of nsca-send: send_nsca's arguments plus a few of its own.

use super::protocol::Protocol;
use crate::common::Verbosity;
use clap::Parser;
use std::ffi::OsString;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  printf 'web01\\tHTTP\\t2\\tconnection refused\\n' | nsca-send -H nagios -c /etc/send_nsca.cfg
  nsca-send -H nagios --host web01 --service HTTP --status 2 --output 'connection refused'
  check_results | nsca-send -H nagios -ds 0x0a --spool /var/spool/nsca-send";

const AFTER_LONG_HELP: &str = "\
INPUT
  Records on stdin are separated by ETB (0x17, -ds changes it; -ds 0x0a reads one per line),
  fields by TAB (-d). `host<TAB>rc<TAB>output` is a host check and
  `host<TAB>service<TAB>rc<TAB>output` a service check; the output keeps further delimiters.
  Return codes are 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. A bad record is reported with its
  number and skipped; the others are still sent. Over-long fields are reported and cut on a
  UTF-8 boundary (host 63, service 127, output 4095 bytes; 511 in legacy 2.7 mode).

CONFIGURATION
  The config file (send_nsca's, default /etc/send_nsca.cfg) holds password=,
  encryption_method= (0 none, 1 XOR, 2 DES, 3 3DES, 4 CAST-128, 5 CAST-256, 6 xTEA,
  8 Blowfish, 9 Twofish, 10 LOKI97, 11 RC2, 14 Rijndael-128, 15 Rijndael-192,
  16 Rijndael-256, 20 Serpent, 23 GOST, 26 SAFER+) and legacy_2_7_mode= (on when the value
  contains true or yes), read as send_nsca reads them. Unknown keys and empty values are an
  error. The daemon gives no answer to a wrong password or method: it hangs up on the first
  packet it cannot decrypt, so a batch of one or two may be reported as sent, and a longer
  one ends with status 2 and 'connection reset'.

EXAMPLES
  printf 'web01\\tHTTP\\t2\\tconnection refused\\n' | nsca-send -H nagios -c /etc/send_nsca.cfg
      One service check result, as with send_nsca.
  nsca-send -H nagios --host web01 --status 0 --output 'UP'
      One host check result from arguments, without stdin.
  nsca-send -H nagios --json < results.jsonl
      One JSON object per line: {\"host\", \"service\", \"status\", \"output\"}.
  nsca-send -H nagios --spool /var/spool/nsca-send < results
      Results that cannot be delivered are kept and sent first on the next run.

DELIVERY AND THE SPOOL
  NSCA 2 has no acknowledgement: only a connection the daemon closes cleanly proves that it
  read every packet. When a batch fails, nsca-send says how many results were delivered for
  sure, how many the server's TCP acknowledged (its kernel had them; a daemon killed before
  reading them lost them), how many were written but not acknowledged, and how many were not
  sent. With --spool every result not delivered for sure is kept (0600 files in a 0700
  directory, one checksummed record per line) and sent first on the next run: delivery is at
  least once, and the report says how many may arrive twice. A full disk keeps every whole
  record and says how many were kept and lost; a torn record, or one that fails stdin's
  checks, is set aside in .damaged, never sent. A rewrite that cannot finish leaves the
  spool as it was. The spool is flushed 500 results at a time, with a checkpoint after
  each: a run killed mid-flush resends at most 500. An unusable spool (a directory another
  user owns or may write, a symlink, a FIFO or a device among its files), or one locked by
  another run for longer than -to, gives a warning and the results are delivered directly. NSCA 2 stamps each result with the server's time when it
  arrives: --max-age drops spooled results that would arrive too late to mean anything.

PROTOCOLS
  --protocol nsca2 (default) speaks NSCA 2 as above. --protocol nsca-ng (or `protocol =
  nsca-ng` in the config) speaks NSCA-ng over TLS-PSK; the config is NSCA-ng's send_nsca.cfg:
  identity, password, server, port (5668), timeout, tls_ciphers. Every result is
  acknowledged: a wrong identity or password, or a refused result, is exit 2. Results are
  stamped with the time they were made, spooled ones too. -C sends raw commands.
  --protocol icinga2 POSTs each result to the Icinga 2 API (/v1/actions/process-check-result)
  over HTTPS, -H/-p or --url https://HOST:PORT (port 5665). The config (same syntax as
  NSCA-ng's) holds api_user and password (never the command line), and may hold server,
  port, url, timeout, ca (the only CA trusted; --ca wins) and ttl (--ttl wins: Icinga marks
  the result stale after it). Results carry execution_start/end = the time they were made.
  An unknown host or service (404) or a missing permission (403) is a refusal (exit 2, set
  aside in .rejected); a wrong api_user or password (401) or a server error stops the batch
  and keeps the rest.

HEARTBEAT
  nsca-send -H mon --wrap backup -- /usr/local/bin/backup runs the command (limit
  --command-timeout), passes its output through, reports its exit status (0-3, else
  UNKNOWN) and first output line as service `backup`, and exits with the command's status.
  A job that fails also gets one line on stderr naming it, its status and the result sent
  (not under -q when that result was delivered). NUL bytes of its output are sent as \\0.

CRON ON MANY HOSTS
  With --spool, results kept safely in the spool are only warnings: -q prints nothing and
  the status is 1, so cron mails nothing during an outage; a loss (no spool, a spool that
  cannot be written, --max-age, a refusal) is always printed and gives 2. --delay MAX waits
  a random 0..MAX seconds before connecting (after the job with --wrap). --spool-status
  shows each server's spool (--json, --nagios with --warning/--critical results and
  --warning-age/--critical-age seconds). -H a,b (or repeated): --failover (default) gives
  the batch to the first that answers and the rest to the next; --all gives every result to
  every server; each server has its own spool. Results a server refuses for good (Icinga 2
  403/404, NSCA-ng's authorize) are set aside in HOST_PORT.rejected, never resent. A record
  whose output holds a newline and then something shaped like a record is warned about (sent
  as send_nsca sends it): -ds 0x0a or --lines reads one record per line.

EXIT STATUS (send_nsca's 0, 2 and 3, kept for drop-in use)
  0  every result delivered and none failed
  1  nothing lost, but results wait in the spool for the next run (--spool)
  2  results lost or refused, configuration, connection, init, timeout or input failure
     without a spool, or nothing sent
  3  usage error; also -h, -V and -l/--license, as send_nsca (the long --help and
     --version exit 0)
  With --wrap, the job's own status; with --spool-status --nagios, the plugin's.";

#[derive(Parser, Debug)]
#[command(
    name = "nsca-send",
    version,
    about = "Send passive check results to NSCA, NSCA-ng or the Icinga 2 API (a send_nsca drop-in)",
    after_help = AFTER_HELP,
    after_long_help = AFTER_LONG_HELP
)]
pub(crate) struct Cli {
    /// Server to send to; repeat it or separate with commas for several (see --failover,
    /// --all). An NSCA-ng or Icinga 2 config may name them instead (`server = a,b`)
    #[arg(
        short = 'H',
        long = "server",
        value_name = "HOST",
        value_delimiter = ','
    )]
    pub server: Vec<String>,

    /// With several servers: the first that answers gets the batch, the next one what it
    /// did not take (the default)
    #[arg(long, conflicts_with = "all")]
    pub failover: bool,

    /// With several servers: every server gets every result (HA pairs of masters), each
    /// with its own spool
    #[arg(long)]
    pub all: bool,

    /// Wait a random 0 to SECONDS seconds before connecting, so that a fleet's cron jobs do
    /// not reach the server at once (after the job with --wrap) [default: the config's
    /// `delay =`, else 0]
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(..=3600))]
    pub delay: Option<u64>,

    /// Server as the first argument, as older send_nsca accepted it
    #[arg(value_name = "HOST")]
    pub server_arg: Option<String>,

    /// How to send: NSCA 2 (send_nsca's), NSCA-ng, or the Icinga 2 API [default: the
    /// config file's `protocol =`, else nsca2]
    #[arg(long, value_enum)]
    pub protocol: Option<Protocol>,

    /// The Icinga 2 API as https://HOST:PORT (instead of -H and -p; icinga2 only)
    #[arg(long, value_name = "URL", conflicts_with_all = ["server", "server_arg", "port"])]
    pub url: Option<String>,

    /// The CA that signed the Icinga 2 API's certificate, the only one trusted (icinga2
    /// only) [default: the config's `ca =`, else the system's CAs]
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,

    /// Seconds Icinga 2 waits for the next result before the service goes stale (icinga2
    /// only) [default: the config's `ttl =`, else none]
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub ttl: Option<u64>,

    /// TCP port of the server [default: the config's `port =`, else 5667, 5668 for nsca-ng,
    /// 5665 for icinga2]
    #[arg(short, long)]
    pub port: Option<u16>,

    /// Seconds allowed for each network step: connect, init packet, each write (also -to)
    /// [default: the config's `timeout =`, else 10]
    #[arg(long, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub timeout: Option<u64>,

    /// Read raw monitoring commands from stdin, one per line (NSCA-ng only), such as
    /// `ACKNOWLEDGE_SVC_PROBLEM;web01;HTTP;1;1;1;admin;known`
    #[arg(short = 'C', long = "commands", conflicts_with_all = ["json", "host", "spool"])]
    pub raw_commands: bool,

    /// send_nsca's configuration file (password, encryption_method)
    #[arg(short, long, default_value = "/etc/send_nsca.cfg", value_name = "FILE")]
    pub config: PathBuf,

    /// Field delimiter: one character, or a number such as 0x09, 011 or 9
    #[arg(short, long, default_value = "0x09", value_parser = parse_delimiter, value_name = "DELIM")]
    pub delimiter: u8,

    /// Record separator, same syntax as -d (also -ds)
    #[arg(long, default_value = "0x17", value_parser = parse_delimiter, value_name = "SEP")]
    pub record_separator: u8,

    /// One record per line: the same as -ds 0x0a
    #[arg(long, conflicts_with = "record_separator")]
    pub lines: bool,

    /// Send NSCA 2.7 packets (512-byte output, one result per connection)
    #[arg(long = "legacy-2-7-mode")]
    pub legacy_2_7_mode: bool,

    /// Escape `\` and newlines in the output on the client, for servers older than 2.10.1
    #[arg(long)]
    pub escape: bool,

    /// Read JSON lines from stdin: {"host", "service", "status", "output"}; with
    /// --spool-status, print JSON lines
    #[arg(long, conflicts_with = "host")]
    pub json: bool,

    /// Keep undelivered results in DIR and send them first on the next run
    #[arg(long, value_name = "DIR")]
    pub spool: Option<PathBuf>,

    /// Show the spool instead of sending: per server, the results waiting, the oldest's
    /// age, the results the server refused for good, the last delivery
    #[arg(long, requires = "spool",
          conflicts_with_all = ["host", "wrap", "raw_commands", "legacy_2_7_mode"])]
    pub spool_status: bool,

    /// With --spool-status: one monitoring-plugin line, exit 0 OK, 1 WARNING, 2 CRITICAL,
    /// 3 UNKNOWN
    #[arg(long, requires = "spool_status")]
    pub nagios: bool,

    /// With --nagios: WARNING from N results waiting in a spool on [default: 1]
    #[arg(long, value_name = "N", requires = "nagios")]
    pub warning: Option<u64>,

    /// With --nagios: CRITICAL from N results waiting on [default: never]
    #[arg(long, value_name = "N", requires = "nagios")]
    pub critical: Option<u64>,

    /// With --nagios: WARNING when the oldest result waiting is SECONDS old [default: 600]
    #[arg(long, value_name = "SECONDS", requires = "nagios")]
    pub warning_age: Option<u64>,

    /// With --nagios: CRITICAL when the oldest result waiting is SECONDS old [default: 3600]
    #[arg(long, value_name = "SECONDS", requires = "nagios")]
    pub critical_age: Option<u64>,

    /// Send one result from the arguments instead of stdin: its host name (with
    /// --wrap: the host of the wrapped job, default this machine's name)
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,

    /// Service description of the single result (omit for a host check)
    #[arg(long, value_name = "NAME", requires = "host")]
    pub service: Option<String>,

    /// Return code of the single result: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
    #[arg(long, value_name = "CODE", requires = "host")]
    pub status: Option<String>,

    /// Plugin output of the single result
    #[arg(long, value_name = "TEXT", requires = "host", default_value = "")]
    pub output: String,

    /// Run the command after `--` and report it as SERVICE: its exit status 0-3 as the
    /// state (else UNKNOWN), its first output line; exit with its status
    #[arg(long, value_name = "SERVICE", requires = "command",
          conflicts_with_all = ["json", "status", "raw_commands"])]
    pub wrap: Option<String>,

    /// Seconds the --wrap command may run before it is stopped (CRITICAL, exit 124)
    #[arg(long, default_value_t = 3600, value_name = "SECONDS", requires = "wrap",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub command_timeout: u64,

    /// The --wrap command and its arguments
    #[arg(last = true, value_name = "COMMAND", requires = "wrap")]
    pub command: Vec<OsString>,

    /// Drop spooled results older than SECONDS instead of sending them (counted and reported)
    #[arg(long, value_name = "SECONDS", requires = "spool")]
    pub max_age: Option<u64>,

    /// Show the licence and exit (status 3, as send_nsca)
    #[arg(short = 'l', long)]
    pub license: bool,

    #[command(flatten)]
    pub verbosity: Verbosity,
}

/// send_nsca's single-dash long options, rewritten for clap.
pub(crate) fn normalize_args(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    args.into_iter()
        .map(|arg| match arg.to_str() {
            Some("-to") => "--timeout".into(),
            Some("-ds") => "--record-separator".into(),
            _ => arg,
        })
        .collect()
}

/// send_nsca's delimiter syntax: a single character is itself; anything
/// longer is a number with C's base detection (0x.. hex, 0.. octal).
fn parse_delimiter(text: &str) -> Result<u8, String> {
    let bytes = text.as_bytes();
    if bytes.len() == 1 {
        return Ok(bytes[0]);
    }
    let (digits, radix) = if let Some(hex) = text.strip_prefix("0x").or(text.strip_prefix("0X")) {
        (hex, 16)
    } else if text.len() > 1 && text.starts_with('0') {
        (&text[1..], 8)
    } else {
        (text, 10)
    };
    u8::from_str_radix(digits, radix)
        .ok()
        .filter(|&b| b != 0)
        .ok_or_else(|| format!("`{text}` is neither one character nor a number from 1 to 255"))
}

/// Parses the arguments; on a usage error prints it and gives send_nsca's
/// status 3. send_nsca's own `-h`, `-V` and `-l` print on stdout and give 3
/// too, as send_nsca does: a script that runs `nsca-send -V` sees what it
/// saw. The long `--help` and `--version` exit 0, as every tool of the suite.
pub(crate) fn parse_or_exit_code(args: impl IntoIterator<Item = OsString>) -> Result<Cli, u8> {
    let usage = super::types::Status::Usage.code();
    let args = normalize_args(args);
    let asked_long = |long: &str| {
        args.iter()
            .skip(1)
            .take_while(|arg| *arg != "--")
            .any(|arg| arg == long)
    };
    match Cli::try_parse_from(&args) {
        Ok(cli) if cli.license => {
            println!(
                "nsca-send (adminkit) {}\nLicense: {}",
                env!("CARGO_PKG_VERSION"),
                env!("CARGO_PKG_LICENSE")
            );
            Err(usage)
        }
        Ok(cli) => Ok(cli),
        Err(err) => {
            let _ = err.print();
            let long_form = match err.kind() {
                clap::error::ErrorKind::DisplayHelp => asked_long("--help"),
                clap::error::ErrorKind::DisplayVersion => asked_long("--version"),
                _ => false,
            };
            Err(if long_form { 0 } else { usage })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_like_send_nsca() {
        assert_eq!(parse_delimiter(","), Ok(b','));
        assert_eq!(parse_delimiter("0"), Ok(b'0'));
        assert_eq!(parse_delimiter("0x0a"), Ok(b'\n'));
        assert_eq!(parse_delimiter("011"), Ok(b'\t'));
        assert_eq!(parse_delimiter("23"), Ok(0x17));
        assert!(parse_delimiter("0x").is_err());
        assert!(parse_delimiter("256").is_err());
    }

    #[test]
    fn send_nsca_arguments_parse() {
        let args = [
            "nsca-send",
            "-H",
            "n",
            "-p",
            "1",
            "-to",
            "3",
            "-ds",
            "0x0a",
            "-d",
            ",",
            "--quiet",
        ];
        let cli = Cli::try_parse_from(normalize_args(args.map(OsString::from))).unwrap();
        assert_eq!(
            (&cli.server[..], cli.port, cli.timeout),
            (&["n".to_string()][..], Some(1), Some(3))
        );
        assert_eq!((cli.delimiter, cli.record_separator), (b',', b'\n'));
        assert!(cli.verbosity.is_quiet());
        let cli = Cli::try_parse_from(["nsca-send", "nagios"]).unwrap();
        assert_eq!(cli.server_arg.as_deref(), Some("nagios"));
        assert!(Cli::try_parse_from(["nsca-send", "-C", "--json"]).is_err());
        let cli = Cli::try_parse_from(["nsca-send", "-H", "a,b", "-H", "c", "--all"]).unwrap();
        assert_eq!(cli.server, ["a", "b", "c"]);
        assert!(Cli::try_parse_from(["nsca-send", "--all", "--failover"]).is_err());
    }
}
