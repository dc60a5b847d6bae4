//! `perlenv lock` and `perlenv bundle`: a carton `cpanfile.snapshot` and a
//! carton `vendor/cache` (authors/id + modules/02packages) from the facts
//! cpanm records per installed dist in `lib/perl5/ARCH/.meta/DIST/`
//! (install.json: dist, pathname, provides; MYMETA.json: prereqs).

use super::cli::InstallArgs;
use super::env::Env;
use crate::common::{Error, Result};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One installed distribution as a snapshot records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Dist {
    /// `Name-Version`, carton's key.
    pub name: String,
    /// CPAN path below authors/id, e.g. `L/LO/LOCAL/Moo-2.005005.tar.gz`.
    pub pathname: String,
    /// Package => version (`undef` when the package has none).
    pub provides: BTreeMap<String, String>,
    /// Module => minimum version (configure, build and runtime requires).
    pub requirements: BTreeMap<String, String>,
}

fn version_text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => "undef".into(),
    }
}

fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read(path).map_err(|e| Error::io(path.display().to_string(), e))?;
    serde_json::from_slice(&text)
        .map_err(|e| Error::failed(format!("{}: not valid JSON: {e}", path.display())))
}

/// The dists installed in `env`, sorted by name.
pub(super) fn installed(env: &Env) -> Result<Vec<Dist>> {
    let meta = env.lib().join(&env.archname).join(".meta");
    let mut dists = Vec::new();
    let Ok(entries) = std::fs::read_dir(&meta) else {
        return Ok(dists);
    };
    for entry in entries.flatten() {
        let dir = entry.path();
        let install = dir.join("install.json");
        if !install.is_file() {
            continue;
        }
        let info = read_json(&install)?;
        let name = info["dist"].as_str().unwrap_or_default().to_string();
        let pathname = info["pathname"].as_str().unwrap_or_default().to_string();
        if name.is_empty() || pathname.is_empty() {
            return Err(Error::failed(format!(
                "{}: no dist or pathname recorded",
                install.display()
            )));
        }
        let mut provides = BTreeMap::new();
        if let Some(map) = info["provides"].as_object() {
            for (package, p) in map {
                provides.insert(package.clone(), version_text(p.get("version")));
            }
        }
        let mut requirements = BTreeMap::new();
        let mymeta = dir.join("MYMETA.json");
        if mymeta.is_file() {
            let meta = read_json(&mymeta)?;
            for phase in ["configure", "build", "runtime"] {
                if let Some(map) = meta["prereqs"][phase]["requires"].as_object() {
                    for (module, v) in map {
                        let v = version_text(Some(v));
                        let v = if v == "undef" { "0".into() } else { v };
                        // The strictest wins when phases name one module twice.
                        let keep = requirements
                            .get(module)
                            .is_some_and(|old: &String| old.as_str() != "0" && v == "0");
                        if !keep {
                            requirements.insert(module.clone(), v);
                        }
                    }
                }
            }
        }
        dists.push(Dist {
            name,
            pathname,
            provides,
            requirements,
        });
    }
    dists.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(dists)
}

/// The text of a carton `cpanfile.snapshot` (format version 1.0).
pub(super) fn render(dists: &[Dist]) -> String {
    let mut out = String::from("# carton snapshot format: version 1.0\nDISTRIBUTIONS\n");
    for d in dists {
        out.push_str(&format!("  {}\n    pathname: {}\n", d.name, d.pathname));
        out.push_str("    provides:\n");
        for (p, v) in &d.provides {
            out.push_str(&format!("      {p} {v}\n"));
        }
        out.push_str("    requirements:\n");
        for (m, v) in &d.requirements {
            out.push_str(&format!("      {m} {v}\n"));
        }
    }
    out
}

/// `perlenv lock ENV [-o FILE]`.
pub(super) fn lock(env: &Path, output: Option<&Path>) -> Result<()> {
    let env = Env::open(env)?;
    let dists = installed(&env)?;
    if dists.is_empty() {
        return Err(Error::failed(format!(
            "{}: no installed distribution recorded (nothing to lock)",
            env.root.display()
        )));
    }
    let text = render(&dists);
    match output {
        Some(path) => {
            std::fs::write(path, text).map_err(|e| Error::io(path.display().to_string(), e))
        }
        None => Ok(std::io::stdout().lock().write_all(text.as_bytes())?),
    }
}

/// The tarball a dist was built from, searched by its file name in the
/// given source directories (and the directories of given tarballs).
fn find_tarball(pathname: &str, from: &[PathBuf]) -> Option<PathBuf> {
    let file = pathname.rsplit('/').next()?;
    from.iter().find_map(|src| {
        let dir = if src.is_file() {
            src.parent()?
        } else {
            src.as_path()
        };
        [dir.join(file), dir.join("authors/id").join(pathname)]
            .into_iter()
            .find(|p| p.is_file())
    })
}

/// The tarball of each (name, pathname) in the sources, or exit 3 naming
/// every dist that is not there (`what` says what was looked for).
fn tarballs_in_sources<'a>(
    dists: impl IntoIterator<Item = (&'a str, &'a str)>,
    from: &[PathBuf],
    what: &str,
) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for (name, pathname) in dists {
        match find_tarball(pathname, from) {
            Some(t) => found.push(t),
            None => missing.push(name),
        }
    }
    if !missing.is_empty() {
        return Err(Error::failed(format!("{what}: {}", missing.join(", "))));
    }
    Ok(found)
}

