//! The spool: results that could not be delivered, kept on disk (fsync'ed)
//! and sent first on the next run. Per server and port, in a directory only
//! its owner may change (see `files`):
//!
//! - `HOST_PORT.spool`: the results, one checksummed line each (`record`);
//! - `HOST_PORT.state`: how far that file was delivered, and when a
//!   delivery last succeeded (`state`): a flush checkpoints after every
//!   chunk the server acknowledged, so a killed flush resends one chunk at
//!   most;
//! - `HOST_PORT.damaged`: torn or damaged lines, and spooled results that
//!   fail the checks stdin's pass, set aside for a human, never sent;
//! - `HOST_PORT.rejected`: results the server refused for good, with its
//!   answer, never resent;
//! - `HOST_PORT.lock`: held for the whole run.
//!
//! The spool file is only appended to, or replaced whole by a rewrite that
//! reached the disk: a rewrite that cannot finish (a full disk) leaves the
//! file as it was, and the checkpoint still says what was delivered.

mod files;
mod record;
mod state;

use super::input;
use super::packet::Format;
use crate::common::io_reason;
use crate::common::lock::Waited;
use files::{FileId, How, SpoolDir};
use state::State;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, UNIX_EPOCH};

pub(crate) use super::types::{Spooled, unix_now};

/// Why the spool cannot be used; the run then delivers without it.
#[derive(Debug, thiserror::Error)]
pub(super) enum OpenError {
    #[error("'{}': {}", path.display(), io_reason(source))]
    Unusable { path: PathBuf, source: io::Error },
    #[error("'{}' is still locked by another nsca-send run after {} s", path.display(), waited.as_secs())]
    Locked { path: PathBuf, waited: Duration },
}

/// Not every undelivered result reached the disk.
#[derive(Debug, thiserror::Error)]
#[error("kept {kept} result(s) in '{}', {lost} lost: {}", path.display(), io_reason(source))]
pub(super) struct KeepError {
    pub path: PathBuf,
    /// Results of this run in the spool file now.
    pub kept: usize,
    /// Results that should be there and are not.
    pub lost: usize,
    pub source: io::Error,
}

/// How [`Spool::open`] waits, what it drops and how it checks records.
pub(super) struct OpenOptionsSpool {
    /// Longest wait for another run's lock, and for each read.
    pub lock_wait: Duration,
    /// Spooled results older than this are dropped.
    pub max_age: Option<Duration>,
    /// Spooled records are checked as stdin's are, for this packet format.
    pub format: Format,
}

pub(super) struct Spool {
    dir: SpoolDir,
    /// `HOST_PORT`, the start of every file name.
    base: String,
    /// Held for the whole run; the lock goes with it.
    _lock: File,
    state_file: Option<File>,
    state: State,
    /// The spool file read at open, if there was one.
    file: Option<FileId>,
    /// What the file held past the checkpoint when the run began (less
    /// what `--max-age` dropped and what was set aside), in order.
    pub pending: Vec<Spooled>,
    /// Where each pending record ends in the file, and the CRC-32 of the
    /// file up to there: the checkpoint after it.
    ends: Vec<(u64, u32)>,
    /// Results dropped by `--max-age`.
    pub expired: usize,
    /// Lines to copy to `.damaged`, with why.
    damaged: Vec<Damaged>,
    /// The file holds something `pending` does not (damage, expired or
    /// delivered results): the next `keep` should rewrite it.
    rewrite: bool,
    timeout: Duration,
}

struct Damaged {
    number: usize,
    why: String,
    bytes: Vec<u8>,
}

