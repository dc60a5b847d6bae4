//! Real CPAN release tarballs (Debian's .orig.tar.gz, fetched by
//! tests/testkit/fetch-cpan.sh) installed offline from a directory.

use std::path::Path;
use testkit::perlenv::*;

/// Every version `list` shows is a version (digits, dots, `_`, a leading
/// `v`) or `undef`.
fn assert_versions(list: &str) {
    for line in list.lines() {
        let (_, version) = line.rsplit_once(' ').unwrap();
        let v = version.trim_start_matches('v');
        assert!(
            version == "undef"
                || (v.starts_with(|c: char| c.is_ascii_digit())
                    && v.chars()
                        .all(|c| c.is_ascii_digit() || c == '.' || c == '_')),
            "not a version: {line}"
        );
    }
}

#[test]
fn moo_and_json_install_from_real_tarballs_and_freeze_reinstalls_the_same_list() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let env = new_env(t);
    perlenv()
        .arg("install")
        .arg("-q")
        .arg(&env)
        .arg("--from")
        .arg(cpan_cache())
        .args(["Moo", "JSON", "Try::Tiny"])
        .assert()
        .success();
    let moo = stdout(perlenv().arg("run").arg(&env).args([
        "--",
        "perl",
        "-e",
        "package P; use Moo; has x => (is => 'ro'); print P->new(x => 7)->x, ' ', $INC{'Moo.pm'}",
    ]));
    assert_eq!(moo, format!("7 {}", env.join("lib/perl5/Moo.pm").display()));
    let list = stdout(perlenv().arg("list").arg(&env));
    assert_versions(&list);
    for expect in [
        "Moo 2.005005\n",
        "Class::Method::Modifiers 2.14\n",
        "Role::Tiny 2.002004\n",
        "JSON 4.10\n",
    ] {
        assert!(list.contains(expect), "{expect}in {list}");
    }
    // freeze pins each dist by its main module with a real version, and
    // installing that from the same sources gives the identical list.
    let frozen = stdout(perlenv().arg("freeze").arg(&env));
    let pins: Vec<&str> = frozen.lines().filter(|l| !l.starts_with('#')).collect();
    for pin in &pins {
        let version = pin.split('\'').nth(3).unwrap_or("undef");
        assert_versions(&format!("x {}", version.trim_start_matches("== ")));
    }
    assert!(pins.contains(&"requires 'JSON', '== 4.10';"), "{frozen}");
    assert!(!frozen.contains("JSON::backportPP"), "{frozen}");
    std::fs::write(t.join("cpanfile"), &frozen).unwrap();
    let env2 = t.join("env2");
    perlenv().arg("create").arg(&env2).assert().success();
    perlenv()
        .arg("install")
        .arg("-q")
        .arg(&env2)
        .arg("--from")
        .arg(cpan_cache())
        .arg("--cpanfile")
        .arg(t.join("cpanfile"))
        .assert()
        .success();
    assert_eq!(stdout(perlenv().arg("list").arg(&env2)), list);
}

#[test]
fn from_dir_takes_the_newest_version_and_skips_a_corrupt_tarball() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let name = unique("Multi-Ver");
    let module = name.replace('-', "::");
    let dir = t.join("tarballs");
    for v in ["0.09", "0.10", "0.2"] {
        dist(&t.join("src"), &dir, &name, v, None, None);
    }
    // Sorts first, and is not a tarball at all.
    std::fs::write(dir.join("AAA-Broken-1.0.tar.gz"), b"not gzip").unwrap();
    let env = new_env(t);
    perlenv()
        .arg("install")
        .arg(&env)
        .arg("--from")
        .arg(&dir)
        .arg(&module)
        .assert()
        .success()
        .stderr(predicates::str::contains("AAA-Broken-1.0.tar.gz"))
        .stderr(predicates::str::contains("skipped"));
    assert_eq!(
        stdout(perlenv().arg("list").arg(&env)),
        format!("{module} 0.2\n")
    );
}

