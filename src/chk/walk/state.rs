//! Current and wanted state of one entry, the differences, and the repair.

use super::{Ownership, Privacy};
use crate::chk::acl::{self, Acl, NO_ID, Tag, io::Kind};
use crate::chk::ids::Names;
use crate::chk::node::Node;
use crate::chk::rules::{Definition, Rule};
use rustix::fs::Statx;
use std::ffi::CStr;
use std::io;
use std::os::fd::BorrowedFd;

pub(crate) const S_IFMT: u32 = 0o170000;
pub(crate) const S_IFDIR: u32 = 0o040000;

/// What an entry has now: owner, mode and stored ACLs, the same state
/// setfacl's and tmpfiles.d's edits are worked out on.
pub(crate) type Current = crate::chk::edit::Draft;

/// What the governing rule wants.
#[derive(Clone, Debug)]
pub(crate) struct Wanted {
    pub uid: u32,
    pub gid: u32,
    pub rules: WantedRights,
    /// An owner-only entry the rule would open to others.
    pub privacy: PrivacyNote,
}

/// What the rule does to an entry only its owner may use now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum PrivacyNote {
    /// Not owner-only, or the rule keeps it so.
    #[default]
    None,
    /// Opened to others.
    Widened,
    /// Would have been opened; kept owner-only (`--keep-private`).
    KeptPrivate,
}

#[derive(Clone, Debug)]
pub(crate) enum WantedRights {
    /// No ACL at all and exactly this mode.
    Mode(u32),
    /// These ACLs; the mode's rwx bits follow the access ACL, special bits off.
    Acls { access: Acl, default: Option<Acl> },
    /// Exactly this mode and these stored ACLs (`None`: no xattr), as the
    /// edits of setfacl or tmpfiles.d lines leave an entry.
    Exact {
        mode: u32,
        access: Option<Acl>,
        default: Option<Acl>,
    },
}

/// One difference, with the values before and after.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Change {
    Owner(u32, u32),
    Group(u32, u32),
    Access(Option<Acl>, Option<Acl>),
    Default(Option<Acl>, Option<Acl>),
    Mode(u32, u32),
}

impl Change {
    /// The kind, as counted and printed.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Change::Owner(..) => "owner",
            Change::Group(..) => "group",
            Change::Access(..) => "access ACL",
            Change::Default(..) => "default ACL",
            Change::Mode(..) => "mode",
        }
    }

    /// Before and after as text: owners and groups by name (the number
    /// when no account has it), ACL qualifiers likewise.
    pub(crate) fn values(&self, names: &dyn Names) -> (String, String) {
        let acl = |a: &Option<Acl>| {
            a.as_ref()
                .map_or("none".to_string(), |a| a.to_text(Some(names)))
        };
        match self {
            Change::Owner(a, b) => (user_name(*a, names), user_name(*b, names)),
            Change::Group(a, b) => (group_name(*a, names), group_name(*b, names)),
            Change::Access(a, b) | Change::Default(a, b) => (acl(a), acl(b)),
            Change::Mode(a, b) => (format!("{a:04o}"), format!("{b:04o}")),
        }
    }

    /// Before and after for JSON: an owner or group as `{"id": 1001,
    /// "name": "webdev"}` (`name` null when no account has the id), the
    /// rest as the text of [`Self::values`].
    pub(crate) fn json_values(&self, names: &dyn Names) -> (serde_json::Value, serde_json::Value) {
        match self {
            Change::Owner(a, b) => (
                account(*a, names.user_name(*a)),
                account(*b, names.user_name(*b)),
            ),
            Change::Group(a, b) => (
                account(*a, names.group_name(*a)),
                account(*b, names.group_name(*b)),
            ),
            _ => {
                let (a, b) = self.values(names);
                (a.into(), b.into())
            }
        }
    }
}

