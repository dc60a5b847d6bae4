//! Nothing lost, and counts that tell the truth: a full spool disk, a
//! daemon killed mid-batch, an unusable or locked spool, old results, and
//! every daemon mode, all against the real Debian daemon.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use testkit::nsca::{Daemon, Mode, args, nsca_send, stderr, stdout};

fn batch(count: usize) -> Vec<u8> {
    (0..count)
        .flat_map(|i| format!("host{i}\tsvc\t0\tOK - synthetic result {i}\x17").into_bytes())
        .collect()
}

/// The records of a spool file (one line each).
fn spool_lines(path: &Path) -> Vec<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => text.lines().map(str::to_string).collect(),
        Err(_) => Vec::new(),
    }
}

/// The number before `word` in `text`, e.g. `count_before(s, " result(s) kept")`.
fn count_before(text: &str, word: &str) -> usize {
    let at = text
        .find(word)
        .unwrap_or_else(|| panic!("`{word}` in {text}"));
    let digits: String = text[..at]
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.chars().rev().collect::<String>().parse().unwrap()
}

/// A tiny tmpfs, unmounted when dropped (even when the test fails).
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        let status = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0755"),
                "tmpfs",
            ])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success(), "mount tmpfs");
        Tmpfs { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

fn spool_file(dir: &Path, port: &str) -> PathBuf {
    dir.join(format!("127.0.0.1_{port}.spool"))
}

#[test]
fn full_spool_disk_keeps_whole_records_counts_the_loss_and_never_sends_a_torn_one() {
    let tmpfs = Tmpfs::mount("64k");
    let spool = tmpfs.path().join("spool");
    let mut daemon = Daemon::start(1, "full");
    let config = daemon.client_config(1, "full");
    let port = daemon.port.to_string();
    let config_copy = tempfile::tempdir().unwrap();
    let config = {
        let copy = config_copy.path().join("send.cfg");
        std::fs::copy(&config, &copy).unwrap();
        copy
    };
    daemon.kill9(); // down: its port refuses

    let spool_arg = spool.to_str().unwrap();
    let out = nsca_send(
        &args(&port, &config, &["--spool", spool_arg]),
        &batch(10_000),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let kept = count_before(&err, " result(s) in '");
    let lost = count_before(&err, " lost: No space left on device");
    assert_eq!(kept + lost, 10_000, "{err}");
    assert!(kept > 100 && lost > 100, "{err}");
    let file = spool_file(&spool, &port);
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(bytes.last(), Some(&b'\n'), "no torn tail");
    assert_eq!(spool_lines(&file).len(), kept);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&spool), 0o700);
    assert_eq!(mode(&file), 0o600);

    // A crash mid-append leaves a torn record: it is set aside, not sent.
    let mut torn = bytes.clone();
    let last_start = bytes[..bytes.len() - 1]
        .iter()
        .rposition(|&b| b == b'\n')
        .unwrap()
        + 1;
    torn.truncate(bytes.len() - 12);
    std::fs::write(&file, &torn).unwrap();

    let daemon = Daemon::start(1, "full");
    let new_port = daemon.port.to_string();
    std::fs::rename(&file, spool_file(&spool, &new_port)).unwrap();
    let out = nsca_send(&args(&new_port, &config, &["--spool", spool_arg]), b"");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("is torn"), "{err}");
    assert_eq!(
        stdout(&out),
        format!("{} data packet(s) sent to host successfully.\n", kept - 1)
    );
    let lines = daemon.lines(kept - 1);
    assert_eq!(lines.len(), kept - 1);
    assert!(
        lines.iter().all(|l| l.ends_with(&format!(
            "OK - synthetic result {}",
            l.split(';').nth(1).unwrap().trim_start_matches("host")
        ))),
        "every delivered record is whole"
    );
    let aside = std::fs::read(spool.join(format!("127.0.0.1_{new_port}.damaged"))).unwrap();
    assert_eq!(
        &aside[..],
        &[&bytes[last_start..bytes.len() - 12], b"\n"].concat()[..]
    );
    assert!(!spool_file(&spool, &new_port).exists());
}

