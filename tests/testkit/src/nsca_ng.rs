//! Debian's NSCA-ng server (`nsca-ng -F`), started per test on a private
//! port with a private config, writing into a named pipe that a thread
//! reads back, and NSCA-ng's own send_nsca (extracted by .ci/nsca-ng-client).

use std::fs::File;
use std::io::Read;
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const NSCA_NG: &str = "/usr/sbin/nsca-ng";
/// NSCA-ng's client, extracted by `.ci/nsca-ng-client` (CI runs it).
const NG_SEND_NSCA: &str = "/opt/nsca-ng-client/usr/sbin/send_nsca";

pub fn ng_send_nsca() -> &'static str {
    assert!(
        std::path::Path::new(NG_SEND_NSCA).exists(),
        "NSCA-ng's send_nsca is missing: run `bash .ci/nsca-ng-client`"
    );
    NG_SEND_NSCA
}

pub struct NgServer {
    pub dir: tempfile::TempDir,
    pub address: String,
    pub port: u16,
    child: Child,
    received: Arc<Mutex<Vec<u8>>>,
    stop: Arc<AtomicBool>,
    reader: Option<JoinHandle<()>>,
}

impl NgServer {
    /// Starts `nsca-ng -F` with `authorize` blocks such as
    /// `authorize "web01" { password = "s3cret"; hosts = ".*"; services = ".*" }`.
    pub fn start(authorizations: &str) -> NgServer {
        NgServer::start_at("127.0.0.1", None, authorizations)
    }

    /// Starts it listening on `address` (127.0.0.2 is the second server
    /// of the several-servers tests), on `port` or a free one.
    pub fn start_at(address: &str, fixed_port: Option<u16>, authorizations: &str) -> NgServer {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("icinga2.cmd");
        let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let reader = {
            // Opened read-write, the pipe always has a writer: the open never
            // blocks, the server's open never fails for want of a reader, and
            // the reader never sees an end of file. It stops when told, after
            // draining what is there.
            let pipe = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(&fifo)
                .unwrap();
            let (received, stop) = (received.clone(), stop.clone());
            std::thread::spawn(move || read_until_stopped(pipe, &received, &stop))
        };
        for _attempt in 0..5 {
            let port = fixed_port.unwrap_or_else(crate::nsca::free_port);
            let config = dir.path().join("nsca-ng.cfg");
            std::fs::write(
                &config,
                format!(
                    "command_file = \"{}\"\nlisten = \"{address}:{port}\"\n\
                     temp_directory = \"{}\"\nlog_level = 4\ntimeout = 30.0\n{authorizations}\n",
                    fifo.display(),
                    dir.path().display()
                ),
            )
            .unwrap();
            let log = File::create(dir.path().join("server.log")).unwrap();
            let mut child = Command::new(NSCA_NG)
                .arg("-c")
                .arg(&config)
                .arg("-F")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("the nsca-ng-server package must be installed (/usr/sbin/nsca-ng)");
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(10) {
                if child.try_wait().unwrap().is_some() {
                    // Most likely another test took the port first: try another.
                    break;
                }
                if TcpStream::connect((address, port)).is_ok() {
                    return NgServer {
                        dir,
                        address: address.to_string(),
                        port,
                        child,
                        received,
                        stop,
                        reader: Some(reader),
                    };
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!(
            "nsca-ng did not start listening: {}",
            std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default()
        );
    }

    /// The server's log (log level 4: every request and answer).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// The command lines written into the pipe, with their timestamps,
    /// once `count` have arrived (or after a few seconds, whatever is there).
    pub fn commands(&self, count: usize) -> Vec<String> {
        let started = Instant::now();
        loop {
            let text = String::from_utf8_lossy(&self.received.lock().unwrap()).into_owned();
            let lines: Vec<String> = text.lines().map(str::to_string).collect();
            if lines.len() >= count || started.elapsed() > Duration::from_secs(10) {
                return lines;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The commands without their `[timestamp] `.
    pub fn lines(&self, count: usize) -> Vec<String> {
        self.commands(count)
            .iter()
            .map(|l| {
                assert!(l.starts_with('['), "{l}");
                l.split_once("] ").unwrap().1.to_string()
            })
            .collect()
    }

    /// A client config (NSCA-ng's syntax) for `identity` and `password`,
    /// pointing at this server.
    pub fn client_config(&self, identity: &str, password: &str) -> PathBuf {
        let path = self
            .dir
            .path()
            .join(format!("send-{identity}-{}.cfg", password.len()));
        std::fs::write(
            &path,
            format!(
                "identity = \"{identity}\"\npassword = \"{password}\"\nserver = {}\nport = {}\n",
                self.address, self.port
            ),
        )
        .unwrap();
        path
    }
}

/// Appends what arrives on `pipe` to `received` until `stop` is set and the
/// pipe is empty.
fn read_until_stopped(mut pipe: File, received: &Mutex<Vec<u8>>, stop: &AtomicBool) {
    let mut chunk = [0u8; 65536];
    loop {
        let mut ready = libc::pollfd {
            fd: pipe.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd for the duration of the call.
        let count = unsafe { libc::poll(&mut ready, 1, 50) };
        if count > 0 {
            match pipe.read(&mut chunk) {
                Ok(n) => received.lock().unwrap().extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => panic!("reading the command pipe: {e}"),
            }
        } else if stop.load(Ordering::SeqCst) {
            return;
        }
    }
}

impl Drop for NgServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stop.store(true, Ordering::SeqCst);
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}
