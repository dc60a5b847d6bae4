//! `chk group`: shared group directories repaired to Licorn's factory model,
//! checked entry by entry with getfacl, on real groups and a real tarball.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use testkit::chk::*;

/// A group with its helper groups rsp-G and gst-G.
struct SharedGroup {
    main: TempGroup,
    _rsp: TempGroup,
    _gst: TempGroup,
}

impl SharedGroup {
    fn new() -> SharedGroup {
        let main = TempGroup::new("ckg");
        let rsp = TempGroup::named(&format!("rsp-{}", main.name));
        let gst = TempGroup::named(&format!("gst-{}", main.name));
        SharedGroup {
            main,
            _rsp: rsp,
            _gst: gst,
        }
    }
}

/// The spec's factory ACLs of group `g` (`w` = the group's write right).
fn root_acl(g: &str) -> String {
    format!(
        "u::rwx,g::---,o::---,g:admins:rwx,g:gst-{g}:r-x,g:rsp-{g}:rwx,g:{g}:rwx,g:www-data:--x,m::rwx"
    )
}

fn dir_acl(g: &str, w: char, web: bool) -> String {
    let web = if web { ",g:www-data:r-x" } else { "" };
    format!("u::rwx,g::---,o::---,g:admins:rwx,g:gst-{g}:r-x,g:rsp-{g}:rwx,g:{g}:r{w}x{web},m::rwx")
}

fn file_acl(g: &str, w: char, x: char, web: bool) -> String {
    let ux = x;
    let web = if web {
        format!(",g:www-data:r-{x}")
    } else {
        String::new()
    };
    format!(
        "u::rw{ux},g::---,o::---,g:admins:rw{x},g:gst-{g}:r-{x},g:rsp-{g}:rw{x},g:{g}:r{w}{x}{web},m::rw{x}"
    )
}

fn assert_acl(path: &Path, access: &str, default: Option<&str>) {
    assert_eq!(
        sorted(getfacl_lines(path)),
        sorted(acl_lines(access, default)),
        "ACL of {}",
        path.display()
    );
}

