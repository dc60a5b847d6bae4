//! Installing offline from tarballs built here, isolation from the Debian
//! modules, run/wrappers, list/freeze/reinstall, info/check, and the
//! build without cpanm. Real perl, real cpanm, real shells; no network.

use assert_cmd::Command;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use testkit::perlenv::*;

/// An environment with two synthetic dists installed offline: `Baz::Qux`
/// pulls `Foo::Bar` (with a script `foo-hello`) from the same directory of
/// tarballs. The module names are unique to this test process: the
/// visibility checks below once failed because another install on the
/// machine had put a `Foo::Bar` into the system perl's site directory.
struct Installed {
    env: PathBuf,
    tarballs: PathBuf,
    dep: String,
    top: String,
}

fn installed(t: &Path) -> Installed {
    let (dep_dist, top_dist) = (unique("Foo-Bar"), unique("Baz-Qux"));
    let (dep, top) = (dep_dist.replace('-', "::"), top_dist.replace('-', "::"));
    let tarballs = t.join("tarballs");
    let src = t.join("src");
    dist(&src, &tarballs, &dep_dist, "0.01", None, Some("foo-hello"));
    dist(&src, &tarballs, &top_dist, "0.02", Some(&dep), None);
    let env = new_env(t);
    perlenv()
        .arg("install")
        .arg(&env)
        .arg("--from")
        .arg(&tarballs)
        .arg(&top)
        .env("HOME", t)
        .assert()
        .success();
    Installed {
        env,
        tarballs,
        dep,
        top,
    }
}

#[test]
fn install_resolves_dependencies_offline_and_keeps_cpanm_in_env() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let i = installed(t);
    // The build logs are kept in ENV, never in ~/.cpanm or ~/perl5.
    let top_dist = format!("{}-0.02.log", i.top.replace("::", "-"));
    assert!(i.env.join(".perlenv/logs").join(top_dist).is_file());
    assert!(!t.join(".cpanm").exists() && !t.join("perl5").exists());
    let foo_pm = format!("lib/perl5/{}.pm", i.dep.replace("::", "/"));
    assert!(i.env.join(foo_pm).is_file());
}

#[test]
fn activated_env_sees_its_modules_and_not_debians() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let i = installed(t);
    // Inside (activated): the module and the script work, Debian's JSON and
    // Try::Tiny do not; Debian's own perl programs still work.
    let (ok, out, err) = sh(
        &format!(
            ". \"$E/bin/activate\"\n\
             perl -M{dep} -e 'print {dep}::hello(), qq{{\\n}}'\n\
             foo-hello\n\
             perl -e 'require JSON' 2>/dev/null && echo JSON-VISIBLE\n\
             perl -e 'require Try::Tiny' 2>/dev/null && echo TRY-TINY-VISIBLE\n\
             cpanm --version >/dev/null && echo cpanm-ok\n\
             dpkg-architecture -qDEB_HOST_ARCH >/dev/null && echo dpkg-architecture-ok\n\
             debconf-show --listowners >/dev/null && echo debconf-show-ok\n",
            dep = i.dep
        ),
        t,
        &[("E", &i.env)],
    );
    assert!(ok, "{err}");
    let hello = format!("hello from {}\n", i.dep);
    assert_eq!(
        out,
        format!("{hello}{hello}cpanm-ok\ndpkg-architecture-ok\ndebconf-show-ok\n"),
        "{err}"
    );
}

#[test]
fn deactivate_hides_the_env_again() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let i = installed(t);
    let script = format!(
        ". \"$E/bin/activate\"\n\
         perl -M{dep} -e1 && echo VISIBLE-WHEN-ACTIVE\n\
         deactivate\n\
         perl -M{dep} -e1 2>/dev/null && echo STILL-VISIBLE-AFTER-DEACTIVATE\n\
         command -v foo-hello || echo no-foo-hello\n",
        dep = i.dep
    );
    let (ok, out, err) = sh(&script, t, &[("E", &i.env)]);
    assert!(ok, "{err}");
    assert_eq!(out, "VISIBLE-WHEN-ACTIVE\nno-foo-hello\n", "{err}");
    // Never activated: not visible either.
    let (ok, _, _) = sh(&format!("perl -M{} -e1", i.dep), t, &[]);
    assert!(!ok, "{} visible outside the environment", i.dep);
}