impl Spool {
    /// Locks and reads the spool of `server:port` in `dir`, creating `dir` (0700).
    pub(super) fn open(
        dir: &Path,
        server: &str,
        port: u16,
        options: &OpenOptionsSpool,
    ) -> Result<Spool, OpenError> {
        let deadline = Instant::now() + options.lock_wait;
        let unusable = |path: PathBuf| move |source| OpenError::Unusable { path, source };
        let dir = SpoolDir::open(dir, true).map_err(unusable(dir.to_path_buf()))?;
        let base = base_name(server, port);
        let lock_name = format!("{base}.lock");
        let lock = dir
            .open_file(&lock_name, How::Update)
            .map_err(unusable(dir.path(&lock_name)))?
            .expect("created");
        lock_within(&lock, &dir.path(&lock_name), options.lock_wait)?;
        let state_name = format!("{base}.state");
        let (state_file, state) = match dir.open_file(&state_name, How::Update) {
            Ok(file) => {
                let file = file.expect("created");
                let state = State::load(&file);
                (Some(file), state)
            }
            Err(e) => {
                log::warn!(
                    "'{}': {}: a flush cut short will resend everything",
                    dir.path(&state_name).display(),
                    io_reason(&e)
                );
                (None, State::default())
            }
        };
        let mut spool = Spool {
            dir,
            _lock: lock,
            state_file,
            state,
            file: None,
            pending: Vec::new(),
            ends: Vec::new(),
            expired: 0,
            damaged: Vec::new(),
            rewrite: false,
            timeout: options.lock_wait,
            base,
        };
        let name = spool.name("spool");
        let Some((bytes, file)) = spool
            .dir
            .read(&name, deadline)
            .map_err(unusable(spool.dir.path(&name)))?
        else {
            if spool.state.file.is_some() {
                spool.forget_checkpoint();
                spool.save_state(true);
            }
            return Ok(spool);
        };
        let id = files::file_id(&file).map_err(unusable(spool.dir.path(&name)))?;
        let modified = file
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or_else(unix_now, |d| d.as_secs());
        spool.file = Some(id);
        let start = spool.state.start_of(id, &bytes);
        if start != spool.state.offset as usize || spool.state.file != Some(id) {
            // A checkpoint about another file: forget it before anything is delivered.
            spool.state.file = Some(id);
            spool.state.offset = start as u64;
            spool.state.crc = crc32fast::hash(&bytes[..start]);
            spool.save_state(true);
        }
        spool.rewrite = start > 0;
        spool.read_records(&bytes, start, modified, options);
        Ok(spool)
    }

    fn read_records(
        &mut self,
        bytes: &[u8],
        start: usize,
        modified: u64,
        options: &OpenOptionsSpool,
    ) {
        let oldest = options
            .max_age
            .map(|age| unix_now().saturating_sub(age.as_secs()));
        let mut crc = crc32fast::Hasher::new();
        crc.update(&bytes[..start]);
        let mut hashed = start;
        for line in record::lines(bytes, start) {
            let damaged = |why: String| Damaged {
                number: line.number,
                why,
                bytes: line.bytes.to_vec(),
            };
            if line.torn {
                self.damaged.push(damaged(
                    "torn (no end of record: a crash or a full disk mid-write)".into(),
                ));
                continue;
            }
            let Some(mut spooled) = record::decode(line.bytes, modified) else {
                self.damaged
                    .push(damaged("damaged (bad checksum or fields)".into()));
                continue;
            };
            if oldest.is_some_and(|oldest| spooled.created < oldest) {
                self.expired += 1;
                continue;
            }
            // What stdin's records must pass, these pass too.
            match input::validate(&spooled.result, options.format) {
                Ok((result, cuts)) => {
                    for cut in cuts {
                        log::warn!(
                            "'{}': record {}: {} is {} bytes, cut to {}",
                            self.dir.path(&self.name("spool")).display(),
                            line.number,
                            cut.field,
                            cut.length,
                            cut.limit
                        );
                    }
                    spooled.result = result;
                }
                Err(reason) => {
                    self.damaged.push(damaged(format!("refused ({reason})")));
                    continue;
                }
            }
            crc.update(&bytes[hashed..line.end as usize]);
            hashed = line.end as usize;
            self.pending.push(spooled);
            self.ends.push((line.end, crc.clone().finalize()));
        }
        for d in &self.damaged {
            log::warn!(
                "'{}': record {} is {}: set aside in '{}', not delivered",
                self.dir.path(&self.name("spool")).display(),
                d.number,
                d.why,
                self.dir.path(&self.name("damaged")).display()
            );
        }
        self.rewrite |= !self.damaged.is_empty() || self.expired > 0;
        // Set aside now: a checkpoint past them must not lose them.
        self.set_aside();
    }

    fn name(&self, extension: &str) -> String {
        format!("{}.{extension}", self.base)
    }

    /// The spool file's path, for messages.
    pub(super) fn path(&self) -> PathBuf {
        self.dir.path(&self.name("spool"))
    }

    fn save_state(&mut self, durable: bool) {
        let Some(file) = &self.state_file else {
            return;
        };
        if let Err(e) = self.state.save(file, durable) {
            log::warn!(
                "'{}': {}",
                self.dir.path(&self.name("state")).display(),
                io_reason(&e)
            );
        }
    }

    fn forget_checkpoint(&mut self) {
        self.state.file = None;
        self.state.offset = 0;
        self.state.crc = 0;
    }

