//! nsca-send --protocol icinga2 against Debian's Icinga 2, run in the
//! foreground on 127.0.0.1: the three inputs and --wrap read back from
//! /v1/objects with their times, refusals, wrong credentials, a wrong CA,
//! a dead server and the spool.

use std::path::Path;
use testkit::icinga2::{
    API_USER, Icinga, PASSWORD, UNPERMITTED_PASSWORD, UNPERMITTED_USER, make_certificates,
};
use testkit::nsca::{now, nsca_send, stderr, stdout};

fn send(config: &Path, extra: &[&str], input: &[u8]) -> std::process::Output {
    let mut args = vec!["-c", config.to_str().unwrap()];
    args.extend_from_slice(extra);
    nsca_send(&args, input)
}

fn assert_time_between(result: &serde_json::Value, from: u64, to: u64) {
    for key in ["execution_start", "execution_end"] {
        let at = result[key].as_f64().unwrap_or_default() as u64;
        assert!(
            at >= from && at <= to,
            "{key} {at} not in {from}..={to}: {result}"
        );
    }
}

#[test]
fn stdin_json_and_single_results_arrive_with_perfdata_and_time() {
    let server = Icinga::start();
    let config = server.client_config(API_USER, PASSWORD, "");
    let before = now();
    let out = send(
        &config,
        &[],
        b"web01\tHTTP\t2\tCRITICAL - refused|time=0.1s;1;2 'rx bytes'=5B\x17web02\t2\tDOWN - no ping\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "2 data packet(s) sent to host successfully.\n"
    );
    let http = server.wait_for_output("web01", "HTTP", "CRITICAL - refused");
    assert_eq!(http["state"], 2, "{http}");
    assert_eq!(
        http["performance_data"],
        serde_json::json!(["time=0.1s;1;2", "'rx bytes'=5B"])
    );
    assert_eq!(http["check_source"].as_str(), Some(node_name().as_str()));
    assert_time_between(&http, before, now());
    let host = server.wait_for_output("web02", "", "DOWN - no ping");
    assert_eq!(host["state"], 2, "a host is UP or DOWN: {host}");

    let out = send(
        &config,
        &["--json"],
        b"{\"host\":\"web01\",\"service\":\"backup\",\"status\":1,\"output\":\"slow\\nsecond line\"}\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let backup = server.wait_for_output("web01", "backup", "slow\nsecond line");
    assert_eq!(backup["state"], 1, "{backup}");

    let out = send(
        &config,
        &[
            "--host",
            "web01",
            "--service",
            "backup",
            "--status",
            "0",
            "--output",
            "ok ✓",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let backup = server.wait_for_output("web01", "backup", "ok ✓");
    assert_eq!(backup["state"], 0, "{backup}");
    assert!(
        backup["ttl"].as_f64().unwrap_or_default() == 0.0,
        "{backup}"
    );
}

fn node_name() -> String {
    let out = std::process::Command::new("uname")
        .arg("-n")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn url_ca_and_ttl_from_the_command_line_and_a_wrapped_job() {
    let server = Icinga::start();
    // Only the credentials in the file: the rest from the command line.
    let config = server.dir.path().join("credentials.cfg");
    std::fs::write(
        &config,
        format!("api_user={API_USER}\npassword={PASSWORD}\n"),
    )
    .unwrap();
    let url = format!("https://127.0.0.1:{}/", server.port);
    let ca = server.ca.to_str().unwrap();
    let out = send(
        &config,
        &[
            "--protocol",
            "icinga2",
            "--url",
            &url,
            "--ca",
            ca,
            "--ttl",
            "600",
            "--host",
            "web01",
            "--wrap",
            "backup",
            "--",
            "sh",
            "-c",
            "echo 'backup: 3 files|files=3'; echo detail; exit 1",
        ],
        b"",
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "the job's status: {}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "backup: 3 files|files=3\ndetail\n");
    let backup = server.wait_for_output("web01", "backup", "backup: 3 files");
    assert_eq!(backup["state"], 1, "{backup}");
    assert_eq!(backup["ttl"], 600, "{backup}");
    assert_eq!(backup["performance_data"], serde_json::json!(["files=3"]));
}

#[test]
fn unknown_objects_are_refused_not_kept_and_the_batch_goes_on() {
    let server = Icinga::start();
    let config = server.client_config(API_USER, PASSWORD, "");
    let spool = tempfile::tempdir().unwrap();
    let spool_arg = spool.path().to_str().unwrap();
    let out = send(
        &config,
        &["--spool", spool_arg],
        b"web09\tdisk\t0\tfine\x17web01\tHTTP\t0\tafter the refusal\n",
    );
    assert_eq!(out.status.code(), Some(2), "a refusal is a failure");
    let err = stderr(&out);
    assert!(
        err.contains("refused the result for web09;disk for good: HTTP 404: No objects found"),
        "{err}"
    );
    assert_eq!(
        stdout(&out),
        "1 data packet(s) sent to host successfully.\n"
    );
    server.wait_for_output("web01", "HTTP", "after the refusal");
    // Set aside with the server's answer, never to be sent again, and shown.
    let rejected = std::fs::read_dir(spool.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "rejected"))
        .expect("a .rejected file");
    let text = std::fs::read_to_string(&rejected).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].contains("\tweb09\tdisk\tfine\t"), "{text}");
    assert!(
        lines[1].starts_with("#\t") && lines[1].contains("HTTP 404: No objects found"),
        "{text}"
    );
    let status = nsca_send(&["--spool", spool_arg, "--spool-status"], b"");
    assert!(
        stdout(&status).contains("0 result(s) waiting; 1 rejected;"),
        "{}",
        stdout(&status)
    );
    // Nothing kept: the next run sends only its own result.
    let out = send(
        &config,
        &["--spool", spool_arg, "-v"],
        b"web01\tHTTP\t0\tnext\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("spooled result"), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "1 data packet(s) sent to host successfully.\n"
    );
}

#[test]
fn wrong_password_keeps_results_which_later_arrive_with_their_own_time() {
    let server = Icinga::start();
    let spool = tempfile::tempdir().unwrap();
    let spool_arg = spool.path().to_str().unwrap();
    let wrong = server.client_config(API_USER, "wrong", "");
    let made = now();
    let out = send(
        &wrong,
        &["--spool", spool_arg],
        b"web01\tbackup\t2\tmade before the fix\n",
    );
    assert_eq!(out.status.code(), Some(1), "kept, even for one result");
    let err = stderr(&out);
    assert!(
        err.contains("wrong api_user `nsca` or password (HTTP 401)"),
        "{err}"
    );
    assert!(err.contains("1 result(s) kept in"), "{err}");
    assert!(
        server.last_check_result("web01", "backup").is_null(),
        "nothing arrived"
    );
    let sent = now();
    std::thread::sleep(std::time::Duration::from_millis(2100));

    let right = server.client_config(API_USER, PASSWORD, "");
    let out = send(&right, &["--spool", spool_arg], b"web01\tHTTP\t0\tnew\n");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "2 data packet(s) sent to host successfully.\n"
    );
    let backup = server.wait_for_output("web01", "backup", "made before the fix");
    assert_time_between(&backup, made, sent);
    server.wait_for_output("web01", "HTTP", "new");
}

#[test]
fn a_dead_server_loses_nothing() {
    let mut server = Icinga::start();
    let config = server.client_config(API_USER, PASSWORD, "");
    let spool = tempfile::tempdir().unwrap();
    let spool_arg = spool.path().to_str().unwrap();
    server.stop();
    let input: String = (0..50)
        .map(|i| format!("web01\tHTTP\t0\tresult {i}\n"))
        .collect();
    let out = send(
        &config,
        &["--spool", spool_arg, "-to", "2", "-ds", "0x0a"],
        input.as_bytes(),
    );
    // Kept in the spool, nothing lost: status 1.
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("cannot reach 127.0.0.1:"), "{err}");
    assert!(err.contains("50 result(s) kept in"), "{err}");
    server.restart();
    let out = send(
        &config,
        &["--spool", spool_arg],
        b"web01\tbackup\t0\tlast\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "51 data packet(s) sent to host successfully.\n"
    );
    server.wait_for_output("web01", "backup", "last");
    // In order: the spooled ones first, so the last HTTP result is 49.
    server.wait_for_output("web01", "HTTP", "result 49");
    assert_eq!(
        server.last_check_result("web01", "HTTP")["output"],
        "result 49"
    );
}

