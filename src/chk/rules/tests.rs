use super::*;
use crate::chk::ids::tests::FakeNames;
use std::path::Path;

fn system(text: &str) -> RuleSet {
    let (rules, errors) = parse(
        text,
        Path::new("sys.conf"),
        Level::System,
        &Macros::default(),
        &FakeNames,
    );
    assert!(errors.is_empty(), "{errors:?}");
    RuleSet::new(rules)
}

fn line_of(set: &RuleSet, rel: &str) -> Option<usize> {
    set.governing(rel.as_bytes()).map(|r| r.line)
}

#[test]
fn most_specific_rule_wins() {
    let set = system(
        "# comment\n\
         ~\tu::rwx,g::---,o::---\n\
         ~/\tu::rwx,g::r-x,o::---\n\
         src   NOACL\n\
         src/*.sh PRIVATE\n\
         **/node_modules\tNOACL\n\
         src/a.sh\tNOACL\n\
         docs/\tPRIVATE\n",
    );
    assert_eq!(line_of(&set, ""), Some(2));
    assert_eq!(line_of(&set, "x"), Some(3));
    assert_eq!(line_of(&set, "x/y/z"), Some(3));
    assert_eq!(line_of(&set, "src"), Some(4));
    assert_eq!(line_of(&set, "src/deep/er"), Some(4));
    assert_eq!(line_of(&set, "src/b.sh"), Some(5));
    assert_eq!(line_of(&set, "src/a.sh"), Some(7));
    assert_eq!(line_of(&set, "src/lib/node_modules/x"), Some(6));
    assert_eq!(line_of(&set, "docs"), Some(3));
    assert_eq!(line_of(&set, "docs/x"), Some(8));
}

#[test]
fn later_rule_wins_between_equals_and_paths_may_hold_spaces() {
    let set = system("my dir  NOACL\nmy dir\tprivate\n");
    assert_eq!(line_of(&set, "my dir"), Some(2));
    assert!(matches!(
        set.governing(b"my dir").unwrap().definition,
        Definition::Private
    ));
}

#[test]
fn every_bad_line_is_reported_with_its_number() {
    let text = "/etc\tNOACL\n\
                a/../b\tNOACL\n\
                lonely\n\
                x\tu::rwx,g::r-x\n\
                y\tu::rwx,g::---,o::---,g:ghosts:rwx\n\
                z\tu::rwx,g::---,o::---,g:@NOPE:rwx\n\
                w\tu::rwz,g::---,o::---\n\
                [\tNOACL\n\
                ok\tNOACL\n";
    let (rules, errors) = parse(
        text,
        Path::new("f.conf"),
        Level::System,
        &Macros::default(),
        &FakeNames,
    );
    assert_eq!(rules.len(), 1);
    let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        shown,
        [
            "f.conf:1: absolute path `/etc` refused (rule paths are relative to the target root)",
            "f.conf:2: `..` in path `a/../b` refused",
            "f.conf:3: no definition after the path (separate them with a TAB or blanks)",
            "f.conf:4: missing o:: entry",
            "f.conf:5: no such group `ghosts`",
            "f.conf:6: unknown macro `@NOPE`",
            "f.conf:7: ACL entry `u::rwz`: bad permissions `rwz`",
            "f.conf:8: bad glob `[`: unclosed character class; missing ']'",
        ]
    );
}

#[test]
fn macros_are_substituted() {
    let mut macros = Macros {
        group: Some("staff".into()),
        permissive: true,
        ..Macros::default()
    };
    macros
        .acls
        .insert("base".into(), "u::rwx,g::---,o::---".into());
    let (rules, errors) = parse(
        "~\t@acls.base,g:@GROUP:r@GW@GX\n",
        Path::new("m"),
        Level::System,
        &macros,
        &FakeNames,
    );
    assert!(errors.is_empty(), "{errors:?}");
    let (acl, default) = rules[0]
        .definition
        .acls(false, false, true)
        .unwrap()
        .unwrap();
    assert_eq!(acl.to_string(), "u::rwx,g::---,g:50:rwx,m::rwx,o::---");
    assert!(default.is_none());
}

