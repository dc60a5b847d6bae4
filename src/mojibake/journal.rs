//! The journal of a run that changes files: one line per change, written
//! and fsync'ed before the change happens, so `undo` can reverse every
//! change, also after a run that was interrupted. Paths are absolute and
//! byte-exact (escaped).
//!
//! Format: a header line, the trees the run may change, then one line per
//! change; fields are separated by tabs, and bytes that are not printable
//! UTF-8 (and `\`, tab, newline) are written as `\xHH`:
//!
//! - `tree<TAB>DIR`: every path below is inside one of these directories;
//! - `dirtimes<TAB>DIR<TAB>ATIME<TAB>MTIME`: a directory's times before
//!   the first rename in it (`SECONDS.NANOSECONDS`), which `undo` puts back
//!   last, also after a run that was killed before it could;
//! - `OLD<TAB>NEW`: a rename within one directory;
//! - `symlink<TAB>LINK<TAB>OLD-TARGET<TAB>NEW-TARGET`: a symlink retargeted
//!   because its target was renamed in the same run;
//! - `edit<TAB>FILE<TAB>N`: a file repaired in place, its original bytes
//!   saved as `N` in the directory `JOURNAL.d` beside the journal.
//!
//! A journal is written even when nothing changes, so `undo` always works.
//! The journal (0600), `JOURNAL.d` (0700) and the saved originals (0600 or
//! narrower, as the original) are readable by their owner only: they hold
//! paths and contents of other users' files.
//!
//! `undo` trusts a journal only when it is a regular file, not a symlink,
//! owned by the user running undo or by root, and writable by nobody else;
//! every line is checked (absolute, no `.`/`..`/empty component, inside a
//! tree of the header) before the first change.

use super::safe_fs::DirTimes;
use crate::common::{Error, Result};
use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{FileType, Mode, OFlags};
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

const HEADER: &str = "# mojibake-fix journal v3: tree lines, then OLD<TAB>NEW per rename, symlink and edit lines, in order";
/// Journals of earlier versions are still read; they name no tree.
const HEADER_V2: &str =
    "# mojibake-fix journal v2: OLD<TAB>NEW per rename, symlink and edit lines, in order";
const HEADER_V1: &str = "# mojibake-fix journal v1: OLD<TAB>NEW per rename, in order";

/// One change, as recorded.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    Rename {
        old: PathBuf,
        new: PathBuf,
    },
    Retarget {
        link: PathBuf,
        old_target: PathBuf,
        new_target: PathBuf,
    },
    Edit {
        file: PathBuf,
        /// The saved original's name in `JOURNAL.d`.
        saved: OsString,
    },
    DirTimes {
        dir: PathBuf,
        times: DirTimes,
    },
}

pub(crate) struct Journal {
    file: File,
    pub(crate) path: PathBuf,
    /// The directory the journal is in, where `JOURNAL.d` is made on
    /// first use.
    dir: OwnedFd,
    saved_name: OsString,
    saved_dir: Option<OwnedFd>,
    saved: u64,
    /// Lines staged for the next commit.
    staged: String,
    /// Bytes of complete lines written: a failed append is cut back to it.
    len: u64,
    /// A failed append could not be cut back: nothing more may be recorded.
    broken: bool,
}

/// The journal's directory and its name in it (`.` for a bare name).
fn split(path: &Path) -> Result<(&Path, &OsStr)> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::usage(format!("journal {}: not a file name", path.display())))?;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    Ok((dir.unwrap_or(Path::new(".")), name))
}

fn saved_dir_name(journal_name: &OsStr) -> OsString {
    let mut name = journal_name.to_os_string();
    name.push(".d");
    name
}

fn euid() -> u32 {
    rustix::process::geteuid().as_raw()
}

