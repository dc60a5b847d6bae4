//! Bad input and network faults: each must give a clear message, the
//! documented status, and never lose or invent a result.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};
use testkit::nsca::{Daemon, args, free_port, nsca_send, stderr, stdout};

fn xor_daemon() -> (Daemon, std::path::PathBuf, String) {
    let daemon = Daemon::start(1, "faults");
    let config = daemon.client_config(1, "faults");
    let port = daemon.port.to_string();
    (daemon, config, port)
}

#[test]
fn garbage_and_nul_bytes_on_stdin() {
    let (daemon, config, port) = xor_daemon();
    let mut input: Vec<u8> = (0..4000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    input.extend(b"\x17nul\tsvc\t0\tbefore\0after\x17good\tsvc\t1\tstill sent\x17");
    let out = nsca_send(&args(&port, &config, &[]), &input);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("NUL byte in the plugin output"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        stdout(&out),
        "1 data packet(s) sent to host successfully.\n"
    );
    assert_eq!(
        daemon.lines(1),
        ["PROCESS_SERVICE_CHECK_RESULT;good;svc;1;still sent"]
    );
}

#[test]
fn short_records_and_bad_codes_are_numbered() {
    let (daemon, config, port) = xor_daemon();
    let input = b"lonely\x17two\tfields\x17h\ts\tabc\tx\x17h\t-1\tx\x17ok\t0\tfine";
    let out = nsca_send(&args(&port, &config, &[]), input);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    for expected in [
        "nsca-send: record 1: 1 field(s), expected",
        "nsca-send: record 2: 2 field(s), expected",
        "nsca-send: record 3: return code `abc` is not 0, 1, 2 or 3",
        "nsca-send: record 4: return code `-1` is not 0, 1, 2 or 3",
    ] {
        assert!(err.contains(expected), "{expected} in {err}");
    }
    assert_eq!(daemon.lines(1), ["PROCESS_HOST_CHECK_RESULT;ok;0;fine"]);
}

#[test]
fn ten_megabytes_of_output_is_cut_and_reported() {
    let (daemon, config, port) = xor_daemon();
    let mut input = b"big\tsvc\t2\t".to_vec();
    input.extend(std::iter::repeat_n(b'y', 10 * 1024 * 1024));
    let out = nsca_send(&args(&port, &config, &[]), &input);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("record 1: plugin output is 10485760 bytes, cut to 4095"));
    let lines = daemon.lines(1);
    assert_eq!(
        lines[0],
        format!(
            "PROCESS_SERVICE_CHECK_RESULT;big;svc;2;{}",
            "y".repeat(4095)
        )
    );
}

#[test]
fn bad_config_sends_nothing() {
    let (daemon, good_config, port) = xor_daemon();
    let dir = tempfile::tempdir().unwrap();
    for (text, expected) in [
        (
            "password=x\nencryption_methd=1\n",
            ":2: unknown key `encryption_methd`",
        ),
        (
            "encryption_method=12\n",
            ":1: encryption method 12 cannot be used: ARCFOUR",
        ),
        (
            "encryption_method=99\n",
            ":1: encryption method 99 cannot be used",
        ),
    ] {
        let config = dir.path().join("bad.cfg");
        std::fs::write(&config, text).unwrap();
        let out = nsca_send(&args(&port, &config, &[]), b"h\t0\tx");
        assert_eq!(out.status.code(), Some(2), "{text}");
        let want = format!("nsca-send: {}{expected}", config.display());
        assert!(stderr(&out).contains(&want), "{want} in {}", stderr(&out));
    }
    let missing = dir.path().join("missing.cfg");
    let out = nsca_send(&args(&port, &missing, &[]), b"h\t0\tx");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).ends_with("missing.cfg': No such file or directory\n"),
        "{}",
        stderr(&out)
    );
    assert_only_the_marker_arrives(&daemon, &good_config, &port);
}

