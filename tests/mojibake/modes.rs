//! The modes of issue #12 points 11-14 on real files: `text --in-place`
//! (owner, mode, xattrs and ACLs kept, undo restores the bytes), `check -r`
//! as a CI gate, relative symlinks retargeted with their renamed targets,
//! and a journal written even when nothing is renamed.

use assert_cmd::Command;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::Path;
use std::process::Command as Process;

fn tool() -> Command {
    Command::cargo_bin("mojibake-fix").unwrap()
}

fn run(program: &str, args: &[&str]) -> String {
    let out = Process::new(program).args(args).output().unwrap();
    assert!(out.status.success(), "{program} {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn in_place_repairs_keeps_owner_mode_xattrs_acl_and_undo_restores() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("notes.txt");
    let original = "Caf\u{C3}\u{A9} cr\u{C3}\u{A8}me\nplain line\r\nRaison D'\u{221A}\u{2122}tre\n";
    fs::write(&file, original).unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::chown(&file, Some(65534), Some(65534)).unwrap();
    let f = file.to_str().unwrap();
    run("setfattr", &["-n", "user.origin", "-v", "scanner", f]);
    run("setfacl", &["-m", "u:daemon:rw", f]);
    let acl_before = run("getfacl", &["-cp", f]);
    let mode_before = fs::metadata(&file).unwrap().mode() & 0o7777;
    let journal = tmp.path().join("edit.journal");
    tool()
        .args(["text", "--in-place", "--journal"])
        .arg(&journal)
        .arg(&file)
        .assert()
        .success();
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        "Café crème\nplain line\r\nRaison D'être\n"
    );
    let meta = fs::metadata(&file).unwrap();
    assert_eq!(meta.mode() & 0o7777, mode_before);
    assert_eq!((meta.uid(), meta.gid()), (65534, 65534));
    assert_eq!(
        run("getfattr", &["--only-values", "-n", "user.origin", f]),
        "scanner"
    );
    assert_eq!(run("getfacl", &["-cp", f]), acl_before);
    // No temporary file left behind.
    let names: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}"); // file, journal, journal.d
    tool().arg("undo").arg(&journal).assert().success();
    assert_eq!(fs::read_to_string(&file).unwrap(), original);
    let meta = fs::metadata(&file).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (65534, 65534));
    assert_eq!(meta.mode() & 0o7777, mode_before);
}

#[test]
fn in_place_refuses_binary_symlinks_and_hard_links_and_leaves_them() {
    let tmp = tempfile::tempdir().unwrap();
    let damaged = "Caf\u{C3}\u{A9}\n";
    let binary = tmp.path().join("blob.bin");
    let mut bytes = damaged.as_bytes().to_vec();
    bytes.push(0);
    fs::write(&binary, &bytes).unwrap();
    let target = tmp.path().join("target.txt");
    fs::write(&target, damaged).unwrap();
    let link = tmp.path().join("link.txt");
    symlink(&target, &link).unwrap();
    let linked = tmp.path().join("linked.txt");
    let other_name = tmp.path().join("other-name.txt");
    fs::write(&linked, damaged).unwrap();
    fs::hard_link(&linked, &other_name).unwrap();
    let out = tool()
        .args(["text", "--in-place", "--journal"])
        .arg(tmp.path().join("j"))
        .args([&binary, &link, &linked])
        .assert()
        .code(3)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    assert!(err.contains("binary file"), "{err}");
    assert!(err.contains("symbolic link"), "{err}");
    assert!(err.contains("hard links"), "{err}");
    assert_eq!(fs::read(&binary).unwrap(), bytes);
    assert_eq!(fs::read_to_string(&target).unwrap(), damaged);
    assert_eq!(fs::read_to_string(&linked).unwrap(), damaged);
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn in_place_leaves_clean_files_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("clean.txt");
    fs::write(&file, "Ångström, naïve café, ΑΔΙΚΟΎΜΕΝΟ…\n").unwrap();
    let inode = fs::metadata(&file).unwrap().ino();
    let journal = tmp.path().join("j");
    tool()
        .args(["text", "-i", "--journal"])
        .arg(&journal)
        .arg(&file)
        .assert()
        .success();
    assert_eq!(fs::metadata(&file).unwrap().ino(), inode, "not rewritten");
    tool().arg("undo").arg(&journal).assert().success();
}