/// Plain `cpanm` in an activated isolated environment sees what the
/// environment's programs see: Debian's copy of Try::Tiny
/// (libtry-tiny-perl, in /usr/share/perl5) does not count as installed, so
/// cpanm installs it into ENV and the dist's tests, run isolated, pass.
#[test]
fn plain_cpanm_in_an_activated_env_installs_what_isolation_hides() {
    assert!(
        Path::new("/usr/share/perl5/Try/Tiny.pm").is_file(),
        "libtry-tiny-perl must be installed (.ci/debian-packages)"
    );
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let name = unique("NeedsTryTiny");
    let module = name.replace('-', "::");
    let authors = t.join("mirror/authors/id/L/LO/LOCAL");
    let src = t.join("src");
    let dir = dist_dir(&src, &name, "0.01", Some("Try::Tiny"), None);
    write(
        &dir.join("t/load.t"),
        &format!("use Test::More tests => 1;\nuse_ok('{module}');\n"),
    );
    std::fs::create_dir_all(&authors).unwrap();
    let tarball = format!("{name}-0.01.tar.gz");
    let st = std::process::Command::new("tar")
        .arg("-czf")
        .arg(authors.join(&tarball))
        .arg("-C")
        .arg(&src)
        .arg(format!("{name}-0.01"))
        .status()
        .unwrap();
    assert!(st.success());
    let try_tiny = cpan("Try-Tiny");
    let try_tiny_name = try_tiny.file_name().unwrap().to_str().unwrap().to_owned();
    std::fs::copy(&try_tiny, authors.join(&try_tiny_name)).unwrap();
    let index = format!(
        "File: 02packages.details.txt\nLine-Count: 2\n\n\
         {module} 0.01 L/LO/LOCAL/{tarball}\n\
         Try::Tiny 0.31 L/LO/LOCAL/{try_tiny_name}\n"
    );
    write(&t.join("mirror/modules/02packages.details.txt"), &index);
    let st = std::process::Command::new("gzip")
        .arg(t.join("mirror/modules/02packages.details.txt"))
        .status()
        .unwrap();
    assert!(st.success());
    let env = new_env(t);
    let (ok, out, err) = sh(
        &format!(
            ". \"$ENV_DIR/bin/activate\" && cpanm --mirror \"file://$MIRROR\" --mirror-only {module} \
             && perl -M{module} -e 'print $INC{{q{{Try/Tiny.pm}}}}'"
        ),
        t,
        &[("ENV_DIR", &env), ("MIRROR", &t.join("mirror"))],
    );
    assert!(ok, "plain cpanm failed:\n{out}\n{err}");
    assert!(
        out.ends_with(&format!("{}/lib/perl5/Try/Tiny.pm", env.display())),
        "Try::Tiny does not come from ENV: {out}"
    );
    let list = stdout(perlenv().arg("list").arg(&env));
    assert!(list.contains("Try::Tiny 0.31"), "{list}");
    assert!(list.contains(&format!("{module} 0.01")), "{list}");
}

/// A cpanfile using the language's constructs installs exactly what
/// `cpanm --installdeps` would: runtime, test and configure requires, not
/// recommends, develop or feature requirements.
#[test]
fn a_cpanfile_in_the_whole_language_installs_its_requires_from_real_tarballs() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let env = new_env(t);
    write(
        &t.join("cpanfile"),
        "# the runtime phase\n\
         requires 'Try::Tiny', 0;\n\
         requires 'Class::Method::Modifiers' =>\n    '>= 2.0, < 3', dist => 'ETHER/Class-Method-Modifiers-2.14.tar.gz';\n\
         recommends 'JSON';\n\
         on test => sub {\n    requires 'Role::Tiny', '2.0';\n};\n\
         on develop => sub { requires 'Perl::Tidy' };\n\
         feature 'moo', 'Moo support' => sub { requires 'Moo' };\n\
         configure_requires 'Sub::Quote';\n",
    );
    perlenv()
        .arg("install")
        .arg("-q")
        .arg(&env)
        .arg("--from")
        .arg(cpan_cache())
        .arg("--cpanfile")
        .arg(t.join("cpanfile"))
        .assert()
        .success();
    let list = stdout(perlenv().arg("list").arg(&env));
    for wanted in [
        "Try::Tiny ",
        "Class::Method::Modifiers ",
        "Role::Tiny ",
        "Sub::Quote ",
    ] {
        assert!(list.contains(wanted), "{wanted} missing:\n{list}");
    }
    for unwanted in ["JSON ", "Perl::Tidy ", "Moo "] {
        assert!(
            !list.lines().any(|l| l.starts_with(unwanted)),
            "{unwanted} installed:\n{list}"
        );
    }
}

/// A hostile environment path (quotes, `$(...)`, a backtick) gets an
/// ENV/bin/cpanm that refuses (exit 2, pointing to `perlenv install`) and
/// runs nothing of the path.
#[test]
fn the_cpanm_wrapper_of_a_hostile_path_refuses_and_runs_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let env = t.join("it's $(touch PWNED) `touch PWNED2`");
    perlenv().arg("create").arg(&env).assert().success();
    let (ok, _, err) = sh(
        ". \"$ENV_DIR/bin/activate\" && cpanm Try::Tiny",
        t,
        &[("ENV_DIR", &env)],
    );
    assert!(!ok);
    assert!(err.contains("use: perlenv install"), "{err}");
    assert!(!t.join("PWNED").exists() && !t.join("PWNED2").exists());
}
