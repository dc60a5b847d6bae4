//! Root-safety of the walker: racing attackers, special files, mounts,
//! hard links, odd names and deep trees.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;
use testkit::chk::*;

const SHARED: &str = "u::rw@UX,g::---,o::---,g:users:rw@GX,m::rw@GX";

/// Owner, group, mode and ACL text of a path, without following it.
fn state(path: &Path) -> (u32, u32, u32, String) {
    let meta = fs::symlink_metadata(path).unwrap();
    (meta.uid(), meta.gid(), meta.mode() & 0o7777, getfacl(path))
}

#[test]
fn a_racing_attacker_never_gets_an_outside_file_changed() {
    let tmp = scratch();
    let outside = tmp.path().join("outside");
    fs::create_dir(&outside).unwrap();
    let secret = outside.join("shadow");
    write(&secret, 0o600);
    let secret_dir = outside.join("etc");
    fs::create_dir(&secret_dir).unwrap();
    set_mode(&secret_dir, 0o700);
    write(&secret_dir.join("inner"), 0o600);
    let watched = [
        secret.clone(),
        secret_dir.clone(),
        secret_dir.join("inner"),
        outside.clone(),
    ];
    let before: Vec<_> = watched.iter().map(|p| state(p)).collect();

    let tree = tmp.path().join("tree");
    fs::create_dir_all(tree.join("sub")).unwrap();
    // Many entries beside the raced ones widen the window between listing
    // a directory and opening its subdirectories.
    for i in 0..1000 {
        write(&tree.join(format!("f{i}")), 0o644);
    }
    write(&tree.join("sub/f0"), 0o644);
    let attacker = swapping_attacker(&tree, &secret, &secret_dir);
    for _ in 0..25 {
        let out = chk()
            .args([
                "path", "--owner", "nobody", "--group", "users", "--acl", SHARED, "-q",
            ])
            .arg(&tree)
            .output()
            .unwrap();
        assert!(matches!(out.status.code(), Some(0 | 3)), "{out:?}");
        chk()
            .args(["path", "-q", "--acl", "PRIVATE"])
            .arg(&tree)
            .output()
            .unwrap();
    }
    let swaps = attacker.finish();
    assert!(swaps > 50, "the attacker raced ({swaps} swaps)");
    let after: Vec<_> = watched.iter().map(|p| state(p)).collect();
    assert_eq!(after, before);
    // The walker did work inside the tree meanwhile.
    assert_eq!(fs::metadata(tree.join("sub/f0")).unwrap().uid(), 65534);
}

