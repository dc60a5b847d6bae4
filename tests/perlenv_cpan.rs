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
fn moo_and_json_install_from_a_directory_of_real_tarballs() {
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
