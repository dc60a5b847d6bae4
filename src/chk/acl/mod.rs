//! POSIX ACLs: the in-memory form, the kernel's xattr encoding, the short
//! text form, and reading/writing them through file descriptors.

mod error;
pub(crate) mod io;
mod text;
mod xattr;

pub(crate) use error::AclError;
#[cfg(test)]
pub(crate) use text::parse;
pub(crate) use text::{Exec, Template, TemplateEntry, parse_template};

use crate::chk::ids::Names;
use std::fmt::Write as _;

/// Entry tags, in the kernel's order (the xattr form is sorted by tag).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Tag {
    UserObj,
    User,
    GroupObj,
    Group,
    Mask,
    Other,
}

impl Tag {
    pub(crate) fn is_named(self) -> bool {
        matches!(self, Tag::User | Tag::Group)
    }

    /// A tag as getfacl and setfacl write it (`u`/`user`, `g`/`group`,
    /// `m`/`mask`, `o`/`other`); `named`: a qualifier follows it.
    pub(crate) fn from_text(text: &str, named: bool) -> Result<Tag, BadTag> {
        match (text, named) {
            ("u" | "user", false) => Ok(Tag::UserObj),
            ("u" | "user", true) => Ok(Tag::User),
            ("g" | "group", false) => Ok(Tag::GroupObj),
            ("g" | "group", true) => Ok(Tag::Group),
            ("m" | "mask", false) => Ok(Tag::Mask),
            ("o" | "other", false) => Ok(Tag::Other),
            ("m" | "mask" | "o" | "other", true) => Err(BadTag::TakesNoQualifier),
            _ => Err(BadTag::Unknown),
        }
    }
}

/// Why [`Tag::from_text`] found no tag.
pub(crate) enum BadTag {
    /// `m` or `o` with a qualifier.
    TakesNoQualifier,
    Unknown,
}

pub(crate) const R: u8 = 4;
pub(crate) const W: u8 = 2;
pub(crate) const X: u8 = 1;
/// The qualifier of entries that name nobody (u::, g::, m::, o::).
pub(crate) const NO_ID: u32 = u32::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub tag: Tag,
    pub id: u32,
    pub perm: u8,
}

/// A valid ACL: u::, g::, o:: present, no duplicate, a mask whenever there
/// are named entries, entries sorted by tag then id (the kernel's order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Acl {
    entries: Vec<Entry>,
}

impl Acl {
    /// Checks and sorts `entries`; adds the mask setfacl would compute (the
    /// union of the group class) when named entries come without one.
    pub(crate) fn new(mut entries: Vec<Entry>) -> Result<Acl, AclError> {
        entries.sort_by_key(|e| (e.tag, e.id));
        for pair in entries.windows(2) {
            if (pair[0].tag, pair[0].id) == (pair[1].tag, pair[1].id) {
                let text = entry_text(&pair[0], None);
                return Err(AclError::Duplicate(text[..text.len() - 3].to_string()));
            }
        }
        for (tag, name) in [
            (Tag::UserObj, "u::"),
            (Tag::GroupObj, "g::"),
            (Tag::Other, "o::"),
        ] {
            if !entries.iter().any(|e| e.tag == tag) {
                return Err(AclError::Missing(name));
            }
        }
        let named = entries.iter().any(|e| e.tag.is_named());
        if named && !entries.iter().any(|e| e.tag == Tag::Mask) {
            let perm = entries
                .iter()
                .filter(|e| matches!(e.tag, Tag::User | Tag::GroupObj | Tag::Group))
                .fold(0, |acc, e| acc | e.perm);
            entries.push(Entry {
                tag: Tag::Mask,
                id: NO_ID,
                perm,
            });
            entries.sort_by_key(|e| (e.tag, e.id));
        }
        Ok(Acl { entries })
    }

    /// The three-entry ACL that a mode without an ACL stands for.
    pub(crate) fn from_mode(mode: u32) -> Acl {
        let bits = |shift: u32| ((mode >> shift) & 7) as u8;
        Acl {
            entries: vec![
                Entry {
                    tag: Tag::UserObj,
                    id: NO_ID,
                    perm: bits(6),
                },
                Entry {
                    tag: Tag::GroupObj,
                    id: NO_ID,
                    perm: bits(3),
                },
                Entry {
                    tag: Tag::Other,
                    id: NO_ID,
                    perm: bits(0),
                },
            ],
        }
    }

    pub(crate) fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub(crate) fn get(&self, tag: Tag, id: u32) -> Option<u8> {
        self.entries
            .iter()
            .find(|e| e.tag == tag && e.id == id)
            .map(|e| e.perm)
    }

