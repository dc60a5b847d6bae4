//! `perlenv lock` and `perlenv bundle` against Debian's real carton: real
//! CPAN tarballs installed with cpanm, locked, bundled, then deployed
//! offline by `carton install --deployment --cached`.

use std::path::Path;
use testkit::perlenv::*;

/// An env with Moo (and its chain) and Try::Tiny from the real tarballs.
fn moo_env(t: &Path) -> std::path::PathBuf {
    let env = new_env(t);
    perlenv()
        .arg("install")
        .arg("-q")
        .arg(&env)
        .arg("--from")
        .arg(cpan_cache())
        .args(["Moo", "Try::Tiny"])
        .env("HOME", t)
        .assert()
        .success();
    env
}

/// `perlenv bundle ENV DIR --from` the real tarballs, which must succeed.
fn bundle(env: &Path, dir: &Path) {
    perlenv()
        .arg("bundle")
        .arg(env)
        .arg(dir)
        .arg("--from")
        .arg(cpan_cache())
        .assert()
        .success();
}

/// The stderr of a finished run, as text.
fn stderr(out: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&out.get_output().stderr).into_owned()
}

#[test]
fn lock_and_bundle_deploy_with_debians_carton() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let env = moo_env(t);
    let snapshot = stdout(perlenv().arg("lock").arg(&env));
    let file = t.join("cpanfile.snapshot");
    perlenv()
        .arg("lock")
        .arg(&env)
        .arg("-o")
        .arg(&file)
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), snapshot);
    assert!(snapshot.starts_with("# carton snapshot format: version 1.0\nDISTRIBUTIONS\n"));
    for expect in [
        "  Moo-2.005005\n    pathname: L/LO/LOCAL/Moo-2.005005.tar.gz\n    provides:\n",
        "      Moo 2.005005\n",
        "      Moo::Object undef\n",
        "      Role::Tiny 2.002003\n",
        "  Try-Tiny-0.31\n",
        "  Sub-Quote-2.006008\n",
        "  Class-Method-Modifiers-2.14\n",
        "  Role-Tiny-2.002004\n",
    ] {
        assert!(snapshot.contains(expect), "{expect:?} in {snapshot}");
    }

    let project = t.join("project");
    let cache = project.join("vendor/cache");
    bundle(&env, &cache);
    assert!(
        cache
            .join("authors/id/L/LO/LOCAL/Moo-2.005005.tar.gz")
            .is_file()
    );
    write(
        &project.join("cpanfile"),
        "requires 'Moo';\nrequires 'Try::Tiny';\n",
    );
    std::fs::copy(&file, project.join("cpanfile.snapshot")).unwrap();
    let (ok, out, err) = sh(
        "carton install --deployment --cached",
        &project,
        &[("HOME", t)],
    );
    assert!(ok, "carton failed: {out}{err}");
    // What carton put into local/ is exactly the locked set.
    let (ok, out, err) = sh(
        "perl -Ilocal/lib/perl5 -MMoo -MTry::Tiny -MRole::Tiny -MSub::Quote \
         -MClass::Method::Modifiers -e 'print join q{ }, $Moo::VERSION, \
         $Try::Tiny::VERSION, $Role::Tiny::VERSION, $Sub::Quote::VERSION, \
         $Class::Method::Modifiers::VERSION, $INC{q{Moo.pm}}'",
        &project,
        &[],
    );
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "2.005005 0.31 2.002004 2.006008 2.14 local/lib/perl5/Moo.pm"
    );
}

#[test]
fn bundle_names_the_dists_without_a_tarball_and_lock_refuses_an_empty_env() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let env = moo_env(t);
    let empty_src = t.join("empty");
    std::fs::create_dir(&empty_src).unwrap();
    let out = perlenv()
        .arg("bundle")
        .arg(&env)
        .arg(t.join("cache"))
        .arg("--from")
        .arg(&empty_src)
        .assert()
        .code(3);
    let err = stderr(&out);
    assert!(
        err.contains("Moo-2.005005") && err.contains("Try-Tiny-0.31"),
        "{err}"
    );

    let bare = t.join("bare");
    perlenv().arg("create").arg(&bare).assert().success();
    let out = perlenv().arg("lock").arg(&bare).assert().code(3);
    let err = stderr(&out);
    assert!(err.contains("nothing to lock"), "{err}");
}

#[test]
fn install_locked_from_the_bundle_gives_the_identical_list() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let env = moo_env(t);
    let snapshot = t.join("cpanfile.snapshot");
    perlenv()
        .arg("lock")
        .arg(&env)
        .arg("-o")
        .arg(&snapshot)
        .assert()
        .success();
    let vendor = t.join("bundle");
    bundle(&env, &vendor);
    let list = stdout(perlenv().arg("list").arg(&env));
    // --locked FILE from the bundle, and the snapshot given as a target
    // (read as a lock, not a tarball) from the real tarballs.
    for (name, how, from) in [
        ("a", "--locked", vendor.as_path()),
        ("b", "target", cpan_cache()),
    ] {
        let fresh = t.join(name);
        perlenv().arg("create").arg(&fresh).assert().success();
        let mut cmd = perlenv();
        cmd.arg("install")
            .arg("-q")
            .arg(&fresh)
            .arg("--from")
            .arg(from);
        if how == "--locked" {
            cmd.arg("--locked");
        }
        cmd.arg(&snapshot).env("HOME", t).assert().success();
        assert_eq!(stdout(perlenv().arg("list").arg(&fresh)), list, "{how}");
    }
}

