//! The kernel's binary form of `system.posix_acl_access` and
//! `system.posix_acl_default`: a little-endian u32 version (2), then one
//! 8-byte record per entry: u16 tag, u16 perm, u32 id.
//!
//! The layout, version and tag values are those of the kernel's UAPI header
//! `include/uapi/linux/posix_acl_xattr.h` (`struct posix_acl_xattr_header`,
//! `struct posix_acl_xattr_entry`, `POSIX_ACL_XATTR_VERSION`) and
//! `include/uapi/linux/posix_acl.h` (`ACL_USER_OBJ` … `ACL_OTHER`). Encoding
//! here, instead of through libacl, keeps every ACL read and write on a
//! descriptor chk opened itself.

use super::{Acl, AclError, Entry, NO_ID, Tag};

/// `POSIX_ACL_XATTR_VERSION` in linux/posix_acl_xattr.h.
const VERSION: u32 = 2;

/// The `ACL_*` tag values of linux/posix_acl.h.
fn tag_code(tag: Tag) -> u16 {
    match tag {
        Tag::UserObj => 0x01,
        Tag::User => 0x02,
        Tag::GroupObj => 0x04,
        Tag::Group => 0x08,
        Tag::Mask => 0x10,
        Tag::Other => 0x20,
    }
}

fn tag_from_code(code: u16) -> Option<Tag> {
    Some(match code {
        0x01 => Tag::UserObj,
        0x02 => Tag::User,
        0x04 => Tag::GroupObj,
        0x08 => Tag::Group,
        0x10 => Tag::Mask,
        0x20 => Tag::Other,
        _ => return None,
    })
}

impl Acl {
    pub(crate) fn to_xattr(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + 8 * self.entries.len());
        out.extend_from_slice(&VERSION.to_le_bytes());
        for e in &self.entries {
            out.extend_from_slice(&tag_code(e.tag).to_le_bytes());
            out.extend_from_slice(&u16::from(e.perm).to_le_bytes());
            let id = if e.tag.is_named() { e.id } else { NO_ID };
            out.extend_from_slice(&id.to_le_bytes());
        }
        out
    }

    pub(crate) fn from_xattr(bytes: &[u8]) -> Result<Acl, AclError> {
        let (header, body) = bytes.split_first_chunk::<4>().ok_or(AclError::XattrShort)?;
        let version = u32::from_le_bytes(*header);
        if version != VERSION {
            return Err(AclError::XattrVersion {
                found: version,
                expected: VERSION,
            });
        }
        if body.len() % 8 != 0 {
            return Err(AclError::XattrBody(body.len()));
        }
        let mut entries = Vec::with_capacity(body.len() / 8);
        for rec in body.chunks_exact(8) {
            let code = u16::from_le_bytes([rec[0], rec[1]]);
            let perm = u16::from_le_bytes([rec[2], rec[3]]);
            let id = u32::from_le_bytes([rec[4], rec[5], rec[6], rec[7]]);
            let tag = tag_from_code(code).ok_or(AclError::XattrTag(code))?;
            if perm > 7 {
                return Err(AclError::XattrPerm(perm));
            }
            let id = if tag.is_named() { id } else { NO_ID };
            entries.push(Entry {
                tag,
                id,
                perm: perm as u8,
            });
        }
        Acl::new(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_layout() {
        let acl = Acl::new(vec![
            Entry {
                tag: Tag::UserObj,
                id: NO_ID,
                perm: 7,
            },
            Entry {
                tag: Tag::Group,
                id: 1000,
                perm: 5,
            },
            Entry {
                tag: Tag::GroupObj,
                id: NO_ID,
                perm: 0,
            },
            Entry {
                tag: Tag::Other,
                id: NO_ID,
                perm: 0,
            },
        ])
        .unwrap();
        let bytes = acl.to_xattr();
        assert_eq!(bytes.len(), 4 + 5 * 8);
        assert_eq!(&bytes[..4], &[2, 0, 0, 0]);
        // Sorted: u::, g::, g:1000, m::, o::
        assert_eq!(&bytes[4..12], &[1, 0, 7, 0, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(&bytes[20..28], &[8, 0, 5, 0, 0xe8, 3, 0, 0]);
        assert_eq!(Acl::from_xattr(&bytes).unwrap(), acl);
    }

    #[test]
    fn garbage_is_refused() {
        assert!(Acl::from_xattr(&[2, 0]).is_err());
        assert!(Acl::from_xattr(&[1, 0, 0, 0]).is_err());
        assert!(Acl::from_xattr(&[2, 0, 0, 0, 1, 0, 7]).is_err());
        assert!(Acl::from_xattr(&[2, 0, 0, 0, 0x40, 0, 7, 0, 0, 0, 0, 0]).is_err());
    }
}