/// A tarball as users ship them: foreign numeric owners, loose modes.
fn make_tarball(work: &Path) -> std::path::PathBuf {
    let src = work.join("src");
    std::fs::create_dir_all(src.join("proj/sub/deep")).unwrap();
    std::fs::create_dir_all(src.join("public_html/img")).unwrap();
    std::fs::write(src.join("proj/README"), "read me\n").unwrap();
    std::fs::write(src.join("proj/run.sh"), "#!/bin/sh\necho hi\n").unwrap();
    std::fs::write(src.join("proj/sub/deep/data"), "x").unwrap();
    std::fs::write(src.join("public_html/index.html"), "<p>hi</p>").unwrap();
    std::fs::write(src.join("public_html/img/logo.png"), "png").unwrap();
    for (path, mode) in [
        ("proj", 0o777),
        ("proj/README", 0o666),
        ("proj/run.sh", 0o4755),
        ("proj/sub", 0o700),
        ("proj/sub/deep/data", 0o600),
        ("public_html", 0o755),
    ] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(src.join(path), std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let tarball = work.join("upload.tar");
    let status = Command::new("tar")
        .args(["--owner=4321", "--group=8765", "--numeric-owner", "-cf"])
        .arg(&tarball)
        .arg("-C")
        .arg(&src)
        .args(["proj", "public_html"])
        .status()
        .unwrap();
    assert!(status.success());
    tarball
}

fn untar(tarball: &Path, into: &Path) {
    let status = Command::new("tar")
        .arg("-xpf")
        .arg(tarball)
        .arg("-C")
        .arg(into)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn untarred_archive_is_repaired_to_the_factory_acls() {
    let _serial = serial();
    let model = ModelGroups::ensure();
    let group = SharedGroup::new();
    let g = group.main.name.as_str();
    let site = Site::new("");
    let shared = site.groups_root().join(g);
    std::fs::create_dir(&shared).unwrap();
    untar(&make_tarball(site.dir.path()), &shared);
    assert_eq!(
        owner_group_mode(&shared.join("proj/README")),
        (4321, 8765, 0o666)
    );
    // One entry belongs to a real user (daemon, uid 1): its owner is kept;
    // uid 4321 maps to no user and goes to orphan_owner (root).
    std::os::unix::fs::lchown(shared.join("proj/README"), Some(1), None).unwrap();

    site.chk(&["group", g]).assert().success();

    let acl_gid = model.acl.gid();
    let sub = dir_acl(g, '-', false);
    assert_acl(&shared, &root_acl(g), Some(&sub));
    assert_eq!(owner_group_mode(&shared).1, acl_gid);
    for dir in ["proj", "proj/sub", "proj/sub/deep"] {
        assert_acl(&shared.join(dir), &sub, Some(&sub));
        let (uid, gid, _) = owner_group_mode(&shared.join(dir));
        assert_eq!((uid, gid), (0, acl_gid), "{dir}: orphan owner, group acl");
    }
    for file in ["proj/README", "proj/sub/deep/data"] {
        assert_acl(&shared.join(file), &file_acl(g, '-', '-', false), None);
        assert_eq!(owner_group_mode(&shared.join(file)).1, acl_gid);
    }
    assert_eq!(owner_group_mode(&shared.join("proj/README")).0, 1);
    assert_eq!(owner_group_mode(&shared.join("proj/sub/deep/data")).0, 0);
    // The script stays executable for its owner and the group class; its
    // setuid bit is gone.
    assert_acl(
        &shared.join("proj/run.sh"),
        &file_acl(g, '-', 'x', false),
        None,
    );
    assert_eq!(owner_group_mode(&shared.join("proj/run.sh")).2 & 0o7000, 0);
    // public_html and below: the web group may read.
    let web_dir = dir_acl(g, '-', true);
    assert_acl(&shared.join("public_html"), &web_dir, Some(&web_dir));
    assert_acl(&shared.join("public_html/img"), &web_dir, Some(&web_dir));
    assert_acl(
        &shared.join("public_html/index.html"),
        &file_acl(g, '-', '-', true),
        None,
    );

    // Repaired means compliant: a dry run finds nothing.
    site.chk(&["group", g, "--dry-run"]).assert().code(0);
    drop(model);
}

#[test]
fn permissive_groups_get_write_on_content() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let group = SharedGroup::new();
    let g = group.main.name.as_str();

    // From the configuration.
    let site = Site::new(&format!("permissive = [\"{g}\"]\n"));
    let shared = site.groups_root().join(g);
    std::fs::create_dir_all(shared.join("docs")).unwrap();
    std::fs::write(shared.join("docs/a.txt"), "a").unwrap();
    site.chk(&["group", g]).assert().success();
    let sub = dir_acl(g, 'w', false);
    assert_acl(&shared, &root_acl(g), Some(&sub));
    assert_acl(&shared.join("docs"), &sub, Some(&sub));
    assert_acl(
        &shared.join("docs/a.txt"),
        &file_acl(g, 'w', '-', false),
        None,
    );

    // Off: the same tree under a configuration that does not list it, and
    // whose root default ACL no longer grants w, goes back to read-only.
    let strict = Site::new("");
    let shared = strict.groups_root().join(g);
    std::fs::create_dir_all(shared.join("docs")).unwrap();
    std::fs::write(shared.join("docs/a.txt"), "a").unwrap();
    strict.chk(&["group", g]).assert().success();
    let ro = dir_acl(g, '-', false);
    assert_acl(&shared.join("docs"), &ro, Some(&ro));
    assert_acl(
        &shared.join("docs/a.txt"),
        &file_acl(g, '-', '-', false),
        None,
    );

    // Licorn's switch: w on g:G in the root's default ACL makes it permissive.
    let status = Command::new("setfacl")
        .args(["-d", "-m", &format!("g:{g}:rwx")])
        .arg(&shared)
        .status()
        .unwrap();
    assert!(status.success());
    strict.chk(&["group", g]).assert().success();
    let rw = dir_acl(g, 'w', false);
    assert_acl(&shared.join("docs"), &rw, Some(&rw));
    assert_acl(
        &shared.join("docs/a.txt"),
        &file_acl(g, 'w', '-', false),
        None,
    );
}

#[test]
fn missing_helper_groups_are_left_out_with_a_warning() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let main = TempGroup::new("ckh");
    let g = main.name.as_str();
    let site = Site::new("");
    let shared = site.groups_root().join(g);
    std::fs::create_dir(&shared).unwrap();
    std::fs::write(shared.join("f"), "x").unwrap();
    // One line for the run, naming both and the two ways out.
    let out = site.chk(&["group", g]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        format!(
            "chk: warning: helper groups gst-{g}, rsp-{g} do not exist: left out of the ACLs \
             (create them: groupadd gst-{g}; groupadd rsp-{g}; or set helper_groups = false in chk.conf)\n"
        )
    );
    let without_helpers = format!("u::rw-,g::---,o::---,g:admins:rw-,g:{g}:r--,m::rw-");
    assert_acl(&shared.join("f"), &without_helpers, None);
    // helper_groups = false: none wanted, nothing said, even where they exist.
    let rsp = TempGroup::named(&format!("rsp-{g}"));
    let quiet = Site::new("helper_groups = false\n");
    let shared = quiet.groups_root().join(g);
    std::fs::create_dir(&shared).unwrap();
    std::fs::write(shared.join("f"), "x").unwrap();
    quiet
        .chk(&["group", g])
        .assert()
        .success()
        .stderr(predicates::str::is_empty());
    assert_acl(&shared.join("f"), &without_helpers, None);
    drop(rsp);
}

