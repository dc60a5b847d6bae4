//! `text`, `check` and `explain`: repair streams line by line in constant
//! memory (one line buffer), so they work on huge files and in pipelines.

use super::cli::{CheckArgs, ExplainArgs, TextArgs};
use super::repair::Repairer;
use crate::cli::nagios::Check;
use crate::cli::{Envelope, Error, Exit, JsonLines, Result};
use rayon::prelude::*;
use std::borrow::Cow;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use unicode_normalization::UnicodeNormalization;

/// Each input: a file, or stdin when none is given.
fn inputs(files: &[PathBuf]) -> Vec<Option<&Path>> {
    if files.is_empty() {
        vec![None]
    } else {
        files.iter().map(|f| Some(f.as_path())).collect()
    }
}

fn open(file: Option<&Path>) -> Result<Box<dyn BufRead>> {
    Ok(match file {
        None => Box::new(BufReader::with_capacity(1 << 16, io::stdin())),
        Some(path) => {
            let f = std::fs::File::open(path)
                .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
            Box::new(BufReader::with_capacity(1 << 16, f))
        }
    })
}

fn read_error(file: Option<&Path>, e: io::Error) -> Error {
    let name = file.map_or_else(|| "stdin".into(), |p| p.display().to_string());
    Error::io(format!("reading {name}"), e)
}

/// Splits a line into its text and its terminator (`\n`, `\r\n` or none).
fn split_eol(line: &[u8]) -> (&[u8], &[u8]) {
    let cut = if line.ends_with(b"\r\n") {
        line.len() - 2
    } else if line.ends_with(b"\n") {
        line.len() - 1
    } else {
        line.len()
    };
    line.split_at(cut)
}

/// The repaired form of one line's bytes; lines that are not UTF-8 pass
/// through untouched (they are not mojibake of UTF-8).
fn repair_line<'a>(repairer: &Repairer, body: &'a [u8], nfc: bool) -> Cow<'a, [u8]> {
    if body.is_ascii() {
        return Cow::Borrowed(body);
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return Cow::Borrowed(body);
    };
    let fixed = repairer.repair(text);
    if nfc {
        let composed: String = fixed.nfc().collect();
        if composed != text {
            return Cow::Owned(composed.into_bytes());
        }
        return Cow::Borrowed(body);
    }
    match fixed {
        Cow::Borrowed(_) => Cow::Borrowed(body),
        Cow::Owned(s) => Cow::Owned(s.into_bytes()),
    }
}

pub fn repairer(from: Option<&str>) -> Result<Repairer> {
    match from {
        None => Ok(Repairer::default()),
        Some(name) => super::codepages::Codepage::from_name(name)
            .map(Repairer::only)
            .ok_or_else(|| Error::usage(format!("--from {name}: unknown encoding"))),
    }
}

/// Bytes read per batch. A batch's lines are repaired in parallel, then
/// written in order, so memory stays at a few batches (plus the longest line).
const BATCH: usize = 4 << 20;

/// Pieces a batch is cut into for the worker threads.
const PIECES: usize = 32;

/// `text`: repaired text to stdout.
pub fn run_text(args: &TextArgs) -> Result<Exit> {
    let repairer = repairer(args.encoding.from.as_deref())?;
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut buf: Vec<u8> = Vec::with_capacity(BATCH + (1 << 16));
    for file in inputs(&args.files) {
        let mut reader = open(file)?;
        buf.clear();
        loop {
            // Read up to a batch; a line longer than that makes it grow.
            let want = BATCH.max(buf.len() + (1 << 16)) - buf.len();
            let got = (&mut reader)
                .take(want as u64)
                .read_to_end(&mut buf)
                .map_err(|e| read_error(file, e))?;
            let eof = got < want;
            let cut = if eof {
                buf.len()
            } else {
                match buf.iter().rposition(|&b| b == b'\n') {
                    Some(i) => i + 1,
                    None => continue,
                }
            };
            for piece in repair_batch(&repairer, &buf[..cut], args.nfc) {
                out.write_all(&piece)?;
            }
            buf.drain(..cut);
            if eof {
                break;
            }
        }
    }
    out.flush()?;
    Ok(Exit::Success)
}

