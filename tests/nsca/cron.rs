//! nsca-send from cron on many hosts (issue #29): quiet while results wait
//! safely in the spool, loud when they are lost, several servers, a spool
//! that monitoring can read, spread-out connects, a wrapped job's failure
//! said once, and the newline that merges records. Real Debian daemons on
//! 127.0.0.1 and 127.0.0.2.

use serde_json::Value;
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};
use testkit::nsca::{
    Daemon, SEND_NSCA, args, free_port, now, nsca_send, run, spool_line_made, stderr, stdout,
};

fn spool_arg(dir: &Path) -> &str {
    dir.to_str().unwrap()
}

#[test]
fn an_outage_under_q_is_silent_with_status_1_and_loud_only_when_losing() {
    let mut daemon = Daemon::start(1, "cron");
    let config = daemon.client_config(1, "cron");
    let port = daemon.port.to_string();
    daemon.kill9(); // the outage
    let spool = tempfile::tempdir().unwrap();
    let quiet = |input: &[u8]| {
        nsca_send(
            &args(&port, &config, &["-q", "--spool", spool_arg(spool.path())]),
            input,
        )
    };
    for run in ["a\t0\tfirst", "b\t2\tsecond"] {
        let out = quiet(run.as_bytes());
        assert_eq!(out.status.code(), Some(1), "kept, nothing lost");
        assert_eq!(stderr(&out), "", "cron mails nothing");
        assert_eq!(stdout(&out), "");
    }
    // Without -q the same run says why, as warnings.
    let out = nsca_send(
        &args(&port, &config, &["--spool", spool_arg(spool.path())]),
        b"c\t0\tthird",
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("warning: cannot reach 127.0.0.1:"), "{err}");
    assert!(err.contains("3 result(s) kept in"), "{err}");
    // Without a spool the results are lost: said even under -q, status 2.
    let out = nsca_send(&args(&port, &config, &["-q"]), b"d\t0\tlost");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("1 result(s) not delivered"),
        "{}",
        stderr(&out)
    );

    // The server back: everything arrives, status 0, still silent under -q.
    let daemon = Daemon::start_at("127.0.0.1", Some(daemon.port), 1, "cron");
    let out = quiet(b"e\t0\tback");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!((stdout(&out), stderr(&out)), (String::new(), String::new()));
    let lines = daemon.lines(4);
    assert_eq!(
        lines,
        [
            "PROCESS_HOST_CHECK_RESULT;a;0;first",
            "PROCESS_HOST_CHECK_RESULT;b;2;second",
            "PROCESS_HOST_CHECK_RESULT;c;0;third",
            "PROCESS_HOST_CHECK_RESULT;e;0;back",
        ]
    );
}

fn spool_status(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut all = vec!["--spool", spool_arg(dir), "--spool-status"];
    all.extend_from_slice(extra);
    nsca_send(&all, b"")
}

