//! Real users, groups and directories for the `chk group` / `chk user`
//! tests. Everything is created with the system's own tools (groupadd,
//! useradd) under unique names and removed when the guard drops; the tests
//! that use them run one at a time (`serial()`), as the account databases
//! are locked files.

mod files;
pub use files::*;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Held by every test that adds accounts.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A short name unique to this process and call: `<tag><pid>x<n>`.
pub fn unique(tag: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{tag}{}x{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("running an account tool");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn group_exists(name: &str) -> bool {
    Command::new("getent")
        .args(["group", name])
        .output()
        .expect("getent")
        .status
        .success()
}

/// A group removed on drop, if this guard created it.
pub struct TempGroup {
    pub name: String,
    created: bool,
}

impl TempGroup {
    /// A new group with a unique name.
    pub fn new(tag: &str) -> TempGroup {
        TempGroup::named(&unique(tag))
    }

    /// `name` itself, created now (it must not exist).
    pub fn named(name: &str) -> TempGroup {
        run(Command::new("groupadd").arg(name));
        TempGroup {
            name: name.to_string(),
            created: true,
        }
    }

    /// `name`, created only if missing (acl, admins): removed only then.
    pub fn ensure(name: &str) -> TempGroup {
        if group_exists(name) {
            return TempGroup {
                name: name.to_string(),
                created: false,
            };
        }
        TempGroup::named(name)
    }

    pub fn gid(&self) -> u32 {
        gid_of(&self.name)
    }
}

impl Drop for TempGroup {
    fn drop(&mut self) {
        if self.created {
            let _ = Command::new("groupdel").arg(&self.name).status();
        }
    }
}

fn gid_of(name: &str) -> u32 {
    let out = Command::new("getent")
        .args(["group", name])
        .output()
        .unwrap();
    let line = String::from_utf8(out.stdout).unwrap();
    line.split(':').nth(2).unwrap().trim().parse().unwrap()
}

/// A user with its home `home` (created, owned by it), removed on drop.
pub struct TempUser {
    pub name: String,
    pub home: PathBuf,
}

impl TempUser {
    pub fn new(tag: &str, home_parent: &Path) -> TempUser {
        let name = unique(tag);
        let home = home_parent.join(&name);
        run(Command::new("useradd")
            .args(["-M", "-U", "-s", "/bin/sh", "-d"])
            .arg(&home)
            .arg(&name));
        std::fs::create_dir(&home).unwrap();
        run(Command::new("chown")
            .arg(format!("{name}:{name}"))
            .arg(&home));
        TempUser { name, home }
    }

    /// A user whose passwd home is `home`, which is left as it is.
    pub fn with_home(tag: &str, home: &Path) -> TempUser {
        let name = unique(tag);
        run(Command::new("useradd")
            .args(["-M", "-U", "-s", "/bin/sh", "-d"])
            .arg(home)
            .arg(&name));
        TempUser {
            name,
            home: home.to_path_buf(),
        }
    }

    /// A user of its own, with no home: the attacker of a test.
    pub fn attacker(tag: &str) -> TempUser {
        TempUser::with_home(tag, Path::new("/nonexistent"))
    }

    /// Makes the user a member of `group` (a supplementary group).
    pub fn join(&self, group: &str) {
        run(Command::new("usermod").args(["-aG", group, &self.name]));
    }

    /// Runs `script` with sh as this user (`su`, from root, so with its
    /// supplementary groups), in `dir`.
    pub fn sh(&self, dir: &Path, script: &str) -> std::process::Output {
        Command::new("su")
            .arg(&self.name)
            .args(["-s", "/bin/sh", "-c"])
            .arg(format!("cd '{}' && {script}", dir.display()))
            .output()
            .expect("su")
    }

    pub fn uid(&self) -> u32 {
        let out = Command::new("id")
            .args(["-u", &self.name])
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    pub fn gid(&self) -> u32 {
        let out = Command::new("id")
            .args(["-g", &self.name])
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }
}

impl Drop for TempUser {
    fn drop(&mut self) {
        // -U created a group of the same name; userdel removes it with the user.
        let _ = Command::new("userdel").arg(&self.name).status();
        if group_exists(&self.name) {
            let _ = Command::new("groupdel").arg(&self.name).status();
        }
    }
}

/// The acl and admins groups the model needs, created if missing.
pub struct ModelGroups {
    pub acl: TempGroup,
    pub admins: TempGroup,
}

impl ModelGroups {
    pub fn ensure() -> ModelGroups {
        ModelGroups {
            acl: TempGroup::ensure("acl"),
            admins: TempGroup::ensure("admins"),
        }
    }
}

/// A temporary groups_root, rules_dir and chk.conf pointing at them.
pub struct Site {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
}

impl Site {
    /// `extra` is appended to the generated chk.conf.
    pub fn new(extra: &str) -> Site {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("groups")).unwrap();
        std::fs::create_dir(dir.path().join("check.d")).unwrap();
        std::fs::create_dir(dir.path().join("home")).unwrap();
        let config = dir.path().join("chk.conf");
        std::fs::write(
            &config,
            format!(
                "groups_root = \"{}\"\nrules_dir = \"{}\"\n{extra}",
                dir.path().join("groups").display(),
                dir.path().join("check.d").display()
            ),
        )
        .unwrap();
        Site { dir, config }
    }

    pub fn groups_root(&self) -> PathBuf {
        self.dir.path().join("groups")
    }

    pub fn rules_dir(&self) -> PathBuf {
        self.dir.path().join("check.d")
    }

    pub fn homes(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// `chk --config <site> ARGS...`, with no terminal and a bare environment.
    pub fn chk(&self, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::cargo_bin("chk").unwrap();
        cmd.args(args).arg("--config").arg(&self.config);
        cmd
    }
}

/// `getfacl -cp` of `path`: the entries, one a line, without comments.
pub fn getfacl_lines(path: &Path) -> Vec<String> {
    let out = Command::new("getfacl")
        .args(["-c", "-p", "-E"])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "getfacl {}", path.display());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// The ACL text `spec` (comma-separated entries) as getfacl prints it,
/// `default:` entries prefixed.
pub fn acl_lines(access: &str, default: Option<&str>) -> Vec<String> {
    let mut lines: Vec<String> = access.split(',').map(getfacl_form).collect();
    if let Some(default) = default {
        lines.extend(
            default
                .split(',')
                .map(|e| format!("default:{}", getfacl_form(e))),
        );
    }
    lines
}

/// `u::rwx` → `user::rwx`, `g:x:r-x` → `group:x:r-x`, `m::rwx` → `mask::rwx`.
fn getfacl_form(entry: &str) -> String {
    let (tag, rest) = entry.split_once(':').unwrap();
    let tag = match tag {
        "u" => "user",
        "g" => "group",
        "m" => "mask",
        "o" => "other",
        other => other,
    };
    format!("{tag}:{rest}")
}

/// Sorted copy, for comparisons that ignore getfacl's entry order.
pub fn sorted(mut lines: Vec<String>) -> Vec<String> {
    lines.sort();
    lines
}

pub fn owner_group_mode(path: &Path) -> (u32, u32, u32) {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(path).unwrap();
    (meta.uid(), meta.gid(), meta.mode() & 0o7777)
}

/// Licorn's shipped check.d (config/check.d of Licorn), byte for byte.
const LICORN_CHECK_D: [(&str, &str); 6] = [
    (
        "groups.00_default.conf",
        "~\t@acls.group_acl_base,g:www-data:--x,@acls.acl_mask\n~/\t@acls.group_file_acl_base,@acls.file_acl_mask\n",
    ),
    (
        "groups.standards.conf",
        "@groups.apache_dir\t@acls.group_file_acl_base,g:www-data:r-@GX,@acls.file_acl_mask\n",
    ),
    (
        "users.00_default.conf",
        "~\t@acls.acl_base,g:@defaults.admin_group:r-x,g:www-data:--x,@acls.acl_restrictive_mask\n~/\t@acls.file_acl_base,g:@defaults.admin_group:rw@GX,@acls.file_acl_mask\n#~\tNOACL\n#~/\t@acls.acl_base,g:@defaults.admin_group:r-x,@acls.acl_restrictive_mask\n",
    ),
    (
        "users.dropbox.conf",
        ".dropbox\tNOACL\n.dropbox-dist\tNOACL\n",
    ),
    (
        "users.standards.conf",
        "# RESTRICTED == PRIVATE, anyway\n# NOACL == POSIXONLY, anyway\n.cache\tNOACL\n.config\tNOACL\n.fetchmailrc\tPRIVATE\n.procmailrc\t\tPRIVATE\n.netrc\tPRIVATE\n.pgpass\tPRIVATE\n.gconf\tPRIVATE\n.gnome2_private\tRESTRICTED\n.gnupg\tRESTRICTED\n.gvfs\tPRIVATE\n.local\tNOACL\n.ssh\tPRIVATE\n@users.apache_dir\t@acls.acl_base,g:@defaults.admin_group:r-x,g:www-data:r-x,@acls.acl_restrictive_mask\n@users.mailbox\tRESTRICTED\n",
    ),
    (
        "README",
        "See http://dev.licorn.org/wiki/LicornCheckSyntax\n",
    ),
];

/// Copies Licorn's check.d into `dir`, as a site migrating would.
pub fn write_licorn_check_d(dir: &Path) {
    for (name, text) in LICORN_CHECK_D {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

/// Runs chk with `args` under a real pseudo-terminal (script(1), from
/// bsdutils) with TERM=xterm, `redirect` appended to the shell command
/// (e.g. `2>/dev/null`); returns everything the terminal received.
pub fn chk_on_a_terminal(args: &[&str], redirect: &str) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let bin = assert_cmd::cargo::cargo_bin("chk");
    let mut line = format!("TERM=xterm {}", quote(&bin.display().to_string()));
    for arg in args {
        line.push(' ');
        line.push_str(&quote(arg));
    }
    line.push(' ');
    line.push_str(redirect);
    let out = Command::new("script")
        .args(["-q", "-e", "-c"])
        .arg(line)
        .arg("/dev/null")
        .output()
        .expect("script(1) from bsdutils");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A small ext4 file system of its own, loop-mounted (root only), removed
/// on drop. On a fresh one the inode number a file frees is the next one
/// handed out, which real file systems do as soon as nothing else took it.
pub struct Ext4Image {
    pub mount: tempfile::TempDir,
    image: PathBuf,
}

impl Ext4Image {
    /// `mkfs_args` such as `["-I", "128"]` (inodes without a birth time).
    pub fn new(mkfs_args: &[&str]) -> Ext4Image {
        let mount = tempfile::Builder::new()
            .prefix("chk-ext4")
            .tempdir_in("/tmp")
            .unwrap();
        let image = mount.path().with_extension("img");
        std::fs::File::create(&image)
            .unwrap()
            .set_len(32 << 20)
            .unwrap();
        run(Command::new("mkfs.ext4")
            .args(["-q", "-F"])
            .args(mkfs_args)
            .arg(&image));
        run(Command::new("mount")
            .args(["-o", "loop,acl"])
            .arg(&image)
            .arg(mount.path()));
        Ext4Image { mount, image }
    }

    pub fn path(&self) -> &Path {
        self.mount.path()
    }
}

impl Drop for Ext4Image {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.mount.path()).status();
        let _ = std::fs::remove_file(&self.image);
    }
}
