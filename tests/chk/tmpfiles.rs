//! `chk tmpfiles` side by side with Debian's real `systemd-tmpfiles
//! --create` (252): the same configuration applied with `--root` to two
//! copies of the same tree must leave identical getfacl dumps, modes and
//! owners (numeric ids: systemd-tmpfiles resolves names inside the root).
//! The one deliberate difference: chk never changes a symlink, where
//! `Z` makes systemd-tmpfiles chown the links themselves.

use std::fs;
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::Path;
use std::process::Command;
use testkit::chk::*;

/// A tree under `root/srv` with modes, setuid, private files, existing
/// ACLs and masks, default ACLs, dotfiles and symlinks.
fn make_tree(root: &Path) {
    let srv = root.join("srv");
    // (`created` and `link` are there already: the d and L lines of a
    // configuration, which chk does not handle, change nothing either.)
    for dir in [
        "d/sub/deep",
        "e/x",
        "g/one",
        "g/two",
        "g/.hidden",
        "h",
        "created",
    ] {
        fs::create_dir_all(srv.join(dir)).unwrap();
    }
    write(&srv.join("d/f"), 0o4755);
    write(&srv.join("d/.dot"), 0o644);
    write(&srv.join("d/sub/private"), 0o600);
    write(&srv.join("d/sub/deep/run"), 0o750);
    write(&srv.join("e/x/data"), 0o640);
    write(&srv.join("g/one/a"), 0o644);
    write(&srv.join("h/exe"), 0o755);
    set_mode(&srv.join("e"), 0o2770);
    setfacl(&["-m", "u:1234:r--,m::r--"], &srv.join("d/sub/private"));
    setfacl(&["-m", "g:55:rwx"], &srv.join("e/x/data"));
    setfacl(&["-d", "-m", "u:1234:rwx"], &srv.join("e/x"));
    symlink("f", srv.join("d/lnk")).unwrap();
    symlink("/etc", srv.join("d/sub/etc")).unwrap();
    symlink("/etc", srv.join("link")).unwrap();
}

/// getfacl's dump and every entry's type, mode and owners (not a
/// symlink's owners, see the module doc), relative to `root`.
fn dump(root: &Path) -> String {
    let getfacl = Command::new("getfacl")
        .args(["-R", "-P", "-n", "."])
        .current_dir(root)
        .output()
        .unwrap();
    let mut stat = Vec::new();
    for entry in walkdir(root) {
        let meta = fs::symlink_metadata(&entry).unwrap();
        let rel = entry.strip_prefix(root).unwrap().display().to_string();
        if meta.file_type().is_symlink() {
            stat.push(format!("{rel} symlink"));
        } else {
            stat.push(format!(
                "{rel} {:o} {} {}",
                meta.mode(),
                meta.uid(),
                meta.gid()
            ));
        }
    }
    stat.sort();
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&getfacl.stdout),
        stat.join("\n")
    )
}

fn walkdir(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut all = Vec::new();
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        all.push(path.clone());
        if entry.file_type().unwrap().is_dir() {
            all.extend(walkdir(&path));
        }
    }
    all
}

/// Applies `conf` (written to a file outside both roots, unless `conf` is
/// empty and the roots carry their own tmpfiles.d) with both tools, twice
/// each (a line that takes base entries from the mode may give more the
/// second time, for both), and compares.
fn side_by_side(name: &str, setup: impl Fn(&Path), conf: &str, args: &[&str]) -> (String, String) {
    let tmp = scratch();
    let theirs = tmp.path().join("systemd");
    let ours = tmp.path().join("chk");
    for root in [&theirs, &ours] {
        fs::create_dir_all(root).unwrap();
        setup(root);
    }
    let conf_file = tmp.path().join(format!("{name}.conf"));
    fs::write(&conf_file, conf).unwrap();
    let configs: Vec<&Path> = if conf.is_empty() {
        vec![]
    } else {
        vec![&conf_file]
    };
    for run in 1..=2 {
        let out = Command::new("systemd-tmpfiles")
            .arg("--create")
            .arg(format!("--root={}", theirs.display()))
            .args(args)
            .args(&configs)
            .output()
            .unwrap();
        assert!(out.status.success(), "systemd-tmpfiles ({name}): {out:?}");
        let out = chk()
            .args(["tmpfiles", "-q", "--root"])
            .arg(&ours)
            .args(args)
            .args(&configs)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "chk tmpfiles ({name}): {out:?}");
        assert_eq!(dump(&theirs), dump(&ours), "{name}, run {run}:\n{conf}");
    }
    (dump(&theirs), dump(&ours))
}

