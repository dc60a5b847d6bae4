//! perlenv's own installer for local sources (tarballs, dist directories,
//! file:// mirrors): the dependency graph is resolved as it unfolds and
//! independent dists are configured, built, tested and installed at the
//! same time, each step in the sandbox; a dist built once for this perl is
//! installed from the build cache.
//!
//! Each dist goes: unpack (or copy) → its configure requirements installed
//! → `perl Makefile.PL` (or Build.PL) → its build, test and runtime
//! requirements installed → `make` → `make test` → `make install` into a
//! staging directory → the staged files into ENV ([`stage`]) and the cache.
//! A failure stops the dists that need the failed one; the others finish.

pub(crate) mod cache;
pub(crate) mod index;
mod stage;
mod version;
mod view;

use super::env::{bytes, os};
use super::guard::Workspace;
use super::pinned::Pinned;
use super::trust::absolute;
use super::vars::Value;
use crate::common::{Error, Result};
use cache::{Cache, EntryInfo};
use index::{Index, Origin};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};
use version::Range;
use view::View;

/// What to install, from what.
#[derive(Debug, Default)]
pub(crate) struct Request {
    /// Sources: tarballs, dist directories and file:// mirrors (as paths).
    pub(crate) tarballs: Vec<PathBuf>,
    pub(crate) dirs: Vec<PathBuf>,
    pub(crate) mirrors: Vec<PathBuf>,
    pub(crate) targets: Vec<Target>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A module and a version range (`0` for any), and where `freeze` said
    /// a local dist providing it came from.
    Module {
        name: String,
        range: String,
        local: Option<PathBuf>,
    },
    Tarball(PathBuf),
    Dir(PathBuf),
}

#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// Steps run at once (and test files run at once within a dist).
    pub(crate) jobs: usize,
    pub(crate) quiet: bool,
    /// The build cache: `None` for none, else the directory asked for
    /// (`Some(None)`: the default one).
    pub(crate) cache: Option<Option<PathBuf>>,
}

/// Reads a dist's metadata and tells what the environment lacks.
const PREREQS: &str = include_str!("prereqs.pl");

/// The test harness the builds' tests run under (HARNESS_SUBCLASS): the
/// files that plan the most tests start first.
const HARNESS: &str = include_str!("Harness.pm");

/// Writes `META_DIR/DIST-VERSION/install.json` and `MYMETA.json` as cpanm
/// does for each dist it installs: dist, pathname (`L/LO/LOCAL/` and the
/// tarball's name, or DIST-VERSION.tar.gz for a directory), the main module,
/// the packages provided (from META, else Module::Metadata on lib/), and
/// for a dist directory the directory (`local`).
/// Arguments: META_DIR, the tarball's file name (empty for a directory)
/// and the directory (empty for a tarball).
const RECORD_INSTALL: &str = r#"
use strict; use CPAN::Meta; use Module::Metadata; use JSON::PP; use File::Path ();
my ($meta_dir, $tarball, $local) = @ARGV;
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
    ($local ne '' ? (local => $local) : ()),
};
my $dir = "$meta_dir/$dist";
File::Path::make_path($dir);
open my $out, '>', "$dir/install.json" or die "$dir/install.json: $!\n";
print $out JSON::PP->new->canonical->encode($record);
close $out or die "$dir/install.json: $!\n";
$meta->save("$dir/MYMETA.json");
"#;

/// One requirement as the helper reports it.
#[derive(Debug, Clone)]
struct Need {
    module: String,
    range: String,
    /// Already satisfied where the environment looks.
    ok: bool,
}

