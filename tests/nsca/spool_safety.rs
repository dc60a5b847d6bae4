//! The spool as an attacker sees it (issue #25): nsca-send runs as root,
//! an ordinary account made with useradd plays the attacker, and every
//! outcome is checked on disk or at the real Debian daemon.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use testkit::nsca::{Account, Daemon, args, nsca_send, spool_line, stderr, stdout};

fn spool_file(dir: &Path, port: &str, extension: &str) -> PathBuf {
    dir.join(format!("127.0.0.1_{port}.{extension}"))
}

fn sha(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn another_users_spool_directory_is_refused_and_shadow_never_copied() {
    let attacker = Account::new("nsat");
    let daemon = Daemon::start(1, "pw");
    let config = daemon.client_config(1, "pw");
    let port = daemon.port.to_string();
    let scratch = tempfile::tempdir().unwrap();
    std::fs::set_permissions(scratch.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let spool = scratch.path().join("spool");
    std::fs::create_dir(&spool).unwrap();
    Command::new("chown")
        .arg(&attacker.name)
        .arg(&spool)
        .status()
        .unwrap();
    let shadow = sha(Path::new("/etc/shadow"));
    // The attacker links the spool file (and the set-aside file) to shadow.
    attacker.sh(&format!(
        "ln -s /etc/shadow {0}/127.0.0.1_{port}.spool; ln -s /etc/shadow {0}/127.0.0.1_{port}.damaged; chmod 700 {0}",
        spool.display()
    ));

    let spool_arg = spool.to_str().unwrap();
    let out = nsca_send(
        &args(&port, &config, &["--spool", spool_arg]),
        b"web\t0\tup",
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("not by uid 0 running nsca-send: refused"),
        "{err}"
    );
    assert!(err.contains("delivering directly"), "{err}");
    assert_eq!(daemon.lines(1), ["PROCESS_HOST_CHECK_RESULT;web;0;up"]);
    assert_eq!(sha(Path::new("/etc/shadow")), shadow);
    // Nothing of root's was written there: the attacker's two links, no more.
    let names: Vec<_> = std::fs::read_dir(&spool).unwrap().collect();
    assert_eq!(names.len(), 2, "{names:?}");

    // A root directory that others may write in is refused the same way.
    let open = scratch.path().join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o1777)).unwrap();
    attacker.sh(&format!(
        "ln -s /etc/shadow {}/127.0.0.1_{port}.spool",
        open.display()
    ));
    let out = nsca_send(
        &args(&port, &config, &["--spool", open.to_str().unwrap()]),
        b"web\t0\tagain",
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("mode 1777 lets group or others write in it: refused"),
        "{err}"
    );
    assert_eq!(daemon.lines(2)[1], "PROCESS_HOST_CHECK_RESULT;web;0;again");
    assert_eq!(std::fs::read_dir(&open).unwrap().count(), 1);
}

