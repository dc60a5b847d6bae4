//! `chk path --modify/--remove/...`: setfacl's edits, compared with the real
//! `setfacl -R` on copies of the same trees (the getfacl dumps and owners
//! and modes must be identical), and the safety chk adds around them.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;
use testkit::chk::*;

/// Trees of different shapes: plain modes (setuid, executables, private
/// files), ACLs with masks that cut rights, default ACLs, symlinks.
fn make_tree(root: &Path, shape: &str) {
    fs::create_dir_all(root.join("a/b/c")).unwrap();
    fs::create_dir_all(root.join("empty")).unwrap();
    write(&root.join("plain"), 0o644);
    write(&root.join("a/run.sh"), 0o755);
    write(&root.join("a/b/setuid"), 0o4750);
    write(&root.join("a/b/c/private"), 0o600);
    write(&root.join("a/b/c/group-x"), 0o610);
    set_mode(&root.join("a/b"), 0o2750);
    symlink("/etc/passwd", root.join("a/to-passwd")).unwrap();
    symlink("b", root.join("a/to-b")).unwrap();
    if shape == "acls" {
        setfacl(&["-m", "u:1234:rwx,g:55:r--,m::r--"], &root.join("plain"));
        setfacl(&["-m", "u:1234:r-x"], &root.join("a/run.sh"));
        setfacl(&["-m", "g:55:rwx,m::rw-"], &root.join("a"));
        setfacl(&["-d", "-m", "u:1234:rwx,g:55:r-x"], &root.join("a"));
        setfacl(&["-d", "-m", "g:56:rX,m::r-x"], &root.join("a/b/c"));
        setfacl(&["-m", "o::---"], &root.join("empty"));
    }
}

/// getfacl's recursive dump (numeric, never following a symlink) and each
/// entry's type, mode and owners, with paths relative to `root`.
fn dump(root: &Path) -> String {
    let getfacl = Command::new("getfacl")
        .args(["-R", "-P", "-n", "."])
        .current_dir(root)
        .output()
        .unwrap();
    let find = Command::new("find")
        .args([".", "-printf", "%p %y %m %U %G\\n"])
        .current_dir(root)
        .output()
        .unwrap();
    let mut stat: Vec<_> = String::from_utf8(find.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    stat.sort();
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&getfacl.stdout),
        stat.join("\n")
    )
}

/// The same edit in setfacl's words and chk's (chk's `-n` is its dry run:
/// setfacl's `-n` is spelt `--no-mask`).
const GRID: &[&str] = &[
    "-m u:1234:rwX",
    "-m u:1234:rwx,g:55:rX",
    "-m g:55:rX,u:1234:rwx",
    "-m m::rwx,g:56:rX",
    "-m g:55:rw-,m::r--",
    "-m u::rwX,g::r-x,o::---",
    "-m m::rwx",
    "-m d:u:1234:rwX,g:55:r",
    "-d -m u:1234:rwX",
    "-d -m g:55:rx,m::rwx",
    "-x u:1234",
    "-x g:55,d:u:1234",
    "-d -x u:1234",
    "-x u:4321",
    "-b",
    "-k",
    "-b -m u:1234:rX",
    "-k -m d:g:57:rwX",
    "-n -m u:1234:rwx",
    "-n -x g:55",
    "-n -d -m u:1234:rwx",
    "-m u:1234:7,g:55:5",
];