#[test]
fn a_server_signed_by_another_ca_is_refused() {
    let server = Icinga::start();
    let other = tempfile::tempdir().unwrap();
    make_certificates(other.path(), "other", "127.0.0.1");
    let config = server.client_config(API_USER, PASSWORD, "");
    let other_ca = other.path().join("other-ca.crt");
    let out = send(
        &config,
        &["--ca", other_ca.to_str().unwrap()],
        b"web01\tHTTP\t0\tx\n",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("TLS handshake failed"), "{err}");
    assert!(err.contains("certificate verify failed"), "{err}");
    assert!(
        err.contains(&format!("the CA in '{}'", other_ca.display())),
        "{err}"
    );
    assert!(server.last_check_result("web01", "HTTP").is_null());

    // The system's CAs do not know the private one either: the hint says what to give.
    let bare = server.dir.path().join("no-ca.cfg");
    std::fs::write(
        &bare,
        format!(
            "protocol=icinga2\napi_user={API_USER}\npassword={PASSWORD}\nserver=127.0.0.1\nport={}\n",
            server.port
        ),
    )
    .unwrap();
    let out = send(&bare, &[], b"web01\tHTTP\t0\tx\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("give the Icinga CA with --ca /var/lib/icinga2/certs/ca.crt"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn credentials_come_from_the_config_and_options_need_icinga2() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.cfg");
    std::fs::write(
        &config,
        "protocol = icinga2\npassword = x\nserver = 127.0.0.1\n",
    )
    .unwrap();
    let out = send(&config, &[], b"web01\tHTTP\t0\tx\n");
    assert_eq!(out.status.code(), Some(2), "a configuration failure");
    assert!(
        stderr(&out).contains("no `api_user =` line"),
        "{}",
        stderr(&out)
    );

    std::fs::write(&config, "password = x\n").unwrap();
    let out = send(
        &config,
        &["-H", "127.0.0.1", "--ttl", "60"],
        b"web01\tHTTP\t0\tx\n",
    );
    assert_eq!(out.status.code(), Some(3), "a usage error");
    assert!(
        stderr(&out).contains("--url, --ca and --ttl need --protocol icinga2"),
        "{}",
        stderr(&out)
    );
    std::fs::write(&config, "api_user = a\npassword = x\n").unwrap();
    let out = send(
        &config,
        &["--protocol", "icinga2", "--url", "http://127.0.0.1:5665"],
        b"",
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the Icinga 2 API is https://HOST:PORT"),
        "{}",
        stderr(&out)
    );
}

