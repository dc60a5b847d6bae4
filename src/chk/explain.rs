//! `chk explain PATH`: which target and rule govern PATH, what the rule
//! wants, what is there, and what a repair would change.

use super::accounts::{self, NssNames};
use super::acl::{self, Acl};
use super::cli::{ConfigArg, ExplainArgs, RunArgs};
use super::config::Config;
use super::group::{self, SharedDir};
use super::ids::Names;
use super::model::{ModelGroups, lookup_group};
use super::node::{self, Node};
use super::rules::{Definition, Rule};
use super::user;
use super::walk::state::account;
use super::walk::{self, Change, Current, PrivacyNote, Target, Wanted, WantedRights, links};
use crate::common::{Error, Exit, Result};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

/// Exit 0 when PATH is as its rule wants, 1 when a repair would change it.
/// With `--json`, one object instead of the text.
pub(crate) fn run(args: &ExplainArgs, config: &ConfigArg, run: &RunArgs) -> Result<Exit> {
    let json = run.json;
    let config = config.load()?;
    let path = absolute(&args.path)?;
    let mut target = target_of(&path, &config)?;
    target.apply(&super::path::excludes(&run.exclude)?, run.keep_private);
    let rel = path
        .strip_prefix(&target.root)
        .map_err(|_| Error::failed(format!("{} is outside its target", path.display())))?;
    let found = examine(&target, rel.as_os_str().as_bytes(), &path)?;
    let names = NssNames::default();
    if json {
        let value = json_of(&path, &target, &found, &names);
        crate::common::JsonLines::stdout().emit(&value)?;
    } else {
        write_text(
            &mut std::io::stdout().lock(),
            &path,
            &target,
            &found,
            &names,
        )?;
    }
    Ok(match &found {
        Found::Checked { changes, .. } if !changes.is_empty() => Exit::Found,
        _ => Exit::Success,
    })
}

/// What chk finds at one path of a target.
enum Found<'a> {
    /// No rule governs it: chk leaves it alone.
    NoRule,
    /// An IGNORE rule (or `--exclude`) matches it or a directory above it.
    Ignored(&'a Rule),
    /// Not a directory nor a regular file: never changed.
    Special(&'a Rule),
    /// A file with hard links outside the target: never changed.
    LinkedOutside {
        rule: &'a Rule,
        nlink: u32,
        inside: u32,
    },
    Checked {
        rule: &'a Rule,
        current: Current,
        wanted: Wanted,
        changes: Vec<Change>,
    },
}

fn examine<'a>(target: &'a Target, rel: &[u8], path: &Path) -> Result<Found<'a>> {
    if let Some(rule) = target.rules.ignored(rel) {
        return Ok(Found::Ignored(rule));
    }
    let Some(rule) = target.rules.governing(rel) else {
        return Ok(Found::NoRule);
    };
    let root = Node::open_root(&target.root)
        .map_err(|e| Error::io(format!("{}: opening", target.root.display()), e))?;
    let node = if rel.is_empty() {
        Node::open_root(&target.root)
    } else {
        node::open_relative(root.fd(), rel)
    }
    .map_err(|e| Error::io(format!("{}: opening", path.display()), e))?;
    let stat = node
        .stat()
        .map_err(|e| Error::io(format!("{}: reading", path.display()), e))?;
    let kind = u32::from(stat.stx_mode) & walk::state::S_IFMT;
    if kind != walk::state::S_IFDIR && kind != S_IFREG {
        return Ok(Found::Special(rule));
    }
    // As the walk decides: a file with links outside the target is left
    // alone; one with all inside follows the rule of its first path.
    let mut rule = rule;
    if links::is_multiply_linked(&stat) {
        let (inside, first) = links::links_inside(&root, stat.stx_ino, false)
            .map_err(|e| Error::io(format!("{}: counting its links", target.root.display()), e))?;
        if inside != stat.stx_nlink {
            return Ok(Found::LinkedOutside {
                rule,
                nlink: stat.stx_nlink,
                inside,
            });
        }
        match target.rules.governing(&first) {
            Some(first_rule) => rule = first_rule,
            None => return Ok(Found::NoRule),
        }
    }
    // The walk's own inspect step: read → wanted → difference (the root
    // stays open to those the model names, however private, as in a walk).
    let ownership = walk::Ownership {
        privacy: target.ownership.privacy.filter(|_| !rel.is_empty()),
        ..target.ownership
    };
    let found = walk::inspect_entry(walk::Source::Node(&node), &stat, rule, &ownership).map_err(
        |e| match e {
            walk::InspectError::Read(e) => {
                Error::io(format!("{}: reading the ACL", path.display()), e)
            }
            walk::InspectError::Rule(why) => Error::failed(format!("{}: {why}", path.display())),
        },
    )?;
    Ok(Found::Checked {
        rule,
        current: found.current,
        wanted: found.wanted,
        changes: found.changes,
    })
}

