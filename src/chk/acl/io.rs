//! Reading and writing a node's ACLs as raw xattrs (no libacl).

use super::Acl;
use crate::chk::node::{self, Node};
use std::ffi::CStr;
use std::io;
use std::os::fd::BorrowedFd;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Access,
    Default,
}

impl Kind {
    fn xattr(self) -> &'static CStr {
        match self {
            Kind::Access => c"system.posix_acl_access",
            Kind::Default => c"system.posix_acl_default",
        }
    }
}

/// The stored ACL, `None` when there is none (or the file system has no
/// ACL support, which is the same for reading).
pub(crate) fn read(node: &Node, kind: Kind) -> io::Result<Option<Acl>> {
    let mut buf = vec![0u8; 256];
    decode(node.get_xattr(kind.xattr(), &mut buf), &buf)
}

/// The ACL of the entry `name` of `dir`, read by name without following a
/// symlink (see [`node::get_xattr_by_name`]: only good for deciding that
/// nothing needs doing).
pub(crate) fn read_by_name(
    dir: BorrowedFd<'_>,
    name: &CStr,
    kind: Kind,
) -> io::Result<Option<Acl>> {
    let mut buf = vec![0u8; 256];
    let got = node::get_xattr_by_name(dir, name, kind.xattr(), &mut buf);
    decode(got, &buf)
}

fn decode(got: io::Result<Option<()>>, buf: &[u8]) -> io::Result<Option<Acl>> {
    match got {
        Ok(Some(())) => Acl::from_xattr(buf)
            .map(Some)
            .map_err(|why| io::Error::new(io::ErrorKind::InvalidData, why)),
        Ok(None) => Ok(None),
        Err(e) if e.raw_os_error() == Some(rustix::io::Errno::OPNOTSUPP.raw_os_error()) => Ok(None),
        Err(e) => Err(e),
    }
}

pub(crate) fn write(node: &Node, kind: Kind, acl: &Acl) -> io::Result<()> {
    node.set_xattr(kind.xattr(), &acl.to_xattr())
}

pub(crate) fn remove(node: &Node, kind: Kind) -> io::Result<()> {
    node.remove_xattr(kind.xattr())
}
