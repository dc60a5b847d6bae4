//! The protocols over TLS (NSCA-ng, the Icinga 2 API), which link OpenSSL,
//! and the binary that has them.
//!
//! OpenSSL's tables hold about 19,000 pointers that the dynamic loader
//! relocates at every start of a PIE linking it (95 pages copied on write:
//! about 1 ms a start), and the cron case is one start per result, mostly
//! over NSCA 2, which needs none of it. So `nsca-send` is built without
//! them, and hands a run that needs them, before reading anything, to
//! `nsca-send-tls` (the same tool with them linked in): same arguments,
//! same standard input, the price of one more exec.

use super::types::{Delivery, Outcome, SendError, Spooled};
use super::{icinga, ng};
use crate::common::io_reason;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The deliveries over TLS, reached only through here: a binary that never
/// calls [`link`] has no path to OpenSSL, and the linker leaves it out.
pub(super) struct Tls {
    pub(super) ng_results: fn(&ng::Target, &[Spooled]) -> Outcome,
    pub(super) ng_commands: fn(&ng::Target, &[&[u8]]) -> Outcome,
    pub(super) icinga_results: fn(&icinga::Target, &[Spooled]) -> Outcome,
}

static LINKED: OnceLock<Tls> = OnceLock::new();

/// Makes the TLS protocols available (the `nsca-send-tls` binary).
pub(super) fn link() {
    let _ = LINKED.set(Tls {
        ng_results: ng::deliver_results,
        ng_commands: |target, lines| ng::deliver(target, lines.iter().map(|l| ng::raw_command(l))),
        icinga_results: icinga::deliver_results,
    });
}

/// The TLS protocols, or why this binary cannot speak them (a run that
/// needs them only gets here when nsca-send-tls could not be run: its
/// results fail as a server that cannot be reached would, the spool keeps
/// them and a wrapped job still runs).
pub(super) fn linked() -> Result<&'static Tls, SendError> {
    LINKED.get().ok_or_else(|| {
        SendError::Protocol(
            "NSCA-ng and Icinga 2 need nsca-send-tls, which could not be run".into(),
        )
    })
}

/// [`linked`]'s failure as a delivery of nothing.
pub(super) fn unlinked(err: SendError) -> Outcome {
    Outcome {
        delivery: Delivery {
            error: Some(err),
            ..Delivery::default()
        },
        refused: Vec::new(),
    }
}

/// Whether this binary speaks NSCA-ng and the Icinga 2 API itself.
pub(super) fn is_linked() -> bool {
    LINKED.get().is_some()
}

/// Runs `nsca-send-tls` in our place with `args` (the program name first);
/// returns only when it cannot be run, saying why.
pub(super) fn hand_over(args: &[OsString]) -> String {
    use std::os::unix::process::CommandExt;
    let helper = helper_path();
    let mut command = std::process::Command::new(&helper);
    if let Some((name, rest)) = args.split_first() {
        command.arg0(name).args(rest);
    }
    let err = command.exec();
    format!(
        "NSCA-ng and Icinga 2 are sent by '{}': {}",
        helper.display(),
        io_reason(&err)
    )
}

/// `nsca-send-tls` beside us (a build tree), else in `../lib/adminkit/`
/// (`/usr/bin/nsca-send` finds `/usr/lib/adminkit/nsca-send-tls`).
fn helper_path() -> PathBuf {
    const NAME: &str = "nsca-send-tls";
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("/usr/bin/nsca-send"));
    let bin = exe.parent().unwrap_or(std::path::Path::new("/usr/bin"));
    let beside = bin.join(NAME);
    if beside.exists() {
        return beside;
    }
    let prefix = bin.parent().unwrap_or(std::path::Path::new("/usr"));
    prefix.join("lib/adminkit").join(NAME)
}