const S_IFREG: u32 = 0o100000;

fn write_text(
    out: &mut impl Write,
    path: &Path,
    target: &Target,
    found: &Found,
    names: &dyn Names,
) -> Result<()> {
    writeln!(out, "path:     {}", super::quote::escaped(path))?;
    writeln!(
        out,
        "target:   {} ({})",
        target.label,
        super::quote::escaped(&target.root)
    )?;
    let (rule, current, wanted, changes) = match found {
        Found::NoRule => {
            writeln!(out, "rule:     none: chk leaves this entry alone")?;
            return Ok(());
        }
        Found::Ignored(rule) => {
            writeln!(out, "rule:     {} ({})", rule.source(), describe(rule))?;
            writeln!(out, "repair:   none: the entry is ignored")?;
            return Ok(());
        }
        Found::Special(rule) => {
            writeln!(out, "rule:     {} ({})", rule.source(), describe(rule))?;
            writeln!(
                out,
                "current:  not a directory nor a regular file: chk never changes it"
            )?;
            return Ok(());
        }
        Found::LinkedOutside {
            rule,
            nlink,
            inside,
        } => {
            writeln!(out, "rule:     {} ({})", rule.source(), describe(rule))?;
            writeln!(
                out,
                "current:  a file with {nlink} hard links, {inside} of them inside the target"
            )?;
            writeln!(
                out,
                "repair:   none: a file linked from outside the target is left alone"
            )?;
            return Ok(());
        }
        Found::Checked {
            rule,
            current,
            wanted,
            changes,
        } => (rule, current, wanted, changes),
    };
    writeln!(out, "rule:     {} ({})", rule.source(), describe(rule))?;
    write_wanted(out, wanted, current, names)?;
    write_current(out, current, names)?;
    if changes.is_empty() {
        writeln!(out, "repair:   nothing to change")?;
    }
    for (index, change) in changes.iter().enumerate() {
        let label = if index == 0 { "repair:" } else { "" };
        writeln!(out, "{label:<9} {}", change_text(change, names))?;
    }
    Ok(())
}

fn json_of(path: &Path, target: &Target, found: &Found, names: &dyn Names) -> serde_json::Value {
    let acl = |a: Option<&Acl>| a.map(|a| a.to_text(Some(names)));
    let mut value = serde_json::json!({
        "target": target.label,
        "root": target.root.to_string_lossy(),
    });
    // The walk's own path fields (`path`, `path_hex` when not UTF-8).
    if let (serde_json::Value::Object(fields), Some(map)) = (
        serde_json::to_value(walk::report::PathFields::of(path)).unwrap_or_default(),
        value.as_object_mut(),
    ) {
        map.extend(fields);
    }
    let rule_of = |rule: &Rule| serde_json::json!({ "file": rule.origin.to_string_lossy(), "line": rule.line });
    match found {
        Found::NoRule => value["rule"] = serde_json::Value::Null,
        Found::Ignored(rule) => {
            value["rule"] = rule_of(rule);
            value["ignored"] = true.into();
            value["changes"] = serde_json::json!([]);
        }
        Found::Special(rule) => {
            value["rule"] = rule_of(rule);
            value["special"] = true.into();
        }
        Found::LinkedOutside {
            rule,
            nlink,
            inside,
        } => {
            value["rule"] = rule_of(rule);
            value["hard_links"] = serde_json::json!({ "links": nlink, "inside": inside });
            value["changes"] = serde_json::json!([]);
        }
        Found::Checked {
            rule,
            current,
            wanted,
            changes,
        } => {
            value["rule"] = rule_of(rule);
            let (mode, access, default) = match &wanted.rules {
                WantedRights::Mode(mode) => (Some(format!("{mode:04o}")), None, None),
                WantedRights::Acls { access, default } => {
                    (None, acl(Some(access)), acl(default.as_ref()))
                }
                WantedRights::Exact {
                    mode,
                    access,
                    default,
                } => (
                    Some(format!("{mode:04o}")),
                    acl(access.as_ref()),
                    acl(default.as_ref()),
                ),
            };
            let owner = |uid: u32| account(uid, names.user_name(uid));
            let group = |gid: u32| account(gid, names.group_name(gid));
            value["wanted"] = serde_json::json!({
                "owner": owner(wanted.uid), "group": group(wanted.gid),
                "mode": mode, "access": access, "default": default,
            });
            value["current"] = serde_json::json!({
                "owner": owner(current.uid), "group": group(current.gid),
                "mode": format!("{:04o}", current.mode),
                "access": acl(current.access.as_ref()),
                "default": acl(current.default.as_ref()),
            });
            value["changes"] = changes
                .iter()
                .map(|change| {
                    let (from, to) = change.json_values(names);
                    serde_json::json!({ "change": change.kind(), "from": from, "to": to })
                })
                .collect();
        }
    }
    value
}