#[test]
fn daemon_killed_mid_batch_is_a_reset_and_nothing_is_lost() {
    let spool = tempfile::tempdir().unwrap();
    let spool_arg = spool.path().to_str().unwrap();
    let mut daemon = Daemon::start(1, "kill");
    let config = daemon.client_config(1, "kill");
    let config_dir = tempfile::tempdir().unwrap();
    let config = {
        let copy = config_dir.path().join("send.cfg");
        std::fs::copy(&config, &copy).unwrap();
        copy
    };
    let port = daemon.port.to_string();
    let commands = daemon.commands_path();
    let commands_copy = config_dir.path().join("commands-before-kill");
    let total = 20_000;

    let sender = {
        let port = port.clone();
        let config = config.clone();
        let spool_arg = spool_arg.to_string();
        std::thread::spawn(move || {
            nsca_send(
                &args(&port, &config, &["-to", "30", "--spool", &spool_arg]),
                &batch(total),
            )
        })
    };
    // Kill it once a few hundred results are in.
    while daemon.lines(0).len() < 300 {
        std::thread::sleep(Duration::from_millis(5));
    }
    daemon.kill9();
    let out = sender.join().unwrap();
    std::fs::copy(&commands, &commands_copy).unwrap();
    let err = stderr(&out);
    // Kept in the spool, nothing lost: status 1.
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("connection reset"), "{err}");
    assert!(!err.contains("timed out"), "{err}");

    let arrived = std::fs::read_to_string(&commands_copy)
        .unwrap()
        .lines()
        .count();
    let delivered = count_before(&err, &format!(" of {total} result(s) delivered for sure"));
    let acknowledged = count_before(&err, " acknowledged by the server's");
    let unconfirmed = count_before(&err, " written but not");
    let not_sent = count_before(&err, " not sent");
    let maybe_twice = count_before(&err, " of them may arrive");
    let kept = spool_lines(&spool_file(spool.path(), &port)).len();
    eprintln!("arrived {arrived}, report {delivered}/{acknowledged}/{unconfirmed}/{not_sent}");
    assert_eq!(
        delivered + acknowledged + unconfirmed + not_sent,
        total,
        "{err}"
    );
    assert_eq!(maybe_twice, acknowledged + unconfirmed);
    assert_eq!(
        kept,
        total - delivered,
        "everything not known delivered is kept"
    );
    assert!(arrived >= delivered, "delivered means arrived");
    assert!(arrived + kept >= total, "nothing lost: {arrived} + {kept}");
    assert!(
        arrived - delivered <= maybe_twice,
        "the duplicates are within the announced bound"
    );
}

#[test]
fn unusable_spool_delivers_directly_as_another_user() {
    let daemon = Daemon::start(1, "nobody");
    let port = daemon.port.to_string();
    let shared = tempfile::tempdir().unwrap();
    std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = shared.path().join("send.cfg");
    std::fs::write(&config, "password=nobody\nencryption_method=1\n").unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let root_only = shared.path().join("spool");
    std::fs::create_dir(&root_only).unwrap();
    std::fs::set_permissions(&root_only, std::fs::Permissions::from_mode(0o700)).unwrap();

    let binary = assert_cmd::cargo::cargo_bin!("nsca-send");
    let mut command = vec!["--reuid=nobody", "--regid=nogroup", "--clear-groups"];
    let binary = binary.to_str().unwrap();
    command.push(binary);
    command.extend(args(
        &port,
        &config,
        &["--spool", root_only.to_str().unwrap()],
    ));
    let out = testkit::nsca::run("/usr/bin/setpriv", &command, b"web\tHTTP\t0\tfine");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("Permission denied: delivering directly"),
        "{err}"
    );
    assert_eq!(
        stdout(&out),
        "1 data packet(s) sent to host successfully.\n"
    );
    assert_eq!(
        daemon.lines(1),
        ["PROCESS_SERVICE_CHECK_RESULT;web;HTTP;0;fine"]
    );
}

