//! Bad rule files and bad --acl specs: FILE:LINE: reason, exit 2.

use std::fs;
use testkit::chk::*;

fn bad_rules(text: &str) -> (String, String) {
    let tmp = scratch();
    let rules = tmp.path().join("site.rules");
    fs::write(&rules, text).unwrap();
    write(&tmp.path().join("f"), 0o644);
    let out = chk()
        .args(["path", "--rules"])
        .arg(&rules)
        .arg(tmp.path())
        .assert()
        .code(2);
    assert_eq!(mode(&tmp.path().join("f")), 0o644, "nothing changed");
    (
        rules.display().to_string(),
        String::from_utf8(out.get_output().stderr.clone()).unwrap(),
    )
}

#[test]
fn each_kind_of_bad_line_is_reported_with_file_and_line() {
    let cases = [
        (
            "/etc/shadow\tNOACL",
            "absolute path `/etc/shadow` refused (rule paths are relative to the target root)",
        ),
        ("../x\tNOACL", "`..` in path `../x` refused"),
        (
            "justapath",
            "no definition after the path (separate them with a TAB or blanks)",
        ),
        ("~\tu::rwx,g::---", "missing o:: entry"),
        (
            "~\tu::rwx,g::---,o::---,g:no-such-group-x:r-x",
            "no such group `no-such-group-x`",
        ),
        (
            "~\tu::rwx,g::---,o::---,u:no-such-user-x:r-x",
            "no such user `no-such-user-x`",
        ),
        (
            "~\tu::rwx,g::---,o::---,g:@GROUP:r-x",
            "@GROUP used outside a group",
        ),
        (
            "~\tu::rwx,g::---,o::---,@acls.nothing",
            "unknown macro `@acls.nothing`",
        ),
        (
            "~\tu::rwx,g::r-y,o::---",
            "ACL entry `g::r-y`: bad permissions `r-y`",
        ),
        ("~\tq::rwx", "ACL entry `q::rwx`: unknown tag `q`"),
        ("~\tu::rwx,u::r-x,g::---,o::---", "duplicate entry `u::`"),
        (
            "src/[a\tNOACL",
            "bad glob `src/[a`: unclosed character class; missing ']'",
        ),
    ];
    for (line, reason) in cases {
        let (file, stderr) = bad_rules(&format!("# site rules\n\n{line}\n"));
        assert_eq!(stderr, format!("chk: {file}:3: {reason}\n"), "for `{line}`");
    }
}

#[test]
fn all_bad_lines_are_listed_not_only_the_first() {
    let (file, stderr) = bad_rules("~\tNOACL\n/a\tNOACL\nok PRIVATE\nb\n");
    assert_eq!(
        stderr,
        format!(
            "chk: {file}:2: absolute path `/a` refused (rule paths are relative to the target root)\n\
             chk: {file}:4: no definition after the path (separate them with a TAB or blanks)\n"
        )
    );
}

#[test]
fn a_bad_acl_spec_is_a_usage_error() {
    let tmp = scratch();
    chk()
        .args(["path", "--acl", "u::rwx,g::rwx"])
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr("chk: --acl u::rwx,g::rwx: missing o:: entry\n");
    chk().args(["path"]).arg(tmp.path()).assert().code(2);
    chk()
        .args(["path", "--rules", "/nonexistent/rules"])
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr("chk: cannot read rule file '/nonexistent/rules': No such file or directory\n");
}
