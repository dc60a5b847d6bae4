//! `text`, `check` and `explain`: repair streams line by line in constant
//! memory (one line buffer), so they work on huge files and in pipelines.

use super::cli::{CheckArgs, Encoding, ExplainArgs, TextArgs};
use super::repair::Repairer;
use crate::common::nagios::Check;
use crate::common::{Envelope, Error, Exit, JsonLines, Result};
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

/// The repairer `--from`/`--only-from` ask for.
pub(crate) fn repairer(encoding: &Encoding) -> Result<Repairer> {
    Ok(match encoding.parse()? {
        Some((legacy, false)) => Repairer::preferring(legacy),
        Some((legacy, true)) => Repairer::only_legacy(legacy),
        None => Repairer::default(),
    })
}

/// Bytes read per batch. A batch's lines are repaired in parallel, then
/// written in order, so memory stays at a few batches (plus the longest line).
const BATCH: usize = 4 << 20;

/// Pieces a batch is cut into for the worker threads.
const PIECES: usize = 32;

/// `text`: repaired text to stdout.
pub(crate) fn run_text(args: &TextArgs) -> Result<Exit> {
    let repairer = repairer(&args.encoding)?;
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
pub(crate) fn repair_batch(repairer: &Repairer, batch: &[u8], nfc: bool) -> Vec<Vec<u8>> {
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
/// when there is any. With `-r`, every file below the directories.
pub(crate) fn run_check(args: &CheckArgs, quiet: bool) -> Result<Exit> {
    args.nagios.validate()?;
    // A plugin line replaces the listing of lines.
    let quiet = quiet || args.nagios.nagios;
    let mut lines = 0u64;
    let repairer = repairer(&args.encoding)?;
    let mut errors = 0u64;
    let files: Vec<Option<PathBuf>> = if args.recursive {
        if args.files.is_empty() {
            return Err(Error::usage("check -r needs at least one DIR"));
        }
        let exclude = exclude_set(&args.exclude)?;
        let mut files = Vec::new();
        for root in &args.files {
            collect_files(root, root, &exclude, &mut files, &mut errors);
        }
        files.into_iter().map(Some).collect()
    } else {
        inputs(&args.files)
            .into_iter()
            .map(|f| f.map(Path::to_path_buf))
            .collect()
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let json = args.json.then(JsonLines::stdout);
    let mut found = 0u64;
    let mut line = Vec::with_capacity(1 << 12);
    for file in &files {
        let file = file.as_deref();
        let name = file.map_or_else(|| "-".into(), |p| p.display().to_string());
        let mut reader = match open(file) {
            Ok(r) => r,
            Err(e) if args.recursive => {
                errors += 1;
                eprintln!("mojibake-fix: {e}");
                continue;
            }
            Err(e) => return Err(e),
        };
        if args.recursive && is_binary(&mut reader) {
            continue;
        }
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
                let (text, fixed) = (
                    String::from_utf8_lossy(body),
                    String::from_utf8_lossy(&fixed),
                );
                if let Some(json) = &json {
                    json.emit(&serde_json::json!({
                        "path": name, "line": number, "text": text, "fixed": fixed,
                    }))?;
                } else if !quiet {
                    writeln!(out, "{name}:{number}: {text} -> {fixed}")?;
                }
            }
        }
    }
    out.flush()?;
    let msg = format!("{found} of {lines} lines damaged");
    if args.nagios.nagios {
        return args.nagios.report(&Check {
            name: "MOJIBAKE-FIX",
            checked: lines,
            differing: found,
            errors,
            summary: msg,
        });
    }
    if let Some(json) = &json {
        let counts = serde_json::json!({ "damaged_lines": found });
        Envelope::new("mojibake-fix", lines, found, errors, msg, counts).emit(json)?;
    }
    if found > 0 {
        log::info!("{found} damaged line(s)");
    }
    Ok(if errors > 0 {
        Exit::Failed
    } else if found > 0 {
        Exit::Found
    } else {
        Exit::Success
    })
}

fn exclude_set(globs: &[String]) -> Result<globset::GlobSet> {
    let mut set = globset::GlobSetBuilder::new();
    for glob in globs {
        let parsed = globset::GlobBuilder::new(glob)
            .literal_separator(false)
            .build()
            .map_err(|e| Error::usage(format!("--exclude {glob}: {e}")))?;
        set.add(parsed);
    }
    set.build()
        .map_err(|e| Error::usage(format!("--exclude: {e}")))
}

/// The regular files below `path`, sorted, symlinks not followed; a path
/// whose name or path below `root` matches `exclude` is skipped (a
/// directory with all it holds, also a DIR given on the command line).
fn collect_files(
    root: &Path,
    path: &Path,
    exclude: &globset::GlobSet,
    files: &mut Vec<PathBuf>,
    errors: &mut u64,
) {
    let below = path.strip_prefix(root).unwrap_or(path);
    let name_matches = path.file_name().is_some_and(|n| exclude.is_match(n));
    if name_matches || (path != root && exclude.is_match(below)) {
        return;
    }
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) => {
            *errors += 1;
            eprintln!("mojibake-fix: {}: {e}", path.display());
            return;
        }
    };
    if meta.is_file() {
        files.push(path.to_path_buf());
    } else if meta.is_dir() {
        let entries = match std::fs::read_dir(path) {
            Ok(d) => d,
            Err(e) => {
                *errors += 1;
                eprintln!("mojibake-fix: {}: {e}", path.display());
                return;
            }
        };
        let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        children.sort();
        for child in children {
            collect_files(root, &child, exclude, files, errors);
        }
    }
}

/// A NUL byte in the first block: not text.
fn is_binary(reader: &mut Box<dyn BufRead>) -> bool {
    reader.fill_buf().is_ok_and(|head| head.contains(&0))
}

/// `explain`: each layer's encoding, before and after.
pub(crate) fn run_explain(args: &ExplainArgs) -> Result<Exit> {
    let repairer = repairer(&args.encoding)?;
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
        let what = match step.read_as {
            Some(read_as) => format!(
                "read as {} after encoding back to {read_as} (legacy bytes, not UTF-8)",
                step.encoding
            ),
            None => format!("decoded as UTF-8 after encoding back to {}", step.encoding),
        };
        writeln!(
            out,
            "{}. {what}{how}:\n   {}\n-> {}",
            i + 1,
            step.before,
            step.after
        )?;
    }
    Ok(Exit::Success)
}
