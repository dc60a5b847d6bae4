//! The spool: results that could not be delivered, kept on disk (fsync'ed)
//! and sent first on the next run. One file per server and port, 0600 in a
//! 0700 directory, guarded by a lock file.
//!
//! The format knows no protocol: each record is the result and the time it
//! was created, one line framed so that a torn tail is detected before
//! anything is decoded:
//!
//! `2 TAB created TAB status TAB host TAB service TAB output TAB crc32 LF`
//!
//! with `%`, TAB, CR and LF percent-escaped in the text fields and the
//! CRC-32 (8 hex digits) taken over everything before its TAB. A record
//! without its LF or with a wrong checksum is set aside in `*.damaged`,
//! never delivered. Lines of the older format (`1 TAB status TAB host TAB
//! service TAB output`) are still read.

use super::packet::CheckResult;
use crate::common::io_reason;
use crate::common::lock::Waited;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A result waiting in the spool, with the time it was first spooled or read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spooled {
    /// Seconds since the epoch.
    pub created: u64,
    pub result: CheckResult,
}

impl Spooled {
    pub fn now(result: CheckResult) -> Spooled {
        Spooled {
            created: unix_now(),
            result,
        }
    }
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Why the spool cannot be used; the run then delivers without it.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("'{}': {}", path.display(), io_reason(source))]
    Unusable { path: PathBuf, source: io::Error },
    #[error("'{}' is still locked by another nsca-send run after {} s", path.display(), waited.as_secs())]
    Locked { path: PathBuf, waited: Duration },
}

/// Not every undelivered result reached the disk.
#[derive(Debug, thiserror::Error)]
#[error("kept {kept} result(s) in '{}', {lost} lost: {}", path.display(), io_reason(source))]
pub struct KeepError {
    pub path: PathBuf,
    /// Results in the spool file now.
    pub kept: usize,
    /// Results that should be there and are not.
    pub lost: usize,
    pub source: io::Error,
}

pub struct Spool {
    path: PathBuf,
    /// Held for the whole run; the lock goes with it.
    _lock: File,
    /// What the file held when the run began (less what `--max-age` dropped).
    pub pending: Vec<Spooled>,
    /// Results dropped by `--max-age`.
    pub expired: usize,
    /// Records that failed their check, to be set aside by `keep` (after
    /// the spool shrank: a full disk is a likely cause of the damage).
    damaged: Vec<Damaged>,
    /// The file holds something `pending` does not (damage, expired
    /// results): the next `keep` must rewrite it rather than append.
    rewrite: bool,
}

/// How [`Spool::open`] waits and what it drops.
pub struct OpenOptionsSpool {
    /// Longest wait for another run's lock.
    pub lock_wait: Duration,
    /// Spooled results older than this are dropped.
    pub max_age: Option<Duration>,
}