#[test]
fn modify_and_remove_leave_the_same_acls_modes_and_owners_as_setfacl_r() {
    let tmp = scratch();
    let mut differences = Vec::new();
    for shape in ["plain", "acls"] {
        for (i, args) in GRID.iter().enumerate() {
            let theirs = tmp.path().join(format!("{shape}-{i}-setfacl"));
            let ours = tmp.path().join(format!("{shape}-{i}-chk"));
            make_tree(&theirs, shape);
            make_tree(&ours, shape);
            let setfacl_args: Vec<&str> = args.split(' ').collect();
            // (setfacl exits 1 on the files a -d edit does not apply to.)
            let chk_args: Vec<&str> = setfacl_args
                .iter()
                .map(|a| if *a == "-n" { "--no-mask" } else { a })
                .collect();
            // Twice each: X may grant more the second time (the first run
            // gave the file a group-class x through the mask), for both.
            for run in 1..=2 {
                Command::new("setfacl")
                    .arg("-R")
                    .args(&setfacl_args)
                    .arg(&theirs)
                    .output()
                    .unwrap();
                let out = chk()
                    .arg("path")
                    .args(&chk_args)
                    .arg("-q")
                    .arg(&ours)
                    .output()
                    .unwrap();
                assert_eq!(out.status.code(), Some(0), "chk path {args}: {out:?}");
                if dump(&theirs) != dump(&ours) {
                    differences.push(format!(
                        "{shape} tree, {args}, run {run}:\nsetfacl:\n{}\nchk:\n{}",
                        dump(&theirs),
                        dump(&ours)
                    ));
                }
            }
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n\n"));
}

#[test]
fn a_mask_removed_under_named_entries_is_an_error_of_the_entry() {
    let tmp = scratch();
    write(&tmp.path().join("f"), 0o640);
    setfacl(&["-m", "u:1234:rwx"], &tmp.path().join("f"));
    let before = getfacl(&tmp.path().join("f"));
    chk()
        .args(["path", "-x", "m::"])
        .arg(tmp.path())
        .assert()
        .code(3)
        .stderr(predicates::str::contains(
            "the mask cannot be removed while named entries remain",
        ));
    assert_eq!(getfacl(&tmp.path().join("f")), before);
}

#[test]
fn bad_entries_are_usage_errors_and_change_nothing() {
    let tmp = scratch();
    write(&tmp.path().join("f"), 0o640);
    for (args, why) in [
        (
            ["-m", "u:no-such-user-here:rwx"],
            "--modify u:no-such-user-here:rwx: ACL entry `u:no-such-user-here:rwx`: no such user `no-such-user-here`",
        ),
        (["-m", "u:1234:rwq"], "bad permissions `rwq`"),
        (["-m", "u:1234"], "not tag:qualifier:permissions"),
        (["--acl", "u::rw"], "cannot be used with"),
    ] {
        chk()
            .args(["path", "-m", "g:55:r"])
            .args(args)
            .arg(tmp.path())
            .assert()
            .code(2)
            .stderr(predicates::str::contains(why));
        assert_eq!(mode(&tmp.path().join("f")), 0o640);
    }
}

#[test]
fn dry_run_json_backup_and_restore_work_for_edits() {
    let tmp = scratch();
    let tree = tmp.path().join("tree");
    make_tree(&tree, "acls");
    let before = dump(&tree);
    // Dry run: each difference listed, exit 1, nothing changed.
    let out = chk()
        .args(["path", "-n", "--json", "-m", "u:1234:rwX,d:u:1234:rwX"])
        .arg(&tree)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.contains("\"access ACL\""), "{listed}");
    assert_eq!(summary(&out.stdout)["changed_entries"], 10, "{listed}");
    assert_eq!(dump(&tree), before);
    // Repair with a backup, then undo it exactly.
    let backup = tmp.path().join("undo");
    chk()
        .args(["path", "-q", "-m", "u:1234:rwX,d:u:1234:rwX", "--backup"])
        .arg(&backup)
        .arg(&tree)
        .assert()
        .success();
    assert_ne!(dump(&tree), before);
    chk()
        .args(["restore", "-q"])
        .arg(&backup)
        .assert()
        .success();
    assert_eq!(dump(&tree), before);
}

#[test]
fn a_racing_attacker_never_gets_an_outside_file_changed_by_an_edit() {
    let tmp = scratch();
    let outside = tmp.path().join("outside");
    let secret_dir = outside.join("etc");
    fs::create_dir_all(&secret_dir).unwrap();
    let secret = outside.join("shadow");
    write(&secret, 0o600);
    write(&secret_dir.join("inner"), 0o600);
    let watched = [&secret, &secret_dir, &secret_dir.join("inner")];
    let before: Vec<_> = watched.iter().map(|p| (mode(p), getfacl(p))).collect();
    let tree = tmp.path().join("tree");
    fs::create_dir_all(&tree).unwrap();
    for i in 0..1000 {
        write(&tree.join(format!("f{i}")), 0o644);
    }
    let attacker = swapping_attacker(&tree, &secret, &secret_dir);
    for round in 0..25 {
        let (edit, entries) = if round % 2 == 0 {
            ("-m", "u:1234:rwX,d:g:55:rX")
        } else {
            ("-x", "u:1234,d:g:55")
        };
        let out = chk()
            .args(["path", "-q", edit, entries])
            .arg(&tree)
            .output()
            .unwrap();
        assert!(matches!(out.status.code(), Some(0 | 3)), "{out:?}");
    }
    let swaps = attacker.finish();
    assert!(swaps > 50, "the attacker raced ({swaps} swaps)");
    let after: Vec<_> = watched.iter().map(|p| (mode(p), getfacl(p))).collect();
    assert_eq!(after, before);
    // The walker did its work in the tree meanwhile.
    assert_eq!(
        getfacl(&tree.join("f0")),
        "user::rw-,user:1234:rw-,group::r--,mask::rw-,other::r--"
    );
}