#[test]
fn links_fifos_and_devices_in_the_spool_are_refused_without_hanging() {
    let daemon = Daemon::start(1, "pw");
    let config = daemon.client_config(1, "pw");
    let port = daemon.port.to_string();
    let spool = tempfile::tempdir().unwrap();
    let secret = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(secret.path(), "root:secret-hash:19000::::::\n").unwrap();
    let spool_arg = spool.path().to_str().unwrap();
    let cases: [(&str, &str); 5] = [
        ("spool", "symlink"),
        ("spool", "fifo"),
        ("spool", "zero"),
        ("lock", "fifo"),
        ("state", "hardlink"),
    ];
    for (n, (file, kind)) in cases.iter().enumerate() {
        let path = spool_file(spool.path(), &port, file);
        let made_by = |kind: &str, path: &Path| {
            let _ = std::fs::remove_file(path);
            match kind {
                "symlink" => Command::new("ln")
                    .arg("-s")
                    .arg(secret.path())
                    .arg(path)
                    .status(),
                "hardlink" => Command::new("ln").arg(secret.path()).arg(path).status(),
                "fifo" => Command::new("mkfifo").arg(path).status(),
                _ => Command::new("mknod")
                    .arg(path)
                    .args(["c", "1", "5"])
                    .status(),
            }
            .unwrap()
            .success()
        };
        assert!(made_by(kind, &path));
        let started = Instant::now();
        let output = format!("run{n}");
        let out = nsca_send(
            &args(&port, &config, &["-to", "2", "--spool", spool_arg]),
            format!("web\t0\t{output}").as_bytes(),
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{file} {kind}: {err}");
        assert!(err.contains("refused"), "{file} {kind}: {err}");
        assert!(started.elapsed() < Duration::from_secs(30), "{file} {kind}");
        assert_eq!(
            daemon.lines(n + 1)[n],
            format!("PROCESS_HOST_CHECK_RESULT;web;0;{output}")
        );
        assert!(
            !spool_file(spool.path(), &port, "damaged").exists(),
            "{file} {kind}: nothing read through it was set aside"
        );
        std::fs::remove_file(&path).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(secret.path()).unwrap(),
        "root:secret-hash:19000::::::\n"
    );
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
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success(), "mount tmpfs");
        Tmpfs { dir }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[test]
fn a_rewrite_on_a_full_disk_never_replaces_the_spool() {
    let tmpfs = Tmpfs::mount("64k");
    let spool = tmpfs.dir.path();
    let spool_arg = spool.to_str().unwrap();
    let mut daemon = Daemon::start(1, "full");
    let port = daemon.port.to_string();
    let config_dir = tempfile::tempdir().unwrap();
    let config = config_dir.path().join("send.cfg");
    std::fs::write(&config, "password=full\nencryption_method=1\n").unwrap();
    daemon.kill9(); // down

    let batch: Vec<u8> = (0..10_000)
        .flat_map(|i| format!("host{i}\tsvc\t0\tOK - result {i}\x17").into_bytes())
        .collect();
    let out = nsca_send(&args(&port, &config, &["--spool", spool_arg]), &batch);
    assert_eq!(out.status.code(), Some(2));
    let file = spool_file(spool, &port, "spool");
    let mut bytes = std::fs::read(&file).unwrap();
    let kept = bytes.iter().filter(|&&b| b == b'\n').count();
    assert!(kept > 500, "{kept} results fill 64 KiB");
    // One garbage line in place of the first record, same length: the next
    // run must rewrite the file to drop it, and the disk is full.
    let first_end = bytes.iter().position(|&b| b == b'\n').unwrap();
    bytes[..first_end].fill(b'#');
    std::fs::write(&file, &bytes).unwrap();

    // Its own result is larger than a page: no room left for it either.
    let late = format!("late\t2\t{}", "L".repeat(4095));
    let out = nsca_send(
        &args(&port, &config, &["--spool", spool_arg]),
        late.as_bytes(),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("record 1 is damaged"), "{err}");
    assert!(err.contains("cannot rewrite"), "{err}");
    assert!(err.contains("it stays as it was"), "{err}");
    assert!(err.contains("kept 0 result(s)"), "{err}");
    assert!(err.contains("1 lost: No space left on device"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), bytes, "the spool is intact");

    // The server back: every whole record arrives, the garbage does not.
    let daemon = Daemon::start(1, "full");
    let new_port = daemon.port.to_string();
    std::fs::rename(&file, spool_file(spool, &new_port, "spool")).unwrap();
    let out = nsca_send(&args(&new_port, &config, &["--spool", spool_arg]), b"");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(
        stdout(&out),
        format!("{} data packet(s) sent to host successfully.\n", kept - 1)
    );
    let lines = daemon.lines(kept - 1);
    assert_eq!(lines.len(), kept - 1);
    assert_eq!(
        lines[0],
        "PROCESS_SERVICE_CHECK_RESULT;host1;svc;0;OK - result 1"
    );
    let aside = std::fs::read(spool_file(spool, &new_port, "damaged")).unwrap();
    assert_eq!(aside, [&bytes[..first_end], b"\n"].concat());
    assert!(!spool_file(spool, &new_port, "spool").exists());
}

#[test]
fn spooled_records_are_checked_as_stdins_are() {
    let daemon = Daemon::start(1, "pw");
    let config = daemon.client_config(1, "pw");
    let port = daemon.port.to_string();
    let spool = tempfile::tempdir().unwrap();
    let mut text = spool_line(b"web", b"s;v;c", 2, b"shifted fields");
    text.extend(spool_line(b"\x01web", b"svc", 2, b"control byte"));
    text.extend(spool_line(b"web", b"big", 1, &vec![b'x'; 10 << 20]));
    text.extend(spool_line(b"web", b"svc", 7, b"status 7"));
    text.extend(spool_line(b"web", b"svc", 0, b"fine"));
    std::fs::write(spool_file(spool.path(), &port, "spool"), &text).unwrap();

    let spool_arg = spool.path().to_str().unwrap();
    let out = nsca_send(&args(&port, &config, &["--spool", spool_arg]), b"");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("record 1 is refused (control character or `;`"),
        "{err}"
    );
    assert!(
        err.contains("record 2 is refused (control character or `;`"),
        "{err}"
    );
    assert!(
        err.contains("record 3: plugin output is 10485760 bytes, cut to 4095"),
        "{err}"
    );
    assert!(
        err.contains("record 4 is refused (return code `7`"),
        "{err}"
    );
    let lines = daemon.lines(2);
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[0],
        format!(
            "PROCESS_SERVICE_CHECK_RESULT;web;big;1;{}",
            "x".repeat(4095)
        )
    );
    assert_eq!(lines[1], "PROCESS_SERVICE_CHECK_RESULT;web;svc;0;fine");
    let aside = std::fs::read(spool_file(spool.path(), &port, "damaged")).unwrap();
    assert_eq!(aside.split(|&b| b == b'\n').count(), 4, "three set aside");
}

