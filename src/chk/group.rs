//! `chk group NAME...` and `chk group --all`: the shared directory
//! `<groups_root>/NAME` of each group under Licorn's group model.

use super::accounts::{self, Group};
use super::acl::{self, Tag, W};
use super::config::Config;
use super::factory::Kind;
use super::model::{self, TargetSpec};
use super::node::Node;
use super::walk::{Ownership, Target};
use crate::common::{Error, Exit, Result};
use std::collections::BTreeSet;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

pub const EXAMPLES: &str = "\
EXAMPLES:
  After untarring an archive into a shared directory:
    tar -xpf upload.tar -C /home/groups/devs && chk group devs
  Nightly from cron: -q prints only errors, so cron mails only on failures:
    chk group --all -q
  What would change, as JSON lines:
    chk grp devs --dry-run --json

EXIT STATUS:
  0  compliant or repaired
  1  differences found (--dry-run)
  2  unknown group, bad chk.conf or system rule file, missing acl/admins group
  3  some entries could not be checked or repaired, or a directory is missing";

/// `chk group NAME... | --all`
#[derive(clap::Args, Debug)]
pub struct GroupArgs {
    /// Groups whose shared directory <groups_root>/NAME to check
    #[arg(
        value_name = "NAME",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub names: Vec<String>,
    /// Every directory under groups_root that is named after a group
    #[arg(long)]
    pub all: bool,
}

/// The targets of `chk group`, and the outcome of the ones that could not
/// even be started (a shared directory that is missing).
pub fn targets(args: &GroupArgs, config: &Config) -> Result<(Vec<Target>, Exit)> {
    let dirs = if args.all {
        all(config)?
    } else {
        named(&args.names, config)?
    };
    let model = ModelGroups::resolve(config)?;
    let mut targets = Vec::new();
    let mut exit = Exit::Success;
    for shared in dirs {
        if !std::fs::symlink_metadata(&shared.dir).is_ok_and(|m| m.is_dir()) {
            log::error!(
                "group {}: {} is not a directory",
                shared.group.name,
                shared.dir.display()
            );
            exit = exit.worst(Exit::Failed);
            continue;
        }
        targets.push(target(&shared, &model, config)?);
    }
    Ok((targets, exit))
}

/// One shared directory as a walk target.
pub fn target(shared: &SharedDir, model: &ModelGroups, config: &Config) -> Result<Target> {
    let name = &shared.group.name;
    let spec = TargetSpec {
        kind: Kind::Groups,
        label: format!("group {name}"),
        root: shared.dir.clone(),
        group: Some(name.clone()),
        permissive: is_permissive(shared, config),
        left_out: missing_helpers(name, config)?.into_iter().collect(),
        // `<groups_root>/NAME.check.conf`, which only root may own.
        own_rules: shared.rules_file.file_name().and_then(|file| {
            model::read_own_rules(&config.groups_root, None, Path::new(file), &[0])
        }),
        ownership: Ownership {
            owner: None,
            acl_group: Some(model.acl.gid),
            plain_group: None,
            orphan_owner: Some(model.orphan_owner),
        },
    };
    model::target(spec, model, config)
}

/// Listed in `permissive`, or else *(Licorn)* `g:NAME` of the directory's
/// default ACL grants w.
pub fn is_permissive(shared: &SharedDir, config: &Config) -> bool {
    if config.permissive.contains(&shared.group.name) {
        return true;
    }
    let default =
        Node::open_root(&shared.dir).and_then(|node| acl::io::read(&node, acl::io::Kind::Default));
    match default {
        Ok(Some(acl)) => acl
            .get(Tag::Group, shared.group.gid)
            .is_some_and(|perm| perm & W != 0),
        Ok(None) => false,
        Err(err) => {
            log::warn!(
                "{}: reading the default ACL: {err}; taken as not permissive",
                shared.dir.display()
            );
            false
        }
    }
}

