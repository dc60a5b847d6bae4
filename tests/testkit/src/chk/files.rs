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