    /// Records that the first `delivered` pending results arrived: a run
    /// killed from now on resends none of them.
    pub(super) fn checkpoint(&mut self, delivered: usize) {
        let done = delivered.min(self.ends.len());
        if done == 0 {
            return;
        }
        let (end, crc) = self.ends[done - 1];
        if end > self.state.offset {
            self.state.offset = end;
            self.state.crc = crc;
            self.state.last_delivery = Some(unix_now());
            self.rewrite = true;
            self.save_state(true);
        }
    }

    /// Copies the damaged lines to `.damaged` for a human to look at, each
    /// once (a rewrite that failed leaves them in the spool file).
    fn set_aside(&mut self) {
        if self.damaged.is_empty() {
            return;
        }
        let aside = self.name("damaged");
        let deadline = Instant::now() + self.timeout;
        let saved = self.dir.read(&aside, deadline).and_then(|old| {
            let old = old.map(|(bytes, _)| bytes).unwrap_or_default();
            let known: std::collections::HashSet<&[u8]> = old.split(|&b| b == b'\n').collect();
            let mut text = Vec::new();
            for d in &self.damaged {
                if !known.contains(&d.bytes[..]) {
                    text.extend_from_slice(&d.bytes);
                    text.push(b'\n');
                }
            }
            let mut file = self.dir.open_file(&aside, How::Append)?.expect("created");
            file.write_all(&text)?;
            file.sync_all()
        });
        match saved {
            Ok(()) => self.damaged.clear(),
            Err(e) => log::warn!(
                "cannot keep the damaged records in '{}': {}",
                self.dir.path(&aside).display(),
                io_reason(&e)
            ),
        }
    }

    /// Settles the run: `queue` is the pending results followed by this
    /// run's, of which the first `delivered` arrived (or were answered).
    /// The rest stay in the spool, fsync'ed, before this returns. When the
    /// disk fills up, the file is cut back to its last whole record and the
    /// error says how many of this run's results were kept and lost.
    pub(super) fn keep(&mut self, delivered: usize, queue: &[Spooled]) -> Result<(), KeepError> {
        let pending = self.pending.len();
        self.checkpoint(delivered);
        if delivered > 0 {
            self.state.last_delivery = Some(unix_now());
        }
        let undelivered = &queue[delivered.min(queue.len())..];
        // This run's results that did not arrive (the pending ones are in the file).
        let new_undelivered = &queue[delivered.max(pending).min(queue.len())..];
        let kept = if undelivered.is_empty() {
            self.remove_all()
        } else if self.rewrite {
            self.rewrite_with(undelivered).or_else(|e| {
                log::warn!(
                    "cannot rewrite '{}' ({}): it stays as it was, its delivered records \
                     marked in '{}'",
                    self.path().display(),
                    io_reason(&e),
                    self.dir.path(&self.name("state")).display()
                );
                self.append(new_undelivered)
            })
        } else {
            self.append(new_undelivered)
        };
        self.set_aside();
        self.save_state(false);
        kept
    }

    fn remove_all(&mut self) -> Result<(), KeepError> {
        let fail = |source| KeepError {
            path: self.path(),
            kept: 0,
            lost: 0,
            source,
        };
        self.dir.remove(&self.name("spool")).map_err(fail)?;
        self.forget_checkpoint();
        Ok(())
    }

    /// Replaces the spool file with `results`, or leaves it as it was.
    fn rewrite_with(&mut self, results: &[Spooled]) -> io::Result<()> {
        let text = to_records(results);
        self.dir
            .replace(&self.name("tmp"), &self.name("spool"), &text)?;
        // The old file's checkpoint is about another inode now.
        self.forget_checkpoint();
        self.save_state(true);
        Ok(())
    }

    /// Appends `results`; on a failed write, cuts the file back to its last
    /// whole record and says how many made it.
    fn append(&mut self, results: &[Spooled]) -> Result<(), KeepError> {
        let fail = |kept: usize, source: io::Error| KeepError {
            path: self.path(),
            kept,
            lost: results.len() - kept,
            source,
        };
        if results.is_empty() {
            return Ok(());
        }
        let mut text = Vec::new();
        // Where each record ends, to cut a failed append back to whole records.
        let mut ends = Vec::with_capacity(results.len());
        for spooled in results {
            record::encode(spooled, &mut text);
            ends.push(text.len() as u64);
        }
        let mut file = self
            .dir
            .open_file(&self.name("spool"), How::Append)
            .map_err(|e| fail(0, e))?
            .expect("created");
        let start = file.metadata().map_err(|e| fail(0, e))?.len();
        let written = file.write_all(&text).and_then(|()| file.sync_all());
        let mut kept = results.len();
        let mut failure = None;
        if let Err(e) = written {
            let on_disk = file.metadata().map_or(start, |m| m.len()) - start;
            let whole = ends.partition_point(|&end| end <= on_disk);
            let cut_end = if whole == 0 { 0 } else { ends[whole - 1] };
            // Give the torn record back; the next run must not see it.
            let cut = file.set_len(start + cut_end).and_then(|()| file.sync_all());
            kept = whole;
            if let Err(cut_err) = cut {
                log::warn!(
                    "cannot cut '{}' back to its last whole record: {}",
                    self.path().display(),
                    io_reason(&cut_err)
                );
            }
            failure = Some(e);
        }
        // The new directory entry must survive a crash too.
        self.dir.sync().map_err(|e| fail(kept, e))?;
        match failure {
            Some(e) => Err(fail(kept, e)),
            None => Ok(()),
        }
    }

