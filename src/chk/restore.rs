//! `chk restore FILE`: undoes a run from its `--backup` file, safely.
//!
//! `setfacl --restore` works by path and follows symlinks: in a tree users
//! can write, a user who swaps a backed-up file for a symlink to
//! `/etc/shadow` gets that file handed over. Here every entry is reached
//! from `/` one component at a time with `O_NOFOLLOW` (the paths in a
//! backup are canonical), its type and inode must still be those that
//! were backed up, and the change goes through the descriptor.

use super::accounts::NssNames;
use super::acl::{self, Acl, Entry, NO_ID, Tag};
use super::ids::Names;
use super::node::{self, Node};
use super::walk::state::{self, Change, Current, S_IFDIR, S_IFMT};
use crate::common::{Error, Exit, Result};
use std::ffi::OsString;
use std::io::{self, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

pub const EXAMPLES: &str = "\
EXAMPLES:
  Repair, keeping the previous state, then undo it:
    chk group devs --backup /root/chk-devs.undo
    chk restore /root/chk-devs.undo --dry-run
    chk restore /root/chk-devs.undo

  An entry that now resolves through a symbolic link, or is no longer the
  file or directory that was backed up, is refused and reported (exit 3);
  the others are restored. Never use `setfacl --restore` on a tree users
  can write: it follows symbolic links.

EXIT STATUS:
  0  restored (or already as backed up)
  1  differences found (--dry-run)
  2  malformed backup file (FILE:LINE: reason)
  3  some entries were refused or could not be restored, or the backup
     file is not to be trusted (a symlink, not ours, writable by others)";

#[derive(clap::Args, Debug)]
pub struct RestoreArgs {
    /// A file written by --backup (getfacl's dump format)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// What the backup says one entry was.
#[derive(Debug, Clone, PartialEq)]
pub struct Saved {
    pub path: PathBuf,
    /// Where the record starts in the backup file.
    pub line: usize,
    pub uid: u32,
    pub gid: u32,
    /// Permission bits including setuid/setgid/sticky.
    pub mode: u32,
    pub access: Acl,
    pub default: Option<Acl>,
    /// `# type:` (chk's backups): directory or not; `None` in a plain getfacl dump.
    pub is_dir: Option<bool>,
    /// `# inode:` (chk's backups): the entry must still be this inode.
    pub inode: Option<u64>,
}

pub fn run(args: &RestoreArgs, dry_run: bool) -> Result<Exit> {
    let text = read_backup(&args.file)?;
    let names = NssNames::default();
    let saved = earliest(parse(&text, &args.file, &names)?);
    let mut exit = Exit::Success;
    let (mut restored, mut unchanged, mut refused) = (0u64, 0u64, 0u64);
    let mut out = io::stdout().lock();
    for entry in &saved {
        match restore_one(entry, dry_run) {
            Ok(changes) if changes.is_empty() => unchanged += 1,
            Ok(changes) => {
                restored += 1;
                if dry_run {
                    exit = exit.worst(Exit::Found);
                    for change in &changes {
                        let (from, to) = change.values(&names);
                        writeln!(
                            out,
                            "{}: {}: {from} -> {to}",
                            entry.path.display(),
                            change.kind()
                        )?;
                    }
                }
            }
            Err(why) => {
                refused += 1;
                exit = exit.worst(Exit::Failed);
                eprintln!("chk: {}: not restored: {why}", entry.path.display());
            }
        }
    }
    writeln!(
        out,
        "{}: {} entries, {restored} {}, {unchanged} already as backed up, {refused} refused or failed",
        args.file.display(),
        saved.len(),
        if dry_run { "differing" } else { "restored" },
    )?;
    Ok(exit)
}

/// Reads the backup, never through a symlink, and only if it is ours and
/// nobody else may write it: its content decides who gets which file.
fn read_backup(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let what = || format!("reading {}", path.display());
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => Error::failed(format!("{}: it is a symbolic link", what())),
            _ => Error::io(what(), e),
        })?;
    let meta = super::walk::check_own_file(&file, path)?;
    if meta.mode() & 0o022 != 0 {
        return Err(Error::failed(format!(
            "{}: others may write it (mode {:04o})",
            what(),
            meta.mode() & 0o7777
        )));
    }
    let mut text = Vec::new();
    file.read_to_end(&mut text)
        .map_err(|e| Error::io(what(), e))?;
    Ok(text)
}

