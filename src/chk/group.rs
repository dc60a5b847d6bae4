//! `chk group NAME...` and `chk group --all`: the shared directory
//! `<groups_root>/NAME` of each group under Licorn's group model.

use super::accounts::{self, Group};
use super::config::Config;
use crate::cli::{Error, Result};
use std::collections::BTreeSet;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

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
    pub admins: Group,
    /// The web group, when it exists (left out of ACLs otherwise).
    pub web: Option<Group>,
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
        Ok(ModelGroups {
            acl: required("acl_group", &config.acl_group)?,
            admins: required("admins_group", &config.admins_group)?,
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