impl Journal {
    /// Creates a new journal, mode 0600 (never overwrites anything), that
    /// may record changes below `trees`.
    pub(crate) fn create(path: &Path, trees: &[PathBuf]) -> Result<Journal> {
        let what = || format!("creating journal {}", path.display());
        let (dir_path, name) = split(path)?;
        let dir = rustix::fs::open(
            dir_path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| Error::io(what(), e.into()))?;
        let fd = rustix::fs::openat(
            &dir,
            name,
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )
        .map_err(|e| Error::io(what(), e.into()))?;
        let mut file = File::from(fd);
        let mut head = format!("{HEADER}\n");
        for tree in trees {
            head.push_str(&line(&[b"tree", tree.as_os_str().as_bytes()]));
        }
        file.write_all(head.as_bytes())
            .and_then(|()| file.sync_all())
            // The journal's own directory entry must survive a crash too.
            .and_then(|()| Ok(rustix::fs::fsync(&dir)?))
            .map_err(|e| Error::io(what(), e))?;
        Ok(Journal {
            file,
            path: path.to_path_buf(),
            dir,
            saved_name: saved_dir_name(name),
            saved_dir: None,
            saved: 0,
            staged: String::new(),
            len: head.len() as u64,
            broken: false,
        })
    }

    /// Creates the journal the options name, or a new one in the default
    /// directory: `<command>-<UTC timestamp>-<pid>.journal`.
    pub(crate) fn create_for(
        option: Option<&Path>,
        command: &str,
        trees: &[PathBuf],
    ) -> Result<Journal> {
        let path = match option {
            Some(path) => path.to_path_buf(),
            None => {
                let dir = default_dir()?;
                make_private_dir(&dir)?;
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                let stamp = utc_timestamp(now);
                dir.join(format!("{command}-{stamp}-{}.journal", std::process::id()))
            }
        };
        Journal::create(&path, trees)
    }

    /// Stages one rename: written with the others of its batch by
    /// [`Journal::commit`], before any of them is made.
    pub(crate) fn stage(&mut self, old: &Path, new: &Path) {
        self.staged.push_str(&line(&[
            old.as_os_str().as_bytes(),
            new.as_os_str().as_bytes(),
        ]));
    }

    /// Stages a directory's times before the first rename in it.
    pub(crate) fn stage_dirtimes(&mut self, dir: &Path, times: DirTimes) {
        let (atime, mtime) = (stamp(times.atime), stamp(times.mtime));
        self.staged.push_str(&line(&[
            b"dirtimes",
            dir.as_os_str().as_bytes(),
            atime.as_bytes(),
            mtime.as_bytes(),
        ]));
    }

    /// Writes the staged lines and waits until they are on disk: one
    /// fdatasync for a whole batch of renames.
    pub(crate) fn commit(&mut self) -> Result<()> {
        let lines = std::mem::take(&mut self.staged);
        if lines.is_empty() {
            return Ok(());
        }
        self.write_synced(&lines)
    }

    /// Appends one symlink retargeting.
    pub(crate) fn record_retarget(&mut self, link: &Path, old: &Path, new: &Path) -> Result<()> {
        self.append(&[
            b"symlink",
            link.as_os_str().as_bytes(),
            old.as_os_str().as_bytes(),
            new.as_os_str().as_bytes(),
        ])
    }

    /// Saves a file's original bytes (fsync'ed; mode 0600, narrower when
    /// the original's `mode` is) and appends the edit.
    pub(crate) fn record_edit(&mut self, file: &Path, original: &[u8], mode: u32) -> Result<()> {
        let what = || format!("saving the original of {}", file.display());
        self.saved += 1;
        let name = self.saved.to_string();
        let saved_dir = self.saved_dir().map_err(|e| Error::io(what(), e))?;
        let fd = rustix::fs::openat(
            saved_dir,
            name.as_str(),
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(mode & 0o600),
        )
        .map_err(|e| Error::io(what(), e.into()))?;
        let mut out = File::from(fd);
        let written = out
            .write_all(original)
            .and_then(|()| out.sync_all())
            .and_then(|()| Ok(rustix::fs::fsync(saved_dir)?));
        if let Err(e) = written {
            // A partial copy no line refers to is of no use to anyone.
            let _ = rustix::fs::unlinkat(saved_dir, name.as_str(), rustix::fs::AtFlags::empty());
            return Err(Error::io(what(), e));
        }
        self.append(&[b"edit", file.as_os_str().as_bytes(), name.as_bytes()])
    }

