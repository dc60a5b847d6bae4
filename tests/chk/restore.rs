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

/// The ACL a repair gives the attacker `user`: write access to `tool`,
/// traversal of the tree (the directory form has `u:USER:rwx`).
fn acl_for(user: &TempUser) -> String {
    format!("u::rw@UX,g::r-x,o::---,u:{}:rw@UX,m::rw@UX", user.name)
}

fn stderr_of(out: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&out.get_output().stderr).into_owned()
}

/// Issue #25, first reproduction: a set-id root program that a repair
/// made writable by a user (dropping its set-id bit), rewritten in place
/// by that user, must not get its set-id bit back from `chk restore`.
#[test]
fn a_file_a_user_rewrote_gets_no_set_id_bit_back() {
    let _serial = serial();
    let user = TempUser::attacker("ckra");
    let tmp = scratch();
    set_mode(tmp.path(), 0o755);
    let tree = tmp.path().join("tree");
    fs::create_dir(&tree).unwrap();
    let tool = tree.join("tool");
    fs::copy("/usr/bin/id", &tool).unwrap();
    set_mode(&tool, 0o4755);
    let undo = tmp.path().join("b.undo");
    chk()
        .args(["path", "-q", "--acl", &acl_for(&user), "--backup"])
        .arg(&undo)
        .arg(&tree)
        .assert()
        .success();
    assert_eq!(mode(&tool) & 0o6000, 0, "the repair drops the set-id bit");
    let inode = fs::metadata(&tool).unwrap().ino();
    let out = user.sh(&tree, "cat /usr/bin/whoami > tool");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(fs::metadata(&tool).unwrap().ino(), inode, "the same inode");

    let out = chk().arg("restore").arg(&undo).assert().code(3);
    let stderr = stderr_of(&out);
    let line = format!("chk: '{}': changed since the run (", tool.display());
    assert!(stderr.contains(&line), "{stderr}");
    assert!(stderr.contains("change time): only what narrows access was restored; kept: "));
    // Root's, no set-id bit, and no more than both states granted: the
    // user's entry (not in the backup) and others' r-x (not now) are gone.
    assert_eq!(
        state(&tool),
        (0, 0, 0o750, "user::rwx,group::r-x,other::---".into())
    );
    let run = user.sh(&tree, "./tool");
    assert!(
        !String::from_utf8_lossy(&run.stdout).contains("root"),
        "{run:?}"
    );
    // The tree itself is as chk left it: restored exactly.
    assert_eq!(
        state(&tree),
        (0, 0, 0o755, "user::rwx,group::r-x,other::r-x".into())
    );
}

/// Issue #25, second reproduction: a user deletes a file in a directory
/// it may write and makes its own; the file system hands it the freed
/// inode number. `chk restore` must refuse it (a newer file: another birth
/// time, or on file systems without one, another inode generation), not
/// chown it to root and make it set-id.
fn a_new_file_with_the_old_inode_number_is_refused(mkfs: &[&str], why: &str) {
    let _serial = serial();
    let user = TempUser::attacker("ckri");
    let image = Ext4Image::new(mkfs);
    set_mode(image.path(), 0o755);
    let dir = image.path().join("tree/dir");
    fs::create_dir_all(&dir).unwrap();
    let tool = dir.join("tool");
    fs::copy("/usr/bin/id", &tool).unwrap();
    set_mode(&tool, 0o4755);
    let tmp = scratch();
    let undo = tmp.path().join("b.undo");
    chk()
        .args(["path", "-q", "--acl", &acl_for(&user), "--backup"])
        .arg(&undo)
        .arg(image.path().join("tree"))
        .assert()
        .success();
    let inode = fs::metadata(&tool).unwrap().ino();
    let out = user.sh(
        &dir,
        "rm -f tool && cp /usr/bin/whoami tool && chmod 755 tool",
    );
    assert!(out.status.success(), "{out:?}");
    let theirs = fs::metadata(&tool).unwrap();
    assert_eq!(
        theirs.ino(),
        inode,
        "the file system reused the inode number"
    );
    assert_eq!(theirs.uid(), user.uid());

    let out = chk().arg("restore").arg(&undo).assert().code(3);
    let stderr = stderr_of(&out);
    let line = format!(
        "chk: {}: not restored: it is no longer the entry that was backed up (the same inode number given to a newer file ({why}))",
        tool.display()
    );
    assert!(stderr.contains(&line), "{stderr}");
    let (uid, _, mode, _) = state(&tool);
    assert_eq!((uid, mode), (user.uid(), 0o755));
    let run = user.sh(&dir, "./tool");
    assert_eq!(String::from_utf8_lossy(&run.stdout).trim(), user.name);
}

#[test]
fn a_reused_inode_number_is_refused_by_its_birth_time() {
    a_new_file_with_the_old_inode_number_is_refused(&[], "another birth time");
}

