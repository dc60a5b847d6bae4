//! nsca-send --protocol nsca-ng against Debian's NSCA-ng server: the three
//! inputs, NSCA-ng's own send_nsca side by side, acknowledged refusals,
//! wrong credentials, the spool, raw commands.

use std::path::Path;
use testkit::nsca::{now, nsca_send, run, stderr, stdout};
use testkit::nsca_ng::{NgServer, ng_send_nsca};

/// `web01` may send results of hosts named web… and HTTP… services (the
/// server anchors its patterns);
/// `admin` may also send any command.
const AUTH: &str = "authorize \"web01\" {\n password = \"s3cret\"\n hosts = \"web.*\"\n services = \"HTTP.*\"\n}\n\
                    authorize \"admin\" {\n password = \"t0p\"\n commands = \".*\"\n}\n";

fn send(config: &Path, extra: &[&str], input: &[u8]) -> std::process::Output {
    let mut args = vec!["--protocol", "nsca-ng", "-c", config.to_str().unwrap()];
    args.extend_from_slice(extra);
    nsca_send(&args, input)
}

#[test]
fn stdin_json_and_single_results_arrive_stamped() {
    let server = NgServer::start(AUTH);
    let config = server.client_config("web01", "s3cret");
    let before = now();
    let out = send(
        &config,
        &[],
        b"web01\tHTTP\t2\tCRITICAL - refused|time=0.1\x17web02\t0\tUP \\ fine\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "2 data packet(s) sent to host successfully.\n"
    );
    let out = send(
        &config,
        &["--json"],
        b"{\"host\":\"web03\",\"service\":\"HTTPS\",\"status\":1,\"output\":\"slow\\nsecond line\"}\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = send(
        &config,
        &[
            "--host",
            "web04",
            "--service",
            "HTTP",
            "--status",
            "3",
            "--output",
            "what?",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let commands = server.commands(4);
    for command in &commands {
        let stamp: u64 = command[1..command.find(']').unwrap()].parse().unwrap();
        assert!(stamp >= before && stamp <= now(), "{command}");
    }
    assert_eq!(
        server.lines(4),
        [
            "PROCESS_SERVICE_CHECK_RESULT;web01;HTTP;2;CRITICAL - refused|time=0.1",
            "PROCESS_HOST_CHECK_RESULT;web02;0;UP \\\\ fine",
            "PROCESS_SERVICE_CHECK_RESULT;web03;HTTPS;1;slow\\nsecond line",
            "PROCESS_SERVICE_CHECK_RESULT;web04;HTTP;3;what?",
        ]
    );
}

#[test]
fn same_commands_as_nsca_ngs_own_client() {
    let server = NgServer::start(AUTH);
    let config = server.client_config("web01", "s3cret");
    let input = b"web01\tHTTP\t2\tdown; really \\ down|t=1\nweb01\t1\thost output\n";
    let theirs = run(
        ng_send_nsca(),
        &["-c", config.to_str().unwrap(), "-e", "\\n"],
        input,
    );
    assert_eq!(theirs.status.code(), Some(0), "{}", stderr(&theirs));
    let ours = send(&config, &["-ds", "0x0a"], input);
    assert_eq!(ours.status.code(), Some(0), "{}", stderr(&ours));
    let lines = server.lines(4);
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(lines[..2], lines[2..]);
}

#[test]
fn a_refused_result_fails_the_run_and_is_not_spooled() {
    let server = NgServer::start(AUTH);
    let config = server.client_config("web01", "s3cret");
    let spool = tempfile::tempdir().unwrap();
    let spool_arg = spool.path().to_str().unwrap();
    // One refused result alone is a failure.
    let out = send(
        &config,
        &[
            "--spool",
            spool_arg,
            "--host",
            "db01",
            "--service",
            "DISK",
            "--status",
            "0",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("refused the result for db01;DISK for good: You're not authorized"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
    // Refused in the middle: the others still arrive.
    let out = send(
        &config,
        &["--spool", spool_arg],
        b"web01\tHTTP\t0\tfirst\x17db01\tDISK\t0\tno\x17web01\tHTTP\t0\tlast",
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "2 data packet(s) sent to host successfully.\n"
    );
    assert_eq!(
        server.lines(2),
        [
            "PROCESS_SERVICE_CHECK_RESULT;web01;HTTP;0;first",
            "PROCESS_SERVICE_CHECK_RESULT;web01;HTTP;0;last",
        ]
    );
    let spooled: Vec<_> = std::fs::read_dir(spool.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".spool"))
        .collect();
    assert!(spooled.is_empty(), "{spooled:?}");
    // Both refusals are set aside with the server's answer, never resent.
    let status = nsca_send(&["--spool", spool_arg, "--spool-status"], b"");
    assert!(
        stdout(&status).contains("0 result(s) waiting; 2 rejected;"),
        "{}",
        stdout(&status)
    );
}

#[test]
fn failover_passes_a_server_that_is_down() {
    let server = NgServer::start(AUTH);
    let config = server.client_config("web01", "s3cret");
    // Nothing listens on 127.0.0.2: the next server takes the result.
    let out = send(
        &config,
        &["-H", "127.0.0.2,127.0.0.1", "-q"],
        b"web01\tHTTP\t0\tvia the second\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    assert_eq!(
        server.lines(1),
        ["PROCESS_SERVICE_CHECK_RESULT;web01;HTTP;0;via the second"]
    );
}

#[test]
fn wrong_password_or_identity_fails_even_one_result_and_spools_it() {
    let server = NgServer::start(AUTH);
    let spool = tempfile::tempdir().unwrap();
    let spool_arg = spool.path().to_str().unwrap();
    for (kept, identity, password) in [(1, "web01", "wrong"), (2, "nobody", "s3cret")] {
        let config = server.client_config(identity, password);
        let out = send(
            &config,
            &[
                "--spool",
                spool_arg,
                "--host",
                "web01",
                "--service",
                "HTTP",
                "--status",
                "1",
            ],
            b"",
        );
        // Kept in the spool, nothing lost: status 1.
        assert_eq!(out.status.code(), Some(1), "{identity}");
        let err = stderr(&out);
        assert!(err.contains("TLS handshake failed"), "{err}");
        assert!(err.contains(&format!("{kept} result(s) kept in")), "{err}");
    }
    assert!(server.commands(0).is_empty());
    let failed_at = now();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    // The right password sends both kept results, in order, first, stamped
    // with the time they were made.
    let config = server.client_config("web01", "s3cret");
    let out = send(&config, &["--spool", spool_arg], b"web09\tHTTP\t0\tnew\n");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "3 data packet(s) sent to host successfully.\n"
    );
    assert_eq!(
        server.lines(3),
        [
            "PROCESS_SERVICE_CHECK_RESULT;web01;HTTP;1;",
            "PROCESS_SERVICE_CHECK_RESULT;web01;HTTP;1;",
            "PROCESS_SERVICE_CHECK_RESULT;web09;HTTP;0;new",
        ]
    );
    let stamps: Vec<u64> = server
        .commands(3)
        .iter()
        .map(|c| c[1..c.find(']').unwrap()].parse().unwrap())
        .collect();
    assert!(
        stamps[0] <= failed_at && stamps[1] <= failed_at,
        "{stamps:?}"
    );
    assert!(stamps[2] > failed_at, "{stamps:?}");
}

#[test]
fn server_down_spools_and_the_next_run_delivers() {
    let server = NgServer::start(AUTH);
    let config = server.client_config("web01", "s3cret");
    let spool = tempfile::tempdir().unwrap();
    let spool_arg = spool.path().to_str().unwrap();
    let port = testkit::nsca::free_port().to_string();
    let out = send(
        &config,
        &["--spool", spool_arg, "-p", &port, "--timeout", "2"],
        b"web01\tHTTP\t2\tkept\n",
    );
    // Kept in the spool, nothing lost: status 1.
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot reach 127.0.0.1:"),
        "{}",
        stderr(&out)
    );
    // Same spool file only for the same port: move it to the real one.
    for entry in std::fs::read_dir(spool.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "spool") {
            std::fs::rename(
                &path,
                spool
                    .path()
                    .join(format!("127.0.0.1_{}.spool", server.port)),
            )
            .unwrap();
        }
    }
    let out = send(&config, &["--spool", spool_arg], b"");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        server.lines(1),
        ["PROCESS_SERVICE_CHECK_RESULT;web01;HTTP;2;kept"]
    );
}

