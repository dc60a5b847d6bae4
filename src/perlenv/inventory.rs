//! What an environment holds: modules found on disk (their versions read
//! by Module::Metadata) and the distributions cpanm recorded.

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

/// Installed modules, sorted by name (perlenv's own isolate module left
/// out), with the version Module::Metadata reads for the module's package.
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
        found.entry(module.clone()).or_insert(Module {
            module,
            version: None,
            file: path,
        });
    }
    let mut modules: Vec<Module> = found.into_values().collect();
    let files: Vec<PathBuf> = modules.iter().map(|m| m.file.clone()).collect();
    match super::metadata::scan(&env.perl, &files) {
        Ok(packages) => {
            for p in packages {
                let m = &mut modules[p.file];
                if p.name == m.module {
                    m.version = p.version;
                }
            }
        }
        Err(e) => log::warn!("{e}; versions are not shown"),
    }
    modules
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
