//! The short text form (`u::rwx,g:staff:r-x,m::rwx,o::---`) and templates,
//! whose permissions may take the execute bit from the file (`rw@UX`).

use super::{Acl, AclError, BadTag, Entry, NO_ID, R, Tag, W, X};
use crate::chk::ids::Names;

/// Where a template entry's execute bit comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exec {
    /// As written (`x` or `-`).
    Fixed,
    /// `@UX`: the owner execute bit of the file.
    Owner,
    /// `@GX`: the group-class execute bit of the file.
    Group,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TemplateEntry {
    pub tag: Tag,
    pub id: u32,
    pub perm: u8,
    pub exec: Exec,
}

/// An ACL whose execute bits may depend on the file it is applied to.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct Template {
    pub entries: Vec<TemplateEntry>,
}

impl Template {
    /// The ACL for a file whose owner / group-class execute bits are given.
    pub(crate) fn for_file(&self, owner_x: bool, group_x: bool) -> Result<Acl, AclError> {
        let entries = self.entries.iter().map(|t| {
            let x = match t.exec {
                Exec::Fixed => t.perm & X != 0,
                Exec::Owner => owner_x,
                Exec::Group => group_x,
            };
            Entry {
                tag: t.tag,
                id: t.id,
                perm: (t.perm & !X) | if x { X } else { 0 },
            }
        });
        let mut entries: Vec<Entry> = entries.collect();
        // Without named entries the ACL is the mode bits, whose group bits
        // must be the owning group's (g::) rights: a lone mask would hand
        // its rights to the owning group.
        if !entries.iter().any(|e| e.tag.is_named()) {
            entries.retain(|e| e.tag != Tag::Mask);
        }
        Acl::new(entries)
    }

    /// The directory form: every `@UX`/`@GX` becomes `x`.
    pub(crate) fn for_directory(&self) -> Result<Acl, AclError> {
        self.for_file(true, true)
    }

    /// Adds (or replaces) named entries; a mask present grows to let them
    /// through, as setfacl -m does.
    pub(crate) fn add_named(&mut self, extra: &[TemplateEntry]) {
        for new in extra {
            self.entries.retain(|t| (t.tag, t.id) != (new.tag, new.id));
            self.entries.push(new.clone());
            if let Some(mask) = self.entries.iter_mut().find(|t| t.tag == Tag::Mask) {
                mask.perm |= new.perm;
                if new.exec == Exec::Fixed && new.perm & X != 0 {
                    mask.exec = Exec::Fixed;
                }
            }
        }
    }
}

/// Parses a plain ACL (no `@` macros).
#[cfg(test)]
pub(crate) fn parse(text: &str, names: &dyn Names) -> Result<Acl, AclError> {
    let template = parse_template(text, names, false)?;
    template.for_file(false, false)
}

/// Parses comma-separated `tag:qualifier:perms` entries. With
/// `exec_macros`, `@UX` and `@GX` may stand for an execute bit. Only the
/// entries' syntax is checked here; `Template::for_file` checks the whole.
pub(crate) fn parse_template(
    text: &str,
    names: &dyn Names,
    exec_macros: bool,
) -> Result<Template, AclError> {
    let mut entries = Vec::new();
    for part in text.split(',') {
        let part = part.trim();
        if part.is_empty() {
            return Err(AclError::EmptyEntry(text.to_string()));
        }
        entries.push(parse_entry(part, names, exec_macros)?);
    }
    Ok(Template { entries })
}

