//! nsca-send against the real daemons on 127.0.0.1: Debian's nsca (every cipher, send_nsca side by
//! side), NSCA-ng's server, Icinga 2's API; delivery, the spool and faults.

mod cron;
mod delivery;
mod faults;
mod icinga2;
mod ng;
mod nsca2;
mod spool_safety;
mod tls_helper;
