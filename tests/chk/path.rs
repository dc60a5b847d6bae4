//! `chk path` against real files, ACLs set and read back with setfacl/getfacl.

use predicates::prelude::*;
use std::fs;
use testkit::chk::*;

const SHARED: &str = "u::rw@UX,g::---,o::---,g:users:rw@GX,m::rw@GX";

#[test]
fn acl_rule_keeps_executables_executable_and_sets_default_acls() {
    let tmp = scratch();
    let root = tmp.path();
    fs::create_dir_all(root.join("src/sub")).unwrap();
    write(&root.join("src/script.sh"), 0o755);
    write(&root.join("src/data.txt"), 0o644);
    write(&root.join("src/sub/setuid"), 0o4755);

    chk()
        .args(["path", "--acl", SHARED])
        .arg(root)
        .assert()
        .success();

    assert_eq!(
        getfacl(&root.join("src/script.sh")),
        "user::rwx,group::---,group:100:rwx,mask::rwx,other::---"
    );
    assert_eq!(
        getfacl(&root.join("src/data.txt")),
        "user::rw-,group::---,group:100:rw-,mask::rw-,other::---"
    );
    assert_eq!(
        mode(&root.join("src/sub/setuid")),
        0o770,
        "setuid cleared, still executable"
    );
    let dir_acl = "user::rwx,group::---,group:100:rwx,mask::rwx,other::---";
    let default = "default:user::rwx,default:group::---,default:group:100:rwx,default:mask::rwx,default:other::---";
    assert_eq!(
        getfacl(&root.join("src/sub")),
        format!("{dir_acl},{default}")
    );
    assert_eq!(getfacl(root), format!("{dir_acl},{default}"));
}

#[test]
fn acls_set_by_setfacl_are_read_and_a_matching_one_is_left_alone() {
    let tmp = scratch();
    let root = tmp.path();
    let file = root.join("f");
    write(&file, 0o600);
    // What a new file inherits from the default ACL: g:users:rwx under
    // mask rw- is effectively rw-, which is what the rule wants.
    setfacl(&["--set", "u::rw-,g::---,o::---,g:users:rwx,m::rw-"], &file);
    setfacl(&["-m", "u::rwx,g::---,o::---,g:users:rwx,m::rwx"], root);
    setfacl(
        &["-d", "-m", "u::rwx,g::---,o::---,g:users:rwx,m::rwx"],
        root,
    );
    let out = chk()
        .args(["path", "--json", "--acl", SHARED])
        .arg(root)
        .assert()
        .success();
    let s = summary(&out.get_output().stdout);
    assert_eq!(s["checked"], 2);
    assert_eq!(s["changed_entries"], 0, "{s}");
    // Not rewritten: the entry still says rwx (getfacl: #effective:rw-).
    assert_eq!(
        getfacl(&file),
        "user::rw-,group::---,group:100:rwx,mask::rw-,other::---"
    );
}

#[test]
fn noacl_and_private_subtrees() {
    let tmp = scratch();
    let root = tmp.path();
    for dir in ["pub/deep", "secret/deep"] {
        fs::create_dir_all(root.join(dir)).unwrap();
    }
    for dir in ["pub", "secret"] {
        write(&root.join(dir).join("tool"), 0o4751);
        write(&root.join(dir).join("deep/text"), 0o666);
        setfacl(&["-m", "g:users:rw-"], &root.join(dir).join("deep/text"));
        setfacl(&["-d", "-m", "g:users:rwx"], &root.join(dir).join("deep"));
    }
    let rules = root.join("rules");
    fs::write(
        &rules,
        format!("~\t{SHARED}\npub\tNOACL\nsecret  private\n"),
    )
    .unwrap();
    chk()
        .args(["path", "--rules"])
        .arg(&rules)
        .arg(root)
        .assert()
        .success();

    assert_eq!(mode(&root.join("pub")), 0o755);
    assert_eq!(
        mode(&root.join("pub/tool")),
        0o755,
        "exec bits kept, setuid cleared"
    );
    assert_eq!(mode(&root.join("pub/deep/text")), 0o644);
    assert_eq!(
        getfacl(&root.join("pub/deep/text")),
        "user::rw-,group::r--,other::r--"
    );
    assert_eq!(
        getfacl(&root.join("pub/deep")),
        "user::rwx,group::r-x,other::r-x",
        "default ACL removed"
    );
    assert_eq!(mode(&root.join("secret")), 0o700);
    assert_eq!(mode(&root.join("secret/tool")), 0o700);
    assert_eq!(mode(&root.join("secret/deep")), 0o700);
    assert_eq!(
        getfacl(&root.join("secret/deep/text")),
        "user::rw-,group::---,other::---"
    );
    // The rules file itself is under ~, an ACL rule.
    assert_eq!(
        getfacl(&rules),
        "user::rw-,group::---,group:100:rw-,mask::rw-,other::---"
    );
}

