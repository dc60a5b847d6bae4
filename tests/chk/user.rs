//! `chk user`: homes repaired to Licorn's user model, with the user's own
//! ~/.licorn/check.conf, on real users made with useradd.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use testkit::chk::*;

const HOME_ROOT: &str = "u::rwx,g::---,o::---,g:admins:r-x,g:www-data:--x,m::r-x";
const HOME_DIR: &str = "u::rwx,g::---,o::---,g:admins:rwx,m::rwx";

fn home_file(x: char) -> String {
    format!("u::rw{x},g::---,o::---,g:admins:rw{x},m::rw{x}")
}

fn assert_acl(path: &Path, access: &str, default: Option<&str>) {
    assert_eq!(
        sorted(getfacl_lines(path)),
        sorted(acl_lines(access, default)),
        "ACL of {}",
        path.display()
    );
}

/// No ACL at all: getfacl shows only the three base entries.
fn assert_no_acl(path: &Path, mode: u32) {
    let (_, _, got) = owner_group_mode(path);
    assert_eq!(got, mode, "mode of {}", path.display());
    assert_eq!(
        getfacl_lines(path).len(),
        3,
        "{}: {:?}",
        path.display(),
        getfacl_lines(path)
    );
}

fn write(path: &Path, text: &str, mode: u32) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn home_is_repaired_with_private_and_plain_parts() {
    let _serial = serial();
    let model = ModelGroups::ensure();
    let site = Site::new("");
    let user = TempUser::new("cku", &site.homes());
    let home = &user.home;
    write(&home.join("notes.txt"), "n", 0o666);
    write(&home.join("bin/tool"), "#!/bin/sh\n", 0o755);
    write(&home.join(".ssh/id_ed25519"), "k", 0o644);
    write(&home.join(".ssh/authorized_keys"), "k", 0o666);
    std::fs::set_permissions(home.join(".ssh"), std::fs::Permissions::from_mode(0o777)).unwrap();
    write(&home.join(".cache/blob"), "b", 0o600);
    write(&home.join(".cache/run"), "r", 0o700);
    write(&home.join("public_html/index.html"), "i", 0o600);

    site.chk(&["user", &user.name]).assert().success();

    let (uid, gid, acl_gid) = (user.uid(), user.gid(), model.acl.gid());
    assert_acl(home, HOME_ROOT, Some(HOME_DIR));
    assert_eq!(owner_group_mode(home).0, uid);
    assert_eq!(owner_group_mode(home).1, acl_gid);
    assert_acl(&home.join("notes.txt"), &home_file('-'), None);
    assert_acl(&home.join("bin"), HOME_DIR, Some(HOME_DIR));
    assert_acl(&home.join("bin/tool"), &home_file('x'), None);
    // Secrets: 0700/0600, no ACL, the user's primary group.
    assert_no_acl(&home.join(".ssh"), 0o700);
    assert_no_acl(&home.join(".ssh/id_ed25519"), 0o600);
    assert_no_acl(&home.join(".ssh/authorized_keys"), 0o600);
    for secret in [".ssh", ".ssh/id_ed25519"] {
        let (owner, group, _) = owner_group_mode(&home.join(secret));
        assert_eq!((owner, group), (uid, gid), "{secret}");
    }
    // Caches: plain modes, each existing execute bit kept (0700 → 0744).
    assert_no_acl(&home.join(".cache"), 0o755);
    assert_no_acl(&home.join(".cache/blob"), 0o644);
    assert_no_acl(&home.join(".cache/run"), 0o744);
    // The web directory: the web group may read.
    let acl = getfacl_lines(&home.join("public_html/index.html"));
    assert!(acl.contains(&"group:www-data:r--".to_string()), "{acl:?}");

    site.chk(&["user", &user.name, "--dry-run"])
        .assert()
        .code(0);
}