    /// `JOURNAL.d`, made 0700 on first use; an existing one must be a
    /// directory of ours (not a symlink, not another user's).
    fn saved_dir(&mut self) -> io::Result<&OwnedFd> {
        if self.saved_dir.is_none() {
            let name = self.saved_name.as_os_str();
            match rustix::fs::mkdirat(&self.dir, name, Mode::from_raw_mode(0o700)) {
                Ok(()) | Err(rustix::io::Errno::EXIST) => {}
                Err(e) => return Err(e.into()),
            }
            let fd = super::safe_fs::open_dir_at(self.dir.as_fd(), name, true).map_err(|e| {
                if matches!(e, rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR) {
                    io::Error::other(format!(
                        "{} is a symbolic link or not a directory",
                        name.to_string_lossy()
                    ))
                } else {
                    e.into()
                }
            })?;
            let st = rustix::fs::fstat(&fd)?;
            if st.st_uid != euid() {
                return Err(io::Error::other(format!(
                    "{} belongs to uid {}, not to us",
                    name.to_string_lossy(),
                    st.st_uid
                )));
            }
            rustix::fs::fchmod(&fd, Mode::from_raw_mode(0o700))?;
            rustix::fs::fsync(&self.dir)?;
            self.saved_dir = Some(fd);
        }
        Ok(self.saved_dir.as_ref().expect("just made"))
    }

    /// Appends one line and waits until it is on disk. A line that could
    /// not be written whole (a full disk) is cut off again, so the journal
    /// never holds half a line with a change after it.
    fn append(&mut self, fields: &[&[u8]]) -> Result<()> {
        self.write_synced(&line(fields))
    }

    fn write_synced(&mut self, lines: &str) -> Result<()> {
        let what = || format!("writing journal {}", self.path.display());
        if self.broken {
            return Err(Error::failed(format!(
                "{}: an earlier write failed and could not be cut back",
                what()
            )));
        }
        let written = self
            .file
            .write_all(lines.as_bytes())
            .and_then(|()| self.file.sync_data());
        match written {
            Ok(()) => {
                self.len += lines.len() as u64;
                Ok(())
            }
            Err(e) => {
                let cut = self.file.set_len(self.len).and_then(|()| {
                    use std::io::Seek;
                    self.file.seek(io::SeekFrom::Start(self.len)).map(|_| ())
                });
                self.broken = cut.is_err();
                Err(Error::io(what(), e))
            }
        }
    }
}

/// `SECONDS.NANOSECONDS`.
fn stamp((secs, nanos): (i64, i64)) -> String {
    format!("{secs}.{nanos:09}")
}

fn parse_stamp(field: &[u8]) -> Option<(i64, i64)> {
    let (secs, nanos) = std::str::from_utf8(field).ok()?.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(secs.strip_prefix('-').unwrap_or(secs)) || nanos.len() != 9 || !digits(nanos) {
        return None;
    }
    Some((secs.parse().ok()?, nanos.parse().ok()?))
}

/// One journal line: the fields escaped, tab-separated, newline-ended.
fn line(fields: &[&[u8]]) -> String {
    let mut line = fields
        .iter()
        .map(|f| escape(f))
        .collect::<Vec<_>>()
        .join("\t");
    line.push('\n');
    line
}

/// A journal read for `undo`: its changes, checked, and where its saved
/// originals are.
pub(crate) struct Loaded {
    pub(crate) entries: Vec<Entry>,
    /// The trees the journal names (none for v1 and v2 journals).
    pub(crate) trees: Vec<PathBuf>,
    dir: OwnedFd,
    saved_name: OsString,
}

