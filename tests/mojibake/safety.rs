//! Issue #25, mojibake-fix's points, each played by an attacker with a
//! real unprivileged account (useradd) against the tool run as root, the
//! outcome checked on disk: `undo` never follows a symlinked directory
//! (point 2) and trusts no journal it should not (point 3); `text -i`
//! keeps originals private (point 7), cleans up after a `kill -9` and
//! loses nothing on a full disk (point 15).

use assert_cmd::Command;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use testkit::users::{Tmpfs, User};

fn tool() -> Command {
    Command::cargo_bin("mojibake-fix").unwrap()
}

/// UTF-8 read as windows-1252: `Café` as `CafÃ©`.
const DAMAGED: &str = "Caf\u{C3}\u{A9} cr\u{C3}\u{A8}me\n";
const REPAIRED: &str = "Café crème\n";

/// A scratch directory others may enter (tempdir makes it 0700), with a
/// home for the attacker, a root-only directory for journals and a
/// root-owned directory standing for /etc.
struct Scene {
    tmp: tempfile::TempDir,
    user: User,
}

impl Scene {
    fn new() -> Scene {
        let tmp = tempfile::tempdir().unwrap();
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o755)).unwrap();
        for dir in ["adm", "etc"] {
            fs::create_dir(tmp.path().join(dir)).unwrap();
        }
        fs::set_permissions(tmp.path().join("adm"), fs::Permissions::from_mode(0o700)).unwrap();
        let user = User::new(tmp.path());
        Scene { tmp, user }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    /// A file of the attacker's in its home.
    fn user_file(&self, rel: &str, content: &str) -> PathBuf {
        let path = self.user.home.join(rel);
        let parent = path.parent().unwrap();
        let out = self
            .user
            .sh(&self.user.home, &format!("mkdir -p '{}'", parent.display()));
        assert!(out.status.success(), "{out:?}");
        fs::write(&path, content).unwrap();
        std::os::unix::fs::chown(&path, Some(self.user.uid), Some(self.user.gid)).unwrap();
        path
    }

    /// A root-owned file the attacker must never get changed.
    fn victim(&self, name: &str, content: &str, mode: u32) -> PathBuf {
        let path = self.path("etc").join(name);
        fs::write(&path, content).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    /// As the attacker: `sh -c script` in its home, which must succeed.
    fn attack(&self, script: &str) {
        let out = self.user.sh(&self.user.home, script);
        assert!(out.status.success(), "{script}: {out:?}");
    }
}

/// Owner, mode and content: what an attacker would want to change.
fn state(path: &Path) -> (u32, u32, Vec<u8>) {
    let meta = fs::symlink_metadata(path).unwrap();
    (meta.uid(), meta.mode(), fs::read(path).unwrap())
}

fn stderr(out: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&out.get_output().stderr).into_owned()
}

/// Point 2: the user swaps the directory of an edited file for a symlink
/// to /etc; root's undo must not write the saved bytes into /etc/passwd.
#[test]
fn undo_of_an_edit_never_follows_a_symlinked_directory() {
    let scene = Scene::new();
    let file = scene.user_file("notes/passwd", &format!("evil::0:0::/:/bin/sh\n{DAMAGED}"));
    let victim = scene.victim("passwd", "root:x:0:0:root:/root:/bin/bash\n", 0o644);
    let before = state(&victim);
    let journal = scene.path("adm/j1");
    tool()
        .args(["text", "-i", "--journal"])
        .arg(&journal)
        .arg(&file)
        .assert()
        .success();
    let etc = scene.path("etc");
    scene.attack(&format!(
        "mv notes notes.real && ln -s '{}' notes",
        etc.display()
    ));
    let out = tool().arg("undo").arg(&journal).assert().code(3);
    let err = stderr(&out);
    assert!(
        err.contains("is a symbolic link or not a directory"),
        "{err}"
    );
    assert_eq!(state(&victim), before, "/etc/passwd untouched");
    // The directory put back, undo does its job.
    scene.attack("rm notes && mv notes.real notes");
    tool().arg("undo").arg(&journal).assert().success();
    assert!(fs::read_to_string(&file).unwrap().ends_with(DAMAGED));
}