#[test]
fn run_and_the_script_wrappers_work_without_activation() {
    let tmp = tempfile::tempdir().unwrap();
    let i = installed(tmp.path());
    let hello = format!("hello from {}\n", i.dep);
    assert_eq!(
        stdout(perlenv().arg("run").arg(&i.env).args(["--", "foo-hello"])),
        hello
    );
    assert_eq!(
        stdout(&mut Command::new(i.env.join("bin/foo-hello"))),
        hello
    );
    assert_eq!(
        stdout(perlenv().arg("run").arg(&i.env).args([
            "--",
            "perl",
            &format!("-M{}", i.top),
            "-e",
            &format!("print ${}::VERSION", i.top)
        ])),
        "0.02"
    );
    perlenv()
        .arg("run")
        .arg(&i.env)
        .args(["--", "perl", "-e", "require JSON"])
        .assert()
        .failure();
}

#[test]
fn system_libs_env_sees_debians_modules() {
    let tmp = tempfile::tempdir().unwrap();
    let open = tmp.path().join("open");
    perlenv()
        .arg("create")
        .arg("--system-libs")
        .arg(&open)
        .assert()
        .success();
    perlenv()
        .arg("run")
        .arg(&open)
        .args(["--", "perl", "-e", "require JSON; require Try::Tiny"])
        .assert()
        .success();
}

#[test]
fn include_flags_and_prove_l_work_in_an_isolated_env() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let env = new_env(t);
    let proj = t.join("proj");
    write(
        &proj.join("lib/My/Mod.pm"),
        "package My::Mod;\nsub x { 42 }\n1;\n",
    );
    write(
        &proj.join("t/basic.t"),
        "use Test::More tests => 1;\nuse My::Mod;\nis(My::Mod::x(), 42);\n",
    );
    perlenv()
        .arg("run")
        .arg(&env)
        .args(["--", "prove", "-l", "t"])
        .current_dir(&proj)
        .assert()
        .success();
    assert_eq!(
        stdout(
            perlenv()
                .arg("run")
                .arg(&env)
                .args([
                    "--",
                    "perl",
                    "-Ilib",
                    "-e",
                    "use My::Mod; print My::Mod::x()"
                ])
                .current_dir(&proj)
        ),
        "42"
    );
}

#[test]
fn freeze_then_install_gives_the_same_list() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let i = installed(t);
    let list = stdout(perlenv().arg("list").arg(&i.env));
    assert_eq!(list, format!("{} 0.02\n{} 0.01\n", i.top, i.dep));
    let json = stdout(perlenv().arg("list").arg("--json").arg(&i.env));
    assert!(
        json.lines()
            .next()
            .unwrap()
            .contains(&format!("\"module\":\"{}\"", i.top)),
        "{json}"
    );
    let frozen = stdout(perlenv().arg("freeze").arg(&i.env));
    assert!(
        frozen.contains(&format!(
            "requires '{}', '== 0.02';\nrequires '{}', '== 0.01';\n",
            i.top, i.dep
        )),
        "{frozen}"
    );
    let cpanfile = t.join("cpanfile");
    std::fs::write(&cpanfile, &frozen).unwrap();
    let env2 = t.join("env2");
    perlenv().arg("create").arg(&env2).assert().success();
    perlenv()
        .arg("install")
        .arg("-q")
        .arg(&env2)
        .arg("--from")
        .arg(&i.tarballs)
        .arg("--cpanfile")
        .arg(&cpanfile)
        .assert()
        .success();
    assert_eq!(stdout(perlenv().arg("list").arg(&env2)), list);
}

