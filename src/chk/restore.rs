//! `chk restore FILE`: undoes a run from its `--backup` file, safely.
//!
//! `setfacl --restore` works by path and follows symlinks: in a tree users
//! can write, a user who swaps a backed-up file for a symlink to
//! `/etc/shadow` gets that file handed over. Here every entry is reached
//! from `/` one component at a time with `O_NOFOLLOW` (the paths in a
//! backup are canonical), it must still be the entry that was backed up
//! (type, device, inode, and birth time or inode generation: a newer file
//! that got the same inode number is another entry), and the change goes
//! through the descriptor.
//!
//! An entry that is still the one backed up but was changed since the
//! run (a file rewritten: another size, mtime, or a ctime other than the
//! one chk's change left) only gets back what narrows access: never its
//! set-id bits, never an owner or group, never a mode or an ACL entry
//! wider than the current one. Giving a file rewritten by a user its old
//! `rwsr-xr-x root` would hand that user a set-id root program.

use super::accounts::NssNames;
use super::acl::{self, Acl, Entry, NO_ID, Tag};
use super::backup::{self, Identity, Stamp};
use super::ids::Names;
use super::node::{self, Node};
use super::walk::state::{self, Change, Current, S_IFDIR, S_IFMT};
use crate::common::{Error, Exit, Result};
use std::ffi::OsString;
use std::io::{self, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// What the backup says one entry was.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Saved {
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
    /// chk's lines identifying the entry and its content.
    pub identity: Identity,
    /// `# ctime-after:`: the ctime chk's change left (a completion record).
    /// Once records are merged, that of the last change to the entry.
    pub ctime_after: Option<Stamp>,
}

/// What a restore did, or in a dry run would do, to one entry.
enum Outcome {
    /// Everything given back (nothing to do when empty).
    Restored(Vec<Change>),
    /// Changed since the run (`why`): only `changes` narrow access;
    /// `withheld` are what the backup has and was not given back.
    Narrowed {
        why: String,
        changes: Vec<Change>,
        withheld: Vec<Change>,
    },
}

/// Why an entry was not (entirely) restored.
enum Failure {
    /// Nothing was changed.
    Refused(String),
    /// Some changes were made (`done`), then one failed.
    Partial {
        done: Vec<&'static str>,
        why: String,
    },
}

/// The tally of a restore.
#[derive(Default)]
struct Tally {
    restored: u64,
    unchanged: u64,
    narrowed: u64,
    partial: u64,
    refused: u64,
}

pub(crate) fn run(args: &super::cli::RestoreArgs, dry_run: bool) -> Result<Exit> {
    let text = read_backup(&args.file)?;
    let names = NssNames::default();
    let saved = merge_records(parse(&text, &args.file, &names)?);
    let mut exit = Exit::Success;
    let mut tally = Tally::default();
    let mut out = io::stdout().lock();
    for entry in &saved {
        let shown = super::quote::escaped(&entry.path);
        let list = |out: &mut io::StdoutLock, changes: &[Change]| -> io::Result<()> {
            for change in changes.iter().filter(|_| dry_run) {
                let (from, to) = change.values(&names);
                writeln!(out, "{shown}: {}: {from} -> {to}", change.kind())?;
            }
            Ok(())
        };
        match restore_one(entry, dry_run) {
            Ok(Outcome::Restored(changes)) if changes.is_empty() => tally.unchanged += 1,
            Ok(Outcome::Restored(changes)) => {
                tally.restored += 1;
                if dry_run {
                    exit = exit.worst(Exit::Found);
                }
                list(&mut out, &changes)?;
            }
            Ok(Outcome::Narrowed {
                why,
                changes,
                withheld,
            }) => {
                if !changes.is_empty() && dry_run {
                    exit = exit.worst(Exit::Found);
                }
                list(&mut out, &changes)?;
                if withheld.is_empty() {
                    // Narrowing alone put everything back.
                    match changes.is_empty() {
                        true => tally.unchanged += 1,
                        false => tally.restored += 1,
                    }
                    continue;
                }
                tally.narrowed += 1;
                exit = exit.worst(Exit::Failed);
                let kept: Vec<String> = withheld
                    .iter()
                    .map(|c| {
                        let (from, to) = c.values(&names);
                        format!("{} {from} (backup: {to})", c.kind())
                    })
                    .collect();
                eprintln!(
                    "chk: {}: changed since the run ({why}): only what narrows access {}; kept: {}",
                    super::quote::quoted(&entry.path),
                    if dry_run {
                        "would be restored"
                    } else {
                        "was restored"
                    },
                    kept.join(", ")
                );
            }
            Err(Failure::Refused(why)) => {
                tally.refused += 1;
                exit = exit.worst(Exit::Failed);
                eprintln!("chk: {}: not restored: {why}", entry.path.display());
            }
            Err(Failure::Partial { done, why }) => {
                tally.partial += 1;
                exit = exit.worst(Exit::Failed);
                eprintln!(
                    "chk: {}: partly restored ({} restored): {why}",
                    entry.path.display(),
                    done.join(", ")
                );
            }
        }
    }
    writeln!(
        out,
        "{}: {} entries, {} {}, {} already as backed up, {} changed since the run (only narrowed), \
         {} partly restored, {} refused or failed",
        args.file.display(),
        saved.len(),
        tally.restored,
        if dry_run { "differing" } else { "restored" },
        tally.unchanged,
        tally.narrowed,
        tally.partial,
        tally.refused,
    )?;
    Ok(exit)
}