/// A user by name, or its number when no account has it.
pub(crate) fn user_name(uid: u32, names: &dyn Names) -> String {
    names.user_name(uid).unwrap_or_else(|| uid.to_string())
}

/// A group by name, or its number when no group has it.
pub(crate) fn group_name(gid: u32, names: &dyn Names) -> String {
    names.group_name(gid).unwrap_or_else(|| gid.to_string())
}

/// An owner or group in JSON: its id and its name (null when unknown).
pub(crate) fn account(id: u32, name: Option<String>) -> serde_json::Value {
    serde_json::json!({ "id": id, "name": name })
}

/// Where an entry's state is read from.
#[derive(Clone, Copy)]
pub(crate) enum Source<'a> {
    /// The entry's own descriptor: what is read is what a repair changes.
    Node(&'a Node),
    /// The entry `name` of the open directory `dir`, read by name without
    /// following a symlink and without opening it (statx and getxattrat):
    /// only good for deciding that nothing needs doing.
    ByName { dir: BorrowedFd<'a>, name: &'a CStr },
}

/// Reads owner, mode and ACLs of an entry (`st_mode` etc. from its statx,
/// made through the same source).
pub(crate) fn read_state(source: Source<'_>, stat: &Statx) -> io::Result<Current> {
    let st_mode = u32::from(stat.stx_mode);
    let is_dir = st_mode & S_IFMT == S_IFDIR;
    let read = |kind| match source {
        Source::Node(node) => acl::io::read(node, kind),
        Source::ByName { dir, name } => acl::io::read_by_name(dir, name, kind),
    };
    let access = read(Kind::Access)?;
    let default = if is_dir { read(Kind::Default)? } else { None };
    Ok(Current {
        uid: stat.stx_uid,
        gid: stat.stx_gid,
        mode: st_mode & 0o7777,
        is_dir,
        access,
        default,
    })
}

/// One entry inspected: what it has, what its rule wants, what differs.
#[derive(Clone, Debug)]
pub(crate) struct Inspection {
    pub current: Current,
    pub wanted: Wanted,
    pub changes: Vec<Change>,
}

impl Inspection {
    /// The ACL of `kind` the entry is left with once the changes are made.
    pub(crate) fn acl_after(&self, kind: Kind) -> Option<&Acl> {
        let changed = self.changes.iter().find_map(|c| match (c, kind) {
            (Change::Access(_, to), Kind::Access) | (Change::Default(_, to), Kind::Default) => {
                Some(to)
            }
            _ => None,
        });
        match changed {
            Some(to) => to.as_ref(),
            None if kind == Kind::Access => self.current.access.as_ref(),
            None => self.current.default.as_ref(),
        }
    }

    /// A named entry whose rights the mask cuts, once the changes are
    /// made (the classic setfacl surprise): the entry, what gets through.
    pub(crate) fn masked_after(&self) -> Option<(acl::Entry, u8)> {
        [Kind::Access, Kind::Default]
            .into_iter()
            .find_map(|kind| self.acl_after(kind)?.masked())
    }

    /// Whether the members of group `gid` may not write the entry once
    /// repaired (the owner's own rights apart).
    pub(crate) fn read_only_to(&self, gid: u32) -> bool {
        match &self.wanted.rules {
            WantedRights::Acls { access, .. } => access.effective_of(Tag::Group, gid) & acl::W == 0,
            WantedRights::Mode(mode) => mode & 0o020 == 0 || self.wanted.gid != gid,
            WantedRights::Exact { mode, access, .. } => match access {
                Some(access) => access.effective_of(Tag::Group, gid) & acl::W == 0,
                None => mode & 0o020 == 0 || self.wanted.gid != gid,
            },
        }
    }
}

/// Why an entry could not be inspected.
#[derive(Debug)]
pub(crate) enum InspectError {
    /// Reading its ACLs failed.
    Read(io::Error),
    /// The rule cannot give a state for it.
    Rule(String),
}

