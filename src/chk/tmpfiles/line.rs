//! One tmpfiles.d line: `Type Path Mode User Group Age Argument`, as
//! systemd-tmpfiles 252 reads it (tmpfiles.d(5)): words may be quoted,
//! `-` or a missing field means "not set", the path and the user and
//! group columns take specifiers, the type takes the modifiers `+ ! - = ~ ^`.

use super::specifiers::Specifiers;
use crate::chk::edit::entries::{self, Perms};
use crate::chk::edit::tmpfiles::{AclLine, PermsLine};
use crate::chk::edit::{Edit, Step};
use crate::chk::ids::Names;

/// Every type systemd-tmpfiles 252 knows.
const KNOWN_TYPES: &str = "fFwdDevqQpLcbCxXrRzZtThHaA";

/// What a line asks of chk.
#[derive(Debug)]
pub(super) enum Parsed {
    /// A comment or an empty line.
    Nothing,
    /// A type chk does not handle (`d`, `L`, ...), or one marked `!` (boot
    /// only): listed once, skipped.
    NotHandled(String),
    Item(Item),
}

/// A line of type `a`, `a+`, `A`, `A+`, `z` or `Z`.
#[derive(Clone, Debug)]
pub(super) struct Item {
    /// The type letter (`a`, `A`, `z`, `Z`): orders the lines of one path.
    pub kind: char,
    /// `A` and `Z`: the path and everything below it.
    pub recursive: bool,
    /// Absolute, simplified, specifiers expanded; may be a glob.
    pub path: String,
    pub step: Step,
}

impl Item {
    pub(super) fn is_glob(&self) -> bool {
        self.path.contains(['*', '?', '['])
    }
}

/// Who resolves names: the user and group columns (inside `--root`, as
/// systemd-tmpfiles does), and ACL qualifiers (the host's name service,
/// as libacl does).
pub(super) struct Resolvers<'a> {
    pub owners: &'a dyn Names,
    pub acl: &'a dyn Names,
    pub specifiers: &'a Specifiers,
}

pub(super) fn parse(text: &str, source: &str, names: &Resolvers<'_>) -> Result<Parsed, String> {
    let text = text.trim();
    if text.is_empty() || text.starts_with('#') {
        return Ok(Parsed::Nothing);
    }
    let (words, argument) = split_words(text, 6)?;
    let field = |i: usize| {
        words
            .get(i)
            .map(String::as_str)
            .filter(|w| !w.is_empty() && *w != "-")
    };
    let action = &words[0];
    let mut chars = action.chars();
    let kind = chars.next().unwrap_or(' ');
    if !KNOWN_TYPES.contains(kind) {
        return Err(format!("unknown line type `{action}`"));
    }
    let modifiers: String = chars.collect();
    if let Some(bad) = modifiers.chars().find(|c| !"+!-=~^".contains(*c)) {
        return Err(format!("unknown modifier `{bad}` in `{action}`"));
    }
    if !matches!(kind, 'a' | 'A' | 'z' | 'Z') || modifiers.contains(['!', '~', '^']) {
        return Ok(Parsed::NotHandled(action.clone()));
    }
    let Some(path) = field(1) else {
        return Err("no path".into());
    };
    let path = simplify(&names.specifiers.expand(path)?)?;
    let edit = if kind.eq_ignore_ascii_case(&'a') {
        let Some(argument) = argument.filter(|a| *a != "-") else {
            return Err(format!("`{action}` needs an ACL as its argument"));
        };
        let specs = entries::parse(argument, Perms::Required, names.acl)?;
        let (default, access) = specs.into_iter().partition(|s| s.default);
        Edit::TmpfilesAcl(AclLine {
            append: modifiers.contains('+'),
            access,
            default,
        })
    } else {
        let mut perms = PermsLine::default();
        if let Some(mode) = field(2) {
            let digits = mode.trim_start_matches(['~', ':']);
            let prefix = &mode[..mode.len() - digits.len()];
            perms.mask_perms = prefix.contains('~');
            perms.only_create = prefix.contains(':');
            perms.mode = Some(
                u32::from_str_radix(digits, 8)
                    .ok()
                    .filter(|m| *m <= 0o7777 && !digits.is_empty())
                    .ok_or_else(|| format!("bad mode `{mode}`"))?,
            );
        }
        perms.uid = field(3)
            .map(|u| owner(u, "user", names, |n| names.owners.uid(n)))
            .transpose()?;
        perms.gid = field(4)
            .map(|g| owner(g, "group", names, |n| names.owners.gid(n)))
            .transpose()?;
        Edit::TmpfilesPerms(perms)
    };
    Ok(Parsed::Item(Item {
        kind,
        recursive: kind.is_ascii_uppercase(),
        path,
        step: Step {
            source: source.to_string(),
            text: text.to_string(),
            edit,
        },
    }))
}

