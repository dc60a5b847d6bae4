//! `perlenv install`: from local sources (tarballs, dist directories,
//! file:// mirrors) perlenv builds itself, in parallel, sandboxed and with
//! its build cache ([`super::build`]); modules from CPAN itself (no local
//! source, or an http(s) mirror) go through cpanm -L, in the same sandbox.

use super::build::{self, Target};
use super::cli::InstallArgs;
use super::cpanfile;
use super::env::Env;
use super::guard::{Workspace, file_url, guarded};
use super::mirror::{local_mirror, run_quiet};
use super::outcome::{Outcome, Sources};
use super::pinned::Pinned;
use super::{scripts, wrap};
use crate::common::{Error, Result};
use std::ffi::{OsStr, OsString};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What the command line asked for, sorted out.
#[derive(Debug, Default)]
struct Request {
    /// The local sources: tarballs, dist directories, file:// mirrors.
    sources: build::Request,
    /// http:// or https:// CPAN mirrors (cpanm's job).
    remote: Vec<OsString>,
}

impl Request {
    fn targets(&self) -> &[Target] {
        &self.sources.targets
    }

    /// Whether cpanm is needed: an http(s) mirror, or a module asked for
    /// with no local source given (CPAN itself, over the network).
    fn needs_cpanm(&self) -> bool {
        let no_sources = self.sources.tarballs.is_empty()
            && self.sources.dirs.is_empty()
            && self.sources.mirrors.is_empty();
        !self.remote.is_empty()
            || (no_sources
                && self
                    .targets()
                    .iter()
                    .any(|t| matches!(t, Target::Module { .. })))
    }
}

fn is_tarball(path: &Path) -> bool {
    let name = path.as_os_str().as_bytes();
    [&b".tar.gz"[..], b".tgz", b".tar.bz2", b".tar.xz", b".tar"]
        .iter()
        .any(|e| name.ends_with(e))
}

fn is_dist_dir(path: &Path) -> bool {
    path.join("Makefile.PL").is_file() || path.join("Build.PL").is_file()
}

fn is_cpanfile(path: &Path) -> bool {
    let name = path.file_name().map(OsStr::as_bytes).unwrap_or_default();
    name == b"cpanfile" || name.ends_with(b".cpanfile")
}

fn read_cpanfile(path: &Path, targets: &mut Vec<Target>) -> Result<()> {
    for req in cpanfile::parse(path)? {
        targets.push(Target::Module {
            name: req.module,
            range: req.range.unwrap_or_else(|| "0".into()),
            local: req.local,
        });
    }
    Ok(())
}

/// A module target as written: `Foo::Bar` or cpanm's `Foo::Bar~">= 1.0"`.
fn module_target(text: &OsStr) -> Target {
    let text = text.to_string_lossy();
    let (name, range) = text.split_once('~').unwrap_or((&text, "0"));
    Target::Module {
        name: name.to_string(),
        range: range.trim_matches('"').to_string(),
        local: None,
    }
}

/// Sorts the command line into sources and targets. `--from` tarballs and
/// dist directories are sources; they are installed themselves only when
/// nothing else is asked for (`install ENV --from x.tar.gz`).
fn sort_out(args: &InstallArgs) -> Result<Request> {
    let mut src = build::Request::default();
    let mut remote = Vec::new();
    let mut from_dists = Vec::new();
    for from in &args.from {
        let b = from.as_bytes();
        if b.starts_with(b"http://") || b.starts_with(b"https://") {
            remote.push(from.clone());
            continue;
        }
        if let Some(path) = b.strip_prefix(b"file://") {
            src.mirrors.push(PathBuf::from(OsStr::from_bytes(path)));
            continue;
        }
        let path = PathBuf::from(from);
        if path.is_file() {
            src.tarballs.push(path.clone());
            from_dists.push(Target::Tarball(path));
        } else if is_dist_dir(&path) {
            src.dirs.push(path.clone());
            from_dists.push(Target::Dir(path));
        } else if path.is_dir() {
            let entries = std::fs::read_dir(&path)
                .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
            let mut found: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| is_tarball(p))
                .collect();
            found.sort();
            src.tarballs.extend(found);
        } else {
            return Err(Error::usage(format!(
                "--from {}: not a tarball, a directory or a file:// mirror",
                path.display()
            )));
        }
    }
    // Local dists first, so modules named after them can depend on them.
    let (mut dists, mut modules) = (Vec::new(), Vec::new());
    for target in &args.targets {
        let path = Path::new(target);
        if path.is_file() && is_cpanfile(path) {
            read_cpanfile(path, &mut modules)?;
        } else if path.is_file() {
            src.tarballs.push(path.to_path_buf());
            dists.push(Target::Tarball(path.to_path_buf()));
        } else if path.is_dir() && is_dist_dir(path) {
            src.dirs.push(path.to_path_buf());
            dists.push(Target::Dir(path.to_path_buf()));
        } else if path.is_dir() {
            return Err(Error::usage(format!(
                "{}: a directory without Makefile.PL or Build.PL",
                path.display()
            )));
        } else {
            modules.push(module_target(target));
        }
    }
    for file in &args.cpanfile {
        read_cpanfile(file, &mut modules)?;
    }
    if args.targets.is_empty() && args.cpanfile.is_empty() {
        if from_dists.is_empty() {
            return Err(Error::usage(
                "install: nothing to install (give modules, a dist, a tarball or --cpanfile)",
            ));
        }
        dists = from_dists;
    }
    dists.append(&mut modules);
    src.targets = dists;
    Ok(Request {
        sources: src,
        remote,
    })
}

