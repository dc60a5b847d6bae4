//! adminkit across a fleet: every tool's `--json` ends with the one result
//! envelope, `--nagios` gives each plugin status, and chk's nightly state
//! reaches the real Debian NSCA daemon through the README's crontab line.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use testkit::chk::{ModelGroups, Site, TempGroup, TempUser, serial};

const ACL: &str = "u::rw@UX,g::r-@GX,o::---,g:users:rw@GX,m::rw@GX";

fn tool(name: &str, args: &[&str]) -> Output {
    let program = match name {
        "chk" => env!("CARGO_BIN_EXE_chk"),
        "mojibake-fix" => env!("CARGO_BIN_EXE_mojibake-fix"),
        "perlenv" => env!("CARGO_BIN_EXE_perlenv"),
        _ => unreachable!(),
    };
    Command::new(program).args(args).output().unwrap()
}

/// The last line of stdout, checked against the envelope: every common key
/// with its type, `changed`/`failed` agreeing with the counts. Returns it.
fn envelope(out: &Output, tool: &str) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().unwrap_or_else(|| {
        panic!(
            "no output; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let value: Value = serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {last}"));
    assert_eq!(value["tool"], tool, "{last}");
    for key in ["checked", "changed_entries", "errors"] {
        assert!(value[key].is_u64(), "{key} in {last}");
    }
    assert!(value["msg"].is_string(), "{last}");
    assert_eq!(
        value["changed"].as_bool().unwrap(),
        value["changed_entries"].as_u64().unwrap() > 0,
        "{last}"
    );
    assert!(value["failed"].is_boolean(), "{last}");
    // Every line before it is a JSON object too (the tool's records).
    for line in text.lines() {
        serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
    value
}

fn drifted_tree(dir: &Path) -> String {
    let tree = dir.join("tree");
    std::fs::create_dir_all(tree.join("sub")).unwrap();
    std::fs::write(tree.join("sub/f"), "x").unwrap();
    tree.display().to_string()
}

#[test]
fn chk_path_envelope_dry_run_real_run_and_clean() {
    let dir = tempfile::tempdir().unwrap();
    let tree = drifted_tree(dir.path());
    let dry = envelope(
        &tool("chk", &["path", &tree, "--acl", ACL, "-n", "--json"]),
        "chk",
    );
    assert_eq!(
        (dry["changed"].as_bool(), dry["checked"].as_u64()),
        (Some(true), Some(3))
    );
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["kinds"]["access_acl"], 3);
    let real = envelope(
        &tool("chk", &["path", &tree, "--acl", ACL, "--json"]),
        "chk",
    );
    assert_eq!(real["changed_entries"], dry["changed_entries"]);
    assert_eq!(real["dry_run"], false);
    let clean = envelope(
        &tool("chk", &["path", &tree, "--acl", ACL, "--json"]),
        "chk",
    );
    assert_eq!(
        (clean["changed"].as_bool(), clean["failed"].as_bool()),
        (Some(false), Some(false))
    );
}

#[test]
fn chk_errors_make_a_failed_envelope() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing").display().to_string();
    let out = tool("chk", &["path", &missing, "--acl", ACL, "--json"]);
    assert_eq!(out.status.code(), Some(3));
    let value = envelope(&out, "chk");
    assert_eq!(
        (value["failed"].as_bool(), value["errors"].as_u64()),
        (Some(true), Some(1))
    );
}

#[test]
fn chk_group_and_user_envelopes() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let site = Site::new("");
    let group = TempGroup::new("fle");
    std::fs::create_dir(site.groups_root().join(&group.name)).unwrap();
    let out = site
        .chk(&["group", &group.name, "-n", "--json"])
        .output()
        .unwrap();
    let value = envelope(&out, "chk");
    assert_eq!(
        (value["targets"].as_u64(), value["changed"].as_bool()),
        (Some(1), Some(true))
    );
    assert!(
        value["msg"]
            .as_str()
            .unwrap()
            .starts_with(&format!("group {}:", group.name))
    );

    let user = TempUser::new("flu", &site.homes());
    let out = site.chk(&["user", &user.name, "--json"]).output().unwrap();
    let value = envelope(&out, "chk");
    assert!(
        value["msg"]
            .as_str()
            .unwrap()
            .starts_with(&format!("user {}:", user.name)),
        "{value}"
    );
}

