//! Helpers shared by the chk integration tests: the binary, and the real
//! getfacl/setfacl from the acl package to set up and read back ACLs.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub fn chk() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("chk").unwrap()
}

/// A scratch tree on the real file system (with ACL support).
pub fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("chk-test")
        .tempdir_in("/tmp")
        .unwrap()
}

/// The ACL getfacl reads back, comma-joined (`user::rwx,group::r-x,...`),
/// numeric ids, without the header.
pub fn getfacl(path: &Path) -> String {
    let out = Command::new("getfacl")
        .args(["-c", "-n", "-p"])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "getfacl {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    lines.join(",")
}

pub fn setfacl(args: &[&str], path: &Path) {
    let status = Command::new("setfacl")
        .args(args)
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "setfacl {args:?} {}", path.display());
}

pub fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

pub fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

pub fn write(path: &Path, mode: u32) {
    std::fs::write(path, b"data").unwrap();
    set_mode(path, mode);
}

/// The last JSON line chk printed (its summary) as a value.
pub fn summary(stdout: &[u8]) -> serde_json::Value {
    // The last target summary; the result envelope follows it.
    let text = String::from_utf8_lossy(stdout);
    text.lines()
        .rev()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .find_map(|value| value.get("summary").cloned())
        .expect("a summary line")
}

/// An attacker thread of a race test: stopped and joined when dropped, even
/// when an assertion fails, so the scratch tree can be removed after it.
pub struct Attacker<T> {
    pub stop: Arc<AtomicBool>,
    pub thread: Option<std::thread::JoinHandle<T>>,
}

impl<T: Default> Attacker<T> {
    /// Stops it; returns what the thread returned (how many swaps it made).
    pub fn finish(mut self) -> T {
        self.stop.store(true, Ordering::Relaxed);
        self.thread
            .take()
            .map_or_else(T::default, |t| t.join().unwrap())
    }
}

impl<T> Drop for Attacker<T> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts a thread that, until stopped, swaps `tree/file` between a fresh
/// file and a symlink to `secret`, and `tree/dir` between a fresh directory
/// and a symlink to `secret_dir`; it returns how many rounds it made.
pub fn swapping_attacker(tree: &Path, secret: &Path, secret_dir: &Path) -> Attacker<u64> {
    use std::fs;
    let stop = Arc::new(AtomicBool::new(false));
    let (tree, secret, secret_dir) = (tree.to_owned(), secret.to_owned(), secret_dir.to_owned());
    let stopped = stop.clone();
    let thread = std::thread::spawn(move || {
        let mut swaps = 0u64;
        while !stopped.load(Ordering::Relaxed) {
            // A file: the symlink is renamed over it, then a fresh file over the symlink.
            let file = tree.join("file");
            let _ = std::os::unix::fs::symlink(&secret, tree.join("file.link"));
            let _ = fs::rename(tree.join("file.link"), &file);
            let _ = fs::write(tree.join("file.new"), b"x");
            let _ = fs::rename(tree.join("file.new"), &file);
            // A directory: moved away, a symlink put in its place, then a fresh one.
            let dir = tree.join("dir");
            let _ = fs::remove_file(&dir);
            let _ = fs::create_dir(tree.join("dir.new"));
            let _ = fs::write(tree.join("dir.new/child"), b"x");
            let _ = fs::rename(tree.join("dir.new"), &dir);
            let _ = fs::remove_dir_all(tree.join("dir.old"));
            let _ = fs::rename(&dir, tree.join("dir.old"));
            let _ = std::os::unix::fs::symlink(&secret_dir, tree.join("dir.link"));
            let _ = fs::rename(tree.join("dir.link"), &dir);
            swaps += 1;
        }
        swaps
    });
    Attacker {
        stop,
        thread: Some(thread),
    }
}

/// Everything a repair could change in a tree, entry by entry: owner,
/// group, mode and ctime (`find -P`), and the ACLs (`getfacl -R -P`). Two
/// equal fingerprints mean nothing was touched, not even re-set to the
/// same value (that would move the ctime).
pub fn fingerprint(tree: &Path) -> String {
    let run = |cmd: &mut Command| {
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{cmd:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let mut entries: Vec<String> = run(Command::new("find")
        .arg("-P")
        .arg(tree)
        .args(["-printf", "%p %U:%G %#m %C@\\n"]))
    .lines()
    .map(String::from)
    .collect();
    entries.sort();
    let acls = run(Command::new("getfacl")
        .args(["-R", "-P", "-n", "-p"])
        .arg(tree));
    format!("{}\n{acls}", entries.join("\n"))
}
