//! chk's command line and output as an admin meets them: global options on
//! either side of the subcommand, usage limits, escaped names, `-q`, JSON
//! records for errors and skipped entries, and the progress bar on a real
//! pseudo-terminal (and never in a pipe).

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use testkit::chk::*;

fn chk() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("chk").unwrap()
}

fn chk_bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("chk")
}

/// A shared directory of a real group with one file in it, in a site.
struct Shared {
    site: Site,
    group: TempGroup,
    _model: ModelGroups,
}

impl Shared {
    fn new() -> Shared {
        let model = ModelGroups::ensure();
        let group = TempGroup::new("ckc");
        let site = Site::new("");
        let dir = site.groups_root().join(&group.name);
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("report.txt"), "x").unwrap();
        Shared {
            site,
            group,
            _model: model,
        }
    }

    fn dir(&self) -> PathBuf {
        self.site.groups_root().join(&self.group.name)
    }

    fn bare(&self) -> assert_cmd::Command {
        assert_cmd::Command::cargo_bin("chk").unwrap()
    }
}

#[test]
fn global_options_work_before_and_after_the_subcommand() {
    let _serial = serial();
    let shared = Shared::new();
    let g = shared.group.name.clone();
    let config = shared.site.config.clone();
    // Before the subcommand: --config, -n, --json, -j.
    let before = shared
        .bare()
        .arg("--config")
        .arg(&config)
        .args(["-n", "--json", "-j", "2", "group", &g])
        .output()
        .unwrap();
    assert_eq!(before.status.code(), Some(1), "{before:?}");
    // After it: the same records.
    let after = shared
        .bare()
        .args(["group", &g, "-n", "--json", "-j", "2", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(after.status.code(), Some(1), "{after:?}");
    assert_eq!(before.stdout, after.stdout);
    let first: serde_json::Value = serde_json::from_str(
        String::from_utf8_lossy(&before.stdout)
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["target"], format!("group {g}"));
    // -q, -v and --backup before the subcommand, the repair really done.
    let backup = shared.site.dir.path().join("undo");
    shared
        .bare()
        .arg("--config")
        .arg(&config)
        .arg("--backup")
        .arg(&backup)
        .args(["-v", "grp", &g])
        .assert()
        .code(0);
    assert!(
        std::fs::read_to_string(&backup)
            .unwrap()
            .contains("# file: ")
    );
    let acl = getfacl_lines(&shared.dir().join("report.txt"));
    assert!(acl.contains(&format!("group:{g}:r--")), "{acl:?}");
    shared
        .bare()
        .arg("-q")
        .arg("--config")
        .arg(&config)
        .args(["-n", "group", &g])
        .assert()
        .code(0)
        .stdout("");
}

#[test]
fn jobs_above_the_limit_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = chk()
        .args(["-j", "20000", "path", "--acl", "NOACL"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("20000 is not in 1..=256"), "{stderr}");
}

#[test]
fn a_configured_rules_dir_that_does_not_exist_is_a_warning() {
    let _serial = serial();
    let shared = Shared::new();
    let missing = shared.site.dir.path().join("no-such-check.d");
    let config = shared.site.dir.path().join("other.conf");
    std::fs::write(
        &config,
        format!(
            "groups_root = \"{}\"\nrules_dir = \"{}\"\n",
            shared.site.groups_root().display(),
            missing.display()
        ),
    )
    .unwrap();
    let out = shared
        .bare()
        .arg("--config")
        .arg(&config)
        .args(["group", "-n", &shared.group.name])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "warning: rules_dir '{}' does not exist: using the built-in factory rules",
            missing.display()
        )),
        "{stderr}"
    );
}

/// A directory its owner cannot open (mode 000) is still given its mode by
/// a `chk path` run as that owner, and then walked.
#[test]
fn a_directory_that_cannot_be_opened_is_still_repaired() {
    let _serial = serial();
    let homes = tempfile::tempdir().unwrap();
    set_mode(homes.path(), 0o755);
    let user = TempUser::new("ckd", homes.path());
    let tree = user.home.join("tree");
    let locked = tree.join("locked");
    std::fs::create_dir_all(&locked).unwrap();
    std::fs::write(locked.join("inside"), "x").unwrap();
    set_mode(&locked.join("inside"), 0o666);
    Command::new("chown")
        .args(["-R", &format!("{0}:{0}", user.name)])
        .arg(&tree)
        .status()
        .unwrap();
    set_mode(&locked, 0o000);
    let run_as_user = |dry: bool| {
        let mut cmd = Command::new("setpriv");
        cmd.arg(format!("--reuid={}", user.uid()))
            .arg(format!("--regid={}", user.gid()))
            .arg("--clear-groups")
            .arg(chk_bin())
            .args(["path", "--acl", "NOACL"])
            .arg(&tree);
        if dry {
            cmd.arg("-n");
        }
        cmd.output().unwrap()
    };
    let out = run_as_user(false);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(owner_group_mode(&locked).2, 0o755);
    assert_eq!(owner_group_mode(&locked.join("inside")).2, 0o644);
    assert_eq!(
        getfacl_lines(&locked),
        acl_lines("u::rwx,g::r-x,o::r-x", None)
    );
    let again = run_as_user(true);
    assert_eq!(again.status.code(), Some(0), "{again:?}");
}