/// Inspects one entry (a directory or a regular file): reads its state
/// from `source` (`stat` made through the same source), works out what
/// `rule` wants, and the difference. Reads only; the walker and `chk
/// explain` both decide with it. The only name lookup (does the owner
/// exist) belongs to the read stage; wanted and difference compare numbers.
pub(crate) fn inspect_entry(
    source: Source<'_>,
    stat: &Statx,
    rule: &Rule,
    ownership: &Ownership,
) -> Result<Inspection, InspectError> {
    let current = read_state(source, stat).map_err(InspectError::Read)?;
    let owner_exists = owner_exists(current.uid, ownership);
    let wanted =
        wanted_state(rule, &current, ownership, owner_exists).map_err(InspectError::Rule)?;
    let changes = differences(&current, &wanted);
    Ok(Inspection {
        current,
        wanted,
        changes,
    })
}

/// Whether the owner of an entry is a known user, when `ownership` needs
/// to know (orphans get `orphan_owner`): the one name-service lookup of
/// the inspect step, made while reading, never while comparing.
pub(crate) fn owner_exists(uid: u32, ownership: &Ownership) -> bool {
    ownership.owner.is_some()
        || ownership.orphan_owner.is_none()
        || crate::chk::accounts::uid_exists(uid)
}

/// The state `rule` wants for an entry that is now `cur`, whose owner
/// exists or not ([`owner_exists`]). Pure: no lookup, no system call.
pub(crate) fn wanted_state(
    rule: &Rule,
    cur: &Current,
    ownership: &Ownership,
    owner_exists: bool,
) -> Result<Wanted, String> {
    let uid = ownership.owner.unwrap_or(match ownership.orphan_owner {
        Some(to) if !owner_exists => to,
        _ => cur.uid,
    });
    // The execute bits kept by NOACL/PRIVATE: the owning group's is its
    // g:: entry's, not the mask's that an ACL shows in the mode.
    let group_x = match &cur.access {
        Some(acl) => acl
            .get(Tag::GroupObj, NO_ID)
            .map_or(0, |p| u32::from(p & acl::X) << 3),
        None => cur.mode & 0o010,
    };
    let keep_x = |bits: u32| (cur.mode & bits & 0o101) | (group_x & bits);
    let (group, rights) = match &rule.definition {
        Definition::Edits(steps) => {
            let end = crate::chk::edit::apply(steps, cur.clone())?;
            let rights = WantedRights::Exact {
                mode: end.mode,
                access: end.access,
                default: end.default,
            };
            let uid = ownership.owner.unwrap_or(end.uid);
            let gid = ownership.acl_group.unwrap_or(end.gid);
            // Edits say exactly what the admin wants: nothing to keep private.
            return Ok(Wanted {
                uid,
                gid,
                rules: rights,
                privacy: PrivacyNote::None,
            });
        }
        Definition::NoAcl => {
            let mode = if cur.is_dir {
                0o755
            } else {
                0o644 | keep_x(0o111)
            };
            (ownership.plain_group, WantedRights::Mode(mode))
        }
        Definition::Private => {
            let mode = if cur.is_dir {
                0o700
            } else {
                0o600 | keep_x(0o100)
            };
            (ownership.plain_group, WantedRights::Mode(mode))
        }
        Definition::Ignore => return Err(format!("rule {}: IGNORE: not checked", rule.source())),
        definition => {
            let owner_x = cur.mode & 0o100 != 0;
            let group_x = cur.mode & 0o010 != 0;
            let Some(acls) = definition.acls(cur.is_dir, owner_x, group_x) else {
                return Err(format!(
                    "rule {} was never merged into an ACL",
                    rule.source()
                ));
            };
            let (access, default) = acls.map_err(|why| format!("rule {}: {why}", rule.source()))?;
            (ownership.acl_group, WantedRights::Acls { access, default })
        }
    };
    let (rights, privacy) = match &ownership.privacy {
        Some(privacy) if is_owner_only(cur, privacy) && !keeps_owner_only(&rights, privacy) => {
            if privacy.keep {
                (owner_only(rights, privacy), PrivacyNote::KeptPrivate)
            } else {
                (rights, PrivacyNote::Widened)
            }
        }
        _ => (rights, PrivacyNote::None),
    };
    Ok(Wanted {
        uid,
        gid: group.unwrap_or(cur.gid),
        rules: rights,
        privacy,
    })
}

