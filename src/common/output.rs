//! Machine-readable output: one JSON object per line (`--json`).

use serde::Serialize;
use std::io::{self, Write};
use std::sync::Mutex;

/// A JSON-lines writer that many threads may share. Every object is written
/// whole, with its newline, under one lock, so lines never interleave.
pub struct JsonLines<W: Write = io::Stdout> {
    out: Mutex<W>,
}

impl JsonLines<io::Stdout> {
    pub fn stdout() -> Self {
        Self::new(io::stdout())
    }
}

impl<W: Write> JsonLines<W> {
    pub fn new(out: W) -> Self {
        JsonLines {
            out: Mutex::new(out),
        }
    }

    pub fn emit<T: Serialize + ?Sized>(&self, value: &T) -> io::Result<()> {
        let mut line = serde_json::to_vec(value).map_err(io::Error::other)?;
        line.push(b'\n');
        let mut out = self
            .out
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        out.write_all(&line)
    }

    pub fn flush(&self) -> io::Result<()> {
        self.out
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .flush()
    }

    pub fn into_inner(self) -> W {
        self.out
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// RFC 4648 base64: the bytes of a name that is not UTF-8 in a JSON field,
/// `user:password` in an HTTP Basic header.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_of_every_tail_length() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"nsca:s3cret"), "bnNjYTpzM2NyZXQ=");
        assert_eq!(base64(b"caf\xe9"), "Y2Fm6Q==");
    }

    #[test]
    fn one_object_per_line() {
        let lines = JsonLines::new(Vec::new());
        lines.emit(&serde_json::json!({"a": 1})).unwrap();
        lines.emit(&serde_json::json!({"b": "x\ny"})).unwrap();
        let text = String::from_utf8(lines.into_inner()).unwrap();
        assert_eq!(text, "{\"a\":1}\n{\"b\":\"x\\ny\"}\n");
    }
}