/// A local tarball or dist directory as cpanm must be given it: by absolute
/// path, since cpanm takes a bare `Foo-Bar` for a module name.
fn local_dist(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).map_err(|e| Error::io(format!("resolving {}", path.display()), e))
}

/// Finds `name` in this process's PATH, passing over perlenv's own wrappers
/// (an activated environment's `ENV/bin/cpanm` is not the real one).
pub fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .as_bytes()
        .split(|&b| b == b':')
        .filter(|d| !d.is_empty())
        .map(|d| Path::new(OsStr::from_bytes(d)).join(name))
        .find(|p| p.is_file() && !std::fs::read(p).is_ok_and(|head| scripts::is_wrapper(&head)))
}

fn cpanm(ws: &Workspace, cpanm: &Path, req: &Request, quiet: bool) -> Result<()> {
    let env = &ws.env;
    let src = &req.sources;
    let mut cmd = ws.command(env.perl.as_os_str());
    cmd.arg(cpanm);
    cmd.arg(if env.isolated { "-L" } else { "-l" })
        .arg(&env.root);
    // cpanm skips man pages unless asked; activation puts ENV/man in MANPATH.
    cmd.arg("--man-pages");
    if !src.tarballs.is_empty() {
        let (mirror, index) = local_mirror(&env.perl, &ws.build_dir(), &src.tarballs)?;
        cmd.arg("--mirror").arg(file_url(&mirror));
        cmd.arg("--mirror-index").arg(index);
        if !src.mirrors.is_empty() || !req.remote.is_empty() {
            cmd.arg("--cascade-search");
        }
    }
    for m in &src.mirrors {
        cmd.arg("--mirror").arg(file_url(m));
    }
    for m in &req.remote {
        cmd.arg("--mirror").arg(m);
    }
    if !src.tarballs.is_empty() || !src.mirrors.is_empty() || !req.remote.is_empty() {
        cmd.arg("--mirror-only");
    }
    for (n, target) in req.targets().iter().enumerate() {
        match target {
            Target::Module { name, range, .. } if range == "0" => {
                cmd.arg(name);
            }
            Target::Module { name, range, .. } => {
                cmd.arg(format!("{name}~{range}"));
            }
            Target::Tarball(path) => {
                cmd.arg(local_dist(path)?);
            }
            // cpanm builds a dist directory in place: it gets a copy in
            // the work directory, so the user's tree is left as it was.
            Target::Dir(path) => {
                let copy = ws.build_dir().join(format!("dir-{n}"));
                run_quiet(
                    Command::new("cp").arg("-a").arg(path).arg(&copy),
                    &format!("copying {}", path.display()),
                )?;
                cmd.arg(copy);
            }
        }
    }
    log::info!("running {:?}", cmd);
    let (reader, writer) = std::io::pipe().map_err(|e| Error::io("making a pipe", e))?;
    let writer2 = writer
        .try_clone()
        .map_err(|e| Error::io("making a pipe", e))?;
    cmd.stdin(Stdio::null()).stdout(writer).stderr(writer2);
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::io(format!("running {}", cpanm.display()), e))?;
    drop(cmd);
    let mut outcome = Outcome::default();
    let mut err = std::io::stderr().lock();
    for line in BufReader::new(reader).split(b'\n') {
        let line = line.map_err(|e| Error::io("reading cpanm's output", e))?;
        let text = String::from_utf8_lossy(&line);
        outcome.read_line(&text);
        if !quiet {
            let _ = writeln!(err, "{text}");
        }
    }
    let status = child
        .wait()
        .map_err(|e| Error::io("waiting for cpanm", e))?;
    let sources = if src.tarballs.is_empty() && src.mirrors.is_empty() && req.remote.is_empty() {
        Sources::Cpan
    } else {
        Sources::Given
    };
    let problems = outcome.problems(sources);
    if problems.is_empty() && status.success() {
        return Ok(());
    }
    let what = if problems.is_empty() {
        format!("cpanm failed ({status})")
    } else {
        problems.join("; ")
    };
    let escape = std::fs::read(ws.cpanm_home().join("build.log"))
        .ok()
        .and_then(|log| super::sandbox::refused_write(&log))
        .map(|line| format!("; it tried to write outside the environment: {line}"))
        .unwrap_or_default();
    Err(Error::failed(format!(
        "install: {what}{escape} (build log: {})",
        ws.real_env_cpanm_log().display()
    )))
}

