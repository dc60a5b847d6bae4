//! `chk group NAME...` and `chk group --all`: the shared directory
//! `<groups_root>/NAME` of each group under Licorn's group model.

use super::accounts::{self, Group};
use super::acl::{self, Tag, W};
use super::config::Config;
use super::factory::Kind;
use super::model::{self, TargetSpec};
use super::node::Node;
use super::quote::{io_reason, quoted};
use super::walk::{Members, Ownership, Privacy, Target};
use crate::common::{Error, Exit, Result};
use std::collections::BTreeSet;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

pub const EXAMPLES: &str = "\
EXAMPLES:
  After untarring an archive into a shared directory:
    tar -xpf upload.tar -C /home/groups/devs && chk group devs -n
  devs is not permissive: members only read what they do not own, and the
  archive's owner (no account here) becomes root. Either give those
  entries to the member who untarred them, who can then write them:
    chk group devs --adopt alice
  or let every member write everything (chk.conf: permissive = [\"devs\"]):
    chk group devs
  Keep a 0600 secret owner-only, leave the build directory alone:
    chk group devs --adopt alice --keep-private --exclude build
  Make a missing shared directory as a repair would:
    chk group devs --create
  Nightly from cron: -q prints only errors, so cron mails only on failures:
    chk group --all -q
  What would change, as JSON lines:
    chk grp devs --dry-run --json

EXIT STATUS:
  0  compliant or repaired
  1  differences found (--dry-run)
  2  unknown group, bad chk.conf or system rule file, missing acl/admins
     group, --adopt naming someone who is not a member
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
    /// Give entries whose owner is no account (as `tar -xp` of another
    /// machine's archive leaves them) to USER, a member of the group,
    /// instead of orphan_owner, so that USER can write them
    #[arg(long, value_name = "USER", conflicts_with = "all")]
    pub adopt: Option<String>,
    /// Create <groups_root>/NAME when it does not exist, as a repair makes
    /// it (the model's owner, group, mode and ACLs); nothing with -n
    #[arg(long, conflicts_with = "all")]
    pub create: bool,
}

/// The targets of `chk group`, and the outcome of the ones that could not
/// even be started (a shared directory that is missing, or in a dry run
/// would be created).
pub fn targets(args: &GroupArgs, config: &Config, dry_run: bool) -> Result<(Vec<Target>, Exit)> {
    let dirs = if args.all {
        all(config)?
    } else {
        named(&args.names, config)?
    };
    let model = ModelGroups::resolve(config)?;
    let mut targets = Vec::new();
    let mut exit = Exit::Success;
    let mut missing_helpers = BTreeSet::new();
    for shared in dirs {
        let name = &shared.group.name;
        let dir = quoted(&shared.dir);
        match std::fs::symlink_metadata(&shared.dir) {
            Ok(meta) if meta.is_dir() => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && args.create && dry_run => {
                log::warn!("group {name}: {dir} does not exist: --create would make it");
                exit = exit.worst(Exit::Found);
                continue;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && args.create => {
                if let Err(why) = create(&shared, config) {
                    log::error!("group {name}: creating {dir}: {why}");
                    exit = exit.worst(Exit::Failed);
                    continue;
                }
                log::info!("group {name}: created {dir}");
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                log::error!(
                    "group {name}: {dir} does not exist (chk group {name} --create makes it)"
                );
                exit = exit.worst(Exit::Failed);
                continue;
            }
            Ok(meta) if meta.is_symlink() => {
                log::error!("group {name}: {dir} is a symbolic link: refused");
                exit = exit.worst(Exit::Failed);
                continue;
            }
            Ok(_) => {
                log::error!("group {name}: {dir} is not a directory");
                exit = exit.worst(Exit::Failed);
                continue;
            }
            Err(e) => {
                log::error!("group {name}: {dir}: {}", io_reason(&e));
                exit = exit.worst(Exit::Failed);
                continue;
            }
        }
        targets.push(target(
            &shared,
            &model,
            config,
            args.adopt.as_deref(),
            &mut missing_helpers,
        )?);
    }
    warn_missing_helpers(&missing_helpers);
    Ok((targets, exit))
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
pub fn warn_missing_helpers(missing: &BTreeSet<String>) {
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
pub fn target(
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
    pub admins: Group,
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
        Ok(ModelGroups {
            orphan_owner,
            admins: required("admins_group", &config.admins_group)?,
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

/// The helper groups of `group` that do not exist.
pub fn missing_helpers(group: &str, config: &Config) -> Result<Vec<String>> {
    let mut missing = Vec::new();
    for helper in [config.responsibles_group(group), config.guests_group(group)] {
        if lookup_group(&helper)?.is_none() {
            missing.push(helper);
        }
    }
    Ok(missing)
}
