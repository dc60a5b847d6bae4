//! nsca-send against the real Debian NSCA daemon: every method, the
//! send_nsca input format, send_nsca itself side by side, single-result and
//! JSON modes, legacy packets.

use testkit::nsca::{Daemon, SEND_NSCA, nsca_send, run, stderr, stdout};

/// All 17 methods the Debian daemon can decrypt.
const METHODS: [u8; 17] = [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 14, 15, 16, 20, 23, 26];

fn send(
    daemon: &Daemon,
    config: &std::path::Path,
    extra: &[&str],
    input: &[u8],
) -> std::process::Output {
    let port = daemon.port.to_string();
    let config = config.to_str().unwrap();
    let mut args = vec!["-H", "127.0.0.1", "-p", &port, "-c", config];
    args.extend_from_slice(extra);
    nsca_send(&args, input)
}

#[test]
fn every_method_reaches_the_daemon() {
    let input = b"web01\tHTTP\t2\tCRITICAL - refused|time=0.1\x17db01\t0\tUP \\ fine\n";
    let threads: Vec<_> = METHODS
        .iter()
        .map(|&method| {
            std::thread::spawn(move || {
                let password = format!("pw-{method}-with-a-rather-long-secret");
                let daemon = Daemon::start(method, &password);
                let config = daemon.client_config(method, &password);
                let out = send(&daemon, &config, &[], input);
                assert_eq!(
                    out.status.code(),
                    Some(0),
                    "method {method}: {}",
                    stderr(&out)
                );
                assert_eq!(
                    stdout(&out),
                    "2 data packet(s) sent to host successfully.\n"
                );
                assert_eq!(
                    daemon.lines(2),
                    [
                        "PROCESS_SERVICE_CHECK_RESULT;web01;HTTP;2;CRITICAL - refused|time=0.1",
                        "PROCESS_HOST_CHECK_RESULT;db01;0;UP \\\\ fine",
                    ],
                    "method {method}"
                );
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn many_results_pipelined_on_one_connection() {
    let daemon = Daemon::start(14, "aes-secret");
    let config = daemon.client_config(14, "aes-secret");
    let input: Vec<u8> = (0..300)
        .flat_map(|i| format!("host{i}\tsvc\t{}\tresult {i}\x17", i % 4).into_bytes())
        .collect();
    let out = send(&daemon, &config, &["--quiet"], &input);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "--quiet prints nothing");
    let lines = daemon.lines(300);
    assert_eq!(lines.len(), 300);
    assert_eq!(
        lines[299],
        "PROCESS_SERVICE_CHECK_RESULT;host299;svc;3;result 299"
    );
}

#[test]
fn same_lines_as_send_nsca() {
    // Input send_nsca handles correctly (no empty fields), newline records.
    let input = b"web01\tHTTP\t2\tCRITICAL: a\tb\tc\nweb02\t1\tdown\nweb03\tDisk /\t0\tOK - 42% used; x=1\n";
    let mut written = Vec::new();
    for client in ["nsca-send", "send_nsca"] {
        let daemon = Daemon::start(3, "tripledes-pw");
        let config = daemon.client_config(3, "tripledes-pw");
        let port = daemon.port.to_string();
        let args = [
            "-H",
            "127.0.0.1",
            "-p",
            &port,
            "-c",
            config.to_str().unwrap(),
            "-ds",
            "0x0a",
        ];
        let out = if client == "send_nsca" {
            run(SEND_NSCA, &args, input)
        } else {
            nsca_send(&args, input)
        };
        assert_eq!(out.status.code(), Some(0), "{client}: {}", stderr(&out));
        assert_eq!(
            stdout(&out),
            "3 data packet(s) sent to host successfully.\n",
            "{client}"
        );
        written.push(daemon.lines(3));
    }
    assert_eq!(written[0].len(), 3);
    assert_eq!(written[0], written[1]);
}

#[test]
fn send_nsca_bugs_are_not_copied() {
    let daemon = Daemon::start(1, "xor");
    let config = daemon.client_config(1, "xor");
    // Empty service output, empty service name, a bad code between good records.
    let input =
        b"web01\tHTTP\t1\t\x17web02\t\t0\tno service\x17web03\tHTTP\tWARN\tx\x17web04\t3\tlast";
    let out = send(&daemon, &config, &[], input);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a bad record makes the run fail"
    );
    assert!(
        stderr(&out).contains("nsca-send: record 3: return code `WARN` is not 0, 1, 2 or 3"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        stdout(&out),
        "3 data packet(s) sent to host successfully.\n"
    );
    assert_eq!(
        daemon.lines(3),
        [
            "PROCESS_SERVICE_CHECK_RESULT;web01;HTTP;1;",
            "PROCESS_HOST_CHECK_RESULT;web02;0;no service",
            "PROCESS_HOST_CHECK_RESULT;web04;3;last",
        ]
    );
}

#[test]
fn delimiters_and_host_as_first_argument() {
    let daemon = Daemon::start(0, "");
    let config = daemon.client_config(0, "");
    let port = daemon.port.to_string();
    let args = [
        "127.0.0.1",
        "-p",
        &port,
        "-c",
        config.to_str().unwrap(),
        "-d",
        ",",
        "-ds",
        "0x3b",
    ];
    let out = nsca_send(&args, b"a,s,0,x\n;b,1,y");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        daemon.lines(2),
        [
            "PROCESS_SERVICE_CHECK_RESULT;a;s;0;x",
            "PROCESS_HOST_CHECK_RESULT;b;1;y"
        ]
    );
}

#[test]
fn single_result_and_json_modes() {
    let daemon = Daemon::start(8, "fish");
    let config = daemon.client_config(8, "fish");
    let single = [
        "--host",
        "web01",
        "--service",
        "HTTP",
        "--status",
        "2",
        "--output",
        "multi\nline",
    ];
    let out = send(&daemon, &config, &single, b"ignored");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json = b"{\"host\":\"db\",\"status\":0,\"output\":\"up\"}\n{\"host\":\"db\",\"service\":\"\xc3\xa9\",\"status\":\"1\",\"output\":\"w\"}\n";
    let out = send(&daemon, &config, &["--json"], json);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        daemon.lines(3),
        [
            "PROCESS_SERVICE_CHECK_RESULT;web01;HTTP;2;multi\\nline",
            "PROCESS_HOST_CHECK_RESULT;db;0;up",
            "PROCESS_SERVICE_CHECK_RESULT;db;é;1;w",
        ]
    );
}

#[test]
fn legacy_2_7_packets_one_per_connection() {
    let daemon = Daemon::start(16, "wide");
    let config = daemon.client_config(16, "wide");
    let long = "x".repeat(600);
    let input = format!("a\ts\t0\tone\x17b\t1\t{long}");
    let out = send(&daemon, &config, &["--legacy-2-7-mode"], input.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("record 2: plugin output is 600 bytes, cut to 511"),
        "{}",
        stderr(&out)
    );
    let lines = daemon.lines(2);
    assert_eq!(lines[0], "PROCESS_SERVICE_CHECK_RESULT;a;s;0;one");
    assert_eq!(
        lines[1],
        format!("PROCESS_HOST_CHECK_RESULT;b;1;{}", &long[..511])
    );
}

#[test]
fn client_side_escaping_for_old_servers() {
    let daemon = Daemon::start(1, "esc");
    let config = daemon.client_config(1, "esc");
    let out = send(
        &daemon,
        &config,
        &[
            "--escape", "--host", "h", "--status", "0", "--output", "a\\b",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The 2.10 daemon escapes again: what an old server would have shown as `a\\b`.
    assert_eq!(
        daemon.lines(1),
        ["PROCESS_HOST_CHECK_RESULT;h;0;a\\\\\\\\b"]
    );
}

#[test]
fn every_address_is_tried() {
    use adminkit::nsca::{crypto::Method, packet::Format, send::Target};
    let daemon = Daemon::start(1, "addr");
    let closed = testkit::nsca::free_port();
    let target = Target {
        server: "127.0.0.1",
        port: daemon.port,
        timeout: std::time::Duration::from_secs(2),
        method: Method::Xor,
        password: b"addr",
        format: Format::V3,
        ahead: None,
    };
    let addrs = [
        ([127, 0, 0, 1], closed).into(),
        std::net::SocketAddr::new("::1".parse().unwrap(), daemon.port),
        ([127, 0, 0, 1], daemon.port).into(),
    ];
    let mut session = target.open_any(&addrs).expect("the third address answers");
    session.close().unwrap();
    let err = target.open_any(&addrs[..2]).err().unwrap().to_string();
    assert!(
        err.contains(&format!(
            "127.0.0.1:{closed}: connecting: Connection refused"
        )),
        "{err}"
    );
    assert!(err.contains(&format!("[::1]:{}", daemon.port)), "{err}");
}

/// Bytes one connection carried after the init packet, or None when the
/// client never connected (it refused its config).
fn bytes_on_the_wire(client: &str, config: &std::path::Path) -> (Option<i32>, Option<usize>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    listener.set_nonblocking(true).unwrap();
    let server = std::thread::spawn(move || {
        let started = std::time::Instant::now();
        let (mut conn, _) = loop {
            match listener.accept() {
                Ok(conn) => break conn,
                Err(_) if started.elapsed() < std::time::Duration::from_secs(3) => {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(_) => return None,
            }
        };
        conn.set_nonblocking(false).unwrap();
        let mut init = [0u8; 132];
        init[128..].copy_from_slice(&1_700_000_000u32.to_be_bytes());
        conn.write_all(&init).unwrap();
        let mut data = Vec::new();
        conn.read_to_end(&mut data).unwrap();
        Some(data.len())
    });
    let args = [
        "-H",
        "127.0.0.1",
        "-p",
        &port,
        "-c",
        config.to_str().unwrap(),
    ];
    let out = run(client, &args, b"h\ts\t0\tout\n");
    (out.status.code(), server.join().unwrap())
}

/// Each config as send_nsca 2.10.2 reads it: same status, same packet size.
#[test]
fn config_files_read_as_send_nsca_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let nsca_send = assert_cmd::cargo::cargo_bin!("nsca-send")
        .to_str()
        .unwrap()
        .to_string();
    for text in [
        "legacy_2_7_mode=true\n",
        "legacy_2_7_mode=1\n",
        "legacy_2_7_mode=yes # comment\n",
        "legacy_2_7_mode=false\n",
        "encryption_method=1 # xor\n",
        "encryption_method= 0\n",
        " password=x\n",
        "password=\n",
        "foo=bar\n",
        " # not a comment\n",
    ] {
        let config = dir.path().join("send.cfg");
        std::fs::write(&config, text).unwrap();
        let ours = bytes_on_the_wire(&nsca_send, &config);
        let theirs = bytes_on_the_wire(SEND_NSCA, &config);
        assert_eq!(ours, theirs, "{text:?}");
    }
}

/// Debian's own sample /etc/send_nsca.cfg, unchanged: XOR, no password.
#[test]
fn debian_sample_config_unchanged() {
    let daemon = Daemon::start(1, "");
    let sample = std::path::Path::new("/etc/send_nsca.cfg");
    assert!(
        std::fs::read_to_string(sample)
            .unwrap()
            .contains("# legacy_2_7_mode=true")
    );
    let out = send(&daemon, sample, &[], b"web\tHTTP\t1\tslow\n");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("has no password= line"),
        "{}",
        stderr(&out)
    );
    let port = daemon.port.to_string();
    let theirs = run(
        SEND_NSCA,
        &["-H", "127.0.0.1", "-p", &port, "-c", "/etc/send_nsca.cfg"],
        b"web\tHTTP\t1\tslow\n",
    );
    assert_eq!(theirs.status.code(), Some(0));
    assert_eq!(
        daemon.lines(2),
        ["PROCESS_SERVICE_CHECK_RESULT;web;HTTP;1;slow"; 2]
    );
}