#[test]
fn a_module_cpanm_cannot_find_is_exit_3_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let i = installed(tmp.path());
    perlenv()
        .arg("install")
        .arg(&i.env)
        .arg("--from")
        .arg(&i.tarballs)
        .arg("No::Such::Module")
        .assert()
        .code(3)
        .stderr(predicates::str::contains(
            "perlenv: install: No::Such::Module: not found in the given sources",
        ));
}

#[test]
fn install_errors_name_the_dist_and_why() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let env = new_env(t);
    // No --from, and CPAN unreachable (a proxy where nothing listens).
    perlenv()
        .arg("install")
        .arg(&env)
        .arg("Foo::Bar")
        .env("http_proxy", "http://127.0.0.1:9")
        .env("https_proxy", "http://127.0.0.1:9")
        .assert()
        .code(3)
        .stderr(predicates::str::contains(
            "perlenv: install: Foo::Bar: not found: no sources given and no network",
        ));
    // A dist whose prerequisite fails its tests: the prerequisite is named
    // as failing its tests, not as "not found".
    let (fails, needy) = (unique("Fails-Tests"), unique("Needs-Fails"));
    let src = t.join("src");
    let tarballs = t.join("tarballs");
    failing_dist(&src, &tarballs, &fails);
    let fails_module = fails.replace('-', "::");
    dist(&src, &tarballs, &needy, "0.02", Some(&fails_module), None);
    let out = perlenv()
        .arg("install")
        .arg(&env)
        .arg("--from")
        .arg(&tarballs)
        .arg(needy.replace('-', "::"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    let last = err.lines().last().unwrap();
    assert!(
        last.starts_with(&format!(
            "perlenv: install: {fails}-0.01: tests failed; \
             {needy}-0.02: prerequisites not installed: {fails_module} failed (build log: "
        )),
        "{err}"
    );
}

#[test]
fn info_and_check_report_health() {
    let tmp = tempfile::tempdir().unwrap();
    let i = installed(tmp.path());
    let env = &i.env;
    let info = stdout(perlenv().arg("info").arg(env));
    assert!(
        info.contains("isolated: yes\n")
            && info.contains("modules: 2\n")
            && info.contains("health: ok\n"),
        "{info}"
    );
    assert!(info.contains("hidden: /usr/share/perl5\n"), "{info}");
    perlenv().arg("check").arg(env).assert().code(0);
    write(
        &env.join("lib/perl5/Broken.pm"),
        "package Broken;\ndie 'broken on purpose';\n1;\n",
    );
    perlenv()
        .arg("check")
        .arg(env)
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "Broken fails to load: broken on purpose",
        ));
    std::fs::remove_file(env.join("lib/perl5/Broken.pm")).unwrap();
    let cfg = env.join("perlenv.cfg");
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("version = 5.", "version = 4.");
    std::fs::write(&cfg, text).unwrap();
    perlenv()
        .arg("check")
        .arg(env)
        .assert()
        .code(1)
        .stdout(predicates::str::contains("perl mismatch"));
}

#[test]
fn without_cpanm_a_tarball_is_built_with_make() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let tarball = dist(
        &t.join("src"),
        &t.join("tarballs"),
        "Foo-Bar",
        "0.01",
        None,
        Some("foo-hello"),
    );
    let bin = path_without_cpanm(t);
    let env = new_env(t);
    perlenv()
        .arg("install")
        .arg(&env)
        .arg(&tarball)
        .env("PATH", &bin)
        .assert()
        .success();
    assert_eq!(
        stdout(&mut Command::new(env.join("bin/foo-hello"))),
        "hello from Foo::Bar\n"
    );
    assert_eq!(stdout(perlenv().arg("list").arg(&env)), "Foo::Bar 0.01\n");
    perlenv()
        .arg("install")
        .arg(&env)
        .arg("Foo::Bar")
        .env("PATH", &bin)
        .assert()
        .code(3)
        .stderr(predicates::str::contains("cpanm not found in PATH"));
    let mode = std::fs::metadata(env.join("bin/foo-hello"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o111, 0o111);
}

