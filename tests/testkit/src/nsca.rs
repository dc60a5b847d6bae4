//! The real Debian NSCA daemon, started per test on a private port with a
//! private config, and nsca-send / send_nsca pointed at it.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

pub const NSCA: &str = "/usr/sbin/nsca";
pub const SEND_NSCA: &str = "/usr/sbin/send_nsca";

/// A port below 32768 (the daemon's config wants a fixed one) that nothing
/// listens on, different for every test process and call.
/// Seconds since the epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub fn free_port() -> u16 {
    static NEXT: AtomicU16 = AtomicU16::new(0);
    loop {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let port = 20000
            + ((std::process::id() as u16)
                .wrapping_mul(97)
                .wrapping_add(n * 13))
                % 12000;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

pub struct Daemon {
    pub dir: tempfile::TempDir,
    pub port: u16,
    child: Child,
}

/// How the daemon runs: its own `--single` event loop, `--daemon` (a
/// forked child per connection, as Debian's init script starts it), or
/// `--inetd` behind systemd-socket-activate in inetd style (a new process
/// per connection with the socket on stdin and stdout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Single,
    Forking,
    Inetd,
}

const SOCKET_ACTIVATE: &str = "/usr/bin/systemd-socket-activate";

impl Daemon {
    /// Starts `nsca -f --single` decrypting with `method` and `password`.
    pub fn start(method: u8, password: &str) -> Daemon {
        Daemon::start_mode(Mode::Single, method, password)
    }

    /// Kills the daemon with SIGKILL, as an OOM killer or an admin would.
    pub fn kill9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Starts the daemon in `mode`.
    pub fn start_mode(mode: Mode, method: u8, password: &str) -> Daemon {
        Daemon::launch(mode, "127.0.0.1", None, method, password)
    }

    /// Starts `nsca -f --single` on `address` (127.0.0.2 is the second
    /// server of the several-servers tests), on `port` or a free one.
    pub fn start_at(address: &str, port: Option<u16>, method: u8, password: &str) -> Daemon {
        Daemon::launch(Mode::Single, address, port, method, password)
    }

