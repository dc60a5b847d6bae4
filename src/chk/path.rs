//! `chk path DIR... --rules FILE | --acl SPEC`

use super::accounts::NssNames;
use super::cli::{PathArgs, RunArgs, SetfaclArgs};
use super::edit::entries::{self, EntrySpec, Perms};
use super::edit::setfacl::SetfaclEdit;
use super::edit::{Edit, Step};
use super::ids::Names;
use super::rules::{self, Definition, Level, Macros, Pattern, Rule, RuleSet};
use super::walk::{self, Ownership, Privacy, RunOptions, Target};
use crate::common::{Error, Exit, Result, Verbosity};

pub(crate) fn run(args: PathArgs, run: &RunArgs, verbosity: Verbosity) -> Result<Exit> {
    let names = NssNames::default();
    let rules = load_rules(&args, &names)?;
    let ownership = Ownership {
        owner: args
            .owner
            .as_deref()
            .map(|u| lookup(u, "user", |n| names.uid(n)))
            .transpose()?,
        acl_group: args
            .group
            .as_deref()
            .map(|g| lookup(g, "group", |n| names.gid(n)))
            .transpose()?,
        plain_group: None,
        orphan_owner: None,
        privacy: Some(Privacy::default()),
    };
    let ownership = Ownership {
        plain_group: ownership.acl_group,
        ..ownership
    };
    let targets = args
        .dirs
        .iter()
        .map(|dir| Target {
            label: dir.display().to_string(),
            root: dir.clone(),
            rules: {
                let mut set = RuleSet::new(rules.clone());
                set.inherit_root_default();
                set
            },
            ownership,
            ..Target::default()
        })
        .collect();
    walk::check_targets(targets, &options(run, verbosity)?)
}

pub(crate) fn options(run: &RunArgs, verbosity: Verbosity) -> Result<RunOptions> {
    let nagios = if run.nagios.nagios {
        run.nagios.validate()?;
        if !run.dry_run || run.json {
            return Err(Error::usage(
                "--nagios reports a check-only run: give -n, and not --json",
            ));
        }
        Some(run.nagios.clone())
    } else {
        None
    };
    Ok(RunOptions {
        nagios,
        dry_run: run.dry_run,
        json: run.json,
        jobs: run.jobs.map(usize::from),
        cross_mounts: run.cross_mounts,
        verbosity,
        backup: run.backup.clone(),
        progress: !run.nagios.nagios,
        exclude: excludes(&run.exclude)?,
        keep_private: run.keep_private,
    })
}

/// `--exclude GLOB`s as rule patterns: a bad one is a usage error.
pub(crate) fn excludes(globs: &[String]) -> Result<Vec<Pattern>> {
    globs
        .iter()
        .map(|glob| {
            Pattern::parse(glob).map_err(|why| Error::usage(format!("--exclude {glob}: {why}")))
        })
        .collect()
}

fn load_rules(args: &PathArgs, names: &dyn Names) -> Result<Vec<Rule>> {
    let macros = Macros::default();
    let root = || Pattern::Path {
        rel: Vec::new(),
        contents: false,
    };
    if args.edit.any() {
        let step = Step {
            source: "setfacl edit".into(),
            text: String::new(),
            edit: Edit::Setfacl(setfacl_edit(&args.edit, names)?),
        };
        return Ok(vec![Rule::builtin(
            "--modify",
            root(),
            Definition::Edits(vec![step]),
        )]);
    }
    if let Some(spec) = &args.acl {
        let definition = rules::parse_definition(spec, Level::System, &macros, names)
            .map_err(|why| Error::usage(format!("--acl {spec}: {why}")))?;
        return Ok(vec![Rule::builtin("--acl", root(), definition)]);
    }
    let Some(file) = &args.rules else {
        return Err(Error::usage("give --rules FILE or --acl SPEC"));
    };
    // A rule file that cannot be read is a usage error, like a bad one.
    let text = std::fs::read(file).map_err(|e| {
        Error::usage(format!(
            "cannot read rule file {}: {}",
            super::quote::quoted(file),
            super::quote::io_reason(&e)
        ))
    })?;
    let text = String::from_utf8(text).map_err(|e| {
        let line = text_line_of(e.as_bytes(), e.utf8_error().valid_up_to());
        Error::bad_input(file, line, "not valid UTF-8")
    })?;
    let (rules, mut errors) = rules::parse(&text, file, Level::System, &macros, names);
    if let Some(last) = errors.pop() {
        for e in &errors {
            crate::common::error::report("chk", e);
        }
        return Err(last);
    }
    Ok(rules)
}

/// `--modify`, `--remove`... in setfacl's syntax; with `--default`, every
/// entry is one of the default ACL.
fn setfacl_edit(args: &SetfaclArgs, names: &dyn Names) -> Result<SetfaclEdit> {
    let parse = |option: &str, texts: &[String], perms| -> Result<Vec<EntrySpec>> {
        let mut all = Vec::new();
        for text in texts {
            let specs = entries::parse(text, perms, names)
                .map_err(|why| Error::usage(format!("--{option} {text}: {why}")))?;
            all.extend(specs.into_iter().map(|mut s| {
                s.default |= args.default;
                s
            }));
        }
        Ok(all)
    };
    Ok(SetfaclEdit {
        remove_all: args.remove_all,
        remove_default: args.remove_default,
        remove: parse("remove", &args.remove, Perms::Ignored)?,
        modify: parse("modify", &args.modify, Perms::Required)?,
        no_mask: args.no_mask,
    })
}

fn text_line_of(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1
}

fn lookup(name: &str, what: &str, find: impl Fn(&str) -> Option<u32>) -> Result<u32> {
    find(name)
        .or_else(|| name.parse().ok())
        .ok_or_else(|| Error::usage(format!("no such {what} `{name}`")))
}