/// Reads a journal for `undo`, refusing one that is not to be trusted
/// (exit 2) and checking every line before anything is changed.
pub(crate) fn load(path: &Path) -> Result<Loaded> {
    let what = || format!("reading journal {}", path.display());
    let refuse = |why: String| Error::usage(format!("journal {}: refused: {why}", path.display()));
    let (dir_path, name) = split(path)?;
    let dir = rustix::fs::open(
        dir_path,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| Error::io(what(), e.into()))?;
    let fd = rustix::fs::openat(
        &dir,
        name,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| match e {
        rustix::io::Errno::LOOP => refuse("it is a symbolic link".into()),
        e => Error::io(what(), e.into()),
    })?;
    let st = rustix::fs::fstat(&fd).map_err(|e| Error::io(what(), e.into()))?;
    trusted(&st).map_err(refuse)?;
    let mut text = Vec::new();
    File::from(fd)
        .read_to_end(&mut text)
        .map_err(|e| Error::io(what(), e))?;
    // Journals of v2 named their saved originals by absolute path.
    let saved_name = saved_dir_name(name);
    let saved_dir = std::fs::canonicalize(dir_path)
        .map(|d| d.join(&saved_name))
        .unwrap_or_default();
    let (trees, entries) = parse(&text, path, &saved_dir)?;
    Ok(Loaded {
        entries,
        trees,
        dir,
        saved_name,
    })
}

/// Why a journal or saved original with this status is not to be trusted:
/// only a regular file of ours or root's that nobody else may write.
fn trusted(st: &rustix::fs::Stat) -> std::result::Result<(), String> {
    if FileType::from_raw_mode(st.st_mode) != FileType::RegularFile {
        return Err("not a regular file".into());
    }
    if st.st_uid != euid() && st.st_uid != 0 {
        return Err(format!(
            "owned by uid {}, neither by you nor by root",
            st.st_uid
        ));
    }
    if st.st_mode & 0o022 != 0 {
        return Err(format!(
            "others may write it (mode {:04o})",
            st.st_mode & 0o7777
        ));
    }
    Ok(())
}

