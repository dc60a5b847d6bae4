//! `chk tmpfiles`: the lines of tmpfiles.d files that adjust what exists
//! (`a`, `a+`, `A`, `A+`, `z`, `Z`), checked and repaired with chk's walker
//! so that the result is what `systemd-tmpfiles --create` would leave, with
//! a dry run, a report, a backup, and no symlink ever followed.

mod config;
mod line;
mod names;
mod plan;
mod specifiers;

use super::accounts::NssNames;
use super::cli::{RunArgs, TmpfilesArgs};
use super::walk::{self, state};
use crate::common::{Error, Exit, Result, Verbosity};
use line::{Item, Parsed, Resolvers};
use std::path::{Path, PathBuf};

pub(crate) fn run(args: &TmpfilesArgs, run: &RunArgs, verbosity: Verbosity) -> Result<Exit> {
    let root = args.root.clone().unwrap_or_else(|| PathBuf::from("/"));
    let items = read_items(args, &root, verbosity)?;
    let plan = plan::Plan::new(items, &root);
    if let Some(path) = &args.explain {
        return explain(&plan, &root, path, run.json);
    }
    let mut options = super::path::options(run, verbosity)?;
    // Like systemd-tmpfiles, lines reach across mounts below their path
    // only when asked: chk stays on the file system of each line's path.
    options.cross_mounts = run.cross_mounts;
    walk::check_targets(plan.targets(&root), &options)
}

/// Every usable line of the files, in the order read. Any line that
/// cannot be parsed fails the whole run (nothing is changed).
fn read_items(args: &TmpfilesArgs, root: &Path, verbosity: Verbosity) -> Result<Vec<Item>> {
    let specifiers = specifiers::Specifiers::of_this_machine(root);
    let root_names = names::RootNames::read(root);
    let nss = NssNames::default();
    let owners: &dyn super::ids::Names = match &root_names {
        Some(names) => names,
        None => &nss,
    };
    let resolvers = Resolvers {
        owners,
        acl: &nss,
        specifiers: &specifiers,
    };
    let mut items = Vec::new();
    let mut errors = Vec::new();
    let mut not_handled: Vec<String> = Vec::new();
    let mut skipped_lines = 0;
    for file in config::files(root, &args.configs)? {
        let text = std::fs::read(&file).map_err(|e| {
            Error::usage(format!(
                "cannot read {}: {}",
                super::quote::quoted(&file),
                super::quote::io_reason(&e)
            ))
        })?;
        let text = String::from_utf8_lossy(&text);
        for (index, text) in text.lines().enumerate() {
            let source = format!("{}:{}", file.display(), index + 1);
            match line::parse(text, &source, &resolvers) {
                Ok(Parsed::Nothing) => {}
                Ok(Parsed::NotHandled(kind)) => {
                    skipped_lines += 1;
                    if !not_handled.contains(&kind) {
                        not_handled.push(kind);
                    }
                }
                Ok(Parsed::Item(item)) if selected(&item.path, args) => items.push(item),
                Ok(Parsed::Item(_)) => {}
                Err(why) => errors.push(Error::bad_input(&file, index + 1, why)),
            }
        }
    }
    if let Some(last) = errors.pop() {
        for e in &errors {
            crate::common::error::report("chk", e);
        }
        return Err(last);
    }
    if skipped_lines > 0 && !verbosity.is_quiet() {
        eprintln!(
            "chk: tmpfiles: {skipped_lines} line(s) not handled, of types {} (chk handles a, a+, A, A+, z, Z)",
            not_handled.join(" ")
        );
    }
    Ok(items)
}

/// `--prefix` and `--exclude-prefix`, compared component by component.
fn selected(path: &str, args: &TmpfilesArgs) -> bool {
    let path = Path::new(path);
    (args.prefix.is_empty() || args.prefix.iter().any(|p| path.starts_with(p)))
        && !args.exclude_prefix.iter().any(|p| path.starts_with(p))
}

/// `--explain PATH`: the lines that reach PATH, in the order they apply,
/// then what they want, what is there and what would change.
fn explain(plan: &plan::Plan, root: &Path, path: &Path, json: bool) -> Result<Exit> {
    let text = path
        .to_str()
        .filter(|p| p.starts_with('/'))
        .ok_or_else(|| {
            Error::usage(format!(
                "--explain {}: give an absolute path",
                path.display()
            ))
        })?;
    let steps = plan.steps(text);
    let rel = text.trim_start_matches('/').as_bytes();
    let shown = root.join(text.trim_start_matches('/'));
    let node = super::node::open_below(root, rel)
        .map_err(|e| Error::io(format!("{}: opening", shown.display()), e))?;
    let stat = node
        .stat()
        .map_err(|e| Error::io(format!("{}: reading", shown.display()), e))?;
    let kind = u32::from(stat.stx_mode) & state::S_IFMT;
    if kind != state::S_IFDIR && kind != 0o100000 {
        return Err(Error::failed(format!(
            "{}: not a directory nor a regular file: chk never changes it",
            shown.display()
        )));
    }
    let current = state::read_state(state::Source::Node(&node), &stat)
        .map_err(|e| Error::io(format!("{}: reading", shown.display()), e))?;
    let steps: Vec<_> = steps.into_iter().cloned().collect();
    let end = super::edit::apply(&steps, current.clone())
        .map_err(|why| Error::failed(format!("{}: {why}", shown.display())))?;
    let wanted = state::Wanted {
        uid: end.uid,
        gid: end.gid,
        rules: state::WantedRights::Exact {
            mode: end.mode,
            access: end.access,
            default: end.default,
        },
        privacy: state::PrivacyNote::None,
    };
    let changes = state::differences(&current, &wanted);
    let steps: Vec<&super::edit::Step> = steps.iter().collect();
    super::explain::print_edits(&shown, &steps, &current, &wanted, &changes, json)?;
    Ok(if changes.is_empty() {
        Exit::Success
    } else {
        Exit::Found
    })
}