#[test]
fn missing_admins_group_is_a_configuration_error() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let group = SharedGroup::new();
    let site = Site::new("admins_group = \"no-such-admins-chk\"\n");
    std::fs::create_dir(site.groups_root().join(&group.main.name)).unwrap();
    site.chk(&["group", &group.main.name])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no-such-admins-chk"));
}

#[test]
fn group_rule_file_adds_entries_and_refuses_restrictions() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let group = SharedGroup::new();
    let extra = TempGroup::new("cke");
    let g = group.main.name.as_str();
    let site = Site::new("");
    let shared = site.groups_root().join(g);
    std::fs::create_dir_all(shared.join("shared-with")).unwrap();
    let rules = site.groups_root().join(format!("{g}.check.conf"));
    std::fs::write(
        &rules,
        format!(
            "shared-with  g:{}:r-x\nshared-with\tg:admins:---\n",
            extra.name
        ),
    )
    .unwrap();
    site.chk(&["group", g])
        .assert()
        .success()
        .stderr(predicates::str::contains(format!("{}:2:", rules.display())));
    let acl = getfacl_lines(&shared.join("shared-with"));
    assert!(
        acl.contains(&format!("group:{}:r-x", extra.name)),
        "{acl:?}"
    );
    assert!(acl.contains(&"group:admins:rwx".to_string()), "{acl:?}");
}

#[test]
fn all_from_cron_draws_no_progress_and_reports_non_groups() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let group = SharedGroup::new();
    let g = group.main.name.as_str();
    let site = Site::new("");
    let shared = site.groups_root().join(g);
    std::fs::create_dir_all(shared.join("a/b")).unwrap();
    std::fs::write(shared.join("a/b/c"), "c").unwrap();
    std::fs::create_dir(site.groups_root().join("not-a-group-chk")).unwrap();

    let cron = |args: &[&str]| {
        let mut cmd = site.chk(args);
        cmd.env_clear().env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        cmd
    };
    // Differences exist: a dry run says so with 1.
    let out = cron(&["group", "--all", "--dry-run"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains('\r') && !stderr.contains('\x1b'),
        "{stderr}"
    );
    assert!(stderr.contains("not-a-group-chk"), "{stderr}");
    // The repair succeeds; the next check finds nothing.
    let out = cron(&["group", "--all"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains('\r') && !stderr.contains('\x1b'),
        "{stderr}"
    );
    cron(&["group", "--all", "--dry-run"]).assert().code(0);
    // On a terminal the bar is drawn: the checks above can fail.
    let config = site.config.display().to_string();
    let tty = chk_on_a_terminal(&["group", "--all", "-n", "--config", &config], "");
    assert!(tty.contains(" entries ("), "{tty}");
    assert_acl(&shared.join("a/b/c"), &file_acl(g, '-', '-', false), None);
}

#[test]
fn licorn_rules_dir_copied_as_is_loads() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let group = SharedGroup::new();
    let g = group.main.name.as_str();
    let site = Site::new("");
    write_licorn_check_d(&site.rules_dir());
    let shared = site.groups_root().join(g);
    std::fs::create_dir_all(shared.join("public_html")).unwrap();
    std::fs::write(shared.join("public_html/i.html"), "i").unwrap();
    site.chk(&["group", g]).assert().success();
    let sub = dir_acl(g, '-', false);
    assert_acl(&shared, &root_acl(g), Some(&sub));
    assert_acl(
        &shared.join("public_html/i.html"),
        &file_acl(g, '-', '-', true),
        None,
    );
}