#[test]
fn spool_status_goes_warning_then_critical_as_results_age() {
    let spool = tempfile::tempdir().unwrap();
    let file = spool.path().join("mon.example_5667.spool");
    let write = |age: u64| {
        let created = now() - age;
        let mut text = spool_line_made(created, b"web01", b"disk", 2, b"full");
        text.extend(spool_line_made(created + 5, b"web02", b"", 0, b"up"));
        std::fs::write(&file, text).unwrap();
    };
    write(30);
    let out = spool_status(spool.path(), &[]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.starts_with("mon.example_5667: 2 result(s) waiting, the oldest 3"),
        "{text}"
    );
    assert!(
        text.contains("0 rejected; 0 damaged; last delivery never"),
        "{text}"
    );

    let out = spool_status(spool.path(), &["--json"]);
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["spool"], "mon.example_5667");
    assert_eq!(lines[0]["waiting"], 2);
    assert!(lines[0]["oldest_age"].as_u64().unwrap() >= 30);
    assert_eq!(lines[0]["last_delivery"], Value::Null);
    assert_eq!(lines[1]["tool"], "nsca-send", "the envelope closes it");
    assert_eq!(lines[1]["waiting"], 2);

    let plugin = |extra: &[&str]| {
        let mut all = vec!["--nagios"];
        all.extend_from_slice(extra);
        let out = spool_status(spool.path(), &all);
        (out.status.code().unwrap(), stdout(&out))
    };
    let (code, line) = plugin(&["--warning", "5"]);
    assert_eq!(code, 0, "{line}");
    assert!(
        line.starts_with("NSCA-SEND OK - 2 result(s) waiting"),
        "{line}"
    );
    assert!(line.contains("| waiting=2;5;;0 oldest=3"), "{line}");
    let (code, line) = plugin(&[]);
    assert_eq!(code, 1, "two waiting, warning from 1: {line}");
    write(700);
    let (code, line) = plugin(&["--warning", "5"]);
    assert_eq!(code, 1, "older than 600 s: {line}");
    assert!(line.starts_with("NSCA-SEND WARNING"), "{line}");
    write(4000);
    let (code, line) = plugin(&["--warning", "5"]);
    assert_eq!(code, 2, "older than 3600 s: {line}");
    assert!(line.starts_with("NSCA-SEND CRITICAL"), "{line}");
    let (code, _) = plugin(&["--warning", "5", "--critical-age", "5000"]);
    assert_eq!(code, 1);

    // A spool that cannot be read is UNKNOWN, not OK.
    let missing = spool.path().join("missing");
    let out = nsca_send(
        &["--spool", spool_arg(&missing), "--spool-status", "--nagios"],
        b"",
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stdout(&out).starts_with("NSCA-SEND UNKNOWN - spool"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn after_a_delivery_the_status_shows_it_and_nothing_waiting() {
    let daemon = Daemon::start(1, "st");
    let config = daemon.client_config(1, "st");
    let port = daemon.port.to_string();
    let spool = tempfile::tempdir().unwrap();
    let out = nsca_send(
        &args(&port, &config, &["--spool", spool_arg(spool.path())]),
        b"h\t0\tok",
    );
    assert_eq!(out.status.code(), Some(0));
    let out = spool_status(spool.path(), &["--json"]);
    let first: Value = serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    assert_eq!(first["spool"], format!("127.0.0.1_{port}"));
    assert_eq!(first["waiting"], 0);
    let delivered = first["last_delivery"].as_u64().unwrap();
    assert!(now() - delivered < 60, "{first}");
    let out = spool_status(spool.path(), &["--nagios"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn two_servers_with_failover_and_with_all_one_down_then_the_other() {
    let mut first = Daemon::start_at("127.0.0.1", None, 1, "ha");
    let port = first.port;
    let mut second = Daemon::start_at("127.0.0.2", Some(port), 1, "ha");
    let config = first.client_config(1, "ha");
    let port_arg = port.to_string();
    let config_arg = config.to_str().unwrap();
    let spool = tempfile::tempdir().unwrap();
    let send = |servers: &str, extra: &[&str], input: &str| {
        let mut all = vec!["-H", servers, "-p", &port_arg, "-c", config_arg];
        all.extend_from_slice(&["--spool", spool_arg(spool.path())]);
        all.extend_from_slice(extra);
        nsca_send(&all, input.as_bytes())
    };

    // Failover: the first that answers takes the batch.
    let out = send("127.0.0.1,127.0.0.2", &[], "h\t0\tone");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(first.lines(1), ["PROCESS_HOST_CHECK_RESULT;h;0;one"]);
    first.kill9();
    let out = send("127.0.0.1,127.0.0.2", &["-q"], "h\t0\ttwo");
    assert_eq!(
        out.status.code(),
        Some(0),
        "the second took it: {}",
        stderr(&out)
    );
    assert_eq!(second.lines(1), ["PROCESS_HOST_CHECK_RESULT;h;0;two"]);
    let mut first = Daemon::start_at("127.0.0.1", Some(port), 1, "ha");
    second.kill9();
    let out = send("127.0.0.2", &["-H", "127.0.0.1"], "h\t0\tthree");
    assert_eq!(out.status.code(), Some(0), "-H repeated: {}", stderr(&out));
    assert_eq!(first.lines(1), ["PROCESS_HOST_CHECK_RESULT;h;0;three"]);

    // --all: every server gets every result; the one down keeps its copy.
    let out = send("127.0.0.1,127.0.0.2", &["--all"], "h\t1\tfour");
    assert_eq!(
        out.status.code(),
        Some(1),
        "kept for the second: {}",
        stderr(&out)
    );
    assert_eq!(
        stdout(&out),
        format!("1 data packet(s) sent to 127.0.0.1:{port} successfully.\n")
    );
    assert!(stderr(&out).contains("127.0.0.2:"), "{}", stderr(&out));
    assert_eq!(first.lines(2)[1], "PROCESS_HOST_CHECK_RESULT;h;1;four");
    let second = Daemon::start_at("127.0.0.2", Some(port), 1, "ha");
    first.kill9();
    let out = send("127.0.0.1,127.0.0.2", &["--all"], "h\t0\tfive");
    assert_eq!(
        out.status.code(),
        Some(1),
        "now the first keeps: {}",
        stderr(&out)
    );
    assert_eq!(
        second.lines(2),
        [
            "PROCESS_HOST_CHECK_RESULT;h;1;four",
            "PROCESS_HOST_CHECK_RESULT;h;0;five"
        ]
    );
    let first = Daemon::start_at("127.0.0.1", Some(port), 1, "ha");
    let out = send("127.0.0.1,127.0.0.2", &["--all"], "h\t0\tsix");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "2 data packet(s) sent to 127.0.0.1:{port} successfully.\n\
             1 data packet(s) sent to 127.0.0.2:{port} successfully.\n"
        )
    );
    assert_eq!(
        first.lines(2),
        [
            "PROCESS_HOST_CHECK_RESULT;h;0;five",
            "PROCESS_HOST_CHECK_RESULT;h;0;six"
        ]
    );
    assert_eq!(second.lines(3)[2], "PROCESS_HOST_CHECK_RESULT;h;0;six");
}

/// A peer that notes when each connection arrives and hangs up.
fn connect_clock() -> (u16, std::sync::mpsc::Receiver<Instant>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            if tx.send(Instant::now()).is_err() {
                break;
            }
            drop(conn);
        }
    });
    (port, rx)
}