#[test]
fn user_rules_only_add_named_entries() {
    let check = |def: &str| {
        let (_, errors) = parse(
            &format!("x\t{def}\n"),
            Path::new("u"),
            Level::User,
            &Macros::default(),
            &FakeNames,
        );
        errors.first().map(|e| e.to_string())
    };
    assert_eq!(check("g:staff:r-x"), None);
    assert_eq!(check("u:alice:rw@GX"), None);
    assert_eq!(
        check("g:admins:r-x").unwrap(),
        "u:1: a user rule may not name the `admins` group"
    );
    assert_eq!(
        check("g:staff:---").unwrap(),
        "u:1: a user rule may not grant `---`"
    );
    assert_eq!(
        check("g:staff:-w-").unwrap(),
        "u:1: a user rule may not grant `-w-`"
    );
    assert_eq!(
        check("g:staff:-wx").unwrap(),
        "u:1: a user rule may not grant `-wx`"
    );
    assert_eq!(
        check("u::rwx").unwrap(),
        "u:1: a user rule may not set `u::` (only named u:NAME: or g:NAME: entries)"
    );
    assert!(
        check("NOACL")
            .unwrap()
            .contains("not allowed in a user rule file")
    );
}

#[test]
fn user_additions_merge_into_the_system_acl() {
    let mut set = system("~\tu::rwx,g::---,o::---,g:admins:rw@GX,m::rw@GX\nsecret\tPRIVATE\n");
    let (rules, errors) = parse(
        "~\tg:staff:r-@GX\nsub\tu:alice:rw@UX\nsecret\tg:staff:r-x\n",
        Path::new("u"),
        Level::User,
        &Macros::default(),
        &FakeNames,
    );
    assert!(errors.is_empty());
    let warnings = set.add_user_rules(rules);
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].to_string().starts_with("u:3: ignored"));
    let rule = set.governing(b"file").unwrap();
    assert_eq!((rule.level, rule.line), (Level::User, 1));
    let (acl, _) = rule.definition.acls(false, false, true).unwrap().unwrap();
    assert_eq!(
        acl.to_string(),
        "u::rwx,g::---,g:50:r-x,g:60:rwx,m::rwx,o::---"
    );
    let (acl, _) = set
        .governing(b"sub/f")
        .unwrap()
        .definition
        .acls(false, true, false)
        .unwrap()
        .unwrap();
    assert_eq!(
        acl.to_string(),
        "u::rwx,u:1001:rwx,g::---,g:60:rw-,m::rw-,o::---"
    );
}

#[test]
fn a_users_glob_adds_to_each_entrys_own_template() {
    // The home: the root's directory template, the contents' file one.
    let mut set = system(
        "~\tu::rwx,g::---,o::---,g:admins:r-x,m::r-x\n\
         ~/\tu::rw@UX,g::---,o::---,g:admins:rw@GX,m::rw@GX\n\
         .ssh\tPRIVATE\n",
    );
    let (rules, errors) = parse(
        "**\tu:alice:r--\n",
        Path::new("u"),
        Level::User,
        &Macros::default(),
        &FakeNames,
    );
    assert!(errors.is_empty());
    assert!(set.add_user_rules(rules).is_empty());
    set.inherit_root_default();
    let file = set.governing(b".bashrc").unwrap();
    assert_eq!((file.level, file.line), (Level::User, 1));
    let (acl, default) = file.definition.acls(false, false, false).unwrap().unwrap();
    // A file's template: no execute bit for anyone, not the root's rwx.
    assert_eq!(
        acl.to_string(),
        "u::rw-,u:1001:r--,g::---,g:60:rw-,m::rw-,o::---"
    );
    assert!(default.is_none());
    let (dir, default) = set
        .governing(b"src/lib")
        .unwrap()
        .definition
        .acls(true, false, false)
        .unwrap()
        .unwrap();
    assert_eq!(
        dir.to_string(),
        "u::rwx,u:1001:r--,g::---,g:60:rwx,m::rwx,o::---"
    );
    assert_eq!(default.unwrap(), dir);
    // A private place stays private; the root keeps its own template.
    assert!(matches!(
        set.governing(b".ssh/id_rsa").unwrap().definition,
        Definition::Private
    ));
    let (root, _) = set
        .governing(b"")
        .unwrap()
        .definition
        .acls(true, true, true)
        .unwrap()
        .unwrap();
    assert_eq!(root.to_string(), "u::rwx,g::---,g:60:r-x,m::r-x,o::---");
}