#[test]
fn a_repaired_tree_needs_no_change_and_dry_run_reports_differences() {
    let tmp = scratch();
    let root = tmp.path();
    fs::create_dir_all(root.join("a/b")).unwrap();
    write(&root.join("a/x"), 0o755);
    write(&root.join("a/b/y"), 0o640);

    // Dry run on a tree that differs: exit 1, lists, changes nothing.
    chk()
        .args(["path", "-n", "--acl", SHARED])
        .arg(root)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "/a/b/y: access ACL: none -> u::rw-,g::---,g:users:rw-,m::rw-,o::---",
        ));
    assert_eq!(
        getfacl(&root.join("a/b/y")),
        "user::rw-,group::r--,other::---"
    );

    let out = chk()
        .args(["path", "--json", "--acl", SHARED])
        .arg(root)
        .assert()
        .success();
    let first = summary(&out.get_output().stdout);
    assert_eq!(first["changed_entries"], 5);
    assert_eq!(first["kinds"]["default_acl"], 3);

    let out = chk()
        .args(["path", "--json", "--acl", SHARED])
        .arg(root)
        .assert()
        .success();
    let second = summary(&out.get_output().stdout);
    assert_eq!(second["checked"], 5);
    assert_eq!(second["changed_entries"], 0);
    chk()
        .args(["path", "-n", "--acl", SHARED])
        .arg(root)
        .assert()
        .code(0);
    // And a third run makes no write system call at all, while a run
    // that changes something shows its writes in the same trace.
    assert_eq!(traced_writes(root, SHARED), "");
    let writes = traced_writes(root, "NOACL");
    // Files go through their O_PATH descriptor's magic link: removexattrat
    // (0x1d2) below /proc/self/fd and fchmodat2 (0x1c4), which this strace
    // shows by number; directories through their own descriptor.
    assert!(writes.contains("syscall_0x1d2("), "{writes}");
    assert!(writes.contains("syscall_0x1c4("), "{writes}");
    assert!(writes.contains("fremovexattr("), "{writes}");
    assert!(writes.contains("fchmod("), "{writes}");
}