/// One group to check, resolved against the system and the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedDir {
    pub group: Group,
    /// `<groups_root>/NAME`.
    pub dir: PathBuf,
    /// `<groups_root>/NAME<suffix>`: admin-only rules of this group.
    pub rules_file: PathBuf,
}

/// The groups of the model every target needs: their absence is a
/// configuration error, not something to check around.
#[derive(Clone, Debug)]
pub struct ModelGroups {
    pub acl: Group,
    /// The web group, when it exists (left out of ACLs otherwise).
    pub web: Option<Group>,
    /// uid of `orphan_owner`.
    pub orphan_owner: u32,
}

impl ModelGroups {
    pub fn resolve(config: &Config) -> Result<ModelGroups> {
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
        // The admins group is named in ACL texts, not here; it must exist all the same.
        required("admins_group", &config.admins_group)?;
        Ok(ModelGroups {
            orphan_owner,
            acl: required("acl_group", &config.acl_group)?,
            web,
        })
    }
}

pub fn lookup_group(name: &str) -> Result<Option<Group>> {
    accounts::group_by_name(name).map_err(|err| Error::io(format!("looking up group {name}"), err))
}

/// The targets named on the command line; an unknown group is a usage error.
pub fn named(names: &[String], config: &Config) -> Result<Vec<SharedDir>> {
    let mut seen = BTreeSet::new();
    let mut dirs = Vec::new();
    for name in names {
        if !seen.insert(name.as_str()) {
            continue;
        }
        if name.is_empty() || name.contains('/') || name == "." || name == ".." {
            return Err(Error::usage(format!("`{name}` is not a group name")));
        }
        let group = lookup_group(name)?
            .ok_or_else(|| Error::usage(format!("group `{name}` does not exist")))?;
        dirs.push(shared_dir(group, config));
    }
    Ok(dirs)
}

/// Every directory under groups_root whose name is a group. Other entries
/// are reported (directories) or passed over (per-group rule files).
pub fn all(config: &Config) -> Result<Vec<SharedDir>> {
    let root = &config.groups_root;
    let what = || format!("reading {}", root.display());
    let mut names = Vec::new();
    for entry in std::fs::read_dir(root).map_err(|err| Error::io(what(), err))? {
        let entry = entry.map_err(|err| Error::io(what(), err))?;
        let file_type = entry.file_type().map_err(|err| Error::io(what(), err))?;
        let name = entry.file_name();
        if name
            .as_bytes()
            .ends_with(config.group_rules_suffix.as_bytes())
            && file_type.is_file()
        {
            continue;
        }
        if !file_type.is_dir() {
            log::warn!("skipping {}: not a directory", entry.path().display());
            continue;
        }
        match name.to_str() {
            Some(name) => names.push(name.to_string()),
            None => log::warn!("skipping {}: not a group name", entry.path().display()),
        }
    }
    names.sort();
    let mut dirs = Vec::new();
    for name in names {
        match lookup_group(&name)? {
            Some(group) => dirs.push(shared_dir(group, config)),
            None => log::warn!(
                "skipping {}: no group is named `{name}`",
                config.group_dir(&name).display()
            ),
        }
    }
    Ok(dirs)
}

fn shared_dir(group: Group, config: &Config) -> SharedDir {
    SharedDir {
        dir: config.group_dir(&group.name),
        rules_file: config.group_rules_file(&group.name),
        group,
    }
}

/// The helper groups of `group` that do not exist, each warned about once.
pub fn missing_helpers(group: &str, config: &Config) -> Result<Vec<String>> {
    let mut missing = Vec::new();
    for helper in [config.responsibles_group(group), config.guests_group(group)] {
        if lookup_group(&helper)?.is_none() {
            log::warn!("group `{helper}` does not exist: left out of {group}'s ACLs");
            missing.push(helper);
        }
    }
    Ok(missing)
}