#[test]
fn bad_input_is_refused_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    for bad in ["a:b", "a\nb"] {
        perlenv()
            .arg("create")
            .arg(t.join(bad))
            .assert()
            .code(2)
            .stderr(predicates::str::contains("breaks PATH-style variables"));
    }
    let env = new_env(t);
    perlenv()
        .arg("create")
        .arg(&env)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("use --clear"));
    perlenv()
        .arg("create")
        .arg("--clear")
        .arg("--prompt")
        .arg("x$(y)")
        .arg(&env)
        .assert()
        .success();
    assert!(
        std::fs::read_to_string(env.join("perlenv.cfg"))
            .unwrap()
            .contains("prompt = x__y_\n")
    );
    write(&t.join("other/file"), "mine");
    perlenv()
        .arg("create")
        .arg("--clear")
        .arg(t.join("other"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a perlenv environment"));
    assert!(t.join("other/file").exists());
    // A regular file in the way, directly or through a symlink, is a usage
    // error and is left as it was.
    std::os::unix::fs::symlink(t.join("other/file"), t.join("link-to-file")).unwrap();
    for in_the_way in [t.join("other/file"), t.join("link-to-file")] {
        perlenv()
            .arg("create")
            .arg(&in_the_way)
            .assert()
            .code(2)
            .stderr(predicates::str::contains("exists and is not a directory"));
    }
    assert_eq!(
        std::fs::read_to_string(t.join("other/file")).unwrap(),
        "mine"
    );
    perlenv()
        .arg("run")
        .arg(t.join("other"))
        .args(["--", "true"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a perlenv environment"));
    perlenv()
        .arg("create")
        .arg("--perl")
        .arg(t.join("no-perl"))
        .arg(t.join("e2"))
        .assert()
        .code(3)
        .stderr(predicates::str::contains("no-perl"));
    write(&t.join("cpanfile"), "requires 'A';\nsystem('rm -rf /');\n");
    perlenv()
        .arg("install")
        .arg(&env)
        .arg("--cpanfile")
        .arg(t.join("cpanfile"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "cpanfile:2: 'system' trapped by operation mask",
        ));
    let info: serde_json::Value = serde_json::from_slice(
        &perlenv()
            .arg("info")
            .arg("--json")
            .arg(&env)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(info["isolated"], true);
    assert_eq!(info["root"], env.to_str().unwrap());
    assert_eq!(info["health"], "ok");
    // A newline in an argument does not break perlenv.cfg.
    let nl = t.join("nl");
    perlenv()
        .arg("create")
        .args(["--prompt", "a\nb"])
        .arg(&nl)
        .assert()
        .success();
    perlenv()
        .arg("info")
        .arg(&nl)
        .assert()
        .success()
        .stdout(predicates::str::contains("prompt: a_b\n"));
    // A moved environment is refused (its scripts point to the old place).
    std::fs::rename(&env, t.join("moved")).unwrap();
    perlenv()
        .arg("info")
        .arg(t.join("moved"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("was made at"));
}

#[test]
fn install_from_a_file_mirror_and_from_a_lone_tarball() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let authors = t.join("mirror/authors/id/F/FO/FOO");
    let tarball = dist(&t.join("src"), &authors, "Foo-Bar", "0.01", None, None);
    write(
        &t.join("mirror/modules/02packages.details.txt"),
        "File: 02packages.details.txt\nLine-Count: 1\n\nFoo::Bar 0.01 F/FO/FOO/Foo-Bar-0.01.tar.gz\n",
    );
    let st = std::process::Command::new("gzip")
        .arg(t.join("mirror/modules/02packages.details.txt"))
        .status()
        .unwrap();
    assert!(st.success());
    let env = new_env(t);
    let mirror = format!("file://{}", t.join("mirror").display());
    perlenv()
        .arg("install")
        .arg(&env)
        .args(["--from", &mirror, "Foo::Bar"])
        .assert()
        .success();
    assert_eq!(stdout(perlenv().arg("list").arg(&env)), "Foo::Bar 0.01\n");
    perlenv()
        .arg("install")
        .arg(&env)
        .args(["--from", &mirror, "Not::There"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("Not::There"));

    // `--from TARBALL` alone installs that tarball, also into a path with a blank.
    let env2 = t.join("sp ace");
    perlenv().arg("create").arg(&env2).assert().success();
    perlenv()
        .arg("install")
        .arg(&env2)
        .arg("--from")
        .arg(&tarball)
        .assert()
        .success();
    assert_eq!(stdout(perlenv().arg("list").arg(&env2)), "Foo::Bar 0.01\n");
}

#[test]
fn a_replaced_or_missing_perl_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    // A private copy of perl, so it can be replaced and removed.
    let (perl, env) = env_with_perl_copy(t);
    assert_eq!(std::fs::read_link(env.join("bin/perl")).unwrap(), perl);
    assert!(
        stdout(perlenv().arg("info").arg(&env)).contains(&format!("perl: {} (5.", perl.display()))
    );
    perlenv().arg("check").arg(&env).assert().code(0);

    let run_print_1 = || {
        perlenv()
            .arg("run")
            .arg(&env)
            .args(["--", "perl", "-e", "print 1"])
            .assert()
    };
    // Replaced (an upgrade): root runs no changed perl (perlenv_trust.rs).
    std::fs::remove_file(&perl).unwrap();
    std::fs::copy("/usr/bin/perl", &perl).unwrap();
    run_print_1()
        .code(2)
        .stdout("")
        .stderr(predicates::str::contains(
            "changed since the environment was made",
        ));
    // Rebuilt with the same version and archname: check --update re-records
    // it and the warning stops.
    perlenv()
        .args(["check", "--update"])
        .arg(&env)
        .assert()
        .code(0)
        .stderr(predicates::str::contains("re-recorded"));
    run_print_1().success().stdout("1").stderr("");

    // Gone: activation warns (without running anything), info and check say so.
    std::fs::remove_file(&perl).unwrap();
    let (ok, _, err) = sh(". \"$E/bin/activate\"; deactivate", t, &[("E", &env)]);
    assert!(
        ok && err.contains("the perl of this environment is gone"),
        "{err}"
    );
    assert!(stdout(perlenv().arg("info").arg(&env)).contains("health: perl"));
    perlenv()
        .arg("check")
        .arg(&env)
        .assert()
        .code(1)
        .stdout(predicates::str::contains("is gone"));
    // And run refuses: PATH's perl must not stand in for the recorded one.
    run_print_1()
        .code(3)
        .stdout("")
        .stderr(predicates::str::contains("is gone"));
}

#[test]
fn the_remaining_leaks_are_documented() {
    let help = stdout(perlenv().arg("--help"));
    assert!(
        help.contains("`perl -MModule` on the command line"),
        "{help}"
    );
    assert!(help.contains("`perl -T` ignores"), "{help}");
    let man =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/man/perlenv.1")).unwrap();
    assert!(
        man.contains("PERL5OPT is applied"),
        "man page lacks the leaks"
    );
}

#[test]
fn without_cpanm_a_build_pl_dist_directory_is_built() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    // A Module::Build dist as a directory (no Makefile.PL, no tarball).
    let dist = t.join("Baz-Qux-0.02");
    write(
        &dist.join("lib/Baz/Qux.pm"),
        "package Baz::Qux;\nour $VERSION = '0.02';\nsub hello { 'hello from Baz::Qux' }\n1;\n",
    );
    write(
        &dist.join("Build.PL"),
        "use Module::Build;\nModule::Build->new(module_name => 'Baz::Qux', dist_version => '0.02', license => 'perl')->create_build_script;\n",
    );
    let bin = path_without_cpanm(t);
    let env = new_env(t);
    perlenv()
        .arg("install")
        .arg(&env)
        .arg(&dist)
        .env("PATH", &bin)
        .assert()
        .success();
    assert!(env.join("lib/perl5/Baz/Qux.pm").exists());
    let out = stdout(perlenv().arg("run").arg(&env).args([
        "--",
        "perl",
        "-MBaz::Qux",
        "-e",
        "print Baz::Qux::hello()",
    ]));
    assert_eq!(out, "hello from Baz::Qux");
}

#[test]
fn the_os_program_exemption_goes_by_the_real_path_and_explicit_dirs_stay() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let env = new_env(t);
    // Says whether Debian's JSON (in /usr/share/perl5) can be loaded.
    let probe = "print eval { require JSON; 1 } ? qq{sees-debian\\n} : qq{isolated\\n};\n";
    write(&t.join("probe.pl"), probe);
    // /usr/local is the admin's, not the OS's. (Not /usr/local/share: the
    // install tests running beside this one watch it for stray writes.)
    let local = tempfile::tempdir_in("/usr/local/src").unwrap();
    write(&local.path().join("probe.pl"), probe);
    std::os::unix::fs::symlink("/usr/bin/dpkg-architecture", t.join("dpkg-arch")).unwrap();
    let (ok, out, err) = sh(
        ". \"$E/bin/activate\"\n\
         perl \"$T/probe.pl\"\n\
         perl \"/usr/bin/../..$T/probe.pl\"\n\
         perl \"$L/probe.pl\"\n\
         perl -I/usr/share/perl5 \"$T/probe.pl\"\n\
         (cd /usr/bin && ./dpkg-architecture -qDEB_HOST_ARCH >/dev/null && echo relative-ok)\n\
         \"$T/dpkg-arch\" -qDEB_HOST_ARCH >/dev/null && echo symlink-ok\n",
        t,
        &[("E", &env), ("T", t), ("L", local.path())],
    );
    assert!(ok, "{err}");
    assert_eq!(
        out, "isolated\nisolated\nisolated\nsees-debian\nrelative-ok\nsymlink-ok\n",
        "{err}"
    );
}

#[test]
fn a_dist_directory_or_tarball_named_without_dot_slash_is_installed() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let src = t.join("src");
    let name = unique("Dot-Less");
    let dir = dist_dir(&src, &name, "0.03", None, None);
    let tarball = dist(
        &src,
        &t.join("tarballs"),
        &unique("Tar-Less"),
        "0.04",
        None,
        None,
    );
    let module = |n: &str| n.replace('-', "::");
    // With cpanm, and on the make path without it.
    for (label, path) in with_and_without_cpanm(t) {
        let env = t.join(format!("env-{label}"));
        perlenv().arg("create").arg(&env).assert().success();
        perlenv()
            .arg("install")
            .arg(&env)
            .arg(dir.file_name().unwrap())
            .current_dir(&src)
            .env("PATH", &path)
            .assert()
            .success();
        perlenv()
            .arg("install")
            .arg(&env)
            .arg(tarball.file_name().unwrap())
            .current_dir(t.join("tarballs"))
            .env("PATH", &path)
            .assert()
            .success();
        assert_eq!(
            stdout(perlenv().arg("list").arg(&env)),
            format!(
                "{} 0.03\n{} 0.04\n",
                module(&name),
                module(&unique("Tar-Less"))
            ),
            "{label}"
        );
    }
}

#[test]
fn failing_tests_and_missing_prerequisites_fail_the_install_and_name_the_dist() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let src = t.join("src");
    // A dist whose test fails, and one needing a module nobody has.
    let failing = dist_dir(&src, &unique("Fails-Tests"), "0.01", None, None);
    write(
        &failing.join("t/fail.t"),
        "use Test::More tests => 1;\nok(0, 'meant to fail');\n",
    );
    let needy = dist_dir(
        &src,
        &unique("Needs-More"),
        "0.01",
        Some("No::Such::Prereq"),
        None,
    );
    // One needing JSON, which only Debian has: missing in an isolated env.
    let json = dist_dir(&src, &unique("Needs-Json"), "0.01", Some("JSON"), None);
    let name = |dir: &Path| dir.file_name().unwrap().to_str().unwrap().to_string();
    let make_path = path_without_cpanm(t);
    let env = new_env(t);
    let install = |dist: &Path, path: &std::ffi::OsStr| {
        perlenv()
            .arg("install")
            .arg(&env)
            .arg(dist)
            .env("PATH", path)
            .assert()
            .code(3)
    };
    let cpanm_path = std::env::var_os("PATH").unwrap();
    install(&failing, make_path.as_os_str()).stderr(predicates::str::contains(format!(
        "install: {}: tests failed",
        name(&failing)
    )));
    install(&failing, &cpanm_path).stderr(predicates::str::contains(format!(
        "install: {}: tests failed",
        name(&failing)
    )));
    install(&needy, make_path.as_os_str()).stderr(predicates::str::contains(format!(
        "install: {}: prerequisites not installed: No::Such::Prereq not found in the given sources",
        name(&needy)
    )));
    install(&json, make_path.as_os_str()).stderr(predicates::str::contains(format!(
        "install: {}: prerequisites not installed: JSON not found in the given sources",
        name(&json)
    )));
    assert_eq!(stdout(perlenv().arg("list").arg(&env)), "");
    // With --system-libs, Debian's JSON counts.
    let open = t.join("open");
    perlenv()
        .args(["create", "--system-libs"])
        .arg(&open)
        .assert()
        .success();
    perlenv()
        .arg("install")
        .arg(&open)
        .arg(&json)
        .env("PATH", &make_path)
        .assert()
        .success();
}

