//! The subset of the cpanfile format that `perlenv freeze` writes and people
//! commonly use: `requires 'Module'[, 'version range'];`, optionally inside
//! `on 'phase' => sub { ... };` blocks (the develop phase is skipped).

use crate::common::{Error, Result};
use std::path::Path;

/// One requirement: module and optional version range (`== 1.0`, `>= 2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub module: String,
    pub range: Option<String>,
}

impl Requirement {
    /// How cpanm takes it on its command line: `Module~range`.
    pub fn cpanm_arg(&self) -> String {
        match &self.range {
            Some(r) => format!("{}~{}", self.module, r),
            None => self.module.clone(),
        }
    }
}

/// Splits `'a', "b" => 'c'` into its quoted strings, or None if anything
/// else is there.
fn quoted_list(s: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        let quote = rest.chars().next()?;
        if quote != '\'' && quote != '"' {
            return None;
        }
        let end = rest[1..].find(quote)? + 1;
        out.push(rest[1..end].to_string());
        rest = rest[end + 1..].trim_start();
        rest = rest
            .strip_prefix("=>")
            .or_else(|| rest.strip_prefix(','))
            .unwrap_or(rest)
            .trim_start();
    }
    Some(out)
}

pub fn parse(path: &Path, text: &str) -> Result<Vec<Requirement>> {
    let mut out = Vec::new();
    let mut phase: Option<String> = None;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        let bad = |why: &str| Error::bad_input(path, n + 1, why.to_string());
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("on ") {
            let rest = rest.trim_end_matches('{').trim_end();
            let rest = rest
                .strip_suffix("sub")
                .ok_or_else(|| bad("expected `on 'phase' => sub {`"))?;
            let names = quoted_list(rest).filter(|v| v.len() == 1);
            phase = Some(
                names
                    .ok_or_else(|| bad("expected `on 'phase' => sub {`"))?
                    .remove(0),
            );
            continue;
        }
        if line == "};" || line == "}" {
            if phase.take().is_none() {
                return Err(bad("`}` without `on ... => sub {`"));
            }
            continue;
        }
        let Some(rest) = line.strip_prefix("requires") else {
            if line.starts_with("recommends") || line.starts_with("suggests") {
                continue;
            }
            return Err(bad("expected `requires 'Module', 'version';`"));
        };
        let args = rest.trim().trim_end_matches(';');
        let args = quoted_list(args)
            .filter(|v| (1..=2).contains(&v.len()))
            .ok_or_else(|| bad("expected `requires 'Module', 'version';`"))?;
        if phase.as_deref() == Some("develop") {
            continue;
        }
        let range = args.get(1).filter(|r| *r != "0").cloned();
        out.push(Requirement {
            module: args[0].clone(),
            range,
        });
    }
    if phase.is_some() {
        return Err(Error::bad_input(
            path,
            text.lines().count(),
            "unclosed `on ... => sub {`",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_freeze_output_and_phases() {
        let text = "# pinned\nrequires 'Foo::Bar', '== 0.01';\nrequires \"Baz\";\n\
                    on 'test' => sub {\n  requires 'Test::More' => '0.98';\n};\n\
                    on develop => sub {\n};\n";
        let err = parse(Path::new("c"), text).unwrap_err().to_string();
        assert_eq!(err, "c:7: expected `on 'phase' => sub {`");
        let reqs = parse(Path::new("c"), &text.replace("on develop", "on 'develop'")).unwrap();
        let args: Vec<String> = reqs.iter().map(Requirement::cpanm_arg).collect();
        assert_eq!(args, ["Foo::Bar~== 0.01", "Baz", "Test::More~0.98"]);
    }

    #[test]
    fn rejects_garbage_with_line() {
        let err = parse(Path::new("cpanfile"), "requires 'A';\nsystem('rm');\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "cpanfile:2: expected `requires 'Module', 'version';`"
        );
    }
}
