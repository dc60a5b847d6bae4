//! Licorn's factory model: its stock rule files and the values of the
//! `@acls.NAME`, `@defaults.NAME`, `@users.NAME` and `@groups.NAME` macros
//! they use. They apply when `rules_dir` holds no rule file of a kind, and
//! `chk rules --print-defaults` writes them out as a starting point.

use super::config::Config;
use crate::common::{Error, Result};
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

pub(crate) fn run(
    _args: &super::cli::RulesArgs,
    config: &super::cli::ConfigArg,
) -> Result<crate::common::Exit> {
    let config = config.load()?;
    print_defaults(&mut io::stdout().lock(), &config)?;
    Ok(crate::common::Exit::Success)
}

/// Which kind of target a rule file is for: `groups.*.conf` or `users.*.conf`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Groups,
    Users,
}

impl Kind {
    /// The prefix of the system rule files of this kind.
    pub(crate) fn prefix(self) -> &'static str {
        match self {
            Kind::Groups => "groups.",
            Kind::Users => "users.",
        }
    }
}

/// One stock rule file: its Licorn name and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RuleFile {
    pub name: &'static str,
    pub text: String,
}

/// The stock rule files of `kind`, in the order they are read (sorted names).
/// The web group is the configured one (Licorn hard-coded `www-data`).
pub(crate) fn rule_files(kind: Kind, config: &Config) -> Vec<RuleFile> {
    let web = &config.web_group;
    let files: Vec<(&'static str, String)> = match kind {
        Kind::Groups => vec![
            (
                "groups.00_default.conf",
                format!(
                    "~\t@acls.group_acl_base,g:{web}:--x,@acls.acl_mask\n\
                     ~/\t@acls.group_file_acl_base,@acls.file_acl_mask\n"
                ),
            ),
            (
                "groups.standards.conf",
                format!(
                    "@groups.apache_dir\t@acls.group_file_acl_base,g:{web}:r-@GX,@acls.file_acl_mask\n"
                ),
            ),
        ],
        Kind::Users => vec![
            (
                "users.00_default.conf",
                format!(
                    "~\t@acls.acl_base,g:@defaults.admin_group:r-x,g:{web}:--x,@acls.acl_restrictive_mask\n\
                     ~/\t@acls.file_acl_base,g:@defaults.admin_group:rw@GX,@acls.file_acl_mask\n"
                ),
            ),
            (
                "users.dropbox.conf",
                ".dropbox\tNOACL\n.dropbox-dist\tNOACL\n".to_string(),
            ),
            ("users.standards.conf", users_standards(web)),
        ],
    };
    files
        .into_iter()
        .map(|(name, text)| RuleFile { name, text })
        .collect()
}

/// Secrets stay private, caches stay plain, the web directory is readable.
fn users_standards(web: &str) -> String {
    let mut text = String::from("# RESTRICTED == PRIVATE, NOACL == POSIXONLY\n");
    for name in [".cache", ".config", ".local"] {
        text.push_str(&format!("{name}\tNOACL\n"));
    }
    for name in [
        ".ssh",
        ".gnupg",
        ".netrc",
        ".pgpass",
        ".fetchmailrc",
        ".procmailrc",
        ".procmail",
        ".gconf",
        ".gvfs",
        ".gnome2_private",
    ] {
        text.push_str(&format!("{name}\tPRIVATE\n"));
    }
    text.push_str(&format!(
        "@users.apache_dir\t@acls.file_acl_base,g:@defaults.admin_group:rw@GX,g:{web}:r-@GX,@acls.file_acl_mask\n"
    ));
    text.push_str("@users.mailbox\tPRIVATE\n");
    text
}

/// The origin shown for a built-in rule (`chk explain`, error messages).
pub(crate) fn builtin_origin(name: &str) -> PathBuf {
    PathBuf::from(format!("(built-in)/{name}"))
}

/// The system rule files of `kind` as (origin, text), in the order they
/// apply: `rules_dir`'s `<kind>.*.conf` sorted by name, or the factory files
/// when it has none (or does not exist).
pub(crate) fn system_rules(kind: Kind, config: &Config) -> Result<Vec<(PathBuf, String)>> {
    let found = rule_paths(&config.rules_dir, kind)?;
    if found.is_empty() {
        log::debug!(
            "no {}*.conf in {}: using the built-in factory rules",
            kind.prefix(),
            config.rules_dir.display()
        );
        return Ok(rule_files(kind, config)
            .into_iter()
            .map(|file| (builtin_origin(file.name), file.text))
            .collect());
    }
    found
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path)
                .map_err(|err| Error::io(format!("reading {}", path.display()), err))?;
            Ok((path, String::from_utf8_lossy(&bytes).into_owned()))
        })
        .collect()
}