/// Reads the backup, never through a symlink, and only if it is ours and
/// nobody else may write it: its content decides who gets which file.
fn read_backup(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::MetadataExt;
    let what = || format!("reading {}", path.display());
    let (mut file, meta) =
        super::backup_file::open_own_file(path, std::fs::OpenOptions::new().read(true))?;
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

/// One entry per path. A backup appended to by several runs holds an
/// entry once per change (and once more per completed change): the first
/// record is its state before all of them, and the identity to find
/// again; the last one says whether chk's last change completed, and the
/// ctime it left.
fn merge_records(records: Vec<Saved>) -> Vec<Saved> {
    let mut index = std::collections::HashMap::new();
    let mut merged: Vec<Saved> = Vec::new();
    for record in records {
        match index.get(&record.path) {
            Some(&i) => {
                let first: &mut Saved = &mut merged[i];
                first.ctime_after = record.ctime_after;
            }
            None => {
                index.insert(record.path.clone(), merged.len());
                merged.push(record);
            }
        }
    }
    merged
}

/// Puts one entry back (or, in a dry run, only says what differs).
fn restore_one(saved: &Saved, dry_run: bool) -> std::result::Result<Outcome, Failure> {
    let node = open_saved(&saved.path).map_err(Failure::Refused)?;
    let refuse = |why: String| Failure::Refused(why);
    let stat = node.stat().map_err(|e| refuse(format!("reading: {e}")))?;
    let st_mode = u32::from(stat.stx_mode);
    let is_dir = st_mode & S_IFMT == S_IFDIR;
    match st_mode & S_IFMT {
        S_IFDIR | S_IFREG => {}
        S_IFLNK => return Err(refuse("it is now a symbolic link".into())),
        _ => return Err(refuse("it is now a special file".into())),
    }
    let was_dir = saved.is_dir.unwrap_or(saved.default.is_some());
    if is_dir != was_dir || (saved.default.is_some() && !is_dir) {
        return Err(refuse(format!(
            "it was a {} and is now a {}",
            kind_name(was_dir),
            kind_name(is_dir)
        )));
    }
    let now = Identity::of(&node, &stat);
    if let Some(other) = saved.identity.other_entry(&now) {
        return Err(refuse(format!(
            "it is no longer the entry that was backed up ({other})"
        )));
    }
    let current = state::read_state(state::Source::Node(&node), &stat)
        .map_err(|e| refuse(format!("reading the ACL: {e}")))?;
    let outcome = match changed_since(saved, &now, stat.stx_ctime.into(), is_dir) {
        None => Outcome::Restored(differences(&current, saved)),
        Some(why) => {
            let target = narrowed(&current, saved);
            Outcome::Narrowed {
                why,
                changes: differences(&current, &target),
                withheld: differences(&as_current(&target, is_dir), saved),
            }
        }
    };
    let changes = match &outcome {
        Outcome::Restored(changes) | Outcome::Narrowed { changes, .. } => changes,
    };
    if !dry_run {
        apply_in_order(&node, changes)?;
    }
    Ok(outcome)
}

/// Why `saved` must be taken as changed since the run (`now` is the
/// entry's identity, `ctime` its change time), or `None` when it is as
/// chk left it. A directory is only its identity: members create and
/// delete entries in it all the time, which is no reason to withhold its
/// owner or set-gid bit.
fn changed_since(saved: &Saved, now: &Identity, ctime: Stamp, is_dir: bool) -> Option<String> {
    if !saved.identity.is_known() {
        return Some("the backup does not identify it: no chk identity lines".into());
    }
    if is_dir {
        return None;
    }
    let mut what = saved.identity.content_changes(now);
    match saved.ctime_after {
        Some(after) if after == ctime => {}
        Some(_) => what.push("change time"),
        None => what.push("no record that chk's change was made"),
    }
    (!what.is_empty()).then(|| what.join(", "))
}

/// What `saved` may give back to an entry now `cur`: its owner and group
/// stay, the mode keeps only special bits both have (so never a set-id
/// bit the entry lost), and each ACL is the backed-up one when it grants
/// nothing the current one does not, else what both grant.
fn narrowed(cur: &Current, saved: &Saved) -> Saved {
    let narrow = |now: &Acl, then: &Acl| {
        if then.within(now) {
            then.clone()
        } else {
            now.intersect(then)
        }
    };
    let now = cur
        .access
        .clone()
        .unwrap_or_else(|| Acl::from_mode(cur.mode));
    let access = narrow(&now, &saved.access);
    let default = match (&cur.default, &saved.default) {
        (Some(now), Some(then)) => Some(narrow(now, then)),
        // Adding or removing a default ACL can widen what new files get.
        (now, _) => now.clone(),
    };
    Saved {
        uid: cur.uid,
        gid: cur.gid,
        mode: access.mode_bits() | (cur.mode & saved.mode & 0o7000),
        access,
        default,
        ..saved.clone()
    }
}

/// `saved` as the state of an entry, to compare with another backup state.
fn as_current(saved: &Saved, is_dir: bool) -> Current {
    Current {
        uid: saved.uid,
        gid: saved.gid,
        mode: saved.mode,
        is_dir,
        access: stored_acl(&saved.access),
        default: saved.default.clone(),
    }
}

/// The access ACL as the kernel stores it: three entries are the mode
/// bits; anything more (a mask-only ACL too) is an xattr.
fn stored_acl(access: &Acl) -> Option<Acl> {
    (access.entries().len() > 3).then(|| access.clone())
}

/// Makes `changes` in the order that leaves the least half done: the ACLs
/// first (what the kernel may refuse: a file system without ACLs), then
/// owner and group, then the mode (a chown clears set-id bits, which the
/// mode puts back). A step that fails after others succeeded is a partial
/// restore, and says which.
fn apply_in_order(node: &Node, changes: &[Change]) -> std::result::Result<(), Failure> {
    let mut done: Vec<&'static str> = Vec::new();
    let fail = |done: &Vec<&'static str>, what: &str, e: io::Error| {
        let why = format!("{what}: {}", super::quote::io_reason(&e));
        if done.is_empty() {
            Failure::Refused(why)
        } else {
            Failure::Partial {
                done: done.clone(),
                why,
            }
        }
    };
    for change in changes {
        let written = match change {
            Change::Access(_, Some(acl)) => acl::io::write(node, acl::io::Kind::Access, acl),
            Change::Access(_, None) => acl::io::remove(node, acl::io::Kind::Access),
            Change::Default(_, Some(acl)) => acl::io::write(node, acl::io::Kind::Default, acl),
            Change::Default(_, None) => acl::io::remove(node, acl::io::Kind::Default),
            _ => continue,
        };
        written.map_err(|e| fail(&done, &format!("writing the {}", change.kind()), e))?;
        done.push(change.kind());
    }
    let find = |kind: &str| {
        changes.iter().find_map(|c| match c {
            Change::Owner(_, to) if kind == "owner" => Some(*to),
            Change::Group(_, to) if kind == "group" => Some(*to),
            Change::Mode(_, to) if kind == "mode" => Some(*to),
            _ => None,
        })
    };
    let (owner, group) = (find("owner"), find("group"));
    if owner.is_some() || group.is_some() {
        node.chown(owner, group)
            .map_err(|e| fail(&done, "changing ownership", e))?;
        done.extend(owner.map(|_| "owner"));
        done.extend(group.map(|_| "group"));
    }
    if let Some(mode) = find("mode") {
        node.chmod(mode)
            .map_err(|e| fail(&done, "changing the mode", e))?;
    }
    Ok(())
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
    let access = stored_acl(&saved.access);
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
pub(crate) fn parse(text: &[u8], file: &Path, names: &dyn Names) -> Result<Vec<Saved>> {
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
    identity: Identity,
    ctime_after: Option<Stamp>,
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
            identity: Identity::default(),
            ctime_after: None,
            access: Vec::new(),
            default: Vec::new(),
        }
    }

    fn line(&mut self, line: &str, names: &dyn Names) -> std::result::Result<(), String> {
        if let Some(owner) = line.strip_prefix("# owner: ") {
            self.uid = Some(id(owner, "user", |n| names.uid(n))?);
        } else if let Some(group) = line.strip_prefix("# group: ") {
            self.gid = Some(id(group, "group", |n| names.gid(n))?);
        } else if let Some(ctime) = line.strip_prefix(backup::CTIME_AFTER) {
            self.ctime_after = Some(ctime.parse().map_err(|_| format!("bad ctime `{ctime}`"))?);
        } else if self.identity.read_line(line)? {
            // One of chk's identity lines.
        } else if let Some(flags) = line.strip_prefix("# flags: ") {
            self.flags = parse_flags(flags).ok_or(format!("bad flags `{flags}`"))?;
        } else if let Some(kind) = line.strip_prefix("# type: ") {
            self.is_dir = Some(match kind {
                "directory" => true,
                "file" => false,
                _ => return Err(format!("unknown type `{kind}`")),
            });
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
            identity: self.identity,
            ctime_after: self.ctime_after,
        })
    }
}