#[test]
fn unknown_group_is_a_usage_error() {
    let site = Site::new("");
    site.chk(&["group", "no-such-group-chk-x"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no-such-group-chk-x"));
}

#[test]
fn bad_configuration_names_file_and_line() {
    let site = Site::new("\nfrobnicate = true\n");
    site.chk(&["group", "--all"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(format!(
            "{}:4:",
            site.config.display()
        )));
}

#[test]
fn abbreviations_and_aliases_mean_group() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let group = SharedGroup::new();
    let g = group.main.name.as_str();
    let site = Site::new("");
    std::fs::create_dir(site.groups_root().join(g)).unwrap();
    let shared = site.groups_root().join(g);
    site.chk(&["group", g]).assert().success();
    let repaired = owner_group_mode(&shared);
    for word in ["g", "gr", "grp", "groups", "group"] {
        // Each spelling repairs the group's directory, as `group` does.
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();
        site.chk(&[word, g])
            .assert()
            .success()
            .stdout(predicates::str::contains(format!(
                "group {g}: 1 checked, 1 changed"
            )));
        assert_eq!(owner_group_mode(&shared), repaired, "chk {word} {g}");
        site.chk(&[word, g, "--dry-run"]).assert().code(0);
    }
}

#[test]
fn an_ambiguous_abbreviation_lists_the_candidates() {
    // No two subcommands share a first letter; the empty word is a prefix
    // of them all.
    let site = Site::new("");
    site.chk(&[""])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "ambiguous subcommand '': it could be path, group, user, explain, rules",
        ));
    site.chk(&["gx"]).assert().code(2);
}

#[test]
fn a_missing_shared_directory_fails_but_the_others_are_checked() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let present = SharedGroup::new();
    let absent = SharedGroup::new();
    let site = Site::new("");
    let shared = site.groups_root().join(&present.main.name);
    std::fs::create_dir(&shared).unwrap();
    std::fs::write(shared.join("f"), "f").unwrap();
    site.chk(&["group", &absent.main.name, &present.main.name])
        .assert()
        .code(3)
        .stderr(predicates::str::contains(format!(
            "group {a}: '{}' does not exist (chk group {a} --create makes it)",
            site.groups_root().join(&absent.main.name).display(),
            a = absent.main.name,
        )));
    let g = present.main.name.as_str();
    assert_acl(&shared.join("f"), &file_acl(g, '-', '-', false), None);
}

#[test]
fn a_group_rule_file_not_owned_by_root_is_ignored() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let group = SharedGroup::new();
    let g = group.main.name.as_str();
    let site = Site::new("");
    let shared = site.groups_root().join(g);
    std::fs::create_dir_all(shared.join("open")).unwrap();
    let rules = site.groups_root().join(format!("{g}.check.conf"));
    std::fs::write(&rules, "open\tNOACL\n").unwrap();
    std::os::unix::fs::chown(&rules, Some(4321), None).unwrap();
    site.chk(&["group", g])
        .assert()
        .success()
        .stderr(predicates::str::contains(format!(
            "{}: ignored: owned by uid 4321",
            rules.display()
        )));
    let sub = dir_acl(g, '-', false);
    assert_acl(&shared.join("open"), &sub, Some(&sub));
}

