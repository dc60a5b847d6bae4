//! `--wrap SERVICE -- COMMAND ARGS…`: runs a command (a cron job, say)
//! with a time limit, passes its output through, and reports it as a
//! passive result: its exit status 0-3 as the state (anything else is
//! UNKNOWN), its first output line (with any perfdata) as the output.
//! nsca-send then exits with the command's own status.

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Status of a command that ran out of time, as timeout(1) gives.
pub const TIMED_OUT: u8 = 124;
/// Status of a command that could not be started, as shells give.
pub const NOT_STARTED: u8 = 127;
/// The first line kept of each stream, in bytes.
const FIRST_LINE_LIMIT: usize = 4096;
/// After SIGTERM, how long the command has before SIGKILL.
const GRACE: Duration = Duration::from_secs(5);

/// How the wrapped command ended, and what to report.
#[derive(Debug, PartialEq, Eq)]
pub struct Finished {
    /// Nagios state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    pub state: u16,
    pub output: Vec<u8>,
    /// nsca-send's own exit status: the command's.
    pub exit: u8,
}

/// Runs `argv` for at most `limit`, its stdout and stderr copied to ours.
pub fn run(argv: &[OsString], limit: Duration) -> Finished {
    let name = argv[0].to_string_lossy().into_owned();
    let mut command = Command::new(&argv[0]);
    command
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group, so a timeout stops the job's children too.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => {
            return Finished {
                state: 3,
                output: format!("UNKNOWN - cannot run {name}: {err}").into_bytes(),
                exit: NOT_STARTED,
            };
        }
    };
    let stdout = tee(child.stdout.take().expect("piped"), io::stdout);
    let stderr = tee(child.stderr.take().expect("piped"), io::stderr);
    let started = Instant::now();
    let mut terminated_at = None;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) => {}
            Err(_) => break None,
        }
        let group = rustix::process::Pid::from_child(&child);
        match terminated_at {
            None if started.elapsed() > limit => {
                let _ = rustix::process::kill_process_group(group, rustix::process::Signal::TERM);
                terminated_at = Some(Instant::now());
            }
            Some(at) if at.elapsed() > GRACE => {
                let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
            }
            _ => {}
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let first_line = first_line(&stdout.wait()).or_else(|| first_line(&stderr.wait()));
    if terminated_at.is_some() {
        return Finished {
            state: 2,
            output: format!("CRITICAL - {name} timed out after {}s", limit.as_secs()).into_bytes(),
            exit: TIMED_OUT,
        };
    }
    let exit = status.map_or(NOT_STARTED, exit_code);
    let state = if exit <= 3 { u16::from(exit) } else { 3 };
    let output = first_line.unwrap_or_else(|| {
        let what = match status.and_then(|s| std::os::unix::process::ExitStatusExt::signal(&s)) {
            Some(signal) => format!("killed by signal {signal}"),
            None => format!("exit status {exit}"),
        };
        format!("{name}: {what}, no output").into_bytes()
    });
    Finished {
        state,
        output,
        exit,
    }
}

