//! Real CPAN release tarballs (Debian's .orig.tar.gz, fetched by
//! tests/perlenv_support/fetch.sh) installed offline from a directory.

mod perlenv_support;
use perlenv_support::*;

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
    let env = t.join("env");
    perlenv().arg("create").arg(&env).assert().success();
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
    let env = t.join("env");
    perlenv().arg("create").arg(&env).assert().success();
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