#[test]
fn user_rules_add_entries_and_refused_lines_name_file_and_line() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let site = Site::new("");
    let user = TempUser::new("ckr", &site.homes());
    let friends = TempGroup::new("ckf");
    let home = &user.home;
    write(&home.join("source/main.c"), "int main;", 0o644);
    write(&home.join("shared/doc.txt"), "d", 0o644);
    write(&home.join("mine/x"), "x", 0o644);
    let rules = home.join(".licorn/check.conf");
    write(
        &rules,
        &format!(
            "# my rules\nsource NOACL\nshared\tg:{f}:r-x\nmine\tg:admins:---\nmine\tu::rwx\nnowhere\tNOACL\n",
            f = friends.name
        ),
        0o644,
    );
    std::os::unix::fs::chown(home.join(".licorn"), Some(user.uid()), None).unwrap();
    std::os::unix::fs::chown(&rules, Some(user.uid()), None).unwrap();

    let out = site.chk(&["user", &user.name, "-v"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let file = rules.display().to_string();
    assert!(stderr.contains(&format!("{file}:4:")), "{stderr}");
    assert!(stderr.contains(&format!("{file}:5:")), "{stderr}");
    assert!(stderr.contains("nowhere"), "{stderr}");

    // `source NOACL` (blank separator) applied.
    assert_no_acl(&home.join("source"), 0o755);
    assert_no_acl(&home.join("source/main.c"), 0o644);
    // `shared` got the friends' entry on top of the stock ACL.
    let acl = getfacl_lines(&home.join("shared/doc.txt"));
    assert!(
        acl.contains(&format!("group:{}:r-x", friends.name))
            || acl.contains(&format!("group:{}:r--", friends.name)),
        "{acl:?}"
    );
    assert!(acl.contains(&"group:admins:rw-".to_string()), "{acl:?}");
    // The refused lines changed nothing: `mine` follows the stock rule.
    assert_acl(&home.join("mine"), HOME_DIR, Some(HOME_DIR));
    assert_acl(&home.join("mine/x"), &home_file('-'), None);
}

#[test]
fn unsafe_user_rule_file_is_refused() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let site = Site::new("");
    let user = TempUser::new("cks", &site.homes());
    let home = &user.home;
    write(&home.join("source/a"), "a", 0o644);
    // A symlink to a file that would pass every other test.
    write(&home.join("elsewhere.conf"), "source\tNOACL\n", 0o644);
    std::fs::create_dir(home.join(".licorn")).unwrap();
    std::os::unix::fs::symlink(home.join("elsewhere.conf"), home.join(".licorn/check.conf"))
        .unwrap();
    site.chk(&["user", &user.name])
        .assert()
        .success()
        .stderr(predicates::str::contains("check.conf"));
    assert_acl(&home.join("source"), HOME_DIR, Some(HOME_DIR));
}

#[test]
fn abbreviations_and_aliases_mean_user() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let site = Site::new("");
    let user = TempUser::new("ckv", &site.homes());
    let file = user.home.join("notes");
    write(&file, "notes", 0o666);
    site.chk(&["user", &user.name]).assert().success();
    let repaired = std::fs::metadata(&file).unwrap().permissions().mode();
    for word in ["u", "us", "usr", "users", "user"] {
        // Each spelling repairs the user's home, as `user` does.
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
        site.chk(&[word, &user.name])
            .assert()
            .success()
            .stdout(predicates::str::contains(format!("user {}:", user.name)));
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode, repaired, "chk {word} {}", user.name);
        assert_ne!(mode & 0o7777, 0o666, "chk {word} left the file as it was");
        site.chk(&[word, &user.name, "--dry-run"]).assert().code(0);
    }
}

#[test]
fn unknown_user_is_a_usage_error() {
    let site = Site::new("");
    site.chk(&["user", "no-such-user-chk-x"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no-such-user-chk-x"));
}

#[test]
fn all_users_is_every_standard_user_from_cron() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let site = Site::new("");
    let user = TempUser::new("cka", &site.homes());
    write(&user.home.join("f"), "f", 0o666);
    // A dry run only: --all also reaches the machine's real users.
    let out = site
        .chk(&["user", "--all", "--dry-run"])
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&format!("user {}:", user.name)), "{stdout}");
    assert!(!stdout.contains("user root:"), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains('\r') && !stderr.contains('\x1b'),
        "{stderr}"
    );
    assert_eq!(owner_group_mode(&user.home.join("f")).2, 0o666, "dry run");
    // The same run on a terminal draws the bar: the check above can fail.
    let config = site.config.display().to_string();
    let tty = chk_on_a_terminal(&["user", &user.name, "-n", "--config", &config], "");
    assert!(tty.contains(" entries ("), "{tty}");
}

