//! One spooled result per line, framed so that a torn tail is detected
//! before anything is decoded:
//!
//! `2 TAB created TAB status TAB host TAB service TAB output TAB crc32 LF`
//!
//! with `%`, TAB, CR and LF percent-escaped in the text fields and the
//! CRC-32 (8 hex digits) taken over everything before its TAB. Lines of the
//! older format (`1 TAB status TAB host TAB service TAB output`) are still
//! read. The `rejected` file holds the same lines, each followed by one
//! `# TAB time TAB server's answer` line.

use crate::nsca::packet::CheckResult;
use crate::nsca::types::{Spooled, unix_now};

fn escape(field: &[u8], out: &mut Vec<u8>) {
    for &b in field {
        match b {
            b'%' | b'\t' | b'\r' | b'\n' => out.extend(format!("%{b:02X}").as_bytes()),
            _ => out.push(b),
        }
    }
}

pub(super) fn unescape(field: &[u8]) -> Option<Vec<u8>> {
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

pub(super) fn encode(spooled: &Spooled, out: &mut Vec<u8>) {
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

/// The `# TAB time TAB answer` line that follows a rejected record.
pub(super) fn encode_answer(answer: &str, out: &mut Vec<u8>) {
    out.extend(format!("#\t{}\t", unix_now()).as_bytes());
    escape(answer.as_bytes(), out);
    out.push(b'\n');
}

/// A line's result, or `None` when it is damaged. `modified` dates lines of
/// the first format, which had no time.
pub(super) fn decode(line: &[u8], modified: u64) -> Option<Spooled> {
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

/// A line of the file: its bytes and where it ends (past its LF).
pub(super) struct Line<'a> {
    /// 1-based, counting every non-empty line.
    pub(super) number: usize,
    pub(super) bytes: &'a [u8],
    pub(super) end: u64,
    /// No LF after it: a crash or a full disk mid-write.
    pub(super) torn: bool,
}

/// The non-empty lines of `bytes` from `start` on.
pub(super) fn lines(bytes: &[u8], start: usize) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let mut at = start;
    let mut number = bytes[..start]
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    while at < bytes.len() {
        let (bytes_of_line, end, torn) = match bytes[at..].iter().position(|&b| b == b'\n') {
            Some(n) => (&bytes[at..at + n], at + n + 1, false),
            None => (&bytes[at..], bytes.len(), true),
        };
        if !bytes_of_line.is_empty() {
            number += 1;
            lines.push(Line {
                number,
                bytes: bytes_of_line,
                end: end as u64,
                torn,
            });
        }
        at = end;
    }
    lines
}