    fn launch(
        mode: Mode,
        address: &str,
        fixed_port: Option<u16>,
        method: u8,
        password: &str,
    ) -> Daemon {
        let dir = tempfile::tempdir().unwrap();
        let commands = dir.path().join("commands");
        std::fs::write(&commands, b"").unwrap();
        for _attempt in 0..5 {
            let port = fixed_port.unwrap_or_else(free_port);
            let config = dir.path().join("nsca.cfg");
            // The daemon refuses an empty `password=` line.
            let password_line = if password.is_empty() {
                String::new()
            } else {
                format!("password={password}\n")
            };
            std::fs::write(
                &config,
                format!(
                    "server_port={port}\nserver_address={address}\ncommand_file={}\n\
                     append_to_file=1\nmax_packet_age=30\ndecryption_method={method}\n\
                     {password_line}debug=0\naggregate_writes=0\n",
                    commands.display()
                ),
            )
            .unwrap();
            let mut command = match mode {
                Mode::Single | Mode::Forking => {
                    let mut c = Command::new(NSCA);
                    c.arg("-c").arg(&config).arg("-f");
                    c.arg(if mode == Mode::Single {
                        "--single"
                    } else {
                        "--daemon"
                    });
                    c
                }
                Mode::Inetd => {
                    let mut c = Command::new(SOCKET_ACTIVATE);
                    c.args(["--inetd", "--accept", "-l"])
                        .arg(format!("{address}:{port}"))
                        .arg(NSCA)
                        .arg("-c")
                        .arg(&config)
                        .arg("--inetd");
                    c
                }
            };
            // The forking daemon's children outlive it: one process group
            // lets Drop end them all.
            std::os::unix::process::CommandExt::process_group(&mut command, 0);
            let mut child = command
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("the nsca package must be installed (/usr/sbin/nsca)");
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(5) {
                if child.try_wait().unwrap().is_some() {
                    // Most likely another test took the port first: try another.
                    break;
                }
                if listening(address, port) {
                    return Daemon { dir, port, child };
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("nsca did not start listening");
    }

    pub fn commands_path(&self) -> PathBuf {
        self.dir.path().join("commands")
    }

    /// The command lines without their `[timestamp] ` prefix, once `count`
    /// have arrived (or after a few seconds, whatever is there).
    pub fn lines(&self, count: usize) -> Vec<String> {
        let started = Instant::now();
        loop {
            let text = std::fs::read(self.commands_path()).unwrap();
            let lines: Vec<String> = String::from_utf8_lossy(&text)
                .lines()
                .map(|l| {
                    assert!(l.starts_with('['), "{l}");
                    l.split_once("] ").unwrap().1.to_string()
                })
                .collect();
            if lines.len() >= count || started.elapsed() > Duration::from_secs(5) {
                return lines;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Writes the client config for this daemon's method and `password`
    /// (no password line for an empty one: send_nsca refuses `password=`).
    pub fn client_config(&self, method: u8, password: &str) -> PathBuf {
        let path = self.dir.path().join(format!("send-{method}.cfg"));
        let password_line = if password.is_empty() {
            String::new()
        } else {
            format!("password={password}\n")
        };
        std::fs::write(
            &path,
            format!("{password_line}encryption_method={method}\n"),
        )
        .unwrap();
        path
    }
}

/// True once something accepts on the port. The probe connection costs the
/// daemon nothing: it sends its init packet and sees us go.
fn listening(address: &str, port: u16) -> bool {
    let addr = format!("{address}:{port}").parse().unwrap();
    TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // SAFETY: kill(2) on our own child's process group, a plain syscall.
        unsafe {
            libc::kill(-(self.child.id() as i32), libc::SIGKILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs nsca-send with `args`, feeding `stdin`.
pub fn nsca_send(args: &[&str], stdin: &[u8]) -> Output {
    run(assert_cmd::cargo::cargo_bin("nsca-send"), args, stdin)
}

pub fn run(program: impl AsRef<Path>, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(program.as_ref())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // The program may stop reading early; that is its business.
        let _ = input.write_all(&data);
    });
    // No program may hang the suite: one that outlives its allowance is
    // killed, and the test fails saying so.
    let pid = child.id() as libc::pid_t;
    let (finished, watch) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        let expired = watch.recv_timeout(RUN_ALLOWANCE).is_err();
        if expired {
            // SAFETY: a plain kill(2). It can only race the child's own exit
            // at the very end of the allowance.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        expired
    });
    let output = child.wait_with_output().unwrap();
    let _ = finished.send(());
    writer.join().unwrap();
    let killed = watchdog.join().unwrap();
    assert!(
        !killed,
        "{} {args:?} ran over {RUN_ALLOWANCE:?} and was killed; stderr: {}",
        program.as_ref().display(),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// How long one run of a program may take before it counts as hung.
const RUN_ALLOWANCE: Duration = Duration::from_secs(120);

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// nsca-send's arguments for the daemon on 127.0.0.1:`port` with `config`.
pub fn args<'a>(port: &'a str, config: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "-H",
        "127.0.0.1",
        "-p",
        port,
        "-c",
        config.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    args
}

/// An unprivileged account made with useradd for a test (the attacker),
/// removed with its group when dropped.
pub struct Account {
    pub name: String,
}

impl Account {
    pub fn new(tag: &str) -> Account {
        static N: AtomicU16 = AtomicU16::new(0);
        let name = format!(
            "{tag}{}x{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let out = Command::new("useradd")
            .args(["-M", "-U", "-d", "/nonexistent", "-s", "/bin/sh"])
            .arg(&name)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "useradd: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Account { name }
    }

    /// Runs `script` with sh as this user, and insists that it worked.
    pub fn sh(&self, script: &str) {
        let out = Command::new("setpriv")
            .args([
                &format!("--reuid={}", self.name),
                &format!("--regid={}", self.name),
                "--clear-groups",
                "sh",
                "-c",
                script,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "as {}: {script}: {}",
            self.name,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Account {
    fn drop(&mut self) {
        // userdel removes the group -U made with the user.
        let _ = Command::new("userdel").arg(&self.name).status();
    }
}

/// A spool line as nsca-send writes it, checksum included, for records that
/// stdin would never let through.
pub fn spool_line(host: &[u8], service: &[u8], status: u16, output: &[u8]) -> Vec<u8> {
    spool_line_made(now(), host, service, status, output)
}

/// [`spool_line`] for a result made at `created` (seconds since the epoch).
pub fn spool_line_made(
    created: u64,
    host: &[u8],
    service: &[u8],
    status: u16,
    output: &[u8],
) -> Vec<u8> {
    let escape = |field: &[u8]| -> Vec<u8> {
        field
            .iter()
            .flat_map(|&b| match b {
                b'%' | b'\t' | b'\r' | b'\n' => format!("%{b:02X}").into_bytes(),
                _ => vec![b],
            })
            .collect()
    };
    let mut line = format!("2\t{created}\t{status}\t").into_bytes();
    line.extend(escape(host));
    line.push(b'\t');
    line.extend(escape(service));
    line.push(b'\t');
    line.extend(escape(output));
    let crc = crc32fast::hash(&line);
    line.extend(format!("\t{crc:08x}\n").as_bytes());
    line
}