/// How long an install waits for another one into the same environment.
const INSTALL_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(3600);

/// Holds ENV/.perlenv.lock while it lives: two installs into one
/// environment would interleave cpanm's records and the script wrappers.
fn lock_env(pinned: &Pinned) -> Result<std::fs::File> {
    use crate::common::lock::{Waited, exclusive_within};
    use std::os::unix::fs::OpenOptionsExt;
    let path = pinned.show(".perlenv.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(pinned.at(".perlenv.lock"))
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    let root = &pinned.env.root;
    let waiting = || {
        log::warn!(
            "waiting up to {} min for another install into {} to finish (lock {})",
            INSTALL_LOCK_WAIT.as_secs() / 60,
            root.display(),
            path.display()
        )
    };
    match exclusive_within(&file, INSTALL_LOCK_WAIT, waiting) {
        Ok(Waited::Locked) => Ok(file),
        Ok(Waited::TimedOut) => Err(Error::failed(format!(
            "install: another install into {} held {} for {} min; not installing",
            root.display(),
            path.display(),
            INSTALL_LOCK_WAIT.as_secs() / 60
        ))),
        Err(e) => Err(Error::io(format!("locking {}", path.display()), e)),
    }
}

pub fn install(args: &InstallArgs, quiet: bool) -> Result<()> {
    let env = Env::open(&args.env)?;
    let pinned = Pinned::open(&env)?;
    let _lock = lock_env(&pinned)?;
    env.warn_if_perl_changed();
    let req = sort_out(args)?;
    if req.targets().is_empty() {
        log::info!("install: the cpanfile requires nothing");
        return Ok(());
    }
    let cpanm_path = match req.needs_cpanm() {
        false => None,
        true => Some(which("cpanm").ok_or_else(|| {
            Error::failed(
                "install: cpanm not found in PATH (Debian package cpanminus); without it, \
                 modules install only from local sources (--from DIR|TARBALL|file://MIRROR)",
            )
        })?),
    };
    let options = build::Options {
        jobs: args.jobs.map_or_else(
            || std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            usize::from,
        ),
        quiet,
        cache: (!args.no_cache).then(|| args.cache.cache_dir.clone()),
    };
    guarded(&pinned, !args.no_sandbox, |ws| match &cpanm_path {
        Some(path) => cpanm(ws, path, &req, quiet),
        None => build::install(ws, &pinned, &req.sources, &options),
    })?;
    wrap::wrap_scripts(&pinned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(from: &[&Path], targets: &[&str]) -> InstallArgs {
        InstallArgs {
            env: "env".into(),
            from: from.iter().map(|p| p.as_os_str().to_os_string()).collect(),
            cpanfile: Vec::new(),
            locked: None,
            targets: targets.iter().map(OsString::from).collect(),
            json: false,
            no_sandbox: false,
            no_cache: false,
            cache: Default::default(),
            jobs: None,
        }
    }

    #[test]
    fn from_tarballs_are_sources_unless_nothing_else_is_asked() {
        let dir = tempfile::tempdir().unwrap();
        let tarball = dir.path().join("Foo-Bar-0.01.tar.gz");
        std::fs::write(&tarball, b"").unwrap();
        let req = sort_out(&args(&[&tarball], &["Foo::Bar~>= 0.01"])).unwrap();
        assert_eq!(
            req.targets(),
            [Target::Module {
                name: "Foo::Bar".into(),
                range: ">= 0.01".into(),
                local: None
            }]
        );
        assert_eq!(req.sources.tarballs, std::slice::from_ref(&tarball));
        assert!(!req.needs_cpanm());
        let req = sort_out(&args(&[&tarball], &[])).unwrap();
        assert_eq!(req.targets(), [Target::Tarball(tarball.clone())]);
        let req = sort_out(&args(&[], &["Foo::Bar"])).unwrap();
        assert!(req.needs_cpanm(), "a module from CPAN itself");
        let req = sort_out(&args(&[dir.path()], &[])).unwrap_err();
        assert_eq!(req.exit(), crate::common::Exit::Usage);
    }
}