/// `dir/<kind>.*.conf`, sorted by file name (Licorn's glob was unsorted).
fn rule_paths(dir: &Path, kind: Kind) -> Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            // The default place may well not exist on a bare machine; a
            // directory the admin configured should, or rules are lost.
            static WARNED: std::sync::Once = std::sync::Once::new();
            if dir != Path::new(super::config::DEFAULT_RULES_DIR) {
                WARNED.call_once(|| {
                    log::warn!(
                        "rules_dir {} does not exist: using the built-in factory rules",
                        super::quote::quoted(dir)
                    )
                });
            }
            return Ok(Vec::new());
        }
        Err(err) => return Err(Error::io(format!("reading {}", dir.display()), err)),
    };
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|err| Error::io(format!("reading {}", dir.display()), err))?;
        let name = entry.file_name();
        let bytes = name.as_bytes();
        let is_rule_file = bytes.starts_with(kind.prefix().as_bytes())
            && bytes.ends_with(b".conf")
            && bytes.len() > kind.prefix().len() + ".conf".len();
        if is_rule_file && entry.path().is_file() {
            paths.push(entry.path());
        }
    }
    paths.sort();
    Ok(paths)
}

/// Values of `@acls.NAME` (Licorn's `configuration.acls`), with the
/// configured group names and prefixes.
pub(crate) fn acls(config: &Config) -> BTreeMap<String, String> {
    let admins = &config.admins_group;
    let gst = &config.guests_prefix;
    let rsp = &config.responsibles_prefix;
    [
        ("group", config.acl_group.clone()),
        ("acl_base", "u::rwx,g::---,o::---".into()),
        ("acl_mask", "m::rwx".into()),
        ("acl_admins_ro", format!("g:{admins}:r-x")),
        ("acl_admins_rw", format!("g:{admins}:rwx")),
        ("acl_users", "r-x".into()),
        ("file_acl_base", "u::rw@UX,g::---,o::---".into()),
        ("acl_restrictive_mask", "m::r-x".into()),
        ("file_acl_mask", "m::rw@GX".into()),
        ("file_acl_restrictive_mask", "m::rw@GX".into()),
        (
            "group_acl_base",
            format!(
                "u::rwx,g::---,o::---,g:{admins}:rwx,g:{gst}@GROUP:r-x,g:{rsp}@GROUP:rwx,g:@GROUP:rwx"
            ),
        ),
        (
            "group_file_acl_base",
            format!(
                "u::rw@UX,g::---,o::---,g:{admins}:rw@GX,g:{gst}@GROUP:r-@GX,g:{rsp}@GROUP:rw@GX,g:@GROUP:r@GW@GX"
            ),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Values of `@defaults.NAME`.
pub(crate) fn defaults(config: &Config) -> BTreeMap<String, String> {
    BTreeMap::from([("admin_group".to_string(), config.admins_group.clone())])
}

/// Values of the path macros `@users.NAME` and `@groups.NAME` that Licorn's
/// stock files use in the path column.
pub(crate) fn path_macros(config: &Config) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("users.apache_dir".to_string(), config.web_dir.clone()),
        ("groups.apache_dir".to_string(), config.web_dir.clone()),
        ("users.mailbox".to_string(), config.mailbox_dir.clone()),
    ])
}

