//! What an environment holds: modules found on disk (their `$VERSION`
//! read statically, no perl process) and the distributions cpanm recorded.

use super::env::Env;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    pub module: String,
    pub version: Option<String>,
    pub file: PathBuf,
}

/// A distribution as cpanm recorded it in `.meta/*/install.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dist {
    pub name: String,
    pub version: String,
    /// Provided packages and their versions.
    pub provides: BTreeMap<String, Option<String>>,
}

/// The version a `.pm` file declares: `package NAME VERSION` or the first
/// `$VERSION = ...` assignment, outside POD.
pub fn parse_version(text: &str) -> Option<String> {
    let mut pod = false;
    for line in text.lines() {
        if line.starts_with('=') {
            pod = !line.starts_with("=cut");
            continue;
        }
        let line = line.trim();
        if pod || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix("package ") {
            let mut words = rest.trim_end_matches([';', '{', ' ']).split_whitespace();
            if let (Some(_), Some(v)) = (words.next(), words.next()) {
                return Some(v.trim_matches(['{', ';']).to_string());
            }
        }
        if let Some(at) = line.find("$VERSION") {
            let rest = line[at + "$VERSION".len()..].trim_start();
            let Some(rhs) = rest.strip_prefix('=').filter(|r| !r.starts_with('=')) else {
                continue;
            };
            let rhs = rhs.trim_start().trim_start_matches(['\'', '"']);
            let v: String = rhs
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '_')
                .collect();
            if !v.is_empty() {
                return Some(v);
            }
        }
    }
    None
}

/// The `package` names a file declares.
pub fn parse_packages(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("package "))
        .filter_map(|rest| rest.split([' ', ';', '{']).next())
        .filter(|n| {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_alphanumeric() || c == ':' || c == '_')
        })
        .map(str::to_string)
        .collect()
}

/// Every `.pm` below `dir`, as (path, path relative to `dir`).
pub fn pm_files(dir: &Path) -> Vec<(PathBuf, PathBuf)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "pm") {
                let rel = path.strip_prefix(dir).unwrap_or(&path).to_path_buf();
                out.push((path, rel));
            }
        }
    }
    out
}

/// Installed modules, sorted by name (perlenv's own isolate module left out).
pub fn modules(env: &Env) -> Vec<Module> {
    let lib = env.lib();
    let mut found = BTreeMap::new();
    for (path, rel) in pm_files(&lib) {
        let rel = rel.strip_prefix(&env.archname).unwrap_or(&rel);
        let rel_text = rel.to_string_lossy();
        if rel_text == "perlenv/isolate.pm" || rel_text.starts_with("auto/") {
            continue;
        }
        let module = rel_text.trim_end_matches(".pm").replace('/', "::");
        let version = std::fs::read(&path)
            .ok()
            .and_then(|t| parse_version(&String::from_utf8_lossy(&t)));
        found.entry(module.clone()).or_insert(Module {
            module,
            version,
            file: path,
        });
    }
    found.into_values().collect()
}

/// Distributions cpanm installed, sorted by name.
pub fn dists(env: &Env) -> Vec<Dist> {
    let meta = env.lib().join(&env.archname).join(".meta");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(meta).into_iter().flatten().flatten() {
        let Ok(text) = std::fs::read(entry.path().join("install.json")) else {
            continue;
        };
        let Ok(json) = serde_json::from_slice::<serde_json::Value>(&text) else {
            log::warn!("{}: unreadable install.json", entry.path().display());
            continue;
        };
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        let provides = json["provides"]
            .as_object()
            .map(|p| {
                p.iter()
                    .map(|(k, v)| (k.clone(), text(&v["version"])))
                    .collect()
            })
            .unwrap_or_default();
        out.push(Dist {
            name: text(&json["name"]).unwrap_or_default(),
            version: text(&json["version"]).unwrap_or_default(),
            provides,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// A cpanfile pinning every distribution (by its main module) and every
/// module installed without cpanm, with `==` versions.
pub fn freeze(env: &Env) -> String {
    let mut out = String::from(
        "# Written by `perlenv freeze`; reinstall with `perlenv install ENV --cpanfile FILE`.\n",
    );
    let dists = dists(env);
    let mut pinned: Vec<(String, Option<String>)> = Vec::new();
    for dist in &dists {
        let main = dist.name.replace('-', "::");
        let (module, version) = match dist.provides.get(&main) {
            Some(v) => (main, v.clone()),
            None => match dist.provides.iter().next() {
                Some((m, v)) => (m.clone(), v.clone()),
                None => continue,
            },
        };
        pinned.push((module, version.or_else(|| Some(dist.version.clone()))));
    }
    for m in modules(env) {
        if !dists.iter().any(|d| d.provides.contains_key(&m.module)) {
            pinned.push((m.module, m.version));
        }
    }
    pinned.sort();
    for (module, version) in pinned {
        match version {
            Some(v) => out.push_str(&format!("requires '{module}', '== {v}';\n")),
            None => out.push_str(&format!("requires '{module}';\n")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(
            parse_version("package Foo;\nour $VERSION = '0.01';\n").as_deref(),
            Some("0.01")
        );
        assert_eq!(parse_version("package Foo 1.2;\n").as_deref(), Some("1.2"));
        assert_eq!(
            parse_version("=pod\n$VERSION = 3\n=cut\n$VERSION=\"4_1\";").as_deref(),
            Some("4_1")
        );
        assert_eq!(parse_version("if ($VERSION == 2) {}\n"), None);
    }

    #[test]
    fn packages() {
        assert_eq!(
            parse_packages("package A::B;\npackage C {\n  package D;"),
            ["A::B", "C"]
        );
    }
}
