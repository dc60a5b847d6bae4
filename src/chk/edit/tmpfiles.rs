//! What the tmpfiles.d line types chk handles do to an existing entry, as
//! systemd-tmpfiles 252 does it:
//! - `a`/`A` replace the ACL with the line's entries (mask computed from
//!   them when they name someone and give none), the base entries the line
//!   leaves out taken from the entry's mode at that moment; `a+`/`A+` set
//!   the line's entries in the ACL there (a default ACL there is none of
//!   starts empty), the mask computed only when there is none. Default
//!   entries go to directories only.
//! - `z`/`Z` chown, then chmod to the line's mode (`~`: without the
//!   execute, write or read bits the entry has none of, nor special bits on
//!   files; `:`: not at all for an existing entry), or back to the mode the
//!   entry had when only the owner changed (chown drops setuid).

use super::entries::EntrySpec;
use super::{Draft, calc_mask, has_named, perm_of, upsert, x_allowed};
use crate::chk::acl::{Acl, Entry, Tag};

#[derive(Clone, Debug)]
pub(crate) struct AclLine {
    /// `a+`/`A+`
    pub append: bool,
    pub access: Vec<EntrySpec>,
    pub default: Vec<EntrySpec>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct PermsLine {
    pub mode: Option<u32>,
    /// `~` before the mode.
    pub mask_perms: bool,
    /// `:` before the mode.
    pub only_create: bool,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
}

impl AclLine {
    pub(crate) fn apply(&self, draft: &mut Draft) -> Result<(), String> {
        if !self.access.is_empty() {
            let old = draft.access_entries();
            let entries = self.edited(old, &self.access, draft);
            draft.set_access(entries)?;
        }
        if !self.default.is_empty() && draft.is_dir {
            let old = draft.default.as_ref().map(|a| a.entries().to_vec());
            let entries = self.edited(old.unwrap_or_default(), &self.default, draft);
            draft.set_default(entries)?;
        }
        Ok(())
    }

    /// The entries one ACL gets from `old` (used by `+` only).
    fn edited(&self, old: Vec<Entry>, specs: &[EntrySpec], draft: &Draft) -> Vec<Entry> {
        // `X` (chk's extension) as setfacl reads it, against the ACL there.
        let x = x_allowed(draft.is_dir, &old);
        let mut entries = if self.append { old } else { Vec::new() };
        for spec in specs {
            upsert(&mut entries, spec.resolve(x));
        }
        if has_named(&entries) && perm_of(&entries, Tag::Mask).is_none() {
            calc_mask(&mut entries);
        }
        for base in Acl::from_mode(draft.mode).entries() {
            if perm_of(&entries, base.tag).is_none() {
                entries.push(*base);
            }
        }
        entries
    }
}

impl PermsLine {
    pub(crate) fn apply(&self, draft: &mut Draft) {
        let chown =
            self.uid.is_some_and(|u| u != draft.uid) || self.gid.is_some_and(|g| g != draft.gid);
        let new_mode = match self.mode {
            Some(mode) if !self.only_create && self.mask_perms => masked(mode, draft),
            Some(mode) if !self.only_create => mode,
            _ => draft.mode,
        };
        draft.uid = self.uid.unwrap_or(draft.uid);
        draft.gid = self.gid.unwrap_or(draft.gid);
        if self.mode.is_some() || chown {
            draft.chmod(new_mode);
        }
    }
}

/// The `~` mode: bits of a class the entry has none of are dropped.
fn masked(mut mode: u32, draft: &Draft) -> u32 {
    for class in [0o111, 0o222, 0o444] {
        if draft.mode & class == 0 {
            mode &= !class;
        }
    }
    if !draft.is_dir {
        mode &= !0o7000;
    }
    mode
}