#[test]
fn printed_defaults_saved_as_rule_files_give_the_factory_model() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let group = SharedGroup::new();
    let g = group.main.name.as_str();
    let site = Site::new("");
    let out = site.chk(&["rules", "--print-defaults"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    // Split at the `# ==> NAME <==` markers, as the header says to.
    let mut files = 0;
    for part in text.split("# ==> ").skip(1) {
        let (name, body) = part.split_once(" <==\n").unwrap();
        std::fs::write(site.rules_dir().join(name), body).unwrap();
        files += 1;
    }
    assert_eq!(files, 5);
    let shared = site.groups_root().join(g);
    std::fs::create_dir_all(shared.join("public_html/a")).unwrap();
    std::fs::write(shared.join("x.txt"), "x").unwrap();
    site.chk(&["group", g]).assert().success();
    let sub = dir_acl(g, '-', false);
    assert_acl(&shared, &root_acl(g), Some(&sub));
    assert_acl(&shared.join("x.txt"), &file_acl(g, '-', '-', false), None);
    let web = dir_acl(g, '-', true);
    assert_acl(&shared.join("public_html/a"), &web, Some(&web));
}

#[test]
fn several_groups_share_one_run_with_a_line_each_and_a_total() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let first = SharedGroup::new();
    let second = SharedGroup::new();
    let site = Site::new("");
    for g in [&first.main.name, &second.main.name] {
        std::fs::create_dir_all(site.groups_root().join(g).join("d")).unwrap();
    }
    let out = site
        .chk(&["group", &first.main.name, &second.main.name, "-j", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{stdout}");
    for (i, g) in [(0, &first.main.name), (2, &second.main.name)] {
        assert!(lines[i].starts_with(&format!("group {g}: 2 checked, 2 changed")));
        // Each target's notes follow its line: `d` is root's, read-only.
        assert!(lines[i + 1].starts_with(&format!(
            "group {g}: members of {g} may only read 1 entries they do not own"
        )));
    }
    assert!(
        lines[4].starts_with("total: 4 checked, 4 changed"),
        "{stdout}"
    );
}

/// An archive with hard links, as root untars it (`tar -xpf`): the
/// links all lie inside the shared directory.
fn make_linked_tarball(work: &Path) -> std::path::PathBuf {
    let src = work.join("linked-src");
    std::fs::create_dir_all(src.join("pkg/a")).unwrap();
    std::fs::create_dir_all(src.join("pkg/b")).unwrap();
    std::fs::write(src.join("pkg/a/lib.so"), "elf").unwrap();
    std::fs::hard_link(src.join("pkg/a/lib.so"), src.join("pkg/b/lib.so")).unwrap();
    std::fs::hard_link(src.join("pkg/a/lib.so"), src.join("pkg/lib.so.1")).unwrap();
    // Under public_html too, whose rule differs: the first path decides.
    std::fs::create_dir_all(src.join("public_html")).unwrap();
    std::fs::hard_link(src.join("pkg/a/lib.so"), src.join("public_html/lib.so")).unwrap();
    std::fs::write(src.join("pkg/single"), "one").unwrap();
    let tarball = work.join("linked.tar");
    let status = Command::new("tar")
        .args(["--owner=0", "--group=0", "--numeric-owner", "-cf"])
        .arg(&tarball)
        .arg("-C")
        .arg(&src)
        .args(["pkg", "public_html"])
        .status()
        .unwrap();
    assert!(status.success());
    tarball
}

#[test]
fn hard_links_inside_are_repaired_and_links_from_outside_left_alone() {
    let _serial = serial();
    let model = ModelGroups::ensure();
    let group = SharedGroup::new();
    let g = group.main.name.as_str();
    let site = Site::new("");
    let shared = site.groups_root().join(g);
    std::fs::create_dir(&shared).unwrap();
    untar(&make_linked_tarball(site.dir.path()), &shared);
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        std::fs::metadata(shared.join("pkg/a/lib.so"))
            .unwrap()
            .nlink(),
        4
    );
    // A user's file, hard-linked into the group directory from outside.
    let home = site.homes().join("alice");
    std::fs::create_dir(&home).unwrap();
    let private = home.join("diary");
    std::fs::write(&private, "mine").unwrap();
    std::os::unix::fs::chown(&private, Some(65534), Some(65534)).unwrap();
    std::fs::hard_link(&private, shared.join("pkg/diary")).unwrap();
    let diary_before = (owner_group_mode(&private), getfacl_lines(&private));

    // Dry run, explain and the real run agree.
    let out = site.chk(&["group", g, "-n"]).assert().code(1);
    let listing = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(listing.contains("/pkg/a/lib.so: access ACL:"), "{listing}");
    assert!(!listing.contains("diary"), "{listing}");
    let lib = shared.join("pkg/b/lib.so");
    let out = site
        .chk(&["explain", lib.to_str().unwrap()])
        .assert()
        .code(1);
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("access ACL"), "{text}");
    let web_link = shared.join("public_html/lib.so");
    let web_text = site
        .chk(&["explain", web_link.to_str().unwrap()])
        .assert()
        .code(1);
    let web_text = String::from_utf8_lossy(&web_text.get_output().stdout).to_string();
    let wanted = |t: &str| t.lines().nth(4).unwrap_or_default().to_string();
    assert_eq!(wanted(&web_text), wanted(&text), "{web_text}");
    let diary = shared.join("pkg/diary");
    let out = site
        .chk(&["explain", diary.to_str().unwrap()])
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        text.contains("a file with 2 hard links, 1 of them inside the target"),
        "{text}"
    );

    let out = site.chk(&["group", g, "--json"]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    // The target's summary, before the result envelope that ends the output.
    let summary = text
        .lines()
        .rev()
        .find(|l| l.starts_with("{\"summary\""))
        .unwrap();
    let summary: serde_json::Value = serde_json::from_str(summary).unwrap();
    assert_eq!(summary["summary"]["skipped"]["hard_link"], 1, "{text}");
    let file = file_acl(g, '-', '-', false);
    for link in [
        "pkg/a/lib.so",
        "pkg/b/lib.so",
        "pkg/lib.so.1",
        "public_html/lib.so",
        "pkg/single",
    ] {
        assert_acl(&shared.join(link), &file, None);
        assert_eq!(
            owner_group_mode(&shared.join(link)).1,
            model.acl.gid(),
            "{link}"
        );
    }
    assert_eq!(
        (owner_group_mode(&private), getfacl_lines(&private)),
        diary_before
    );
    // Run after run: nothing left to do.
    site.chk(&["group", g, "-n"]).assert().code(0);
    drop(model);
}

