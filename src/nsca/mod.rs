//! nsca-send: submit passive check results to an NSCA daemon byte for byte
//! as the C `send_nsca` does (every cipher the Debian daemon accepts), or
//! through NSCA-ng or the Icinga 2 API; per-step timeouts and one spool.
//!
//! `run` is the entry point; `batch` reads the results and settles them with
//! the spool, `flush` sends them a chunk at a time through `protocol`
//! (`send` for NSCA 2, `ng`, `icinga`), `report` words what happened.
//! `types` holds what they all share.

mod batch;
pub(crate) mod cli;
mod config;
mod confirm;
pub mod crypto;
mod flush;
mod icinga;
mod input;
mod keyvalue;
mod net;
mod ng;
pub mod packet;
mod protocol;
mod raw;
mod report;
mod route;
mod run;
pub mod send;
mod spool;
mod status;
mod tls;
mod types;
mod wrap;

pub(crate) use cli::Cli;
pub use run::{run, run_with_tls};