#[test]
fn mojibake_fix_names_and_check_envelopes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cafÃ©"), "").unwrap();
    let root = dir.path().display().to_string();
    let dry = envelope(
        &tool("mojibake-fix", &["names", "-r", "--json", &root]),
        "mojibake-fix",
    );
    assert_eq!(
        (dry["renames"].as_u64(), dry["dry_run"].as_bool()),
        (Some(1), Some(true))
    );
    let journal = dir.path().join("j").display().to_string();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("Ã©tÃ©"), "").unwrap();
    let sub = sub.display().to_string();
    let real = envelope(
        &tool(
            "mojibake-fix",
            &[
                "names",
                "-r",
                "--apply",
                "--journal",
                &journal,
                "--json",
                &sub,
            ],
        ),
        "mojibake-fix",
    );
    assert_eq!(real["journal"], journal.as_str());
    assert_eq!(real["changed_entries"], 1);
    let undo = envelope(
        &tool("mojibake-fix", &["undo", "--json", &journal]),
        "mojibake-fix",
    );
    assert_eq!(
        (undo["restored"].as_u64(), undo["failed"].as_bool()),
        (Some(1), Some(false))
    );

    let text = dir.path().join("t.txt");
    std::fs::write(&text, "cafÃ©\nclean\n").unwrap();
    let text = text.display().to_string();
    let check = envelope(
        &tool("mojibake-fix", &["check", "--json", &text]),
        "mojibake-fix",
    );
    assert_eq!(
        (check["checked"].as_u64(), check["damaged_lines"].as_u64()),
        (Some(2), Some(1))
    );
}

