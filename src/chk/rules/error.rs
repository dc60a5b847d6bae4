//! Why a rule line is unusable. Every one becomes `FILE:LINE: why`: a
//! configuration error (exit 2) in a system file, a warning in a user's.

use crate::chk::acl::AclError;
use crate::common::Error;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum RuleError {
    #[error(transparent)]
    Acl(#[from] AclError),
    #[error("absolute path `{0}` refused (rule paths are relative to the target root)")]
    AbsolutePath(String),
    #[error("`..` in path `{0}` refused")]
    ParentDir(String),
    #[error("path `{0}` names nothing")]
    NamesNothing(String),
    #[error("bad glob `{text}`: {why}")]
    BadGlob { text: String, why: String },
    #[error("no definition after the path (separate them with a TAB or blanks)")]
    NoDefinition,
    #[error("`{0}` is not allowed in a user rule file (only named u:/g: entries)")]
    KeywordInUserFile(String),
    #[error("a user rule may not set `{0}` (only named u:NAME: or g:NAME: entries)")]
    UserSetsBase(&'static str),
    #[error("a user rule may not name the `{0}` group")]
    UserNamesAdmins(String),
    #[error("a user rule may not grant `{0}`")]
    UserGrants(&'static str),
    #[error("@GROUP used outside a group")]
    GroupOutsideGroup,
    #[error("unknown macro `@{0}`")]
    UnknownMacro(String),
    #[error("macros in `{0}` expand too deeply")]
    TooDeep(String),
}

impl RuleError {
    /// The error of line `line` of `origin` (exit 2 when it is fatal).
    pub(crate) fn at(self, origin: &Path, line: usize) -> Error {
        Error::bad_input(origin, line, self.to_string())
    }
}