    /// Sets `results` aside in `.rejected` with the server's answer: the
    /// server refused them for good, they are never resent.
    pub(super) fn reject(&self, results: &[(&Spooled, &str)]) -> io::Result<()> {
        if results.is_empty() {
            return Ok(());
        }
        let mut text = Vec::new();
        for (spooled, answer) in results {
            record::encode(spooled, &mut text);
            record::encode_answer(answer, &mut text);
        }
        let mut file = self
            .dir
            .open_file(&self.name("rejected"), How::Append)?
            .expect("created");
        file.write_all(&text)?;
        file.sync_all()
    }

    /// `.rejected`'s path, for messages.
    pub(super) fn rejected_path(&self) -> PathBuf {
        self.dir.path(&self.name("rejected"))
    }
}

/// What one server's spool holds, read without taking its lock.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Survey {
    /// `HOST_PORT`, as in the file names.
    pub(crate) base: String,
    pub(crate) waiting: usize,
    /// Seconds since the epoch of the oldest result waiting.
    pub(crate) oldest: Option<u64>,
    pub(crate) rejected: usize,
    pub(crate) damaged: usize,
    pub(crate) last_delivery: Option<u64>,
}

/// Every server's spool in `dir` (the same safety rules as a run's), by name.
pub(crate) fn survey(dir: &Path, timeout: Duration) -> io::Result<Vec<Survey>> {
    let deadline = Instant::now() + timeout;
    let dir = SpoolDir::open(dir, false)?;
    let mut bases: Vec<String> = dir
        .names()?
        .into_iter()
        .filter_map(|name| {
            let (base, extension) = name.rsplit_once('.')?;
            ["spool", "state", "rejected", "damaged"]
                .contains(&extension)
                .then(|| base.to_string())
        })
        .collect();
    bases.sort();
    bases.dedup();
    let count_lines = |name: String, counted: fn(&[u8]) -> bool| -> io::Result<usize> {
        Ok(dir.read(&name, deadline)?.map_or(0, |(bytes, _)| {
            bytes.split(|&b| b == b'\n').filter(|l| counted(l)).count()
        }))
    };
    let mut surveys = Vec::new();
    for base in bases {
        let mut survey = Survey {
            rejected: count_lines(format!("{base}.rejected"), |l| {
                !l.is_empty() && !l.starts_with(b"#\t")
            })?,
            damaged: count_lines(format!("{base}.damaged"), |l| !l.is_empty())?,
            ..Survey::default()
        };
        let state = match dir.read(&format!("{base}.state"), deadline)? {
            Some((bytes, _)) => State::parse(&bytes),
            None => State::default(),
        };
        survey.last_delivery = state.last_delivery;
        if let Some((bytes, file)) = dir.read(&format!("{base}.spool"), deadline)? {
            let start = state.start_of(files::file_id(&file)?, &bytes);
            let modified = file
                .metadata()?
                .modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or_else(unix_now, |d| d.as_secs());
            for line in record::lines(&bytes, start) {
                if let Some(spooled) = record::decode(line.bytes, modified).filter(|_| !line.torn) {
                    survey.waiting += 1;
                    survey.oldest = Some(
                        survey
                            .oldest
                            .map_or(spooled.created, |o| o.min(spooled.created)),
                    );
                }
            }
        }
        survey.base = base;
        surveys.push(survey);
    }
    Ok(surveys)
}

/// `results` as spool records, to hand to another process.
pub(super) fn to_records(results: &[Spooled]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for spooled in results {
        record::encode(spooled, &mut bytes);
    }
    bytes
}