/// PATH made absolute without following its last component (a symlink is
/// explained as itself).
fn absolute(path: &Path) -> Result<PathBuf> {
    let abs = std::path::absolute(path)
        .map_err(|e| Error::io(format!("{}: resolving", path.display()), e))?;
    let (Some(parent), Some(name)) = (abs.parent(), abs.file_name()) else {
        return Ok(abs);
    };
    let parent = std::fs::canonicalize(parent)
        .map_err(|e| Error::io(format!("{}: resolving", path.display()), e))?;
    Ok(parent.join(name))
}

/// The group target whose shared directory holds `path`, else the user
/// whose home holds it (the deepest home wins).
fn target_of(path: &Path, config: &Config) -> Result<Target> {
    let groups_root = std::fs::canonicalize(&config.groups_root).ok();
    if let Some(rest) = groups_root
        .as_ref()
        .and_then(|root| path.strip_prefix(root).ok())
        && let Some(Component::Normal(name)) = rest.components().next()
        && let Some(name) = name.to_str()
        && let Some(found) = lookup_group(name)?
    {
        let shared = SharedDir {
            dir: groups_root.unwrap_or_default().join(name),
            rules_file: config.group_rules_file(name),
            group: found,
        };
        let mut missing = std::collections::BTreeSet::new();
        let target = group::target(
            &shared,
            &ModelGroups::resolve(config)?,
            config,
            None,
            &mut missing,
        )?;
        group::warn_missing_helpers(&missing);
        return Ok(target);
    }
    let owner = accounts::all_users()
        .into_iter()
        .filter_map(|mut u| {
            u.home = std::fs::canonicalize(&u.home).ok()?;
            (u.home != Path::new("/") && path.starts_with(&u.home)).then_some(u)
        })
        .max_by_key(|u| u.home.components().count());
    match owner {
        Some(owner) => user::target(&owner, None, &ModelGroups::resolve(config)?, config),
        None => Err(Error::usage(format!(
            "{} is neither in a shared group directory under {} nor in a user's home (use chk path)",
            path.display(),
            config.groups_root.display()
        ))),
    }
}

fn describe(rule: &Rule) -> &'static str {
    match rule.definition {
        Definition::NoAcl => "NOACL: no ACL, dirs 0755, files 0644 keeping execute bits",
        Definition::Ignore => "IGNORE: chk neither checks nor changes it, nor anything below it",
        Definition::Private => "PRIVATE: no ACL, dirs 0700, files 0600",
        Definition::Edits(_) => "edits (setfacl or tmpfiles.d)",
        _ => "ACL rule",
    }
}

fn user_text(uid: u32, names: &dyn Names) -> String {
    names
        .user_name(uid)
        .map_or(uid.to_string(), |n| format!("{n} ({uid})"))
}

fn group_text(gid: u32, names: &dyn Names) -> String {
    names
        .group_name(gid)
        .map_or(gid.to_string(), |n| format!("{n} ({gid})"))
}

fn acl_text(acl: Option<&Acl>, names: &dyn Names) -> String {
    acl.map_or("none".into(), |a| a.to_text(Some(names)))
}

fn write_wanted(
    out: &mut impl Write,
    wanted: &Wanted,
    current: &Current,
    names: &dyn Names,
) -> Result<()> {
    writeln!(
        out,
        "wanted:   owner {}, group {}",
        user_text(wanted.uid, names),
        group_text(wanted.gid, names)
    )?;
    match &wanted.rules {
        WantedRights::Mode(mode) => writeln!(out, "          mode {mode:04o}, no ACL")?,
        WantedRights::Exact {
            mode,
            access,
            default,
        } => {
            writeln!(out, "          mode {mode:04o}")?;
            writeln!(
                out,
                "          access  {}",
                acl_text(access.as_ref(), names)
            )?;
            if current.is_dir {
                writeln!(
                    out,
                    "          default {}",
                    acl_text(default.as_ref(), names)
                )?;
            }
        }
        WantedRights::Acls { access, default } => {
            write_acl(out, "access ", Some(access), names)?;
            if current.is_dir {
                write_acl(out, "default", default.as_ref(), names)?;
            }
        }
    }
    match wanted.privacy {
        PrivacyNote::Widened => writeln!(
            out,
            "          widened: only its owner may use it now (--keep-private keeps it so)"
        )?,
        PrivacyNote::KeptPrivate => writeln!(
            out,
            "          kept private: only its owner may use it (and the admins, responsibles)"
        )?,
        PrivacyNote::None => {}
    }
    Ok(())
}

