//! chk against real trees, real accounts and real ACLs read back from the kernel: the command line,
//! rules, the walker's safety, `chk group`, `chk user`, `chk explain`, backup and restore.

mod cli;
mod explain;
mod group;
mod model;
mod path;
mod restore;
mod rules;
mod safety;
mod setfacl;
mod tmpfiles;
mod user;
mod walk;
