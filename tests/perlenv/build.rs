//! perlenv's own installer (issue #30 parts 2 and 3): parallel installs
//! over the dependency graph give the files a serial build gives, a cached
//! install gives the built one file for file, a damaged cache entry is
//! rebuilt, a failure stops only its dependents, logs per dist, the live
//! view only on a terminal, `cache list|prune`, `which`, builds from a copy
//! of a dist directory and `freeze` of a local dist. Real CPAN tarballs,
//! real perl, make and tests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use testkit::perlenv::*;

/// Every file of ENV (its build logs aside) and its content.
fn files(env: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![env.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let rel = path.strip_prefix(env).unwrap().to_path_buf();
            if rel.starts_with(".perlenv/logs") {
                continue;
            }
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                out.insert(rel, target.into_os_string().into_encoded_bytes());
            } else {
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// perllocal.pod's entries carry the time of their build: two builds
/// differ there and nowhere else.
fn without_build_times(mut files: BTreeMap<PathBuf, Vec<u8>>) -> BTreeMap<PathBuf, Vec<u8>> {
    for (path, bytes) in files.iter_mut() {
        if path.ends_with("perllocal.pod") {
            let text = String::from_utf8_lossy(bytes);
            let masked: Vec<String> = text
                .lines()
                .map(|l| match l.strip_prefix("=head2 ") {
                    Some(rest) => format!("=head2 TIME{}", &rest[rest.find(": C<").unwrap_or(0)..]),
                    None => l.to_string(),
                })
                .collect();
            *bytes = masked.join("\n").into_bytes();
        }
    }
    files
}

/// The build log of `dist` (version 0.01) in ENV.
fn dist_log(env: &Path, dist: &str) -> String {
    std::fs::read_to_string(env.join(format!(".perlenv/logs/{dist}-0.01.log"))).unwrap()
}

/// A fresh environment at `env` made by the same command each time, so
/// that its own files are the same.
fn fresh(env: &Path) {
    perlenv()
        .args(["create", "--clear"])
        .arg(env)
        .assert()
        .success();
}

fn install(env: &Path, cache: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    perlenv()
        .args(["install", "-q"])
        .args(extra)
        .arg(env)
        .arg("--from")
        .arg(cpan_cache())
        .args(["Moo", "Test::Fatal"])
        .env("PERLENV_CACHE_DIR", cache)
        .assert()
}

/// Moo's chain (Moo, Class::Method::Modifiers, Role::Tiny, Sub::Quote,
/// Test::Fatal, Try::Tiny): built serially (-j1, no cache), built in
/// parallel (-j2) and installed from the cache that filled, all into the
/// same path. The three give the same `list` and the same files; the
/// cached install gives the built one's byte for byte (perllocal.pod's
/// build times included).
#[test]
fn parallel_and_cached_installs_give_the_files_of_a_serial_build() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let env = t.join("env");
    let cache = t.join("cache");
    fresh(&env);
    install(&env, &cache, &["-j1", "--no-cache"]).success();
    assert!(!cache.exists(), "--no-cache made a cache");
    let serial = (files(&env), stdout(perlenv().arg("list").arg(&env)));
    assert!(serial.1.contains("Moo 2.005005\n") && serial.1.contains("Try::Tiny 0.31\n"));

    fresh(&env);
    let built = install(&env, &cache, &["-j2"]).success();
    let parallel = (files(&env), stdout(perlenv().arg("list").arg(&env)));
    assert_eq!(parallel.1, serial.1);
    assert_eq!(
        without_build_times(parallel.0.clone()),
        without_build_times(serial.0)
    );
    drop(built);

    fresh(&env);
    let out = perlenv()
        .args(["install", "-j2"])
        .arg(&env)
        .arg("--from")
        .arg(cpan_cache())
        .args(["Moo", "Test::Fatal"])
        .env("PERLENV_CACHE_DIR", &cache)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(err.matches("(from the build cache)").count(), 6, "{err}");
    let cached = (files(&env), stdout(perlenv().arg("list").arg(&env)));
    assert_eq!(cached.1, parallel.1);
    assert_eq!(
        cached.0, parallel.0,
        "a cached install differs from the built one"
    );

    // `cache list` shows the six builds. Moo's entry last used three days
    // ago (its directory's time, as a use sets it): prune --older-than 2d
    // removes it alone, --older-than 1d then nothing (the rest were just
    // used), and prune without a limit the five left.
    let cache_cmd = |args: &[&str]| {
        stdout(
            perlenv()
                .arg("cache")
                .args(args)
                .env("PERLENV_CACHE_DIR", &cache),
        )
    };
    let list = cache_cmd(&["list"]);
    assert_eq!(list.lines().count(), 6, "{list}");
    assert!(list.contains("Moo-2.005005  perl 5.36.0 "), "{list}");
    let moo_key = cache_cmd(&["list", "--json"])
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["dist"] == "Moo-2.005005")
        .map(|v| v["key"].as_str().unwrap().to_string())
        .unwrap();
    let three_days = std::time::Duration::from_secs(3 * 86400);
    std::fs::File::open(cache.join("v1/builds").join(&moo_key))
        .unwrap()
        .set_modified(std::time::SystemTime::now() - three_days)
        .unwrap();
    assert!(cache_cmd(&["list"]).contains("used 3 d ago"));
    let old = cache_cmd(&["prune", "--older-than", "2d"]);
    assert!(old.starts_with("removed 1 cached builds"), "{old}");
    let list = cache_cmd(&["list"]);
    assert_eq!(list.lines().count(), 5, "{list}");
    assert!(!list.contains("Moo-2.005005"), "{list}");
    let kept = cache_cmd(&["prune", "--older-than", "1d"]);
    assert!(kept.starts_with("removed 0 cached builds"), "{kept}");
    let pruned = cache_cmd(&["prune"]);
    assert!(pruned.starts_with("removed 5 cached builds"), "{pruned}");
    assert_eq!(
        stdout(
            perlenv()
                .args(["cache", "list"])
                .env("PERLENV_CACHE_DIR", &cache)
        ),
        ""
    );
}