/// `kill -9` of the daemon in the middle of a batch: what it answered is
/// delivered, everything else is kept, and the next run sends the rest.
#[test]
fn a_daemon_killed_mid_batch_loses_nothing() {
    const TOTAL: usize = 20_000;
    let mut server = Icinga::start();
    let config = server.client_config(API_USER, PASSWORD, "");
    let spool = tempfile::tempdir().unwrap();
    let spool_arg = spool.path().to_str().unwrap().to_string();
    let input: String = (0..TOTAL)
        .map(|i| format!("web01\tHTTP\t0\tresult {i}\x17"))
        .collect();
    let sender = {
        let (config, spool_arg) = (config.clone(), spool_arg.clone());
        std::thread::spawn(move || send(&config, &["--spool", &spool_arg], input.as_bytes()))
    };
    // Some results have arrived: kill it.
    let started = std::time::Instant::now();
    while server.last_check_result("web01", "HTTP").is_null() {
        assert!(started.elapsed().as_secs() < 20, "nothing arrived");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    server.stop();
    let out = sender.join().unwrap();
    // Kept in the spool, nothing lost: status 1.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    let number_before = |marker: &str| -> usize {
        let at = err
            .find(marker)
            .unwrap_or_else(|| panic!("no `{marker}`: {err}"));
        let digits: String = err[..at]
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.chars().rev().collect::<String>().parse().unwrap()
    };
    let delivered = number_before(&format!(" of {TOTAL} result(s) delivered for sure"));
    let kept = number_before(" result(s) kept in");
    assert!(kept > 0, "the kill came too late: {err}");
    assert_eq!(delivered + kept, TOTAL, "{err}");

    server.restart();
    let out = send(
        &config,
        &["--spool", &spool_arg],
        b"web01\tbackup\t0\tlast\x17",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("{} data packet(s) sent to host successfully.\n", kept + 1)
    );
    server.wait_for_output("web01", "HTTP", &format!("result {}", TOTAL - 1));
}