/// Point 2 for renames: a directory above the renamed name swapped for a
/// symlink to /etc, where a file has the repaired name.
#[test]
fn undo_of_a_rename_never_follows_a_symlinked_directory() {
    let scene = Scene::new();
    scene.user_file("docs/sub/Ã©tÃ©.txt", "summer");
    fs::create_dir(scene.path("etc/sub")).unwrap();
    let victim = scene.victim("sub/été.txt", "root's", 0o600);
    let journal = scene.path("adm/j2");
    tool()
        .args(["names", "-r", "--apply", "--journal"])
        .arg(&journal)
        .arg(scene.user.home.join("docs"))
        .assert()
        .success();
    assert!(scene.user.home.join("docs/sub/été.txt").exists());
    let etc = scene.path("etc");
    scene.attack(&format!(
        "mv docs docs.real && ln -s '{}' docs",
        etc.display()
    ));
    tool().arg("undo").arg(&journal).assert().code(3);
    assert!(victim.exists(), "nothing renamed in /etc");
    assert!(!scene.path("etc/sub/Ã©tÃ©.txt").exists());
}

/// A v3 journal's text: the header, the tree, then `lines`.
fn journal_text(tree: &Path, lines: &[String]) -> String {
    let mut text = format!(
        "# mojibake-fix journal v3: tree lines, then OLD<TAB>NEW per rename, symlink and edit lines, in order\ntree\t{}\n",
        tree.display()
    );
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    text
}

/// Point 3: a journal the user wrote (or could write) is refused before
/// anything changes, and so is one that points outside its tree.
#[test]
fn undo_trusts_no_journal_a_user_could_write() {
    let scene = Scene::new();
    let evil = scene.user_file("evil", "rtuser::0:0::/:/bin/sh\n");
    let shadow = scene.victim("shadow", "root:$6$secret:19000::::::\n", 0o640);
    let before = state(&shadow);
    let etc = scene.path("etc");
    // A journal with an edit line whose "saved original" is the user's file.
    let text = journal_text(
        Path::new("/"),
        &[format!("edit\t{}\t{}", shadow.display(), evil.display())],
    );
    let owned_by_user = scene.user.home.join("j.journal");
    fs::write(&owned_by_user, &text).unwrap();
    std::os::unix::fs::chown(&owned_by_user, Some(scene.user.uid), None).unwrap();
    fs::set_permissions(&owned_by_user, fs::Permissions::from_mode(0o666)).unwrap();
    let out = tool().arg("undo").arg(&owned_by_user).assert().code(2);
    assert!(
        stderr(&out).contains("neither by you nor by root"),
        "{}",
        stderr(&out)
    );
    // Root's own journal that others may write: refused as well.
    let writable = scene.path("writable.journal");
    fs::write(&writable, &text).unwrap();
    fs::set_permissions(&writable, fs::Permissions::from_mode(0o666)).unwrap();
    let out = tool().arg("undo").arg(&writable).assert().code(2);
    assert!(
        stderr(&out).contains("others may write it (mode 0666)"),
        "{}",
        stderr(&out)
    );
    // A symlink to a journal: refused.
    let good = scene.path("adm/good.journal");
    fs::write(&good, journal_text(&etc, &[])).unwrap();
    fs::set_permissions(&good, fs::Permissions::from_mode(0o600)).unwrap();
    let link = scene.user.home.join("link.journal");
    symlink(&good, &link).unwrap();
    let out = tool().arg("undo").arg(&link).assert().code(2);
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    assert_eq!(state(&shadow), before, "shadow untouched");
}

