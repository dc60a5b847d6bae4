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
    site.chk(&["group", g])
        .assert()
        .success()
        .stderr(predicates::str::contains(format!("rsp-{g}")));
    assert_acl(
        &shared.join("f"),
        &format!("u::rw-,g::---,o::---,g:admins:rw-,g:{g}:r--,m::rw-"),
        None,
    );
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
            "group {}: {} is not a directory",
            absent.main.name,
            site.groups_root().join(&absent.main.name).display()
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
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines[0].starts_with(&format!("group {}: 2 checked, 2 changed", first.main.name)));
    assert!(lines[1].starts_with(&format!("group {}: 2 checked, 2 changed", second.main.name)));
    assert!(
        lines[2].starts_with("total: 4 checked, 4 changed"),
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
