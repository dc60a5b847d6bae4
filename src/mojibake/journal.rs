//! The journal of a run that changes files: one line per change, written
//! and fsync'ed before the change happens, so `undo` can reverse every
//! change, also after a run that was interrupted. Paths are absolute and
//! byte-exact (escaped).
//!
//! Format: a header line, then one line per change, fields separated by
//! tabs, where bytes that are not printable UTF-8 (and `\`, tab, newline)
//! are written as `\xHH`:
//!
//! - `OLD<TAB>NEW`: a rename within one directory;
//! - `symlink<TAB>LINK<TAB>OLD-TARGET<TAB>NEW-TARGET`: a symlink retargeted
//!   because its target was renamed in the same run;
//! - `edit<TAB>FILE<TAB>SAVED`: a file repaired in place, its original bytes
//!   saved in SAVED (in the directory `JOURNAL.d`).
//!
//! A journal is written even when nothing changes, so `undo` always works.

use crate::common::{Error, Result};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

const HEADER: &str =
    "# mojibake-fix journal v2: OLD<TAB>NEW per rename, symlink and edit lines, in order";
/// Journals of earlier versions (renames only) are still read.
const HEADER_V1: &str = "# mojibake-fix journal v1: OLD<TAB>NEW per rename, in order";

/// One change, as recorded.
#[derive(Debug, PartialEq, Eq)]
pub enum Entry {
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
        saved: PathBuf,
    },
}

pub struct Journal {
    file: File,
    pub path: PathBuf,
    /// Where original contents are saved (`JOURNAL.d`, absolute), made on
    /// first use, and how many are there.
    saved_dir: PathBuf,
    saved: u64,
}

impl Journal {
    /// Creates a new journal (never overwrites one).
    pub fn create(path: &Path) -> Result<Journal> {
        let what = || format!("creating journal {}", path.display());
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| Error::io(what(), e))?;
        writeln!(file, "{HEADER}").map_err(|e| Error::io(what(), e))?;
        file.sync_all().map_err(|e| Error::io(what(), e))?;
        // The journal's own directory entry must survive a crash too.
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
        let dir = dir.unwrap_or(Path::new("."));
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        let absolute_dir = std::fs::canonicalize(dir).map_err(|e| Error::io(what(), e))?;
        let mut saved_name = path.file_name().unwrap_or_default().to_os_string();
        saved_name.push(".d");
        Ok(Journal {
            file,
            path: path.to_path_buf(),
            saved_dir: absolute_dir.join(saved_name),
            saved: 0,
        })
    }

    /// Creates the journal the options name, or the default one.
    pub fn create_for(option: Option<&Path>) -> Result<Journal> {
        Journal::create(&option.map_or_else(Journal::default_path, Path::to_path_buf))
    }

    /// The default name: `./mojibake-fix-<UTC timestamp>.journal`.
    pub fn default_path() -> PathBuf {
        PathBuf::from(format!("mojibake-fix-{}.journal", utc_timestamp()))
    }

    /// Appends one rename and waits until it is on disk.
    pub fn record(&mut self, old: &Path, new: &Path) -> Result<()> {
        self.append(&[old.as_os_str().as_bytes(), new.as_os_str().as_bytes()])
    }

    /// Appends one symlink retargeting.
    pub fn record_retarget(&mut self, link: &Path, old: &Path, new: &Path) -> Result<()> {
        self.append(&[
            b"symlink",
            link.as_os_str().as_bytes(),
            old.as_os_str().as_bytes(),
            new.as_os_str().as_bytes(),
        ])
    }

    /// Saves a file's original bytes (fsync'ed) and appends the edit.
    pub fn record_edit(&mut self, file: &Path, original: &[u8]) -> Result<()> {
        let what = || format!("saving the original of {}", file.display());
        match std::fs::create_dir(&self.saved_dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(Error::io(what(), e)),
        }
        self.saved += 1;
        let saved = self.saved_dir.join(self.saved.to_string());
        let mut out = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&saved)
            .map_err(|e| Error::io(what(), e))?;
        out.write_all(original)
            .and_then(|()| out.sync_all())
            .and_then(|()| File::open(&self.saved_dir)?.sync_all())
            .map_err(|e| Error::io(what(), e))?;
        self.append(&[
            b"edit",
            file.as_os_str().as_bytes(),
            saved.as_os_str().as_bytes(),
        ])
    }

    fn append(&mut self, fields: &[&[u8]]) -> Result<()> {
        let mut line = fields
            .iter()
            .map(|f| escape(f))
            .collect::<Vec<_>>()
            .join("\t");
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(|e| Error::io(format!("writing journal {}", self.path.display()), e))
    }
}

/// The changes of a journal, in the order they were made.
pub fn read(path: &Path) -> Result<Vec<Entry>> {
    let text = std::fs::read(path)
        .map_err(|e| Error::io(format!("reading journal {}", path.display()), e))?;
    let mut entries = Vec::new();
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        let number = i + 1;
        if number == 1 {
            if line != HEADER.as_bytes() && line != HEADER_V1.as_bytes() {
                return Err(Error::bad_input(path, 1, "not a mojibake-fix journal"));
            }
            continue;
        }
        if line.is_empty() {
            continue;
        }
        let entry = parse_entry(line).ok_or_else(|| {
            Error::bad_input(
                path,
                number,
                "expected OLD<TAB>NEW, or a symlink or edit line",
            )
        })?;
        let absolute = match &entry {
            Entry::Rename { old, new } => {
                old.is_absolute() && old.parent() == new.parent() && new.file_name().is_some()
            }
            Entry::Retarget { link, .. } => link.is_absolute() && link.file_name().is_some(),
            Entry::Edit { file, saved } => file.is_absolute() && saved.is_absolute(),
        };
        if !absolute {
            return Err(Error::bad_input(
                path,
                number,
                "paths must be absolute, renames within one directory",
            ));
        }
        entries.push(entry);
    }
    Ok(entries)
}

fn parse_entry(line: &[u8]) -> Option<Entry> {
    let line = std::str::from_utf8(line).ok()?;
    let fields: Vec<PathBuf> = line
        .split('\t')
        .map(|f| unescape(f).map(PathBuf::from))
        .collect::<Option<_>>()?;
    let keyword = fields.first()?.as_os_str().as_bytes();
    Some(match (keyword, fields.len()) {
        (b"symlink", 4) => Entry::Retarget {
            link: fields[1].clone(),
            old_target: fields[2].clone(),
            new_target: fields[3].clone(),
        },
        (b"edit", 3) => Entry::Edit {
            file: fields[1].clone(),
            saved: fields[2].clone(),
        },
        (_, 2) => Entry::Rename {
            old: fields[0].clone(),
            new: fields[1].clone(),
        },
        _ => return None,
    })
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

fn unescape(s: &str) -> Option<std::ffi::OsString> {
    let mut out = Vec::with_capacity(s.len());
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if bytes.get(i + 1) != Some(&b'x') {
                return None;
            }
            let hex = std::str::from_utf8(bytes.get(i + 2..i + 4)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 4;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(std::ffi::OsString::from_vec(out))
}

/// `YYYYMMDDTHHMMSSZ` for now, without a date library.
fn utc_timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
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
        assert_eq!(unescape(&escaped).unwrap().as_bytes(), nasty);
        assert!(unescape("bad\\q").is_none());
    }

    #[test]
    fn timestamp_shape() {
        let t = utc_timestamp();
        assert_eq!(t.len(), 16);
        assert!(t.starts_with("20") && t.ends_with('Z'));
    }
}