/// Owners and groups by name where an account has them (`owner: 4321 ->
/// root`, `group: 8765 -> acl`), the number only where none does; JSON
/// gives both, `{"id": 0, "name": "root"}`.
#[test]
fn owners_and_groups_are_shown_by_name_and_json_gives_both() {
    let _serial = serial();
    let model = ModelGroups::ensure();
    let group = SharedGroup::new();
    let g = group.main.name.as_str();
    let site = Site::new("");
    let shared = site.groups_root().join(g);
    std::fs::create_dir(&shared).unwrap();
    untar(&make_tarball(site.dir.path()), &shared);
    let readme = shared.join("proj/README").display().to_string();

    let out = site.chk(&["group", g, "-n"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("{readme}: owner: 4321 -> root\n")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{readme}: group: 8765 -> acl\n")),
        "{stdout}"
    );

    let out = site.chk(&["group", g, "-n", "--json"]).output().unwrap();
    let records: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let change = |kind: &str| {
        records
            .iter()
            .find(|r| r["path"] == readme && r["change"] == kind)
            .unwrap_or_else(|| panic!("no {kind} change of {readme}: {records:?}"))
    };
    let owner = change("owner");
    assert_eq!(owner["from"], serde_json::json!({"id": 4321, "name": null}));
    assert_eq!(owner["to"], serde_json::json!({"id": 0, "name": "root"}));
    let group_change = change("group");
    assert_eq!(
        group_change["from"],
        serde_json::json!({"id": 8765, "name": null})
    );
    assert_eq!(
        group_change["to"],
        serde_json::json!({"id": model.acl.gid(), "name": "acl"})
    );
    // Modes and ACLs stay text.
    assert!(change("mode")["from"].is_string());
}

/// IGNORE in the system rules (check.d) and in the group's own rule file:
/// those trees are left exactly as they are, and counted.
#[test]
fn ignore_in_check_d_and_in_the_groups_rule_file_leaves_trees_alone() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let group = SharedGroup::new();
    let g = group.main.name.as_str();
    let site = Site::new("");
    write_licorn_check_d(&site.rules_dir());
    std::fs::write(
        site.rules_dir().join("groups.zz-local.conf"),
        "webapp/build\tIGNORE\n",
    )
    .unwrap();
    std::fs::write(
        site.groups_root().join(format!("{g}.check.conf")),
        "**/node_modules ignore\n",
    )
    .unwrap();
    let shared = site.groups_root().join(g);
    for dir in ["webapp/build/out", "webapp/src/node_modules/x"] {
        std::fs::create_dir_all(shared.join(dir)).unwrap();
        std::fs::write(shared.join(dir).join("f"), "f").unwrap();
    }
    let kept = [
        shared.join("webapp/build"),
        shared.join("webapp/src/node_modules"),
    ];
    let before = kept.clone().map(|d| fingerprint(&d));
    site.chk(&["group", g])
        .assert()
        .success()
        .stdout(predicates::str::contains(", ignored 2; 0 errors"));
    assert_eq!(kept.clone().map(|d| fingerprint(&d)), before);
    assert_acl(
        &shared.join("webapp/src"),
        &dir_acl(g, '-', false),
        Some(&dir_acl(g, '-', false)),
    );
    // chk explain says why, for the entry and what is below it.
    let inner = shared.join("webapp/build/out/f").display().to_string();
    site.chk(&["explain", &inner])
        .assert()
        .success()
        .stdout(predicates::str::contains(format!(
            "rule:     {}:1 (IGNORE: chk neither checks nor changes it, nor anything below it)\nrepair:   none: the entry is ignored\n",
            site.rules_dir().join("groups.zz-local.conf").display()
        )));
}

/// How many entries `dir` holds, itself included.
fn walk_count(dir: &Path) -> usize {
    let out = Command::new("find").arg(dir).output().unwrap();
    String::from_utf8_lossy(&out.stdout).lines().count()
}

/// A site whose shared directories users may reach (the test's temporary
/// directory is root's 0700 otherwise).
fn open_site(extra: &str) -> Site {
    let site = Site::new(extra);
    set_mode(site.dir.path(), 0o755);
    site
}