#[test]
fn perlenv_create_install_check_envelopes() {
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join("env").display().to_string();
    let created = envelope(&tool("perlenv", &["create", &env, "--json"]), "perlenv");
    assert_eq!(created["changed"], true);
    // An offline dist directory: nothing is fetched.
    // Beside ENV would count as a write outside it: cpanm builds a dist
    // directory in place (see the perlenv known limits).
    let sources = tempfile::tempdir().unwrap();
    let dist = testkit::fleet::perl_dist(sources.path(), "Fleet::Dist");
    let dist = dist.display().to_string();
    let out = tool("perlenv", &["-q", "install", &env, "--json", &dist]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let installed = envelope(&out, "perlenv");
    assert_eq!(
        installed["installed"],
        serde_json::json!(["Fleet::Dist 0.01"])
    );
    let check = envelope(&tool("perlenv", &["check", &env, "--json"]), "perlenv");
    assert_eq!(
        (check["checked"].as_u64(), check["changed"].as_bool()),
        (Some(1), Some(false))
    );
}

/// The status line and exit status of a `--nagios` run.
fn plugin(out: &Output) -> (String, i32) {
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(text.lines().count(), 1, "one line: {text:?}");
    (text.trim_end().to_string(), out.status.code().unwrap())
}

#[test]
fn chk_nagios_gives_every_plugin_status() {
    let dir = tempfile::tempdir().unwrap();
    let tree = drifted_tree(dir.path());
    let run = |extra: &[&str]| {
        let mut args = vec!["path", tree.as_str(), "--acl", ACL, "-n", "--nagios"];
        args.extend(extra);
        plugin(&tool("chk", &args))
    };
    let (line, status) = run(&[]);
    assert_eq!(status, 1);
    assert_eq!(
        line,
        "CHK WARNING - 3 entries differ in 1 of 1 tree | checked=3 differing=3;1;;0 errors=0 widened=0"
    );
    assert_eq!(run(&["--warning", "4"]).1, 0);
    let (line, status) = run(&["--warning", "2", "--critical", "3"]);
    assert_eq!(
        (status, line.starts_with("CHK CRITICAL - 3 entries differ")),
        (2, true),
        "{line}"
    );
    // Nothing was changed by any of them.
    let out = tool("chk", &["path", &tree, "--acl", ACL]);
    assert!(out.status.success());
    let (line, status) = run(&["--critical", "1"]);
    assert_eq!(
        (status, line.starts_with("CHK OK - 0 entries differ")),
        (0, true),
        "{line}"
    );

    // The state cannot be known: UNKNOWN, with chk's reason, on stdout.
    let (line, status) = plugin(&tool(
        "chk",
        &[
            "path",
            &tree,
            "--rules",
            "/nonexistent/rules",
            "-n",
            "--nagios",
        ],
    ));
    assert_eq!(status, 3);
    assert!(
        line.starts_with("CHK UNKNOWN - cannot read rule file '/nonexistent/rules':"),
        "{line}"
    );
    // --nagios reports check-only runs only.
    assert_eq!(
        plugin(&tool("chk", &["path", &tree, "--acl", ACL, "--nagios"])).1,
        3
    );
    let (line, status) = plugin(&tool(
        "chk",
        &[
            "path",
            &tree,
            "--acl",
            ACL,
            "-n",
            "--nagios",
            "--warning",
            "5",
            "--critical",
            "2",
        ],
    ));
    assert_eq!(status, 3, "{line}");
}

#[test]
fn mojibake_fix_and_perlenv_nagios_statuses() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("t.txt");
    std::fs::write(&text, "cafÃ©\nnaÃ¯ve\nclean\n").unwrap();
    let text = text.display().to_string();
    let (line, status) = plugin(&tool("mojibake-fix", &["check", "--nagios", &text]));
    assert_eq!(
        (line.as_str(), status),
        (
            "MOJIBAKE-FIX WARNING - 2 of 3 lines damaged | checked=3 differing=2;1;;0 errors=0",
            1
        )
    );
    assert_eq!(
        plugin(&tool(
            "mojibake-fix",
            &["check", "--nagios", "--critical", "2", &text]
        ))
        .1,
        2
    );
    assert_eq!(
        plugin(&tool(
            "mojibake-fix",
            &["check", "--nagios", "--warning", "3", &text]
        ))
        .1,
        0
    );
    assert_eq!(
        plugin(&tool(
            "mojibake-fix",
            &["check", "--nagios", "/nonexistent"]
        ))
        .1,
        3
    );

    let env = dir.path().join("env").display().to_string();
    assert!(tool("perlenv", &["create", &env]).status.success());
    let (line, status) = plugin(&tool("perlenv", &["check", &env, "--nagios"]));
    assert_eq!(status, 0, "{line}");
    assert!(line.starts_with("PERLENV OK - ok: perl "), "{line}");
    // A module that no longer loads is a difference.
    let lib = Path::new(&env).join("lib/perl5/Broken.pm");
    std::fs::create_dir_all(lib.parent().unwrap()).unwrap();
    std::fs::write(&lib, "package Broken; die 'broken on purpose';\n").unwrap();
    let (line, status) = plugin(&tool("perlenv", &["check", &env, "--nagios"]));
    assert_eq!(status, 1, "{line}");
    assert!(
        line.starts_with("PERLENV WARNING - Broken fails to load: broken on purpose"),
        "{line}"
    );
    assert_eq!(
        plugin(&tool(
            "perlenv",
            &["check", &env, "--nagios", "--critical", "1"]
        ))
        .1,
        2
    );
    let (line, status) = plugin(&tool(
        "perlenv",
        &[
            "check",
            &dir.path().join("none").display().to_string(),
            "--nagios",
        ],
    ));
    assert_eq!(status, 3, "{line}");
}

#[test]
fn crontab_line_reaches_the_nsca_daemon() {
    let dir = tempfile::tempdir().unwrap();
    let tree = drifted_tree(dir.path());
    let daemon = testkit::nsca::Daemon::start(1, "fleet-secret");
    let config = daemon.client_config(1, "fleet-secret");
    // The README's crontab command, as cron's /bin/sh runs it.
    let line = format!(
        "out=$(chk path '{tree}' --acl '{ACL}' -n --nagios); \
         nsca-send -H 127.0.0.1 -p {port} -c '{config}' --host web01 --service adminkit-chk --status $? --output \"$out\"",
        port = daemon.port,
        config = config.display()
    );
    let bin = Path::new(env!("CARGO_BIN_EXE_chk")).parent().unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg(&line)
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = daemon.lines(1);
    assert_eq!(
        lines,
        [
            "PROCESS_SERVICE_CHECK_RESULT;web01;adminkit-chk;1;CHK WARNING - 3 entries differ in 1 of 1 tree | checked=3 differing=3;1;;0 errors=0 widened=0"
        ]
    );
}