/// Point 3: every line is checked before the first change: a valid rename
/// first, then a line outside the tree, `..`, or the crafted `/a/..` that
/// used to crash undo: exit 2 with FILE:LINE, and the valid rename is not
/// undone either.
#[test]
fn undo_checks_every_line_before_the_first_change() {
    let scene = Scene::new();
    let docs = scene.user.home.join("docs");
    scene.user_file("docs/été.txt", "x");
    let renamed = format!("{}/Ã©tÃ©.txt\t{}/été.txt", docs.display(), docs.display());
    let etc = scene.path("etc");
    for (bad, why) in [
        (
            format!("{}/shadow.new\t{}/shadow", etc.display(), etc.display()),
            "outside the trees",
        ),
        (format!("{0}/..\t{0}/b", docs.display()), "`..`"),
        (format!("{0}/a//b\t{0}/a//c", docs.display()), "empty"),
        ("relative\tother".to_string(), "absolute"),
        (format!("{0}/a\t{0}/sub/b", docs.display()), "one directory"),
        (
            format!("edit\t{}/x\t../../etc/shadow", docs.display()),
            "not a file name",
        ),
        (format!("{}/a\\x4", docs.display()), "escaped"),
    ] {
        let journal = scene.path("adm/lines.journal");
        let _ = fs::remove_file(&journal);
        fs::write(
            &journal,
            journal_text(&docs, &[renamed.clone(), bad.clone()]),
        )
        .unwrap();
        fs::set_permissions(&journal, fs::Permissions::from_mode(0o600)).unwrap();
        let out = tool().arg("undo").arg(&journal).assert().code(2);
        let err = stderr(&out);
        assert!(
            err.contains(&format!("{}:4: ", journal.display())) && err.contains(why),
            "{bad}: {err}"
        );
        assert!(docs.join("été.txt").exists(), "nothing undone: {bad}");
    }
}

/// The journal reader never panics: thousands of damaged journals (bytes
/// flipped, lines cut, fields doubled) each end in exit 0 or 2, and the
/// tree is never touched by one that is refused.
#[test]
fn damaged_journals_never_crash_undo() {
    let scene = Scene::new();
    let docs = scene.user.home.join("docs");
    scene.user_file("docs/keep.txt", "x");
    let good = journal_text(
        &docs,
        &[
            format!("{0}/Ã©.txt\t{0}/é.txt", docs.display()),
            format!(
                "symlink\t{0}/l\tCaf\\xC3\\x83\\xC2\\xA9\tCaf\\xC3\\xA9",
                docs.display()
            ),
            format!("edit\t{}/keep.txt\t1", docs.display()),
        ],
    );
    let journal = scene.path("adm/fuzz.journal");
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    for _ in 0..300 {
        let mut bytes = good.clone().into_bytes();
        for _ in 0..1 + next(4) {
            let at = next(bytes.len());
            match next(6) {
                0 => bytes[at] = b"\t\n\\./x\xff\x00"[next(8)],
                5 => {
                    bytes.splice(at..at, b"/..".iter().copied());
                }
                1 => bytes.truncate(at),
                2 => bytes.insert(at, b"\t\n\\./"[next(5)]),
                3 => {
                    let piece = bytes[at..(at + 20).min(bytes.len())].to_vec();
                    bytes.splice(at..at, piece);
                }
                _ => {
                    bytes.remove(at);
                }
            }
            if bytes.is_empty() {
                break;
            }
        }
        let _ = fs::remove_file(&journal);
        fs::write(&journal, &bytes).unwrap();
        let out = tool().arg("undo").arg(&journal).output().unwrap();
        let code = out.status.code();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(code, Some(0 | 2 | 3)) && !err.contains("panicked"),
            "{:?}: {code:?} {err}",
            String::from_utf8_lossy(&bytes)
        );
        if code == Some(2) {
            assert!(err.contains("fuzz.journal:"), "FILE:LINE: {err}");
        }
        assert_eq!(fs::read_to_string(docs.join("keep.txt")).unwrap(), "x");
    }
}