/// Issue #26 point 1: an archive made elsewhere, untarred with its owners
/// (no account here), becomes root's, and the group is not permissive:
/// members cannot write, which the summary says. `--adopt USER` (or
/// `adopt =` in `[group.NAME]`) gives such entries to USER, a member, who
/// can then write them.
#[test]
fn adopt_gives_the_untarred_entries_to_a_member_who_can_then_write() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let group = SharedGroup::new();
    let g = group.main.name.as_str();
    let alice = TempUser::attacker("cka");
    alice.join(g);
    let outsider = TempUser::attacker("cko");
    let site = open_site("");
    let shared = site.groups_root().join(g);
    let tarball = make_tarball(site.dir.path());
    let fresh = || {
        let _ = std::fs::remove_dir_all(&shared);
        std::fs::create_dir(&shared).unwrap();
        untar(&tarball, &shared);
    };

    fresh();
    // Everything below the root (which members may write) is root's.
    let untarred = walk_count(&shared) - 1;
    let out = site.chk(&["group", g]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "group {g}: members of {g} may only read {untarred} entries they do not own (the group \
             is not permissive: see --adopt USER, or permissive = [\"{g}\"] in chk.conf)\n"
        )),
        "{stdout}"
    );
    let denied = alice.sh(&shared.join("proj"), "touch newfile");
    assert!(!denied.status.success(), "{denied:?}");
    assert!(String::from_utf8_lossy(&denied.stderr).contains("Permission denied"));

    // Not a member: refused before anything is changed.
    fresh();
    site.chk(&["group", g, "--adopt", &outsider.name])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(format!(
            "--adopt {o}: {o} is not a member of group {g} (add them with: gpasswd -a {o} {g})",
            o = outsider.name
        )));
    assert_eq!(owner_group_mode(&shared.join("proj")).0, 4321);

    site.chk(&["group", g, "--adopt", &alice.name])
        .assert()
        .success()
        .stdout(predicates::prelude::PredicateBooleanExt::not(
            predicates::str::contains("may only read"),
        ));
    for entry in ["proj", "proj/README", "proj/sub/deep/data"] {
        assert_eq!(
            owner_group_mode(&shared.join(entry)).0,
            alice.uid(),
            "{entry}"
        );
    }
    let wrote = alice.sh(&shared.join("proj"), "touch newfile && echo more >> README");
    assert!(wrote.status.success(), "{wrote:?}");

    // The same from chk.conf, for every run of that group.
    let conf = open_site(&format!("[group.{g}]\nadopt = \"{}\"\n", alice.name));
    let shared = conf.groups_root().join(g);
    std::fs::create_dir(&shared).unwrap();
    untar(&tarball, &shared);
    conf.chk(&["group", g]).assert().success();
    assert_eq!(owner_group_mode(&shared.join("proj/README")).0, alice.uid());
}

/// Issue #26 point 2: a 0600 secret from an archive is opened to the
/// group by a repair, and said so (listing, summary, JSON, --nagios);
/// `--keep-private` (or keep_private) keeps it to its owner, the admins
/// and the responsibles.
#[test]
fn an_owner_only_secret_is_said_widened_or_kept_private() {
    let _serial = serial();
    let model = ModelGroups::ensure();
    let group = SharedGroup::new();
    let g = group.main.name.as_str();
    let alice = TempUser::attacker("ckp");
    alice.join(g);
    let site = open_site("");
    let app = site.groups_root().join(g).join("app");
    std::fs::create_dir_all(&app).unwrap();
    let secret = app.join(".env");
    let plant = || {
        std::fs::write(&secret, "PASSWORD=x\n").unwrap();
        set_mode(&secret, 0o600);
        std::fs::write(app.join("notes"), "n").unwrap();
    };
    plant();
    let shown = secret.display().to_string();

    site.chk(&["group", g, "-n"])
        .assert()
        .code(1)
        .stdout(predicates::str::contains(format!(
            "{shown}: widened: only its owner could use it; others may now\n"
        )))
        .stdout(predicates::str::contains(format!(
            "group {g}: widened: 1 owner-only entries would be opened to others"
        )));
    let out = site.chk(&["group", g, "-n", "--json"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains(&format!("\"path\":\"{shown}\",\"note\":\"widened\"")),
        "{text}"
    );
    let envelope: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(envelope["widened"], 1);
    site.chk(&["group", g, "-n", "--nagios"])
        .assert()
        .code(1)
        .stdout(predicates::str::contains(" widened=1\n"));

    site.chk(&["group", g]).assert().success();
    let read = alice.sh(&app, "cat .env");
    assert!(read.status.success(), "members read it now: {read:?}");

    // Kept private: owner, admins, responsibles; never members or guests.
    std::fs::remove_file(&secret).unwrap();
    plant();
    site.chk(&["group", g, "--keep-private"])
        .assert()
        .success()
        .stdout(predicates::str::contains(format!(
            "group {g}: kept private: 1 owner-only entries (owner, admins and responsibles only)"
        )));
    assert_eq!(
        sorted(getfacl_lines(&secret)),
        sorted(acl_lines(
            &format!("u::rw-,g::---,g:admins:rw-,g:rsp-{g}:rw-,m::rw-,o::---"),
            None
        ))
    );
    assert_eq!(owner_group_mode(&secret).1, model.acl.gid());
    let denied = alice.sh(&app, "cat .env");
    assert!(!denied.status.success(), "{denied:?}");
    site.chk(&["group", g, "-n", "--keep-private"])
        .assert()
        .code(0);
    // keep_private in chk.conf, for this group.
    let conf = open_site(&format!("[group.{g}]\nkeep_private = true\n"));
    let app = conf.groups_root().join(g);
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join("key"), "k").unwrap();
    set_mode(&app.join("key"), 0o600);
    conf.chk(&["group", g]).assert().success();
    assert!(!getfacl_lines(&app.join("key")).contains(&format!("group:{g}:r--")));
    conf.chk(&["group", g, "-n"]).assert().code(0);
}

