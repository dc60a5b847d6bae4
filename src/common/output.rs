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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_object_per_line() {
        let lines = JsonLines::new(Vec::new());
        lines.emit(&serde_json::json!({"a": 1})).unwrap();
        lines.emit(&serde_json::json!({"b": "x\ny"})).unwrap();
        let text = String::from_utf8(lines.into_inner()).unwrap();
        assert_eq!(text, "{\"a\":1}\n{\"b\":\"x\\ny\"}\n");
    }
}