impl Loaded {
    /// The original bytes saved as `name` in `JOURNAL.d`, read without
    /// following a symlink and only from a directory and file that are
    /// ours or root's and that nobody else may write.
    pub(crate) fn read_saved(&self, name: &OsStr) -> io::Result<Vec<u8>> {
        let dir = super::safe_fs::open_dir_at(self.dir.as_fd(), &self.saved_name, true)?;
        let st = rustix::fs::fstat(&dir)?;
        if (st.st_uid != euid() && st.st_uid != 0) || st.st_mode & 0o022 != 0 {
            return Err(io::Error::other(format!(
                "{} is not to be trusted (uid {}, mode {:04o})",
                self.saved_name.to_string_lossy(),
                st.st_uid,
                st.st_mode & 0o7777
            )));
        }
        let fd = rustix::fs::openat(
            &dir,
            name,
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        let st = rustix::fs::fstat(&fd)?;
        trusted(&st).map_err(|why| io::Error::other(format!("the saved original: {why}")))?;
        let mut bytes = Vec::with_capacity(st.st_size as usize);
        File::from(fd).read_to_end(&mut bytes)?;
        Ok(bytes)
    }
}

/// The changes of a journal's text, in the order they were made, every
/// line checked: `path` names the journal in messages, `saved_dir` is
/// where a v2 journal's saved originals must be.
pub(crate) fn parse(
    text: &[u8],
    path: &Path,
    saved_dir: &Path,
) -> Result<(Vec<PathBuf>, Vec<Entry>)> {
    // A last line without its newline was being written when the run
    // stopped: its change never happened (a change follows its line).
    let complete = match text.iter().rposition(|&b| b == b'\n') {
        Some(end) => &text[..=end],
        // Killed while its header was written: nothing was done yet.
        None if HEADER.as_bytes().starts_with(text) => return Ok((Vec::new(), Vec::new())),
        None => text,
    };
    let mut lines = complete.split(|&b| b == b'\n');
    let header = lines.next().unwrap_or_default();
    let v3 = header == HEADER.as_bytes();
    if !v3 && header != HEADER_V2.as_bytes() && header != HEADER_V1.as_bytes() {
        return Err(Error::bad_input(path, 1, "not a mojibake-fix journal"));
    }
    let mut trees: Vec<PathBuf> = Vec::new();
    let mut entries = Vec::new();
    for (i, line) in lines.enumerate() {
        let number = i + 2;
        if line.is_empty() {
            continue;
        }
        let bad = |why: &str| Error::bad_input(path, number, why);
        let fields = fields(line).ok_or_else(|| bad("a field is not escaped as \\xHH"))?;
        if v3 && fields.first().map(Vec::as_slice) == Some(b"tree") {
            if !entries.is_empty() {
                return Err(bad("a tree line after the first change"));
            }
            let [_, tree] = fields.as_slice() else {
                return Err(bad("expected tree<TAB>DIR"));
            };
            check_path(tree, &[]).map_err(bad)?;
            trees.push(PathBuf::from(OsString::from_vec(tree.clone())));
            continue;
        }
        if v3 && trees.is_empty() {
            return Err(bad("a change before any tree line"));
        }
        let entry = entry(fields, &trees, v3, saved_dir).map_err(bad)?;
        entries.push(entry);
    }
    Ok((trees, entries))
}

/// A line's fields, unescaped; None when an escape is malformed.
fn fields(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let line = std::str::from_utf8(line).ok()?;
    line.split('\t').map(unescape).collect()
}

/// One change line, checked.
fn entry(
    fields: Vec<Vec<u8>>,
    trees: &[PathBuf],
    v3: bool,
    saved_dir: &Path,
) -> std::result::Result<Entry, &'static str> {
    let path = |bytes: Vec<u8>| PathBuf::from(OsString::from_vec(bytes));
    let mut fields = fields.into_iter();
    let first = fields.next().unwrap_or_default();
    let rest: Vec<Vec<u8>> = fields.collect();
    match (first.as_slice(), rest.as_slice()) {
        (b"dirtimes", [dir, atime, mtime]) if v3 => {
            check_path_or_tree(dir, trees)?;
            let (Some(atime), Some(mtime)) = (parse_stamp(atime), parse_stamp(mtime)) else {
                return Err("times must be SECONDS.NANOSECONDS");
            };
            Ok(Entry::DirTimes {
                dir: path(dir.clone()),
                times: DirTimes { atime, mtime },
            })
        }
        (b"symlink", [link, old, new]) => {
            check_path(link, trees)?;
            check_target(old)?;
            check_target(new)?;
            Ok(Entry::Retarget {
                link: path(link.clone()),
                old_target: path(old.clone()),
                new_target: path(new.clone()),
            })
        }
        (b"edit", [file, saved]) => {
            check_path(file, trees)?;
            let saved = if v3 {
                check_name(saved)?;
                OsString::from_vec(saved.clone())
            } else {
                // v2: the absolute path of a file in JOURNAL.d.
                let saved = path(saved.clone());
                if saved.parent() != Some(saved_dir) {
                    return Err("the saved original is not in the journal's .d directory");
                }
                let name = saved.file_name().ok_or("the saved original has no name")?;
                check_name(name.as_bytes())?;
                name.to_os_string()
            };
            Ok(Entry::Edit {
                file: path(file.clone()),
                saved,
            })
        }
        (_, [new]) => {
            check_path(&first, trees)?;
            check_path(new, trees)?;
            let (old, new) = (path(first), path(new.clone()));
            if old.parent() != new.parent() {
                return Err("a rename must stay in one directory");
            }
            if old == new {
                return Err("a rename to the same name");
            }
            Ok(Entry::Rename { old, new })
        }
        _ => Err("expected OLD<TAB>NEW, or a symlink or edit line"),
    }
}

/// An absolute path of normal components (no `.`, `..` or empty one, no
/// NUL), not `/` itself, inside one of `trees` when there are any.
fn check_path(bytes: &[u8], trees: &[PathBuf]) -> std::result::Result<(), &'static str> {
    let Some(rest) = bytes.strip_prefix(b"/") else {
        return Err("paths must be absolute");
    };
    if rest.is_empty() {
        return Err("the path is `/`");
    }
    for part in rest.split(|&b| b == b'/') {
        check_name(part).map_err(|_| "a path with an empty, `.` or `..` component")?;
    }
    let inside = |tree: &PathBuf| {
        let tree = tree.as_os_str().as_bytes();
        tree == b"/" || (bytes.starts_with(tree) && bytes.get(tree.len()) == Some(&b'/'))
    };
    if !trees.is_empty() && !trees.iter().any(inside) {
        return Err("the path is outside the trees the journal names");
    }
    Ok(())
}

