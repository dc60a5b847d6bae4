//! Debian's Icinga 2 (`icinga2 daemon` in the foreground), started per
//! test on a private port with a private config tree: an API listener with
//! a certificate signed by a private CA, an ApiUser for nsca-send, passive
//! hosts and services. Results are read back from `/v1/objects` with curl.

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ICINGA2: &str = "/usr/sbin/icinga2";
pub const API_USER: &str = "nsca";
pub const PASSWORD: &str = "s3cret";
/// An ApiUser that may read objects but not process check results: the
/// API answers its results with 403.
pub const UNPERMITTED_USER: &str = "watcher";
pub const UNPERMITTED_PASSWORD: &str = "w4tch";

pub struct Icinga {
    pub dir: tempfile::TempDir,
    pub address: String,
    pub port: u16,
    /// The private CA that signed the API's certificate.
    pub ca: PathBuf,
    child: Option<Child>,
}

/// Passive objects every server has: hosts web01 and web02, services
/// web01!backup and web01!HTTP.
const OBJECTS: &str = r#"
object CheckCommand "dummy" { command = [ "/bin/true" ] }
template Host "passive-host" {
  check_command = "dummy"
  enable_active_checks = false
}
template Service "passive-service" {
  check_command = "dummy"
  enable_active_checks = false
}
object Host "web01" { import "passive-host" }
object Host "web02" { import "passive-host" }
object Service "backup" { import "passive-service"; host_name = "web01" }
object Service "HTTP" { import "passive-service"; host_name = "web01" }
"#;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl must be installed");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, and a certificate it signs for `name` (an IP address or a DNS
/// name), in `dir`: `ca.crt`, `<prefix>.crt`, `<prefix>.key`.
pub fn make_certificates(dir: &Path, prefix: &str, name: &str) {
    let san = if name.parse::<std::net::IpAddr>().is_ok() {
        format!("subjectAltName=IP:{name}")
    } else {
        format!("subjectAltName=DNS:{name}")
    };
    let ca_key = format!("{prefix}-ca.key");
    let ca_crt = format!("{prefix}-ca.crt");
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=Test Icinga CA",
            "-keyout",
            &ca_key,
            "-out",
            &ca_crt,
        ],
    );
    let (key, csr, crt) = (
        format!("{prefix}.key"),
        format!("{prefix}.csr"),
        format!("{prefix}.crt"),
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            &format!("/CN={name}"),
            "-keyout",
            &key,
            "-out",
            &csr,
        ],
    );
    let ext = dir.join(format!("{prefix}.ext"));
    std::fs::write(&ext, format!("{san}\n")).unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &ca_crt,
            "-CAkey",
            &ca_key,
            "-CAcreateserial",
            "-days",
            "2",
            "-out",
            &crt,
            "-extfile",
            ext.to_str().unwrap(),
        ],
    );
}

impl Icinga {
    /// Starts Icinga 2 with the standard objects and ApiUser `nsca`
    /// allowed to process check results.
    pub fn start() -> Icinga {
        Icinga::start_at("127.0.0.1", None)
    }

    /// Starts Icinga 2 listening on `address` (127.0.0.2 is the second
    /// server of the several-servers tests), on `port` or a free one, with
    /// a certificate naming `address` signed by its own CA.
    pub fn start_at(address: &str, fixed_port: Option<u16>) -> Icinga {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for sub in [
            "etc",
            "data",
            "log",
            "cache",
            "spool",
            "run/icinga2",
            "certs",
        ] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        make_certificates(&root.join("certs"), "api", address);
        let certs = root.join("certs");
        for _attempt in 0..5 {
            let port = fixed_port.unwrap_or_else(crate::nsca::free_port);
            let config = root.join("etc/icinga2.conf");
            std::fs::write(
                &config,
                format!(
                    r#"const NodeName = "{address}"
const ZoneName = "master"
object Endpoint NodeName {{ }}
object Zone ZoneName {{ endpoints = [ NodeName ] }}
object IcingaApplication "app" {{ }}
object ApiListener "api" {{
  bind_host = "{address}"
  bind_port = {port}
  cert_path = "{certs}/api.crt"
  key_path = "{certs}/api.key"
  ca_path = "{certs}/api-ca.crt"
  accept_commands = true
}}
object ApiUser "{API_USER}" {{
  password = "{PASSWORD}"
  permissions = [ "actions/process-check-result", "objects/query/Service", "objects/query/Host" ]
}}
object ApiUser "{UNPERMITTED_USER}" {{
  password = "{UNPERMITTED_PASSWORD}"
  permissions = [ "actions/acknowledge-problem", "objects/query/Service", "objects/query/Host" ]
}}
object ApiUser "reader" {{
  password = "r3ad"
  permissions = [ "objects/query/Service", "objects/query/Host" ]
}}
{OBJECTS}
"#,
                    certs = certs.display()
                ),
            )
            .unwrap();
            let mut child = spawn(root);
            if wait_listening(root, address, port, &mut child) {
                return Icinga {
                    address: address.to_string(),
                    ca: certs.join("api-ca.crt"),
                    dir,
                    port,
                    child: Some(child),
                };
            }
            kill_group(&mut child);
        }
        panic!(
            "icinga2 did not start listening: {}",
            std::fs::read_to_string(root.join("icinga2.log")).unwrap_or_default()
        );
    }

