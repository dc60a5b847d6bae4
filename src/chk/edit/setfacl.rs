//! setfacl's edits, as `setfacl -R` makes them on each entry (acl 2.3):
//! `-b` (the owning group keeps what the mask let through), `-k`, `-x`,
//! `-m` in that order; `X` is `x` on directories and where the ACL as
//! edited so far has an `x` anywhere; a default ACL edited where there is none starts
//! from the access ACL's base entries; then the mask of each ACL edited is
//! recalculated (the union of the group class) unless one was given or
//! `--no-mask` says so, in which case a mask the ACL needs and lacks takes
//! the owning group's rights. Default entries on files are passed over.

use super::entries::EntrySpec;
use super::{Draft, calc_mask, has_named, mask, perm_of, upsert, x_allowed};
use crate::chk::acl::{Entry, Tag};

#[derive(Clone, Debug, Default)]
pub(crate) struct SetfaclEdit {
    /// `-b`: drop every named entry and the mask, and the default ACL.
    pub remove_all: bool,
    /// `-k`: drop the default ACL.
    pub remove_default: bool,
    /// `-x`
    pub remove: Vec<EntrySpec>,
    /// `-m`
    pub modify: Vec<EntrySpec>,
    /// `--no-mask` (setfacl's `-n`)
    pub no_mask: bool,
}

/// One of the two ACLs while it is being edited.
struct Editing {
    entries: Vec<Entry>,
    changed: bool,
    mask_given: bool,
    mask_removed: bool,
}

impl SetfaclEdit {
    pub(crate) fn apply(&self, draft: &mut Draft) -> Result<(), String> {
        let mut access = Editing::new(draft.access_entries());
        let stored_default = draft.default.as_ref().map(|a| a.entries().to_vec());
        let mut default = Editing::new(stored_default.unwrap_or_default());
        if self.remove_all {
            let mask = perm_of(&access.entries, Tag::Mask);
            access
                .entries
                .retain(|e| !e.tag.is_named() && e.tag != Tag::Mask);
            if let (Some(mask), Some(group)) = (
                mask,
                access.entries.iter_mut().find(|e| e.tag == Tag::GroupObj),
            ) {
                group.perm &= mask;
            }
            access.changed = true;
            default.clear();
        }
        if self.remove_default {
            default.clear();
        }
        for spec in &self.remove {
            let list = match (spec.default, draft.is_dir) {
                (false, _) => &mut access,
                (true, true) => &mut default,
                (true, false) => continue,
            };
            if matches!(spec.tag, Tag::UserObj | Tag::GroupObj | Tag::Other) {
                return Err(format!("cannot remove the {} entry", base_name(spec.tag)));
            }
            list.entries
                .retain(|e| (e.tag, e.id) != (spec.tag, spec.id));
            list.mask_removed |= spec.tag == Tag::Mask;
            list.changed = true;
        }
        for spec in &self.modify {
            let list = match (spec.default, draft.is_dir) {
                (false, _) => &mut access,
                (true, true) => {
                    if default.entries.is_empty() {
                        default.entries = access
                            .entries
                            .iter()
                            .filter(|e| matches!(e.tag, Tag::UserObj | Tag::GroupObj | Tag::Other))
                            .copied()
                            .collect();
                    }
                    &mut default
                }
                (true, false) => continue,
            };
            let x = x_allowed(draft.is_dir, &list.entries);
            upsert(&mut list.entries, spec.resolve(x));
            list.mask_given |= spec.tag == Tag::Mask;
            list.changed = true;
        }
        if access.changed {
            draft.set_access(access.finish(self.no_mask)?)?;
        }
        if default.changed {
            draft.set_default(default.finish(self.no_mask)?)?;
        }
        Ok(())
    }
}

impl Editing {
    fn new(entries: Vec<Entry>) -> Editing {
        Editing {
            entries,
            changed: false,
            mask_given: false,
            mask_removed: false,
        }
    }

    fn clear(&mut self) {
        self.changed |= !self.entries.is_empty();
        self.entries.clear();
    }

    /// The entries to write, the mask settled; empty for "no default ACL".
    fn finish(mut self, no_mask: bool) -> Result<Vec<Entry>, String> {
        if self.entries.is_empty() {
            return Ok(self.entries);
        }
        let has_mask = perm_of(&self.entries, Tag::Mask).is_some();
        let named = has_named(&self.entries);
        if self.mask_removed && !has_mask {
            if named {
                return Err("the mask cannot be removed while named entries remain".into());
            }
        } else if !no_mask && !self.mask_given && (named || has_mask) {
            calc_mask(&mut self.entries);
        } else if named && !has_mask {
            let group = perm_of(&self.entries, Tag::GroupObj).unwrap_or(0);
            upsert(&mut self.entries, mask(group));
        }
        Ok(self.entries)
    }
}

fn base_name(tag: Tag) -> &'static str {
    match tag {
        Tag::UserObj => "u::",
        Tag::GroupObj => "g::",
        _ => "o::",
    }
}