/// A backup appended to by several runs holds an entry once per run that
/// changed it: the first record is its state before all of them.
fn earliest(records: Vec<Saved>) -> Vec<Saved> {
    let mut seen = std::collections::HashSet::new();
    records
        .into_iter()
        .filter(|r| seen.insert(r.path.clone()))
        .collect()
}

/// Puts one entry back (or, in a dry run, only says what differs).
fn restore_one(saved: &Saved, dry_run: bool) -> std::result::Result<Vec<Change>, String> {
    let node = open_saved(&saved.path)?;
    let stat = node.stat().map_err(|e| format!("reading: {e}"))?;
    let st_mode = u32::from(stat.stx_mode);
    let is_dir = st_mode & S_IFMT == S_IFDIR;
    match st_mode & S_IFMT {
        S_IFDIR | S_IFREG => {}
        S_IFLNK => return Err("it is now a symbolic link".into()),
        _ => return Err("it is now a special file".into()),
    }
    let was_dir = saved.is_dir.unwrap_or(saved.default.is_some());
    if is_dir != was_dir || (saved.default.is_some() && !is_dir) {
        return Err(format!(
            "it was a {} and is now a {}",
            kind_name(was_dir),
            kind_name(is_dir)
        ));
    }
    if saved.inode.is_some_and(|ino| ino != stat.stx_ino) {
        return Err("it is no longer the entry that was backed up (another inode)".into());
    }
    let current = state::read_state(state::Source::Node(&node), &stat)
        .map_err(|e| format!("reading the ACL: {e}"))?;
    let changes = differences(&current, saved);
    if !dry_run && !changes.is_empty() {
        state::apply(&node, &changes).map_err(|(what, e)| format!("{what}: {e}"))?;
    }
    Ok(changes)
}

const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;

fn kind_name(is_dir: bool) -> &'static str {
    if is_dir { "directory" } else { "file" }
}

/// Opens an absolute path from `/`, never following a symlink anywhere.
fn open_saved(path: &Path) -> std::result::Result<Node, String> {
    let rel = path
        .strip_prefix("/")
        .map_err(|_| "not an absolute path".to_string())?;
    node::open_below(Path::new("/"), rel.as_os_str().as_bytes()).map_err(|e| {
        match e.raw_os_error() {
            Some(libc::ELOOP) | Some(libc::ENOTDIR) => {
                "a symbolic link or a non-directory on the way to it".to_string()
            }
            _ => format!("opening: {e}"),
        }
    })
}

/// Exact differences: the backup is put back entry for entry, mask value
/// included, not only in meaning.
fn differences(cur: &Current, saved: &Saved) -> Vec<Change> {
    let mut changes = Vec::new();
    if cur.uid != saved.uid {
        changes.push(Change::Owner(cur.uid, saved.uid));
    }
    if cur.gid != saved.gid {
        changes.push(Change::Group(cur.gid, saved.gid));
    }
    // Three entries are the mode bits; anything more is stored as an xattr.
    let access = (saved.access.entries().len() > 3).then(|| saved.access.clone());
    if cur.access != access {
        changes.push(Change::Access(cur.access.clone(), access));
    }
    if cur.is_dir && cur.default != saved.default {
        changes.push(Change::Default(cur.default.clone(), saved.default.clone()));
    }
    // chown clears setuid/setgid: set the mode again after it.
    let owner_changed = !changes.is_empty() && saved.mode & 0o6000 != 0;
    if cur.mode != saved.mode || owner_changed {
        changes.push(Change::Mode(cur.mode, saved.mode));
    }
    changes
}

/// Reads getfacl's dump format: records separated by blank lines, each
/// `# file:`, `# owner:`, `# group:`, optional `# flags:` (and chk's own
/// `# type:` and `# inode:`), then one ACL entry a line, `default:` ones
/// for the default ACL. Owners and qualifiers may be names or numbers.
pub fn parse(text: &[u8], file: &Path, names: &dyn Names) -> Result<Vec<Saved>> {
    let text = std::str::from_utf8(text).map_err(|e| {
        let line = text[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        Error::bad_input(
            file,
            line,
            "not valid UTF-8 (getfacl quotes names as \\ooo)",
        )
    })?;
    let mut records = Vec::new();
    let mut record: Option<Record> = None;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let bad = |why: String| Error::bad_input(file, number, why);
        let line = line.trim_end();
        if line.is_empty() {
            if let Some(done) = record.take() {
                records.push(done.finish(file)?);
            }
            continue;
        }
        if let Some(path) = line.strip_prefix("# file: ") {
            if let Some(done) = record.take() {
                records.push(done.finish(file)?);
            }
            let path = PathBuf::from(unquote(path).map_err(bad)?);
            if !path.is_absolute() {
                return Err(bad(format!("`{}` is not an absolute path", path.display())));
            }
            record = Some(Record::new(path, number));
            continue;
        }
        let Some(current) = record.as_mut() else {
            if line.starts_with('#') {
                continue;
            }
            return Err(bad("an ACL entry before any `# file:` line".into()));
        };
        current.line(line, names).map_err(bad)?;
    }
    if let Some(done) = record.take() {
        records.push(done.finish(file)?);
    }
    Ok(records)
}

