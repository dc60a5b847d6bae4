//! send_nsca's configuration file: `password=`, `encryption_method=`,
//! `legacy_2_7_mode=`, `#` comments. Anything else is an error naming the
//! file and line, so a typo never silently sends unencrypted results.

use super::crypto::Method;
use crate::cli::Error;
use std::path::Path;

#[derive(Debug)]
pub struct Config {
    /// Bytes as written in the file (after `=`, up to the line end).
    pub password: Vec<u8>,
    pub method: Method,
    pub legacy_2_7_mode: bool,
}

impl Default for Config {
    fn default() -> Self {
        // send_nsca's defaults: no password, XOR.
        Config {
            password: Vec::new(),
            method: Method::Xor,
            legacy_2_7_mode: false,
        }
    }
}

impl Config {
    pub fn read(path: &Path) -> Result<Config, Error> {
        let text =
            std::fs::read(path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        Config::parse(&text, path)
    }

    pub fn parse(text: &[u8], path: &Path) -> Result<Config, Error> {
        let mut config = Config::default();
        for (index, line) in text.split(|&b| b == b'\n').enumerate() {
            let bad = |reason: String| Error::bad_input(path, index + 1, reason);
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let trimmed = line.trim_ascii_start();
            if trimmed.is_empty() || trimmed.starts_with(b"#") {
                continue;
            }
            let Some(eq) = trimmed.iter().position(|&b| b == b'=') else {
                return Err(bad("expected `key=value`".into()));
            };
            let key = String::from_utf8_lossy(trimmed[..eq].trim_ascii()).into_owned();
            let value = &trimmed[eq + 1..];
            let number = || {
                let text = String::from_utf8_lossy(value.trim_ascii()).into_owned();
                text.parse::<i64>()
                    .map_err(|_| bad(format!("{key}: `{text}` is not a number")))
            };
            match key.as_str() {
                "password" => config.password = value.to_vec(),
                "encryption_method" => {
                    config.method = Method::from_number(number()?).map_err(bad)?;
                }
                "legacy_2_7_mode" => config.legacy_2_7_mode = number()? != 0,
                // Read by protocol::from_config.
                "protocol" => {}
                _ => return Err(bad(format!("unknown key `{key}`"))),
            }
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Error> {
        Config::parse(text.as_bytes(), Path::new("/etc/send_nsca.cfg"))
    }

    #[test]
    fn keys_comments_and_spaces_in_passwords() {
        let c =
            parse("# c\n\npassword=a b=c \nencryption_method= 14\nlegacy_2_7_mode=1\n").unwrap();
        assert_eq!(c.password, b"a b=c ");
        assert_eq!(c.method, Method::Rijndael128);
        assert!(c.legacy_2_7_mode);
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