/// Sends one marker result with the right config and waits for it: the
/// daemon (`--single`) handles connections in order, so once the marker is
/// written anything sent before it would be too. Then only the marker may
/// be there.
fn assert_only_the_marker_arrives(daemon: &Daemon, config: &std::path::Path, port: &str) {
    let out = nsca_send(&args(port, config, &[]), b"marker\t0\tafter");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        daemon.lines(1),
        ["PROCESS_HOST_CHECK_RESULT;marker;0;after"],
        "nothing but the marker reached the daemon"
    );
}

#[test]
fn usage_errors_give_status_3() {
    let out = nsca_send(&["-p", "5667"], b"");
    assert_eq!(out.status.code(), Some(3), "no server");
    let out = nsca_send(&["-H", "x", "--bogus"], b"");
    assert_eq!(out.status.code(), Some(3));
    let out = nsca_send(&["-H", "x", "-to", "0"], b"");
    assert_eq!(out.status.code(), Some(3));
    // Help, version and licence give 3, as send_nsca 2.10.2 does.
    let out = nsca_send(&["-h"], b"");
    assert_eq!(out.status.code(), Some(3));
    assert!(stdout(&out).contains("-H, --server <HOST>"));
    let out = nsca_send(&["-V"], b"");
    assert_eq!(out.status.code(), Some(3));
    assert!(stdout(&out).starts_with("nsca-send "));
    let out = nsca_send(&["-l"], b"");
    assert_eq!(out.status.code(), Some(3));
    assert!(stdout(&out).contains("License: MIT"), "{}", stdout(&out));
    // The long forms exit 0, as every tool of the suite (Ansible's
    // `command: nsca-send --version` must not fail).
    let out = nsca_send(&["--help"], b"");
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("EXIT STATUS"), "{}", stdout(&out));
    let out = nsca_send(&["--version"], b"");
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("nsca-send "));
    let out = nsca_send(&["--wrap", "x", "--", "sh", "-c", "--version"], b"");
    assert_ne!(
        out.status.code(),
        Some(0),
        "--version after -- is the job's"
    );
    for flag in ["-h", "-V", "-l"] {
        let send_nsca = testkit::nsca::run(testkit::nsca::SEND_NSCA, &[flag], b"");
        assert_eq!(send_nsca.status.code(), Some(3), "send_nsca {flag}");
    }
}

#[test]
fn nothing_listening() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("send.cfg");
    std::fs::write(&config, "encryption_method=1\npassword=x\n").unwrap();
    let port = free_port().to_string();
    let out = nsca_send(&args(&port, &config, &["-to", "2"]), b"h\t0\tx");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("cannot reach 127.0.0.1:{port}")),
        "{err}"
    );
    assert!(err.contains("Connection refused"), "{err}");
    assert!(err.contains("1 result(s) not delivered"), "{err}");
    assert_eq!(stdout(&out), "");
}

/// A peer that accepts and never sends the init packet.
#[test]
fn server_that_never_sends_init_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let holder = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut sink = Vec::new();
        let _ = conn.read_to_end(&mut sink); // until the client gives up
    });
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("send.cfg");
    std::fs::write(&config, "encryption_method=1\n").unwrap();
    let started = Instant::now();
    let out = nsca_send(&args(&port, &config, &["--timeout", "1"]), b"h\t0\tx");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("reading the init packet: timed out"),
        "{}",
        stderr(&out)
    );
    holder.join().unwrap();
}

/// A peer that sends an init packet, reads one data packet and hangs up.
fn closes_after_one_packet() -> (u16, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut init = [7u8; 132];
        init[128..].copy_from_slice(&1_700_000_000u32.to_be_bytes());
        conn.write_all(&init).unwrap();
        let mut packet = vec![0u8; 4304];
        conn.read_exact(&mut packet).unwrap();
        // Dropping with unread data resets the connection.
    });
    (port, handle)
}