/// A record being read.
struct Record {
    path: PathBuf,
    line: usize,
    uid: Option<u32>,
    gid: Option<u32>,
    flags: u32,
    is_dir: Option<bool>,
    inode: Option<u64>,
    access: Vec<Entry>,
    default: Vec<Entry>,
}

impl Record {
    fn new(path: PathBuf, line: usize) -> Record {
        Record {
            path,
            line,
            uid: None,
            gid: None,
            flags: 0,
            is_dir: None,
            inode: None,
            access: Vec::new(),
            default: Vec::new(),
        }
    }

    fn line(&mut self, line: &str, names: &dyn Names) -> std::result::Result<(), String> {
        if let Some(owner) = line.strip_prefix("# owner: ") {
            self.uid = Some(id(owner, |n| names.uid(n)).ok_or(format!("no such user `{owner}`"))?);
        } else if let Some(group) = line.strip_prefix("# group: ") {
            self.gid = Some(id(group, |n| names.gid(n)).ok_or(format!("no such group `{group}`"))?);
        } else if let Some(flags) = line.strip_prefix("# flags: ") {
            self.flags = parse_flags(flags).ok_or(format!("bad flags `{flags}`"))?;
        } else if let Some(kind) = line.strip_prefix("# type: ") {
            self.is_dir = Some(match kind {
                "directory" => true,
                "file" => false,
                _ => return Err(format!("unknown type `{kind}`")),
            });
        } else if let Some(inode) = line.strip_prefix("# inode: ") {
            self.inode = Some(inode.parse().map_err(|_| format!("bad inode `{inode}`"))?);
        } else if line.starts_with('#') {
            // Another comment: ignored, as setfacl does.
        } else {
            // getfacl may add `\t#effective:r--`.
            let entry = line.split(['\t', ' ']).next().unwrap_or(line);
            let (list, entry) = match entry.strip_prefix("default:") {
                Some(rest) => (&mut self.default, rest),
                None => (&mut self.access, entry),
            };
            list.push(parse_entry(entry, names)?);
        }
        Ok(())
    }

    fn finish(self, file: &Path) -> Result<Saved> {
        let bad = |why: String| Error::bad_input(file, self.line, why);
        let (Some(uid), Some(gid)) = (self.uid, self.gid) else {
            return Err(bad("a record without `# owner:` or `# group:`".into()));
        };
        let access = Acl::new(self.access).map_err(|why| bad(format!("access ACL: {why}")))?;
        let default = if self.default.is_empty() {
            None
        } else {
            Some(Acl::new(self.default).map_err(|why| bad(format!("default ACL: {why}")))?)
        };
        Ok(Saved {
            mode: access.mode_bits() | self.flags,
            path: self.path,
            line: self.line,
            uid,
            gid,
            access,
            default,
            is_dir: self.is_dir,
            inode: self.inode,
        })
    }
}

fn id(text: &str, lookup: impl Fn(&str) -> Option<u32>) -> Option<u32> {
    text.parse().ok().or_else(|| lookup(text))
}

/// `sst`, `s--`, `--t`...: setuid, setgid, sticky.
fn parse_flags(text: &str) -> Option<u32> {
    let bytes = text.as_bytes();
    if bytes.len() != 3 {
        return None;
    }
    let mut flags = 0;
    for (byte, (letter, bit)) in bytes
        .iter()
        .zip([(b's', 0o4000), (b's', 0o2000), (b't', 0o1000)])
    {
        match *byte {
            b'-' => {}
            b if b == letter => flags |= bit,
            _ => return None,
        }
    }
    Some(flags)
}

