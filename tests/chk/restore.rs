//! `chk restore FILE` and the backup file: exact round trip (read back
//! with getfacl), entries swapped for symlinks or retyped between backup
//! and restore, and a backup path planted by an attacker.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use testkit::chk::*;

/// `getfacl -R -P -n -p` of a tree: owners, flags and ACLs of every entry.
fn dump(tree: &Path) -> String {
    let out = Command::new("getfacl")
        .args(["-R", "-P", "-n", "-p"])
        .arg(tree)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Owner, group, mode and ACL of a path, without following it.
fn state(path: &Path) -> (u32, u32, u32, String) {
    let meta = fs::symlink_metadata(path).unwrap();
    (meta.uid(), meta.gid(), meta.mode() & 0o7777, getfacl(path))
}

fn chown(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), Some(gid)).unwrap();
}

/// A tree with every kind of state a backup must carry back.
fn varied_tree(root: &Path) {
    let dir = root.join("shared");
    fs::create_dir(&dir).unwrap();
    setfacl(&["-m", "u:nobody:rwx,g:users:r-x,m::r-x"], &dir);
    setfacl(&["-d", "-m", "u::rwx,g::r-x,o::---,g:users:rwx"], &dir);
    chown(&dir, 65534, 100);
    set_mode(&dir, 0o2750);
    // A named entry wider than the mask: only an exact restore keeps it.
    let file = dir.join("wide");
    write(&file, 0o640);
    setfacl(&["-m", "u:nobody:rwx,m::r--"], &file);
    let masked = root.join("mask-only");
    write(&masked, 0o640);
    setfacl(&["-m", "m::r--"], &masked);
    let suid = root.join("tool");
    write(&suid, 0o644);
    chown(&suid, 65534, 65534);
    set_mode(&suid, 0o4755);
    let odd = root.join(OsStr::from_bytes(b"caf\xe9 \\ $(x)\nline"));
    write(&odd, 0o664);
    fs::create_dir(root.join("plain")).unwrap();
    set_mode(&root.join("plain"), 0o1777);
}

#[test]
fn a_backup_restores_exactly_what_was_there() {
    let tmp = scratch();
    let tree = tmp.path().join("tree");
    fs::create_dir(&tree).unwrap();
    varied_tree(&tree);
    let before = dump(&tree);
    let undo = tmp.path().join("undo");
    chk()
        .args(["path", "-q", "--owner", "root", "--group", "root", "--acl"])
        .arg("u::rw@UX,g::---,o::---,g:users:rw@GX,m::rw@GX")
        .arg("--backup")
        .arg(&undo)
        .arg(&tree)
        .assert()
        .success();
    assert_ne!(dump(&tree), before);
    assert_eq!(fs::metadata(&undo).unwrap().mode() & 0o7777, 0o600);
    // A second run appends to the same backup: restoring undoes both.
    chk()
        .args(["path", "-q", "--acl", "NOACL", "--backup"])
        .arg(&undo)
        .arg(&tree)
        .assert()
        .success();

    chk()
        .args(["restore", "--dry-run"])
        .arg(&undo)
        .assert()
        .code(1);
    let out = chk().arg("restore").arg(&undo).assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.contains(" 0 refused"), "{stdout}");
    assert_eq!(dump(&tree), before);
    // Nothing left to do: a dry run agrees.
    chk().args(["restore", "-n"]).arg(&undo).assert().code(0);
}