/// The write system calls (ownership, mode, xattr) of one `chk path` run.
fn traced_writes(root: &std::path::Path, acl: &str) -> String {
    let trace = tempfile::NamedTempFile::new().unwrap();
    let writes = "trace=chown,fchown,lchown,fchownat,chmod,fchmod,fchmodat,\
                  setxattr,lsetxattr,fsetxattr,removexattr,lremovexattr,fremovexattr";
    let status = std::process::Command::new("strace")
        .args(["-f", "-qq", "-e", writes, "-o"])
        .arg(trace.path())
        .arg(assert_cmd::cargo::cargo_bin("chk"))
        .args(["path", "-q", "--acl", acl])
        .arg(root)
        .status()
        .unwrap();
    assert!(status.success());
    // This strace does not know getxattrat (a read, number 0x1d0) nor the
    // writes setxattrat, removexattrat and fchmodat2, and shows them
    // whatever the filter (the reads are dropped here); nor can it name the call a worker
    // thread was blocked in when the process exited (`???() = ?`), which it
    // also shows whatever the filter.
    let trace = fs::read_to_string(trace.path()).unwrap();
    trace
        .lines()
        .filter(|l| !l.contains("syscall_0x1d0(") && !l.contains(" ???("))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn ownership_is_kept_unless_asked() {
    let tmp = scratch();
    let root = tmp.path();
    write(&root.join("f"), 0o644);
    std::os::unix::fs::chown(root.join("f"), Some(1), Some(1)).unwrap();
    chk()
        .args(["path", "--acl", "NOACL"])
        .arg(root)
        .assert()
        .success();
    assert_eq!(owner_and_group(&root.join("f")), (1, 1));
    chk()
        .args([
            "path", "--acl", "NOACL", "--owner", "nobody", "--group", "users",
        ])
        .arg(root)
        .assert()
        .success();
    assert_eq!(owner_and_group(&root.join("f")), (65534, 100));
    chk()
        .args(["path", "--acl", "NOACL", "--owner", "no-such-user-here"])
        .arg(root)
        .assert()
        .code(2)
        .stderr("chk: no such user `no-such-user-here`\n");
}

#[test]
/// The backup stays in getfacl's format (chk's extra lines are comments):
/// on a quiet tree that no user can write, setfacl reads it too.
fn backup_is_in_getfacl_format_for_a_quiet_tree() {
    let tmp = scratch();
    let root = tmp.path().join("tree with space");
    fs::create_dir_all(root.join("d")).unwrap();
    write(&root.join("d/f"), 0o4750);
    std::os::unix::fs::chown(root.join("d/f"), Some(1), Some(1)).unwrap();
    setfacl(&["-m", "u:daemon:r-x"], &root.join("d/f"));
    setfacl(&["-d", "-m", "g:users:r-x"], &root.join("d"));
    let before: Vec<String> = ["", "d", "d/f"]
        .iter()
        .map(|p| getfacl_full(&root.join(p)))
        .collect();

    let backup = tmp.path().join("undo");
    chk()
        .args([
            "path", "--owner", "root", "--group", "users", "--acl", SHARED, "--backup",
        ])
        .arg(&backup)
        .arg(&root)
        .assert()
        .success();
    assert_ne!(getfacl_full(&root.join("d/f")), before[2]);

    let status = std::process::Command::new("setfacl")
        .arg(format!("--restore={}", backup.display()))
        .status()
        .unwrap();
    assert!(status.success());
    let after: Vec<String> = ["", "d", "d/f"]
        .iter()
        .map(|p| getfacl_full(&root.join(p)))
        .collect();
    assert_eq!(after, before);
}

/// getfacl with owner, group and flags lines, the exact previous state.
fn getfacl_full(path: &std::path::Path) -> String {
    let out = std::process::Command::new("getfacl")
        .args(["-n", "-p"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn json_lists_each_change() {
    let tmp = scratch();
    write(&tmp.path().join("f"), 0o600);
    let out = chk()
        .args(["path", "--json", "--acl", "PRIVATE", "-n"])
        .arg(tmp.path())
        .assert()
        .code(1);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["change"], "mode");
    assert_eq!(first["from"], format!("{:04o}", mode(tmp.path())));
    assert_eq!(first["to"], "0700");
    assert_eq!(first["done"], false);
}

/// `chattr +i` on a file, undone on drop even when the test fails, so
/// that the scratch directory can be removed.
struct Immutable(std::path::PathBuf);

impl Immutable {
    fn set(path: &std::path::Path) -> Immutable {
        let guard = Immutable(path.to_path_buf());
        let status = std::process::Command::new("chattr")
            .arg("+i")
            .arg(path)
            .status()
            .unwrap();
        assert!(status.success());
        guard
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
    }
}

#[test]
fn an_entry_that_cannot_be_changed_is_reported_and_the_walk_goes_on() {
    let tmp = scratch();
    let root = tmp.path();
    write(&root.join("stuck"), 0o644);
    write(&root.join("other"), 0o644);
    let _immutable = Immutable::set(&root.join("stuck"));
    let out = chk()
        .args(["path", "--acl", "PRIVATE"])
        .arg(root)
        .assert()
        .code(3);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("/stuck': writing the ACL: Operation not permitted")
            || stderr.contains("/stuck': changing the mode: Operation not permitted"),
        "{stderr}"
    );
    assert_eq!(mode(&root.join("other")), 0o600);
}

#[test]
fn a_bad_target_is_reported_and_the_others_still_run() {
    let tmp = scratch();
    let good = tmp.path().join("good");
    fs::create_dir(&good).unwrap();
    write(&good.join("f"), 0o644);
    std::os::unix::fs::symlink(&good, tmp.path().join("link")).unwrap();
    let out = chk()
        .args(["path", "--acl", "PRIVATE"])
        .arg(tmp.path().join("missing"))
        .arg(tmp.path().join("link"))
        .arg(&good)
        .assert()
        .code(3);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains(
            "/missing': opening the target (it must be a directory, not a symlink): No such file or directory\n"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("/link': opening the target"), "{stderr}");
    assert!(!stderr.contains("os error"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.contains("total: 2 checked, 2 changed"), "{stdout}");
    assert_eq!(mode(&good.join("f")), 0o600);
}

#[test]
fn globs_and_contents_rules_govern_their_subtrees() {
    let tmp = scratch();
    let root = tmp.path();
    for dir in ["web/lib/node_modules/pkg", "docs/api"] {
        fs::create_dir_all(root.join(dir)).unwrap();
    }
    write(&root.join("web/lib/node_modules/pkg/index.js"), 0o640);
    write(&root.join("web/run.sh"), 0o700);
    write(&root.join("docs/api/page.html"), 0o600);
    let rules = root.join("rules");
    fs::write(
        &rules,
        format!(
            "~\t{SHARED}\n**/node_modules\tNOACL\n*.sh\tPRIVATE\nweb/*.sh\tNOACL\ndocs/\tprivate\n"
        ),
    )
    .unwrap();
    chk()
        .args(["path", "-q", "--rules"])
        .arg(&rules)
        .arg(root)
        .assert()
        .success();
    // Deeper and exact beat shallower and glob.
    assert_eq!(
        getfacl(&root.join("web/lib/node_modules/pkg/index.js")),
        "user::rw-,group::r--,other::r--"
    );
    assert_eq!(mode(&root.join("web/lib/node_modules")), 0o755);
    assert_eq!(
        getfacl(&root.join("web/run.sh")),
        "user::rwx,group::r--,other::r--"
    );
    assert_eq!(
        getfacl(&root.join("web/lib")),
        "user::rwx,group::---,group:100:rwx,mask::rwx,other::---,\
         default:user::rwx,default:group::---,default:group:100:rwx,default:mask::rwx,default:other::---"
    );
    // `docs/` governs what is below docs; docs itself keeps the rule above.
    assert_eq!(mode(&root.join("docs/api")), 0o700);
    assert_eq!(mode(&root.join("docs/api/page.html")), 0o600);
    assert!(getfacl(&root.join("docs")).contains("group:100:rwx"));
}

#[test]
fn verbose_lists_changes_and_json_totals_several_targets() {
    let tmp = scratch();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for dir in [&a, &b] {
        fs::create_dir(dir).unwrap();
        write(&dir.join("f"), 0o644);
    }
    chk()
        .args(["path", "-v", "--acl", "PRIVATE"])
        .arg(&a)
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "{}: mode: 0644 -> 0600\n",
            a.join("f").display()
        )));
    let out = chk()
        .args(["path", "--json", "--acl", "NOACL"])
        .arg(&a)
        .arg(&b)
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    // The total comes just before the result envelope.
    let lines: Vec<&str> = text.lines().collect();
    let total: serde_json::Value = serde_json::from_str(lines[lines.len() - 2]).unwrap();
    assert_eq!(total["total"]["checked"], 4);
    assert_eq!(
        total["total"]["changed_entries"], 2,
        "a and a/f; b already is 0755 / 0644"
    );
    // Without -v, a repair prints only its summary, and what it says of
    // the entries: a 0600 file that NOACL makes 0644 is opened to others.
    write(&b.join("g"), 0o600);
    chk()
        .args(["path", "--acl", "NOACL"])
        .arg(&b)
        .assert()
        .success()
        .stdout(format!(
            "{b}: 3 checked, 1 changed (owner 0, group 0, mode 1, access ACL 0, default ACL 0), \
             skipped: symlink 0, special 0, other filesystem 0, hard link 0, ignored 0; 0 errors\n\
             {b}: widened: 1 owner-only entries opened to others (listed with -n or -v; \
             --keep-private or keep_private = true keeps them owner-only)\n",
            b = b.display()
        ));
}