/// Issue #26 point 8: a named entry whose rights the mask cuts (the
/// classic setfacl surprise) is shown with its effective rights by chk
/// explain, and a repair that leaves such entries warns and counts them.
#[test]
fn rights_the_mask_cuts_are_shown_and_counted() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let group = SharedGroup::new();
    let g = group.main.name.as_str();
    let site = Site::new("");
    std::fs::write(
        site.rules_dir().join("groups.00-site.conf"),
        "~\tu::rwx,g::---,o::---,g:@GROUP:rwx,m::r-x\n~/\tu::rw@UX,g::---,o::---,g:@GROUP:rw-,m::r--\n",
    )
    .unwrap();
    let shared = site.groups_root().join(g);
    std::fs::create_dir(&shared).unwrap();
    std::fs::write(shared.join("doc"), "d").unwrap();
    let doc = shared.join("doc").display().to_string();
    let out = site.chk(&["group", g, "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "chk: warning: group {g}: 2 changed entries keep named ACL rights their mask cuts, such as '"
        )),
        "{stderr}"
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains(&format!(
            "\"path\":\"{doc}\",\"note\":\"masked\",\"entry\":\"g:{g}:rw-\",\"effective\":\"r--\""
        )),
        "{text}"
    );
    assert_eq!(summary(&out.stdout)["masked"], 2);
    site.chk(&["explain", &doc])
        .assert()
        .success()
        .stdout(predicates::str::contains(format!(
            "          access  u::rw-,g::---,g:{g}:rw-,m::r--,o::---\n                  g:{g}:rw-  #effective: r-- (mask)\n"
        )));
}

/// Issue #26 point 4: `--create` makes a missing shared directory equal
/// to what a repair makes of an existing one; a dry run only says it
/// would; a file in its place is "not a directory"; no group, no directory.
#[test]
fn create_makes_the_directory_a_repair_would_make() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let made = SharedGroup::new();
    let repaired = SharedGroup::new();
    let site = Site::new("");
    let dir = |g: &SharedGroup| site.groups_root().join(&g.main.name);
    std::fs::create_dir(dir(&repaired)).unwrap();
    site.chk(&["group", &repaired.main.name]).assert().success();

    let g = made.main.name.as_str();
    site.chk(&["group", g, "--create", "-n"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains(format!(
            "group {g}: '{}' does not exist: --create would make it",
            dir(&made).display()
        )));
    assert!(!dir(&made).exists());
    site.chk(&["group", g, "--create"]).assert().success();
    let state = |path: &Path| {
        let acl: Vec<String> = getfacl_lines(path)
            .into_iter()
            .map(|l| l.replace(&repaired.main.name, "G"))
            .collect();
        (owner_group_mode(path), sorted(acl))
    };
    let mine: Vec<String> = getfacl_lines(&dir(&made))
        .into_iter()
        .map(|l| l.replace(g, "G"))
        .collect();
    assert_eq!(
        (owner_group_mode(&dir(&made)), sorted(mine)),
        state(&dir(&repaired))
    );
    site.chk(&["group", g, "-n"]).assert().code(0);

    // Something else in its place is not made a directory.
    let other = SharedGroup::new();
    std::fs::write(dir(&other), "x").unwrap();
    site.chk(&["group", &other.main.name, "--create"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("is not a directory"));
    // A group that does not exist gets no directory.
    site.chk(&["group", "no-such-group-ckc", "--create"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "group `no-such-group-ckc` does not exist",
        ));
    assert!(!site.groups_root().join("no-such-group-ckc").exists());
}