/// A cache entry whose file was changed (or whose record was torn) is
/// never used: it is removed, the dist built again, and the installed
/// file is the real one.
#[test]
fn a_damaged_cache_entry_is_rebuilt_never_used() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let env = t.join("env");
    let cache = t.join("cache");
    let try_tiny = cpan("Try-Tiny");
    let installed = |env: &Path| -> (bool, String) {
        fresh(env);
        let out = perlenv()
            .args(["install"])
            .arg(env)
            .arg(&try_tiny)
            .env("PERLENV_CACHE_DIR", &cache)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{err}");
        (err.contains("(from the build cache)"), err)
    };
    assert!(!installed(&env).0);
    let real = std::fs::read(env.join("lib/perl5/Try/Tiny.pm")).unwrap();
    assert!(installed(&env).0, "the second install uses the cache");
    let entries: Vec<PathBuf> = std::fs::read_dir(cache.join("v1/builds"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 1);
    let cached_pm = entries[0].join("files/lib/perl5/Try/Tiny.pm");
    std::fs::write(&cached_pm, "package Try::Tiny; die 'poisoned'; 1;\n").unwrap();
    let (from_cache, err) = installed(&env);
    assert!(!from_cache, "a damaged entry was used: {err}");
    assert!(
        err.contains("is damaged (lib/perl5/Try/Tiny.pm: content changed)"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(env.join("lib/perl5/Try/Tiny.pm")).unwrap(),
        real
    );
    // Rebuilt, then cached again; a torn record is caught the same way.
    assert!(installed(&env).0);
    let entry = std::fs::read_dir(cache.join("v1/builds"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let record = std::fs::read(entry.join("entry.json")).unwrap();
    std::fs::write(entry.join("entry.json"), &record[..record.len() / 2]).unwrap();
    let (from_cache, err) = installed(&env);
    assert!(
        !from_cache && err.contains("is damaged (entry.json"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(env.join("lib/perl5/Try/Tiny.pm")).unwrap(),
        real
    );
}

/// Three dists, one failing its tests and one needing it: the one that
/// needs it is stopped and named, the independent one installs, every
/// dist has its log in ENV/.perlenv/logs.
#[test]
fn a_failure_stops_its_dependents_only_and_every_dist_has_a_log() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let src = t.join("src");
    let out = t.join("dists");
    let (fails, needy, free) = (unique("Fails-Par"), unique("Needs-Par"), unique("Free-Par"));
    failing_dist(&src, &out, &fails);
    let fails_module = fails.replace('-', "::");
    dist(&src, &out, &needy, "0.02", Some(&fails_module), None);
    dist(&src, &out, &free, "0.03", None, None);
    let env = new_env(t);
    let result = perlenv()
        .arg("install")
        .arg(&env)
        .arg("--from")
        .arg(&out)
        .arg(needy.replace('-', "::"))
        .arg(free.replace('-', "::"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(3), "{err}");
    let last = err.lines().last().unwrap();
    assert!(
        last.starts_with(&format!(
            "perlenv: install: {fails}-0.01: tests failed; {needy}-0.02: prerequisites not \
             installed: {fails_module} failed (build log: {}/.perlenv/logs/{fails}-0.01.log)",
            env.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("Installed {free}-0.03 (built and tested in ")),
        "{err}"
    );
    let list = stdout(perlenv().arg("list").arg(&env));
    assert_eq!(list, format!("{} 0.03\n", free.replace('-', "::")));
    let log = dist_log(&env, &fails);
    assert!(log.contains("meant to fail"), "{log}");
    assert!(env.join(format!(".perlenv/logs/{free}-0.03.log")).is_file());
}

/// The live view is for a terminal: under `script` (a pseudo-terminal)
/// the install draws; in a pipe it prints plain lines and no escape codes.
#[test]
fn the_live_view_only_on_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let env = new_env(t);
    let tarball = cpan("Try-Tiny");
    let cache = t.join("cache");
    let piped = perlenv()
        .arg("install")
        .arg(&env)
        .arg(&tarball)
        .env("PERLENV_CACHE_DIR", &cache)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&piped.stderr);
    assert!(piped.status.success(), "{err}");
    assert_eq!(
        err.lines()
            .filter(|l| l.starts_with("Installed Try-Tiny-0.31 ("))
            .count(),
        1,
        "{err}"
    );
    assert!(!err.contains('\x1b'), "escape codes in a pipe: {err:?}");
    let env2 = t.join("env2");
    perlenv().arg("create").arg(&env2).assert().success();
    let bin = assert_cmd::cargo::cargo_bin("perlenv");
    let command = format!(
        "'{}' install --no-cache '{}' '{}'",
        bin.display(),
        env2.display(),
        tarball.display()
    );
    let typescript = t.join("typescript");
    let out = std::process::Command::new("script")
        .args(["-qec", &command])
        .arg(&typescript)
        .env("TERM", "xterm")
        .env("PERLENV_CACHE_DIR", &cache)
        .output()
        .unwrap();
    let screen = String::from_utf8_lossy(&std::fs::read(&typescript).unwrap()).into_owned();
    assert!(out.status.success(), "{screen}");
    assert!(
        screen.contains("dists installed"),
        "no total line: {screen:?}"
    );
    assert!(
        screen.contains("Try-Tiny-0.31: "),
        "no line for the dist: {screen:?}"
    );
    assert!(screen.contains('\x1b'), "nothing drawn: {screen:?}");
}

/// `which` names the file each module loads from and where that is.
#[test]
fn which_names_the_file_and_where_it_comes_from() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let env = new_env(t);
    perlenv()
        .args(["install", "-q"])
        .arg(&env)
        .arg(cpan("Try-Tiny"))
        .assert()
        .success();
    let out = stdout(
        perlenv()
            .arg("which")
            .arg(&env)
            .args(["Try::Tiny", "strict", "JSON::PP"]),
    );
    assert_eq!(
        out,
        format!(
            "Try::Tiny {}/lib/perl5/Try/Tiny.pm (ENV)\n\
             strict /usr/lib/x86_64-linux-gnu/perl-base/strict.pm (core)\n\
             JSON::PP /usr/share/perl/5.36/JSON/PP.pm (core)\n",
            env.display()
        )
    );
    // Debian's JSON is hidden in an isolated env, vendor with --system-libs.
    perlenv()
        .arg("which")
        .arg(&env)
        .arg("JSON")
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicates::str::contains("which: JSON: not found"));
    let open = t.join("open");
    perlenv()
        .args(["create", "--system-libs"])
        .arg(&open)
        .assert()
        .success();
    assert_eq!(
        stdout(perlenv().arg("which").arg(&open).arg("JSON")),
        "JSON /usr/share/perl5/JSON.pm (vendor)\n"
    );
    // A module in the system perl's site directory: site with
    // --system-libs, hidden in an isolated env.
    let site = {
        let _system = system_dirs();
        let sitelib = perl_config("sitelibexp");
        let missing: Vec<PathBuf> = Path::new(&sitelib)
            .ancestors()
            .take_while(|d| !d.exists())
            .map(Path::to_path_buf)
            .collect();
        let module = unique("Site");
        let file = Path::new(&sitelib).join(format!("{module}.pm"));
        write(&file, &format!("package {module}; 1;\n"));
        let seen = (
            perlenv()
                .arg("which")
                .arg(&open)
                .arg(&module)
                .output()
                .unwrap(),
            perlenv()
                .arg("which")
                .arg(&env)
                .arg(&module)
                .output()
                .unwrap(),
        );
        std::fs::remove_file(&file).unwrap();
        for dir in &missing {
            std::fs::remove_dir(dir).unwrap();
        }
        (module, file, seen)
    };
    let (module, file, (open_out, isolated_out)) = site;
    assert_eq!(
        String::from_utf8_lossy(&open_out.stdout),
        format!("{module} {} (site)\n", file.display())
    );
    assert_eq!(isolated_out.status.code(), Some(1));
    let json = stdout(perlenv().args(["which", "--json"]).arg(&open).arg("JSON"));
    assert_eq!(
        json,
        "{\"file\":\"/usr/share/perl5/JSON.pm\",\"from\":\"vendor\",\"module\":\"JSON\"}\n"
    );
    perlenv()
        .arg("which")
        .arg(&env)
        .arg("$(touch x)")
        .assert()
        .code(2);
}

/// A dist directory is built from a copy: nothing (Makefile, blib, MYMETA,
/// pm_to_blib) is left in the user's tree. `freeze` notes it as a local
/// dist, and reinstalling from tarballs names the directory to give.
#[test]
fn a_dist_directory_is_built_from_a_copy_and_frozen_as_local() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let name = unique("My-Tool");
    let dir = dist_dir(
        &t.join("src"),
        &name,
        "0.01",
        Some("Try::Tiny"),
        Some("my-tool"),
    );
    let before = files(&dir);
    let env = new_env(t);
    perlenv()
        .args(["install", "-q"])
        .arg(&env)
        .arg("--from")
        .arg(cpan("Try-Tiny"))
        .arg(&dir)
        .assert()
        .success();
    assert_eq!(files(&dir), before, "the build wrote into the user's tree");
    let frozen = stdout(perlenv().arg("freeze").arg(&env));
    let module = name.replace('-', "::");
    assert!(
        frozen.contains(&format!(
            "# {module}: a local dist, installed from a directory, not a tarball\n\
             requires '{module}', '== 0.01', local => '{}';\n",
            dir.display()
        )),
        "{frozen}"
    );
    assert!(
        frozen.contains("requires 'Try::Tiny', '== 0.31';\n"),
        "{frozen}"
    );
    write(&t.join("cpanfile"), &frozen);
    let env2 = t.join("env2");
    perlenv().arg("create").arg(&env2).assert().success();
    perlenv()
        .args(["install", "-q"])
        .arg(&env2)
        .arg("--from")
        .arg(cpan_cache())
        .arg("--cpanfile")
        .arg(t.join("cpanfile"))
        .assert()
        .code(3)
        .stderr(predicates::str::contains(format!(
            "{module}: not found in the given sources: a local dist, installed from {} \
             (give it with --from {})",
            dir.display(),
            dir.display()
        )));
    // Given it, the frozen set installs.
    perlenv()
        .args(["install", "-q"])
        .arg(&env2)
        .arg("--from")
        .arg(cpan_cache())
        .arg("--from")
        .arg(&dir)
        .arg("--cpanfile")
        .arg(t.join("cpanfile"))
        .assert()
        .success();
    assert_eq!(
        stdout(perlenv().arg("list").arg(&env2)),
        stdout(perlenv().arg("list").arg(&env))
    );
}

