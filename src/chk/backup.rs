//! Records of the backup file (`--backup FILE`, read back by `chk
//! restore`): getfacl's dump format, plus header lines of chk's own that
//! identify the entry and its content, so that a restore can tell an entry
//! left as chk left it from one changed since (rewritten by a user, or a
//! new file that got the old one's inode number).
//!
//! Each change writes two records: the state before it (written before the
//! change, so a change is never made that cannot be undone), and once the
//! change is made, the same record again with `# ctime-after:`, the
//! change time chk's own change left. Nobody can set a ctime, so the
//! entry still has that ctime only if nothing touched it since. Both are
//! valid getfacl records of the same state: `setfacl --restore` reads the
//! file too (and applies the state twice).
//!
//! ```text
//! # file: /srv/tree/tool
//! # owner: 0
//! # group: 0
//! # type: file
//! # inode: 1234
//! # device: 8:1
//! # born: 1796618384.801313909      (or # generation: N, see below)
//! # size: 35328
//! # mtime: 1796618000.000000000
//! # flags: s--
//! user::rwx
//! ...
//! ```

use super::acl::{self, Acl};
use super::node::Node;
use super::walk::state::Current;
use rustix::fs::{Statx, StatxFlags, StatxTimestamp};
use std::fmt::{self, Write as _};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// A file time, to the nanosecond: `SECONDS.NANOSECONDS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stamp {
    sec: i64,
    nsec: u32,
}

impl From<StatxTimestamp> for Stamp {
    fn from(t: StatxTimestamp) -> Stamp {
        Stamp {
            sec: t.tv_sec,
            nsec: t.tv_nsec,
        }
    }
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:09}", self.sec, self.nsec)
    }
}

impl std::str::FromStr for Stamp {
    type Err = ();

    fn from_str(text: &str) -> Result<Stamp, ()> {
        let (sec, nsec) = text.split_once('.').ok_or(())?;
        let nsec: u32 = nsec.parse().map_err(|_| ())?;
        if nsec >= 1_000_000_000 || text.len() - sec.len() != 10 {
            return Err(());
        }
        Ok(Stamp {
            sec: sec.parse().map_err(|_| ())?,
            nsec,
        })
    }
}

/// What identifies an entry, and the content of a file, when it was
/// backed up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Identity {
    /// Device (major, minor) and inode number.
    pub device: Option<(u32, u32)>,
    pub inode: Option<u64>,
    /// The birth time, where the file system records one; else the inode
    /// generation: either tells a file from a later one that was given the
    /// same inode number.
    pub born: Option<Stamp>,
    pub generation: Option<u64>,
    /// Size and modification time: a file rewritten since has others.
    pub size: Option<u64>,
    pub mtime: Option<Stamp>,
}

impl Identity {
    /// The identity of `node`, whose statx is `stat`.
    pub(crate) fn of(node: &Node, stat: &Statx) -> Identity {
        let has_btime = StatxFlags::from_bits_retain(stat.stx_mask).contains(StatxFlags::BTIME);
        Identity {
            device: Some((stat.stx_dev_major, stat.stx_dev_minor)),
            inode: Some(stat.stx_ino),
            born: has_btime.then(|| stat.stx_btime.into()),
            generation: if has_btime { None } else { node.generation() },
            size: Some(stat.stx_size),
            mtime: Some(stat.stx_mtime.into()),
        }
    }