/// The results of [`to_records`]' bytes (a damaged record left out).
pub(super) fn from_records(bytes: &[u8]) -> Vec<Spooled> {
    record::lines(bytes, 0)
        .iter()
        .filter(|line| !line.torn)
        .filter_map(|line| record::decode(line.bytes, unix_now()))
        .collect()
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

/// `HOST_PORT`, the start of the names of `server:port`'s files.
fn base_name(server: &str, port: u16) -> String {
    format!("{}_{port}", file_safe(server))
}

/// The host as file names hold it: every byte but letters, digits, `.` and
/// `-` made `_`.
pub(crate) fn file_safe(server: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nsca::packet::CheckResult;

    fn spooled(host: &str, output: &[u8]) -> Spooled {
        Spooled {
            created: 1_700_000_000,
            result: CheckResult {
                host: host.into(),
                service: b"s x".to_vec(),
                status: 2,
                output: output.to_vec(),
            },
        }
    }

    fn open(dir: &Path) -> Spool {
        let options = OpenOptionsSpool {
            lock_wait: Duration::from_secs(1),
            max_age: None,
            format: Format::V3,
        };
        Spool::open(dir, "nagios:x", 5667, &options).unwrap()
    }

    #[test]
    fn keeps_appends_replaces_and_removes() {
        let dir = tempfile::tempdir().unwrap();
        let a = spooled("a", b"100%\nline\r\xff");
        let b = spooled("b", b"");
        let mut spool = open(dir.path());
        assert!(spool.pending.is_empty());
        spool.keep(1, &[b.clone(), a.clone()]).unwrap();
        drop(spool);

        let mut spool = open(dir.path());
        assert_eq!(spool.pending, std::slice::from_ref(&a));
        spool.keep(0, &[a.clone(), b.clone()]).unwrap();
        drop(spool);

        let mut spool = open(dir.path());
        assert_eq!(spool.pending, [a.clone(), b.clone()]);
        spool.keep(1, &[a.clone(), b.clone()]).unwrap();
        drop(spool);

        let mut spool = open(dir.path());
        assert_eq!(spool.pending, std::slice::from_ref(&b));
        spool.keep(1, &[b]).unwrap();
        assert!(!spool.path().exists());
    }

    #[test]
    fn a_checkpoint_skips_what_was_delivered_until_the_file_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let results: Vec<Spooled> = (0..5).map(|i| spooled(&format!("h{i}"), b"o")).collect();
        open(dir.path()).keep(0, &results).unwrap();
        let mut spool = open(dir.path());
        spool.checkpoint(3);
        drop(spool); // as if killed: no keep
        let spool = open(dir.path());
        assert_eq!(spool.pending, results[3..]);
        drop(spool);
        // The same name and inode, other bytes: the checkpoint no longer applies.
        let path = dir.path().join("nagios_x_5667.spool");
        let text = std::fs::read(&path).unwrap();
        let first_end = text.iter().position(|&b| b == b'\n').unwrap() + 1;
        std::fs::write(&path, &text[first_end..]).unwrap();
        assert_eq!(open(dir.path()).pending, results[1..]);
    }

    #[test]
    fn torn_damaged_and_invalid_records_are_set_aside_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = Vec::new();
        record::encode(&spooled("good", b"ok"), &mut text);
        let mut flipped = Vec::new();
        record::encode(&spooled("flip", b"OK - synthetic"), &mut flipped);
        flipped[20] ^= 1;
        text.extend(&flipped);
        text.extend(b"1\t0\th\t\told format\n");
        record::encode(&spooled("semi;colon", b"x"), &mut text);
        let mut torn = Vec::new();
        record::encode(&spooled("torn", b"OK - synthetic"), &mut torn);
        text.extend(&torn[..torn.len() - 5]);
        std::fs::write(dir.path().join("nagios_x_5667.spool"), &text).unwrap();

        let spool = open(dir.path());
        let hosts: Vec<&[u8]> = spool.pending.iter().map(|s| &s.result.host[..]).collect();
        assert_eq!(hosts, [&b"good"[..], b"h"]);
        let aside = std::fs::read(dir.path().join("nagios_x_5667.damaged")).unwrap();
        assert_eq!(aside.split(|&b| b == b'\n').count(), 4, "three and the end");
        drop(spool); // killed before the rewrite: read again, set aside once
        let mut spool = open(dir.path());
        let again = std::fs::read(dir.path().join("nagios_x_5667.damaged")).unwrap();
        assert_eq!(again, aside);
        let pending = spool.pending.clone();
        spool.keep(0, &pending).unwrap();
        drop(spool);
        assert_eq!(open(dir.path()).pending, pending);
    }
}