/// `perlenv bundle ENV DIR --from SRC...`: carton's vendor/cache layout.
pub(super) fn bundle(env: &Path, dir: &Path, from: &[PathBuf]) -> Result<()> {
    let env = Env::open(env)?;
    let dists = installed(&env)?;
    let found = tarballs_in_sources(
        dists.iter().map(|d| (d.name.as_str(), d.pathname.as_str())),
        from,
        "no tarball in the given sources for",
    )?;
    let mut index = Vec::new();
    for (d, tarball) in dists.iter().zip(found) {
        let target = dir.join("authors/id").join(&d.pathname);
        let parent = target.parent().expect("pathname has directories");
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent.display().to_string(), e))?;
        std::fs::copy(&tarball, &target).map_err(|e| Error::io(target.display().to_string(), e))?;
        for (package, version) in &d.provides {
            index.push((package.clone(), version.clone(), d.pathname.clone()));
        }
    }
    index.sort_by_key(|e| e.0.to_lowercase());
    let mut text = format!(
        "File:         02packages.details.txt\nLine-Count:   {}\n\n",
        index.len()
    );
    for (package, version, path) in &index {
        text.push_str(&format!("{package:<40} {version:<10} {path}\n"));
    }
    let modules = dir.join("modules");
    std::fs::create_dir_all(&modules).map_err(|e| Error::io(modules.display().to_string(), e))?;
    let file = modules.join("02packages.details.txt");
    std::fs::write(&file, text).map_err(|e| Error::io(file.display().to_string(), e))?;
    // gzip -n: no name or time stamp, so one locked set gives one index.
    super::mirror::run_quiet(
        std::process::Command::new("gzip").arg("-nf").arg(&file),
        "gzip of 02packages.details.txt",
    )
}

/// The (name, pathname) of each dist in a carton snapshot; anything that
/// is not the format (or a torn file) is a usage error naming the line.
pub(super) fn parse(path: &Path) -> Result<Vec<(String, String)>> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Error::io(path.display().to_string(), e))?;
    let bad = |n: usize, why: &str| Error::bad_input(path, n, why.to_string());
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    match lines.next() {
        Some((_, "# carton snapshot format: version 1.0")) => {}
        _ => return Err(bad(1, "not a carton snapshot (format version 1.0)")),
    }
    let mut dists: Vec<(String, String)> = Vec::new();
    let mut in_dists = false;
    let mut open: Option<(usize, String)> = None;
    for (n, line) in lines {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let body = line.trim_start_matches(' ');
        match (indent, body) {
            (_, "") => {}
            (0, "DISTRIBUTIONS") => in_dists = true,
            (2, name) if in_dists && !name.contains(' ') && !name.contains(':') => {
                if let Some((at, name)) = open.take() {
                    return Err(bad(at, &format!("{name}: no pathname")));
                }
                open = Some((n, name.to_string()));
            }
            (4, "provides:" | "requirements:") if in_dists => {}
            (4, p) if in_dists && p.starts_with("pathname: ") => {
                let Some((_, name)) = open.take() else {
                    return Err(bad(n, "pathname outside a distribution"));
                };
                let pathname = p["pathname: ".len()..].trim();
                if pathname.split('/').count() < 2 || pathname.contains("..") {
                    return Err(bad(n, "not a CPAN pathname"));
                }
                dists.push((name, pathname.to_string()));
            }
            (6, entry) if in_dists && entry.split(' ').count() == 2 => {}
            _ => return Err(bad(n, &format!("not carton snapshot syntax: {line:?}"))),
        }
    }
    if let Some((at, name)) = open {
        return Err(bad(at, &format!("{name}: no pathname (torn snapshot?)")));
    }
    if !in_dists || dists.is_empty() {
        return Err(bad(1, "no DISTRIBUTIONS in the snapshot"));
    }
    Ok(dists)
}

/// The tarballs of exactly the snapshot's dists, from the sources (tarball
/// directories or a bundle); exit 3 naming every dist that is not there.
pub(super) fn locked_tarballs(snapshot: &Path, from: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let dists = parse(snapshot)?;
    tarballs_in_sources(
        dists.iter().map(|(n, p)| (n.as_str(), p.as_str())),
        from,
        "locked dists not found in the given sources",
    )
}

/// `install --locked [SNAPSHOT]` (or a `cpanfile.snapshot` given as a
/// target) as a plain install whose targets and only sources are the
/// locked tarballs, so no other version can be chosen.
pub(super) fn locked_install(args: &InstallArgs) -> Result<Option<InstallArgs>> {
    let mut snapshot = args.locked.clone();
    let mut targets = Vec::new();
    for t in &args.targets {
        if Path::new(t)
            .file_name()
            .is_some_and(|n| n == "cpanfile.snapshot")
        {
            if snapshot.replace(PathBuf::from(t)).is_some() {
                return Err(Error::usage("give one snapshot"));
            }
        } else {
            targets.push(t.clone());
        }
    }
    let Some(snapshot) = snapshot else {
        return Ok(None);
    };
    if !targets.is_empty() || !args.cpanfile.is_empty() {
        return Err(Error::usage(
            "a locked install takes no other modules or cpanfiles",
        ));
    }
    let from: Vec<PathBuf> = args.from.iter().map(PathBuf::from).collect();
    let tarballs = locked_tarballs(&snapshot, &from)?;
    let mut locked = args.clone();
    locked.locked = None;
    locked.targets = tarballs.into_iter().map(PathBuf::into_os_string).collect();
    locked.from = locked.targets.clone();
    Ok(Some(locked))
}