/// `chk rules --print-defaults`: every stock file, each under a comment
/// line naming it, ready to be split into `rules_dir`.
pub(crate) fn print_defaults(out: &mut impl Write, config: &Config) -> io::Result<()> {
    writeln!(
        out,
        "# chk factory rules (Licorn's). Save each part as the file it names in {}.",
        config.rules_dir.display()
    )?;
    for kind in [Kind::Groups, Kind::Users] {
        for file in rule_files(kind, config) {
            writeln!(out, "\n# ==> {} <==", file.name)?;
            out.write_all(file.text.as_bytes())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expands the stock macros the way the rule parser will, to check the
    /// stock files against the spec's factory tables.
    fn expand(text: &str, config: &Config) -> String {
        // Longest names first: `@acls.group` is a prefix of `@acls.group_acl_base`.
        let mut macros: Vec<(String, String)> = acls(config)
            .into_iter()
            .map(|(k, v)| (format!("@acls.{k}"), v))
            .chain(
                defaults(config)
                    .into_iter()
                    .map(|(k, v)| (format!("@defaults.{k}"), v)),
            )
            .collect();
        macros.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
        let mut text = text.to_string();
        for (name, value) in macros {
            text = text.replace(&name, &value);
        }
        text
    }

    #[test]
    fn group_root_matches_the_factory_table() {
        let config = Config::default();
        let files = rule_files(Kind::Groups, &config);
        let root = expand(files[0].text.lines().next().unwrap(), &config);
        assert_eq!(
            root,
            "~\tu::rwx,g::---,o::---,g:admins:rwx,g:gst-@GROUP:r-x,g:rsp-@GROUP:rwx,g:@GROUP:rwx,g:www-data:--x,m::rwx"
        );
        let content = expand(files[0].text.lines().nth(1).unwrap(), &config);
        assert_eq!(
            content,
            "~/\tu::rw@UX,g::---,o::---,g:admins:rw@GX,g:gst-@GROUP:r-@GX,g:rsp-@GROUP:rw@GX,g:@GROUP:r@GW@GX,m::rw@GX"
        );
    }

    #[test]
    fn user_home_matches_the_factory_table() {
        let config = Config::default();
        let files = rule_files(Kind::Users, &config);
        let text = expand(&files[0].text, &config);
        let mut lines = text.lines();
        assert_eq!(
            lines.next().unwrap(),
            "~\tu::rwx,g::---,o::---,g:admins:r-x,g:www-data:--x,m::r-x"
        );
        assert_eq!(
            lines.next().unwrap(),
            "~/\tu::rw@UX,g::---,o::---,g:admins:rw@GX,m::rw@GX"
        );
        let standards = &files[2].text;
        assert!(standards.contains(".ssh\tPRIVATE\n"));
        assert!(standards.contains(".cache\tNOACL\n"));
        assert!(files[1].text.contains(".dropbox-dist\tNOACL\n"));
    }

    #[test]
    fn configured_names_flow_into_the_model() {
        let config = Config {
            admins_group: "wheel".into(),
            web_group: "apache".into(),
            guests_prefix: "g-".into(),
            ..Config::default()
        };
        assert!(acls(&config)["group_acl_base"].contains("g:wheel:rwx,g:g-@GROUP:r-x"));
        assert!(
            rule_files(Kind::Groups, &config)[0]
                .text
                .contains("g:apache:--x")
        );
    }

    #[test]
    fn rules_dir_files_are_sorted_and_replace_the_factory() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            rules_dir: dir.path().to_path_buf(),
            ..Config::default()
        };
        let factory = system_rules(Kind::Users, &config).unwrap();
        assert_eq!(factory[0].0, builtin_origin("users.00_default.conf"));
        std::fs::write(dir.path().join("users.b.conf"), "b\tNOACL\n").unwrap();
        std::fs::write(dir.path().join("users.a.conf"), "a\tNOACL\n").unwrap();
        std::fs::write(dir.path().join("users.conf"), "x\tNOACL\n").unwrap();
        std::fs::write(dir.path().join("groups.a.conf"), "g\tNOACL\n").unwrap();
        let users = system_rules(Kind::Users, &config).unwrap();
        let names: Vec<_> = users.iter().map(|(p, _)| p.file_name().unwrap()).collect();
        assert_eq!(names, ["users.a.conf", "users.b.conf"]);
        assert_eq!(users[0].1, "a\tNOACL\n");
        assert_eq!(system_rules(Kind::Groups, &config).unwrap().len(), 1);
    }

    #[test]
    fn print_defaults_names_every_file() {
        let mut out = Vec::new();
        print_defaults(&mut out, &Config::default()).unwrap();
        let text = String::from_utf8(out).unwrap();
        for name in [
            "groups.00_default.conf",
            "groups.standards.conf",
            "users.00_default.conf",
            "users.dropbox.conf",
            "users.standards.conf",
        ] {
            assert!(text.contains(&format!("# ==> {name} <==")), "{name}");
        }
    }
}
