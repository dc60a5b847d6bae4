//! `chk explain PATH`: the governing rule with its file and line, wanted
//! and current state, and what a repair would change.

use predicates::str::contains;
use testkit::chk::*;

#[test]
fn explains_a_file_in_a_shared_directory_before_and_after_repair() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let group = TempGroup::new("ckx");
    let g = group.name.as_str();
    let site = Site::new("");
    let shared = site.groups_root().join(g);
    std::fs::create_dir_all(shared.join("public_html")).unwrap();
    std::fs::write(shared.join("public_html/page.html"), "p").unwrap();
    let page = shared.join("public_html/page.html");
    let page = page.to_str().unwrap();

    site.chk(&["explain", page])
        .assert()
        .code(1)
        .stdout(contains(format!("target:   group {g}")))
        .stdout(contains("rule:     (built-in)/groups.standards.conf:1"))
        .stdout(contains("g:www-data:r--"))
        .stdout(contains("repair:   group"))
        .stdout(contains("access ACL none -> "));

    let out = site.chk(&["explain", page, "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["rule"]["file"], "(built-in)/groups.standards.conf");
    assert_eq!(value["rule"]["line"], 1);
    assert_eq!(value["wanted"]["mode"], serde_json::Value::Null);
    let wanted = value["wanted"]["access"].as_str().unwrap();
    assert!(wanted.contains("g:www-data:r--"), "{wanted}");
    assert_eq!(value["current"]["access"], serde_json::Value::Null);
    let kinds: Vec<&str> = value["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["change"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"access ACL") && kinds.contains(&"group"),
        "{kinds:?}"
    );

    site.chk(&["group", g]).assert().success();
    site.chk(&["explain", page])
        .assert()
        .code(0)
        .stdout(contains("repair:   nothing to change"));
}

#[test]
fn explains_a_path_governed_by_a_user_rule() {
    let _serial = serial();
    let _model = ModelGroups::ensure();
    let site = Site::new("");
    let user = TempUser::new("ckw", &site.homes());
    std::fs::create_dir_all(user.home.join("src/lib")).unwrap();
    std::fs::create_dir_all(user.home.join(".licorn")).unwrap();
    let rules = user.home.join(".licorn/check.conf");
    std::fs::write(&rules, "# mine\nsrc   NOACL\n").unwrap();
    std::os::unix::fs::chown(&rules, Some(user.uid()), None).unwrap();
    let lib = user.home.join("src/lib");
    site.chk(&["explain", lib.to_str().unwrap()])
        .assert()
        .stdout(contains(format!("target:   user {}", user.name)))
        .stdout(contains(format!("rule:     {}:2 (NOACL", rules.display())))
        .stdout(contains("mode 0755, no ACL"));
}

#[test]
fn a_path_outside_every_target_is_a_usage_error() {
    let site = Site::new("");
    site.chk(&["explain", "/proc/self"])
        .assert()
        .code(2)
        .stderr(contains("chk path"));
}