#[test]
fn licorn_user_rules_copied_as_is_load() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let site = Site::new("");
    write_licorn_check_d(&site.rules_dir());
    let user = TempUser::new("ckl", &site.homes());
    let home = &user.home;
    // `.procmailrc<TAB><TAB>PRIVATE`: Licorn skipped it; we apply it.
    write(&home.join(".procmailrc"), ":0\n", 0o644);
    write(&home.join(".dropbox/db"), "d", 0o600);
    write(&home.join("doc.txt"), "d", 0o644);
    let out = site.chk(&["user", &user.name, "-v"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("users.standards.conf:16"), "{stderr}");
    assert_no_acl(&home.join(".procmailrc"), 0o600);
    assert_no_acl(&home.join(".dropbox/db"), 0o644);
    assert_acl(home, HOME_ROOT, Some(HOME_DIR));
    assert_acl(&home.join("doc.txt"), &home_file('-'), None);
}

#[test]
fn a_home_of_slash_or_shared_by_several_users_is_refused() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let site = Site::new("");
    // Dry runs only: were the guard missing, a real run would take over /.
    let root_home = TempUser::with_home("ckz", Path::new("/"));
    site.chk(&["user", &root_home.name, "--dry-run"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains(format!(
            "user {}: home '/' is the root directory: refusing to check the whole system",
            root_home.name
        )));
    let shared = site.homes().join("shared");
    std::fs::create_dir(&shared).unwrap();
    let first = TempUser::with_home("cky", &shared);
    let second = TempUser::with_home("cky", &shared);
    let out = site.chk(&["user", "--all", "--dry-run"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    for user in [&first, &second] {
        let line = format!(
            "skipping user {}: home {} is the home of several users",
            user.name,
            shared.display()
        );
        assert!(stderr.contains(&line), "{stderr}");
    }
    assert!(
        stderr.contains(&format!(
            "user {}: home '/' is the root directory",
            root_home.name
        )),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains(&format!("user {}:", root_home.name)),
        "{stdout}"
    );
}

/// Owner, group, mode, ACL and ctime: everything a repair would change.
fn untouched(path: &Path) -> (u32, u32, u32, Vec<String>, i64, i64) {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(path).unwrap();
    let (uid, gid, mode) = owner_group_mode(path);
    (
        uid,
        gid,
        mode,
        getfacl_lines(path),
        meta.ctime(),
        meta.ctime_nsec(),
    )
}

fn chown_to(path: &Path, user: &TempUser) {
    std::os::unix::fs::chown(path, Some(user.uid()), Some(user.gid())).unwrap();
}

/// Issue #25 point 6: `ln -s /home/bob /home/link; usermod -d
/// /home/link/x carol; chk user carol` would hand bob's files to carol.
#[test]
fn a_home_reached_through_a_symlink_is_refused() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let site = Site::new("");
    let bob = TempUser::new("ckb", &site.homes());
    let secret = bob.home.join("x/secret");
    write(&secret, "s", 0o600);
    chown_to(&bob.home.join("x"), &bob);
    chown_to(&secret, &bob);
    let link = site.homes().join("link");
    std::os::unix::fs::symlink(&bob.home, &link).unwrap();
    let carol = TempUser::with_home("ckc", &link.join("x"));
    let before = [&bob.home.join("x"), &secret].map(|p| untouched(p));
    for args in [vec!["user", &carol.name, "-n"], vec!["user", &carol.name]] {
        site.chk(&args)
            .assert()
            .code(3)
            .stderr(predicates::str::contains(format!(
                "user {}: home '{}' passes through the symbolic link '{}': refused",
                carol.name,
                link.join("x").display(),
                link.display()
            )));
    }
    assert_eq!([&bob.home.join("x"), &secret].map(|p| untouched(p)), before);
}

/// A directory on the way to a home that another user owns or may write
/// could get a symlink or a directory of theirs put in the path between
/// the check and the repair: refused. A sticky one (like /tmp) is fine
/// when the next step is root's or the user's: others cannot rename it.
#[test]
fn a_home_under_a_directory_another_user_may_write_is_refused() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let site = Site::new("");
    let bob = TempUser::new("ckw", &site.homes());
    let bobs = site.homes().join("bobs");
    let open = site.homes().join("open");
    for dir in [&bobs, &open] {
        std::fs::create_dir(dir).unwrap();
    }
    chown_to(&bobs, &bob);
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let carol = TempUser::with_home("ckw", &bobs.join("carol"));
    let dave = TempUser::with_home("ckw", &open.join("dave"));
    for user in [&carol, &dave] {
        std::fs::create_dir(&user.home).unwrap();
        write(&user.home.join("f"), "f", 0o666);
        chown_to(&user.home, user);
    }
    site.chk(&["user", &carol.name])
        .assert()
        .code(3)
        .stderr(predicates::str::contains(format!(
            "user {}: home '{}' passes through '{}', owned by {} (uid {}): refused",
            carol.name,
            carol.home.display(),
            bobs.display(),
            bob.name,
            bob.uid()
        )));
    site.chk(&["user", &dave.name])
        .assert()
        .code(3)
        .stderr(predicates::str::contains(format!(
            "passes through '{}' (mode 0777), which other users may write: refused",
            open.display()
        )));
    for user in [&carol, &dave] {
        assert_eq!(owner_group_mode(&user.home.join("f")).2, 0o666);
    }
    // Sticky, as /tmp: dave's own directory cannot be swapped by others.
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o1777)).unwrap();
    site.chk(&["user", &dave.name]).assert().success();
    assert_acl(&dave.home.join("f"), &home_file('-'), None);
    // A home that is another user's own is not handed over.
    let eve = TempUser::with_home("ckw", &bob.home);
    site.chk(&["user", &eve.name])
        .assert()
        .code(3)
        .stderr(predicates::str::contains(format!(
            "user {}: home '{}' belongs to {} (uid {}): refusing to hand it to {}",
            eve.name,
            bob.home.display(),
            bob.name,
            bob.uid(),
            eve.name
        )));
}