/// Whether only the owner (and the allowed groups) may use the entry now.
fn is_owner_only(cur: &Current, privacy: &Privacy) -> bool {
    match &cur.access {
        Some(acl) => acl.grants_only_owner(|gid| privacy.allows(gid)),
        None => cur.mode & 0o077 == 0,
    }
}

/// Whether `rights` leave the entry to its owner (and the allowed groups).
fn keeps_owner_only(rights: &WantedRights, privacy: &Privacy) -> bool {
    match rights {
        WantedRights::Mode(mode) => mode & 0o077 == 0,
        WantedRights::Acls { access, .. } => access.grants_only_owner(|gid| privacy.allows(gid)),
        WantedRights::Exact { mode, access, .. } => match access {
            Some(access) => access.grants_only_owner(|gid| privacy.allows(gid)),
            None => mode & 0o077 == 0,
        },
    }
}

/// `rights` cut down to the owner's and the allowed groups': what an
/// owner-only entry keeps under `--keep-private`.
fn owner_only(rights: WantedRights, privacy: &Privacy) -> WantedRights {
    let keep = |gid: u32| privacy.allows(gid);
    match rights {
        WantedRights::Mode(mode) => WantedRights::Mode(mode & !0o077),
        WantedRights::Acls { access, default } => WantedRights::Acls {
            access: access.owner_only_but(keep),
            default: default.map(|d| d.owner_only_but(keep)),
        },
        WantedRights::Exact {
            mode,
            access,
            default,
        } => WantedRights::Exact {
            mode: mode & !0o077,
            access: access.map(|a| a.owner_only_but(keep)),
            default: default.map(|d| d.owner_only_but(keep)),
        },
    }
}

/// Every difference between `cur` and `want`, in the order they are fixed.
pub(crate) fn differences(cur: &Current, want: &Wanted) -> Vec<Change> {
    let mut changes = Vec::new();
    if cur.uid != want.uid {
        changes.push(Change::Owner(cur.uid, want.uid));
    }
    if cur.gid != want.gid {
        changes.push(Change::Group(cur.gid, want.gid));
    }
    match &want.rules {
        WantedRights::Mode(mode) => {
            if cur.access.is_some() {
                changes.push(Change::Access(cur.access.clone(), None));
            }
            if cur.default.is_some() {
                changes.push(Change::Default(cur.default.clone(), None));
            }
            if cur.mode != *mode {
                changes.push(Change::Mode(cur.mode, *mode));
            }
        }
        WantedRights::Exact {
            mode,
            access,
            default,
        } => {
            let mut after_acl = cur.mode;
            if cur.access != *access {
                changes.push(Change::Access(cur.access.clone(), access.clone()));
                if let Some(acl) = access {
                    after_acl = (cur.mode & 0o7000) | acl.mode_bits();
                }
            }
            if cur.is_dir && cur.default != *default {
                changes.push(Change::Default(cur.default.clone(), default.clone()));
            }
            // chown drops setuid and setgid of a file: set the mode after it.
            let chown = cur.uid != want.uid || cur.gid != want.gid;
            if after_acl != *mode || (chown && !cur.is_dir && mode & 0o6000 != 0) {
                changes.push(Change::Mode(cur.mode, *mode));
            }
        }
        WantedRights::Acls { access, default } => {
            // After the ACL step, the rwx bits are the wanted ACL's unless
            // the current one already means the same.
            let mut rwx = cur.mode & 0o777;
            let now = cur
                .access
                .clone()
                .unwrap_or_else(|| Acl::from_mode(cur.mode));
            if access.is_minimal() {
                // Stored as mode bits only: drop any xattr (even one that
                // means the same, such as a lone mask), chmod to g::'s bits.
                if cur.access.is_some() {
                    changes.push(Change::Access(cur.access.clone(), None));
                }
                rwx = access.mode_bits();
            } else if !now.same_meaning(access) {
                changes.push(Change::Access(cur.access.clone(), Some(access.clone())));
                rwx = access.mode_bits();
            }
            let default_same = match (&cur.default, default) {
                (Some(a), Some(b)) => a.same_meaning(b),
                (a, b) => a.is_none() && b.is_none(),
            };
            if cur.is_dir && !default_same {
                changes.push(Change::Default(cur.default.clone(), default.clone()));
            }
            if cur.mode != rwx {
                changes.push(Change::Mode(cur.mode, rwx));
            }
        }
    }
    changes
}