/// A test file of a dist whose files collide when run at once: it notes
/// that it started, then watches (at most 5 s) for its sibling: seeing it
/// started and not done is a collision. The harness process (the parent)
/// names the run, so a serial rerun does not see the first run's notes.
fn colliding_test(me: &str, other: &str) -> String {
    format!(
        r#"use strict; use warnings; use Test::More tests => 1; use Time::HiRes ();
my $run = getppid();
sub note_file {{ open my $fh, '>', $_[0] or die "$_[0]: $!"; close $fh }}
note_file("started-{me}.$run");
my $deadline = Time::HiRes::time() + 5;
my $collided = 0;
until (-e "done-{other}.$run" || Time::HiRes::time() > $deadline) {{
    if (-e "started-{other}.$run") {{ $collided = 1; last }}
    Time::HiRes::sleep(0.02);
}}
note_file("done-{me}.$run");
ok(!$collided, "{me} ran alone, without {other} under way");
"#
    )
}

/// A dist whose two test files collide when run at once fails its
/// parallel test run (-j2) and is not failed for it: its tests run again
/// one file at a time, pass, and it is installed; the log keeps both runs
/// and the line says its tests pass only one at a time. (A dist whose
/// tests fail one at a time too still fails:
/// a_failure_stops_its_dependents_only_and_every_dist_has_a_log.)
#[test]
fn tests_that_collide_when_run_at_once_are_run_again_one_at_a_time() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let name = unique("Collide-Par");
    let dir = dist_dir(&t.join("src"), &name, "0.01", None, None);
    write(&dir.join("t/a.t"), &colliding_test("a", "b"));
    write(&dir.join("t/b.t"), &colliding_test("b", "a"));
    let tarball = pack(&dir, &t.join("dists"));
    let env = new_env(t);
    let out = perlenv()
        .args(["install", "-j2", "--no-cache"])
        .arg(&env)
        .arg(&tarball)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(&format!("Installed {name}-0.01 (built and tested in "))
            && err.contains("s; its tests pass only one file at a time)"),
        "{err}"
    );
    let module = name.replace('-', "::");
    assert_eq!(
        stdout(perlenv().arg("list").arg(&env)),
        format!("{module} 0.01\n")
    );
    let log = dist_log(&env, &name);
    let rerun = log
        .find("perlenv: the tests failed when run 2 files at once: running them again one file at a time")
        .unwrap_or_else(|| panic!("{log}"));
    let (parallel, serial) = log.split_at(rerun);
    assert!(
        parallel.contains("#   Failed test 'a ran alone, without b under way'")
            || parallel.contains("#   Failed test 'b ran alone, without a under way'"),
        "{log}"
    );
    assert!(parallel.contains("Result: FAIL"), "{log}");
    assert!(serial.contains("All tests successful"), "{log}");
    assert!(!serial.contains("Failed test"), "{log}");
    // Each step between two lines with the time into the install.
    let marks: Vec<&str> = log
        .lines()
        .filter_map(|l| l.strip_prefix("perlenv: "))
        .filter_map(|l| l.split_once(" s: ").map(|(_, what)| what))
        .collect();
    let tests: Vec<&&str> = marks
        .iter()
        .filter(|m| *m == &"started make test")
        .collect();
    assert_eq!(tests.len(), 2, "{log}");
    assert!(
        marks.iter().any(|m| m.starts_with("exit status: 2 after ")),
        "{log}"
    );
    assert!(
        marks.last().unwrap().starts_with("exit status: 0 after "),
        "{log}"
    );
}

