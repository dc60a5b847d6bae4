//! Names as the tools show them: quoted like `ls --quoting-style=shell-escape`,
//! so a newline in a name cannot forge a line of the listing, bytes that
//! are not UTF-8 are shown escaped, and a shell can paste the result back.

use std::fmt::Write as _;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// `path` quoted only when it needs to be (`/srv/a.txt` stays as it is):
/// the form of listing lines.
pub(crate) fn escaped(path: &Path) -> String {
    shell_escape(path.as_os_str().as_bytes(), false)
}

/// `path` always quoted (`'/srv/a.txt'`): the form of messages, as
/// coreutils words them (`cannot open '/x': Permission denied`).
pub(crate) fn quoted(path: &Path) -> String {
    shell_escape(path.as_os_str().as_bytes(), true)
}

/// Bytes no shell treats specially, in any position.
fn is_plain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"/._-+,:@%=".contains(&b)
}

/// Where the output is: outside quotes, in `'...'` or in `$'...'`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Bare,
    Quoted,
    Escaped,
}

/// Printable text goes between single quotes (a `'` as `\'` outside
/// them); control bytes and invalid UTF-8 as `$'\n'` / `$'\377'`.
fn shell_escape(bytes: &[u8], always: bool) -> String {
    if !bytes.is_empty() && bytes.iter().all(|&b| is_plain(b)) && !always {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    let mut out = String::with_capacity(bytes.len() + 2);
    let mut state = State::Bare;
    let mut enter = |out: &mut String, next: State| {
        if state != next {
            if state != State::Bare {
                out.push('\'');
            }
            match next {
                State::Quoted => out.push('\''),
                State::Escaped => out.push_str("$'"),
                State::Bare => {}
            }
            state = next;
        }
    };
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\'' {
                enter(&mut out, State::Bare);
                out.push_str("\\'");
            } else if c.is_control() {
                enter(&mut out, State::Escaped);
                let mut buf = [0u8; 4];
                for &b in c.encode_utf8(&mut buf).as_bytes() {
                    push_escape(&mut out, b);
                }
            } else {
                enter(&mut out, State::Quoted);
                out.push(c);
            }
        }
        for &b in chunk.invalid() {
            enter(&mut out, State::Escaped);
            push_escape(&mut out, b);
        }
    }
    enter(&mut out, State::Bare);
    if out.is_empty() {
        out.push_str("''");
    }
    out
}

fn push_escape(out: &mut String, b: u8) {
    match b {
        b'\n' => out.push_str("\\n"),
        b'\t' => out.push_str("\\t"),
        b'\r' => out.push_str("\\r"),
        _ => {
            let _ = write!(out, "\\{b:03o}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    fn esc(bytes: &[u8]) -> String {
        escaped(Path::new(OsStr::from_bytes(bytes)))
    }

    #[test]
    fn plain_names_are_left_alone_unless_always_quoted() {
        assert_eq!(esc(b"/srv/a-b_c.txt"), "/srv/a-b_c.txt");
        assert_eq!(quoted(Path::new("/srv/x")), "'/srv/x'");
    }

    #[test]
    fn blanks_quotes_and_shell_syntax_are_single_quoted() {
        assert_eq!(esc(b"/g/a b"), "'/g/a b'");
        assert_eq!(esc(b"/g/$(reboot)"), "'/g/$(reboot)'");
        assert_eq!(esc(b"/g/it's"), "'/g/it'\\''s'");
        assert_eq!(esc("/g/été".as_bytes()), "'/g/été'");
    }

    #[test]
    fn a_newline_cannot_forge_a_line_and_bad_utf8_is_escaped() {
        let forged = esc(b"/g/x\n/g/y: mode: 0644 -> 0777");
        assert!(!forged.contains('\n'), "{forged}");
        assert_eq!(forged, "'/g/x'$'\\n''/g/y: mode: 0644 -> 0777'");
        assert_eq!(esc(b"/g/\xff\xfe"), "'/g/'$'\\377\\376'");
        assert_eq!(esc(b"/g/\x1b[31m"), "'/g/'$'\\033''[31m'");
    }

    #[test]
    fn the_shell_reads_the_name_back() {
        let name: &[u8] = b"/g/a'b\n\xff c$(x)";
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(format!("printf %s {}", esc(name)))
            .output()
            .unwrap();
        assert_eq!(out.stdout, name);
    }
}