/// The wait nsca-send announced under -v.
fn announced_wait(err: &str) -> f64 {
    let at = err.find("waiting ").unwrap_or_else(|| panic!("{err}")) + "waiting ".len();
    err[at..].split(' ').next().unwrap().parse().unwrap()
}

#[test]
fn delay_spreads_the_connects_over_max_and_comes_after_a_wrapped_job() {
    let (port, connects) = connect_clock();
    let port = port.to_string();
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(config.path(), "encryption_method=1\npassword=x\n").unwrap();
    let mut delays = Vec::new();
    for _ in 0..6 {
        let started = Instant::now();
        let out = nsca_send(
            &args(&port, config.path(), &["-v", "--delay", "1", "-to", "2"]),
            b"h\t0\tx",
        );
        let connected = connects.recv_timeout(Duration::from_secs(30)).unwrap();
        let delay = connected.duration_since(started).as_secs_f64();
        let announced = announced_wait(&stderr(&out));
        assert!(announced <= 1.0, "{announced}");
        assert!(delay >= announced, "{delay} < {announced}");
        delays.push(delay);
    }
    let spread =
        delays.iter().cloned().fold(0.0, f64::max) - delays.iter().cloned().fold(9.0, f64::min);
    assert!(
        spread > 0.1,
        "six connects within {spread:.3} s: {delays:?}"
    );

    // With --wrap the job starts at once; the wait comes before connecting.
    let scratch = tempfile::tempdir().unwrap();
    let stamp = scratch.path().join("started");
    let job = format!("date +%s.%N > {}", stamp.display());
    let started = now();
    let out = nsca_send(
        &args(
            &port,
            config.path(),
            &[
                "-v", "--delay", "2", "--wrap", "job", "--host", "h", "--", "sh", "-c", &job,
            ],
        ),
        b"",
    );
    let connected = connects.recv_timeout(Duration::from_secs(30)).unwrap();
    let job_started: f64 = std::fs::read_to_string(&stamp)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        job_started - (started as f64) < 1.5,
        "the job starts on time"
    );
    let announced = announced_wait(&stderr(&out));
    assert!(connected.elapsed().as_secs_f64() < 60.0);
    assert!(announced <= 2.0, "{announced}");
}