/// Point 7: a 0600 file edited in place leaves its original readable by
/// root only: JOURNAL.d 0700, the copy 0600 (0400 for a 0400 original),
/// the journal 0600; the user cannot read any of them.
#[test]
fn in_place_originals_stay_private() {
    let scene = Scene::new();
    let shared = scene.path("shared");
    fs::create_dir(&shared).unwrap();
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o1777)).unwrap();
    let secret = scene.path("etc/secret");
    fs::write(&secret, format!("password=hunter2 {DAMAGED}")).unwrap();
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o600)).unwrap();
    let readonly = scene.path("etc/readonly");
    fs::write(&readonly, DAMAGED).unwrap();
    fs::set_permissions(&readonly, fs::Permissions::from_mode(0o400)).unwrap();
    // The journal in a directory everyone may write, as /tmp.
    let journal = shared.join("edit.journal");
    tool()
        .args(["text", "-i", "--journal"])
        .arg(&journal)
        .args([&secret, &readonly])
        .assert()
        .success();
    let mode = |p: &Path| fs::symlink_metadata(p).unwrap().mode() & 0o7777;
    let saved = shared.join("edit.journal.d");
    assert_eq!(mode(&journal), 0o600);
    assert_eq!(mode(&saved), 0o700);
    assert_eq!(mode(&saved.join("1")), 0o600);
    assert_eq!(mode(&saved.join("2")), 0o400);
    for path in [journal.clone(), saved.join("1")] {
        let out = scene.user.sh(&shared, &format!("cat '{}'", path.display()));
        assert!(!out.status.success(), "the user read {}", path.display());
        assert!(!String::from_utf8_lossy(&out.stdout).contains("hunter2"));
    }
}

/// Point 7: a `.d` the user planted beside the journal (a symlink to its
/// own directory, or a directory of its own) is refused: the file is left
/// as it was and no copy of it reaches the user.
#[test]
fn a_planted_journal_directory_is_refused() {
    let scene = Scene::new();
    let shared = scene.path("shared");
    fs::create_dir(&shared).unwrap();
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o1777)).unwrap();
    let secret = scene.path("etc/secret");
    fs::write(&secret, format!("password=hunter2 {DAMAGED}")).unwrap();
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o600)).unwrap();
    let loot = scene.user.home.join("loot");
    for (name, plant, why) in [
        (
            "a",
            format!(
                "mkdir '{}' && ln -s '{}' a.d",
                loot.display(),
                loot.display()
            ),
            "symbolic link",
        ),
        (
            "b",
            "mkdir b.d && chmod 777 b.d".to_string(),
            "belongs to uid",
        ),
    ] {
        let out = scene.user.sh(&shared, &plant);
        assert!(out.status.success(), "{out:?}");
        let out = tool()
            .args(["text", "-i", "--journal"])
            .arg(shared.join(name))
            .arg(&secret)
            .assert()
            .code(3);
        assert!(stderr(&out).contains(why), "{}", stderr(&out));
        assert!(fs::read_to_string(&secret).unwrap().ends_with(DAMAGED));
    }
    assert_eq!(
        fs::read_dir(&loot).unwrap().count(),
        0,
        "nothing copied to the user"
    );
    assert_eq!(fs::read_dir(shared.join("b.d")).unwrap().count(), 0);
}