#[test]
fn entries_swapped_for_symlinks_or_retyped_are_refused_and_the_rest_restored() {
    let tmp = scratch();
    let outside = tmp.path().join("outside");
    fs::create_dir(&outside).unwrap();
    let secret = outside.join("shadow");
    write(&secret, 0o600);
    let secret_dir = outside.join("etc");
    fs::create_dir(&secret_dir).unwrap();
    write(&secret_dir.join("inner"), 0o600);
    let watched = [secret.clone(), secret_dir.clone(), secret_dir.join("inner")];
    let outside_before: Vec<_> = watched.iter().map(|p| state(p)).collect();

    let tree = tmp.path().join("tree");
    fs::create_dir_all(tree.join("dir")).unwrap();
    for name in ["file", "kept", "retyped", "dir/inner"] {
        write(&tree.join(name), 0o644);
        chown(&tree.join(name), 65534, 65534);
    }
    let undo = tmp.path().join("undo");
    chk()
        .args([
            "path", "-q", "--owner", "root", "--acl", "PRIVATE", "--backup",
        ])
        .arg(&undo)
        .arg(&tree)
        .assert()
        .success();
    assert_eq!(state(&tree.join("kept")).2, 0o600);

    // The member's move: backed-up entries become symlinks to root's
    // files (a file, and a directory on the way), another a directory.
    fs::remove_file(tree.join("file")).unwrap();
    symlink(&secret, tree.join("file")).unwrap();
    fs::rename(tree.join("dir"), tree.join("dir.old")).unwrap();
    symlink(&secret_dir, tree.join("dir")).unwrap();
    fs::remove_file(tree.join("retyped")).unwrap();
    fs::create_dir(tree.join("retyped")).unwrap();

    let out = chk().arg("restore").arg(&undo).assert().code(3);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    let refused = |name: &str, why: &str| {
        let line = format!("{}: not restored: {why}", tree.join(name).display());
        assert!(stderr.contains(&line), "{line:?} in {stderr}");
    };
    refused("file", "it is now a symbolic link");
    refused(
        "dir/inner",
        "a symbolic link or a non-directory on the way to it",
    );
    refused("retyped", "it was a file and is now a directory");
    let outside_after: Vec<_> = watched.iter().map(|p| state(p)).collect();
    assert_eq!(outside_after, outside_before);
    assert_eq!(
        state(&tree.join("kept")),
        (
            65534,
            65534,
            0o644,
            "user::rw-,group::r--,other::r--".into()
        )
    );
}

#[test]
fn a_file_replaced_by_another_file_is_not_the_one_backed_up() {
    let tmp = scratch();
    let tree = tmp.path().join("tree");
    fs::create_dir(&tree).unwrap();
    write(&tree.join("f"), 0o644);
    let undo = tmp.path().join("undo");
    chk()
        .args(["path", "-q", "--acl", "PRIVATE", "--backup"])
        .arg(&undo)
        .arg(&tree)
        .assert()
        .success();
    // Same name, same type, another inode (say a hard link to something else).
    let other = tmp.path().join("other");
    write(&other, 0o600);
    fs::remove_file(tree.join("f")).unwrap();
    fs::hard_link(&other, tree.join("f")).unwrap();
    let out = chk().arg("restore").arg(&undo).assert().code(3);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("another inode"), "{stderr}");
    assert_eq!(mode(&other), 0o600);
}