#[test]
fn man_pages_of_installed_dists_are_in_env_man_and_found_when_activated() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let src = t.join("src");
    let name = unique("With-Pod");
    let script = format!("{}-tool", name.to_lowercase());
    let dir = dist_dir(&src, &name, "0.01", None, Some(&script));
    let pod = format!("\n__END__\n\n=head1 NAME\n\n{script} - a tool with a page\n\n=cut\n");
    let path = dir.join("bin").join(&script);
    let text = std::fs::read_to_string(&path).unwrap();
    write(&path, &format!("{text}{pod}"));
    // With cpanm, and on the make path without it.
    for (label, search) in with_and_without_cpanm(t) {
        let env = t.join(format!("env-{label}"));
        perlenv().arg("create").arg(&env).assert().success();
        perlenv()
            .arg("install")
            .arg(&env)
            .arg(&dir)
            .env("PATH", &search)
            .assert()
            .success();
        let page = env.join("man/man1").join(format!("{script}.1p"));
        assert!(page.is_file(), "{label}: no {}", page.display());
        let (ok, out, err) = sh(
            &format!(". \"$E/bin/activate\"\nman -w {script}\n"),
            t,
            &[("E", &env)],
        );
        assert!(ok, "{label}: {err}");
        assert_eq!(out.trim(), page.to_str().unwrap(), "{label}");
    }
}

