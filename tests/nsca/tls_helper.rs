//! nsca-send is built without OpenSSL (its every start is cheaper) and runs
//! nsca-send-tls for NSCA-ng and Icinga 2: in the layout a package
//! installs (bin/nsca-send, lib/adminkit/nsca-send-tls), with stdin and a
//! wrapped job passed on untouched, and without the helper a clear error,
//! the job still run and the results kept in the spool.

use std::path::{Path, PathBuf};
use std::process::Command;
use testkit::nsca::{run, stderr, stdout};
use testkit::nsca_ng::NgServer;

const AUTH: &str =
    "authorize \"web01\" {\n password = \"s3cret\"\n hosts = \"web.*\"\n services = \".*\"\n}\n";

/// A prefix with bin/nsca-send and, if `with_helper`, lib/adminkit/nsca-send-tls.
fn installed(with_helper: bool) -> (tempfile::TempDir, PathBuf) {
    let prefix = tempfile::tempdir().unwrap();
    let bin = prefix.path().join("bin/nsca-send");
    std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
    std::fs::copy(assert_cmd::cargo::cargo_bin!("nsca-send"), &bin).unwrap();
    if with_helper {
        let helper = prefix.path().join("lib/adminkit/nsca-send-tls");
        std::fs::create_dir_all(helper.parent().unwrap()).unwrap();
        std::fs::copy(assert_cmd::cargo::cargo_bin!("nsca-send-tls"), &helper).unwrap();
    }
    (prefix, bin)
}

fn needed_libraries(binary: &Path) -> String {
    let out = Command::new("readelf")
        .arg("-d")
        .arg(binary)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn nsca_send_links_no_openssl_and_the_helper_does() {
    let small = needed_libraries(assert_cmd::cargo::cargo_bin!("nsca-send"));
    assert!(small.contains("libc.so.6"), "{small}");
    assert!(
        !small.contains("libssl") && !small.contains("libcrypto"),
        "{small}"
    );
    let helper = needed_libraries(assert_cmd::cargo::cargo_bin!("nsca-send-tls"));
    assert!(helper.contains("libssl.so"), "{helper}");
}

#[test]
fn the_installed_nsca_send_hands_nsca_ng_to_the_helper() {
    let server = NgServer::start(AUTH);
    let config = server.client_config("web01", "s3cret");
    let config = config.to_str().unwrap();
    let (prefix, nsca_send) = installed(true);
    // The protocol named on the command line, stdin read by the helper.
    let out = run(
        &nsca_send,
        &["--protocol", "nsca-ng", "-c", config],
        b"web01\tHTTP\t0\tfrom stdin\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "1 data packet(s) sent to host successfully.\n"
    );
    // The protocol named in the config file; a wrapped job runs once.
    let with_protocol = prefix.path().join("ng.cfg");
    let text = std::fs::read_to_string(config).unwrap();
    std::fs::write(&with_protocol, format!("protocol = nsca-ng\n{text}")).unwrap();
    let ran = prefix.path().join("ran");
    let job = format!("echo once >>'{}'; echo 'backup done'", ran.display());
    let out = run(
        &nsca_send,
        &[
            "-c",
            with_protocol.to_str().unwrap(),
            "--wrap",
            "backup",
            "--host",
            "web02",
            "--",
            "sh",
            "-c",
            &job,
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&ran).unwrap(), "once\n");
    assert_eq!(
        server.lines(2),
        [
            "PROCESS_SERVICE_CHECK_RESULT;web01;HTTP;0;from stdin",
            "PROCESS_SERVICE_CHECK_RESULT;web02;backup;0;backup done",
        ]
    );
}

#[test]
fn without_the_helper_the_job_runs_and_the_spool_keeps_its_result() {
    let server = NgServer::start(AUTH);
    let config = server.client_config("web01", "s3cret");
    let (prefix, nsca_send) = installed(false);
    let spool = prefix.path().join("spool");
    let ran = prefix.path().join("ran");
    let job = format!(
        "echo once >>'{}'; echo 'backup done'; exit 2",
        ran.display()
    );
    let args = [
        "--protocol",
        "nsca-ng",
        "-c",
        config.to_str().unwrap(),
        "--spool",
        spool.to_str().unwrap(),
        "--wrap",
        "backup",
        "--host",
        "web02",
        "--",
        "sh",
        "-c",
        &job,
    ];
    let out = run(&nsca_send, &args, b"");
    // The job's status, whatever became of its result.
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&ran).unwrap(), "once\n");
    let helper = prefix.path().join("lib/adminkit/nsca-send-tls");
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!(
            "nsca-send: NSCA-ng and Icinga 2 are sent by '{}': No such file or directory\n",
            helper.display()
        )),
        "{err}"
    );
    assert!(err.contains("kept in the spool for the next run"), "{err}");
    assert!(!err.contains("os error"), "{err}");
    // Once the helper is there, the next run delivers what was kept.
    let (_other, with_helper) = installed(true);
    let out = run(
        &with_helper,
        &[
            "--protocol",
            "nsca-ng",
            "-c",
            config.to_str().unwrap(),
            "--spool",
            spool.to_str().unwrap(),
        ],
        b"web01\tHTTP\t0\tlater\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        server.lines(2),
        [
            "PROCESS_SERVICE_CHECK_RESULT;web02;backup;2;backup done",
            "PROCESS_SERVICE_CHECK_RESULT;web01;HTTP;0;later",
        ]
    );
}