fn parse_entry(
    text: &str,
    names: &dyn Names,
    exec_macros: bool,
) -> Result<TemplateEntry, AclError> {
    let fields: Vec<&str> = text.split(':').collect();
    let (tag_text, qualifier, perm_text) = match fields[..] {
        [t, q, p] => (t, q, p),
        [t, p] if matches!(t, "o" | "other" | "m" | "mask") => (t, "", p),
        _ => {
            return Err(AclError::Shape(text.to_string()));
        }
    };
    let named = !qualifier.is_empty();
    let tag = Tag::from_text(tag_text, named).map_err(|bad| {
        let (entry, tag) = (text.to_string(), tag_text.to_string());
        match bad {
            BadTag::TakesNoQualifier => AclError::NoQualifier { entry, tag },
            BadTag::Unknown => AclError::UnknownTag { entry, tag },
        }
    })?;
    let id = match tag {
        Tag::User => resolve(qualifier, |n| names.uid(n))
            .ok_or_else(|| AclError::NoSuchUser(qualifier.to_string()))?,
        Tag::Group => resolve(qualifier, |n| names.gid(n))
            .ok_or_else(|| AclError::NoSuchGroup(qualifier.to_string()))?,
        _ => NO_ID,
    };
    let (perm, exec) =
        parse_perm(perm_text, exec_macros).ok_or_else(|| AclError::BadPermissions {
            entry: text.to_string(),
            perm: perm_text.to_string(),
        })?;
    Ok(TemplateEntry {
        tag,
        id,
        perm,
        exec,
    })
}

fn resolve(qualifier: &str, lookup: impl Fn(&str) -> Option<u32>) -> Option<u32> {
    lookup(qualifier).or_else(|| qualifier.parse::<u32>().ok().filter(|&id| id != NO_ID))
}

/// `rwx`, `r-x`, `rw@UX`, `r-@GX`: each letter at most once, `-` anywhere.
fn parse_perm(text: &str, exec_macros: bool) -> Option<(u8, Exec)> {
    let (letters, exec) = if let Some(rest) = text.strip_suffix("@UX").filter(|_| exec_macros) {
        (rest, Exec::Owner)
    } else if let Some(rest) = text.strip_suffix("@GX").filter(|_| exec_macros) {
        (rest, Exec::Group)
    } else {
        (text, Exec::Fixed)
    };
    if letters.is_empty() && exec == Exec::Fixed {
        return None;
    }
    let mut perm = 0;
    for c in letters.chars() {
        let bit = match c {
            'r' => R,
            'w' => W,
            'x' if exec == Exec::Fixed => X,
            '-' => continue,
            _ => return None,
        };
        if perm & bit != 0 {
            return None;
        }
        perm |= bit;
    }
    Some((perm, exec))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chk::ids::tests::FakeNames;

    #[test]
    fn parses_names_numbers_and_long_tags() {
        let acl = parse(
            "user::rwx,group::r-x,other::---,g:staff:r-x,u:1234:rw,mask::rwx",
            &FakeNames,
        )
        .unwrap();
        assert_eq!(
            acl.to_string(),
            "u::rwx,u:1234:rw-,g::r-x,g:50:r-x,m::rwx,o::---"
        );
    }

    #[test]
    fn exec_macros_follow_the_file() {
        let t = parse_template(
            "u::rw@UX,g::---,o::---,g:staff:r-@GX,m::rw@GX",
            &FakeNames,
            true,
        )
        .unwrap();
        assert_eq!(
            t.for_file(true, false).unwrap().to_string(),
            "u::rwx,g::---,g:50:r--,m::rw-,o::---"
        );
        assert_eq!(
            t.for_directory().unwrap().to_string(),
            "u::rwx,g::---,g:50:r-x,m::rwx,o::---"
        );
    }

    #[test]
    fn bad_entries_say_why() {
        let err = |t: &str| parse(t, &FakeNames).unwrap_err().to_string();
        assert_eq!(
            err("u::rwx,g::r-x,o::---,g:nobodyhere:rwx"),
            "no such group `nobodyhere`"
        );
        assert_eq!(
            err("u::rwq,g::r-x,o::---"),
            "ACL entry `u::rwq`: bad permissions `rwq`"
        );
        assert_eq!(err("z::rwx"), "ACL entry `z::rwx`: unknown tag `z`");
        assert_eq!(
            err("u::rw@UX,g::---,o::---"),
            "ACL entry `u::rw@UX`: bad permissions `rw@UX`"
        );
        assert_eq!(err("u::rwx,g::rwx"), "missing o:: entry");
        assert_eq!(err("u::rwx,,o::r"), "empty ACL entry in `u::rwx,,o::r`");
        assert_eq!(err("m:x:rwx"), "ACL entry `m:x:rwx`: m takes no qualifier");
    }
}