    /// No named entries: the kernel stores such an ACL as mode bits only.
    pub(crate) fn is_minimal(&self) -> bool {
        !self.entries.iter().any(|e| e.tag.is_named())
    }

    /// The rwx bits of the mode this ACL sets (group class = mask if any).
    pub(crate) fn mode_bits(&self) -> u32 {
        let get = |tag| self.get(tag, NO_ID).unwrap_or(0) as u32;
        let group = self
            .get(Tag::Mask, NO_ID)
            .map_or(get(Tag::GroupObj), u32::from);
        (get(Tag::UserObj) << 6) | (group << 3) | get(Tag::Other)
    }

    /// Same entries granting the same effective rights. The mask value
    /// itself does not matter, only what it lets through.
    pub(crate) fn same_meaning(&self, other: &Acl) -> bool {
        let a: Vec<_> = self.effective().collect();
        let b: Vec<_> = other.effective().collect();
        a == b
    }

    /// (tag, id, effective permission) of every entry but the mask.
    fn effective(&self) -> impl Iterator<Item = (Tag, u32, u8)> + '_ {
        let mask = self.get(Tag::Mask, NO_ID).unwrap_or(7);
        self.entries
            .iter()
            .filter(|e| e.tag != Tag::Mask)
            .map(move |e| match e.tag {
                Tag::User | Tag::GroupObj | Tag::Group => (e.tag, e.id, e.perm & mask),
                _ => (e.tag, e.id, e.perm),
            })
    }

    /// What an entry lets through: its rights, cut by the mask for the
    /// group class; 0 for an entry the ACL does not have.
    pub(crate) fn effective_of(&self, tag: Tag, id: u32) -> u8 {
        let Some(perm) = self.get(tag, id) else {
            return 0;
        };
        match tag {
            Tag::User | Tag::GroupObj | Tag::Group => {
                perm & self.get(Tag::Mask, NO_ID).unwrap_or(R | W | X)
            }
            _ => perm,
        }
    }

    /// Whether `other` grants everything `self` lets through (each entry's
    /// effective rights), so that putting `self` in its place narrows or
    /// changes nothing.
    pub(crate) fn within(&self, other: &Acl) -> bool {
        self.entries.iter().filter(|e| e.tag != Tag::Mask).all(|e| {
            let mine = self.effective_of(e.tag, e.id);
            mine & other.effective_of(e.tag, e.id) == mine
        })
    }

    /// The rights both ACLs grant, and no more: each entry of `self` with
    /// what it lets through in both (a named entry only when `other` has it
    /// too), the mask letting exactly those through. Never wider than
    /// either, whatever their masks.
    pub(crate) fn intersect(&self, other: &Acl) -> Acl {
        let mut entries: Vec<Entry> = self
            .entries
            .iter()
            .filter(|e| e.tag != Tag::Mask)
            .filter(|e| !e.tag.is_named() || other.get(e.tag, e.id).is_some())
            .map(|e| Entry {
                perm: self.effective_of(e.tag, e.id) & other.effective_of(e.tag, e.id),
                ..*e
            })
            .collect();
        if entries.iter().any(|e| e.tag.is_named()) {
            let perm = entries
                .iter()
                .filter(|e| matches!(e.tag, Tag::User | Tag::GroupObj | Tag::Group))
                .fold(0, |acc, e| acc | e.perm);
            entries.push(Entry {
                tag: Tag::Mask,
                id: NO_ID,
                perm,
            });
            entries.sort_by_key(|e| (e.tag, e.id));
        }
        Acl { entries }
    }

    /// Whether nobody but the owner gets any right from this ACL, named
    /// groups for which `allowed` is true apart.
    pub(crate) fn grants_only_owner(&self, allowed: impl Fn(u32) -> bool) -> bool {
        self.entries.iter().all(|e| match e.tag {
            Tag::UserObj | Tag::Mask => true,
            Tag::Group if allowed(e.id) => true,
            _ => self.effective_of(e.tag, e.id) == 0,
        })
    }

    /// The ACL with only the owner's rights and those of the named groups
    /// for which `allowed` is true: `g::` and `o::` get nothing, other named
    /// entries go, and the mask lets through no more than it did.
    pub(crate) fn owner_only_but(&self, allowed: impl Fn(u32) -> bool) -> Acl {
        let mask = self.get(Tag::Mask, NO_ID).unwrap_or(R | W | X);
        let mut entries: Vec<Entry> = self
            .entries
            .iter()
            .filter(|e| {
                e.tag != Tag::Mask && (!e.tag.is_named() || (e.tag == Tag::Group && allowed(e.id)))
            })
            .map(|e| match e.tag {
                Tag::GroupObj | Tag::Other => Entry { perm: 0, ..*e },
                _ => *e,
            })
            .collect();
        if entries.iter().any(|e| e.tag.is_named()) {
            let union = entries
                .iter()
                .filter(|e| e.tag == Tag::Group)
                .fold(0, |acc, e| acc | e.perm);
            entries.push(Entry {
                tag: Tag::Mask,
                id: NO_ID,
                perm: union & mask,
            });
            entries.sort_by_key(|e| (e.tag, e.id));
        }
        Acl { entries }
    }

    /// The first entry of the group class whose rights the mask cuts
    /// (`g:webdev:rwx` under `m::r-x`): the entry and what gets through.
    pub(crate) fn masked(&self) -> Option<(Entry, u8)> {
        let mask = self.get(Tag::Mask, NO_ID)?;
        self.entries
            .iter()
            .find(|e| e.tag.is_named() && e.perm & !mask != 0)
            .map(|e| (*e, e.perm & mask))
    }

    /// One entry in the short text form (`g:webdev:rwx`).
    pub(crate) fn entry_text(entry: &Entry, names: Option<&dyn Names>) -> String {
        entry_text(entry, names)
    }

    /// Short text form, names where `names` knows them, else numbers.
    pub(crate) fn to_text(&self, names: Option<&dyn Names>) -> String {
        let parts: Vec<String> = self.entries.iter().map(|e| entry_text(e, names)).collect();
        parts.join(",")
    }
}

