//! What an environment holds: modules found on disk (their versions read
//! by Module::Metadata) and the distributions their installers recorded.

use super::env::Env;
use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    pub module: String,
    pub version: Option<String>,
    pub file: PathBuf,
}

/// The modules `perlenv create` writes into every env.
const PERLENV_OWN: [&str; 2] = ["perlenv/isolate.pm", "perlenv/os_owned.pm"];

/// Installed modules, sorted by name (perlenv's own isolate modules left
/// out), with the version Module::Metadata reads for the module's package.
pub fn modules(env: &Env) -> Vec<Module> {
    let lib = env.lib();
    let mut found = BTreeMap::new();
    for (path, rel) in super::walk::files_with_extension(&lib, "pm") {
        let rel = rel.strip_prefix(&env.archname).unwrap_or(&rel);
        let rel_text = rel.to_string_lossy();
        if PERLENV_OWN.contains(&rel_text.as_ref()) || rel_text.starts_with("auto/") {
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

/// The installed dists as their installers recorded them: one
/// `auto/Main/Module/.packlist` per dist (MakeMaker and Module::Build alike,
/// with or without cpanm), as (main module, files it installed).
fn packlists(env: &Env) -> Vec<(String, Vec<PathBuf>)> {
    let auto = env.lib().join(&env.archname).join("auto");
    let mut out = Vec::new();
    for found in super::walk::files_named(&auto, &[".packlist"]) {
        let Ok(text) = std::fs::read(&found.path) else {
            continue;
        };
        let dir = found.rel.parent().unwrap_or(Path::new(""));
        let module = dir.to_string_lossy().replace('/', "::");
        let files = text
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| PathBuf::from(std::ffi::OsStr::from_bytes(packlist_path(l))))
            .collect();
        out.push((module, files));
    }
    out
}

/// The dists installed from a directory (not a tarball), by main module:
/// the `local` their install record (`.meta/DIST/install.json`) notes.
fn local_dists(env: &Env) -> BTreeMap<String, PathBuf> {
    let meta = env.lib().join(&env.archname).join(".meta");
    super::walk::files_named(&meta, &["install.json"])
        .into_iter()
        .filter_map(|found| {
            let record: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&found.path).ok()?).ok()?;
            let local = record["local"].as_str().filter(|l| !l.is_empty())?;
            Some((record["name"].as_str()?.to_string(), PathBuf::from(local)))
        })
        .collect()
}

/// The path of a .packlist line: the line without the ` key=value` pairs
/// ExtUtils::Packlist may append (a path itself may hold blanks).
fn packlist_path(mut line: &[u8]) -> &[u8] {
    while let Some(at) = line.iter().rposition(|&b| b == b' ') {
        let pair = &line[at + 1..];
        let is_pair = pair.iter().position(|&b| b == b'=').is_some_and(|eq| {
            eq > 0
                && pair[..eq]
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'_')
        });
        if !is_pair {
            break;
        }
        line = &line[..at];
    }
    line
}

/// A cpanfile pinning every installed dist by its main module, and every
/// module no installer recorded, with `==` versions as Module::Metadata
/// reads them: installing it from the same sources gives the same `list`.
/// A dist installed from a directory says so (`local => DIR`), so that a
/// reinstall names the directories it must be given.
pub fn freeze(env: &Env) -> String {
    let mut out = String::from(
        "# Written by `perlenv freeze`; reinstall with `perlenv install ENV --cpanfile FILE`.\n",
    );
    let modules = modules(env);
    let dists = packlists(env);
    let version_of = |name: &str| {
        modules
            .iter()
            .find(|m| m.module == name)
            .and_then(|m| m.version.clone())
    };
    let mut pinned: Vec<(String, Option<String>)> = Vec::new();
    for (main, _) in &dists {
        pinned.push((main.clone(), version_of(main)));
    }
    for m in &modules {
        if !dists.iter().any(|(_, files)| files.contains(&m.file)) {
            pinned.push((m.module.clone(), m.version.clone()));
        }
    }
    pinned.sort();
    pinned.dedup();
    let local = local_dists(env);
    for (module, version) in pinned {
        let version = version.map(|v| format!(", '== {v}'")).unwrap_or_default();
        match local.get(&module) {
            Some(dir) => out.push_str(&format!(
                "# {module}: a local dist, installed from a directory, not a tarball\n\
                 requires '{module}'{version}, local => {};\n",
                String::from_utf8_lossy(&super::quote::perl(dir.as_os_str().as_bytes()))
            )),
            None => out.push_str(&format!("requires '{module}'{version};\n")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packlist_lines_keep_blanks_and_drop_pairs() {
        assert_eq!(packlist_path(b"/e/sp ace/lib/A.pm"), b"/e/sp ace/lib/A.pm");
        assert_eq!(
            packlist_path(b"/e/bin/a type=link from=/e/bin/b"),
            b"/e/bin/a"
        );
    }
}
