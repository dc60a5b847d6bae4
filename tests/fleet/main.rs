//! adminkit across a fleet: the result envelope and `--nagios` of every tool, the crontab line to
//! the real NSCA daemon, the Ansible collection with Debian's ansible-core.

mod ansible;
mod tools;