#[test]
fn a_newline_that_merges_two_records_is_warned_about_and_sent_as_send_nsca_sends_it() {
    let daemon = Daemon::start(1, "nl");
    let config = daemon.client_config(1, "nl");
    let port = daemon.port.to_string();
    let input = b"web01\tdisk\t0\tok one\nweb02\tdisk\t2\tcrit two\n";
    let ours = nsca_send(&args(&port, &config, &[]), input);
    assert_eq!(ours.status.code(), Some(0));
    let err = stderr(&ours);
    assert!(
        err.contains(
            "record 1: its output holds a newline followed by what looks like another record"
        ),
        "{err}"
    );
    assert!(err.contains("-ds 0x0a or --lines"), "{err}");
    let theirs = run(
        SEND_NSCA,
        &[
            "-H",
            "127.0.0.1",
            "-p",
            &port,
            "-c",
            config.to_str().unwrap(),
        ],
        input,
    );
    assert_eq!(theirs.status.code(), Some(0));
    let lines = daemon.lines(2);
    assert_eq!(lines[0], lines[1], "the same bytes as send_nsca's");
    assert_eq!(
        lines[0],
        "PROCESS_SERVICE_CHECK_RESULT;web01;disk;0;ok one\\nweb02\tdisk\t2\tcrit two"
    );
    let out = nsca_send(&args(&port, &config, &["--lines"]), input);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out), "");
    assert_eq!(
        stdout(&out),
        "2 data packet(s) sent to host successfully.\n"
    );
}

#[test]
fn a_failed_wrapped_job_says_so_in_one_line() {
    let daemon = Daemon::start(1, "job");
    let config = daemon.client_config(1, "job");
    let port = daemon.port.to_string();
    let wrap = |extra: &[&str], job: &[&str]| {
        let mut all = args(&port, &config, extra);
        all.extend_from_slice(&[
            "--wrap",
            "backup",
            "--host",
            "web01",
            "--command-timeout",
            "1",
            "--",
        ]);
        all.extend_from_slice(job);
        nsca_send(&all, b"")
    };
    let out = wrap(&[], &["sleep", "30"]);
    assert_eq!(out.status.code(), Some(124));
    assert_eq!(
        stderr(&out),
        "nsca-send: job sleep 30 timed out (status 124): reported CRITICAL \"CRITICAL - sleep timed out after 1s\" as web01;backup, delivered\n"
    );
    let out = wrap(&[], &["/nonexistent/backup"]);
    assert_eq!(out.status.code(), Some(127));
    let err = stderr(&out);
    assert!(err.starts_with("nsca-send: job /nonexistent/backup could not be run (status 127): reported UNKNOWN \"UNKNOWN - cannot run /nonexistent/backup:"), "{err}");
    assert!(err.ends_with(" as web01;backup, delivered\n"), "{err}");
    assert_eq!(daemon.lines(2).len(), 2);
    // Delivered under -q: nothing more than the job's own output.
    let out = wrap(&["-q"], &["sh", "-c", "exit 2"]);
    assert_eq!((out.status.code(), stderr(&out)), (Some(2), String::new()));
    // Not delivered: the line even under -q.
    let dead = free_port().to_string();
    let spool = tempfile::tempdir().unwrap();
    let mut all = args(&dead, &config, &["-q", "--spool", spool_arg(spool.path())]);
    all.extend_from_slice(&[
        "--wrap", "backup", "--host", "web01", "--", "sh", "-c", "exit 2",
    ]);
    let out = nsca_send(&all, b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).ends_with("as web01;backup, kept in the spool for the next run\n"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn one_result_through_an_inetd_daemon_arrives_and_leaves_nothing_spooled() {
    let daemon = Daemon::start_mode(testkit::nsca::Mode::Inetd, 1, "inetd");
    let config = daemon.client_config(1, "inetd");
    let port = daemon.port.to_string();
    let spool = tempfile::tempdir().unwrap();
    for n in 0..3 {
        let input = format!("web01\tbackup\t0\tcall {n}");
        let out = nsca_send(
            &args(&port, &config, &["--spool", spool_arg(spool.path())]),
            input.as_bytes(),
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(
            stdout(&out),
            "1 data packet(s) sent to host successfully.\n"
        );
    }
    let lines = daemon.lines(3);
    assert_eq!(lines.len(), 3, "{lines:?}");
    // Every close was confirmed (in the run or after it): nothing came back.
    let state = spool.path().join(format!("127.0.0.1_{port}.state"));
    assert!(state.exists());
    assert!(
        !spool
            .path()
            .join(format!("127.0.0.1_{port}.spool"))
            .exists()
    );
}

/// A peer that takes one packet like the daemon, then waits until told and
/// resets the connection instead of closing it.
fn resets_after_one_packet() -> (
    u16,
    std::sync::mpsc::Sender<()>,
    std::thread::JoinHandle<()>,
) {
    resets_after_one_packet_on(TcpListener::bind("127.0.0.1:0").unwrap())
}

fn resets_after_one_packet_on(
    listener: TcpListener,
) -> (
    u16,
    std::sync::mpsc::Sender<()>,
    std::thread::JoinHandle<()>,
) {
    use std::io::{Read, Write};
    let port = listener.local_addr().unwrap().port();
    let (go, told) = std::sync::mpsc::channel::<()>();
    let peer = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut init = [7u8; 132];
        init[128..].copy_from_slice(&(now() as u32).to_be_bytes());
        conn.write_all(&init).unwrap();
        let mut packet = vec![0u8; 4304];
        conn.read_exact(&mut packet).unwrap();
        let _ = told.recv_timeout(Duration::from_secs(30));
        let linger = libc::linger {
            l_onoff: 1,
            l_linger: 0,
        };
        use std::os::fd::AsRawFd;
        // SAFETY: setsockopt(2) on our own socket with a plain struct of its size.
        unsafe {
            libc::setsockopt(
                conn.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                (&linger as *const libc::linger).cast(),
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            );
        }
    });
    (port, go, peer)
}

#[test]
fn a_close_confirmed_after_the_run_that_fails_puts_the_result_back_in_the_spool() {
    let (port, go, peer) = resets_after_one_packet();
    let port = port.to_string();
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(config.path(), "encryption_method=1\npassword=x\n").unwrap();
    let spool = tempfile::tempdir().unwrap();
    let out = nsca_send(
        &args(
            &port,
            config.path(),
            &["-v", "--spool", spool_arg(spool.path())],
        ),
        b"web01\tbackup\t2\tnot confirmed",
    );
    // The run ended before the peer answered: confirmed in the background.
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("confirmed in the background"),
        "{}",
        stderr(&out)
    );
    go.send(()).unwrap();
    peer.join().unwrap();
    // The reset: the detached child puts the result back for the next run.
    spooled_back(
        &spool.path().join(format!("127.0.0.1_{port}.spool")),
        "not confirmed",
    );
}

