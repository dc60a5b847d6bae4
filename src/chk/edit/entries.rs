//! ACL entries as setfacl and tmpfiles.d write them for an edit:
//! `u:alice:rwX,g:devs:r-x,m::rwx,d:g:devs:rx`, names or numbers, `X` for
//! "execute if a directory or already executable by someone", and for
//! removals the entry without permissions (`u:alice`, `d:g:devs`, `m::`).

use crate::chk::acl::{BadTag, Entry, NO_ID, R, Tag, W, X};
use crate::chk::ids::Names;

/// One entry of an edit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct EntrySpec {
    /// `d:` / `default:`: an entry of the default ACL.
    pub default: bool,
    pub tag: Tag,
    pub id: u32,
    /// `None` in a removal (`-x u:alice`).
    pub perm: Option<Perm>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Perm {
    pub bits: u8,
    /// `X`: execute only where [`Draft::x_allowed`](super::Draft::x_allowed).
    pub cond_x: bool,
}

impl EntrySpec {
    /// The entry for an entry whose `X` means `x` when `x_allowed`.
    pub(crate) fn resolve(&self, x_allowed: bool) -> Entry {
        let perm = self.perm.unwrap_or(Perm {
            bits: 0,
            cond_x: false,
        });
        let x = if perm.cond_x && x_allowed { X } else { 0 };
        Entry {
            tag: self.tag,
            id: self.id,
            perm: perm.bits | x,
        }
    }
}

/// Whether each entry needs permissions (`-m`, tmpfiles) or must come
/// without (`-x`, where setfacl also accepts them and ignores them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Perms {
    Required,
    Ignored,
}

/// Parses comma-separated entries (blanks around them allowed).
pub(crate) fn parse(text: &str, perms: Perms, names: &dyn Names) -> Result<Vec<EntrySpec>, String> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    if parts.iter().all(|p| p.is_empty()) {
        return Err("no ACL entry given".into());
    }
    parts
        .iter()
        .map(|part| match part.is_empty() {
            true => Err(format!("empty ACL entry in `{text}`")),
            false => {
                parse_entry(part, perms, names).map_err(|why| format!("ACL entry `{part}`: {why}"))
            }
        })
        .collect()
}

fn parse_entry(text: &str, perms: Perms, names: &dyn Names) -> Result<EntrySpec, String> {
    let (default, rest) = match text.split_once(':') {
        Some(("d" | "default", rest)) => (true, rest),
        _ => (false, text),
    };
    let fields: Vec<&str> = rest.split(':').collect();
    let (tag_text, qualifier, perm_text) = match (fields.as_slice(), perms) {
        ([t, q, p], _) => (*t, *q, Some(*p)),
        // m:rwx, o:r-x; and in removals u:alice, m:, o
        ([t, p], Perms::Required) if matches!(*t, "m" | "mask" | "o" | "other") => {
            (*t, "", Some(*p))
        }
        ([t, q], Perms::Ignored) => (*t, *q, None),
        ([t], Perms::Ignored) if matches!(*t, "m" | "mask" | "o" | "other") => (*t, "", None),
        _ => return Err("not tag:qualifier:permissions".into()),
    };
    let named = !qualifier.is_empty();
    let tag = Tag::from_text(tag_text, named).map_err(|bad| match bad {
        BadTag::TakesNoQualifier => format!("{tag_text} takes no qualifier"),
        BadTag::Unknown => format!("unknown tag `{tag_text}`"),
    })?;
    let id = match tag {
        Tag::User => resolve(qualifier, |n| names.uid(n))
            .ok_or_else(|| format!("no such user `{qualifier}`"))?,
        Tag::Group => resolve(qualifier, |n| names.gid(n))
            .ok_or_else(|| format!("no such group `{qualifier}`"))?,
        _ => NO_ID,
    };
    let perm = match (perm_text, perms) {
        (_, Perms::Ignored) => None,
        (Some(p), Perms::Required) => {
            Some(parse_perm(p).ok_or_else(|| format!("bad permissions `{p}`"))?)
        }
        (None, Perms::Required) => return Err("permissions missing".into()),
    };
    Ok(EntrySpec {
        default,
        tag,
        id,
        perm,
    })
}

fn resolve(qualifier: &str, lookup: impl Fn(&str) -> Option<u32>) -> Option<u32> {
    qualifier
        .parse::<u32>()
        .ok()
        .filter(|&id| id != NO_ID)
        .or_else(|| lookup(qualifier))
}

/// `rwx`, `r-X`, `rw`, `-`, or one octal digit.
fn parse_perm(text: &str) -> Option<Perm> {
    if let [digit @ b'0'..=b'7'] = text.as_bytes() {
        return Some(Perm {
            bits: digit - b'0',
            cond_x: false,
        });
    }
    if text.is_empty() {
        return None;
    }
    let mut perm = Perm {
        bits: 0,
        cond_x: false,
    };
    for c in text.chars() {
        match c {
            'r' => perm.bits |= R,
            'w' => perm.bits |= W,
            'x' => perm.bits |= X,
            'X' => perm.cond_x = true,
            '-' => {}
            _ => return None,
        }
    }
    Some(perm)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chk::ids::tests::FakeNames;

    #[test]
    fn setfacl_forms() {
        let got = parse(
            "u:alice:rwX, d:g:staff:r-x,m::rw,o:5,default:user:7:-",
            Perms::Required,
            &FakeNames,
        )
        .unwrap();
        assert_eq!(got.len(), 5);
        assert_eq!((got[0].tag, got[0].id), (Tag::User, 1001));
        assert_eq!(
            got[0].perm,
            Some(Perm {
                bits: 6,
                cond_x: true
            })
        );
        assert!(got[1].default && got[1].id == 50);
        assert_eq!(got[2].perm.unwrap().bits, 6);
        assert_eq!((got[3].tag, got[3].perm.unwrap().bits), (Tag::Other, 5));
        assert_eq!((got[4].id, got[4].perm.unwrap().bits), (7, 0));
        let removals = parse("u:alice,d:g:staff,m::,o", Perms::Ignored, &FakeNames).unwrap();
        assert_eq!(removals[2].tag, Tag::Mask);
        assert!(removals.iter().all(|e| e.perm.is_none()));
    }

    #[test]
    fn bad_entries_say_why() {
        let err = |t: &str| parse(t, Perms::Required, &FakeNames).unwrap_err();
        assert_eq!(
            err("u:nobodyhere:r"),
            "ACL entry `u:nobodyhere:r`: no such user `nobodyhere`"
        );
        assert_eq!(
            err("u:alice:rwq"),
            "ACL entry `u:alice:rwq`: bad permissions `rwq`"
        );
        assert_eq!(
            err("u:alice"),
            "ACL entry `u:alice`: not tag:qualifier:permissions"
        );
        assert_eq!(err("q::r"), "ACL entry `q::r`: unknown tag `q`");
        assert_eq!(err("u::r,,o::r"), "empty ACL entry in `u::r,,o::r`");
        assert_eq!(err(""), "no ACL entry given");
    }
}
