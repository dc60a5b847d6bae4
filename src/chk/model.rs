//! A target's rules under Licorn's model: the system rule files (or the
//! factory ones), then the user's or the group's own file, merged with
//! Licorn's precedence by the engine's [`RuleSet`].

use super::accounts::{self, Group, NssNames};
use super::acl::{Exec, Tag, TemplateEntry, X};
use super::config::Config;
use super::factory::{self, Kind};
use super::ids::Names;
use super::rules::{self, Definition, Level, Macros, Pattern, Rule, RuleSet};
use super::safe_read::{self, Refused};
use super::walk::{Ownership, Target};
use crate::common::{Error, Exit, Result};
use std::collections::BTreeSet;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

/// Groups left out of the model resolve to distinct ids from here down
/// while parsing (an ACL may not name one id twice); their entries are
/// then dropped from every rule. No real group has such an id.
const LEFT_OUT_TOP: u32 = u32::MAX - 1;
const LEFT_OUT_MAX: u32 = 1024;

fn is_left_out(id: u32) -> bool {
    (LEFT_OUT_TOP - LEFT_OUT_MAX..=LEFT_OUT_TOP).contains(&id)
}

/// Name lookups where some groups (missing helper or web groups) are known
/// to be left out: they parse, and [`drop_left_out`] removes them.
pub(crate) struct ModelNames<'a> {
    pub inner: &'a dyn Names,
    pub left_out: BTreeSet<String>,
}

impl Names for ModelNames<'_> {
    fn uid(&self, name: &str) -> Option<u32> {
        self.inner.uid(name)
    }
    fn gid(&self, name: &str) -> Option<u32> {
        if let Some(index) = self.left_out.iter().position(|g| g == name) {
            return Some(LEFT_OUT_TOP - (index as u32).min(LEFT_OUT_MAX));
        }
        self.inner.gid(name)
    }
    fn user_name(&self, uid: u32) -> Option<String> {
        self.inner.user_name(uid)
    }
    fn group_name(&self, gid: u32) -> Option<String> {
        self.inner.group_name(gid)
    }
}

/// The system rules of `kind`, ready to match. Any unusable line of a
/// system file is a configuration error: all are reported, the last returned.
pub(crate) fn system_rules(
    kind: Kind,
    config: &Config,
    macros: &Macros,
    names: &ModelNames,
) -> Result<Vec<Rule>> {
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    for (origin, text) in factory::system_rules(kind, config)? {
        let text = expand_path_macros(&text, &origin, config, &mut errors);
        let (parsed, bad) = rules::parse(&text, &origin, Level::System, macros, names);
        rules.extend(parsed);
        errors.extend(bad);
    }
    if let Some(last) = errors.pop() {
        for err in &errors {
            crate::common::error::report("chk", err);
        }
        return Err(last);
    }
    drop_left_out(&mut rules);
    Ok(rules)
}

/// Parses a user's (or a group's) own rule file. Keyword lines (`NOACL`,
/// `PRIVATE`...) are the user's to set on their own paths; ACL lines may
/// only add named entries. Rules for paths that do not exist under `root`
/// are dropped, as Licorn did (said with -v). Unusable lines come back as
/// warnings naming FILE:LINE.
pub(crate) fn user_rules(
    text: &str,
    origin: &Path,
    root: &Path,
    macros: &Macros,
    names: &ModelNames,
) -> (Vec<Rule>, Vec<Error>) {
    // Two texts with the same line numbers: keyword lines, and the rest.
    let (mut keywords, mut acls) = (String::new(), String::new());
    for line in text.lines() {
        let line = &home_relative(line);
        let definition = line.split([' ', '\t']).rfind(|w| !w.is_empty());
        let is_keyword = definition.is_some_and(|d| {
            !line.trim_start().starts_with('#')
                && matches!(
                    rules::parse_definition(d, Level::System, &Macros::default(), names),
                    Ok(Definition::NoAcl | Definition::Private | Definition::Ignore)
                )
        });
        let (mine, other) = if is_keyword {
            (&mut keywords, &mut acls)
        } else {
            (&mut acls, &mut keywords)
        };
        mine.push_str(line);
        mine.push('\n');
        other.push('\n');
    }
    let (mut found, mut warnings) = rules::parse(&keywords, origin, Level::System, macros, names);
    for rule in &mut found {
        rule.level = Level::User;
    }
    let (additions, bad) = rules::parse(&acls, origin, Level::User, macros, names);
    found.extend(additions);
    warnings.extend(bad);
    // *(Licorn)* The user's `~` replaces the default rule for the root and
    // its contents: `~ NOACL` makes the whole home NOACL, and `~ u:bob:--x`
    // reaches every file, as the root's default ACL gives it to new ones.
    let contents: Vec<Rule> = found
        .iter()
        .filter(|rule| matches!(&rule.pattern, Pattern::Path { rel, contents: false } if rel.is_empty()))
        .map(|rule| Rule {
            pattern: rule.pattern.contents_of(),
            definition: for_contents(&rule.definition),
            ..rule.clone()
        })
        .collect();
    found.extend(contents);
    found.sort_by_key(|rule| rule.line);
    found.retain(|rule| {
        let Pattern::Path { rel, .. } = &rule.pattern else {
            return true;
        };
        let path = root.join(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(rel));
        let exists = std::fs::symlink_metadata(&path).is_ok();
        if !exists {
            log::info!(
                "{}: ignored: {} does not exist",
                rule.source(),
                path.display()
            );
        }
        exists
    });
    drop_left_out(&mut found);
    (found, warnings)
}