/// One ACL line, then each named entry whose rights the mask cuts, as
/// getfacl shows it: `g:webdev:rwx  #effective: r-x (mask)`.
fn write_acl(out: &mut impl Write, what: &str, acl: Option<&Acl>, names: &dyn Names) -> Result<()> {
    writeln!(out, "          {what} {}", acl_text(acl, names))?;
    let Some(acl) = acl else { return Ok(()) };
    for entry in acl.entries().iter().filter(|e| e.tag.is_named()) {
        let effective = acl.effective_of(entry.tag, entry.id);
        if effective != entry.perm {
            writeln!(
                out,
                "                  {}  #effective: {} (mask)",
                Acl::entry_text(entry, Some(names)),
                acl::perm_text(effective)
            )?;
        }
    }
    Ok(())
}

fn write_current(out: &mut impl Write, current: &Current, names: &dyn Names) -> Result<()> {
    writeln!(
        out,
        "current:  owner {}, group {}, mode {:04o}",
        user_text(current.uid, names),
        group_text(current.gid, names),
        current.mode
    )?;
    write_acl(out, "access ", current.access.as_ref(), names)?;
    if current.is_dir {
        write_acl(out, "default", current.default.as_ref(), names)?;
    }
    Ok(())
}

fn change_text(change: &Change, names: &dyn Names) -> String {
    match change {
        Change::Owner(a, b) => {
            format!("owner {} -> {}", user_text(*a, names), user_text(*b, names))
        }
        Change::Group(a, b) => format!(
            "group {} -> {}",
            group_text(*a, names),
            group_text(*b, names)
        ),
        Change::Access(a, b) | Change::Default(a, b) => format!(
            "{} {} -> {}",
            change.kind(),
            acl_text(a.as_ref(), names),
            acl_text(b.as_ref(), names)
        ),
        Change::Mode(a, b) => format!("mode {a:04o} -> {b:04o}"),
    }
}

/// `chk tmpfiles --explain`: the edits that reach `path` (`FILE:LINE  the
/// line`, in the order they apply), then wanted, current and changes, as
/// text or one JSON object.
pub(crate) fn print_edits(
    path: &Path,
    steps: &[&crate::chk::edit::Step],
    current: &Current,
    wanted: &Wanted,
    changes: &[Change],
    json: bool,
) -> Result<()> {
    let names = NssNames::default();
    if json {
        let lines: Vec<_> = steps
            .iter()
            .map(|s| serde_json::json!({ "source": s.source, "line": s.text }))
            .collect();
        let changes: Vec<_> = changes
            .iter()
            .map(|change| {
                let (from, to) = change.values(&names);
                serde_json::json!({ "change": change.kind(), "from": from, "to": to })
            })
            .collect();
        let mut value = serde_json::json!({ "lines": lines, "changes": changes });
        if let (serde_json::Value::Object(fields), Some(map)) = (
            serde_json::to_value(walk::report::PathFields::of(path)).unwrap_or_default(),
            value.as_object_mut(),
        ) {
            map.extend(fields);
        }
        return Ok(crate::common::JsonLines::stdout().emit(&value)?);
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "path:     {}", path.display())?;
    if steps.is_empty() {
        writeln!(out, "lines:    none: chk leaves it alone")?;
        return Ok(());
    }
    for (i, step) in steps.iter().enumerate() {
        let head = if i == 0 { "lines:" } else { "" };
        writeln!(out, "{head:<10}{}  {}", step.source, step.text)?;
    }
    write_wanted(&mut out, wanted, current, &names)?;
    write_current(&mut out, current, &names)?;
    if changes.is_empty() {
        writeln!(out, "changes:  none")?;
    }
    for (i, change) in changes.iter().enumerate() {
        let head = if i == 0 { "changes:" } else { "" };
        writeln!(out, "{head:<10}{}", change_text(change, &names))?;
    }
    Ok(())
}
