//! The Ansible collection `adminkit.tools` (ansible/ansible_collections/)
//! run by Debian's real ansible-core against localhost (`-c local`), with
//! the freshly built debug binaries first on PATH.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tempfile::TempDir;

const ACL: &str = "u::rw@UX,g::r-@GX,o::---,g:users:rw@GX,m::rw@GX";

fn collections() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ansible")
}

/// The directory of the built binaries (chk, mojibake-fix, perlenv).
fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_chk"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// One playbook in a private ANSIBLE_HOME, so that parallel runs and the
/// admin's own ~/.ansible never meet.
struct Play {
    dir: TempDir,
}

impl Play {
    fn new() -> Play {
        Play {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn run(&self, tasks: &str, extra: &[&str]) -> Output {
        let book = self.dir.path().join("play.yml");
        let text = format!(
            "- hosts: localhost\n  gather_facts: false\n  tasks:\n{}",
            indent(tasks, "    ")
        );
        std::fs::write(&book, text).unwrap();
        let path = format!("{}:{}", bin_dir().display(), std::env::var("PATH").unwrap());
        Command::new("ansible-playbook")
            .args(["-c", "local", "-i", "localhost,"])
            .args(["-e", "ansible_python_interpreter=/usr/bin/python3"])
            .args(extra)
            .arg(&book)
            .env("PATH", path)
            .env("ANSIBLE_COLLECTIONS_PATH", collections())
            .env("ANSIBLE_HOME", self.dir.path().join("home"))
            .env("ANSIBLE_LOCAL_TEMP", self.dir.path().join("tmp"))
            .env("ANSIBLE_NOCOLOR", "1")
            .env("ANSIBLE_RETRY_FILES_ENABLED", "0")
            .output()
            .expect("ansible-playbook (Debian's ansible-core) must be installed")
    }
}

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|l| format!("{by}{l}\n")).collect()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `changed=N` and `failed=N` of the PLAY RECAP line for localhost.
fn recap(out: &Output) -> (u32, u32) {
    let text = stdout(out);
    let line = text
        .lines()
        .find(|l| l.starts_with("localhost") && l.contains("ok="))
        .unwrap_or_else(|| {
            panic!(
                "no recap in:\n{text}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let field = |name: &str| -> u32 {
        line.split_whitespace()
            .find_map(|f| f.strip_prefix(&format!("{name}=")))
            .unwrap()
            .parse()
            .unwrap()
    };
    (field("changed"), field("failed"))
}

fn getfacl(path: &Path) -> String {
    let out = Command::new("getfacl")
        .args(["-p", "-c"])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// A tree as an untar leaves it: modes from the author's umask, no ACLs.
fn drifted_tree() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(tree.join("src")).unwrap();
    std::fs::write(tree.join("src/build.sh"), "echo hi\n").unwrap();
    std::fs::write(tree.join("notes.txt"), "notes\n").unwrap();
    let chmod = |p: &str, m: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tree.join(p), std::fs::Permissions::from_mode(m)).unwrap()
    };
    chmod("src/build.sh", 0o755);
    chmod("notes.txt", 0o666);
    dir
}

fn chk_task(tree: &Path) -> String {
    format!(
        "- name: tree right\n  adminkit.tools.chk:\n    path: ['{}']\n    acl: '{ACL}'\n",
        tree.display()
    )
}

#[test]
fn chk_check_mode_reports_and_changes_nothing_then_repairs_once() {
    let dir = drifted_tree();
    let tree = dir.path().join("tree");
    let play = Play::new();
    let task = chk_task(&tree);
    let before = getfacl(&tree.join("notes.txt"));

    let check = play.run(&task, &["--check"]);
    assert_eq!(recap(&check), (1, 0), "{}", stdout(&check));
    assert_eq!(
        getfacl(&tree.join("notes.txt")),
        before,
        "check mode changed the tree"
    );
    assert!(!before.contains("group:users:"));

    let real = play.run(&task, &[]);
    assert_eq!(recap(&real), (1, 0), "{}", stdout(&real));
    let after = getfacl(&tree.join("notes.txt"));
    assert!(after.contains("group:users:rw-"), "{after}");
    assert!(after.contains("other::---"), "{after}");
    assert!(getfacl(&tree.join("src/build.sh")).contains("group:users:rwx"));

    let again = play.run(&task, &[]);
    assert_eq!(recap(&again), (0, 0), "second run: {}", stdout(&again));
}

#[test]
fn chk_diff_shows_current_and_wanted_of_each_entry_capped() {
    let dir = drifted_tree();
    let tree = dir.path().join("tree");
    let play = Play::new();
    let task = format!("{}    diff_limit: 1\n", chk_task(&tree));
    let out = play.run(&task, &["--check", "--diff"]);
    assert_eq!(recap(&out), (1, 0), "{}", stdout(&out));
    let text = stdout(&out);
    // The unified diff of the first entry (the tree's root): its mode and
    // its ACLs, current against wanted, and a note for the rest.
    assert!(text.contains("--- before: current"), "{text}");
    assert!(text.contains("+++ after: wanted"), "{text}");
    let root = tree.display().to_string();
    assert!(
        text.lines()
            .any(|l| l.starts_with(&format!("+{root}: access ACL: u::rwx,g::r-x,g:users:rwx"))),
        "{text}"
    );
    assert!(
        text.contains("... and 3 more entries (diff_limit=1)"),
        "{text}"
    );
    assert!(!text.contains("notes.txt: mode"), "diff not capped: {text}");
}

#[test]
fn chk_bad_option_fails_with_ansibles_message() {
    let play = Play::new();
    let out = play.run(
        "- adminkit.tools.chk:\n    path: ['/srv']\n    acl: NOACL\n    recurse: true\n",
        &[],
    );
    assert_eq!(recap(&out).1, 1);
    let text = stdout(&out);
    assert!(
        text.contains("Unsupported parameters for (adminkit.tools.chk) module: recurse"),
        "{text}"
    );

    let both = play.run(
        "- adminkit.tools.chk:\n    group: [a]\n    user: [b]\n",
        &[],
    );
    assert!(
        stdout(&both).contains("parameters are mutually exclusive: group|user|path"),
        "{}",
        stdout(&both)
    );
}

#[test]
fn chk_failure_carries_chks_message() {
    let dir = tempfile::tempdir().unwrap();
    let play = Play::new();
    let task = format!(
        "- adminkit.tools.chk:\n    path: ['{}']\n    rules: '{}'\n",
        dir.path().display(),
        dir.path().join("missing.rules").display()
    );
    let out = play.run(&task, &[]);
    assert_eq!(recap(&out).1, 1);
    let text = stdout(&out);
    assert!(
        text.contains("chk: cannot read rule file") && text.contains("missing.rules"),
        "{text}"
    );
}

#[test]
fn ansible_doc_documents_every_module() {
    let home = tempfile::tempdir().unwrap();
    for (module, options) in [
        (
            "chk",
            &[
                "group",
                "user",
                "path",
                "rules",
                "acl",
                "config",
                "backup",
                "diff_limit",
            ][..],
        ),
        ("mojibake_fix", &["path", "recurse", "journal"][..]),
        (
            "perlenv",
            &["path", "state", "modules", "from", "cpanfile"][..],
        ),
    ] {
        let out = Command::new("ansible-doc")
            .arg(format!("adminkit.tools.{module}"))
            .env("ANSIBLE_COLLECTIONS_PATH", collections())
            .env("ANSIBLE_HOME", home.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = stdout(&out);
        for word in options.iter().chain(&["EXAMPLES", "RETURN VALUES"]) {
            assert!(
                text.contains(&format!("- {word}")) || text.contains(word),
                "{module}: {word} missing in:\n{text}"
            );
        }
    }
}

#[test]
fn mojibake_fix_check_mode_then_journaled_renames_then_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("share");
    std::fs::create_dir_all(tree.join("Ã‰tÃ©")).unwrap();
    std::fs::write(tree.join("Ã‰tÃ©/cafÃ©.txt"), "x").unwrap();
    let journal = dir.path().join("names.journal");
    let task = format!(
        "- adminkit.tools.mojibake_fix:\n    path: ['{}']\n    recurse: true\n    journal: '{}'\n",
        tree.display(),
        journal.display()
    );
    let play = Play::new();

    let check = play.run(&task, &["--check", "--diff"]);
    assert_eq!(recap(&check), (1, 0), "{}", stdout(&check));
    assert!(
        stdout(&check).contains("+++ after: names"),
        "{}",
        stdout(&check)
    );
    assert!(tree.join("Ã‰tÃ©/cafÃ©.txt").exists(), "check mode renamed");
    assert!(!journal.exists());

    let real = play.run(&task, &[]);
    assert_eq!(recap(&real), (1, 0), "{}", stdout(&real));
    assert!(tree.join("Été/café.txt").exists(), "{}", stdout(&real));
    assert!(journal.exists(), "no journal");

    let again = play.run(&task, &[]);
    assert_eq!(recap(&again), (0, 0), "{}", stdout(&again));

    let bad = play.run(
        "- adminkit.tools.mojibake_fix:\n    path: [/srv]\n    recursive: true\n",
        &[],
    );
    assert!(
        stdout(&bad)
            .contains("Unsupported parameters for (adminkit.tools.mojibake_fix) module: recursive"),
        "{}",
        stdout(&bad)
    );
}

fn perlenv_modules(env: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_perlenv"))
        .arg("list")
        .arg(env)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn perlenv_creates_and_installs_offline_once() {
    let dir = tempfile::tempdir().unwrap();
    let vendor = dir.path().join("vendor");
    std::fs::create_dir(&vendor).unwrap();
    testkit::fleet::perl_dist_tarball(&vendor, "Ansible::Test::Dist");
    let env = dir.path().join("app-perl");
    let task = format!(
        "- adminkit.tools.perlenv:\n    path: '{}'\n    modules: [Ansible::Test::Dist]\n    from: ['{}']\n",
        env.display(),
        vendor.display()
    );
    let play = Play::new();

    let check = play.run(&task, &["--check"]);
    assert_eq!(recap(&check), (1, 0), "{}", stdout(&check));
    assert!(!env.exists(), "check mode created the environment");

    let real = play.run(&task, &[]);
    assert_eq!(recap(&real), (1, 0), "{}", stdout(&real));
    assert!(
        perlenv_modules(&env).contains("Ansible::Test::Dist 0.01"),
        "{}",
        stdout(&real)
    );

    let again = play.run(&task, &[]);
    assert_eq!(recap(&again), (0, 0), "{}", stdout(&again));

    let bad = play.run(
        &format!(
            "- adminkit.tools.perlenv:\n    path: '{}'\n    state: absent\n",
            env.display()
        ),
        &[],
    );
    assert!(
        stdout(&bad).contains("value of state must be one of: present, got: absent"),
        "{}",
        stdout(&bad)
    );
}