/// [`check_path`], also allowing a tree itself (the directory a PATH
/// argument is renamed in).
fn check_path_or_tree(bytes: &[u8], trees: &[PathBuf]) -> std::result::Result<(), &'static str> {
    if trees.iter().any(|t| t.as_os_str().as_bytes() == bytes) {
        return Ok(());
    }
    check_path(bytes, trees)
}

/// A single file name: not empty, `.` or `..`, no `/` or NUL.
fn check_name(name: &[u8]) -> std::result::Result<(), &'static str> {
    if name.is_empty() || name == b"." || name == b".." || name.contains(&b'/') {
        return Err("not a file name");
    }
    if name.contains(&0) {
        return Err("a NUL byte in a name");
    }
    Ok(())
}

/// A symlink target the walker retargets: relative, not empty, no NUL.
fn check_target(target: &[u8]) -> std::result::Result<(), &'static str> {
    if target.is_empty() || target.starts_with(b"/") || target.contains(&0) {
        return Err("a symlink target must be a relative path");
    }
    Ok(())
}

fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\\' || c.is_control() {
                let mut buf = [0; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\x{b:02X}"));
                }
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

fn unescape(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if bytes.get(i + 1) != Some(&b'x') {
                return None;
            }
            let hex = bytes.get(i + 2..i + 4)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 4;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Where journals go unless `--journal` says: `/var/lib/mojibake-fix` as
/// root, `$XDG_STATE_HOME/mojibake-fix` (`~/.local/state/mojibake-fix`)
/// otherwise.
pub(crate) fn default_dir() -> Result<PathBuf> {
    if euid() == 0 {
        return Ok(PathBuf::from("/var/lib/mojibake-fix"));
    }
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .map(|home| home.join(".local/state"))
        })
        .ok_or_else(|| {
            Error::usage("no journal directory: set HOME or XDG_STATE_HOME, or give --journal FILE")
        })?;
    Ok(state.join("mojibake-fix"))
}

/// Makes `dir` (0700, with its parents) or checks that the one there is a
/// directory of ours that nobody else may write.
fn make_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let what = || format!("journal directory {}", dir.display());
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Error::io(what(), e))?;
    let meta = std::fs::symlink_metadata(dir).map_err(|e| Error::io(what(), e))?;
    if !meta.is_dir() || meta.uid() != euid() || meta.mode() & 0o022 != 0 {
        return Err(Error::usage(format!(
            "{}: refused: not a directory of yours that only you may write (uid {}, mode {:04o})",
            what(),
            meta.uid(),
            meta.mode() & 0o7777
        )));
    }
    Ok(())
}

/// One journal of the default directory, for `undo` without argument.
pub(crate) struct Recent {
    pub(crate) path: PathBuf,
    pub(crate) modified: u64,
    /// The number of changes and the trees, or why it would be refused.
    pub(crate) summary: std::result::Result<(usize, Vec<PathBuf>), String>,
}

/// The `limit` most recent journals of `dir`, newest first.
pub(crate) fn recent(dir: &Path, limit: usize) -> io::Result<Vec<Recent>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if path.extension() != Some(OsStr::new("journal")) {
            continue;
        }
        let modified = entry
            .metadata()?
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        found.push((modified, path));
    }
    found.sort_by(|a, b| b.cmp(a));
    found.truncate(limit);
    Ok(found
        .into_iter()
        .map(|(modified, path)| {
            let summary = load(&path)
                .map(|loaded| {
                    let changes = loaded
                        .entries
                        .iter()
                        .filter(|e| !matches!(e, Entry::DirTimes { .. }))
                        .count();
                    (changes, loaded.trees)
                })
                .map_err(|e| e.to_string());
            Recent {
                path,
                modified,
                summary,
            }
        })
        .collect())
}