#[test]
fn install_locked_fails_on_a_missing_version_and_on_a_bad_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let env = new_env(t);
    let good = "# carton snapshot format: version 1.0\nDISTRIBUTIONS\n  Try-Tiny-9.99\n    \
                pathname: E/ET/ETHER/Try-Tiny-9.99.tar.gz\n    provides:\n      Try::Tiny 9.99\n    \
                requirements:\n      perl 5.006\n";
    let cases = [
        (
            "missing.snapshot",
            good.to_string(),
            3,
            "Try-Tiny-9.99".to_string(),
        ),
        (
            "garbage.snapshot",
            "requires 'Moo';\n".to_string(),
            2,
            "garbage.snapshot:1:".to_string(),
        ),
        (
            "torn.snapshot",
            good[..good.find("    pathname").unwrap()].to_string(),
            2,
            "torn.snapshot:3:".to_string(),
        ),
        (
            "junk.snapshot",
            good.replace("    provides:", "    provides: x y z"),
            2,
            "junk.snapshot:5:".to_string(),
        ),
    ];
    for (file, text, code, expect) in cases {
        let path = t.join(file);
        write(&path, &text);
        let out = perlenv()
            .arg("install")
            .arg(&env)
            .arg("--from")
            .arg(cpan_cache())
            .arg("--locked")
            .arg(&path)
            .assert()
            .code(code);
        let err = stderr(&out);
        assert!(err.contains(&expect), "{file}: {err}");
    }
}

#[test]
fn dists_built_by_the_make_path_are_locked_and_bundled_too() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let env = new_env(t);
    // No cpanm in PATH: perlenv builds the tarball with make itself.
    install_by_make(t, &env, &cpan("Try-Tiny")).success();
    let snapshot = stdout(perlenv().arg("lock").arg(&env));
    for expect in [
        "  Try-Tiny-0.31\n    pathname: L/LO/LOCAL/Try-Tiny-0.31.tar.gz\n    provides:\n",
        "      Try::Tiny 0.31\n",
        "    requirements:\n",
    ] {
        assert!(snapshot.contains(expect), "{expect:?} in {snapshot}");
    }
    let cache = t.join("vendor/cache");
    bundle(&env, &cache);
    assert!(
        cache
            .join("authors/id/L/LO/LOCAL/Try-Tiny-0.31.tar.gz")
            .is_file()
    );
    // The locked set installs into a fresh env with the same result.
    let file = t.join("cpanfile.snapshot");
    std::fs::write(&file, &snapshot).unwrap();
    let again = t.join("again");
    perlenv().arg("create").arg(&again).assert().success();
    perlenv()
        .arg("install")
        .arg("-q")
        .arg(&again)
        .arg("--locked")
        .arg(&file)
        .arg("--from")
        .arg(&cache)
        .env("HOME", t)
        .assert()
        .success();
    assert_eq!(
        stdout(perlenv().arg("list").arg(&again)),
        stdout(perlenv().arg("list").arg(&env))
    );
}

/// `perlenv --help` (and so the man page) says where offline tarballs come
/// from, and the perlenv commands of its worked example run as written:
/// the offline server's env gets the same list as the connected one's.
#[test]
fn the_help_says_where_offline_tarballs_come_from_and_its_example_runs() {
    let help = stdout(perlenv().arg("--help"));
    let section = &help[help.find("OFFLINE SOURCES:\n").expect("no OFFLINE SOURCES")..];
    let section = &section[..section.find("\n\nSAFETY:").unwrap()];
    for way in [
        "--save-dists",
        "perlenv bundle ENV DIR",
        "--from file:///srv/minicpan",
        "apt-get source -d",
        "A worked\n  example",
    ] {
        assert!(section.contains(way), "{way} missing: {section}");
    }
    let commands: Vec<&str> = section
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("perlenv "))
        .collect();
    assert_eq!(commands.len(), 5, "{section}");
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    std::os::unix::fs::symlink(cpan_cache(), t.join("tarballs")).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("perlenv");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap()
    );
    for command in &commands {
        let command = command.replace("/srv/app/env", &format!("{}/srv/app/env", t.display()));
        let out = std::process::Command::new("sh")
            .args(["-ec", &command])
            .current_dir(t)
            .env("PATH", &path)
            .env("PERLENV_CACHE_DIR", test_cache())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let list = stdout(perlenv().arg("list").arg(t.join("env")));
    assert!(list.contains("Moo 2.005005\n"), "{list}");
    assert_eq!(
        stdout(perlenv().arg("list").arg(t.join("srv/app/env"))),
        list
    );
}