/// Waits (30 s at most) for a result with `output` to come back into the
/// spool file `file`, put there by the process that confirms closes.
fn spooled_back(file: &Path, output: &str) {
    let started = Instant::now();
    let field = format!("\t{output}\t");
    while !std::fs::read_to_string(file).is_ok_and(|t| t.contains(&field)) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{output:?} not spooled back into {}",
            file.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn closes_of_two_servers_that_fail_after_the_run_put_each_result_back_in_its_spool() {
    // --all: one connection per server, both handed to the confirming
    // process, both reset after the run.
    let (first, second) = loop {
        let first = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = first.local_addr().unwrap().port();
        if let Ok(second) = TcpListener::bind(("127.0.0.2", port)) {
            break (first, second);
        }
    };
    let (port, go_first, peer_first) = resets_after_one_packet_on(first);
    let (_, go_second, peer_second) = resets_after_one_packet_on(second);
    let port = port.to_string();
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(config.path(), "encryption_method=1\npassword=x\n").unwrap();
    let spool = tempfile::tempdir().unwrap();
    let out = nsca_send(
        &args(
            &port,
            config.path(),
            &[
                "-H",
                "127.0.0.2",
                "--all",
                "--spool",
                spool_arg(spool.path()),
            ],
        ),
        b"web01\tbackup\t2\ttwice unconfirmed",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for (go, peer) in [(go_first, peer_first), (go_second, peer_second)] {
        go.send(()).unwrap();
        peer.join().unwrap();
    }
    for server in ["127.0.0.1", "127.0.0.2"] {
        let file = spool.path().join(format!("{server}_{port}.spool"));
        spooled_back(&file, "twice unconfirmed");
    }
}

/// A hand-over file as the run writes it for the confirming process
/// (src/nsca/confirm.rs): one connection to 127.0.0.1:5667 that did not
/// close, whose results are `records`, to go back into `dir`.
fn hand_over(dir: &Path, records: &[u8]) -> Vec<u8> {
    let mut bytes = 1u32.to_le_bytes().to_vec();
    bytes.push(b'!');
    let dir = dir.as_os_str().as_encoded_bytes();
    bytes.extend((dir.len() as u32).to_le_bytes());
    bytes.extend(dir);
    bytes.extend(5667u16.to_le_bytes());
    bytes.extend(1000u64.to_le_bytes());
    for field in [&b"127.0.0.1"[..], records] {
        bytes.extend((field.len() as u32).to_le_bytes());
        bytes.extend(field);
    }
    bytes
}

/// `nsca-send --put-back 0` with `bytes` as a regular file on stdin.
fn put_back(t: &Path, bytes: &[u8]) -> std::process::Output {
    let file = t.join("hand-over");
    std::fs::write(&file, bytes).unwrap();
    std::process::Command::new(assert_cmd::cargo::cargo_bin("nsca-send"))
        .args(["--put-back", "0"])
        .stdin(std::fs::File::open(&file).unwrap())
        .output()
        .unwrap()
}

#[test]
fn put_back_refuses_a_hand_over_that_is_not_one() {
    // The entry the confirming process runs: garbage on its descriptor, a
    // hand-over cut short, no such descriptor, or a spool directory that is
    // a symlink is an error that writes nothing; a whole one puts its
    // result back, into a directory named with quotes, $(...) and a newline.
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let spool = t.join("spool 'q' $(touch pwned)\nx");
    let record = b"1\t2\tweb01\tbackup\tput back\n";
    let whole = hand_over(&spool, record);

    let out = nsca_send(&["--put-back", "0"], b"garbage, not a hand-over file");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--put-back:"), "{}", stderr(&out));
    let out = put_back(t, &whole[..whole.len() - 5]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--put-back: cut short"),
        "{}",
        stderr(&out)
    );
    let out = nsca_send(&["--put-back", "917"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--put-back: 917"), "{}", stderr(&out));
    let elsewhere = t.join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let link = t.join("link");
    std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
    put_back(t, &hand_over(&link, record));
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
    assert!(!spool.exists());

    let out = put_back(t, &whole);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let kept = std::fs::read_to_string(spool.join("127.0.0.1_5667.spool")).unwrap();
    assert!(kept.contains("\tweb01\tbackup\tput back\t"), "{kept}");
    assert!(!Path::new("pwned").exists() && !t.join("pwned").exists());
}

#[test]
fn without_a_spool_a_close_not_seen_in_time_is_reported_as_sent_not_delivered() {
    // A peer that reads the packet, then holds the connection until told
    // (and resets it): the run does not see its close.
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(config.path(), "encryption_method=1\npassword=x\n").unwrap();
    let (port, go, peer) = resets_after_one_packet();
    let port = port.to_string();
    let out = nsca_send(
        &args(&port, config.path(), &["-v"]),
        b"web01\tbackup\t0\tno spool",
    );
    // send_nsca's status and line for a written packet (it never waits)...
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "1 data packet(s) sent to host successfully.\n"
    );
    // ...and -v says what is known: written, the close not seen.
    assert!(
        stderr(&out).contains(&format!(
            "127.0.0.1:{port}: 1 result(s) sent, the daemon's close not seen at once"
        )),
        "{}",
        stderr(&out)
    );
    go.send(()).unwrap();
    peer.join().unwrap();

    // A wrapped job that fails says "sent", not "delivered", even under -q.
    let (port, go, peer) = resets_after_one_packet();
    let port = port.to_string();
    let out = nsca_send(
        &args(
            &port,
            config.path(),
            &["-q", "--wrap", "backup", "--host", "web01", "--", "false"],
        ),
        b"",
    );
    assert_eq!(out.status.code(), Some(1), "the job's status");
    assert!(
        stderr(&out).ends_with("as web01;backup, sent (the daemon's close not seen)\n"),
        "{}",
        stderr(&out)
    );
    go.send(()).unwrap();
    peer.join().unwrap();
}