#[test]
fn a_wrapped_job_printing_a_nul_byte_is_still_reported() {
    let daemon = Daemon::start(1, "pw");
    let config = daemon.client_config(1, "pw");
    let port = daemon.port.to_string();
    let job = [
        "--",
        "sh",
        "-c",
        "printf 'CRITICAL disk\\000full\\n'; exit 2",
    ];
    let mut extra = vec!["--wrap", "svc7", "--host", "h1"];
    extra.extend(job);
    let out = nsca_send(&args(&port, &config, &extra), b"");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "the job's status: {err}");
    assert!(err.contains("1 NUL byte(s): sent as `\\0`"), "{err}");
    assert_eq!(
        daemon.lines(1),
        // The daemon escapes the backslash itself (Nagios shows `\0`).
        ["PROCESS_SERVICE_CHECK_RESULT;h1;svc7;2;CRITICAL disk\\\\0full"]
    );

    // The server down: the result is kept in the spool, not lost.
    let spool = tempfile::tempdir().unwrap();
    let dead = testkit::nsca::free_port().to_string();
    let mut extra = vec![
        "--spool",
        spool.path().to_str().unwrap(),
        "--wrap",
        "svc7",
        "--host",
        "h1",
    ];
    extra.extend(job);
    let out = nsca_send(&args(&dead, &config, &extra), b"");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let kept = std::fs::read_to_string(spool_file(spool.path(), &dead, "spool")).unwrap();
    assert!(
        kept.contains("\th1\tsvc7\tCRITICAL disk\\0full\t"),
        "{kept}"
    );
}