/// `YYYYMMDDTHHMMSSZ` for a time in seconds since the epoch, without a
/// date library.
pub(crate) fn utc_timestamp(secs: u64) -> String {
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_round_trips_any_bytes() {
        let nasty: &[u8] = b"a\tb\\c\n\xff\xc3\xa9\x01";
        let escaped = escape(nasty);
        assert!(!escaped.contains('\t') && !escaped.contains('\n'));
        assert_eq!(unescape(&escaped).unwrap(), nasty);
        assert!(unescape("bad\\q").is_none());
    }

    fn sample() -> String {
        format!(
            "{HEADER}\ntree\t/srv/t\n/srv/t/Ã©\t/srv/t/é\nsymlink\t/srv/t/l\tA\\xC3\\x83\tA\\xC3\\xA9\nedit\t/srv/t/f\t1\n"
        )
    }

    #[test]
    fn a_good_journal_parses() {
        let (trees, entries) =
            parse(sample().as_bytes(), Path::new("j"), Path::new("/x/j.d")).unwrap();
        assert_eq!(trees, [PathBuf::from("/srv/t")]);
        assert_eq!(entries.len(), 3);
        assert_eq!(
            entries[2],
            Entry::Edit {
                file: PathBuf::from("/srv/t/f"),
                saved: OsString::from("1")
            }
        );
        // A journal killed while its header was written holds nothing.
        for torn in ["", "# mojibake-fix jou"] {
            let (trees, entries) = parse(torn.as_bytes(), Path::new("j"), Path::new("/")).unwrap();
            assert!(trees.is_empty() && entries.is_empty());
        }
        // A torn last line (no newline) was never acted on: dropped.
        let torn = format!("{}/srv/t/x\t/srv/t/y", sample());
        assert_eq!(
            parse(torn.as_bytes(), Path::new("j"), Path::new("/"))
                .unwrap()
                .1
                .len(),
            3
        );
    }

    /// 200,000 damaged journals: bytes flipped, inserted, removed, lines
    /// cut or doubled, `/..` and tabs planted. The reader never panics, and
    /// every refusal names a line of the text.
    #[test]
    fn the_reader_survives_fuzzing() {
        let good = sample().into_bytes();
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n.max(1) as u64) as usize
        };
        let alphabet = b"\t\n\\x/.A\xc3\xff\x00e";
        for _ in 0..200_000 {
            let mut bytes = good.clone();
            for _ in 0..1 + next(5) {
                let at = next(bytes.len() + 1);
                match next(7) {
                    0 if at < bytes.len() => bytes[at] = alphabet[next(alphabet.len())],
                    1 => bytes.truncate(at),
                    2 => bytes.insert(at, alphabet[next(alphabet.len())]),
                    3 => {
                        let piece = bytes[at..(at + next(30)).min(bytes.len())].to_vec();
                        bytes.splice(at..at, piece);
                    }
                    4 => {
                        bytes.splice(at..at, b"/..".iter().copied());
                    }
                    5 => {
                        bytes.splice(at..at, b"\\x".iter().copied());
                    }
                    _ if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    _ => {}
                }
            }
            let lines = bytes.split(|&b| b == b'\n').count();
            match parse(&bytes, Path::new("j"), Path::new("/x/j.d")) {
                Ok((_, entries)) => {
                    for entry in entries {
                        if let Entry::Rename { old, new } = entry {
                            assert!(old.file_name().is_some() && new.file_name().is_some());
                            assert_eq!(old.parent(), new.parent());
                        }
                    }
                }
                Err(Error::BadInput { line, .. }) => assert!(line >= 1 && line <= lines),
                Err(other) => panic!("{other}"),
            }
        }
    }

    #[test]
    fn timestamps() {
        assert_eq!(utc_timestamp(0), "19700101T000000Z");
        assert_eq!(utc_timestamp(1_700_000_000), "20231114T221320Z");
    }
}