/// Two installs into one environment at once are serialised by
/// ENV/.perlenv.lock: while util-linux flock (the same flock(2)) holds it,
/// both say they wait; once it is let go, both succeed and `list` has both.
/// Every step is a handshake: the holder says when it holds the lock, the
/// installs say when they wait, and only then is the lock let go.
#[test]
fn concurrent_installs_into_one_env_wait_for_each_other() {
    use std::io::BufRead;
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let env = new_env(t);
    let names = [unique("LockA"), unique("LockB")];
    let tarballs: Vec<PathBuf> = names
        .iter()
        .map(|n| dist(&t.join("src"), &t.join("dists"), n, "0.01", None, None))
        .collect();
    let (held, release) = (t.join("held"), t.join("release"));
    let mut holder = std::process::Command::new("flock")
        .arg(env.join(".perlenv.lock"))
        .args([
            "sh",
            "-c",
            "touch \"$1\"; while [ ! -e \"$2\" ]; do sleep 0.05; done",
            "sh",
        ])
        .arg(&held)
        .arg(&release)
        .spawn()
        .unwrap();
    let bounded = |what: &str, done: &dyn Fn() -> bool| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        while !done() {
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {what}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    };
    bounded("flock to hold the lock", &|| held.exists());
    let bin = assert_cmd::cargo::cargo_bin("perlenv");
    let (said, heard) = std::sync::mpsc::channel();
    let installs: Vec<_> = tarballs
        .iter()
        .map(|tarball| {
            let mut child = std::process::Command::new(&bin)
                .env("PERLENV_CACHE_DIR", test_cache())
                .arg("install")
                .arg(&env)
                .arg(tarball)
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            let stderr = child.stderr.take().unwrap();
            let said = said.clone();
            let reader = std::thread::spawn(move || {
                let mut text = String::new();
                for line in std::io::BufReader::new(stderr).lines() {
                    let line = line.unwrap();
                    if line.contains("waiting up to") {
                        said.send(()).unwrap();
                    }
                    text.push_str(&line);
                    text.push('\n');
                }
                text
            });
            (child, reader)
        })
        .collect();
    for _ in &installs {
        heard
            .recv_timeout(std::time::Duration::from_secs(120))
            .expect("an install did not say it waits for the lock");
    }
    std::fs::write(&release, "").unwrap();
    assert!(holder.wait().unwrap().success());
    for (mut install, reader) in installs {
        let status = install.wait().unwrap();
        let err = reader.join().unwrap();
        assert!(status.success(), "{err}");
    }
    let list = stdout(perlenv().arg("list").arg(&env));
    for name in &names {
        assert!(
            list.contains(&format!("{} 0.01", name.replace('-', "::"))),
            "{list}"
        );
    }
}