#[test]
fn a_reused_inode_number_is_refused_by_its_generation_without_birth_time() {
    // 128-byte inodes have no room for a birth time.
    a_new_file_with_the_old_inode_number_is_refused(&["-I", "128"], "another generation");
}

/// `count` named entries (numeric users), as getfacl lines.
fn many_entries(prefix: &str, count: u32) -> String {
    let mut text = format!("{prefix}user::rwx\n{prefix}group::r-x\n{prefix}other::---\n");
    for uid in 20001..=20000 + count {
        text.push_str(&format!("{prefix}user:{uid}:r-x\n"));
    }
    text + &format!("{prefix}mask::r-x\n")
}

/// The backup records of `path` in `undo`, their ACL lines replaced by
/// `acl` (chk's own header lines kept: the entry is still identified).
fn with_acl(undo: &str, path: &Path, acl: &str) -> String {
    let head = format!("# file: {}\n", path.display());
    undo.split("\n\n")
        .filter(|record| record.starts_with(&head))
        .map(|record| {
            let header: String = record
                .lines()
                .filter(|l| l.starts_with('#'))
                .map(|l| format!("{l}\n"))
                .collect();
            format!("{header}{acl}\n")
        })
        .collect()
}

/// A restore the kernel stops half-way says what it did; the steps run in
/// the order that leaves the least half done (ACLs before ownership, so
/// an ACL the file system refuses leaves the owner as it was).
#[test]
fn a_restore_stopped_half_way_is_reported_as_partial() {
    let tmp = scratch();
    let tree = tmp.path().join("tree");
    for dir in ["half", "none"] {
        fs::create_dir_all(tree.join(dir)).unwrap();
    }
    let undo = tmp.path().join("undo");
    chk()
        .args([
            "path", "-q", "--owner", "nobody", "--acl", "PRIVATE", "--backup",
        ])
        .arg(&undo)
        .arg(&tree)
        .assert()
        .success();
    // ext4 keeps an inode's xattrs in one 4 KiB block: 300 named entries
    // fit once, not twice; 600 never.
    let text = fs::read_to_string(&undo).unwrap();
    let half = with_acl(
        &text,
        &tree.join("half"),
        &(many_entries("", 300) + &many_entries("default:", 300)),
    );
    let none = with_acl(&text, &tree.join("none"), &many_entries("", 600));
    fs::write(&undo, half + &none).unwrap();

    let out = chk().arg("restore").arg(&undo).assert().code(3);
    let stderr = stderr_of(&out);
    let partial = format!(
        "chk: {}: partly restored (access ACL restored): writing the default ACL: No space left on device",
        tree.join("half").display()
    );
    assert!(stderr.contains(&partial), "{stderr}");
    let refused = format!(
        "chk: {}: not restored: writing the access ACL: No space left on device",
        tree.join("none").display()
    );
    assert!(stderr.contains(&refused), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        stdout.contains(", 1 partly restored, 1 refused or failed"),
        "{stdout}"
    );
    // Neither got its owner back before its ACLs.
    assert_eq!(state(&tree.join("none")).0, 65534);
    assert_eq!(state(&tree.join("half")).0, 65534);
    assert!(getfacl(&tree.join("half")).contains("user:20300:r-x"));
}

#[test]
fn an_owner_the_kernel_reads_as_no_change_is_refused() {
    let tmp = scratch();
    let victim = tmp.path().join("victim");
    write(&victim, 0o600);
    let undo = tmp.path().join("undo");
    let text = format!(
        "# file: {}\n# owner: 4294967295\n# group: 0\nuser::rw-\ngroup::r--\nother::r--\n",
        victim.display()
    );
    fs::write(&undo, text).unwrap();
    set_mode(&undo, 0o600);
    chk()
        .arg("restore")
        .arg(&undo)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(format!(
            "{}:2: user 4294967295 is (id_t)-1",
            undo.display()
        )));
    assert_eq!(
        state(&victim),
        (0, 0, 0o600, "user::rw-,group::---,other::---".into())
    );
}

/// The completion records repeat the state before the change: the file
/// stays a getfacl dump that `setfacl --restore` applies (on a quiet tree:
/// it follows symlinks), and gets the same result.
#[test]
fn setfacl_reads_the_backup_as_a_getfacl_dump() {
    let tmp = scratch();
    let tree = tmp.path().join("tree");
    fs::create_dir(&tree).unwrap();
    varied_tree(&tree);
    let before = dump(&tree);
    let undo = tmp.path().join("undo");
    chk()
        .args(["path", "-q", "--owner", "root", "--acl"])
        .arg("u::rw@UX,g::---,o::---,g:users:rw@GX,m::rw@GX")
        .arg("--backup")
        .arg(&undo)
        .arg(&tree)
        .assert()
        .success();
    assert!(
        fs::read_to_string(&undo)
            .unwrap()
            .contains("\n# ctime-after: ")
    );
    let status = Command::new("setfacl")
        .arg(format!("--restore={}", undo.display()))
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(dump(&tree), before);
}
