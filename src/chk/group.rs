//! `chk group NAME...` and `chk group --all`: the shared directory
//! `<groups_root>/NAME` of each group under Licorn's group model.

use super::accounts::{self, Group};
use super::acl::{self, Tag, W};
use super::cli::GroupArgs;
use super::config::Config;
use super::factory::Kind;
use super::model::{self, ModelGroups, Start, TargetSpec, lookup_group};
use super::node::Node;
use super::quote::{io_reason, quoted};
use super::walk::{Members, Ownership, Privacy, Target};
use crate::common::{Error, Exit, Result};
use std::collections::BTreeSet;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// The targets of `chk group`, and the outcome of the ones that could not
/// even be started (a shared directory that is missing, or in a dry run
/// would be created).
pub(crate) fn targets(
    args: &GroupArgs,
    config: &Config,
    dry_run: bool,
) -> Result<(Vec<Target>, Exit)> {
    let dirs = if args.selection.all {
        all(config)?
    } else {
        named(&args.selection.names, config)?
    };
    let mut missing_helpers = BTreeSet::new();
    let started = model::start_each(dirs, config, |shared, model| {
        if let Err(outcome) = check_dir(&shared, args.create, dry_run, config) {
            return Ok(Start::Not(outcome));
        }
        let adopt = args.adopt.as_deref();
        target(&shared, model, config, adopt, &mut missing_helpers)
            .map(|target| Start::Walk(Box::new(target)))
    });
    warn_missing_helpers(&missing_helpers);
    started
}

/// Whether the shared directory is there to walk (made first with
/// `--create`); the outcome of one that is not, already reported.
fn check_dir(
    shared: &SharedDir,
    create_missing: bool,
    dry_run: bool,
    config: &Config,
) -> std::result::Result<(), Exit> {
    let name = &shared.group.name;
    let dir = quoted(&shared.dir);
    let missing = |e: &std::io::Error| e.kind() == std::io::ErrorKind::NotFound;
    match std::fs::symlink_metadata(&shared.dir) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Err(e) if missing(&e) && create_missing && dry_run => {
            log::warn!("group {name}: {dir} does not exist: --create would make it");
            Err(Exit::Found)
        }
        Err(e) if missing(&e) && create_missing => match create(shared, config) {
            Ok(()) => {
                log::info!("group {name}: created {dir}");
                Ok(())
            }
            Err(why) => {
                log::error!("group {name}: creating {dir}: {why}");
                Err(Exit::Failed)
            }
        },
        Err(e) if missing(&e) => {
            log::error!("group {name}: {dir} does not exist (chk group {name} --create makes it)");
            Err(Exit::Failed)
        }
        Ok(meta) if meta.is_symlink() => {
            log::error!("group {name}: {dir} is a symbolic link: refused");
            Err(Exit::Failed)
        }
        Ok(_) => {
            log::error!("group {name}: {dir} is not a directory");
            Err(Exit::Failed)
        }
        Err(e) => {
            log::error!("group {name}: {dir}: {}", io_reason(&e));
            Err(Exit::Failed)
        }
    }
}

/// Makes `<groups_root>/NAME`, 0700 and root's until the walk that follows
/// gives it the model's group, mode and ACLs, as it would to one that was
/// there: `mkdirat` in the groups root, never through a symlink.
fn create(shared: &SharedDir, config: &Config) -> std::io::Result<()> {
    let root = Node::open_root(&config.groups_root)?;
    let name = shared.dir.file_name().unwrap_or_default();
    rustix::fs::mkdirat(root.fd(), name, rustix::fs::Mode::from_raw_mode(0o700))?;
    Ok(())
}