/// Names made to forge listing lines, shell syntax and bytes that are not
/// UTF-8 come out escaped, one line per difference.
#[test]
fn hostile_names_are_escaped_and_cannot_forge_a_line() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let forged = b"x\nfake: mode: 0640 -> 0644".as_slice();
    let names: [&[u8]; 4] = [forged, b"$(reboot) 'q'", b"\xff\xfe", b"plain"];
    for name in names {
        let path = root.join(OsStr::from_bytes(name));
        std::fs::write(&path, "x").unwrap();
        set_mode(&path, 0o666);
    }
    set_mode(root, 0o755);
    let out = chk()
        .args(["path", "--acl", "PRIVATE", "-n"])
        .arg(root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stdout = String::from_utf8(out.stdout).expect("the listing is UTF-8");
    let listing: Vec<&str> = stdout.lines().filter(|l| l.contains(": mode: ")).collect();
    // One line per entry (the root and four files), each naming the tree.
    assert_eq!(listing.len(), 5, "{stdout}");
    let shown = root.display().to_string();
    for line in &listing {
        assert!(
            line.starts_with(&shown) || line.starts_with(&format!("'{shown}")),
            "{line}"
        );
    }
    assert!(!stdout.contains("\nfake"), "{stdout}");
    assert!(
        stdout.contains("/x'$'\\n''fake: mode: 0640 -> 0644'"),
        "{stdout}"
    );
    assert!(
        stdout.contains("/'$'\\377\\376': mode: 0666 -> 0600"),
        "{stdout}"
    );
    assert!(stdout.contains("/$(reboot) '\\''q'\\': mode"), "{stdout}");
    assert!(
        stdout.contains(&format!("{shown}/plain: mode: 0666 -> 0600")),
        "{stdout}"
    );
    // Pasted into a shell, the escaped name names the real file.
    let line = listing.iter().find(|l| l.contains("377")).unwrap();
    let quoted = line.rsplit_once(": mode:").unwrap().0;
    let listed = Command::new("bash")
        .arg("-c")
        .arg(format!("stat -c %s {quoted}"))
        .output()
        .unwrap();
    assert!(listed.status.success(), "{listed:?}");
}

#[test]
fn quiet_silences_the_dry_run_listing_but_not_its_status() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("f"), "x").unwrap();
    set_mode(&tmp.path().join("f"), 0o666);
    chk()
        .args(["-q", "path", "--acl", "PRIVATE", "-n"])
        .arg(tmp.path())
        .assert()
        .code(1)
        .stdout("")
        .stderr("");
}

/// Clears the immutable flag even when the test fails.
struct Immutable(PathBuf);

