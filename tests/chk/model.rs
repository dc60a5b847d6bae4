//! Licorn's model on real users and groups: a user's or group's own `~`
//! rule replaces the default for the root and its contents; the default
//! ACL chk writes is what it enforces, so a file a user creates after the
//! repair is already compliant; `@users.mailbox` and `$HOME/X`.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use testkit::chk::*;

fn write(path: &Path, text: &str, mode: u32) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Writes the user's own rule file, owned by the user as chk requires.
fn user_rules(user: &TempUser, text: &str) {
    let rules = user.home.join(".licorn/check.conf");
    write(&rules, text, 0o644);
    std::os::unix::fs::chown(user.home.join(".licorn"), Some(user.uid()), None).unwrap();
    std::os::unix::fs::chown(&rules, Some(user.uid()), None).unwrap();
}

/// Runs `script` with sh as `uid:gid` (no supplementary groups), umask 022.
fn as_user(uid: u32, gid: u32, script: &str) {
    let out = Command::new("setpriv")
        .arg(format!("--reuid={uid}"))
        .arg(format!("--regid={gid}"))
        .arg("--clear-groups")
        .args(["sh", "-c"])
        .arg(format!("umask 022 && {script}"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{script}: {out:?}");
}

/// A dry run after users created entries: nothing to change but the group
/// of what they created (Linux gives a new entry its creator's group; the
/// model wants the acl group and keeps setgid off directories).
fn assert_only_new_groups_differ(site: &Site, args: &[&str], created: &[&str]) {
    let out = site.chk(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    for line in stdout.lines().filter(|l| l.contains(" -> ")) {
        assert!(line.contains(": group: "), "{stdout}");
        assert!(
            created.iter().any(|c| line.contains(&format!("/{c}: "))),
            "{stdout}"
        );
    }
    assert!(
        stdout.contains("mode 0, access ACL 0, default ACL 0"),
        "{stdout}"
    );
}

fn no_acl(path: &Path) -> bool {
    getfacl_lines(path).len() == 3
}

#[test]
fn a_users_own_root_rule_reaches_new_files_and_they_stay_compliant() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let site = Site::new("");
    let homes = site.homes();
    std::fs::set_permissions(site.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let user = TempUser::new("ckm", &homes);
    let bob = TempUser::new("ckb", &homes);
    write(&user.home.join("old/notes.txt"), "n", 0o644);
    user_rules(&user, &format!("~\tu:{}:--x\n", bob.name));

    let out = site.chk(&["user", &user.name]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let bob_x = format!("user:{}:--x", bob.name);
    // The root, its contents and the root's default ACL all carry bob.
    let root = getfacl_lines(&user.home);
    assert!(root.contains(&bob_x), "{root:?}");
    assert!(root.contains(&format!("default:{bob_x}")), "{root:?}");
    let sub = getfacl_lines(&user.home.join("old"));
    assert!(
        sub.contains(&bob_x) && sub.contains(&format!("default:{bob_x}")),
        "{sub:?}"
    );
    // On a plain file the root's `--x` follows the file's execute bit.
    let notes = getfacl_lines(&user.home.join("old/notes.txt"));
    assert!(
        notes.contains(&format!("user:{}:---", bob.name)),
        "{notes:?}"
    );

    // What the user creates afterwards is born compliant.
    as_user(
        user.uid(),
        user.gid(),
        &format!(
            "cd '{}' && touch new.txt && mkdir -p fresh/deeper && touch fresh/deeper/f && echo x > old/more",
            user.home.display()
        ),
    );
    // bob's entry arrives through the default ACL (`--x`, masked to
    // nothing on a plain file, which is what the rule wants of one).
    let born = getfacl_lines(&user.home.join("new.txt"));
    assert!(born.iter().any(|l| l.starts_with(&bob_x)), "{born:?}");
    assert_only_new_groups_differ(
        &site,
        &["user", &user.name, "-n"],
        &[
            "new.txt",
            "fresh",
            "fresh/deeper",
            "fresh/deeper/f",
            "old/more",
        ],
    );
}

#[test]
fn a_users_own_noacl_root_rule_makes_the_whole_home_noacl() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let site = Site::new("");
    std::fs::set_permissions(site.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let user = TempUser::new("ckn", &site.homes());
    write(&user.home.join("docs/a.txt"), "a", 0o666);
    write(&user.home.join("bin/run"), "#!/bin/sh\n", 0o775);
    user_rules(&user, "~ NOACL\n");

    site.chk(&["user", &user.name]).assert().code(0);
    for (path, mode) in [
        (user.home.clone(), 0o755),
        (user.home.join("docs"), 0o755),
        (user.home.join("docs/a.txt"), 0o644),
        (user.home.join("bin/run"), 0o755),
    ] {
        let (uid, gid, got) = owner_group_mode(&path);
        assert_eq!(got, mode, "{}", path.display());
        assert_eq!((uid, gid), (user.uid(), user.gid()), "{}", path.display());
        assert!(
            no_acl(&path),
            "{}: {:?}",
            path.display(),
            getfacl_lines(&path)
        );
    }
    as_user(
        user.uid(),
        user.gid(),
        &format!("cd '{}' && touch b.txt && mkdir d", user.home.display()),
    );
    site.chk(&["user", &user.name, "-n"]).assert().code(0);
}

#[test]
fn a_groups_own_root_rule_reaches_its_contents_and_new_files() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let site = Site::new("");
    std::fs::set_permissions(site.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let group = TempGroup::new("ckq");
    let friends = TempGroup::new("ckr");
    let member = TempUser::new("ckp", &site.homes());
    let shared = site.groups_root().join(&group.name);
    write(&shared.join("plans/q1.txt"), "q", 0o644);
    let rules = site
        .groups_root()
        .join(format!("{}.check.conf", group.name));
    write(&rules, &format!("~\tg:{}:r-x\n", friends.name), 0o644);

    site.chk(&["group", &group.name]).assert().code(0);
    let friend_entry = format!("group:{}:r-", friends.name);
    for path in [
        shared.clone(),
        shared.join("plans"),
        shared.join("plans/q1.txt"),
    ] {
        let acl = getfacl_lines(&path);
        assert!(
            acl.iter().any(|l| l.starts_with(&friend_entry)),
            "{}: {acl:?}",
            path.display()
        );
    }
    assert!(
        getfacl_lines(&shared)
            .iter()
            .any(|l| l.starts_with(&format!("default:{friend_entry}")))
    );
    // A member of the group creates a file: it is already right.
    let status = Command::new("setpriv")
        .arg(format!("--reuid={}", member.uid()))
        .arg(format!("--regid={}", member.gid()))
        .arg(format!("--groups={}", group.gid()))
        .args(["sh", "-c"])
        .arg(format!(
            "umask 022 && touch '{0}/fresh.txt' && mkdir '{0}/fresh'",
            shared.display()
        ))
        .status()
        .unwrap();
    assert!(status.success());
    assert_only_new_groups_differ(
        &site,
        &["group", &group.name, "-n"],
        &["fresh.txt", "fresh"],
    );
}

/// A user and a group known only to NSS's extrausers source (not in
/// /etc/passwd nor /etc/group), as an LDAP account would be; everything
/// is put back on drop.
struct ExtraAccounts {
    saved_nsswitch: String,
    name: String,
    id: u32,
}

const NSSWITCH: &str = "/etc/nsswitch.conf";
const EXTRA_DIR: &str = "/var/lib/extrausers";

impl ExtraAccounts {
    fn new() -> ExtraAccounts {
        let saved_nsswitch = std::fs::read_to_string(NSSWITCH).unwrap();
        let with_extra: String = saved_nsswitch
            .lines()
            .map(|line| {
                let is_db = line.starts_with("passwd:") || line.starts_with("group:");
                if is_db && !line.contains("extrausers") {
                    format!("{line} extrausers\n")
                } else {
                    format!("{line}\n")
                }
            })
            .collect();
        let accounts = ExtraAccounts {
            saved_nsswitch,
            name: unique("cke"),
            id: 64000 + std::process::id() % 1000,
        };
        std::fs::write(NSSWITCH, with_extra).unwrap();
        std::fs::create_dir_all(EXTRA_DIR).unwrap();
        let (name, id) = (&accounts.name, accounts.id);
        std::fs::write(
            format!("{EXTRA_DIR}/passwd"),
            format!("{name}:x:{id}:{id}::/nonexistent:/usr/sbin/nologin\n"),
        )
        .unwrap();
        std::fs::write(format!("{EXTRA_DIR}/group"), format!("{name}:x:{id}:\n")).unwrap();
        accounts
    }
}

impl Drop for ExtraAccounts {
    fn drop(&mut self) {
        let _ = std::fs::write(NSSWITCH, &self.saved_nsswitch);
        let _ = std::fs::remove_file(format!("{EXTRA_DIR}/passwd"));
        let _ = std::fs::remove_file(format!("{EXTRA_DIR}/group"));
    }
}

#[test]
fn chk_path_sees_accounts_from_every_name_service_source() {
    let _serial = serial();
    let extra = ExtraAccounts::new();
    let name = extra.name.as_str();
    assert!(
        !std::fs::read_to_string("/etc/passwd")
            .unwrap()
            .contains(name)
    );
    let getent = Command::new("getent")
        .args(["passwd", name])
        .output()
        .unwrap();
    assert!(
        getent.status.success(),
        "extrausers is not active: {getent:?}"
    );

    let tmp = tempfile::tempdir().unwrap();
    write(&tmp.path().join("f"), "x", 0o644);
    let acl = format!("u::rw@UX,g::---,o::---,g:{name}:r-@GX,m::rw@GX");
    let out = assert_cmd::Command::cargo_bin("chk")
        .unwrap()
        .args([
            "path", "--owner", name, "--group", name, "--acl", &acl, "-v",
        ])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let (uid, gid, _) = owner_group_mode(&tmp.path().join("f"));
    assert_eq!((uid, gid), (extra.id, extra.id));
    let lines = getfacl_lines(&tmp.path().join("f"));
    assert!(lines.contains(&format!("group:{name}:r--")), "{lines:?}");
    // The listing names the ACL's group as NSS knows it.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&format!("g:{name}:r--,m::rw-")), "{stdout}");
}

#[test]
fn the_mailbox_is_private_under_its_configured_name() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    // The default name, with Licorn's own rule files copied as they are.
    let site = Site::new("");
    write_licorn_check_d(&site.rules_dir());
    let user = TempUser::new("ckx", &site.homes());
    write(&user.home.join("Maildir/cur/1.eml"), "m", 0o644);
    write(&user.home.join("Mail/keep.txt"), "k", 0o644);
    site.chk(&["user", &user.name]).assert().code(0);
    let (uid, gid, mode) = owner_group_mode(&user.home.join("Maildir/cur/1.eml"));
    assert_eq!((uid, gid, mode), (user.uid(), user.gid(), 0o600));
    assert_eq!(owner_group_mode(&user.home.join("Maildir")).2, 0o700);
    assert!(no_acl(&user.home.join("Maildir/cur")));
    assert!(
        !no_acl(&user.home.join("Mail/keep.txt")),
        "Mail is ordinary content"
    );

    // mailbox_dir in chk.conf, with the factory rules.
    let site = Site::new("mailbox_dir = \"Mail\"\n");
    let other = TempUser::new("cky", &site.homes());
    write(&other.home.join("Mail/inbox"), "m", 0o644);
    write(&other.home.join("Maildir/x"), "x", 0o644);
    site.chk(&["user", &other.name]).assert().code(0);
    assert_eq!(owner_group_mode(&other.home.join("Mail/inbox")).2, 0o600);
    assert!(no_acl(&other.home.join("Mail/inbox")));
    assert!(!no_acl(&other.home.join("Maildir/x")));
}

#[test]
fn home_paths_written_with_dollar_home_mean_the_home() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let site = Site::new("");
    let user = TempUser::new("ckh", &site.homes());
    let friends = TempGroup::new("ckf");
    write(&user.home.join("src/main.c"), "int main;", 0o644);
    write(&user.home.join("shared/doc.txt"), "d", 0o644);
    user_rules(
        &user,
        &format!("$HOME/src\tNOACL\n$HOME/shared g:{}:r-x\n", friends.name),
    );
    let out = site.chk(&["user", &user.name]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).is_empty(), "{out:?}");
    assert!(no_acl(&user.home.join("src/main.c")));
    assert_eq!(owner_group_mode(&user.home.join("src")).2, 0o755);
    let shared = getfacl_lines(&user.home.join("shared"));
    assert!(
        shared.contains(&format!("group:{}:r-x", friends.name)),
        "{shared:?}"
    );
    assert!(
        shared.contains(&format!("default:group:{}:r-x", friends.name)),
        "{shared:?}"
    );
}