#[test]
fn fifos_sockets_and_devices_are_skipped_and_never_opened() {
    let tmp = scratch();
    let root = tmp.path();
    let fifo = root.join("fifo");
    let device = root.join("null");
    let socket = root.join("sock");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    assert!(
        Command::new("mknod")
            .arg(&device)
            .args(["c", "1", "3"])
            .status()
            .unwrap()
            .success()
    );
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let before: Vec<_> = [&fifo, &device, &socket].iter().map(|p| state(p)).collect();

    let trace = root.join("trace");
    // A FIFO opened for reading would block the run; strace shows every
    // open: they are only looked at by name, never opened at all.
    let out = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=open,openat,openat2,statx", "-o"])
        .arg(&trace)
        .arg(assert_cmd::cargo::cargo_bin("chk"))
        .args(["path", "--json", "--acl", "PRIVATE"])
        .arg(root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let s = summary(&out.stdout);
    assert_eq!(s["skipped"]["special"], 3);
    let trace = fs::read_to_string(&trace).unwrap();
    for name in ["\"fifo\"", "\"null\"", "\"sock\""] {
        let calls: Vec<&str> = trace.lines().filter(|l| l.contains(name)).collect();
        assert!(!calls.is_empty(), "{name} looked at");
        assert!(
            calls
                .iter()
                .all(|l| l.contains("statx(") && l.contains("AT_SYMLINK_NOFOLLOW")),
            "{calls:?}"
        );
    }
    let after: Vec<_> = [&fifo, &device, &socket].iter().map(|p| state(p)).collect();
    assert_eq!(after, before);
}

/// Unmounts on drop, even when the test fails.
struct BindMount(std::path::PathBuf);

impl Drop for BindMount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_bind_mount_inside_the_tree_is_not_crossed_by_default() {
    let tmp = scratch();
    let other = tmp.path().join("other");
    fs::create_dir(&other).unwrap();
    write(&other.join("theirs"), 0o644);
    let root = tmp.path().join("tree");
    fs::create_dir_all(root.join("mnt")).unwrap();
    write(&root.join("mine"), 0o644);
    assert!(
        Command::new("mount")
            .arg("--bind")
            .arg(&other)
            .arg(root.join("mnt"))
            .status()
            .unwrap()
            .success()
    );
    let _mount = BindMount(root.join("mnt"));

    let out = chk()
        .args(["path", "--json", "--acl", "PRIVATE"])
        .arg(&root)
        .assert()
        .success();
    assert_eq!(
        summary(&out.get_output().stdout)["skipped"]["other_filesystem"],
        1
    );
    assert_eq!(mode(&other.join("theirs")), 0o644);
    assert_eq!(mode(&root.join("mine")), 0o600);

    chk()
        .args(["path", "--cross-mounts", "--acl", "PRIVATE"])
        .arg(&root)
        .assert()
        .success();
    assert_eq!(mode(&other.join("theirs")), 0o600);
}

#[test]
fn hard_links_reaching_outside_are_left_alone_whoever_owns_them() {
    let tmp = scratch();
    let root = tmp.path().join("tree");
    fs::create_dir(&root).unwrap();
    let system = tmp.path().join("system-file");
    write(&system, 0o644);
    fs::hard_link(&system, root.join("link")).unwrap();
    let user_file = root.join("users-own");
    write(&user_file, 0o644);
    std::os::unix::fs::chown(&user_file, Some(1000), None).unwrap();
    fs::hard_link(&user_file, root.join("users-link")).unwrap();

    let out = chk()
        .args(["path", "--json", "--acl", "PRIVATE"])
        .arg(&root)
        .assert()
        .success();
    assert_eq!(summary(&out.get_output().stdout)["skipped"]["hard_link"], 1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.ends_with(
            "/link': hard-linked file with 2 links, 1 of them inside the target: left alone\n"
        ),
        "{stderr}"
    );
    chk()
        .args(["path", "-q", "--acl", "PRIVATE"])
        .arg(&root)
        .assert()
        .success()
        .stderr("");
    assert_eq!(mode(&system), 0o644);
    // Both links inside: repaired like any file.
    assert_eq!(mode(&user_file), 0o600);

    // A user's file linked in from outside is left alone too.
    let theirs = tmp.path().join("theirs");
    write(&theirs, 0o640);
    std::os::unix::fs::chown(&theirs, Some(1000), Some(1000)).unwrap();
    fs::hard_link(&theirs, root.join("planted")).unwrap();
    let out = chk()
        .args(["path", "--json", "--acl", "PRIVATE", "--owner", "root"])
        .arg(&root)
        .assert()
        .success();
    assert_eq!(summary(&out.get_output().stdout)["skipped"]["hard_link"], 2);
    let meta = fs::metadata(&theirs).unwrap();
    assert_eq!((meta.uid(), meta.mode() & 0o7777), (1000, 0o640));
    assert_eq!(getfacl(&theirs), "user::rw-,group::r--,other::---");
}

#[test]
fn non_utf8_names_are_processed() {
    let tmp = scratch();
    let name = OsStr::from_bytes(b"caf\xe9 \\ dir");
    let dir = tmp.path().join(name);
    fs::create_dir(&dir).unwrap();
    write(&dir.join(OsStr::from_bytes(b"\xff\xfe")), 0o644);
    let backup = tmp.path().join("undo");
    let out = chk()
        .args(["path", "--json", "--acl", SHARED, "--backup"])
        .arg(&backup)
        .arg(tmp.path())
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("\"path_hex\""), "{text}");
    assert_eq!(
        getfacl(&dir.join(OsStr::from_bytes(b"\xff\xfe"))),
        "user::rw-,group::---,group:100:rw-,mask::rw-,other::---"
    );
    // The backup lies inside the tree: chk left it alone (0600, no ACL).
    assert_eq!(mode(&backup), 0o600);
    assert_eq!(getfacl(&backup), "user::rw-,group::---,other::---");
    chk().arg("restore").arg(&backup).assert().success();
    assert_eq!(
        getfacl(&dir.join(OsStr::from_bytes(b"\xff\xfe"))),
        "user::rw-,group::r--,other::r--"
    );
}

#[test]
fn a_tree_deeper_than_path_max_is_walked() {
    use rustix::fs::{Mode, OFlags, mkdirat, openat};
    let tmp = scratch();
    let levels = 300;
    let name = "a-rather-long-directory-name";
    let mut fd = openat(
        rustix::fs::CWD,
        tmp.path(),
        OFlags::DIRECTORY | OFlags::RDONLY,
        Mode::empty(),
    )
    .unwrap();
    for _ in 0..levels {
        mkdirat(&fd, name, Mode::from_raw_mode(0o755)).unwrap();
        fd = openat(&fd, name, OFlags::DIRECTORY | OFlags::RDONLY, Mode::empty()).unwrap();
    }
    let out = chk()
        .args(["path", "--json", "--acl", "PRIVATE"])
        .arg(tmp.path())
        .assert()
        .success();
    let s = summary(&out.get_output().stdout);
    assert_eq!(s["checked"], levels + 1);
    assert_eq!(s["changed_entries"], levels + 1);
    // Read the deepest one back with getfacl, reached by relative steps.
    let script = format!("for i in $(seq {levels}); do cd {name} || exit 9; done; getfacl -c -n .");
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "user::rwx\ngroup::---\nother::---\n\n"
    );
    let cleanup = Command::new("rm")
        .arg("-rf")
        .arg(tmp.path().join(name))
        .status()
        .unwrap();
    assert!(cleanup.success());
}

#[test]
fn running_out_of_descriptors_stops_the_run_instead_of_skipping() {
    let tmp = scratch();
    // Siblings waiting to be walked keep their parent open: a deep tree
    // with three subdirectories a level needs more than 16 descriptors.
    let mut dir = tmp.path().to_path_buf();
    for _ in 0..60 {
        for sibling in ["c0", "c1", "c2"] {
            fs::create_dir(dir.join(sibling)).unwrap();
        }
        dir.push("c0");
    }
    let chk_bin = assert_cmd::cargo::cargo_bin("chk");
    let script = format!(
        "ulimit -n 16; exec {} path -j1 --acl PRIVATE {}",
        chk_bin.display(),
        tmp.path().display()
    );
    let out = Command::new("bash").arg("-c").arg(script).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.ends_with("walking the tree: Too many open files\n"),
        "{stderr}"
    );
}