/// The (uid, gid) of a file, read back from the kernel.
fn owner_and_group(path: &std::path::Path) -> (u32, u32) {
    use std::os::unix::fs::MetadataExt;
    let meta = fs::metadata(path).unwrap();
    (meta.uid(), meta.gid())
}

#[test]
fn a_mask_only_acl_gives_the_owning_group_only_its_own_rights() {
    let tmp = scratch();
    let root = tmp.path();
    set_mode(root, 0o700);
    write(&root.join("plain"), 0o644);
    // A stored ACL of a lone mask: the mode shows the mask's rw in the group bits.
    write(&root.join("masked"), 0o600);
    setfacl(&["-m", "m::rw-"], &root.join("masked"));
    assert_eq!(mode(&root.join("masked")), 0o660);
    let spec = "u::rw@UX,g::---,o::---,m::rw@GX";

    let out = chk()
        .args(["path", "-n", "--acl", spec])
        .arg(root)
        .assert()
        .code(1);
    let listing = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(listing.contains("/plain: mode: 0644 -> 0600"), "{listing}");
    assert!(
        listing.contains("/masked: access ACL: u::rw-,g::---,m::rw-,o::--- -> none"),
        "{listing}"
    );
    assert!(listing.contains("/masked: mode: 0660 -> 0600"), "{listing}");

    chk()
        .args(["path", "-q", "--acl", spec])
        .arg(root)
        .assert()
        .success();
    for name in ["plain", "masked"] {
        assert_eq!(
            getfacl(&root.join(name)),
            "user::rw-,group::---,other::---",
            "{name}"
        );
        assert_eq!(mode(&root.join(name)), 0o600, "{name}");
    }
    chk()
        .args(["path", "-n", "--acl", spec])
        .arg(root)
        .assert()
        .code(0);
}

