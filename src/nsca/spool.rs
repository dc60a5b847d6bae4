//! The spool: results that could not be delivered, kept on disk (fsync'ed)
//! and sent first on the next run. One file per server and port, one line
//! per result: `1 TAB status TAB host TAB service TAB output`, with `%`,
//! TAB, CR and LF percent-escaped. A lock file keeps two runs apart.

use super::packet::CheckResult;
use crate::cli::Error;
use rustix::fs::{FlockOperation, flock};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

pub struct Spool {
    path: PathBuf,
    /// Held for the whole run; the lock goes with it.
    _lock: File,
    /// What the file held when the run began.
    pub pending: Vec<CheckResult>,
}

fn io_error(what: &str, path: &Path, err: std::io::Error) -> Error {
    Error::io(format!("{what} {}", path.display()), err)
}

impl Spool {
    /// Locks and reads the spool of `server:port` in `dir`, creating `dir`.
    pub fn open(dir: &Path, server: &str, port: u16) -> Result<Spool, Error> {
        fs::create_dir_all(dir).map_err(|e| io_error("creating", dir, e))?;
        let safe: String = server
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = dir.join(format!("{safe}_{port}.spool"));
        let lock_path = path.with_extension("lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| io_error("opening", &lock_path, e))?;
        flock(&lock, FlockOperation::LockExclusive)
            .map_err(|e| io_error("locking", &lock_path, e.into()))?;
        let pending = match fs::read(&path) {
            Ok(bytes) => decode_all(&bytes, &path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io_error("reading", &path, e)),
        };
        Ok(Spool {
            path,
            _lock: lock,
            pending,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Makes the spool hold exactly `results`: after a run, the pending
    /// results not delivered plus the new ones not delivered. When all the
    /// pending ones are still there the new ones are appended; otherwise the
    /// file is replaced atomically. Either way it is fsync'ed before we return.
    pub fn keep(&self, results: &[CheckResult]) -> Result<(), Error> {
        if results.is_empty() {
            return match fs::remove_file(&self.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(io_error("removing", &self.path, e))
                }
                _ => Ok(()),
            };
        }
        let appending = results.starts_with(&self.pending);
        let (path, skip) = if appending {
            (self.path.clone(), self.pending.len())
        } else {
            (self.path.with_extension("tmp"), 0)
        };
        let mut text = Vec::new();
        for result in &results[skip..] {
            encode(result, &mut text);
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(appending)
            .write(true)
            .truncate(!appending)
            .open(&path)
            .map_err(|e| io_error("opening", &path, e))?;
        file.write_all(&text)
            .and_then(|()| file.sync_all())
            .map_err(|e| io_error("writing", &path, e))?;
        if !appending {
            fs::rename(&path, &self.path).map_err(|e| io_error("replacing", &self.path, e))?;
        }
        if let Some(dir) = self.path.parent() {
            // The new directory entry must survive a crash too.
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| io_error("syncing", dir, e))?;
        }
        Ok(())
    }
}

fn escape(field: &[u8], out: &mut Vec<u8>) {
    for &b in field {
        match b {
            b'%' | b'\t' | b'\r' | b'\n' => out.extend(format!("%{b:02X}").as_bytes()),
            _ => out.push(b),
        }
    }
}

fn unescape(field: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        if field[i] == b'%' {
            let hex = std::str::from_utf8(field.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(field[i]);
            i += 1;
        }
    }
    Some(out)
}

fn encode(result: &CheckResult, out: &mut Vec<u8>) {
    out.extend(format!("1\t{}\t", result.status).as_bytes());
    escape(&result.host, out);
    out.push(b'\t');
    escape(&result.service, out);
    out.push(b'\t');
    escape(&result.output, out);
    out.push(b'\n');
}

fn decode(line: &[u8]) -> Option<CheckResult> {
    let fields: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
    let [b"1", status, host, service, output] = fields[..] else {
        return None;
    };
    Some(CheckResult {
        status: std::str::from_utf8(status).ok()?.parse().ok()?,
        host: unescape(host)?,
        service: unescape(service)?,
        output: unescape(output)?,
    })
}

/// Reads every line that decodes; a damaged line (say, a crash mid-append)
/// is reported and skipped.
fn decode_all(bytes: &[u8], path: &Path) -> Vec<CheckResult> {
    let mut results = Vec::new();
    for (index, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        match decode(line) {
            Some(result) => results.push(result),
            None => log::warn!(
                "{}:{}: damaged spool line skipped",
                path.display(),
                index + 1
            ),
        }
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(host: &str, output: &[u8]) -> CheckResult {
        CheckResult {
            host: host.into(),
            service: b"s\tx".to_vec(),
            status: 2,
            output: output.to_vec(),
        }
    }

    #[test]
    fn keeps_appends_replaces_and_removes() {
        let dir = tempfile::tempdir().unwrap();
        let a = result("a", b"100%\nline\r\xff");
        let b = result("b", b"");
        let spool = Spool::open(dir.path(), "nagios:x", 5667).unwrap();
        assert!(spool.pending.is_empty());
        spool.keep(std::slice::from_ref(&a)).unwrap();
        drop(spool);

        let spool = Spool::open(dir.path(), "nagios:x", 5667).unwrap();
        assert_eq!(spool.pending, std::slice::from_ref(&a));
        spool.keep(&[a.clone(), b.clone()]).unwrap();
        drop(spool);

        let spool = Spool::open(dir.path(), "nagios:x", 5667).unwrap();
        assert_eq!(spool.pending, [a.clone(), b.clone()]);
        spool.keep(std::slice::from_ref(&b)).unwrap();
        drop(spool);

        let spool = Spool::open(dir.path(), "nagios:x", 5667).unwrap();
        assert_eq!(spool.pending, [b]);
        spool.keep(&[]).unwrap();
        assert!(!spool.path().exists());
    }

    #[test]
    fn damaged_lines_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h_1.spool");
        fs::write(&path, b"1\t0\th\t\tok\n1\t0\th\t%zz\n1\t0\tpartial").unwrap();
        let spool = Spool::open(dir.path(), "h", 1).unwrap();
        assert_eq!(spool.pending.len(), 1);
        assert_eq!(spool.pending[0].output, b"ok");
    }
}