/// `user::rwx`, `user:1000:r-x`, `group:staff:rw-`, `mask::rwx`, `other::---`.
fn parse_entry(text: &str, names: &dyn Names) -> std::result::Result<Entry, String> {
    let bad = || format!("ACL entry `{text}` is not tag:qualifier:permissions");
    let mut fields = text.splitn(3, ':');
    let (tag, qualifier, perm) = match (fields.next(), fields.next(), fields.next()) {
        (Some(t), Some(q), Some(p)) => (t, q, p),
        _ => return Err(bad()),
    };
    let named = !qualifier.is_empty();
    let tag = match (tag, named) {
        ("user" | "u", false) => Tag::UserObj,
        ("user" | "u", true) => Tag::User,
        ("group" | "g", false) => Tag::GroupObj,
        ("group" | "g", true) => Tag::Group,
        ("mask" | "m", false) => Tag::Mask,
        ("other" | "o", false) => Tag::Other,
        _ => return Err(bad()),
    };
    let id = match tag {
        Tag::User => {
            id(qualifier, |n| names.uid(n)).ok_or(format!("no such user `{qualifier}`"))?
        }
        Tag::Group => {
            id(qualifier, |n| names.gid(n)).ok_or(format!("no such group `{qualifier}`"))?
        }
        _ => NO_ID,
    };
    let perm = match perm.as_bytes() {
        [r, w, x]
            if matches!(r, b'r' | b'-') && matches!(w, b'w' | b'-') && matches!(x, b'x' | b'-') =>
        {
            (if *r == b'r' { acl::R } else { 0 })
                | (if *w == b'w' { acl::W } else { 0 })
                | (if *x == b'x' { acl::X } else { 0 })
        }
        _ => return Err(format!("ACL entry `{text}`: bad permissions `{perm}`")),
    };
    Ok(Entry { tag, id, perm })
}

/// Undoes getfacl's quoting: `\ooo` is one byte, `\\` a backslash.
fn unquote(text: &str) -> std::result::Result<OsString, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        if bytes.get(i + 1) == Some(&b'\\') {
            out.push(b'\\');
            i += 2;
            continue;
        }
        let octal = bytes
            .get(i + 1..i + 4)
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u8::from_str_radix(d, 8).ok())
            .ok_or(format!("bad escape in `{text}`"))?;
        out.push(octal);
        i += 4;
    }
    Ok(OsString::from_vec(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chk::ids::tests::FakeNames;

    #[test]
    fn reads_getfacl_dumps_and_chks_own_lines() {
        let text = b"# file: /srv/caf\\351 x\n# owner: alice\n# group: 50\n# flags: -s-\n\
# type: directory\n# inode: 42\nuser::rwx\nuser:1001:r-x\ngroup::r-x\t#effective:r-x\n\
mask::r-x\nother::---\ndefault:user::rwx\ndefault:group::---\ndefault:other::---\n\n\
# file: /srv/f\n# owner: 0\n# group: staff\nuser::rw-\ngroup::r--\nother::r--\n";
        let saved = parse(text, Path::new("undo"), &FakeNames).unwrap();
        assert_eq!(saved.len(), 2);
        assert_eq!(saved[0].path.as_os_str().as_bytes(), b"/srv/caf\xe9 x");
        assert_eq!(
            (saved[0].uid, saved[0].gid, saved[0].mode),
            (1001, 50, 0o2750)
        );
        assert_eq!(saved[0].is_dir, Some(true));
        assert_eq!(saved[0].inode, Some(42));
        assert_eq!(
            saved[0].default.as_ref().unwrap().to_string(),
            "u::rwx,g::---,o::---"
        );
        assert_eq!((saved[1].uid, saved[1].gid, saved[1].mode), (0, 50, 0o644));
        assert_eq!(saved[1].line, 16);
    }

    #[test]
    fn malformed_backups_say_where() {
        let err = |t: &[u8]| {
            parse(t, Path::new("undo"), &FakeNames)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(b"user::rwx\n"),
            "undo:1: an ACL entry before any `# file:` line"
        );
        assert_eq!(
            err(b"# file: /x\n# owner: 0\n# group: 0\nuser::rwz\n"),
            "undo:4: ACL entry `user::rwz`: bad permissions `rwz`"
        );
        assert_eq!(
            err(b"# file: /x\n# owner: 0\nuser::rwx\ngroup::---\nother::---\n"),
            "undo:1: a record without `# owner:` or `# group:`"
        );
        assert_eq!(err(b"# file: x\n"), "undo:1: `x` is not an absolute path");
    }
}