#[test]
fn failover_passes_a_server_that_is_down() {
    let server = Icinga::start();
    let config = server.client_config(API_USER, PASSWORD, "");
    // Nothing listens on 127.0.0.2: the next server takes the result.
    let out = send(
        &config,
        &["-H", "127.0.0.2,127.0.0.1", "-q"],
        b"web01\tHTTP\t0\tvia the second\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    server.wait_for_output("web01", "HTTP", "via the second");
}

#[test]
fn two_servers_with_failover_and_with_all_one_down_then_the_other() {
    let mut first = Icinga::start_at("127.0.0.1", None);
    let mut second = Icinga::start_at("127.0.0.2", Some(first.port));
    // One file with both CAs: each server's certificate names its address.
    let bundle = first.dir.path().join("both-cas.crt");
    let cas = [&first.ca, &second.ca].map(|ca| std::fs::read_to_string(ca).unwrap());
    std::fs::write(&bundle, cas.concat()).unwrap();
    let config = first.client_config(
        API_USER,
        PASSWORD,
        &format!("ca = \"{}\"\n", bundle.display()),
    );
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
    let received = |server: &Icinga, count: usize, last: &str| {
        assert_eq!(
            server.check_results_received(count),
            count,
            "{}",
            server.log()
        );
        assert_eq!(
            server.wait_for_output("web01", "HTTP", last)["output"],
            last
        );
    };

    // Failover: the first that answers takes the result, and only it.
    let out = send_to(&[], "one");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    received(&first, 1, "one");
    first.stop();
    let out = send_to(&["-q"], "two");
    assert_eq!(
        out.status.code(),
        Some(0),
        "the second took it: {}",
        stderr(&out)
    );
    assert_eq!(stderr(&out), "");
    received(&second, 1, "two");
    first.restart();
    second.stop();
    let out = send_to(&[], "three");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The log starts again with each start of the daemon.
    received(&first, 1, "three");

    // --all: every server gets every result; the one down keeps its copy.
    let out = send_to(&["--all"], "four");
    assert_eq!(
        out.status.code(),
        Some(1),
        "kept for the second: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("127.0.0.2:"), "{}", stderr(&out));
    received(&first, 2, "four");
    second.restart();
    first.stop();
    let out = send_to(&["--all"], "five");
    assert_eq!(
        out.status.code(),
        Some(1),
        "now the first keeps: {}",
        stderr(&out)
    );
    // The copy kept for it, then the new one.
    received(&second, 2, "five");
    first.restart();
    let out = send_to(&["--all"], "six");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    received(&first, 2, "six");
    received(&second, 3, "six");
}

#[test]
fn a_user_without_the_permission_is_refused_set_aside_and_never_resent() {
    let server = Icinga::start();
    let config = server.client_config(UNPERMITTED_USER, UNPERMITTED_PASSWORD, "");
    let spool = tempfile::tempdir().unwrap();
    let spool_arg = spool.path().to_str().unwrap();
    let out = send(
        &config,
        &["--spool", spool_arg],
        b"web01\tHTTP\t2\tnot allowed\n",
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "a refusal is a failure: {}",
        stderr(&out)
    );
    // Icinga 2.14 and later answer 403 (nsca-send then names the missing
    // permission); Debian 12's 2.13 answers a missing permission as it
    // answers an unknown object: 404, "No objects found".
    let err = stderr(&out);
    let answers = [
        format!(
            "HTTP 403: api_user `{UNPERMITTED_USER}` lacks the permission actions/process-check-result"
        ),
        "HTTP 404: No objects found".to_string(),
    ];
    let answer = answers
        .iter()
        .find(|a| err.contains(&format!("refused the result for web01;HTTP for good: {a}")))
        .unwrap_or_else(|| panic!("{err}"));
    assert_eq!(server.check_results_received(1), 1, "{}", server.log());
    assert!(server.last_check_result("web01", "HTTP").is_null());
    // Set aside with the server's answer, and shown.
    let rejected = std::fs::read_dir(spool.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "rejected"))
        .expect("a .rejected file");
    let text = std::fs::read_to_string(&rejected).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].contains("\tweb01\tHTTP\tnot allowed\t"), "{text}");
    assert!(
        lines[1].starts_with("#\t") && lines[1].contains(answer.as_str()),
        "{text}"
    );
    let status = nsca_send(&["--spool", spool_arg, "--spool-status"], b"");
    assert!(
        stdout(&status).contains("0 result(s) waiting; 1 rejected;"),
        "{}",
        stdout(&status)
    );
    // Never resent: the permitted user's next run sends only its own result.
    let permitted = server.client_config(API_USER, PASSWORD, "");
    let out = send(
        &permitted,
        &["--spool", spool_arg],
        b"web01\tbackup\t0\tnext\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "1 data packet(s) sent to host successfully.\n"
    );
    server.wait_for_output("web01", "backup", "next");
    assert_eq!(server.check_results_received(2), 2, "{}", server.log());
    assert!(server.last_check_result("web01", "HTTP").is_null());
}
