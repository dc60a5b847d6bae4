//! Quoting of literals for the shells, Perl and shellwords: a leaf module,
//! so the variables, the scripts and `create` all quote the same way.

/// sh family: single quotes, `'` written as `'\''`.
pub(super) fn sh(s: &[u8]) -> Vec<u8> {
    single_quoted(s, b"")
}

/// csh: single quotes, `'` as `'\''`, and `!` as `\!` even inside quotes
/// (csh expands history there, also in sourced files).
pub(super) fn csh(s: &[u8]) -> Vec<u8> {
    single_quoted(s, b"!")
}

/// fish: single quotes, with `\\` and `\'` the only escapes.
pub(super) fn fish(s: &[u8]) -> Vec<u8> {
    backslashed(s, b'\'')
}

/// A single-quoted Perl string.
pub(super) fn perl(s: &[u8]) -> Vec<u8> {
    backslashed(s, b'\'')
}

/// For `Text::ParseWords::shellwords`, which both ExtUtils::MakeMaker
/// (PERL_MM_OPT) and Module::Build (PERL_MB_OPT) use: double quotes.
pub(super) fn shellwords(s: &[u8]) -> Vec<u8> {
    backslashed(s, b'"')
}

/// `'…'` with `'` closed, escaped and reopened, and a backslash before
/// each byte of `escape`.
fn single_quoted(s: &[u8], escape: &[u8]) -> Vec<u8> {
    let mut out = vec![b'\''];
    for &b in s {
        if b == b'\'' {
            out.extend_from_slice(b"'\\''");
            continue;
        }
        if escape.contains(&b) {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'\'');
    out
}

/// Wraps `s` in `quote`, with a backslash before `quote` and before `\`.
fn backslashed(s: &[u8], quote: u8) -> Vec<u8> {
    let mut out = vec![quote];
    for &b in s {
        if b == quote || b == b'\\' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule() {
        assert_eq!(sh(b"a'b!"), b"'a'\\''b!'");
        assert_eq!(csh(b"a'b!c"), b"'a'\\''b\\!c'");
        assert_eq!(fish(b"a'b\\c"), b"'a\\'b\\\\c'");
        assert_eq!(perl(br"a'b\c"), br"'a\'b\\c'");
        assert_eq!(shellwords(br#"a "b\c"#), br#""a \"b\\c""#);
    }
}