impl std::fmt::Display for Acl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_text(None))
    }
}

pub(crate) fn perm_text(perm: u8) -> String {
    let mut s = String::with_capacity(3);
    s.push(if perm & R != 0 { 'r' } else { '-' });
    s.push(if perm & W != 0 { 'w' } else { '-' });
    s.push(if perm & X != 0 { 'x' } else { '-' });
    s
}

fn entry_text(e: &Entry, names: Option<&dyn Names>) -> String {
    let mut s = String::new();
    let (tag, qualifier) = match e.tag {
        Tag::UserObj => ("u", String::new()),
        Tag::User => ("u", qualifier(names.and_then(|n| n.user_name(e.id)), e.id)),
        Tag::GroupObj => ("g", String::new()),
        Tag::Group => ("g", qualifier(names.and_then(|n| n.group_name(e.id)), e.id)),
        Tag::Mask => ("m", String::new()),
        Tag::Other => ("o", String::new()),
    };
    let _ = write!(s, "{tag}:{qualifier}:{}", perm_text(e.perm));
    s
}

fn qualifier(name: Option<String>, id: u32) -> String {
    name.unwrap_or_else(|| id.to_string())
}

/// The long form getfacl prints, one entry a line, numeric qualifiers,
/// `prefix` being "" or "default:".
pub(crate) fn dump_lines(acl: &Acl, prefix: &str, out: &mut String) {
    for e in acl.entries() {
        let (tag, q) = match e.tag {
            Tag::UserObj => ("user", String::new()),
            Tag::User => ("user", e.id.to_string()),
            Tag::GroupObj => ("group", String::new()),
            Tag::Group => ("group", e.id.to_string()),
            Tag::Mask => ("mask", String::new()),
            Tag::Other => ("other", String::new()),
        };
        let _ = writeln!(out, "{prefix}{tag}:{q}:{}", perm_text(e.perm));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(tag: Tag, id: u32, perm: u8) -> Entry {
        Entry { tag, id, perm }
    }

    #[test]
    fn mask_is_computed_when_missing() {
        let acl = Acl::new(vec![
            e(Tag::Other, NO_ID, 0),
            e(Tag::Group, 50, 5),
            e(Tag::UserObj, NO_ID, 7),
            e(Tag::GroupObj, NO_ID, 2),
        ])
        .unwrap();
        assert_eq!(acl.get(Tag::Mask, NO_ID), Some(7));
        assert_eq!(acl.to_string(), "u::rwx,g::-w-,g:50:r-x,m::rwx,o::---");
        assert_eq!(acl.mode_bits(), 0o770);
    }

    #[test]
    fn missing_and_duplicate_entries_are_refused() {
        let err = Acl::new(vec![e(Tag::UserObj, NO_ID, 7), e(Tag::Other, NO_ID, 0)]).unwrap_err();
        assert_eq!(err, AclError::Missing("g::"));
        assert_eq!(err.to_string(), "missing g:: entry");
        let err = Acl::new(vec![
            e(Tag::UserObj, NO_ID, 7),
            e(Tag::GroupObj, NO_ID, 7),
            e(Tag::Other, NO_ID, 0),
            e(Tag::User, 5, 7),
            e(Tag::User, 5, 4),
        ])
        .unwrap_err();
        assert_eq!(err.to_string(), "duplicate entry `u:5:`");
    }

    #[test]
    fn effective_rights_not_text_decide() {
        let base = |named: u8, mask: u8| {
            Acl::new(vec![
                e(Tag::UserObj, NO_ID, 6),
                e(Tag::GroupObj, NO_ID, 0),
                e(Tag::Group, 7, named),
                e(Tag::Mask, NO_ID, mask),
                e(Tag::Other, NO_ID, 0),
            ])
            .unwrap()
        };
        // g:7:rwx under mask rw- is g:7:rw- in effect.
        assert!(base(7, 6).same_meaning(&base(6, 6)));
        assert!(base(6, 7).same_meaning(&base(6, 6)));
        assert!(!base(7, 7).same_meaning(&base(6, 6)));
        assert!(!base(6, 6).same_meaning(&Acl::from_mode(0o600)));
    }

    #[test]
    fn owner_only_keeps_the_allowed_groups_and_no_wider_mask() {
        let acl = Acl::new(vec![
            e(Tag::UserObj, NO_ID, 6),
            e(Tag::GroupObj, NO_ID, 4),
            e(Tag::User, 9, 6),
            e(Tag::Group, 60, 6),
            e(Tag::Group, 50, 4),
            e(Tag::Mask, NO_ID, 6),
            e(Tag::Other, NO_ID, 4),
        ])
        .unwrap();
        let admins = |id: u32| id == 60;
        assert!(!acl.grants_only_owner(admins));
        let private = acl.owner_only_but(admins);
        assert_eq!(private.to_string(), "u::rw-,g::---,g:60:rw-,m::rw-,o::---");
        assert!(private.grants_only_owner(admins));
        assert!(!private.grants_only_owner(|_| false));
        assert_eq!(
            acl.owner_only_but(|_| false).to_string(),
            "u::rw-,g::---,o::---"
        );
        // A masked-out entry grants nothing.
        let masked = Acl::new(vec![
            e(Tag::UserObj, NO_ID, 6),
            e(Tag::GroupObj, NO_ID, 0),
            e(Tag::Group, 50, 7),
            e(Tag::Mask, NO_ID, 0),
            e(Tag::Other, NO_ID, 0),
        ])
        .unwrap();
        assert!(masked.grants_only_owner(|_| false));
        assert_eq!(masked.masked().map(|(e, eff)| (e.id, eff)), Some((50, 0)));
        assert_eq!(private.masked(), None);
    }

    #[test]
    fn an_intersection_is_never_wider_than_either_side() {
        let acl = |entries: &[(Tag, u32, u8)]| {
            Acl::new(
                entries
                    .iter()
                    .map(|&(tag, id, perm)| e(tag, id, perm))
                    .collect(),
            )
            .unwrap()
        };
        // g:7:rwx cut to r-- by the mask; the backup had it rwx, unmasked.
        let now = acl(&[
            (Tag::UserObj, NO_ID, 7),
            (Tag::GroupObj, NO_ID, 5),
            (Tag::Group, 7, 7),
            (Tag::User, 9, 6),
            (Tag::Mask, NO_ID, 4),
            (Tag::Other, NO_ID, 4),
        ]);
        let then = acl(&[
            (Tag::UserObj, NO_ID, 6),
            (Tag::GroupObj, NO_ID, 7),
            (Tag::Group, 7, 7),
            (Tag::Other, NO_ID, 0),
        ]);
        let both = now.intersect(&then);
        assert_eq!(both.to_string(), "u::rw-,g::r--,g:7:r--,m::r--,o::---");
        // Only named entries on both sides stay; none left is the mode alone.
        let plain = now.intersect(&Acl::from_mode(0o755));
        assert_eq!(plain.to_string(), "u::rwx,g::r--,o::r--");
        assert!(plain.is_minimal());
        assert!(both.within(&now) && both.within(&then));
        assert!(!then.within(&now) && !now.within(&then));
        // A named entry wider than its mask is only what the mask lets through.
        let masked = acl(&[
            (Tag::UserObj, NO_ID, 6),
            (Tag::GroupObj, NO_ID, 0),
            (Tag::User, 9, 7),
            (Tag::Mask, NO_ID, 4),
            (Tag::Other, NO_ID, 0),
        ]);
        assert!(masked.within(&masked.intersect(&masked)));
    }
}