fn owner(
    text: &str,
    what: &str,
    names: &Resolvers<'_>,
    lookup: impl Fn(&str) -> Option<u32>,
) -> Result<u32, String> {
    let name = names.specifiers.expand(text)?;
    name.parse::<u32>()
        .ok()
        .filter(|id| *id != u32::MAX)
        .or_else(|| lookup(&name))
        .ok_or_else(|| format!("unknown {what} `{name}`"))
}

/// The first `n` words (quotes and backslash escapes removed) and the rest
/// of the line, trimmed, as the argument.
fn split_words(text: &str, n: usize) -> Result<(Vec<String>, Option<&str>), String> {
    let mut words = Vec::new();
    let mut rest = text.trim_start();
    while words.len() < n && !rest.is_empty() {
        let mut word = String::new();
        let mut quote = None;
        let mut chars = rest.char_indices();
        let mut end = rest.len();
        while let Some((i, c)) = chars.next() {
            match (c, quote) {
                ('\\', _) => match chars.next() {
                    Some((_, escaped)) => word.push(escaped),
                    None => return Err("a backslash ends the line".into()),
                },
                ('"' | '\'', None) => quote = Some(c),
                (c, Some(q)) if c == q => quote = None,
                (c, None) if c.is_whitespace() => {
                    end = i;
                    break;
                }
                (c, _) => word.push(c),
            }
        }
        if quote.is_some() {
            return Err("unbalanced quotes".into());
        }
        words.push(word);
        rest = rest[end..].trim_start();
    }
    let argument = (!rest.is_empty()).then_some(rest);
    Ok((words, argument))
}

/// An absolute path with `//`, `/./` and a trailing `/` removed; `..` is
/// refused. `/var/run/` is `/run/`, as systemd-tmpfiles rewrites it.
fn simplify(path: &str) -> Result<String, String> {
    if !path.starts_with('/') {
        return Err(format!("path `{path}` is not absolute"));
    }
    let mut parts = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(format!("path `{path}` contains `..`")),
            _ => parts.push(part),
        }
    }
    if parts.starts_with(&["var", "run"]) {
        parts.remove(0);
    }
    Ok(format!("/{}", parts.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chk::ids::tests::FakeNames;

    fn parse_line(text: &str) -> Result<Parsed, String> {
        let specifiers = Specifiers::for_tests();
        let names = Resolvers {
            owners: &FakeNames,
            acl: &FakeNames,
            specifiers: &specifiers,
        };
        parse(text, "t.conf:1", &names)
    }

    fn item(text: &str) -> Item {
        match parse_line(text) {
            Ok(Parsed::Item(item)) => item,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn fields_dashes_quotes_and_specifiers() {
        let z = item("z  \"/srv/my dir\"//x/  ~:0750 alice %g -");
        assert_eq!(z.path, "/srv/my dir/x");
        let Edit::TmpfilesPerms(p) = &z.step.edit else {
            panic!()
        };
        assert_eq!(
            (p.mode, p.mask_perms, p.only_create),
            (Some(0o750), true, true)
        );
        assert_eq!((p.uid, p.gid), (Some(1001), Some(50)));
        let a = item("A+ /var/run/x/%m - - - - u:alice:rwX,d:g:staff:rx");
        assert_eq!(a.path, "/run/x/0123456789abcdef0123456789abcdef");
        assert!(a.recursive);
        let Edit::TmpfilesAcl(acl) = &a.step.edit else {
            panic!()
        };
        assert!(acl.append && acl.access.len() == 1 && acl.default.len() == 1);
        let z = item("Z /srv");
        let Edit::TmpfilesPerms(p) = &z.step.edit else {
            panic!()
        };
        assert!(p.mode.is_none() && p.uid.is_none() && p.gid.is_none());
    }

    #[test]
    fn other_types_are_not_handled_and_bad_lines_say_why() {
        assert!(matches!(parse_line("d /run/x 0755 - - -"), Ok(Parsed::NotHandled(t)) if t == "d"));
        assert!(matches!(
            parse_line("a! /x - - - - u::rw"),
            Ok(Parsed::NotHandled(_))
        ));
        assert!(matches!(parse_line("  # comment"), Ok(Parsed::Nothing)));
        let err = |t: &str| parse_line(t).unwrap_err();
        assert_eq!(err("y /x"), "unknown line type `y`");
        assert_eq!(err("z/ /x"), "unknown modifier `/` in `z/`");
        assert_eq!(err("z x 0755"), "path `x` is not absolute");
        assert_eq!(err("z /x 0899"), "bad mode `0899`");
        assert_eq!(err("z /x - nobodyhere"), "unknown user `nobodyhere`");
        assert_eq!(err("a /x - - - -"), "`a` needs an ACL as its argument");
        assert_eq!(
            err("a /x - - - - u:alice:rwq"),
            "ACL entry `u:alice:rwq`: bad permissions `rwq`"
        );
        assert_eq!(err("z /x/%Q"), "unknown specifier `%Q`");
        assert_eq!(err("z \"/x"), "unbalanced quotes");
    }
}