/// A user or group as a backup names it (`what`: "user" or "group"): a
/// number or a name. The id `(uid_t)-1` is refused: chown(2) reads it as
/// "leave unchanged", so a record with it would be reported restored
/// while nothing changed.
fn id(
    text: &str,
    what: &str,
    lookup: impl Fn(&str) -> Option<u32>,
) -> std::result::Result<u32, String> {
    match text.parse().ok().or_else(|| lookup(text)) {
        Some(NO_ID) => Err(format!(
            "{what} {NO_ID} is (id_t)-1, which the kernel takes as \"no change\": refused"
        )),
        Some(id) => Ok(id),
        None => Err(format!("no such {what} `{text}`")),
    }
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
        Tag::User => id(qualifier, "user", |n| names.uid(n))?,
        Tag::Group => id(qualifier, "group", |n| names.gid(n))?,
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
        assert_eq!(saved[0].identity.inode, Some(42));
        assert_eq!(
            saved[0].default.as_ref().unwrap().to_string(),
            "u::rwx,g::---,o::---"
        );
        assert_eq!((saved[1].uid, saved[1].gid, saved[1].mode), (0, 50, 0o644));
        assert_eq!(saved[1].line, 16);
    }

    #[test]
    fn one_entry_per_path_its_first_state_and_its_last_completion() {
        let record = |owner: u32, ctime: Option<&str>| {
            let mut text = format!("# file: /srv/f\n# owner: {owner}\n# group: 0\n# inode: 7\n");
            if let Some(ctime) = ctime {
                text.push_str(&format!("# ctime-after: {ctime}\n"));
            }
            text + "user::rw-\ngroup::---\nother::---\n\n"
        };
        // Two runs: each change's record, then its completion.
        let text = record(5, None)
            + &record(5, Some("1.000000000"))
            + &record(0, None)
            + &record(0, Some("2.000000000"));
        let merged = merge_records(parse(text.as_bytes(), Path::new("undo"), &FakeNames).unwrap());
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].uid, 5);
        assert_eq!(merged[0].ctime_after, Some("2.000000000".parse().unwrap()));
        // The second run's change never completed: nothing vouches for it.
        let text = record(5, None) + &record(5, Some("1.000000000")) + &record(0, None);
        let merged = merge_records(parse(text.as_bytes(), Path::new("undo"), &FakeNames).unwrap());
        assert_eq!(merged[0].ctime_after, None);
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
        assert_eq!(
            err(b"# file: /x\n# owner: 4294967295\n"),
            "undo:2: user 4294967295 is (id_t)-1, which the kernel takes as \"no change\": refused"
        );
        assert!(
            err(b"# file: /x\n# owner: 0\n# group: 0\ngroup:4294967295:rwx\n").contains("(id_t)-1")
        );
    }
}