/// Issue #25 point 13: `printf '**\tu:rtbob:r--\n' > ~/.licorn/check.conf`
/// made every file of the home executable (`0644 -> 0750`): files got the
/// home root's directory template. A user's glob only adds its entry to
/// each entry's own template.
#[test]
fn a_users_double_star_rule_keeps_files_files() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let site = Site::new("");
    let alice = TempUser::new("ckd", &site.homes());
    let bob = TempUser::attacker("ckd");
    let home = &alice.home;
    write(&home.join(".bashrc"), "alias x=y\n", 0o644);
    write(&home.join("bin/tool"), "#!/bin/sh\n", 0o755);
    let rules = home.join(".licorn/check.conf");
    write(&rules, &format!("**\tu:{}:r--\n", bob.name), 0o644);
    for path in [home.join(".licorn"), rules] {
        chown_to(&path, &alice);
    }
    site.chk(&["user", &alice.name]).assert().success();
    let with_bob = |x: char| {
        format!(
            "u::rw{x},u:{b}:r--,g::---,o::---,g:admins:rw{x},m::rw{x}",
            b = bob.name
        )
    };
    assert_acl(&home.join(".bashrc"), &with_bob('-'), None);
    assert_eq!(owner_group_mode(&home.join(".bashrc")).2, 0o660);
    assert_acl(&home.join("bin/tool"), &with_bob('x'), None);
    let dir = format!(
        "u::rwx,u:{b}:r--,g::---,o::---,g:admins:rwx,m::rwx",
        b = bob.name
    );
    assert_acl(&home.join("bin"), &dir, Some(&dir));
    site.chk(&["user", &alice.name, "-n"]).assert().code(0);
}

/// A user's own `build IGNORE`: chk leaves that tree of the home alone.
#[test]
fn a_users_ignore_rule_leaves_that_tree_alone() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let site = Site::new("");
    let user = TempUser::new("cki", &site.homes());
    let home = &user.home;
    write(&home.join("build/out/a.o"), "o", 0o666);
    write(&home.join("notes"), "n", 0o666);
    let rules = home.join(".licorn/check.conf");
    write(&rules, "build\tIGNORE\n", 0o644);
    for path in [home.join(".licorn"), rules] {
        chown_to(&path, &user);
    }
    let before = fingerprint(&home.join("build"));
    site.chk(&["user", &user.name])
        .assert()
        .success()
        .stdout(predicates::str::contains(", ignored 1; 0 errors"));
    assert_eq!(fingerprint(&home.join("build")), before);
    assert_acl(&home.join("notes"), &home_file('-'), None);
}
