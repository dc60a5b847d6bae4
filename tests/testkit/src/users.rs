//! Real accounts and mounts for the attacker tests: a user made with
//! useradd (removed on drop), commands run as that user with setpriv, and
//! a tiny tmpfs (unmounted on drop).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The account databases are locked files: one useradd/userdel at a time
/// in this process.
static ACCOUNTS: Mutex<()> = Mutex::new(());

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// An unprivileged user with a unique name and a home of its own.
pub struct User {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: PathBuf,
}

impl User {
    /// A new user whose home is `parent/<name>` (made, owned by it, 0755).
    pub fn new(parent: &Path) -> User {
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "mjb{}x{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let home = parent.join(&name);
        {
            let _held = ACCOUNTS.lock().unwrap_or_else(|p| p.into_inner());
            run(Command::new("useradd")
                .args(["-M", "-U", "-s", "/bin/sh", "-d"])
                .arg(&home)
                .arg(&name));
        }
        let id = |flag: &str| -> u32 {
            let out = run(Command::new("id").args([flag, &name]));
            String::from_utf8(out.stdout)
                .unwrap()
                .trim()
                .parse()
                .unwrap()
        };
        let (uid, gid) = (id("-u"), id("-g"));
        std::fs::create_dir(&home).unwrap();
        std::os::unix::fs::chown(&home, Some(uid), Some(gid)).unwrap();
        User {
            name,
            uid,
            gid,
            home,
        }
    }

    /// `sh -c script` as this user, in `dir`; its output, whatever the status.
    pub fn sh(&self, dir: &Path, script: &str) -> Output {
        self.command("sh", dir)
            .args(["-c", script])
            .output()
            .unwrap()
    }

    /// `program` as this user (no supplementary groups), in `dir`.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
        let mut cmd = Command::new("setpriv");
        cmd.arg(format!("--reuid={}", self.uid))
            .arg(format!("--regid={}", self.gid))
            .arg("--clear-groups")
            .arg(program)
            .current_dir(dir);
        cmd
    }
}

impl Drop for User {
    fn drop(&mut self) {
        let _held = ACCOUNTS.lock().unwrap_or_else(|p| p.into_inner());
        // userdel also removes the group -U made, unless it is in use.
        let _ = Command::new("userdel").arg(&self.name).output();
        let _ = Command::new("groupdel").arg(&self.name).output();
    }
}

/// A tiny tmpfs, unmounted when dropped (even when the test fails).
pub struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    pub fn mount(size: &str) -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        run(Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0755"),
                "tmpfs",
            ])
            .arg(dir.path()));
        Tmpfs { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}