#[test]
fn invalid_wrap_names_are_refused_before_the_job_runs() {
    let scratch = tempfile::tempdir().unwrap();
    let marker = scratch.path().join("ran");
    let touch = format!("touch {}", marker.display());
    for (service, host) in [
        ("svc;5", "h1"),
        ("svc", "h;1"),
        ("svc\x07", "h1"),
        ("svc", ""),
    ] {
        let out = nsca_send(
            &[
                "-H",
                "127.0.0.1",
                "--wrap",
                service,
                "--host",
                host,
                "--",
                "sh",
                "-c",
                &touch,
            ],
            b"",
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(3), "{service:?} {host:?}: {err}");
        assert!(err.contains("--wrap"), "{err}");
        assert!(!marker.exists(), "{service:?} {host:?}: the job ran");
    }
}

/// Lines in the daemon's command file now.
fn arrived(daemon: &Daemon) -> usize {
    let text = std::fs::read(daemon.commands_path()).unwrap();
    text.iter().filter(|&&b| b == b'\n').count()
}

#[test]
fn a_flush_killed_again_and_again_resends_at_most_one_chunk_per_kill() {
    // The documented bound: the chunk in flight (flush::CHUNK results).
    const CHUNK: usize = 500;
    const SPOOLED: usize = 10_000;
    const KILLS: usize = 15;
    let daemon = Daemon::start(1, "kill");
    let config = daemon.client_config(1, "kill");
    let port = daemon.port.to_string();
    let spool = tempfile::tempdir().unwrap();
    let spool_arg = spool.path().to_str().unwrap();
    // Spool them with the server down, then point the spool at the daemon.
    let dead = testkit::nsca::free_port().to_string();
    let batch: Vec<u8> = (0..SPOOLED)
        .flat_map(|i| format!("host{i}\tsvc\t0\tOK {i}\x17").into_bytes())
        .collect();
    let out = nsca_send(&args(&dead, &config, &["--spool", spool_arg]), &batch);
    assert_eq!(out.status.code(), Some(1), "kept");
    std::fs::rename(
        spool_file(spool.path(), &dead, "spool"),
        spool_file(spool.path(), &port, "spool"),
    )
    .unwrap();

    let binary = assert_cmd::cargo::cargo_bin!("nsca-send");
    let mut kills = 0;
    loop {
        let before = arrived(&daemon);
        let mut child = Command::new(binary)
            .args(args(&port, &config, &["-q", "--spool", spool_arg]))
            .stdin(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait for the flush to make progress at the daemon, then kill it.
        let started = Instant::now();
        let finished = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if kills == KILLS || arrived(&daemon) > before + kills * 37 % 400 {
                break None;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "no progress");
            std::thread::sleep(Duration::from_millis(2));
        };
        if kills == KILLS {
            // Enough: let this one finish the flush.
            let status = child.wait().unwrap();
            assert!(matches!(status.code(), Some(0 | 2)), "{status:?}");
            break;
        }
        if let Some(status) = finished {
            // 2 when a kill had left nothing but the tidying to do.
            assert!(matches!(status.code(), Some(0 | 2)), "{status:?}");
            break;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
    }
    assert!(
        kills >= 3,
        "only {kills} kill(s) landed before the flush ended ({} lines arrived)",
        arrived(&daemon)
    );
    // Wait for the daemon to write the last lines it read.
    let lines = daemon.lines(SPOOLED);
    let mut seen = vec![0usize; SPOOLED];
    for line in &lines {
        let host = line.split(';').nth(1).unwrap();
        seen[host.trim_start_matches("host").parse::<usize>().unwrap()] += 1;
    }
    assert!(seen.iter().all(|&n| n >= 1), "every spooled result arrived");
    let duplicates = lines.len() - SPOOLED;
    assert!(
        duplicates <= kills * CHUNK,
        "{duplicates} duplicates after {kills} kills (bound {CHUNK} per kill)"
    );
    eprintln!("{kills} kills, {duplicates} duplicates");
    assert!(!spool_file(spool.path(), &port, "spool").exists());
}
