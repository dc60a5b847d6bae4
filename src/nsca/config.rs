//! send_nsca's configuration file, read as send_nsca 2.10.2 reads it
//! (checked against the Debian binary): a line is a comment only when `#`
//! is its first byte; the key is what comes before the first `=` and is
//! recognised by the name it contains (`strstr`); the value runs to the end
//! of the line, so a trailing `# comment` is part of a password; numbers
//! are read like C's `atoi` (`1 # xor` is 1); `legacy_2_7_mode` is on when
//! its value contains `true` or `yes`. An unknown key, a line without `=`
//! or an empty value is an error naming the file and line, as in
//! send_nsca. Two deliberate differences: a CR before the line end is
//! dropped, and a number without digits (send_nsca silently reads 0, no
//! encryption) is refused.

use super::crypto::Method;
use crate::common::Error;
use std::path::Path;

#[derive(Debug)]
pub(super) struct Config {
    /// Bytes as written in the file (after `=`, up to the line end).
    pub password: Vec<u8>,
    /// False when the file has no `password=` line.
    pub has_password: bool,
    pub method: Method,
    pub legacy_2_7_mode: bool,
}

impl Default for Config {
    fn default() -> Self {
        // send_nsca's defaults: no password, XOR.
        Config {
            password: Vec::new(),
            has_password: false,
            method: Method::Xor,
            legacy_2_7_mode: false,
        }
    }
}

impl Config {
    pub(super) fn parse(text: &[u8], path: &Path) -> Result<Config, Error> {
        let mut config = Config::default();
        for (index, line) in text.split(|&b| b == b'\n').enumerate() {
            let bad = |reason: String| Error::bad_input(path, index + 1, reason);
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() || line.starts_with(b"#") {
                continue;
            }
            let Some(eq) = line.iter().position(|&b| b == b'=') else {
                return Err(bad(
                    "expected `key=value` (send_nsca refuses this line too)".into(),
                ));
            };
            let key = String::from_utf8_lossy(&line[..eq]).into_owned();
            let value = &line[eq + 1..];
            if value.is_empty() {
                return Err(bad(format!(
                    "`{}` has an empty value (send_nsca refuses it too)",
                    key.trim()
                )));
            }
            if key.contains("password") {
                config.password = value.to_vec();
                config.has_password = true;
            } else if key.contains("encryption_method") {
                let number = atoi(value).ok_or_else(|| {
                    bad(format!(
                        "encryption_method: `{}` is not a number",
                        String::from_utf8_lossy(value).trim()
                    ))
                })?;
                config.method = Method::from_number(number).map_err(bad)?;
            } else if key.contains("legacy_2_7_mode") {
                let has = |word: &[u8]| value.windows(word.len()).any(|w| w == word);
                config.legacy_2_7_mode = has(b"true") || has(b"yes");
            } else if key.trim() == "protocol" {
                // Read by protocol::from_config.
            } else {
                return Err(bad(format!("unknown key `{}`", key.trim())));
            }
        }
        Ok(config)
    }
}

/// C's `atoi`: blanks, a sign, then digits up to the first other byte.
/// `None` when there is no digit (where `atoi` would give 0).
fn atoi(text: &[u8]) -> Option<i64> {
    let text = text.trim_ascii_start();
    let (negative, rest) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    let magnitude: i64 = std::str::from_utf8(&rest[..digits.min(18)])
        .ok()?
        .parse()
        .ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

/// The bytes of a config file of any protocol, or an error naming it.
pub(super) fn read_text(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| {
        Error::failed(format!(
            "reading '{}': {}",
            path.display(),
            crate::common::io_reason(&e)
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Error> {
        Config::parse(text.as_bytes(), Path::new("/etc/send_nsca.cfg"))
    }

    #[test]
    fn keys_comments_and_spaces_in_passwords() {
        let c = parse("# c\n\npassword=a b=c # x\nencryption_method= 14x\nlegacy_2_7_mode=true\n")
            .unwrap();
        assert_eq!(c.password, b"a b=c # x");
        assert_eq!(c.method, Method::Rijndael128);
        assert!(c.legacy_2_7_mode);
    }

    /// Each case as the Debian send_nsca 2.10.2 binary was seen to read it.
    #[test]
    fn values_as_send_nsca_reads_them() {
        let legacy = |v: &str| {
            parse(&format!("legacy_2_7_mode={v}\n"))
                .unwrap()
                .legacy_2_7_mode
        };
        for on in ["true", " true", "yes", "xyesx", "true # c", "truex"] {
            assert!(legacy(on), "{on}");
        }
        for off in ["1", "0", "false", "TRUE", "True", "y", "on"] {
            assert!(!legacy(off), "{off}");
        }
        let method = |v: &str| parse(&format!("encryption_method={v}\n")).map(|c| c.method);
        assert_eq!(method("1 # xor").unwrap(), Method::Xor);
        assert_eq!(method(" 1").unwrap(), Method::Xor);
        assert!(method("-1").is_err());
        assert!(method("abc").is_err(), "send_nsca reads 0: refused instead");
        // Keys are recognised by the name they contain, password first.
        let c = parse(" password=x\nxencryption_method_password=3\n").unwrap();
        assert_eq!(c.password, b"3");
        assert_eq!(
            parse("\tencryption_method=0\n").unwrap().method,
            Method::None
        );
        assert!(parse("legacy_2_7_modex=true\n").unwrap().legacy_2_7_mode);
        for refused in ["password=\n", "password\n", "foo=bar\n", "  \n", " #c\n"] {
            assert!(parse(refused).is_err(), "{refused:?}");
        }
        assert!(!parse("encryption_method=1\n").unwrap().has_password);
    }

    #[test]
    fn errors_name_file_and_line() {
        let err = parse("password=x\nencryption_methd=1\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "/etc/send_nsca.cfg:2: unknown key `encryption_methd`"
        );
        let err = parse("encryption_method=12").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("/etc/send_nsca.cfg:1: encryption method 12")
        );
        let err = parse("encryption_method=aes").unwrap_err();
        assert!(err.to_string().contains("`aes` is not a number"));
    }
}
