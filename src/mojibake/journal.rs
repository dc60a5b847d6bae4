//! The rename journal: one line per rename, written and fsync'ed before the
//! rename happens, so `undo` can restore every name, also after a run that
//! was interrupted. Paths are absolute and byte-exact (escaped).
//!
//! Format: a header line, then `OLD<TAB>NEW` per rename, where bytes that
//! are not printable UTF-8 (and `\`, tab, newline) are written as `\xHH`.

use crate::cli::{Error, Result};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

const HEADER: &str = "# mojibake-fix journal v1: OLD<TAB>NEW per rename, in order";

pub struct Journal {
    file: File,
    pub path: PathBuf,
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
        if let Ok(d) = File::open(dir.unwrap_or(Path::new("."))) {
            let _ = d.sync_all();
        }
        Ok(Journal {
            file,
            path: path.to_path_buf(),
        })
    }

    /// The default name: `./mojibake-fix-<UTC timestamp>.journal`.
    pub fn default_path() -> PathBuf {
        PathBuf::from(format!("mojibake-fix-{}.journal", utc_timestamp()))
    }

    /// Appends one rename and waits until it is on disk.
    pub fn record(&mut self, old: &Path, new: &Path) -> io::Result<()> {
        let line = format!(
            "{}\t{}\n",
            escape(old.as_os_str().as_bytes()),
            escape(new.as_os_str().as_bytes())
        );
        self.file.write_all(line.as_bytes())?;
        self.file.sync_data()
    }
}

/// The renames of a journal, in the order they were made.
pub fn read(path: &Path) -> Result<Vec<(PathBuf, PathBuf)>> {
    let text = std::fs::read(path)
        .map_err(|e| Error::io(format!("reading journal {}", path.display()), e))?;
    let mut renames = Vec::new();
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        let number = i + 1;
        if number == 1 {
            if line != HEADER.as_bytes() {
                return Err(Error::bad_input(path, 1, "not a mojibake-fix journal"));
            }
            continue;
        }
        if line.is_empty() {
            continue;
        }
        let bad = || Error::bad_input(path, number, "expected OLD<TAB>NEW");
        let line = std::str::from_utf8(line).map_err(|_| bad())?;
        let (old, new) = line.split_once('\t').ok_or_else(bad)?;
        let old = unescape(old).ok_or_else(bad)?;
        let new = unescape(new).ok_or_else(bad)?;
        let (old, new) = (PathBuf::from(old), PathBuf::from(new));
        if !old.is_absolute() || old.parent() != new.parent() || new.file_name().is_none() {
            return Err(Error::bad_input(
                path,
                number,
                "renames must be absolute and within one directory",
            ));
        }
        renames.push((old, new));
    }
    Ok(renames)
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