    /// Reads one of chk's header lines into `self`: `Ok(false)` when the
    /// line is none of them.
    pub(crate) fn read_line(&mut self, line: &str) -> Result<bool, String> {
        let Some((key, value)) = line
            .strip_prefix("# ")
            .and_then(|rest| rest.split_once(": "))
        else {
            return Ok(false);
        };
        let bad = || format!("bad {key} `{value}`");
        match key {
            "inode" => self.inode = Some(value.parse().map_err(|_| bad())?),
            "device" => {
                let (major, minor) = value.split_once(':').ok_or_else(bad)?;
                let number = |n: &str| n.parse::<u32>().map_err(|_| bad());
                self.device = Some((number(major)?, number(minor)?));
            }
            "born" => self.born = Some(value.parse().map_err(|_| bad())?),
            "generation" => self.generation = Some(value.parse().map_err(|_| bad())?),
            "size" => self.size = Some(value.parse().map_err(|_| bad())?),
            "mtime" => self.mtime = Some(value.parse().map_err(|_| bad())?),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Whether it identifies the entry at all (chk's own backups do; a
    /// plain getfacl dump does not).
    pub(crate) fn is_known(&self) -> bool {
        self.inode.is_some() && self.device.is_some()
    }

    /// What tells `now` (the entry found at restore time) for another
    /// entry: `Some(what)` when it is not the one backed up.
    pub(crate) fn other_entry(&self, now: &Identity) -> Option<&'static str> {
        if self.device.is_some_and(|d| Some(d) != now.device) {
            return Some("on another device");
        }
        if self.inode.is_some_and(|i| Some(i) != now.inode) {
            return Some("another inode");
        }
        if self.born.is_some() && now.born.is_some() && self.born != now.born {
            return Some("the same inode number given to a newer file (another birth time)");
        }
        if self.generation.is_some()
            && now.generation.is_some()
            && self.generation != now.generation
        {
            return Some("the same inode number given to a newer file (another generation)");
        }
        None
    }

    /// What of a file's content differs in `now`: size, mtime.
    pub(crate) fn content_changes(&self, now: &Identity) -> Vec<&'static str> {
        let mut changed = Vec::new();
        if self.size.is_some_and(|s| Some(s) != now.size) {
            changed.push("size");
        }
        if self.mtime.is_some_and(|m| Some(m) != now.mtime) {
            changed.push("modification time");
        }
        changed
    }

    fn write(&self, out: &mut String) {
        let mut line = |key: &str, value: Option<String>| {
            if let Some(value) = value {
                let _ = writeln!(out, "# {key}: {value}");
            }
        };
        line("inode", self.inode.map(|i| i.to_string()));
        line("device", self.device.map(|(a, b)| format!("{a}:{b}")));
        line("born", self.born.map(|b| b.to_string()));
        line("generation", self.generation.map(|g| g.to_string()));
        line("size", self.size.map(|s| s.to_string()));
        line("mtime", self.mtime.map(|m| m.to_string()));
    }
}

/// The header line of a completion record.
pub(crate) const CTIME_AFTER: &str = "# ctime-after: ";

/// A record written before a change, kept to write its completion after.
pub(crate) struct Pending {
    /// `# file:` to the last header line.
    head: String,
    /// `# flags:`, the ACL entries, the blank line that ends a record.
    tail: String,
}

impl Pending {
    /// The record of `cur`, the state of the entry at `path` identified
    /// by `identity`, before chk changes it.
    pub(crate) fn new(path: &Path, cur: &Current, identity: &Identity) -> Pending {
        let mut head = String::new();
        let _ = writeln!(head, "# file: {}", quote(path.as_os_str().as_bytes()));
        let _ = writeln!(head, "# owner: {}\n# group: {}", cur.uid, cur.gid);
        let kind = if cur.is_dir { "directory" } else { "file" };
        let _ = writeln!(head, "# type: {kind}");
        identity.write(&mut head);
        let mut tail = String::new();
        if cur.mode & 0o7000 != 0 {
            let flag = |bit: u32, c: char| if cur.mode & bit != 0 { c } else { '-' };
            let _ = writeln!(
                tail,
                "# flags: {}{}{}",
                flag(0o4000, 's'),
                flag(0o2000, 's'),
                flag(0o1000, 't')
            );
        }
        let access = cur
            .access
            .clone()
            .unwrap_or_else(|| Acl::from_mode(cur.mode));
        acl::dump_lines(&access, "", &mut tail);
        if let Some(default) = &cur.default {
            acl::dump_lines(default, "default:", &mut tail);
        }
        tail.push('\n');
        Pending { head, tail }
    }

    /// The record itself.
    pub(crate) fn text(&self) -> String {
        format!("{}{}", self.head, self.tail)
    }

    /// The same record, completed with the ctime the change left.
    pub(crate) fn completion(&self, ctime: Stamp) -> String {
        format!("{}{CTIME_AFTER}{ctime}\n{}", self.head, self.tail)
    }
}

/// Quotes a name as getfacl does (`\ooo` for backslash, blanks and control
/// bytes), and every non-ASCII byte too, so the line is plain ASCII whatever
/// the name's encoding; setfacl unquotes any `\ooo`.
fn quote(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b == b'\\' || b <= b' ' || b >= 0x7f {
            let _ = write!(out, "\\{b:03o}");
        } else {
            out.push(char::from(b));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_read_back_exactly() {
        for text in ["1796618384.801313909", "0.000000001", "-5.000000000"] {
            let stamp: Stamp = text.parse().unwrap();
            assert_eq!(stamp.to_string(), text);
        }
        for bad in ["1", "1.5", "1.1234567890", "x.000000000", "1.-00000001"] {
            assert!(bad.parse::<Stamp>().is_err(), "{bad}");
        }
    }

    #[test]
    fn identity_lines_read_back() {
        let identity = Identity {
            device: Some((8, 1)),
            inode: Some(42),
            born: Some("7.000000003".parse().unwrap()),
            generation: None,
            size: Some(10),
            mtime: Some("9.000000000".parse().unwrap()),
        };
        let mut text = String::new();
        identity.write(&mut text);
        let mut read = Identity::default();
        for line in text.lines() {
            assert!(read.read_line(line).unwrap(), "{line}");
        }
        assert_eq!(read, identity);
        assert!(!read.read_line("# owner: 0").unwrap());
        assert!(read.read_line("# device: 8").is_err());
    }

    #[test]
    fn a_reused_inode_number_is_another_entry() {
        let then = Identity {
            device: Some((8, 1)),
            inode: Some(12),
            born: Some("100.000000000".parse().unwrap()),
            ..Identity::default()
        };
        let mut now = then.clone();
        assert_eq!(then.other_entry(&now), None);
        now.born = Some("200.000000000".parse().unwrap());
        assert!(then.other_entry(&now).unwrap().contains("birth time"));
        now.inode = Some(13);
        assert_eq!(then.other_entry(&now), Some("another inode"));
    }
}