#[test]
fn noacl_keeps_the_group_execute_bit_of_g_not_of_the_mask() {
    let tmp = scratch();
    let file = tmp.path().join("f");
    write(&file, 0o644);
    // The named entry raises the mask to rwx: the mode reads 0674.
    setfacl(&["-m", "u:nobody:rwx"], &file);
    assert_eq!(mode(&file), 0o674);
    let out = chk()
        .args(["path", "-n", "--acl", "NOACL"])
        .arg(tmp.path())
        .assert()
        .code(1);
    let listing = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(listing.contains("/f: mode: 0674 -> 0644"), "{listing}");
    chk()
        .args(["path", "-q", "--acl", "NOACL"])
        .arg(tmp.path())
        .assert()
        .success();
    assert_eq!(getfacl(&file), "user::rw-,group::r--,other::r--");
    assert_eq!(mode(&file), 0o644);
}

/// `chk ... | head -3` under `pipefail`: chk's own exit status and what
/// head printed.
fn chk_into_head(args: &str, root: &std::path::Path) -> (Option<i32>, String) {
    let script = format!(
        "set -o pipefail; '{}' {args} '{}' | head -3",
        assert_cmd::cargo::cargo_bin("chk").display(),
        root.display()
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(script)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into(),
    )
}

#[test]
fn a_repair_whose_reader_goes_away_finishes_and_tells_the_truth() {
    let tmp = scratch();
    let root = tmp.path();
    fs::create_dir(root.join("sub")).unwrap();
    // Far more listing than a pipe holds (64 KiB): the writes must fail.
    for i in 0..3000 {
        write(&root.join(format!("file-{i:04}")), 0o644);
        write(&root.join(format!("sub/file-{i:04}")), 0o644);
    }
    let (code, head) = chk_into_head("path -v --acl PRIVATE", root);
    assert_eq!(head.lines().count(), 3, "{head}");
    assert_eq!(code, Some(0));
    for i in 0..3000 {
        assert_eq!(mode(&root.join(format!("file-{i:04}"))), 0o600);
        assert_eq!(mode(&root.join(format!("sub/file-{i:04}"))), 0o600);
    }
    assert_eq!(mode(&root.join("sub")), 0o700);
    chk()
        .args(["path", "-n", "--acl", "PRIVATE"])
        .arg(root)
        .assert()
        .code(0);

    // The same with JSON, and an entry that cannot be changed: exit 3.
    let _immutable = Immutable::set(&root.join("sub/file-0000"));
    let (code, head) = chk_into_head("path --json --acl NOACL", root);
    assert_eq!(head.lines().count(), 3, "{head}");
    assert_eq!(code, Some(3));
    assert_eq!(mode(&root.join("sub/file-2999")), 0o644);
    assert_eq!(mode(&root.join("file-1234")), 0o644);

    // A dry run is only a listing: it may end quietly.
    let (code, _) = chk_into_head("path -n --acl PRIVATE", root);
    assert!(matches!(code, Some(0 | 1)), "{code:?}");
}