#[test]
fn raw_commands_with_dash_capital_c() {
    let server = NgServer::start(AUTH);
    let admin = server.client_config("admin", "t0p");
    let out = send(
        &admin,
        &["-C"],
        b"ACKNOWLEDGE_SVC_PROBLEM;web01;HTTP;1;1;1;admin;known \\ issue\n\n[1700000000] ENABLE_NOTIFICATIONS\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let commands = server.commands(2);
    assert!(
        commands[0].ends_with("] ACKNOWLEDGE_SVC_PROBLEM;web01;HTTP;1;1;1;admin;known \\ issue"),
        "{commands:?}"
    );
    assert_eq!(commands[1], "[1700000000] ENABLE_NOTIFICATIONS");
    // web01 may only send check results: the command is refused.
    let web = server.client_config("web01", "s3cret");
    let out = send(&web, &["-C"], b"DISABLE_NOTIFICATIONS\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("refused command 1"),
        "{}",
        stderr(&out)
    );
    // Raw commands need NSCA-ng.
    let out = nsca_send(&["-H", "127.0.0.1", "-c", "/dev/null", "-C"], b"NOOP\n");
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("needs --protocol nsca-ng"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_protocol_and_server_come_from_the_config_file() {
    let server = NgServer::start(AUTH);
    let config = server.dir.path().join("from-file.cfg");
    std::fs::write(
        &config,
        format!(
            "protocol = nsca-ng\nidentity = web01\npassword = \"s3cret\" # the PSK\n\
             server = 127.0.0.1\nport = {}\ntimeout = 5\n",
            server.port
        ),
    )
    .unwrap();
    let out = nsca_send(&["-c", config.to_str().unwrap()], b"web01\tHTTP\t0\tok\n");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        server.lines(1),
        ["PROCESS_SERVICE_CHECK_RESULT;web01;HTTP;0;ok"]
    );
    // A typo in the config is an error with its line, nothing is sent.
    std::fs::write(
        &config,
        "protocol = nsca-ng\nidentity = web01\npasword = x\n",
    )
    .unwrap();
    let out = nsca_send(&["-c", config.to_str().unwrap()], b"web01\tHTTP\t0\tok\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("from-file.cfg:3: unknown key `pasword`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn wrap_reports_a_job_and_exits_with_its_status() {
    let server = NgServer::start(AUTH);
    let admin = server.client_config("admin", "t0p");
    let out = send(
        &admin,
        &[
            "--wrap",
            "backup",
            "--host",
            "web01",
            "--",
            "sh",
            "-c",
            "echo; echo 'backup: 3 files|size=5B'; echo detail; echo oops >&2; exit 1",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // The job's output passes through untouched, nothing added.
    assert_eq!(stdout(&out), "\nbackup: 3 files|size=5B\ndetail\n");
    // The job failed (WARNING): one line of ours after its own stderr.
    let err = stderr(&out);
    assert!(err.starts_with("oops\n"), "{err}");
    assert!(
        err.ends_with("exited with status 1: reported WARNING \"backup: 3 files|size=5B\" as web01;backup, delivered\n"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 2, "{err}");
    let out = send(
        &admin,
        &[
            "--wrap", "cleanup", "--host", "web01", "--", "sh", "-c", "exit 9",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(9));
    assert_eq!(
        server.lines(2),
        [
            "PROCESS_SERVICE_CHECK_RESULT;web01;backup;1;backup: 3 files|size=5B",
            "PROCESS_SERVICE_CHECK_RESULT;web01;cleanup;3;sh: exit status 9, no output",
        ]
    );
}

#[test]
fn wrap_keeps_the_jobs_status_when_the_report_fails_and_spools_it() {
    let server = NgServer::start(AUTH);
    let wrong = server.client_config("admin", "wrong");
    let spool = tempfile::tempdir().unwrap();
    let spool_arg = spool.path().to_str().unwrap();
    let out = send(
        &wrong,
        &[
            "--spool", spool_arg, "--wrap", "backup", "--host", "web01", "--", "true",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("1 result(s) kept in"),
        "{}",
        stderr(&out)
    );
    let admin = server.client_config("admin", "t0p");
    let out = send(&admin, &["--spool", spool_arg], b"");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        server.lines(1),
        ["PROCESS_SERVICE_CHECK_RESULT;web01;backup;0;true: exit status 0, no output"]
    );
}

#[test]
fn wrap_through_nsca2_to_the_nsca_daemon() {
    let daemon = testkit::nsca::Daemon::start(1, "pw");
    let config = daemon.client_config(1, "pw");
    let port = daemon.port.to_string();
    let out = nsca_send(
        &[
            "-H",
            "127.0.0.1",
            "-p",
            &port,
            "-c",
            config.to_str().unwrap(),
            "--wrap",
            "job",
            "--host",
            "db01",
            "--",
            "sh",
            "-c",
            "echo half done; exit 2",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        daemon.lines(1),
        ["PROCESS_SERVICE_CHECK_RESULT;db01;job;2;half done"]
    );
}

#[test]
fn two_servers_with_failover_and_with_all_one_down_then_the_other() {
    let first = NgServer::start_at("127.0.0.1", None, AUTH);
    let port = first.port;
    let second = NgServer::start_at("127.0.0.2", Some(port), AUTH);
    // The config outlives the servers, which come and go.
    let config_dir = tempfile::tempdir().unwrap();
    let config = config_dir.path().join("send.cfg");
    std::fs::copy(first.client_config("web01", "s3cret"), &config).unwrap();
    let spool = tempfile::tempdir().unwrap();
    let spool_arg = spool.path().to_str().unwrap();
    let both = ["-H", "127.0.0.1,127.0.0.2", "--spool", spool_arg];
    let send_to = |extra: &[&str], output: &str| {
        let mut args = both.to_vec();
        args.extend_from_slice(extra);
        send(
            &config,
            &args,
            format!("web01\tHTTP\t0\t{output}\n").as_bytes(),
        )
    };
    let line = |output: &str| format!("PROCESS_SERVICE_CHECK_RESULT;web01;HTTP;0;{output}");

    // Failover: the first that answers takes the result, and only it.
    let out = send_to(&[], "one");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(first.lines(1), [line("one")]);
    drop(first);
    let out = send_to(&["-q"], "two");
    assert_eq!(
        out.status.code(),
        Some(0),
        "the second took it: {}",
        stderr(&out)
    );
    assert_eq!(stderr(&out), "");
    assert_eq!(second.lines(1), [line("two")]);
    let first = NgServer::start_at("127.0.0.1", Some(port), AUTH);
    drop(second);
    let out = send_to(&[], "three");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(first.lines(1), [line("three")]);

    // --all: every server gets every result; the one down keeps its copy.
    let out = send_to(&["--all"], "four");
    assert_eq!(
        out.status.code(),
        Some(1),
        "kept for the second: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("127.0.0.2:"), "{}", stderr(&out));
    assert_eq!(first.lines(2), [line("three"), line("four")]);
    let second = NgServer::start_at("127.0.0.2", Some(port), AUTH);
    drop(first);
    let out = send_to(&["--all"], "five");
    assert_eq!(
        out.status.code(),
        Some(1),
        "now the first keeps: {}",
        stderr(&out)
    );
    assert_eq!(second.lines(2), [line("four"), line("five")]);
    let first = NgServer::start_at("127.0.0.1", Some(port), AUTH);
    let out = send_to(&["--all"], "six");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(first.lines(2), [line("five"), line("six")]);
    assert_eq!(second.lines(3), [line("four"), line("five"), line("six")]);
}