/// A step started while another has run for 5 s yields to it (nice +19):
/// the long test run keeps its priority; a test run never yields (its
/// harness sets its files' priorities). Slow's test notes when it started
/// and waits (at most 60 s) for Late's test; Late's Makefile.PL waits (at
/// most 60 s) until Slow's test has run 6 s, so Late's later steps start
/// after that. Each test, and Late's build, prints its niceness into its
/// dist's log.
#[test]
fn a_step_started_after_a_long_one_yields_to_it() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let (slow, late) = (unique("Slow-Nice"), unique("Late-Nice"));
    let slow_dir = dist_dir(&t.join("src"), &slow, "0.01", None, None);
    write(
        &slow_dir.join("t/slow.t"),
        r#"use strict; use warnings; use Test::More tests => 1; use Time::HiRes ();
my $dir = $ENV{TMPDIR};
open my $fh, '>', "$dir/slow-started" or die "$dir/slow-started: $!"; close $fh;
my $deadline = Time::HiRes::time() + 60;
Time::HiRes::sleep(0.05) until -e "$dir/late-tested" || Time::HiRes::time() > $deadline;
diag "niceness: " . getpriority(0, 0);
ok(-e "$dir/late-tested", "Late was tested while this test ran");
"#,
    );
    let late_dir = dist_dir(&t.join("src"), &late, "0.01", None, None);
    let makefile = std::fs::read_to_string(late_dir.join("Makefile.PL")).unwrap();
    write(
        &late_dir.join("Makefile.PL"),
        &format!(
            r#"use Time::HiRes ();
my $started = "$ENV{{TMPDIR}}/slow-started";
my $deadline = Time::HiRes::time() + 60;
until (-e $started && Time::HiRes::time() - (Time::HiRes::stat($started))[9] >= 6) {{
    die "Slow's test did not start\n" if Time::HiRes::time() > $deadline;
    Time::HiRes::sleep(0.05);
}}
{makefile}
sub MY::postamble {{ "pure_all ::\n\t\$(NOECHO) \$(PERL) -e 'print q(# build niceness: ), getpriority(0, 0), qq(\\n)'\n" }}
"#
        ),
    );
    write(
        &late_dir.join("t/late.t"),
        r#"use strict; use warnings; use Test::More tests => 1;
diag "niceness: " . getpriority(0, 0);
open my $fh, '>', "$ENV{TMPDIR}/late-tested" or die "$ENV{TMPDIR}/late-tested: $!"; close $fh;
ok(1);
"#,
    );
    let out = t.join("dists");
    let (slow_tarball, late_tarball) = (pack(&slow_dir, &out), pack(&late_dir, &out));
    let env = new_env(t);
    perlenv()
        .args(["install", "-q", "-j2", "--no-cache"])
        .arg(&env)
        .arg(&slow_tarball)
        .arg(&late_tarball)
        .assert()
        .success();
    let own = std::process::Command::new("perl")
        .args(["-e", "print getpriority(0, 0)"])
        .output()
        .unwrap();
    let own: i32 = String::from_utf8(own.stdout).unwrap().parse().unwrap();
    let niceness = |dist: &str, prefix: &str| {
        let log = dist_log(&env, dist);
        let line = log
            .lines()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} in {log}"));
        line.trim().parse::<i32>().unwrap()
    };
    assert_eq!(niceness(&slow, "# niceness: "), own);
    // Late's build started 6 s into Slow's test run: it yields.
    assert!(own < 19);
    assert_eq!(niceness(&late, "# build niceness: "), (own + 19).min(19));
    // A test run does not (its harness sets its files' priorities).
    assert_eq!(niceness(&late, "# niceness: "), own);
}