#[test]
fn an_attacker_racing_the_restore_never_gets_an_outside_file() {
    let tmp = scratch();
    let secret = tmp.path().join("shadow");
    write(&secret, 0o600);
    let secret_before = state(&secret);
    let tree = tmp.path().join("tree");
    fs::create_dir(&tree).unwrap();
    write(&tree.join("file"), 0o644);
    chown(&tree.join("file"), 65534, 65534);
    let undo = tmp.path().join("undo");
    chk()
        .args([
            "path", "-q", "--owner", "root", "--acl", "PRIVATE", "--backup",
        ])
        .arg(&undo)
        .arg(&tree)
        .assert()
        .success();
    // Keep the backed-up file's inode: the attacker swaps it out for a
    // symlink to the secret and back, so both outcomes stay possible.
    fs::hard_link(tree.join("file"), tmp.path().join("saved")).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let swaps = Arc::new(AtomicU64::new(0));
    let thread = {
        let (tree, secret, saved, stop, swaps) = (
            tree.clone(),
            secret.clone(),
            tmp.path().join("saved"),
            stop.clone(),
            swaps.clone(),
        );
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let _ = symlink(&secret, tree.join("link"));
                let _ = fs::rename(tree.join("link"), tree.join("file"));
                let _ = fs::hard_link(&saved, tree.join("back"));
                let _ = fs::rename(tree.join("back"), tree.join("file"));
                swaps.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let attacker = Attacker {
        stop,
        thread: Some(thread),
    };
    let (mut refused, mut restored) = (0, 0);
    for _ in 0..40 {
        let out = chk().arg("restore").arg(&undo).output().unwrap();
        match out.status.code() {
            Some(0) => restored += 1,
            Some(3) => refused += 1,
            other => panic!("exit {other:?}: {out:?}"),
        }
        // Undo the restore so that the next round has work to do.
        std::os::unix::fs::chown(tmp.path().join("saved"), Some(0), None).unwrap();
    }
    drop(attacker);
    assert!(swaps.load(Ordering::Relaxed) > 0);
    assert_eq!(restored + refused, 40);
    assert_eq!(state(&secret), secret_before);
}

#[test]
fn a_planted_backup_symlink_is_refused_before_any_change() {
    let tmp = scratch();
    let victim = tmp.path().join("victim");
    write(&victim, 0o644);
    let tree = tmp.path().join("tree");
    fs::create_dir(&tree).unwrap();
    write(&tree.join("f"), 0o644);
    let planted = tmp.path().join("undo");
    symlink(&victim, &planted).unwrap();
    let out = chk()
        .args(["path", "--acl", "PRIVATE", "--backup"])
        .arg(&planted)
        .arg(&tree)
        .assert()
        .code(3);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("it is a symbolic link"), "{stderr}");
    assert_eq!(fs::read(&victim).unwrap(), b"data");
    assert_eq!(mode(&victim), 0o644);
    assert_eq!(mode(&tree.join("f")), 0o644);

    // A file someone else created there is not ours to append to.
    fs::remove_file(&planted).unwrap();
    write(&planted, 0o666);
    std::os::unix::fs::chown(&planted, Some(65534), None).unwrap();
    let out = chk()
        .args(["path", "--acl", "PRIVATE", "--backup"])
        .arg(&planted)
        .arg(&tree)
        .assert()
        .code(3);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("owned by uid 65534"), "{stderr}");
    assert_eq!(mode(&tree.join("f")), 0o644);

    // Our own file is tightened to 0600 and appended to.
    fs::remove_file(&planted).unwrap();
    write(&planted, 0o644);
    chk()
        .args(["path", "-q", "--acl", "PRIVATE", "--backup"])
        .arg(&planted)
        .arg(&tree)
        .assert()
        .success();
    assert_eq!(mode(&planted), 0o600);
    let text = fs::read_to_string(&planted).unwrap();
    assert!(text.starts_with("data# file: "), "{text}");
}

#[test]
fn a_backup_someone_else_could_write_is_not_trusted() {
    let tmp = scratch();
    let victim = tmp.path().join("victim");
    write(&victim, 0o600);
    // A forged record handing `victim` to nobody.
    let forged = format!(
        "# file: {}\n# owner: 65534\n# group: 65534\nuser::rw-\ngroup::r--\nother::r--\n",
        victim.display()
    );
    let undo = tmp.path().join("undo");
    fs::write(&undo, &forged).unwrap();
    std::os::unix::fs::chown(&undo, Some(65534), None).unwrap();
    set_mode(&undo, 0o600);
    let out = chk().arg("restore").arg(&undo).assert().code(3);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("owned by uid 65534"), "{stderr}");
    std::os::unix::fs::chown(&undo, Some(0), None).unwrap();
    set_mode(&undo, 0o666);
    let out = chk().arg("restore").arg(&undo).assert().code(3);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("others may write it"), "{stderr}");
    fs::remove_file(&undo).unwrap();
    let real = tmp.path().join("real");
    fs::write(&real, &forged).unwrap();
    symlink(&real, &undo).unwrap();
    chk().arg("restore").arg(&undo).assert().code(3);
    assert_eq!(
        state(&victim),
        (0, 0, 0o600, "user::rw-,group::---,other::---".into())
    );
}