/// The command as a shell would show it, quoted where needed.
pub(crate) fn describe_command(argv: &[OsString]) -> String {
    argv.iter()
        .map(|arg| {
            let arg = arg.to_string_lossy();
            if !arg.is_empty()
                && arg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"/._-=:,+".contains(&b))
            {
                arg.into_owned()
            } else {
                format!("'{}'", arg.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// How a job ended, in words, with its status.
pub(crate) fn describe_exit(exit: u8) -> String {
    match exit {
        TIMED_OUT => format!("timed out (status {TIMED_OUT})"),
        NOT_STARTED => format!("could not be run (status {NOT_STARTED})"),
        129..=192 => format!("was killed by signal {} (status {exit})", exit - 128),
        _ => format!("exited with status {exit}"),
    }
}

/// A shell's view of a status: the code, or 128 + the signal.
fn exit_code(status: ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => code as u8,
        (None, Some(signal)) => 128u8.wrapping_add(signal as u8),
        (None, None) => NOT_STARTED,
    }
}

/// The first non-blank line, trimmed.
fn first_line(bytes: &[u8]) -> Option<Vec<u8>> {
    bytes
        .split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii)
        .find(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
}

/// A stream being copied to one of ours while its start is kept.
struct Tee {
    head: Arc<Mutex<Vec<u8>>>,
    done: Arc<Mutex<bool>>,
}

impl Tee {
    /// The start of the stream, once it ended; or what there is after a
    /// moment, if a child the command left behind still holds it open.
    fn wait(&self) -> Vec<u8> {
        let started = Instant::now();
        while !*self.done.lock().unwrap() && started.elapsed() < Duration::from_secs(2) {
            std::thread::sleep(Duration::from_millis(10));
        }
        self.head.lock().unwrap().clone()
    }
}

fn tee<R, W>(mut from: R, to: fn() -> W) -> Tee
where
    R: Read + Send + 'static,
    W: Write + 'static,
{
    let head = Arc::new(Mutex::new(Vec::new()));
    let done = Arc::new(Mutex::new(false));
    let (kept, finished) = (head.clone(), done.clone());
    std::thread::spawn(move || {
        let mut chunk = [0u8; 8192];
        let mut out = to();
        loop {
            match from.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    let mut head = kept.lock().unwrap();
                    // Keep enough to find the first line that is not blank.
                    if head.len() < FIRST_LINE_LIMIT * 4 {
                        head.extend_from_slice(&chunk[..n]);
                    }
                    drop(head);
                    // A closed stdout (cron without a mail) must not stop the job.
                    let _ = out.write_all(&chunk[..n]).and_then(|()| out.flush());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        *finished.lock().unwrap() = true;
    });
    Tee { head, done }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, limit: u64) -> Finished {
        let argv: Vec<OsString> = ["sh", "-c", script].map(OsString::from).to_vec();
        run(&argv, Duration::from_secs(limit))
    }

    #[test]
    fn states_outputs_and_exits() {
        let f = sh("echo; echo ' backup ok|size=10B '; echo more", 60);
        assert_eq!(
            f,
            Finished {
                state: 0,
                output: b"backup ok|size=10B".to_vec(),
                exit: 0
            }
        );
        let f = sh("echo disk low >&2; exit 1", 60);
        assert_eq!((f.state, &f.output[..], f.exit), (1, &b"disk low"[..], 1));
        let f = sh("echo stdout wins; echo err >&2; exit 2", 60);
        assert_eq!(
            (f.state, &f.output[..], f.exit),
            (2, &b"stdout wins"[..], 2)
        );
        let f = sh("exit 7", 60);
        assert_eq!((f.state, f.exit), (3, 7));
        assert_eq!(f.output, b"sh: exit status 7, no output");
        let f = sh("kill -9 $$", 60);
        assert_eq!((f.state, f.exit), (3, 137));
        assert_eq!(f.output, b"sh: killed by signal 9, no output");
    }

    #[test]
    fn a_missing_command_is_unknown_with_127() {
        let f = run(
            &[OsString::from("/nonexistent/job")],
            Duration::from_secs(5),
        );
        assert_eq!((f.state, f.exit), (3, NOT_STARTED));
        assert!(
            String::from_utf8_lossy(&f.output)
                .starts_with("UNKNOWN - cannot run /nonexistent/job:")
        );
    }

    #[test]
    fn a_job_past_its_limit_is_stopped_with_its_children() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("child-survived");
        // The child would write the marker after 3 s unless the group is killed.
        let script = format!("(sleep 3; touch {}) & sleep 30", marker.display());
        let f = sh(&script, 1);
        assert_eq!((f.state, f.exit), (2, TIMED_OUT));
        assert_eq!(f.output, b"CRITICAL - sh timed out after 1s");
        std::thread::sleep(Duration::from_secs(3));
        assert!(!marker.exists(), "the job's child outlived the timeout");
    }
}