impl Spool {
    /// Locks and reads the spool of `server:port` in `dir`, creating `dir` (0700).
    pub fn open(
        dir: &Path,
        server: &str,
        port: u16,
        options: &OpenOptionsSpool,
    ) -> Result<Spool, OpenError> {
        let unusable = |path: &Path| {
            let path = path.to_path_buf();
            move |source| OpenError::Unusable { path, source }
        };
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(unusable(dir))?;
        let path = dir.join(format!("{}_{port}.spool", file_safe(server)));
        let lock_path = path.with_extension("lock");
        let lock = private_file(&lock_path, false).map_err(unusable(&lock_path))?;
        lock_within(&lock, &lock_path, options.lock_wait)?;
        let mut spool = Spool {
            pending: Vec::new(),
            expired: 0,
            damaged: Vec::new(),
            rewrite: false,
            path,
            _lock: lock,
        };
        let bytes = match fs::read(&spool.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(spool),
            Err(e) => return Err(unusable(&spool.path)(e)),
        };
        let modified = fs::metadata(&spool.path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or_else(unix_now, |d| d.as_secs());
        let decoded = decode_all(&bytes, modified);
        for d in &decoded.damaged {
            log::warn!(
                "'{}': record {} is {}: set aside in '{}', not delivered",
                spool.path.display(),
                d.number,
                d.why,
                spool.path.with_extension("damaged").display()
            );
        }
        spool.rewrite = !decoded.damaged.is_empty();
        spool.damaged = decoded.damaged;
        spool.pending = decoded.records;
        if let Some(max_age) = options.max_age {
            let oldest = unix_now().saturating_sub(max_age.as_secs());
            let before = spool.pending.len();
            spool.pending.retain(|s| s.created >= oldest);
            spool.expired = before - spool.pending.len();
            spool.rewrite |= spool.expired > 0;
        }
        Ok(spool)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Copies damaged records to `*.damaged` for a human to look at.
    fn set_aside(&self) {
        if self.damaged.is_empty() {
            return;
        }
        let aside = self.path.with_extension("damaged");
        let mut text = Vec::new();
        for d in &self.damaged {
            text.extend_from_slice(&d.bytes);
            text.push(b'\n');
        }
        let saved = private_file(&aside, true).and_then(|mut f| {
            f.write_all(&text)?;
            f.sync_all()
        });
        if let Err(e) = saved {
            log::warn!(
                "cannot keep the damaged records in '{}': {}",
                aside.display(),
                io_reason(&e)
            );
        }
    }

    /// Makes the spool hold exactly `results`: after a run, the pending
    /// results not delivered plus the new ones not delivered. When all the
    /// pending ones are still there the new ones are appended; otherwise the
    /// file is replaced atomically. Either way it is fsync'ed before we
    /// return. When the disk fills up, the file is cut back to its last
    /// whole record and the error says how many were kept and lost.
    pub fn keep(&self, results: &[Spooled]) -> Result<(), KeepError> {
        let kept = self.keep_results(results);
        self.set_aside();
        kept
    }

    fn keep_results(&self, results: &[Spooled]) -> Result<(), KeepError> {
        let fail = |kept: usize, source: io::Error| KeepError {
            path: self.path.clone(),
            kept,
            lost: results.len() - kept,
            source,
        };
        if results.is_empty() {
            return match fs::remove_file(&self.path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(fail(0, e)),
                _ => Ok(()),
            };
        }
        let appending = !self.rewrite && results.starts_with(&self.pending);
        let (path, already) = if appending {
            (self.path.clone(), self.pending.len())
        } else {
            (self.path.with_extension("tmp"), 0)
        };
        let mut text = Vec::new();
        // Where each record ends, to cut a failed append back to whole records.
        let mut ends = Vec::with_capacity(results.len() - already);
        for spooled in &results[already..] {
            encode(spooled, &mut text);
            ends.push(text.len() as u64);
        }
        let mut file = (if appending {
            private_file(&path, true)
        } else {
            private_file(&path, false).and_then(|f| f.set_len(0).map(|()| f))
        })
        .map_err(|e| fail(already, e))?;
        let start = file.metadata().map_err(|e| fail(already, e))?.len();
        let written = file.write_all(&text).and_then(|()| file.sync_all());
        let mut kept = results.len();
        let mut failure = None;
        if let Err(e) = written {
            let on_disk = file.metadata().map_or(start, |m| m.len()) - start;
            let whole = ends.partition_point(|&end| end <= on_disk);
            let cut_end = if whole == 0 { 0 } else { ends[whole - 1] };
            // Give the torn record back; the next run must not see it.
            let cut = file.set_len(start + cut_end).and_then(|()| file.sync_all());
            kept = already + whole;
            if let Err(cut_err) = cut {
                log::warn!(
                    "cannot cut '{}' back to its last whole record: {}",
                    path.display(),
                    io_reason(&cut_err)
                );
            }
            failure = Some(e);
        }
        if !appending {
            fs::rename(&path, &self.path).map_err(|e| fail(0, e))?;
        }
        if let Some(dir) = self.path.parent() {
            // The new directory entry must survive a crash too.
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| fail(kept, e))?;
        }
        match failure {
            Some(e) => Err(fail(kept, e)),
            None => Ok(()),
        }
    }
}

/// Waits for the exclusive lock at most `wait`, saying once what it waits for.
fn lock_within(lock: &File, path: &Path, wait: Duration) -> Result<(), OpenError> {
    let waiting = || {
        log::warn!(
            "waiting up to {} s for the spool lock '{}' held by another nsca-send run",
            wait.as_secs(),
            path.display()
        )
    };
    match crate::common::lock::exclusive_within(lock, wait, waiting) {
        Ok(Waited::Locked) => Ok(()),
        Ok(Waited::TimedOut) => Err(OpenError::Locked {
            path: path.to_path_buf(),
            waited: wait,
        }),
        Err(source) => Err(OpenError::Unusable {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Opens (creating 0600) a file of the spool, never through a symlink.
fn private_file(path: &Path, append: bool) -> io::Result<File> {
    OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
}

fn file_safe(server: &str) -> String {
    server
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
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

fn encode(spooled: &Spooled, out: &mut Vec<u8>) {
    let start = out.len();
    let result = &spooled.result;
    out.extend(format!("2\t{}\t{}\t", spooled.created, result.status).as_bytes());
    escape(&result.host, out);
    out.push(b'\t');
    escape(&result.service, out);
    out.push(b'\t');
    escape(&result.output, out);
    let crc = crc32fast::hash(&out[start..]);
    out.extend(format!("\t{crc:08x}\n").as_bytes());
}

fn decode(line: &[u8], modified: u64) -> Option<Spooled> {
    let fields: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
    fn number<T: std::str::FromStr>(field: &[u8]) -> Option<T> {
        std::str::from_utf8(field).ok()?.parse().ok()
    }
    let (created, status, host, service, output) = match fields[..] {
        [b"2", created, status, host, service, output, crc] => {
            let body = &line[..line.len() - crc.len() - 1];
            let crc = u32::from_str_radix(std::str::from_utf8(crc).ok()?, 16).ok()?;
            if crc32fast::hash(body) != crc {
                return None;
            }
            (number(created)?, status, host, service, output)
        }
        // The first format had no time: the file's is the best we know.
        [b"1", status, host, service, output] => (modified, status, host, service, output),
        _ => return None,
    };
    Some(Spooled {
        created,
        result: CheckResult {
            status: number(status)?,
            host: unescape(host)?,
            service: unescape(service)?,
            output: unescape(output)?,
        },
    })
}

struct Damaged {
    /// 1-based record number in the file.
    number: usize,
    why: &'static str,
    bytes: Vec<u8>,
}

struct Decoded {
    records: Vec<Spooled>,
    damaged: Vec<Damaged>,
}

/// Every whole, checked record; the others are returned to be set aside.
fn decode_all(bytes: &[u8], modified: u64) -> Decoded {
    let mut decoded = Decoded {
        records: Vec::new(),
        damaged: Vec::new(),
    };
    let (whole, torn) = match bytes.iter().rposition(|&b| b == b'\n') {
        Some(last) => (&bytes[..last], &bytes[last + 1..]),
        None => (&bytes[..0], bytes),
    };
    let mut number = 0;
    for line in whole.split(|&b| b == b'\n') {
        if line.is_empty() {
            continue;
        }
        number += 1;
        match decode(line, modified) {
            Some(record) => decoded.records.push(record),
            None => decoded.damaged.push(Damaged {
                number,
                why: "damaged (bad checksum or fields)",
                bytes: line.to_vec(),
            }),
        }
    }
    if !torn.is_empty() {
        decoded.damaged.push(Damaged {
            number: number + 1,
            why: "torn (no end of record: a crash or a full disk mid-write)",
            bytes: torn.to_vec(),
        });
    }
    decoded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spooled(host: &str, output: &[u8]) -> Spooled {
        Spooled {
            created: 1_700_000_000,
            result: CheckResult {
                host: host.into(),
                service: b"s\tx".to_vec(),
                status: 2,
                output: output.to_vec(),
            },
        }
    }

    fn open(dir: &Path) -> Spool {
        let options = OpenOptionsSpool {
            lock_wait: Duration::from_secs(1),
            max_age: None,
        };
        Spool::open(dir, "nagios:x", 5667, &options).unwrap()
    }

    #[test]
    fn keeps_appends_replaces_and_removes() {
        let dir = tempfile::tempdir().unwrap();
        let a = spooled("a", b"100%\nline\r\xff");
        let b = spooled("b", b"");
        let spool = open(dir.path());
        assert!(spool.pending.is_empty());
        spool.keep(std::slice::from_ref(&a)).unwrap();
        drop(spool);

        let spool = open(dir.path());
        assert_eq!(spool.pending, std::slice::from_ref(&a));
        spool.keep(&[a.clone(), b.clone()]).unwrap();
        drop(spool);

        let spool = open(dir.path());
        assert_eq!(spool.pending, [a.clone(), b.clone()]);
        spool.keep(std::slice::from_ref(&b)).unwrap();
        drop(spool);

        let spool = open(dir.path());
        assert_eq!(spool.pending, [b]);
        spool.keep(&[]).unwrap();
        assert!(!spool.path().exists());
    }

    #[test]
    fn torn_and_damaged_records_are_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = Vec::new();
        encode(&spooled("good", b"ok"), &mut text);
        let mut flipped = Vec::new();
        encode(&spooled("flip", b"OK - synthetic"), &mut flipped);
        flipped[20] ^= 1;
        text.extend(&flipped);
        text.extend(b"1\t0\th\t\told format\n");
        let mut torn = Vec::new();
        encode(&spooled("torn", b"OK - synthetic"), &mut torn);
        text.extend(&torn[..torn.len() - 5]);
        fs::write(dir.path().join("nagios_x_5667.spool"), &text).unwrap();

        let spool = open(dir.path());
        let hosts: Vec<&[u8]> = spool.pending.iter().map(|s| &s.result.host[..]).collect();
        assert_eq!(hosts, [&b"good"[..], b"h"]);
        // The damage is set aside and rewritten away, not appended after.
        let pending = spool.pending.clone();
        spool.keep(&pending).unwrap();
        let aside = fs::read(dir.path().join("nagios_x_5667.damaged")).unwrap();
        assert_eq!(
            aside.split(|&b| b == b'\n').count(),
            3,
            "two records and the end"
        );
        drop(spool);
        assert_eq!(open(dir.path()).pending, pending);
    }
}