/// Why a dist was not installed.
#[derive(Debug, Clone)]
enum Failure {
    /// A step failed: what, and the refused write the log shows, if any.
    Step(&'static str, Option<String>),
    /// Requirements not installed: `Module failed` or `Module not found…`.
    Prerequisites(Vec<String>),
    Cycle(String),
    /// Stopped: ENV was replaced, or an I/O error of perlenv's own.
    Error(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Status {
    Working,
    Installed,
    Failed,
}

#[derive(Debug)]
struct DistState {
    source: usize,
    /// `Name-Version` once the metadata is read, else the source's name.
    name: String,
    status: Status,
    /// The dists it waits for now (to find cycles).
    waiting_on: Vec<usize>,
}

#[derive(Debug, Default)]
struct State {
    dists: Vec<DistState>,
    /// (rank, dist, why) for each failed dist and requested module not
    /// found; rank 0 not found, 1 failed itself, 2 stopped by another.
    failures: Vec<(u8, Option<usize>, String)>,
    perllocal: Vec<(String, Vec<u8>)>,
    /// Set when a dist cannot go on for a reason every dist shares.
    stop: Option<String>,
}

/// A counting semaphore for the steps that run at once.
struct Slots {
    free: Mutex<usize>,
    freed: Condvar,
}

struct Slot<'a>(&'a Slots);

impl Slots {
    fn take(&self) -> Slot<'_> {
        let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
        while *free == 0 {
            free = self.freed.wait(free).unwrap_or_else(|p| p.into_inner());
        }
        *free -= 1;
        Slot(self)
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        self.0.freed.notify_one();
    }
}

/// A step that has run this long is taken for the install's critical
/// path (a dist's long test suite, usually): steps started after it yield
/// to it.
const LONG_STEP: Duration = Duration::from_secs(5);

/// How much lower the priority of a step that yields is (added to
/// perlenv's own niceness): enough that the long step keeps a core to
/// itself while the others share the rest.
const YIELD_NICE: i32 = 19;

/// The steps under way, with when each started.
#[derive(Default)]
struct UnderWay {
    steps: Mutex<Vec<(usize, Instant)>>,
    next: AtomicUsize,
}

/// A step's place in [`UnderWay`], left when dropped.
struct Started<'a>(&'a UnderWay, usize);

impl UnderWay {
    /// Notes a step starting now; tells whether another has run for
    /// [`LONG_STEP`] already (and so this one yields to it).
    fn start(&self) -> (Started<'_>, bool) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let mut steps = self.steps.lock().unwrap_or_else(|p| p.into_inner());
        let yields = steps.iter().any(|(_, at)| at.elapsed() >= LONG_STEP);
        steps.push((id, Instant::now()));
        (Started(self, id), yields)
    }
}

impl Drop for Started<'_> {
    fn drop(&mut self) {
        let mut steps = self.0.steps.lock().unwrap_or_else(|p| p.into_inner());
        steps.retain(|(id, _)| *id != self.1);
    }
}

/// Everything the dists' threads share.
struct Run<'a> {
    ws: &'a Workspace,
    pinned: &'a Pinned,
    index: Index,
    cache: Option<Cache>,
    /// The perl, as the cache key sees it.
    perl_key: String,
    options: &'a Options,
    slots: Slots,
    view: View,
    state: Mutex<State>,
    changed: Condvar,
    under_way: UnderWay,
    /// When the install began (the logs' times count from it).
    began: Instant,
}

/// Installs `request` into ENV (through `ws`, the builds' workspace).
pub(crate) fn install(
    ws: &Workspace,
    pinned: &Pinned,
    request: &Request,
    options: &Options,
) -> Result<()> {
    let cache = options
        .cache
        .as_ref()
        .and_then(|dir| Cache::open(dir.as_deref()));
    let index = Index::build(
        ws,
        cache.as_ref(),
        &request.tarballs,
        &request.dirs,
        &request.mirrors,
    )?;
    let perl_key = if cache.is_some() {
        perl_signature(ws)?
    } else {
        String::new()
    };
    let run = Run {
        ws,
        pinned,
        index,
        cache,
        perl_key,
        options,
        slots: Slots {
            free: Mutex::new(options.jobs.max(1)),
            freed: Condvar::new(),
        },
        view: View::new(options.quiet),
        state: Mutex::new(State::default()),
        changed: Condvar::new(),
        under_way: UnderWay::default(),
        began: Instant::now(),
    };
    let logs = ws.build_dir().join("logs");
    std::fs::create_dir_all(&logs)
        .map_err(|e| Error::io(format!("creating {}", logs.display()), e))?;
    let harness = harness_lib(ws).join("Perlenv");
    std::fs::create_dir_all(&harness)
        .and_then(|()| std::fs::write(harness.join("Harness.pm"), HARNESS))
        .map_err(|e| Error::io(format!("writing {}", harness.display()), e))?;
    std::thread::scope(|scope| -> Result<()> {
        let targets = run.plan_targets(&request.targets)?;
        for d in targets {
            run.start(scope, d);
        }
        Ok(())
    })?;
    run.view.finish();
    run.finish()
}

/// The directory `Perlenv/Harness.pm` is in, prepended to the tests'
/// PERL5LIB.
fn harness_lib(ws: &Workspace) -> PathBuf {
    ws.build_dir().join("harness")
}