/// Makes the changes through the descriptor: ownership, then ACLs, then
/// (after a fresh fstat) the mode bits the ACL write did not set.
pub(crate) fn apply(node: &Node, changes: &[Change]) -> Result<(), (&'static str, io::Error)> {
    let owner = changes.iter().find_map(|c| {
        if let Change::Owner(_, to) = c {
            Some(*to)
        } else {
            None
        }
    });
    let group = changes.iter().find_map(|c| {
        if let Change::Group(_, to) = c {
            Some(*to)
        } else {
            None
        }
    });
    if owner.is_some() || group.is_some() {
        node.chown(owner, group)
            .map_err(|e| ("changing ownership", e))?;
    }
    for change in changes {
        match change {
            Change::Access(_, Some(acl)) => acl::io::write(node, Kind::Access, acl),
            Change::Access(_, None) => acl::io::remove(node, Kind::Access),
            Change::Default(_, Some(acl)) => acl::io::write(node, Kind::Default, acl),
            Change::Default(_, None) => acl::io::remove(node, Kind::Default),
            _ => continue,
        }
        .map_err(|e| ("writing the ACL", e))?;
    }
    let Some((old_mode, wanted_mode)) = changes.iter().find_map(|c| {
        if let Change::Mode(from, to) = c {
            Some((*from, *to))
        } else {
            None
        }
    }) else {
        return Ok(());
    };
    // Writing an access ACL sets the rwx bits; with no special bit to
    // clear, there is nothing left for chmod and no need to look again.
    let written = changes.iter().find_map(|c| {
        if let Change::Access(_, Some(acl)) = c {
            Some(acl)
        } else {
            None
        }
    });
    if old_mode & 0o7000 == 0 && written.is_some_and(|acl| acl.mode_bits() == wanted_mode) {
        return Ok(());
    }
    let now = node.stat().map_err(|e| ("reading the mode back", e))?;
    let now = u32::from(now.stx_mode) & 0o7777;
    if now != wanted_mode {
        node.chmod(wanted_mode)
            .map_err(|e| ("changing the mode", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chk::acl::parse;
    use crate::chk::ids::tests::FakeNames;

    fn file(mode: u32, access: Option<&str>) -> Current {
        Current {
            uid: 1001,
            gid: 50,
            mode,
            is_dir: false,
            access: access.map(|t| parse(t, &FakeNames).unwrap()),
            default: None,
        }
    }

    fn acls(access: &str) -> Wanted {
        Wanted {
            uid: 1001,
            gid: 50,
            rules: WantedRights::Acls {
                access: parse(access, &FakeNames).unwrap(),
                default: None,
            },
            privacy: PrivacyNote::None,
        }
    }

    #[test]
    fn same_effective_rights_need_nothing() {
        let cur = file(0o660, Some("u::rw-,g::---,g:staff:rwx,m::rw-,o::---"));
        assert_eq!(
            differences(&cur, &acls("u::rw-,g::---,g:staff:rw-,m::rw-,o::---")),
            []
        );
    }

    fn rule(definition: crate::chk::rules::Definition) -> crate::chk::rules::Rule {
        crate::chk::rules::Rule::builtin(
            "t",
            crate::chk::rules::Pattern::Path {
                rel: Vec::new(),
                contents: false,
            },
            definition,
        )
    }

    #[test]
    fn noacl_keeps_the_owning_groups_execute_bit_not_the_masks() {
        // u:alice:rwx raised the mask to rwx; g:: itself has no x.
        let cur = file(0o674, Some("u::rw-,u:alice:rwx,g::r--,m::rwx,o::r--"));
        let wanted = wanted_state(
            &rule(crate::chk::rules::Definition::NoAcl),
            &cur,
            &Ownership::default(),
            true,
        )
        .unwrap();
        assert!(matches!(wanted.rules, WantedRights::Mode(0o644)));
    }

    #[test]
    fn a_lone_mask_never_reaches_the_owning_group() {
        let template =
            crate::chk::acl::parse_template("u::rw@UX,g::---,o::---,m::rw@GX", &FakeNames, true)
                .unwrap();
        let access = template.for_file(false, false).unwrap();
        assert_eq!(access.to_string(), "u::rw-,g::---,o::---");
        let want = Wanted {
            uid: 1001,
            gid: 50,
            rules: WantedRights::Acls {
                access,
                default: None,
            },
            privacy: PrivacyNote::None,
        };
        assert_eq!(
            differences(&file(0o644, None), &want),
            [Change::Mode(0o644, 0o600)]
        );
        // A stored mask-only ACL means g::--- too, but is dropped.
        let cur = file(0o660, Some("u::rw-,g::---,m::rw-,o::---"));
        assert_eq!(
            differences(&cur, &want),
            [
                Change::Access(cur.access.clone(), None),
                Change::Mode(0o660, 0o600)
            ]
        );
    }

    #[test]
    fn special_bits_are_cleared_under_acl_rules() {
        let cur = file(0o4660, Some("u::rw-,g::---,g:staff:rw-,m::rw-,o::---"));
        let changes = differences(&cur, &acls("u::rw-,g::---,g:staff:rw-,m::rw-,o::---"));
        assert_eq!(changes, [Change::Mode(0o4660, 0o660)]);
    }

    #[test]
    fn a_minimal_wanted_acl_drops_the_xattr_and_sets_the_mode() {
        let cur = file(0o660, Some("u::rw-,g::---,g:staff:rw-,m::rw-,o::---"));
        let changes = differences(&cur, &acls("u::rw-,g::r--,o::r--"));
        assert_eq!(
            changes,
            [
                Change::Access(cur.access.clone(), None),
                Change::Mode(0o660, 0o644)
            ]
        );
        // Without an xattr it is only a mode change.
        assert_eq!(
            differences(&file(0o600, None), &acls("u::rw-,g::r--,o::r--")),
            [Change::Mode(0o600, 0o644)]
        );
    }

    #[test]
    fn ownership_comes_first_and_private_keeps_the_owner_exec_bit() {
        let rule = crate::chk::rules::Rule::builtin(
            "t",
            crate::chk::rules::Pattern::Path {
                rel: Vec::new(),
                contents: false,
            },
            crate::chk::rules::Definition::Private,
        );
        let cur = file(0o4755, None);
        let own = Ownership {
            owner: Some(0),
            plain_group: Some(0),
            ..Ownership::default()
        };
        let wanted = wanted_state(&rule, &cur, &own, true).unwrap();
        assert_eq!(
            differences(&cur, &wanted),
            [
                Change::Owner(1001, 0),
                Change::Group(50, 0),
                Change::Mode(0o4755, 0o700)
            ]
        );
    }
}
