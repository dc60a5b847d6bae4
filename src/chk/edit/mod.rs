//! Edits of ACLs, mode and owner that depend on what an entry already has:
//! setfacl's (`chk path --modify`) and those of tmpfiles.d lines (`chk
//! tmpfiles`). Each is worked out on a [`Draft`] of the entry, the way the
//! original tool would change the real one, so the walker writes only the
//! end state, and nothing at all when the entry already has it.

pub(crate) mod entries;
pub(crate) mod setfacl;
pub(crate) mod tmpfiles;

use crate::chk::acl::{Acl, Entry, NO_ID, Tag};

/// An entry's owner, mode and ACLs, as the kernel keeps them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Draft {
    pub uid: u32,
    pub gid: u32,
    /// Permission bits with setuid/setgid/sticky (`& 0o7777`).
    pub mode: u32,
    pub is_dir: bool,
    /// The stored access ACL; `None` when the mode bits are the whole ACL.
    pub access: Option<Acl>,
    /// The stored default ACL (directories only).
    pub default: Option<Acl>,
}

/// One edit, with where it comes from (`FILE:LINE`, `--modify`) and how
/// it was written there.
#[derive(Clone, Debug)]
pub(crate) struct Step {
    pub source: String,
    pub text: String,
    pub edit: Edit,
}

#[derive(Clone, Debug)]
pub(crate) enum Edit {
    Setfacl(setfacl::SetfaclEdit),
    TmpfilesAcl(tmpfiles::AclLine),
    TmpfilesPerms(tmpfiles::PermsLine),
}

/// The state `steps` leave an entry in that is now `draft`, or why they
/// cannot be made (an ACL the kernel would refuse), naming the step.
pub(crate) fn apply(steps: &[Step], mut draft: Draft) -> Result<Draft, String> {
    for step in steps {
        let done = match &step.edit {
            Edit::Setfacl(edit) => edit.apply(&mut draft),
            Edit::TmpfilesAcl(line) => line.apply(&mut draft),
            Edit::TmpfilesPerms(line) => {
                line.apply(&mut draft);
                Ok(())
            }
        };
        done.map_err(|why| format!("{}: {why}", step.source))?;
    }
    Ok(draft)
}

impl Draft {
    /// The access ACL's entries: the stored ones, or the three the mode
    /// bits stand for.
    pub(crate) fn access_entries(&self) -> Vec<Entry> {
        self.access
            .clone()
            .unwrap_or_else(|| Acl::from_mode(self.mode))
            .entries()
            .to_vec()
    }

    /// Writes an access ACL as the kernel stores it: the mode's rwx bits
    /// follow it (special bits stay), and one of the three base entries
    /// alone is kept as mode bits only.
    pub(crate) fn set_access(&mut self, entries: Vec<Entry>) -> Result<(), String> {
        let acl = Acl::new(entries).map_err(|e| e.to_string())?;
        self.mode = (self.mode & 0o7000) | acl.mode_bits();
        self.access = (acl.entries().len() > 3).then_some(acl);
        Ok(())
    }

    /// Writes (or with no entries, removes) the default ACL.
    pub(crate) fn set_default(&mut self, entries: Vec<Entry>) -> Result<(), String> {
        self.default = if entries.is_empty() {
            None
        } else {
            Some(Acl::new(entries).map_err(|e| e.to_string())?)
        };
        Ok(())
    }

    /// chmod: with an ACL, the mode's owner, group-class and other bits
    /// go to u::, the mask (g:: without one) and o::.
    pub(crate) fn chmod(&mut self, mode: u32) {
        self.mode = mode & 0o7777;
        let Some(acl) = &self.access else { return };
        let has_mask = acl.get(Tag::Mask, NO_ID).is_some();
        let entries = acl.entries().iter().map(|e| {
            let shift = match e.tag {
                Tag::UserObj => 6,
                Tag::Mask => 3,
                Tag::GroupObj if !has_mask => 3,
                Tag::Other => 0,
                _ => return *e,
            };
            Entry {
                perm: ((mode >> shift) & 7) as u8,
                ..*e
            }
        });
        // The same tags as before: still a valid ACL.
        self.access = Acl::new(entries.collect()).ok();
    }
}

/// Sets `entry`'s permissions in `list`, adding it when missing.
pub(crate) fn upsert(list: &mut Vec<Entry>, entry: Entry) {
    match list
        .iter_mut()
        .find(|e| (e.tag, e.id) == (entry.tag, entry.id))
    {
        Some(e) => e.perm = entry.perm,
        None => list.push(entry),
    }
}

/// Whether `X` means `x` for an entry whose ACL is now `list`: on a
/// directory, or when some entry there (mask included) has `x` (setfacl
/// looks at the ACL as edited so far, entry by entry).
pub(crate) fn x_allowed(is_dir: bool, list: &[Entry]) -> bool {
    is_dir || list.iter().any(|e| e.perm & crate::chk::acl::X != 0)
}

pub(crate) fn has_named(list: &[Entry]) -> bool {
    list.iter().any(|e| e.tag.is_named())
}

pub(crate) fn perm_of(list: &[Entry], tag: Tag) -> Option<u8> {
    list.iter().find(|e| e.tag == tag).map(|e| e.perm)
}

/// Sets the mask to the union of the group class (named users, owning
/// group, named groups), as `acl_calc_mask(3)` does.
pub(crate) fn calc_mask(list: &mut Vec<Entry>) {
    let union = list
        .iter()
        .filter(|e| matches!(e.tag, Tag::User | Tag::GroupObj | Tag::Group))
        .fold(0, |acc, e| acc | e.perm);
    upsert(list, mask(union));
}

pub(crate) fn mask(perm: u8) -> Entry {
    Entry {
        tag: Tag::Mask,
        id: NO_ID,
        perm,
    }
}