    /// Kills the daemon: its port refuses connections.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            kill_group(&mut child);
        }
    }

    /// Starts the daemon again on the same port, with the state it saved.
    pub fn restart(&mut self) {
        self.stop();
        let root = self.dir.path();
        for _attempt in 0..50 {
            let mut child = spawn(root);
            if wait_listening(root, &self.address, self.port, &mut child) {
                self.child = Some(child);
                return;
            }
            // The old listener's port may linger a moment.
            kill_group(&mut child);
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("icinga2 did not restart: {}", self.log());
    }

    /// How many process-check-result requests the API has answered (its
    /// log names each request), counted once `at_least` are there (or after
    /// a few seconds, whatever is there).
    pub fn check_results_received(&self, at_least: usize) -> usize {
        let started = Instant::now();
        loop {
            let count = self
                .log()
                .lines()
                .filter(|l| l.contains("/v1/actions/process-check-result"))
                .count();
            if count >= at_least || started.elapsed() > Duration::from_secs(10) {
                return count;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("icinga2.log")).unwrap_or_default()
    }

    /// A client config for `api_user` with `password`, naming this server
    /// and its CA, plus `extra` lines.
    pub fn client_config(&self, api_user: &str, password: &str, extra: &str) -> PathBuf {
        let path = self
            .dir
            .path()
            .join(format!("nsca-send-{api_user}-{}.cfg", password.len()));
        std::fs::write(
            &path,
            format!(
                "protocol = icinga2\napi_user = {api_user}\npassword = \"{password}\"\n\
                 server = {}\nport = {}\nca = \"{}\"\n{extra}",
                self.address,
                self.port,
                self.ca.display()
            ),
        )
        .unwrap();
        path
    }

    /// `GET /v1/objects/<kind>s?…` as the reader user, with curl trusting
    /// only this server's CA.
    fn get(&self, query: &str) -> serde_json::Value {
        let url = format!("https://{}:{}/v1/objects/{query}", self.address, self.port);
        let out = Command::new("curl")
            .args(["-sS", "--fail-with-body", "-u", "reader:r3ad", "-H"])
            .arg("Accept: application/json")
            .arg("--cacert")
            .arg(&self.ca)
            .arg(&url)
            .output()
            .expect("curl must be installed");
        assert!(
            out.status.success(),
            "curl {url}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// The last check result of `host!service` (or of host `host` when
    /// `service` is empty), `null` when it has none.
    pub fn last_check_result(&self, host: &str, service: &str) -> serde_json::Value {
        let query = if service.is_empty() {
            format!("hosts?host={host}&attrs=last_check_result")
        } else {
            format!("services?service={host}!{service}&attrs=last_check_result")
        };
        let answer = self.get(&query);
        answer["results"][0]["attrs"]["last_check_result"].clone()
    }

    /// Waits until the last check result of the object has `output`.
    pub fn wait_for_output(&self, host: &str, service: &str, output: &str) -> serde_json::Value {
        let started = Instant::now();
        loop {
            let result = self.last_check_result(host, service);
            if result["output"] == output || started.elapsed() > Duration::from_secs(10) {
                return result;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Runs `icinga2 daemon` on the config tree under `root`, logging to
/// `root/icinga2.log`.
fn spawn(root: &Path) -> Child {
    let config = root.join("etc/icinga2.conf");
    let log = File::create(root.join("icinga2.log")).unwrap();
    let d = |name: &str, sub: &str| format!("-D{name}={}", root.join(sub).display());
    Command::new(ICINGA2)
        .arg("daemon")
        .arg("-c")
        .arg(&config)
        .args([
            d("ConfigDir", "etc"),
            d("DataDir", "data"),
            d("LogDir", "log"),
            d("CacheDir", "cache"),
            d("SpoolDir", "spool"),
            d("InitRunDir", "run/icinga2"),
        ])
        .args(["-DRunAsUser=root", "-DRunAsGroup=root"])
        // Its own group: the daemon forks a worker, killed with it.
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("the icinga2-bin package must be installed (/usr/sbin/icinga2)")
}

/// Waits for the listener on `port`; false when the daemon died or could
/// not bind (another test took the port first).
fn wait_listening(root: &Path, address: &str, port: u16, child: &mut Child) -> bool {
    let listening = format!("Started new listener on '[{address}]:{port}'");
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        let log = std::fs::read_to_string(root.join("icinga2.log")).unwrap_or_default();
        if log.contains("Cannot bind") {
            return false;
        }
        if log.contains(&listening) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

fn kill_group(child: &mut Child) {
    let group = child.id() as libc::pid_t;
    // SAFETY: a signal to the process group this test started.
    unsafe { libc::kill(-group, libc::SIGKILL) };
    let _ = child.wait();
}

impl Drop for Icinga {
    fn drop(&mut self) {
        self.stop();
    }
}
