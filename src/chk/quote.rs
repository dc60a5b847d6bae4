//! Names as chk shows them (shell-escaped, shared with the other tools),
//! and system errors without std's "(os error N)" tail.

pub(crate) use crate::common::io_reason;
pub(crate) use crate::common::quote::{escaped, quoted};