/// A spool directory whose lock for 127.0.0.1:`port` another run holds
/// (until the file is dropped).
fn locked_spool(port: &str) -> (tempfile::TempDir, std::fs::File) {
    let spool = tempfile::tempdir().unwrap();
    std::fs::set_permissions(spool.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let lock = std::fs::File::create(spool.path().join(format!("127.0.0.1_{port}.lock"))).unwrap();
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive).unwrap();
    (spool, lock)
}

#[test]
fn locked_spool_is_waited_for_within_the_timeout() {
    let daemon = Daemon::start(1, "lock");
    let config = daemon.client_config(1, "lock");
    let port = daemon.port.to_string();
    let (spool, lock) = locked_spool(&port);

    let spool_arg = spool.path().to_str().unwrap();
    let out = nsca_send(
        &args(&port, &config, &["-to", "1", "--spool", spool_arg]),
        b"h\t0\tup",
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("waiting up to 1 s for the spool lock"),
        "{err}"
    );
    assert!(
        err.contains("still locked by another nsca-send run"),
        "{err}"
    );
    assert_eq!(daemon.lines(1), ["PROCESS_HOST_CHECK_RESULT;h;0;up"]);
    drop(lock);
}

#[test]
fn a_connection_opened_while_the_spool_lock_is_waited_for_long_is_made_again() {
    // nsca-send connects before it reads its spool, so that an inetd
    // daemon starts meanwhile; a long wait for the lock retires that
    // connection, and the results still arrive.
    let daemon = Daemon::start_mode(Mode::Inetd, 1, "ahead");
    let config = daemon.client_config(1, "ahead");
    let port = daemon.port.to_string();
    let (spool, lock) = locked_spool(&port);
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        drop(lock);
    });
    let spool_arg = spool.path().to_str().unwrap();
    let out = nsca_send(
        &args(&port, &config, &["-v", "-to", "5", "--spool", spool_arg]),
        b"h\t0\tafter the lock",
    );
    releaser.join().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("the connection opened meanwhile is closed, and a new one made"),
        "{err}"
    );
    assert_eq!(
        daemon.lines(1),
        ["PROCESS_HOST_CHECK_RESULT;h;0;after the lock"]
    );
}

#[test]
fn max_age_drops_old_spooled_results_and_says_so() {
    let daemon = Daemon::start(1, "age");
    let config = daemon.client_config(1, "age");
    let port = daemon.port.to_string();
    let spool = tempfile::tempdir().unwrap();
    let file = spool_file(spool.path(), &port);
    // One spooled an hour ago (old format: the file's time counts), one fresh.
    std::fs::write(&file, "1\t2\told\t\tstale\n").unwrap();
    let an_hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(an_hour_ago)
        .unwrap();
    let spool_arg = spool.path().to_str().unwrap();
    let out = nsca_send(
        &args(&port, &config, &["--spool", spool_arg, "--max-age", "600"]),
        b"new\t0\tfresh",
    );
    let err = stderr(&out);
    // Dropped results are lost: said even under -q, status 2.
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("1 spooled result(s) for 127.0.0.1 older than 600 s dropped"),
        "{err}"
    );
    assert_eq!(daemon.lines(1), ["PROCESS_HOST_CHECK_RESULT;new;0;fresh"]);
    assert!(!file.exists());
}

#[test]
fn every_daemon_mode_takes_a_batch() {
    for mode in [Mode::Single, Mode::Forking, Mode::Inetd] {
        let daemon = Daemon::start_mode(mode, 1, "modes");
        let config = daemon.client_config(1, "modes");
        let port = daemon.port.to_string();
        let out = nsca_send(&args(&port, &config, &[]), &batch(500));
        assert_eq!(out.status.code(), Some(0), "{mode:?}: {}", stderr(&out));
        assert_eq!(daemon.lines(500).len(), 500, "{mode:?}");
    }
}