/// One warning for every helper group missing in the run, with the two
/// ways out.
pub(crate) fn warn_missing_helpers(missing: &BTreeSet<String>) {
    const SHOWN: usize = 6;
    if missing.is_empty() {
        return;
    }
    let shown: Vec<&str> = missing.iter().map(String::as_str).take(SHOWN).collect();
    let more = match missing.len() - shown.len() {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    let create: Vec<String> = shown
        .iter()
        .map(|name| format!("groupadd {name}"))
        .collect();
    log::warn!(
        "helper groups {}{more} do not exist: left out of the ACLs (create them: {}{}; \
         or set helper_groups = false in chk.conf)",
        shown.join(", "),
        create.join("; "),
        if more.is_empty() { "" } else { "; ..." }
    );
}

/// One shared directory as a walk target. `adopt`: `--adopt USER`, else
/// `adopt` of `[group.NAME]`.
/// Helper groups that `helper_groups` wants but the system does not have
/// are added to `missing`, for one warning ([`warn_missing_helpers`]).
pub(crate) fn target(
    shared: &SharedDir,
    model: &ModelGroups,
    config: &Config,
    adopt: Option<&str>,
    missing: &mut BTreeSet<String>,
) -> Result<Target> {
    let name = &shared.group.name;
    let settings = config.group_config(name);
    let adopter = match (adopt, settings.adopt.as_deref()) {
        (Some(user), _) => Some(adopter(user, &shared.group, "--adopt")?),
        (None, Some(user)) => Some(adopter(
            user,
            &shared.group,
            &format!("[group.{name}] adopt ="),
        )?),
        (None, None) => None,
    };
    // Without helper groups, they are left out as missing ones are, unsaid.
    let helpers = [config.responsibles_group(name), config.guests_group(name)];
    let left_out: BTreeSet<String> = if config.has_helper_groups(name) {
        let absent = missing_helpers(name, config)?;
        missing.extend(absent.iter().cloned());
        absent.into_iter().collect()
    } else {
        helpers.iter().cloned().collect()
    };
    let responsibles = match left_out.contains(&helpers[0]) {
        true => None,
        false => lookup_group(&helpers[0])?.map(|g| g.gid),
    };
    let permissive = is_permissive(shared, config);
    let spec = TargetSpec {
        kind: Kind::Groups,
        label: format!("group {name}"),
        root: shared.dir.clone(),
        group: Some(name.clone()),
        permissive,
        left_out,
        // `<groups_root>/NAME.check.conf`, which only root may own.
        own_rules: shared.rules_file.file_name().and_then(|file| {
            model::read_own_rules(&config.groups_root, None, Path::new(file), &[0])
        }),
        ownership: Ownership {
            owner: None,
            acl_group: Some(model.acl.gid),
            plain_group: None,
            orphan_owner: Some(adopter.unwrap_or(model.orphan_owner)),
            privacy: Some(Privacy {
                keep: config.keeps_private(name),
                allowed: [Some(model.admins.gid), responsibles],
            }),
        },
    };
    let mut target = model::target(spec, model, config)?;
    if !permissive {
        target.members = Some(Members::new(shared.group.gid, name));
    }
    Ok(target)
}

/// The uid of `login`, who is to own the entries of `group` that no
/// account owns; `what` says where it was asked for. Refused unless a
/// member: untarred files would go to someone the group does not know.
fn adopter(login: &str, group: &Group, what: &str) -> Result<u32> {
    let user = accounts::user_by_name(login)
        .map_err(|err| Error::io(format!("looking up user {login}"), err))?
        .ok_or_else(|| Error::usage(format!("{what} {login}: no such user")))?;
    if !accounts::is_member(&user, group.gid) {
        return Err(Error::usage(format!(
            "{what} {login}: {login} is not a member of group {g} (add them with: gpasswd -a {login} {g})",
            g = group.name
        )));
    }
    Ok(user.uid)
}

/// Listed in `permissive`, or else *(Licorn)* `g:NAME` of the directory's
/// default ACL grants w.
pub(crate) fn is_permissive(shared: &SharedDir, config: &Config) -> bool {
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
pub(crate) struct SharedDir {
    pub group: Group,
    /// `<groups_root>/NAME`.
    pub dir: PathBuf,
    /// `<groups_root>/NAME<suffix>`: admin-only rules of this group.
    pub rules_file: PathBuf,
}

/// The targets named on the command line; an unknown group is a usage error.
pub(crate) fn named(names: &[String], config: &Config) -> Result<Vec<SharedDir>> {
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
pub(crate) fn all(config: &Config) -> Result<Vec<SharedDir>> {
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

/// The helper groups of `group` that do not exist.
pub(crate) fn missing_helpers(group: &str, config: &Config) -> Result<Vec<String>> {
    let mut missing = Vec::new();
    for helper in [config.responsibles_group(group), config.guests_group(group)] {
        if lookup_group(&helper)?.is_none() {
            missing.push(helper);
        }
    }
    Ok(missing)
}
