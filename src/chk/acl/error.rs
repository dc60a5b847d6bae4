//! What can be wrong with an ACL: its text, its entries as a whole, or the
//! bytes of its xattr. Shown in rule errors (`FILE:LINE: why`, exit 2) and
//! in entry errors of the walk (exit 3).

/// Why an ACL (text, entries or xattr) is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AclError {
    #[error("duplicate entry `{0}`")]
    Duplicate(String),
    #[error("missing {0} entry")]
    Missing(&'static str),
    #[error("empty ACL entry in `{0}`")]
    EmptyEntry(String),
    #[error("ACL entry `{0}` is not tag:qualifier:permissions")]
    Shape(String),
    #[error("ACL entry `{entry}`: {tag} takes no qualifier")]
    NoQualifier { entry: String, tag: String },
    #[error("ACL entry `{entry}`: unknown tag `{tag}`")]
    UnknownTag { entry: String, tag: String },
    #[error("no such user `{0}`")]
    NoSuchUser(String),
    #[error("no such group `{0}`")]
    NoSuchGroup(String),
    #[error("ACL entry `{entry}`: bad permissions `{perm}`")]
    BadPermissions { entry: String, perm: String },
    #[error("ACL xattr shorter than its header")]
    XattrShort,
    #[error("ACL xattr version {found}, expected {expected}")]
    XattrVersion { found: u32, expected: u32 },
    #[error("ACL xattr body of {0} bytes")]
    XattrBody(usize),
    #[error("unknown ACL tag {0:#x}")]
    XattrTag(u16),
    #[error("ACL permission {0:#o} out of range")]
    XattrPerm(u16),
}