/// One spelling of every JSON key: each count of the per-target summary
/// is in the result envelope under the same key, with the same value (one
/// target), and the envelope's common keys are those of every tool.
#[test]
fn the_summary_and_the_envelope_spell_every_key_alike() {
    let tmp = scratch();
    let root = tmp.path();
    std::fs::create_dir(root.join("sub")).unwrap();
    write(&root.join("sub/f"), 0o644);
    let out = chk()
        .args(["path", "--json", "-n", "--acl", SHARED])
        .arg(root)
        .assert()
        .code(1);
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.get_output().stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let envelope = lines.last().unwrap();
    let target = summary(&out.get_output().stdout);
    let keys = target.as_object().unwrap();
    for key in ["checked", "changed_entries", "errors", "kinds", "skipped"] {
        assert!(keys.contains_key(key), "{key} in {target}");
    }
    for (key, value) in keys {
        assert_eq!(&envelope[key], value, "{key}: {target} vs {envelope}");
    }
    assert_eq!(envelope["changed_entries"], 3);
    assert_eq!(envelope["kinds"]["access_acl"], 3);
}

/// A build or cache directory with loose modes and ACLs of its own.
fn planted(dir: &std::path::Path) {
    std::fs::create_dir_all(dir.join("obj/deep")).unwrap();
    write(&dir.join("obj/a.o"), 0o666);
    write(&dir.join("obj/deep/b.o"), 0o4755);
    setfacl(&["-m", "u:nobody:rwx"], &dir.join("obj/a.o"));
    set_mode(&dir.join("obj"), 0o777);
}

/// `--exclude GLOB` (repeatable, relative to the root, the rule files'
/// globs) and the rule keyword IGNORE: the entry and all below it are
/// neither checked nor changed, to the ctime, and counted as ignored.
#[test]
fn excluded_and_ignored_trees_are_left_byte_for_byte() {
    let tmp = scratch();
    let root = tmp.path().join("webapp");
    std::fs::create_dir(&root).unwrap();
    write(&root.join("index.php"), 0o644);
    planted(&root.join("build"));
    planted(&root.join("src/lib/node_modules"));
    planted(&root.join("cache"));
    let untouched = ["build", "src/lib/node_modules", "cache"];
    let before: Vec<String> = untouched
        .iter()
        .map(|d| fingerprint(&root.join(d)))
        .collect();

    let rules = tmp.path().join("webapp.rules");
    std::fs::write(&rules, format!("~\t{SHARED}\ncache\tIGNORE\n")).unwrap();
    let out = chk()
        .args(["path", "--json", "--rules"])
        .arg(&rules)
        .args(["--exclude", "build", "--exclude", "**/node_modules"])
        .arg(&root)
        .assert()
        .success();
    let s = summary(&out.get_output().stdout);
    assert_eq!(s["skipped"]["ignored"], 3, "{s}");
    assert_eq!(s["errors"], 0);
    let after: Vec<String> = untouched
        .iter()
        .map(|d| fingerprint(&root.join(d)))
        .collect();
    assert_eq!(after, before);
    // What is not excluded was repaired.
    assert!(getfacl(&root.join("index.php")).contains("group:100:rw-"));
    assert!(getfacl(&root.join("src/lib")).contains("group:100:rwx"));
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let record = format!(
        "\"path\":\"{}\",\"skipped\":\"ignored\"",
        root.join("build").display()
    );
    assert!(text.contains(&record), "{text}");
    // The human summary counts them; a dry run agrees nothing else is left.
    chk()
        .args(["path", "-n", "--rules"])
        .arg(&rules)
        .args(["--exclude", "build", "--exclude", "**/node_modules"])
        .arg(&root)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("hard link 0, ignored 3; 0 errors"));
    // `X/` leaves X itself to its rule and ignores what is below it.
    let below = fingerprint(&root.join("cache/obj"));
    chk()
        .args(["path", "-q", "--acl", SHARED, "--exclude", "cache/"])
        .arg(&root)
        .assert()
        .success();
    assert!(getfacl(&root.join("cache")).contains("group:100:rwx"));
    assert_eq!(fingerprint(&root.join("cache/obj")), below);
}

#[test]
fn a_bad_exclude_is_a_usage_error() {
    let tmp = scratch();
    chk()
        .args(["path", "--acl", SHARED, "--exclude", "/etc"])
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--exclude /etc: absolute path `/etc` refused",
        ));
}
