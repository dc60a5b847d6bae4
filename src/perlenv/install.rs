//! `perlenv install`: cpanm -L into the environment, offline from local
//! tarballs or a file:// mirror; without cpanm, a dist is built with
//! Makefile.PL/Build.PL under INSTALL_BASE.

use super::cli::InstallArgs;
use super::cpanfile;
use super::env::Env;
use super::guard::{Alias, file_url, guarded};
use super::mirror::{local_mirror, run_quiet, unpack};
use super::outcome::{Outcome, Sources};
use super::{scripts, vars, wrap};
use crate::common::{Error, Result};
use std::ffi::{OsStr, OsString};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What the command line asked for, sorted out.
#[derive(Debug, Default)]
struct Request {
    /// Tarballs whose packages go into the local index.
    tarballs: Vec<PathBuf>,
    /// file://, http:// or https:// CPAN mirrors.
    mirrors: Vec<OsString>,
    /// What cpanm installs: module names, tarball paths, dist directories.
    targets: Vec<OsString>,
    /// True when every target is a local tarball or dist directory.
    only_local_dists: bool,
}

fn is_tarball(path: &Path) -> bool {
    let name = path.as_os_str().as_bytes();
    [&b".tar.gz"[..], b".tgz", b".tar.bz2", b".tar"]
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

fn read_cpanfile(path: &Path, targets: &mut Vec<OsString>) -> Result<()> {
    for req in cpanfile::parse(path)? {
        targets.push(req.cpanm_arg().into());
    }
    Ok(())
}

/// Sorts the command line into sources and targets. `--from` tarballs and
/// dist directories are sources; they are installed themselves only when
/// nothing else is asked for (`install ENV --from x.tar.gz`).
fn sort_out(args: &InstallArgs) -> Result<Request> {
    let mut req = Request::default();
    let mut from_dists = Vec::new();
    for from in &args.from {
        let b = from.as_bytes();
        if b.starts_with(b"file://") || b.starts_with(b"http://") || b.starts_with(b"https://") {
            req.mirrors.push(from.clone());
            continue;
        }
        let path = PathBuf::from(from);
        if path.is_file() {
            req.tarballs.push(path.clone());
            from_dists.push(path.into_os_string());
        } else if is_dist_dir(&path) {
            from_dists.push(path.into_os_string());
        } else if path.is_dir() {
            let entries = std::fs::read_dir(&path)
                .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
            let mut found: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| is_tarball(p))
                .collect();
            found.sort();
            req.tarballs.extend(found);
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
            req.tarballs.push(path.to_path_buf());
            dists.push(local_dist(path)?);
        } else if path.is_dir() && is_dist_dir(path) {
            dists.push(local_dist(path)?);
        } else if path.is_dir() {
            return Err(Error::usage(format!(
                "{}: a directory without Makefile.PL or Build.PL",
                path.display()
            )));
        } else {
            modules.push(target.clone());
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
    req.only_local_dists = modules.is_empty();
    dists.append(&mut modules);
    req.targets = dists;
    Ok(req)
}

/// A local tarball or dist directory as cpanm must be given it: by absolute
/// path, since cpanm takes a bare `Foo-Bar` for a module name.
fn local_dist(path: &Path) -> Result<OsString> {
    std::path::absolute(path)
        .map(PathBuf::into_os_string)
        .map_err(|e| Error::io(format!("resolving {}", path.display()), e))
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

fn cpanm(alias: &Alias, cpanm: &Path, req: &Request, quiet: bool) -> Result<()> {
    let env = &alias.env;
    let mut cmd = Command::new(env.perl.as_os_str());
    cmd.arg(cpanm);
    cmd.arg(if env.isolated { "-L" } else { "-l" })
        .arg(&env.root);
    // cpanm skips man pages unless asked; activation puts ENV/man in MANPATH.
    cmd.arg("--man-pages");
    if !req.tarballs.is_empty() {
        let (mirror, index) = local_mirror(&env.perl, &alias.build_dir(), &req.tarballs)?;
        cmd.arg("--mirror").arg(file_url(&mirror));
        cmd.arg("--mirror-index").arg(index);
        if !req.mirrors.is_empty() {
            cmd.arg("--cascade-search");
        }
    }
    for m in &req.mirrors {
        cmd.arg("--mirror").arg(m);
    }
    if !req.tarballs.is_empty() || !req.mirrors.is_empty() {
        cmd.arg("--mirror-only");
    }
    cmd.args(&req.targets);
    vars::apply_to(env, &mut cmd);
    cmd.env("PERL_CPANM_HOME", alias.cpanm_home());
    // cpanm and its builds must see the system's modules; PERL5OPT would
    // load the isolation module into them.
    cmd.env_remove("PERL5OPT");
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
    let sources = if req.tarballs.is_empty() && req.mirrors.is_empty() {
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
    Err(Error::failed(format!(
        "install: {what} (build log: {})",
        alias.real_env_cpanm_log().display()
    )))
}

/// Without cpanm: `perl Makefile.PL && make && make install` (or Build.PL)
/// for one dist directory or tarball, under INSTALL_BASE=ENV.
fn build_dist(alias: &Alias, target: &Path) -> Result<()> {
    let env = &alias.env;
    let build = alias.build_dir().join("dist");
    let _ = std::fs::remove_dir_all(&build);
    let dir = if target.is_file() {
        unpack(target, &build)?
    } else {
        // A copy in the private build directory: the build's working
        // directory then has a plain path, and the source stays clean.
        run_quiet(
            Command::new("cp").arg("-a").arg(target).arg(&build),
            &format!("copying {}", target.display()),
        )?;
        build
    };
    // The dist as users count it: its directory or tarball name.
    let dist = target
        .file_name()
        .map(|n| n.to_string_lossy().trim_end_matches(".tar.gz").to_string())
        .unwrap_or_else(|| target.display().to_string());
    let command = |program: &OsStr, args: &[&str]| {
        let mut cmd = Command::new(program);
        cmd.args(args).current_dir(&dir);
        vars::apply_to(env, &mut cmd);
        cmd.stdin(Stdio::null());
        // Keep our stdout for our own output: the build talks on stderr.
        cmd.stdout(std::io::stderr());
        cmd
    };
    let step = |program: &OsStr, args: &[&str], failure: &str| -> Result<()> {
        let mut cmd = command(program, args);
        cmd.env_remove("PERL5OPT");
        let mut words = vec![program.to_string_lossy().into_owned()];
        words.extend(args.iter().map(|a| a.to_string()));
        let status = cmd
            .status()
            .map_err(|e| Error::io(format!("running `{}`", words.join(" ")), e))?;
        if !status.success() {
            return Err(Error::failed(format!(
                "install: {dist}: {failure} (`{}` {status})",
                words.join(" ")
            )));
        }
        Ok(())
    };
    // After configuring: every prerequisite the dist declares (MYMETA) must
    // be there as the environment's programs see it (isolated: ENV and core).
    let prerequisites = || -> Result<()> {
        let out = command(env.perl.as_os_str(), &["-e", CHECK_PREREQUISITES])
            .stdout(Stdio::piped())
            .output()
            .map_err(|e| Error::io("checking prerequisites", e))?;
        let missing = String::from_utf8_lossy(&out.stdout)
            .trim()
            .replace('\n', ", ");
        if !out.status.success() {
            return Err(Error::failed(format!(
                "install: {dist}: missing prerequisites: {missing} (install them first; \
                 cpanm would fetch them)"
            )));
        }
        Ok(())
    };
    let perl = env.perl.as_os_str();
    let make = OsStr::new("make");
    if dir.join("Makefile.PL").is_file() {
        step(perl, &["Makefile.PL"], "configuring failed")?;
        prerequisites()?;
        step(make, &[], "building failed")?;
        step(make, &["test"], "tests failed")?;
        step(make, &["install"], "installing failed")?;
    } else if dir.join("Build.PL").is_file() {
        step(perl, &["Build.PL"], "configuring failed")?;
        prerequisites()?;
        step(perl, &["Build"], "building failed")?;
        step(perl, &["Build", "test"], "tests failed")?;
        step(perl, &["Build", "install"], "installing failed")?;
    } else {
        return Err(Error::usage(format!(
            "{}: no Makefile.PL or Build.PL",
            dir.display()
        )));
    }
    // The record cpanm would have written, so `lock` and `bundle` see the dist.
    let meta = env.lib().join(&env.archname).join(".meta");
    let tarball = if target.is_file() {
        target.file_name().unwrap_or_default()
    } else {
        OsStr::new("")
    };
    let mut record = command(perl, &["-e", RECORD_INSTALL, "--"]);
    record.arg(&meta).arg(tarball).env_remove("PERL5OPT");
    let status = record
        .status()
        .map_err(|e| Error::io("recording the install", e))?;
    if !status.success() {
        return Err(Error::failed(format!(
            "install: {dist}: installed, but its record under {} could not be written ({status})",
            meta.display()
        )));
    }
    Ok(())
}

/// Writes `META_DIR/DIST-VERSION/install.json` and `MYMETA.json` as cpanm
/// does for each dist it installs: dist, pathname (`L/LO/LOCAL/` and the
/// tarball's name, or DIST-VERSION.tar.gz for a directory), the main module,
/// and the packages provided (from META, else Module::Metadata on lib/).
/// Arguments: META_DIR and the tarball's file name (empty for a directory).
const RECORD_INSTALL: &str = r#"
use strict; use CPAN::Meta; use Module::Metadata; use JSON::PP; use File::Path ();
my ($meta_dir, $tarball) = @ARGV;
my $file = -f 'MYMETA.json' ? 'MYMETA.json' : 'MYMETA.yml';
exit 0 unless -f $file;
my $meta = CPAN::Meta->load_file($file);
my $dist = $meta->name . '-' . $meta->version;
my %provides = %{ $meta->provides || {} };
%provides = %{ Module::Metadata->provides(version => 2, dir => 'lib') || {} }
    if !%provides && -d 'lib';
(my $module = $meta->name) =~ s/-/::/g;
my $record = {
    name => $module, dist => $dist, version => $meta->version,
    pathname => 'L/LO/LOCAL/' . ($tarball ne '' ? $tarball : "$dist.tar.gz"),
    provides => { map { ($_ => { version => $provides{$_}{version} }) } keys %provides },
};
my $dir = "$meta_dir/$dist";
File::Path::make_path($dir);
open my $out, '>', "$dir/install.json" or die "$dir/install.json: $!\n";
print $out JSON::PP->new->canonical->encode($record);
close $out or die "$dir/install.json: $!\n";
$meta->save("$dir/MYMETA.json");
"#;

/// Prints each prerequisite of MYMETA.json (configure, build, test and
/// runtime requires) that is missing or too old, without loading any of
/// them; exits 1 if there was one.
const CHECK_PREREQUISITES: &str = r#"
use CPAN::Meta; use Module::Metadata;
my $file = -f 'MYMETA.json' ? 'MYMETA.json' : 'MYMETA.yml';
exit 0 unless -f $file;
my $req = CPAN::Meta->load_file($file)->effective_prereqs
    ->merged_requirements([qw(configure build test runtime)], ['requires']);
my @missing;
for my $module (sort $req->required_modules) {
    next if $module eq 'perl';
    my $found = Module::Metadata->new_from_module($module, collect_pod => 0);
    my $version = $found ? ($found->version($module) // 0) : undef;
    next if defined $version and $req->accepts_module($module, $version);
    my $wanted = $req->requirements_for_module($module);
    push @missing, $module . ($wanted ? " $wanted" : '')
        . (defined $version ? " (found $version)" : '');
}
print "$_\n" for @missing;
exit(@missing ? 1 : 0);
"#;

/// How long an install waits for another one into the same environment.
const INSTALL_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(3600);

/// Holds ENV/.perlenv.lock while it lives: two installs into one
/// environment would interleave cpanm's records and the script wrappers.
fn lock_env(env: &Env) -> Result<std::fs::File> {
    use crate::common::lock::{Waited, exclusive_within};
    use std::os::unix::fs::OpenOptionsExt;
    let path = env.root.join(".perlenv.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(&path)
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    let waiting = || {
        log::warn!(
            "waiting up to {} min for another install into {} to finish (lock {})",
            INSTALL_LOCK_WAIT.as_secs() / 60,
            env.root.display(),
            path.display()
        )
    };
    match exclusive_within(&file, INSTALL_LOCK_WAIT, waiting) {
        Ok(Waited::Locked) => Ok(file),
        Ok(Waited::TimedOut) => Err(Error::failed(format!(
            "install: another install into {} held {} for {} min; not installing",
            env.root.display(),
            path.display(),
            INSTALL_LOCK_WAIT.as_secs() / 60
        ))),
        Err(e) => Err(Error::io(format!("locking {}", path.display()), e)),
    }
}

pub fn install(args: &InstallArgs, quiet: bool) -> Result<()> {
    let env = Env::open(&args.env)?;
    let _lock = lock_env(&env)?;
    env.warn_if_perl_changed();
    let req = sort_out(args)?;
    if req.targets.is_empty() {
        log::info!("install: the cpanfile requires nothing");
        return Ok(());
    }
    let cpanm_path = which("cpanm");
    if cpanm_path.is_none() && !req.only_local_dists {
        return Err(Error::failed(
            "install: cpanm not found in PATH (Debian package cpanminus); without it only \
             a dist directory or tarball can be installed",
        ));
    }
    guarded(&env, |alias| match &cpanm_path {
        Some(path) => cpanm(alias, path, &req, quiet),
        None => req
            .targets
            .iter()
            .try_for_each(|target| build_dist(alias, Path::new(target))),
    })?;
    wrap::wrap_scripts(&env)
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
        }
    }

    #[test]
    fn from_tarballs_are_sources_unless_nothing_else_is_asked() {
        let dir = tempfile::tempdir().unwrap();
        let tarball = dir.path().join("Foo-Bar-0.01.tar.gz");
        std::fs::write(&tarball, b"").unwrap();
        let req = sort_out(&args(&[&tarball], &["Foo::Bar"])).unwrap();
        assert_eq!(req.targets, ["Foo::Bar"]);
        assert_eq!(req.tarballs, std::slice::from_ref(&tarball));
        assert!(!req.only_local_dists);
        let req = sort_out(&args(&[&tarball], &[])).unwrap();
        assert_eq!(req.targets, [tarball.as_os_str()]);
        assert!(req.only_local_dists);
        let req = sort_out(&args(&[dir.path()], &[])).unwrap_err();
        assert_eq!(req.exit(), crate::common::Exit::Usage);
    }
}
