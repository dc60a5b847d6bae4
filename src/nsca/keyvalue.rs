//! The configuration syntax of NSCA-ng's send_nsca, which nsca-send also
//! uses for its Icinga 2 settings: `key = value`, values bare (up to a
//! blank or `#`) or quoted with `"` or `'`, `\` escaping the next character,
//! a `\` at the end of a line continuing it, `#` comments.

use crate::common::Error;
use std::path::Path;

/// One `key = value` line of the file.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Setting {
    /// 1-based line where the setting starts.
    pub line: usize,
    pub key: String,
    pub value: String,
}

impl Setting {
    /// An error about this setting, naming the file and line.
    pub(super) fn bad(&self, path: &Path, reason: impl Into<String>) -> Error {
        Error::bad_input(path, self.line, reason)
    }

    /// The value as a number (C's `strtol` with base 0 accepts 0x.. and 0..;
    /// decimal is what configs use).
    pub(super) fn number(&self, path: &Path) -> Result<u64, Error> {
        self.value.parse().map_err(|_| {
            self.bad(
                path,
                format!("{}: `{}` is not a number", self.key, self.value),
            )
        })
    }

    /// The value as a TCP port, 1-65535.
    pub(super) fn port(&self, path: &Path) -> Result<u16, Error> {
        let port = self.number(path)?;
        u16::try_from(port)
            .ok()
            .filter(|&p| p != 0)
            .ok_or_else(|| self.bad(path, format!("port {port} is not 1-65535")))
    }
}

/// Every setting of `text`, in order; a malformed line is an error naming
/// `path` and the line.
pub(super) fn parse(text: &[u8], path: &Path) -> Result<Vec<Setting>, Error> {
    let text = String::from_utf8_lossy(text);
    let mut settings = Vec::new();
    let mut lines = text.split('\n').enumerate();
    while let Some((index, first)) = lines.next() {
        let number = index + 1;
        // A line ending in `\` goes on with the next one.
        let mut line = first.strip_suffix('\r').unwrap_or(first).to_string();
        while line.ends_with('\\') {
            line.pop();
            match lines.next() {
                Some((_, next)) => line.push_str(next.strip_suffix('\r').unwrap_or(next)),
                None => break,
            }
        }
        if let Some(setting) = parse_line(&line).map_err(|e| Error::bad_input(path, number, e))? {
            settings.push(Setting {
                line: number,
                key: setting.0,
                value: setting.1,
            });
        }
    }
    Ok(settings)
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn parse_line(line: &str) -> Result<Option<(String, String)>, String> {
    let rest = line.trim_start_matches(is_blank);
    if rest.is_empty() || rest.starts_with('#') {
        return Ok(None);
    }
    let key_end = rest.find(|c| is_blank(c) || c == '=').unwrap_or(rest.len());
    let key = &rest[..key_end];
    if key.is_empty() {
        return Err("expected `key = value`".into());
    }
    let Some(rest) = rest[key_end..]
        .trim_start_matches(is_blank)
        .strip_prefix('=')
    else {
        return Err(format!("expected `=` after `{key}`"));
    };
    let rest = rest.trim_start_matches(is_blank);
    let mut chars = rest.chars();
    let quote = match rest.chars().next() {
        None | Some('#') => return Err(format!("no value for `{key}`")),
        Some(q @ ('"' | '\'')) => {
            chars.next();
            Some(q)
        }
        Some(_) => None,
    };
    let mut value = String::new();
    let mut closed = quote.is_none();
    while let Some(c) = chars.next() {
        match (c, quote) {
            ('\\', _) => value.extend(chars.next()),
            (c, Some(q)) if c == q => {
                closed = true;
                break;
            }
            (c, None) if is_blank(c) || c == '#' => {
                // Give the end back to the check below.
                let consumed = rest.len() - chars.as_str().len() - c.len_utf8();
                chars = rest[consumed..].chars();
                break;
            }
            (c, _) => value.push(c),
        }
    }
    if !closed {
        return Err(format!("`{key}`: the quote is not closed"));
    }
    let tail = chars.as_str().trim_start_matches(is_blank);
    if !tail.is_empty() && !tail.starts_with('#') {
        return Err(format!("unexpected `{tail}` after the value of `{key}`"));
    }
    Ok(Some((key.to_string(), value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str) -> Vec<(String, String)> {
        parse(text.as_bytes(), Path::new("c"))
            .unwrap()
            .into_iter()
            .map(|s| (s.key, s.value))
            .collect()
    }

    fn error(text: &str) -> String {
        parse(text.as_bytes(), Path::new("c"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn bare_quoted_escaped_and_continued_values() {
        let got = settings(
            "# comment\n identity = web01 # trailing\npassword=\"a b#c\\\"d\"\r\n\
             tls_ciphers = 'PSK-AES256-CBC-SHA:\\\nPSK-AES128-CBC-SHA'\nport=5668\n",
        );
        let want = [
            ("identity", "web01"),
            ("password", "a b#c\"d"),
            ("tls_ciphers", "PSK-AES256-CBC-SHA:PSK-AES128-CBC-SHA"),
            ("port", "5668"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn malformed_lines_name_the_line() {
        assert_eq!(
            error("a = 1\nidentity\n"),
            "c:2: expected `=` after `identity`"
        );
        assert_eq!(error("password =\n"), "c:1: no value for `password`");
        assert_eq!(
            error("password = \"open\n"),
            "c:1: `password`: the quote is not closed"
        );
        assert_eq!(
            error("password = a b\n"),
            "c:1: unexpected `b` after the value of `password`"
        );
    }
}