/// `create --perl OTHER`: installs build with OTHER, not PATH's perl (here a
/// stub that fails), and the environment's perl is OTHER.
#[test]
fn an_env_made_with_another_perl_installs_with_it() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let other = t.join("other/perl5.36-copy");
    std::fs::create_dir_all(other.parent().unwrap()).unwrap();
    std::fs::copy("/usr/bin/perl", &other).unwrap();
    let stub = t.join("stub");
    write(
        &stub.join("perl"),
        "#!/bin/sh\necho 'PATH perl ran' >&2\nexit 97\n",
    );
    std::fs::set_permissions(stub.join("perl"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", stub.display(), std::env::var("PATH").unwrap());
    let env = t.join("env");
    perlenv()
        .arg("create")
        .arg("--perl")
        .arg(&other)
        .arg(&env)
        .env("PATH", &path)
        .assert()
        .success();
    perlenv()
        .arg("install")
        .arg("-q")
        .arg(&env)
        .arg(cpan("Try-Tiny"))
        .env("PATH", &path)
        .assert()
        .success();
    let text = stdout(
        perlenv()
            .arg("run")
            .arg(&env)
            .args([
                "--",
                "perl",
                "-MTry::Tiny",
                "-e",
                "print qq{$^X $INC{q{Try/Tiny.pm}}}",
            ])
            .env("PATH", &path),
    );
    assert_eq!(
        text,
        format!(
            "{} {}/lib/perl5/Try/Tiny.pm",
            other.display(),
            env.display()
        )
    );
}

#[test]
fn a_symlink_planted_as_the_install_lock_is_refused_and_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let env = new_env(t);
    // Root following this link would create (or lock) a file of the planter's choosing.
    let victim = t.join("victim");
    std::os::unix::fs::symlink(&victim, env.join(".perlenv.lock")).unwrap();
    install_by_make(t, &env, &cpan("Try-Tiny"))
        .failure()
        .stderr(predicates::str::contains(".perlenv.lock"));
    assert!(!victim.exists(), "the lock's symlink was followed");
    assert_eq!(stdout(perlenv().arg("list").arg(&env)), "");
}