/// Waits (bounded) until `path` exists.
fn wait_for(path: &Path, within: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < within {
        if path.exists() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    false
}

/// Point 15: `text -i` killed with SIGKILL while it writes its temporary
/// file leaves it behind; the next run on the file removes it (saying so)
/// and repairs the file; undo of both journals gives the original bytes.
/// A temporary name held by something that is not ours is left alone.
#[test]
fn a_killed_in_place_run_leaves_nothing_for_good() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("big.txt");
    let temp = tmp.path().join(".big.txt.mojibake-fix-tmp");
    // 40 MB, one damaged line: the repair is quick, writing and syncing
    // the copy takes a while.
    let original = format!("{DAMAGED}{}", "plain ascii line\n".repeat(40 << 20 >> 4));
    let bin = assert_cmd::cargo::cargo_bin("mojibake-fix");
    let mut killed = None;
    for attempt in 0..5 {
        fs::write(&file, &original).unwrap();
        let journal = tmp.path().join(format!("killed{attempt}.journal"));
        let mut child = std::process::Command::new(&bin)
            .args(["text", "-i", "--journal"])
            .arg(&journal)
            .arg(&file)
            .spawn()
            .unwrap();
        let appeared = wait_for(&temp, Duration::from_secs(60));
        child.kill().unwrap();
        child.wait().unwrap();
        if appeared && temp.exists() {
            assert_eq!(fs::read(&file).unwrap(), original.as_bytes(), "untouched");
            killed = Some(journal);
            break;
        }
        // The run won the race and finished: undo it and try again.
        tool().arg("undo").arg(&journal).assert().success();
    }
    let killed = killed.expect("never caught the run while it wrote its copy");
    let journal = tmp.path().join("second.journal");
    let out = tool()
        .args(["text", "-i", "--journal"])
        .arg(&journal)
        .arg(&file)
        .assert()
        .success();
    assert!(
        stderr(&out).contains(
            "removed .big.txt.mojibake-fix-tmp, left beside big.txt by an interrupted run"
        ),
        "{}",
        stderr(&out)
    );
    assert!(!temp.exists());
    assert!(fs::read_to_string(&file).unwrap().starts_with(REPAIRED));
    assert_eq!(
        fs::metadata(&file).unwrap().len() as usize,
        original.len() - 4
    );
    tool().arg("undo").arg(&journal).assert().success();
    assert_eq!(fs::read(&file).unwrap(), original.as_bytes());
    // The killed run's journal: its edit never happened.
    let out = tool()
        .args(["undo", "--json"])
        .arg(&killed)
        .assert()
        .success();
    let listing = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(listing.contains(r#""status":"not-edited""#), "{listing}");
    assert_eq!(fs::read(&file).unwrap(), original.as_bytes());

    // Something else under the temporary name: refused, never removed.
    symlink("/etc/shadow", &temp).unwrap();
    let out = tool()
        .args(["text", "-i", "--journal"])
        .arg(tmp.path().join("third.journal"))
        .arg(&file)
        .assert()
        .code(3);
    assert!(stderr(&out).contains("is in the way"), "{}", stderr(&out));
    assert!(
        fs::symlink_metadata(&temp)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read(&file).unwrap(), original.as_bytes());
}

/// Point 15: on a full disk (a 256 KiB tmpfs) the file is left as it was,
/// no temporary file stays, and the message is plain words without
/// "(os error 28)"; with the journal on the full disk too, the original
/// cannot be saved and nothing is changed.
#[test]
fn a_full_disk_loses_nothing() {
    let small = Tmpfs::mount("256k");
    let file = small.path().join("notes.txt");
    let original = DAMAGED.repeat(180 << 10 >> 4);
    fs::write(&file, &original).unwrap();
    let journals = tempfile::tempdir().unwrap();
    for journal in [journals.path().join("j"), small.path().join("j")] {
        let out = tool()
            .args(["text", "-i", "--journal"])
            .arg(&journal)
            .arg(&file)
            .assert()
            .code(3);
        let err = stderr(&out);
        assert!(err.contains("No space left on device"), "{err}");
        assert!(err.contains("not repaired, left as it was"), "{err}");
        assert!(!err.contains("os error"), "{err}");
        assert_eq!(fs::read(&file).unwrap(), original.as_bytes());
        let names: Vec<_> = fs::read_dir(small.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(
            !names
                .iter()
                .any(|n| n.to_string_lossy().contains("mojibake-fix-tmp")),
            "{names:?}"
        );
        // The journal is whole: undo reads it and changes nothing.
        tool().arg("undo").arg(&journal).assert().success();
        assert_eq!(fs::read(&file).unwrap(), original.as_bytes());
    }
}