const MIXED: &str = "\
# every type chk handles, on plain paths and globs
z /srv/d/f - 1000 1000 -
z /srv/d 0700 - - -
z /srv/d 0750 - - -
a+ /srv/d/sub/private - - - - u:1235:rwx
z /srv/d/* 0711 - - -
Z /srv/e ~0770 2000 - -
A /srv/e - - - - d:g:55:rx,u:1234:rw
A+ /srv/e/x - - - - g:56:r,d:g:56:rwx
a /srv/g/* - - - - u:1234:rwx,g::r-x,m::r-x
Z /srv/g/one :0700 - 3000 -
z /srv/h 1751 - - -
a /srv/h/exe - - - - u::rwx,g::---,o::---
d /srv/created 0755 - - -
L /srv/link - - - - /etc
";

#[test]
fn every_handled_type_ends_as_systemd_tmpfiles_leaves_it() {
    side_by_side("mixed", make_tree, MIXED, &[]);
}

#[test]
fn a_plus_over_a_tree_with_acls_and_masks_matches() {
    let conf = "A+ /srv - - - - u:1234:rwx,g:55:r-x,d:u:1234:rwx,d:g:55:r-x\n";
    side_by_side("a-plus", make_tree, conf, &[]);
    let conf = "A /srv/d - - - - u:1234:rw,g::r,o::-,m::rwx,d:u::rwx,d:g::-,d:o::-\nZ /srv - 1111 2222 -\n";
    side_by_side("a-and-z", make_tree, conf, &[]);
}

#[test]
fn search_path_overrides_masks_and_specifiers_match() {
    let setup = |root: &Path| {
        make_tree(root);
        for dir in ["etc/tmpfiles.d", "run/tmpfiles.d", "usr/lib/tmpfiles.d"] {
            fs::create_dir_all(root.join(dir)).unwrap();
        }
        fs::write(
            root.join("etc/machine-id"),
            "0123456789abcdef0123456789abcdef\n",
        )
        .unwrap();
        fs::create_dir_all(root.join("srv/0123456789abcdef0123456789abcdef")).unwrap();
        // Replaced by /etc's file of the same name.
        fs::write(
            root.join("usr/lib/tmpfiles.d/pkg.conf"),
            "Z /srv 0700 - - -\n",
        )
        .unwrap();
        fs::write(
            root.join("etc/tmpfiles.d/pkg.conf"),
            "z /srv/h 0701 - - -\n",
        )
        .unwrap();
        // Masked by a link to /dev/null in /etc.
        fs::write(
            root.join("usr/lib/tmpfiles.d/masked.conf"),
            "Z /srv 0777 - - -\n",
        )
        .unwrap();
        symlink("/dev/null", root.join("etc/tmpfiles.d/masked.conf")).unwrap();
        // Read in name order across the directories: a.conf, then z.conf.
        fs::write(root.join("run/tmpfiles.d/z.conf"), "z /srv/d 0705 - - -\n").unwrap();
        fs::write(
            root.join("usr/lib/tmpfiles.d/a.conf"),
            "z /srv/d 0770 - - -\nz /srv/%m 0711 - - -\nz /srv/d/sub/100%% 0600 - - -\n",
        )
        .unwrap();
    };
    side_by_side("search", setup, "", &[]);
}

#[test]
fn prefix_and_exclude_prefix_match() {
    let conf = "Z /srv/d 0700 - - -\nZ /srv/e 0700 - - -\nz /srv/h 0700 - - -\n";
    side_by_side(
        "prefix",
        make_tree,
        conf,
        &[
            "--prefix=/srv/d",
            "--prefix=/srv/e",
            "--exclude-prefix=/srv/e/x",
        ],
    );
}

#[test]
fn z_leaves_symlinks_alone_where_systemd_tmpfiles_chowns_them() {
    let (_, ours) = side_by_side("symlinks", make_tree, "Z /srv/d - 1000 1000 -\n", &[]);
    assert!(
        ours.contains("srv/d/f 104755 1000 1000"),
        "setuid kept through chown: {ours}"
    );
    let tmp = scratch();
    make_tree(tmp.path());
    let conf = tmp.path().join("z.conf");
    fs::write(&conf, "Z /srv/d - 1000 1000 -\n").unwrap();
    chk()
        .args(["tmpfiles", "-q", "--root"])
        .arg(tmp.path())
        .arg(&conf)
        .assert()
        .success();
    let link = fs::symlink_metadata(tmp.path().join("srv/d/lnk")).unwrap();
    assert_eq!((link.uid(), link.gid()), (0, 0));
    assert_eq!(fs::metadata("/etc").unwrap().uid(), 0);
}

#[test]
fn x_is_read_as_setfacl_reads_it_where_systemd_tmpfiles_252_ignores_the_line() {
    let tmp = scratch();
    make_tree(tmp.path());
    let conf = tmp.path().join("x.conf");
    fs::write(&conf, "A /srv/h - - - - u:1234:rwX\n").unwrap();
    let out = Command::new("systemd-tmpfiles")
        .arg("--create")
        .arg(format!("--root={}", tmp.path().display()))
        .arg(&conf)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Failed to parse ACL"),
        "{out:?}"
    );
    assert_eq!(
        getfacl(&tmp.path().join("srv/h")),
        "user::rwx,group::r-x,other::r-x"
    );
    chk()
        .args(["tmpfiles", "-q", "--root"])
        .arg(tmp.path())
        .arg(&conf)
        .assert()
        .success();
    assert_eq!(
        getfacl(&tmp.path().join("srv/h")),
        "user::rwx,user:1234:rwx,group::r-x,mask::rwx,other::r-x"
    );
    assert_eq!(
        getfacl(&tmp.path().join("srv/h/exe")),
        "user::rwx,user:1234:rwx,group::r-x,mask::rwx,other::r-x"
    );
}

#[test]
fn a_bad_line_names_file_and_line_and_nothing_is_changed() {
    let tmp = scratch();
    let root = tmp.path().join("root");
    make_tree(&root);
    let before = dump(&root);
    let conf = tmp.path().join("bad.conf");
    fs::write(
        &conf,
        "Z /srv 0700 - - -\nz /srv/d 0799 - - -\na /srv/e - - - - u:1234:rwq\n",
    )
    .unwrap();
    chk()
        .args(["tmpfiles", "--root"])
        .arg(&root)
        .arg(&conf)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(format!(
            "{}:2: bad mode `0799`",
            conf.display()
        )))
        .stderr(predicates::str::contains(format!(
            "{}:3: ACL entry `u:1234:rwq`: bad permissions `rwq`",
            conf.display()
        )));
    assert_eq!(dump(&root), before);
}

#[test]
fn dry_run_explain_json_backup_and_restore() {
    let tmp = scratch();
    let root_dir = tmp.path().join("root");
    make_tree(&root_dir);
    let before = dump(&root_dir);
    let conf = tmp.path().join("m.conf");
    fs::write(&conf, MIXED).unwrap();
    let root = root_dir.to_str().unwrap();
    let out = chk()
        .args(["tmpfiles", "-n", "--json", "--root", root])
        .arg(&conf)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("2 line(s) not handled, of types d L"),
        "{out:?}"
    );
    assert_eq!(dump(&root_dir), before);
    // --explain names the lines in the order they apply.
    let out = chk()
        .args(["tmpfiles", "--root", root, "--explain", "/srv/e/x/data"])
        .arg(&conf)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let at = |n: usize| {
        text.find(&format!("m.conf:{n} "))
            .unwrap_or_else(|| panic!("line {n}: {text}"))
    };
    assert!(at(8) < at(7) && at(7) < at(9), "{text}");
    assert!(text.contains("owner root (0) -> 2000"), "{text}");
    // Repair with a backup, then undo it exactly.
    let backup = tmp.path().join("undo");
    chk()
        .args(["tmpfiles", "-q", "--root", root, "--backup"])
        .arg(&backup)
        .arg(&conf)
        .assert()
        .success();
    assert_ne!(dump(&root_dir), before);
    chk()
        .args(["restore", "-q"])
        .arg(&backup)
        .assert()
        .success();
    assert_eq!(dump(&root_dir), before);
}

#[test]
fn a_racing_attacker_never_gets_an_outside_file_changed_through_a_line() {
    let tmp = scratch();
    let outside = tmp.path().join("outside");
    let secret_dir = outside.join("etc");
    fs::create_dir_all(&secret_dir).unwrap();
    let secret = outside.join("shadow");
    write(&secret, 0o600);
    write(&secret_dir.join("inner"), 0o600);
    let watched = [&secret, &secret_dir, &secret_dir.join("inner")];
    let state = |p: &Path| {
        let meta = fs::symlink_metadata(p).unwrap();
        (meta.uid(), meta.mode(), getfacl(p))
    };
    let before: Vec<_> = watched.iter().map(|p| state(p)).collect();
    let root = tmp.path().join("root");
    let tree = root.join("srv/tree");
    fs::create_dir_all(&tree).unwrap();
    for i in 0..1000 {
        write(&tree.join(format!("f{i}")), 0o644);
    }
    let conf = tmp.path().join("race.conf");
    fs::write(&conf, "Z /srv/tree 0640 4321 - -\nA+ /srv/tree - - - - u:1234:rwX,d:u:1234:rwX\nz /srv/tree/file 0666 - - -\nZ /srv/tree/dir 0666 - - -\n").unwrap();
    let attacker = swapping_attacker(&tree, &secret, &secret_dir);
    for _ in 0..25 {
        let out = chk()
            .args(["tmpfiles", "-q", "--root"])
            .arg(&root)
            .arg(&conf)
            .output()
            .unwrap();
        assert!(matches!(out.status.code(), Some(0 | 3)), "{out:?}");
    }
    let swaps = attacker.finish();
    assert!(swaps > 50, "the attacker raced ({swaps} swaps)");
    let after: Vec<_> = watched.iter().map(|p| state(p)).collect();
    assert_eq!(after, before);
    assert_eq!(fs::metadata(tree.join("f0")).unwrap().uid(), 4321);
}

#[test]
fn a_file_with_a_hard_link_elsewhere_is_left_alone() {
    let tmp = scratch();
    let root = tmp.path().join("root");
    make_tree(&root);
    // A link outside the tree a line names, as a user could plant one.
    let elsewhere = tmp.path().join("elsewhere");
    fs::hard_link(root.join("srv/h/exe"), &elsewhere).unwrap();
    let conf = tmp.path().join("l.conf");
    fs::write(&conf, "z /srv/h/exe 0600 - - -\nZ /srv/h 0700 - - -\n").unwrap();
    let out = chk()
        .args(["tmpfiles", "--root"])
        .arg(&root)
        .arg(&conf)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("hard-linked file with 2 links"), "{stderr}");
    assert_eq!(mode(&elsewhere), 0o755);
    assert_eq!(mode(&root.join("srv/h")), 0o700);
}