/// The perl and its build configuration: version, archname, path and a
/// hash of all of %Config (what XS code is compiled against).
fn perl_signature(ws: &Workspace) -> Result<String> {
    let env = &ws.env;
    let config = env.ask_perl(
        "print Config::myconfig(), Config::config_sh()",
        "its configuration",
    )?;
    Ok(format!(
        "{}\n{}\n{}\n{}\nisolated={}",
        env.perl.display(),
        env.version,
        env.archname,
        cache::hex(&openssl::sha::sha256(&config)),
        env.isolated
    ))
}

impl<'a> Run<'a> {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The dists the targets name; modules already installed at a
    /// satisfying version are left alone, and ones no source has noted.
    fn plan_targets(&self, targets: &[Target]) -> Result<Vec<usize>> {
        let mut dists = Vec::new();
        let mut modules = Vec::new();
        for target in targets {
            match target {
                Target::Tarball(path) => {
                    dists.push(self.plan_origin(Origin::Tarball(absolute(path)?)))
                }
                Target::Dir(path) => dists.push(self.plan_origin(Origin::Dir(absolute(path)?))),
                Target::Module { name, range, local } => modules.push((name, range, local)),
            }
        }
        if modules.is_empty() {
            return Ok(dists);
        }
        let input: String = modules
            .iter()
            .map(|(name, range, _)| format!("{name}\t{range}\n"))
            .collect();
        let (_, needs) = self
            .prerequisites(
                Path::new("-"),
                "runtime",
                Some(&input),
                &self.ws.build_dir(),
            )
            .map_err(|f| Error::failed(format!("install: {}", describe(&f))))?;
        for (name, range, local) in modules {
            if needs.iter().any(|n| &n.module == name && n.ok) {
                log::info!("{name} is up to date");
                continue;
            }
            let wanted = Range::parse(range).unwrap_or_else(Range::any);
            match self.index.find(name, &wanted) {
                Some(source) => dists.push(self.plan_source(source)),
                None => {
                    let where_ = match local {
                        Some(dir) => format!(
                            "not found in the given sources: a local dist, installed from {} \
                             (give it with --from {})",
                            dir.display(),
                            dir.display()
                        ),
                        None => "not found in the given sources".to_string(),
                    };
                    self.lock()
                        .failures
                        .push((0, None, format!("{name}: {where_}")));
                }
            }
        }
        dists.sort();
        dists.dedup();
        Ok(dists)
    }

    fn plan_origin(&self, origin: Origin) -> usize {
        let source = self
            .index
            .sources
            .iter()
            .position(|s| s.origin == origin)
            .expect("targets are among the indexed sources");
        self.plan_source(source)
    }

    /// The dist of `source`, planned now if it is not yet.
    fn plan_source(&self, source: usize) -> usize {
        self.plan(source).0
    }

    /// The dist of `source`, and whether this call planned it (so that
    /// exactly one caller starts its thread).
    fn plan(&self, source: usize) -> (usize, bool) {
        let mut state = self.lock();
        if let Some(d) = state.dists.iter().position(|d| d.source == source) {
            return (d, false);
        }
        state.dists.push(DistState {
            source,
            name: self.index.sources[source].origin.label(),
            status: Status::Working,
            waiting_on: Vec::new(),
        });
        self.view.planned();
        (state.dists.len() - 1, true)
    }