#[test]
fn check_recursive_is_a_ci_gate_with_exclude_and_json() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    fs::create_dir_all(root.join("src/deep")).unwrap();
    fs::create_dir_all(root.join("vendor")).unwrap();
    fs::write(root.join("src/clean.txt"), "Ångström\nnaïve café\n").unwrap();
    fs::write(
        root.join("src/deep/bad.txt"),
        "ok\nLe Vigne di Zam\u{221A}\u{2264}\n",
    )
    .unwrap();
    fs::write(root.join("vendor/bad.txt"), "Caf\u{C3}\u{A9}\n").unwrap();
    fs::write(root.join("src/blob.bin"), b"Caf\xc3\x83\xc2\xa9\0\n").unwrap();
    fs::write(root.join("src/skip.min.js"), "Caf\u{C3}\u{A9}\n").unwrap();
    symlink(root.join("vendor"), root.join("src/vendor-link")).unwrap();
    let out = tool()
        .current_dir(root)
        .args([
            "check",
            "-r",
            "src",
            "vendor",
            "--exclude",
            "vendor",
            "--exclude",
            "*.min.js",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "src/deep/bad.txt:2: Le Vigne di Zam\u{221A}\u{2264} -> Le Vigne di Zamò\n"
    );
    let out = tool()
        .current_dir(root)
        .args(["check", "-r", "--json", "."])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // One record per damaged line; the result envelope ends the output.
    assert_eq!(lines.last().unwrap()["tool"], "mojibake-fix");
    let paths: Vec<&str> = lines.iter().filter_map(|v| v["path"].as_str()).collect();
    assert_eq!(
        paths,
        [
            "./src/deep/bad.txt",
            "./src/skip.min.js",
            "./vendor/bad.txt"
        ]
    );
    assert_eq!(lines[2]["line"], 1);
    assert_eq!(lines[2]["fixed"], "Café");
    tool()
        .current_dir(root)
        .args(["check", "-r", "src/clean.txt"])
        .assert()
        .code(0)
        .stdout("");
}

#[test]
fn relative_symlinks_follow_their_renamed_targets_and_undo_puts_them_back() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("tree");
    let bad_dir = "Caf\u{C3}\u{A9}";
    let bad_file = "cr\u{C3}\u{A8}me.txt";
    fs::create_dir_all(root.join(bad_dir)).unwrap();
    fs::create_dir_all(root.join("links")).unwrap();
    fs::write(root.join(bad_dir).join(bad_file), "x").unwrap();
    let to_file = format!("../{bad_dir}/{bad_file}");
    symlink(&to_file, root.join("links/to-file")).unwrap();
    symlink(bad_dir, root.join("to-dir")).unwrap();
    // A link whose own name is damaged, pointing into the damaged directory.
    let bad_link = "l\u{C3}\u{A9}n".to_string();
    symlink(format!("./{bad_dir}"), root.join(&bad_link)).unwrap();
    symlink("elsewhere/x", root.join("untouched")).unwrap();
    let journal = tmp.path().join("j");
    tool()
        .args(["names", "-r"])
        .arg(&root)
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "symlink target '../Caf\u{C3}\u{A9}/cr\u{C3}\u{A8}me.txt' -> '../Café/crème.txt'",
        ));
    tool()
        .args(["names", "-r", "--apply", "--journal"])
        .arg(&journal)
        .arg(&root)
        .assert()
        .success();
    assert_eq!(
        fs::read_link(root.join("links/to-file")).unwrap(),
        Path::new("../Café/crème.txt")
    );
    assert_eq!(fs::read_to_string(root.join("links/to-file")).unwrap(), "x");
    assert_eq!(
        fs::read_link(root.join("to-dir")).unwrap(),
        Path::new("Café")
    );
    assert_eq!(
        fs::read_link(root.join("lén")).unwrap(),
        Path::new("./Café")
    );
    assert_eq!(
        fs::read_link(root.join("untouched")).unwrap(),
        Path::new("elsewhere/x")
    );
    tool().arg("undo").arg(&journal).assert().success();
    assert_eq!(
        fs::read_link(root.join("links/to-file")).unwrap(),
        Path::new(&to_file)
    );
    assert_eq!(
        fs::read_link(root.join("to-dir")).unwrap(),
        Path::new(bad_dir)
    );
    assert_eq!(
        fs::read_link(root.join(&bad_link)).unwrap(),
        Path::new(&format!("./{bad_dir}"))
    );
    assert!(root.join(bad_dir).join(bad_file).exists());
}

#[test]
fn apply_with_nothing_to_rename_still_writes_a_journal_undo_accepts() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("Ångström.txt"), "").unwrap();
    let journal = tmp.path().join("empty.journal");
    tool()
        .args(["names", "-r", "--apply", "--journal"])
        .arg(&journal)
        .arg(tmp.path())
        .assert()
        .success();
    assert!(journal.exists());
    tool()
        .arg("undo")
        .arg(&journal)
        .assert()
        .success()
        .stdout("");
}
