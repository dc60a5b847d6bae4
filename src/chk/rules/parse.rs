//! Licorn rule files: `<path><blanks><definition>` a line.

use super::{Definition, Level, Macros, Pattern, Rule, RuleError};
use crate::chk::acl::{self, Exec, Tag, TemplateEntry, W, X};
use crate::chk::ids::Names;
use crate::common::Error;
use std::path::Path;

/// Parses one rule file. Every unusable line becomes an error naming
/// `origin` and the line; the usable ones are returned in order.
pub(crate) fn parse(
    text: &str,
    origin: &Path,
    level: Level,
    macros: &Macros,
    names: &dyn Names,
) -> (Vec<Rule>, Vec<Error>) {
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_line(line, level, macros, names) {
            Ok((pattern, definition)) => rules.push(Rule {
                origin: origin.to_path_buf(),
                line: line_no,
                level,
                pattern,
                definition,
            }),
            Err(reason) => errors.push(reason.at(origin, line_no)),
        }
    }
    (rules, errors)
}

fn parse_line(
    line: &str,
    level: Level,
    macros: &Macros,
    names: &dyn Names,
) -> Result<(Pattern, Definition), RuleError> {
    // The definition never holds a blank: split at the last run of blanks.
    let split = line.rfind([' ', '\t']).ok_or(RuleError::NoDefinition)?;
    let path = line[..split].trim_end_matches([' ', '\t']);
    let definition = &line[split + 1..];
    let pattern = Pattern::parse(path)?;
    let definition = parse_definition(definition, level, macros, names)?;
    Ok((pattern, definition))
}

/// A keyword, or an ACL text (after macro substitution) written for files.
pub(crate) fn parse_definition(
    text: &str,
    level: Level,
    macros: &Macros,
    names: &dyn Names,
) -> Result<Definition, RuleError> {
    let keyword = match text.to_ascii_uppercase().as_str() {
        "NOACL" | "POSIXONLY" => Some(Definition::NoAcl),
        "RESTRICT" | "RESTRICTED" | "PRIVATE" => Some(Definition::Private),
        "IGNORE" => Some(Definition::Ignore),
        _ => None,
    };
    if let Some(keyword) = keyword {
        if level == Level::User {
            return Err(RuleError::KeywordInUserFile(text.to_string()));
        }
        return Ok(keyword);
    }
    let text = expand_macros(text, macros)?;
    let template = acl::parse_template(&text, names, true)?;
    if level == Level::User {
        check_user_entries(&template.entries, macros, names)?;
        return Ok(Definition::Additions(template.entries));
    }
    // Both forms must make a valid ACL; the directory one is derived.
    template.for_file(false, false)?;
    Ok(Definition::Acl {
        access: template,
        default: None,
    })
}

/// User rules only add named entries that grant at least read, and never
/// to the admins group.
fn check_user_entries(
    entries: &[TemplateEntry],
    macros: &Macros,
    names: &dyn Names,
) -> Result<(), RuleError> {
    let admins = names.gid(&macros.admins_group);
    for e in entries {
        if !e.tag.is_named() {
            let what = match e.tag {
                Tag::UserObj => "u::",
                Tag::GroupObj => "g::",
                Tag::Mask => "m::",
                _ => "o::",
            };
            return Err(RuleError::UserSetsBase(what));
        }
        if e.tag == Tag::Group && Some(e.id) == admins {
            return Err(RuleError::UserNamesAdmins(macros.admins_group.clone()));
        }
        let x_possible = e.exec != Exec::Fixed || e.perm & X != 0;
        if e.perm & acl::R == 0 {
            let shown = match (e.perm & W != 0, x_possible) {
                (false, false) => "---",
                (true, false) => "-w-",
                (false, true) => "--x",
                (true, true) => "-wx",
            };
            if shown != "--x" {
                return Err(RuleError::UserGrants(shown));
            }
        }
    }
    Ok(())
}

/// Replaces @GROUP, @GW, @acls.NAME and @defaults.NAME; leaves @UX and @GX.
/// Values may hold macros themselves (a few levels deep).
fn expand_macros(text: &str, macros: &Macros) -> Result<String, RuleError> {
    let mut current = text.to_string();
    for _ in 0..4 {
        let mut out = String::with_capacity(current.len());
        let mut rest = current.as_str();
        let mut changed = false;
        while let Some(at) = rest.find('@') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-'))
                .unwrap_or(after.len());
            // `r-@GX`: a macro name never ends with '-' or '.'.
            let name = after[..len].trim_end_matches(['-', '.']);
            let value = match name {
                "UX" | "GX" => None,
                "GROUP" => Some(macros.group.clone().ok_or(RuleError::GroupOutsideGroup)?),
                "GW" => Some(if macros.permissive { "w" } else { "-" }.to_string()),
                _ => {
                    let looked_up = if let Some(key) = name.strip_prefix("acls.") {
                        macros.acls.get(key)
                    } else if let Some(key) = name.strip_prefix("defaults.") {
                        macros.defaults.get(key)
                    } else {
                        None
                    };
                    Some(
                        looked_up
                            .cloned()
                            .ok_or_else(|| RuleError::UnknownMacro(name.to_string()))?,
                    )
                }
            };
            match value {
                Some(v) => {
                    out.push_str(&v);
                    changed = true;
                }
                None => {
                    out.push('@');
                    out.push_str(name);
                }
            }
            rest = &after[name.len()..];
        }
        out.push_str(rest);
        current = out;
        if !changed {
            return Ok(current);
        }
    }
    Err(RuleError::TooDeep(text.to_string()))
}