    fn start<'s>(&'s self, scope: &'s std::thread::Scope<'s, '_>, d: usize) {
        scope.spawn(move || self.drive(scope, d));
    }

    /// One dist's thread: installs it and tells the others.
    fn drive<'s>(&'s self, scope: &'s std::thread::Scope<'s, '_>, d: usize) {
        let result = self.install_dist(scope, d);
        let mut state = self.lock();
        let name = state.dists[d].name.clone();
        match result {
            Ok(how) => {
                state.dists[d].status = Status::Installed;
                self.view.installed(d, &name, &how);
            }
            Err(failure) => {
                state.dists[d].status = Status::Failed;
                let why = describe(&failure);
                // ENV replaced: every dist stops, and that is the error.
                if let Err(e) = self.pinned.still_there() {
                    state.stop.get_or_insert_with(|| e.to_string());
                }
                self.view.failed(d, &name, &why);
                let rank = if matches!(failure, Failure::Prerequisites(_)) {
                    2
                } else {
                    1
                };
                state
                    .failures
                    .push((rank, Some(d), format!("{name}: {why}")));
            }
        }
        drop(state);
        self.changed.notify_all();
    }

    fn set_name(&self, d: usize, name: &str) {
        if !name.is_empty() {
            self.lock().dists[d].name = name.to_string();
        }
    }

    fn name(&self, d: usize) -> String {
        self.lock().dists[d].name.clone()
    }

    /// Installs dist `d`: from the build cache when it has this build,
    /// else built from source (and then cached).
    fn install_dist<'s>(
        &'s self,
        scope: &'s std::thread::Scope<'s, '_>,
        d: usize,
    ) -> std::result::Result<String, Failure> {
        let source = self.lock().dists[d].source;
        let key = self.cache_key(source);
        if let Some(key) = &key
            && let Some(done) = self.install_cached(scope, d, key)?
        {
            return Ok(done);
        }
        self.build(scope, d, source, key)
    }

    /// Installs dist `d` from the cache entry `key`, if there is a sound
    /// one whose requirements resolve to the dists it was built against.
    fn install_cached<'s>(
        &'s self,
        scope: &'s std::thread::Scope<'s, '_>,
        d: usize,
        key: &str,
    ) -> std::result::Result<Option<String>, Failure> {
        let Some(entry) = self.cache.as_ref().and_then(|c| c.load(key)) else {
            return Ok(None);
        };
        self.set_name(d, &entry.info.dist);
        self.view.step(d, &entry.info.dist, "from the build cache");
        let (_, needs) = self.prerequisites(
            &entry.mymeta,
            "configure,build,test,runtime",
            None,
            &self.ws.build_dir(),
        )?;
        let deps = self.resolve(scope, d, &needs)?;
        if self.dep_ids(&deps) != entry.info.deps {
            log::info!(
                "{}: its requirements resolve to other dists than when it was cached: built again",
                entry.info.dist
            );
            return Ok(None);
        }
        self.wait_for(d, &deps)?;
        let files: Vec<stage::Staged> = entry
            .info
            .files
            .iter()
            .zip(entry.contents)
            .map(|(f, bytes)| (f.path.clone(), f.mode, bytes))
            .collect();
        let names = [entry.info.staged.as_path(), entry.info.alias.as_path()];
        let perllocal =
            stage::merge(self.pinned, &files, &names).map_err(|e| Failure::Error(e.to_string()))?;
        self.lock()
            .perllocal
            .push((entry.info.dist.clone(), perllocal));
        Ok(Some("from the build cache".into()))
    }

    /// Builds dist `d` from `source`: configure, build, test, stage, merge,
    /// each step once its requirements are in; caches it under `key`.
    fn build<'s>(
        &'s self,
        scope: &'s std::thread::Scope<'s, '_>,
        d: usize,
        source: usize,
        key: Option<String>,
    ) -> std::result::Result<String, Failure> {
        let tree = {
            let _slot = self.slots.take();
            self.index
                .unpack(self.ws, source)
                .map_err(|e| Failure::Error(e.to_string()))?
        };
        let meta = ["META.json", "META.yml"]
            .iter()
            .map(|m| tree.join(m))
            .find(|m| m.is_file());
        let (name, needs) = self.prerequisites(
            meta.as_deref().unwrap_or(Path::new("")),
            "configure",
            None,
            &tree,
        )?;
        let label = if name.is_empty() { self.name(d) } else { name };
        self.set_name(d, &label);
        let mut deps = self.resolve(scope, d, &needs)?;
        self.wait_for(d, &deps)?;
        let log = self
            .ws
            .build_dir()
            .join("logs")
            .join(format!("{label}.log"));
        let build_pl = !tree.join("Makefile.PL").is_file() && tree.join("Build.PL").is_file();
        let started = std::time::Instant::now();
        let perl = self.ws.env.perl.clone();
        {
            let _slot = self.slots.take();
            self.view.step(d, &label, "configuring");
            let script = if build_pl { "Build.PL" } else { "Makefile.PL" };
            if !tree.join(script).is_file() {
                return Err(Failure::Error(format!(
                    "{}: no Makefile.PL or Build.PL",
                    self.index.sources[source].origin.path().display()
                )));
            }
            self.step(
                &log,
                "configuring failed",
                self.command(&perl, &tree).arg(script),
            )?;
        }
        let mymeta = ["MYMETA.json", "MYMETA.yml"]
            .iter()
            .map(|m| tree.join(m))
            .find(|m| m.is_file());
        let (name, needs) = self.prerequisites(
            mymeta.as_deref().unwrap_or(Path::new("")),
            "build,test,runtime",
            None,
            &tree,
        )?;
        if !name.is_empty() && name != label {
            self.set_name(d, &name);
        }
        let label = self.name(d);
        deps.extend(self.resolve(scope, d, &needs)?);
        self.wait_for(d, &deps)?;
        let make = |args: &[&str]| {
            let mut cmd = if build_pl {
                let mut c = self.command(&perl, &tree);
                c.arg("Build");
                c
            } else {
                self.command("make", &tree)
            };
            cmd.args(args);
            cmd
        };
        let stage_dir = self.ws.build_dir().join(format!("stage-{d}"));
        let serial_only;
        {
            let _slot = self.slots.take();
            self.view.step(d, &label, "building");
            self.step(&log, "building failed", &mut make(&[]))?;
            self.view.step(d, &label, "testing");
            serial_only = self.test(d, &label, &log, &make)?;
            self.view.step(d, &label, "installing");
            let mut install = if build_pl {
                make(&["install", "--destdir"])
            } else {
                make(&["install"])
            };
            if build_pl {
                install.arg(&stage_dir);
            } else {
                install.arg(format!("DESTDIR={}", stage_dir.display()));
            }
            self.step(&log, "installing failed", &mut install)?;
        }
        let alias = self.ws.env.root.clone();
        let stage_env = stage_dir.join(alias.strip_prefix("/").unwrap_or(&alias));
        self.record(source, &tree, &stage_env, &log)?;
        let files = stage::collect(&stage_env).map_err(|e| Failure::Error(e.to_string()))?;
        self.pinned
            .still_there()
            .map_err(|e| Failure::Error(e.to_string()))?;
        let perllocal = stage::merge(self.pinned, &files, &[stage_env.as_path(), alias.as_path()])
            .map_err(|e| Failure::Error(e.to_string()))?;
        self.lock().perllocal.push((label.clone(), perllocal));
        if let (Some(cache), Some(key), Some(mymeta)) = (&self.cache, &key, &mymeta)
            && mymeta.extension().is_some_and(|e| e == "json")
        {
            let info = EntryInfo {
                dist: label.clone(),
                perl: self.ws.env.perl.display().to_string(),
                version: self.ws.env.version.clone(),
                archname: self.ws.env.archname.clone(),
                alias,
                staged: stage_env.clone(),
                deps: self.dep_ids(&deps),
                files: Vec::new(),
            };
            if let Err(e) = cache.store(key, info, &files, mymeta) {
                log::warn!("{label}: not cached: {e}");
            }
        }
        let serial = if serial_only {
            "; its tests pass only one file at a time"
        } else {
            ""
        };
        Ok(format!(
            "built and tested in {:.1} s{serial}",
            started.elapsed().as_secs_f64()
        ))
    }

    /// `make test` with the test files run `--jobs` at once; when that
    /// fails (without a refused write), once more one file at a time, as
    /// test files that share a fixture collide when run at once. Tells
    /// whether only the serial run passed.
    fn test(
        &self,
        d: usize,
        label: &str,
        log: &Path,
        make: &dyn Fn(&[&str]) -> Command,
    ) -> std::result::Result<bool, Failure> {
        let jobs = self.options.jobs.max(1);
        let make = |args: &[&str]| {
            let mut cmd = make(args);
            self.with_harness(&mut cmd);
            cmd
        };
        let mut test = make(&["test"]);
        test.env("HARNESS_OPTIONS", format!("j{jobs}"));
        match self.step(log, "tests failed", &mut test) {
            Err(Failure::Step(_, None)) if jobs > 1 => {}
            other => return other.map(|()| false),
        }
        let note = format!(
            "\nperlenv: the tests failed when run {jobs} files at once: \
             running them again one file at a time\n\n"
        );
        std::fs::OpenOptions::new()
            .append(true)
            .open(log)
            .and_then(|mut file| std::io::Write::write_all(&mut file, note.as_bytes()))
            .map_err(|e| {
                Failure::Error(Error::io(format!("writing {}", log.display()), e).to_string())
            })?;
        self.view
            .step(d, label, "testing again, one file at a time");
        let mut test = make(&["test"]);
        test.env("HARNESS_OPTIONS", "j1");
        self.step(log, "tests failed", &mut test).map(|()| true)
    }

    /// Runs `cmd`'s tests under perlenv's harness: its directory first in
    /// PERL5LIB, the class named by HARNESS_SUBCLASS.
    fn with_harness(&self, cmd: &mut Command) {
        use std::os::unix::ffi::OsStrExt;
        let lib = Value::Prepend(bytes(&harness_lib(self.ws)));
        let old = cmd
            .get_envs()
            .find(|(name, _)| *name == "PERL5LIB")
            .and_then(|(_, value)| value.map(OsStrExt::as_bytes));
        let path = os(lib.apply(old));
        cmd.env("PERL5LIB", path)
            .env("HARNESS_SUBCLASS", "Perlenv::Harness");
    }

    /// What identifies the dists `deps` are for the cache: their
    /// tarballs' SHA-256 (a directory's path), sorted, once each.
    fn dep_ids(&self, deps: &[(String, usize)]) -> Vec<String> {
        let sources: BTreeSet<usize> = {
            let state = self.lock();
            deps.iter().map(|(_, d)| state.dists[*d].source).collect()
        };
        let ids: BTreeSet<String> = sources
            .into_iter()
            .map(|source| {
                let src = &self.index.sources[source];
                match (&src.sha256, &src.origin) {
                    (Some(sha), _) => sha.clone(),
                    (None, Origin::Tarball(path)) => {
                        index::sha256_file(path).unwrap_or_else(|_| path.display().to_string())
                    }
                    (None, Origin::Dir(dir)) => dir.display().to_string(),
                }
            })
            .collect();
        ids.into_iter().collect()
    }

    /// The cache key of a tarball's build; `None` for what is not cached
    /// (dist directories change under the user's hands).
    fn cache_key(&self, source: usize) -> Option<String> {
        self.cache.as_ref()?;
        let src = &self.index.sources[source];
        let Origin::Tarball(path) = &src.origin else {
            return None;
        };
        let sha = match &src.sha256 {
            Some(sha) => sha.clone(),
            None => index::sha256_file(path).ok()?,
        };
        Some(cache::key(&[&sha, &self.perl_key]))
    }

    /// A build command: in the sandbox, in `dir`, answering prompts with
    /// their defaults.
    fn command(&self, program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
        let mut cmd = self.ws.command(program);
        cmd.current_dir(dir)
            .stdin(Stdio::null())
            .env("PERL_MM_USE_DEFAULT", "1")
            .env("NONINTERACTIVE_TESTING", "1");
        cmd
    }

    /// Runs `cmd` through `run` (start and wait) as one step under way, at
    /// a lower priority when another step has run long: on 2 cores a long
    /// test suite then keeps one while the rest of the graph shares the
    /// other, instead of every process getting an even share. A test run
    /// never yields so: its harness runs its longest file at its own
    /// priority and the others lower, and the longest file of the install
    /// (the critical path) may well start after another step ran long.
    fn run_step<T>(
        &self,
        cmd: &mut Command,
        run: impl FnOnce(&mut Command) -> std::io::Result<T>,
    ) -> std::io::Result<T> {
        use std::os::unix::process::CommandExt;
        let (_started, yields) = self.under_way.start();
        let test_run = cmd.get_envs().any(|(name, _)| name == "HARNESS_SUBCLASS");
        if yields && !test_run {
            // SAFETY: the forked child makes one system call (nice) on no
            // shared data, which is what pre_exec requires.
            unsafe {
                cmd.pre_exec(|| {
                    // A step that could not lower its priority still runs.
                    let _ = rustix::process::nice(YIELD_NICE);
                    Ok(())
                });
            }
        }
        run(cmd)
    }

    /// Runs one step with its output appended to `log`.
    fn step(
        &self,
        log: &Path,
        failure: &'static str,
        cmd: &mut Command,
    ) -> std::result::Result<(), Failure> {
        self.pinned
            .still_there()
            .map_err(|e| Failure::Error(e.to_string()))?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| {
                Failure::Error(Error::io(format!("opening {}", log.display()), e).to_string())
            })?;
        // Each step between two lines with the time into the install: the
        // logs are the timeline of where an install spends its time.
        let mark = |text: String| {
            let line = format!(
                "perlenv: {:.2} s: {text}\n",
                self.began.elapsed().as_secs_f64()
            );
            std::io::Write::write_all(&mut &file, line.as_bytes()).map_err(|e| {
                Failure::Error(Error::io(format!("writing {}", log.display()), e).to_string())
            })
        };
        mark(format!("started {}", shown(cmd)))?;
        let log_fd = || {
            file.try_clone()
                .map_err(|e| Failure::Error(Error::io("duplicating a descriptor", e).to_string()))
        };
        cmd.stdout(log_fd()?).stderr(log_fd()?);
        let began = Instant::now();
        let status = self.run_step(cmd, |cmd| cmd.status());
        if let Ok(status) = &status {
            mark(format!(
                "{status} after {:.2} s",
                began.elapsed().as_secs_f64()
            ))?;
        }
        let status = match status {
            Ok(status) => status,
            Err(e) => {
                // The sandbox refuses to start when ENV is no longer the
                // directory opened: say that, not the errno.
                self.pinned
                    .still_there()
                    .map_err(|e| Failure::Error(e.to_string()))?;
                return Err(Failure::Error(
                    Error::io(format!("running {:?}", cmd.get_program()), e).to_string(),
                ));
            }
        };
        if status.success() {
            return Ok(());
        }
        let refused = std::fs::read(log)
            .ok()
            .and_then(|text| super::sandbox::refused_write(&text));
        Err(Failure::Step(failure, refused))
    }

    /// The install record cpanm would write, into the staged tree.
    fn record(
        &self,
        source: usize,
        tree: &Path,
        stage_env: &Path,
        log: &Path,
    ) -> std::result::Result<(), Failure> {
        let origin = &self.index.sources[source].origin;
        let (tarball, local) = match origin {
            Origin::Tarball(path) => (
                path.file_name().unwrap_or_default().to_os_string(),
                PathBuf::new(),
            ),
            Origin::Dir(dir) => (Default::default(), dir.clone()),
        };
        let meta = stage_env
            .join("lib/perl5")
            .join(&self.ws.env.archname)
            .join(".meta");
        let mut cmd = self.command(&self.ws.env.perl, tree);
        cmd.args(["-e", RECORD_INSTALL, "--"])
            .arg(&meta)
            .arg(tarball)
            .arg(local);
        self.step(log, "recording the install failed", &mut cmd)
    }

    /// Runs the metadata helper on `meta` (a META/MYMETA file, `-` for
    /// `input` on stdin, or empty for none): the dist's name and what of
    /// the `phases` requirements the environment has.
    fn prerequisites(
        &self,
        meta: &Path,
        phases: &str,
        input: Option<&str>,
        dir: &Path,
    ) -> std::result::Result<(String, Vec<Need>), Failure> {
        let env = &self.ws.env;
        let mut cmd = self.command(&env.perl, dir);
        cmd.arg("-e")
            .arg(PREREQS)
            .arg(meta)
            .arg(phases)
            .arg(env.lib())
            .arg(env.lib().join(&env.archname));
        if env.isolated {
            cmd.args(&env.drop);
        }
        let out = self
            .run_step(&mut cmd, |cmd| match input {
                Some(text) => {
                    use std::io::Write;
                    let mut child = cmd
                        .stdin(Stdio::piped())
                        .stdout(Stdio::piped())
                        .stderr(Stdio::piped())
                        .spawn()?;
                    let mut stdin = child.stdin.take().expect("piped");
                    let text = text.to_string();
                    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
                    let out = child.wait_with_output();
                    let _ = writer.join();
                    out
                }
                None => cmd.output(),
            })
            .map_err(|e| Failure::Error(Error::io("running perl", e).to_string()))?;
        if !out.status.success() {
            return Err(Failure::Error(format!(
                "reading the requirements of {}: {}",
                meta.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let mut name = String::new();
        let mut needs = Vec::new();
        for line in text.lines() {
            let fields: Vec<&str> = line.split('\t').collect();
            match fields.as_slice() {
                ["dist", n, v] if !n.is_empty() => name = format!("{n}-{v}"),
                ["need", module, range, _have, ok] => needs.push(Need {
                    module: module.to_string(),
                    range: range.to_string(),
                    ok: *ok == "1",
                }),
                _ => {}
            }
        }
        Ok((name, needs))
    }

    /// The dists that provide what `d` needs and the environment lacks,
    /// planned (and started) when new; each with the module it is for.
    fn resolve<'s>(
        &'s self,
        scope: &'s std::thread::Scope<'s, '_>,
        d: usize,
        needs: &[Need],
    ) -> std::result::Result<Vec<(String, usize)>, Failure> {
        let mut deps = Vec::new();
        let mut missing = Vec::new();
        for need in needs.iter().filter(|n| !n.ok) {
            let range = Range::parse(&need.range).unwrap_or_else(Range::any);
            match self.index.find(&need.module, &range) {
                Some(source) => {
                    let (dep, new) = self.plan(source);
                    if new {
                        self.start(scope, dep);
                    }
                    if dep != d {
                        deps.push((need.module.clone(), dep));
                    }
                }
                None => {
                    let wanted = if need.range == "0" {
                        need.module.clone()
                    } else {
                        format!("{} {}", need.module, need.range)
                    };
                    missing.push(format!("{wanted} not found in the given sources"));
                }
            }
        }
        if !missing.is_empty() {
            return Err(Failure::Prerequisites(missing));
        }
        Ok(deps)
    }

    /// Waits until every dist in `deps` is installed; fails when one
    /// failed, when waiting would close a cycle, or when the run stops.
    fn wait_for(&self, d: usize, deps: &[(String, usize)]) -> std::result::Result<(), Failure> {
        let mut state = self.lock();
        let waiting: Vec<usize> = deps.iter().map(|(_, dep)| *dep).collect();
        if let Some(cycle) = cycle(&state, d, &waiting) {
            return Err(Failure::Cycle(cycle));
        }
        state.dists[d].waiting_on = waiting;
        self.view.waiting(d, &state.dists[d].name);
        let result = loop {
            if let Some(why) = &state.stop {
                break Err(Failure::Error(why.clone()));
            }
            let failed: Vec<String> = deps
                .iter()
                .filter(|(_, dep)| state.dists[*dep].status == Status::Failed)
                .map(|(module, _)| format!("{module} failed"))
                .collect();
            if !failed.is_empty() {
                break Err(Failure::Prerequisites(failed));
            }
            if deps
                .iter()
                .all(|(_, dep)| state.dists[*dep].status == Status::Installed)
            {
                break Ok(());
            }
            state = self.changed.wait(state).unwrap_or_else(|p| p.into_inner());
        };
        state.dists[d].waiting_on.clear();
        result
    }

    /// After every thread: perllocal.pod, the logs kept in ENV, and the
    /// failures as one error.
    fn finish(self) -> Result<()> {
        let state = self.state.into_inner().unwrap_or_else(|p| p.into_inner());
        stage::append_perllocal(self.pinned, &self.ws.env.archname, state.perllocal)?;
        let logs = self.ws.build_dir().join("logs");
        for log in std::fs::read_dir(&logs).into_iter().flatten().flatten() {
            let bytes = std::fs::read(log.path())
                .map_err(|e| Error::io(format!("reading {}", log.path().display()), e))?;
            stage::write_in(
                self.pinned,
                &Path::new(".perlenv/logs").join(log.file_name()),
                &bytes,
                0o644,
            )?;
        }
        if let Some(why) = state.stop {
            return Err(Error::failed(why));
        }
        if state.failures.is_empty() {
            return Ok(());
        }
        // Requested modules not found first, then the dists that failed
        // themselves, then those stopped by them, each in planning order;
        // the log shown is the first failed dist's.
        let mut failures = state.failures;
        failures.sort_by_key(|(rank, d, _)| (*rank, *d));
        let first_log = failures
            .iter()
            .find_map(|(_, d, _)| *d)
            .map(|d| state.dists[d].name.clone());
        let log = match first_log {
            Some(name) => self
                .pinned
                .show(Path::new(".perlenv/logs").join(format!("{name}.log"))),
            None => self.pinned.show(".perlenv/logs"),
        };
        let text: Vec<String> = failures.into_iter().map(|(_, _, why)| why).collect();
        Err(Error::failed(format!(
            "install: {} (build log: {})",
            text.join("; "),
            log.display()
        )))
    }
}

/// `d -> a -> b -> d` when `d` waiting for `waiting` would close a cycle.
fn cycle(state: &State, d: usize, waiting: &[usize]) -> Option<String> {
    fn path_to(state: &State, from: usize, to: usize, seen: &mut Vec<usize>) -> bool {
        if from == to {
            return true;
        }
        if seen.contains(&from) {
            return false;
        }
        seen.push(from);
        for &next in &state.dists[from].waiting_on {
            if path_to(state, next, to, seen) {
                return true;
            }
        }
        seen.pop();
        false
    }
    for &w in waiting {
        let mut seen = Vec::new();
        if path_to(state, w, d, &mut seen) {
            let mut names: Vec<String> = std::iter::once(d)
                .chain(seen)
                .map(|x| state.dists[x].name.clone())
                .collect();
            names.push(state.dists[d].name.clone());
            return Some(names.join(" -> "));
        }
    }
    None
}

/// A step's command as its log shows it: the program's name and its
/// arguments, a script given with `-e` left out.
fn shown(cmd: &Command) -> String {
    let program = Path::new(cmd.get_program());
    let name = program.file_name().unwrap_or(program.as_os_str());
    std::iter::once(name)
        .chain(cmd.get_args())
        .map(|arg| {
            let arg = arg.to_string_lossy();
            if arg.contains('\n') {
                "…".to_string()
            } else {
                arg.into_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn describe(failure: &Failure) -> String {
    match failure {
        Failure::Step(what, None) => (*what).to_string(),
        Failure::Step(what, Some(line)) => {
            format!("{what}: it tried to write outside the environment: {line}")
        }
        Failure::Prerequisites(list) => format!("prerequisites not installed: {}", list.join(", ")),
        Failure::Cycle(cycle) => format!("dependency cycle: {cycle}"),
        Failure::Error(e) => e.clone(),
    }
}