impl Immutable {
    fn set(path: &Path) -> Immutable {
        let status = Command::new("chattr").arg("+i").arg(path).status().unwrap();
        assert!(status.success());
        Immutable(path.to_path_buf())
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

#[test]
fn json_has_a_record_per_error_and_per_skipped_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::write(root.join("stuck"), "x").unwrap();
    set_mode(&root.join("stuck"), 0o666);
    std::os::unix::fs::symlink("/etc/shadow", root.join("link")).unwrap();
    let bad = root.join(OsStr::from_bytes(b"bad\xff"));
    std::fs::write(&bad, "x").unwrap();
    set_mode(&bad, 0o666);
    let _guard = Immutable::set(&root.join("stuck"));
    let shadow_before = owner_group_mode(Path::new("/etc/shadow"));
    let out = chk()
        .args(["path", "--acl", "PRIVATE", "--json"])
        .arg(root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let records: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let error = records
        .iter()
        .find(|r| r.get("error").is_some())
        .expect("an error record");
    assert!(
        error["path"].as_str().unwrap().ends_with("/stuck"),
        "{error}"
    );
    assert_eq!(error["reason"], "Operation not permitted");
    let skipped: Vec<_> = records
        .iter()
        // (The envelope's `skipped` is an object of counts.)
        .filter(|r| r["skipped"].is_string())
        .collect();
    assert_eq!(skipped.len(), 1, "{records:?}");
    assert_eq!(skipped[0]["skipped"], "symlink");
    assert!(skipped[0]["path"].as_str().unwrap().ends_with("/link"));
    let bad_change = records
        .iter()
        .find(|r| r.get("path_hex").is_some())
        .expect("a record with path_hex");
    assert!(
        bad_change["path_hex"]
            .as_str()
            .unwrap()
            .ends_with("626164ff")
    );
    assert_eq!(bad_change["change"], "mode");
    // The file behind the symlink was not touched.
    assert_eq!(owner_group_mode(Path::new("/etc/shadow")), shadow_before);
}

#[test]
fn walk_and_explain_name_their_fields_the_same_way() {
    let _serial = serial();
    let shared = Shared::new();
    let bad = shared.dir().join(OsStr::from_bytes(b"caf\xe9"));
    std::fs::write(&bad, "x").unwrap();
    let walk = shared
        .site
        .chk(&["group", "-n", "--json", &shared.group.name])
        .output()
        .unwrap();
    let walk_record: serde_json::Value = String::from_utf8(walk.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|r| r.get("path_hex").is_some())
        .expect("a walk record with path_hex");
    let explain = chk()
        .arg("explain")
        .arg(&bad)
        .arg("--json")
        .arg("--config")
        .arg(&shared.site.config)
        .output()
        .unwrap();
    assert_eq!(explain.status.code(), Some(1), "{explain:?}");
    let explained: serde_json::Value = serde_json::from_slice(&explain.stdout).unwrap();
    assert_eq!(explained["path"], walk_record["path"]);
    assert_eq!(explained["path_hex"], walk_record["path_hex"]);
    assert_eq!(explained["target"], walk_record["target"]);
    assert!(explained.get("path_bytes").is_none(), "{explained}");
    let change = &explained["changes"][0];
    assert!(change["change"].is_string(), "{explained}");
    // The text form shows the name escaped, as the walk's listing does.
    let text = chk()
        .arg("explain")
        .arg(&bad)
        .arg("--config")
        .arg(&shared.site.config)
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).expect("escaped output is UTF-8");
    assert!(text.contains("/caf'$'\\351'\n"), "{text}");
}

/// A tree big enough that the walk lasts past the bar's first tick.
fn big_tree(root: &Path) {
    for d in 0..40 {
        let dir = root.join(format!("d{d}"));
        std::fs::create_dir(&dir).unwrap();
        for f in 0..150 {
            std::fs::write(dir.join(format!("f{f}")), "").unwrap();
        }
    }
}

#[test]
fn the_progress_bar_is_drawn_on_a_terminal_and_never_mixes_with_lines() {
    let tmp = tempfile::tempdir().unwrap();
    big_tree(tmp.path());
    let root = tmp.path().display().to_string();
    let text = chk_on_a_terminal(&["path", "--acl", "PRIVATE", "-n", &root], "");
    // The bar: its "entries" message, drawn and cleared with escapes.
    assert!(text.contains(" entries ("), "{text}");
    assert!(text.contains("\x1b["), "{text}");
    // Every listing line, once what the bar drew before it is cleared,
    // starts with the path.
    let shown = tmp.path().display().to_string();
    let mut listed = 0;
    for line in text.split('\n').filter(|l| l.contains(": mode: ")) {
        let line = line.trim_end_matches('\r');
        let start = line.rfind("\x1b[2K").map_or(0, |at| at + 4);
        let start = line[start..].rfind('\r').map_or(start, |at| start + at + 1);
        assert!(line[start..].starts_with(&shown), "{line:?}");
        listed += 1;
    }
    let piped = Command::new(chk_bin())
        .args(["path", "--acl", "PRIVATE", "-n"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let expected = String::from_utf8_lossy(&piped.stdout)
        .lines()
        .filter(|l| l.contains(": mode: "))
        .count();
    assert!(expected > 6000, "{expected}");
    assert_eq!(listed, expected, "every difference listed once");
}

#[test]
fn no_progress_bar_in_a_pipe() {
    let tmp = tempfile::tempdir().unwrap();
    big_tree(tmp.path());
    let out = Command::new(chk_bin())
        .env("TERM", "xterm")
        .args(["path", "--acl", "PRIVATE", "-n"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("entries ("), "{stderr}");
    assert!(
        !stderr.contains('\x1b') && !stderr.contains('\r'),
        "{stderr}"
    );
    // And with the terminal on stdout only, stderr (a pipe) gets no bar.
    let root = tmp.path().display().to_string();
    let terminal = chk_on_a_terminal(&["path", "--acl", "PRIVATE", "-n", &root], "2>/dev/null");
    assert!(terminal.contains(": mode: "), "{terminal}");
    assert!(!terminal.contains("entries ("), "{terminal}");
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}