/// Whole lines in, repaired lines out, in order; pieces run in parallel.
fn repair_batch(repairer: &Repairer, batch: &[u8], nfc: bool) -> Vec<Vec<u8>> {
    let mut pieces = Vec::with_capacity(PIECES + 1);
    let mut rest = batch;
    let size = batch.len() / PIECES + 1;
    while !rest.is_empty() {
        let end = match rest
            .get(size..)
            .and_then(|t| t.iter().position(|&b| b == b'\n'))
        {
            Some(i) => size + i + 1,
            None => rest.len(),
        };
        let (piece, tail) = rest.split_at(end);
        pieces.push(piece);
        rest = tail;
    }
    pieces
        .into_par_iter()
        .map(|piece| {
            let mut out = Vec::with_capacity(piece.len() + piece.len() / 8);
            for line in piece.split_inclusive(|&b| b == b'\n') {
                let (body, eol) = split_eol(line);
                out.extend_from_slice(&repair_line(repairer, body, nfc));
                out.extend_from_slice(eol);
            }
            out
        })
        .collect()
}

/// `check`: `FILE:LINE: damaged -> repaired` for each damaged line, exit 1
/// when there is any.
pub fn run_check(check: &CheckArgs, quiet: bool) -> Result<Exit> {
    check.nagios.validate()?;
    // A plugin line or a JSON envelope replaces the listing of lines.
    let quiet = quiet || check.nagios.nagios || check.json;
    let args = &check.text;
    let repairer = repairer(args.encoding.from.as_deref())?;
    let mut lines = 0u64;
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut found = 0u64;
    let mut line = Vec::with_capacity(1 << 12);
    for file in inputs(&args.files) {
        let name = file.map_or_else(|| "-".into(), |p| p.display().to_string());
        let mut reader = open(file)?;
        let mut number = 0u64;
        loop {
            line.clear();
            let n = reader
                .read_until(b'\n', &mut line)
                .map_err(|e| read_error(file, e))?;
            if n == 0 {
                break;
            }
            number += 1;
            lines += 1;
            let (body, _) = split_eol(&line);
            if let Cow::Owned(fixed) = repair_line(&repairer, body, args.nfc) {
                found += 1;
                if !quiet {
                    writeln!(
                        out,
                        "{name}:{number}: {} -> {}",
                        String::from_utf8_lossy(body),
                        String::from_utf8_lossy(&fixed)
                    )?;
                }
            }
        }
    }
    out.flush()?;
    let msg = format!("{found} of {lines} lines damaged");
    if check.nagios.nagios {
        return check.nagios.report(&Check {
            name: "MOJIBAKE-FIX",
            checked: lines,
            differing: found,
            errors: 0,
            summary: msg,
        });
    }
    if check.json {
        let counts = serde_json::json!({ "damaged_lines": found });
        Envelope::new("mojibake-fix", lines, found, 0, msg, counts).emit(&JsonLines::stdout())?;
    }
    if found > 0 {
        log::info!("{found} damaged line(s)");
        Ok(Exit::Found)
    } else {
        Ok(Exit::Success)
    }
}

/// `explain`: each layer's encoding, before and after.
pub fn run_explain(args: &ExplainArgs) -> Result<Exit> {
    let repairer = repairer(args.encoding.from.as_deref())?;
    let steps = repairer.explain(&args.string);
    if args.json {
        let json = JsonLines::stdout();
        for step in &steps {
            json.emit(step)?;
        }
        return Ok(Exit::Success);
    }
    let stdout = io::stdout();
    let mut out = stdout.lock();
    if steps.is_empty() {
        writeln!(out, "no mojibake found: {}", args.string)?;
        return Ok(Exit::Success);
    }
    for (i, step) in steps.iter().enumerate() {
        let how = if step.partial { " (some words)" } else { "" };
        writeln!(
            out,
            "{}. decoded as UTF-8 after encoding back to {}{how}:\n   {}\n-> {}",
            i + 1,
            step.encoding,
            step.before,
            step.after
        )?;
    }
    Ok(Exit::Success)
}