#[test]
fn server_closing_mid_batch_is_an_error_and_spooled() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    let (daemon, config, daemon_port) = xor_daemon();
    let input: Vec<u8> = (0..50)
        .flat_map(|i| format!("h{i}\ts\t0\tr{i}\x17").into_bytes())
        .collect();

    let (port, peer) = closes_after_one_packet();
    let port = port.to_string();
    let spool_arg = spool.to_str().unwrap();
    let out = nsca_send(&args(&port, &config, &["--spool", spool_arg]), &input);
    peer.join().unwrap();
    // Kept in the spool, nothing lost: status 1.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("50 result(s) kept in"), "{err}");
    assert!(err.contains("connection reset"), "{err}");
    assert_eq!(stdout(&out), "");
    let spool_file = spool.join(format!("127.0.0.1_{port}.spool"));
    assert_eq!(
        std::fs::read_to_string(&spool_file)
            .unwrap()
            .lines()
            .count(),
        50
    );

    // The same spool pointed at the real daemon (same name: rename the file).
    let target_file = spool.join(format!("127.0.0.1_{daemon_port}.spool"));
    std::fs::rename(&spool_file, &target_file).unwrap();
    let out = nsca_send(
        &args(&daemon_port, &config, &["--spool", spool_arg]),
        b"new\t0\tlast",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "51 data packet(s) sent to host successfully.\n"
    );
    let lines = daemon.lines(51);
    assert_eq!(lines.len(), 51);
    assert_eq!(lines[0], "PROCESS_SERVICE_CHECK_RESULT;h0;s;0;r0");
    assert_eq!(lines[50], "PROCESS_HOST_CHECK_RESULT;new;0;last");
    assert!(!target_file.exists(), "a delivered spool is removed");
}

#[test]
fn spool_when_the_server_is_down() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().to_str().unwrap().to_string();
    let config = dir.path().join("send.cfg");
    std::fs::write(&config, "encryption_method=2\npassword=des-pw\n").unwrap();
    let daemon = Daemon::start(2, "des-pw");
    let port = daemon.port.to_string();
    drop(daemon); // down; its port now refuses

    let out = nsca_send(
        &args(&port, &config, &["--spool", &spool]),
        b"a\t1\tfirst\x17b\ts\t2\tsecond",
    );
    // Kept in the spool, nothing lost: status 1.
    assert_eq!(out.status.code(), Some(1));
    let out = nsca_send(&args(&port, &config, &["--spool", &spool]), b"c\t0\tthird");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("3 result(s) kept in"),
        "{}",
        stderr(&out)
    );
    let spool_file = dir.path().join(format!("127.0.0.1_{port}.spool"));
    assert_eq!(
        std::fs::read_to_string(&spool_file)
            .unwrap()
            .lines()
            .count(),
        3
    );
}

#[test]
fn wrong_password_is_dropped_silently_by_the_daemon() {
    let (daemon, _, port) = xor_daemon();
    let config = daemon.client_config(1, "not-the-password");
    // One packet: the protocol has no answer, the client cannot know.
    let out = nsca_send(&args(&port, &config, &[]), b"h\t0\tx");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Several: the daemon hangs up after the first bad one, which shows.
    let out = nsca_send(&args(&port, &config, &[]), b"h\t0\tx\x17h\t1\ty");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("a wrong password or encryption method"),
        "{}",
        stderr(&out)
    );
    // No sleep: nsca-send returns only after the daemon closed each
    // connection (cleanly or with a reset), and the daemon writes what it
    // accepts before it closes. (A marker sent afterwards is no handshake
    // here: after dropping a bad packet, this daemon wrote no later result
    // within 5 s in our runs.)
    assert!(daemon.lines(0).is_empty());
}

#[test]
fn a_flood_of_bad_records_gives_a_summary_line() {
    let (daemon, config, port) = xor_daemon();
    let mut input = b"good\t0\tfine\n".to_vec();
    for _ in 0..150 {
        input.extend(b"no fields here\n");
    }
    let out = nsca_send(&args(&port, &config, &["-ds", "0x0a"]), &input);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let record_lines = err.lines().filter(|l| l.contains(": record ")).count();
    assert_eq!(record_lines, 100, "{err}");
    assert!(
        err.contains("nsca-send: record 2: 1 field(s)"),
        "line numbers: {err}"
    );
    assert!(
        err.contains("50 more bad record(s) not shown (150 in all, not sent)"),
        "{err}"
    );
    assert_eq!(daemon.lines(1), ["PROCESS_HOST_CHECK_RESULT;good;0;fine"]);
}
