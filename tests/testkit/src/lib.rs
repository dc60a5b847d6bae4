//! What adminkit's integration tests share, one module per tool: real
//! accounts and groups (chk), the Debian NSCA, NSCA-ng and Icinga 2 daemons
//! (nsca, nsca_ng, icinga2), CPAN tarballs and perl dists (perlenv, fleet),
//! the text corpora (mojibake). Each test binary (`tests/<tool>/main.rs`)
//! uses the modules it needs.

pub mod chk;
pub mod fleet;
pub mod icinga2;
pub mod mojibake;
pub mod nsca;
pub mod nsca_ng;
pub mod perlenv;
pub mod users;

use std::path::Path;

/// The adminkit repository (this crate lives in `tests/testkit`).
fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .expect("tests/testkit is two levels below the repository")
}