/// A root rule's definition as its contents get it: an `x` written for
/// the root directory becomes `@GX` on files (a file is executable for a
/// named entry only when it is executable at all), so `~ u:bob:--x` lets
/// bob traverse every directory without making every file executable.
fn for_contents(definition: &Definition) -> Definition {
    match definition {
        Definition::Additions(entries) => Definition::Additions(
            entries
                .iter()
                .map(|entry| match entry.exec {
                    Exec::Fixed if entry.perm & X != 0 => TemplateEntry {
                        exec: Exec::Group,
                        ..entry.clone()
                    },
                    _ => entry.clone(),
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// What tells one Licorn-model target from another: everything else
/// (system rules, macros, precedence) is common to groups and homes.
pub(crate) struct TargetSpec {
    pub kind: Kind,
    pub label: String,
    pub root: PathBuf,
    /// `@GROUP`, for a shared directory.
    pub group: Option<String>,
    pub permissive: bool,
    /// Helper groups that do not exist (the web group is added when missing).
    pub left_out: BTreeSet<String>,
    /// The target's own rule file, already read.
    pub own_rules: Option<(PathBuf, String)>,
    pub ownership: Ownership,
}

/// One shared directory or home as a walk target: its system rules, its
/// own rule file merged with Licorn's precedence, and its ownership.
pub(crate) fn target(spec: TargetSpec, model: &ModelGroups, config: &Config) -> Result<Target> {
    let mut left_out = spec.left_out;
    if model.web.is_none() {
        left_out.insert(config.web_group.clone());
    }
    let names = ModelNames {
        inner: &NssNames::default(),
        left_out,
    };
    let macros = Macros {
        group: spec.group,
        permissive: spec.permissive,
        admins_group: config.admins_group.clone(),
        acls: factory::acls(config),
        defaults: factory::defaults(config),
    };
    let system = system_rules(spec.kind, config, &macros, &names)?;
    let rules = rule_set(system, spec.own_rules, &spec.root, &macros, &names);
    Ok(Target {
        label: spec.label,
        root: spec.root,
        rules,
        ownership: spec.ownership,
        ..Target::default()
    })
}

/// A target's own rule file `rel` under `dir` (`opened`, when it is
/// already open), read as its owner would see it (see [`safe_read`]) and
/// only if one of `owners` owns it. `None`
/// when there is none or it is refused (warned).
pub(crate) fn read_own_rules(
    dir: &Path,
    opened: Option<&OwnedFd>,
    rel: &Path,
    owners: &[u32],
) -> Option<(PathBuf, String)> {
    let path = dir.join(rel);
    let read = match opened {
        Some(fd) => safe_read::read_owned_file_at(fd, rel, owners),
        None => safe_read::read_owned_file(dir, rel, owners),
    };
    match read {
        Ok(bytes) => Some((path, String::from_utf8_lossy(&bytes).into_owned())),
        Err(Refused::Missing) => None,
        Err(Refused::Unsafe(why)) => {
            log::warn!("{}: ignored: {why}", path.display());
            None
        }
    }
}

/// *(Licorn)* A user may write a path of their own file as `$HOME/X`:
/// it means `X` in the home (`$HOME` alone is the root, `~`).
fn home_relative(line: &str) -> std::borrow::Cow<'_, str> {
    let trimmed = line.trim_start();
    match trimmed.strip_prefix("$HOME") {
        Some(rest) if rest.is_empty() || rest.starts_with(['/', ' ', '\t']) => {
            format!("~{rest}").into()
        }
        _ => line.into(),
    }
}

/// System rules plus the optional own file of the target; the own file's
/// problems are warnings, never fatal.
pub(crate) fn rule_set(
    system: Vec<Rule>,
    own: Option<(PathBuf, String)>,
    root: &Path,
    macros: &Macros,
    names: &ModelNames,
) -> RuleSet {
    let mut set = RuleSet::new(system);
    if let Some((origin, text)) = own {
        let (rules, mut warnings) = user_rules(&text, &origin, root, macros, names);
        warnings.extend(set.add_user_rules(rules));
        for warning in warnings {
            log::warn!("{warning}");
        }
    }
    set.inherit_root_default();
    set
}

/// Removes the entries of left-out groups from every template.
fn drop_left_out(rules: &mut [Rule]) {
    let keep = |tag: Tag, id: u32| !(tag == Tag::Group && is_left_out(id));
    for rule in rules {
        match &mut rule.definition {
            Definition::Acl { access, default } => {
                access.entries.retain(|e| keep(e.tag, e.id));
                if let Some(default) = default {
                    default.entries.retain(|e| keep(e.tag, e.id));
                }
            }
            Definition::Additions(entries) => entries.retain(|e| keep(e.tag, e.id)),
            Definition::NoAcl | Definition::Private | Definition::Edits(_) | Definition::Ignore => {
            }
        }
    }
}

/// Licorn's path macros (`@users.apache_dir`, `@users.mailbox`...) in the
/// path column; an unknown one is an error of the file.
fn expand_path_macros(
    text: &str,
    origin: &Path,
    config: &Config,
    errors: &mut Vec<Error>,
) -> String {
    let values = factory::path_macros(config);
    let mut out = String::with_capacity(text.len());
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let Some(name) = trimmed.strip_prefix('@') else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        let end = name.find([' ', '\t', '/']).unwrap_or(name.len());
        let (macro_name, rest) = name.split_at(end);
        match values.get(macro_name) {
            Some(value) => out.push_str(&format!("{value}{rest}")),
            None => errors.push(Error::bad_input(
                origin,
                index + 1,
                format!("unknown path macro `@{macro_name}`"),
            )),
        }
        out.push('\n');
    }
    out
}

/// What became of one group or user of `chk group` or `chk user`.
pub(crate) enum Start {
    /// A target to walk.
    Walk(Box<Target>),
    /// Not started (a missing directory, a refused home): the outcome,
    /// already reported.
    Not(Exit),
}

/// The targets of `chk group` or `chk user`: the model's groups resolved
/// once, then `start` run on each item; the items that could not be
/// started count in the exit status.
pub(crate) fn start_each<T>(
    items: Vec<T>,
    config: &Config,
    mut start: impl FnMut(T, &ModelGroups) -> Result<Start>,
) -> Result<(Vec<Target>, Exit)> {
    let model = ModelGroups::resolve(config)?;
    let mut targets = Vec::new();
    let mut exit = Exit::Success;
    for item in items {
        match start(item, &model)? {
            Start::Walk(target) => targets.push(*target),
            Start::Not(outcome) => exit = exit.worst(outcome),
        }
    }
    Ok((targets, exit))
}

/// The groups of the model every target needs: their absence is a
/// configuration error, not something to check around.
#[derive(Clone, Debug)]
pub(crate) struct ModelGroups {
    pub acl: Group,
    pub admins: Group,
    /// The web group, when it exists (left out of ACLs otherwise).
    pub web: Option<Group>,
    /// uid of `orphan_owner`.
    pub orphan_owner: u32,
}

impl ModelGroups {
    pub(crate) fn resolve(config: &Config) -> Result<ModelGroups> {
        let required = |key: &str, name: &str| -> Result<Group> {
            lookup_group(name)?.ok_or_else(|| {
                Error::usage(format!(
                    "{key} `{name}` is not a group on this system (create it or set {key} in chk.conf)"
                ))
            })
        };
        let web = lookup_group(&config.web_group)?;
        if web.is_none() {
            log::warn!(
                "web group `{}` does not exist: left out of the ACLs",
                config.web_group
            );
        }
        let orphan = &config.orphan_owner;
        let orphan_owner = accounts::user_by_name(orphan)
            .map_err(|err| Error::io(format!("looking up user {orphan}"), err))?
            .ok_or_else(|| {
                Error::usage(format!(
                    "orphan_owner `{orphan}` is not a user on this system"
                ))
            })?
            .uid;
        Ok(ModelGroups {
            orphan_owner,
            admins: required("admins_group", &config.admins_group)?,
            acl: required("acl_group", &config.acl_group)?,
            web,
        })
    }
}

pub(crate) fn lookup_group(name: &str) -> Result<Option<Group>> {
    accounts::group_by_name(name).map_err(|err| Error::io(format!("looking up group {name}"), err))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chk::ids::tests::FakeNames;

    /// FakeNames knows alice, staff and admins; the web group is left out.
    fn names() -> ModelNames<'static> {
        ModelNames {
            inner: &FakeNames,
            left_out: BTreeSet::from(["www-data".to_string()]),
        }
    }

    fn macros(config: &Config) -> Macros {
        Macros {
            group: Some("staff".into()),
            permissive: false,
            admins_group: "admins".into(),
            acls: factory::acls(config),
            defaults: factory::defaults(config),
        }
    }

    fn config_with_rules(dir: &Path) -> Config {
        Config {
            rules_dir: dir.to_path_buf(),
            ..Config::default()
        }
    }

    #[test]
    fn factory_home_root_gets_its_contents_acl_as_default_and_no_web_group() {
        let dir = tempfile::tempdir().unwrap();
        let config = config_with_rules(dir.path());
        let rules = system_rules(Kind::Users, &config, &macros(&config), &names()).unwrap();
        let mut set = RuleSet::new(rules);
        set.inherit_root_default();
        let root = set.governing(b"").unwrap();
        let (access, default) = root.definition.acls(true, true, true).unwrap().unwrap();
        assert_eq!(access.to_string(), "u::rwx,g::---,g:60:r-x,m::r-x,o::---");
        assert_eq!(
            default.unwrap().to_string(),
            "u::rwx,g::---,g:60:rwx,m::rwx,o::---"
        );
        assert!(matches!(
            set.governing(b".ssh/id_rsa").unwrap().definition,
            Definition::Private
        ));
    }

    #[test]
    fn path_macros_expand_or_fail() {
        let config = Config::default();
        let mut errors = Vec::new();
        let text =
            "@users.apache_dir\tNOACL\n@users.mailbox\tRESTRICTED\n@users.nope\tNOACL\nx\tNOACL\n";
        let out = expand_path_macros(text, Path::new("/r/users.x.conf"), &config, &mut errors);
        assert_eq!(out, "public_html\tNOACL\nMaildir\tRESTRICTED\n\nx\tNOACL\n");
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0]
                .to_string()
                .starts_with("/r/users.x.conf:3: unknown path macro")
        );
    }

    #[test]
    fn user_files_mix_keywords_and_additions_keeping_line_numbers() {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir(home.path().join("src")).unwrap();
        std::fs::create_dir(home.path().join("shared")).unwrap();
        let text =
            "# mine\nsrc   NOACL\nshared\tg:staff:r-x\nshared\tg:admins:rwx\ngone\tPRIVATE\n";
        let origin = Path::new("/home/alice/.licorn/check.conf");
        let config = Config::default();
        let (rules, warnings) = user_rules(text, origin, home.path(), &macros(&config), &names());
        let lines: Vec<usize> = rules.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3]);
        assert!(rules.iter().all(|r| r.level == Level::User));
        assert!(matches!(rules[0].definition, Definition::NoAcl));
        assert!(matches!(rules[1].definition, Definition::Additions(_)));
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0]
                .to_string()
                .starts_with(&format!("{}:4:", origin.display()))
        );
    }
}