#[test]
fn the_test_file_that_plans_the_most_tests_starts_first_and_the_others_yield_to_it() {
    // MakeMaker hands test files over sorted by name: z_long.t would start
    // last. perlenv's harness starts it first and runs the others 10 nicer.
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let name = unique("Long-Tests");
    let dir = dist_dir(&t.join("src"), &name, "0.01", None, None);
    let test = |planned: usize| {
        format!(
            "use Test::More tests => {planned};\n\
             diag 'started ', __FILE__, ' nice ', getpriority(0, 0);\n\
             ok(1) for 1 .. {planned};\n"
        )
    };
    write(&dir.join("t/a_short.t"), &test(1));
    write(&dir.join("t/m_short.t"), &test(2));
    write(&dir.join("t/z_long.t"), &test(5000));
    let env = new_env(t);
    perlenv()
        .args(["install", "-q", "-j2", "--no-cache"])
        .arg(&env)
        .arg(&dir)
        .assert()
        .success();
    let log = dist_log(&env, &name);
    let nice = |file: &str| -> i32 {
        let line = log
            .lines()
            .find(|l| l.contains(&format!("started t/{file} nice ")))
            .unwrap_or_else(|| panic!("no start of {file} in:\n{log}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    // Nice values stop at 19 (and at 19 no file could yield).
    assert!(nice("z_long.t") < 19, "{log}");
    let yielding = (nice("z_long.t") + 10).min(19);
    assert_eq!(nice("a_short.t"), yielding, "{log}");
    assert_eq!(nice("m_short.t"), yielding, "{log}");
}
