//! Helpers shared by the perlenv install tests: synthetic dists, real CPAN
//! tarballs (fetched once into target/cpan-cache), shells with a plain
//! environment, and a snapshot of the system perl's site directories.

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// perlenv, with the build cache of the tests (target/perlenv-test-cache)
/// rather than the machine's /var/cache/perlenv.
pub fn perlenv() -> Command {
    let mut cmd = Command::cargo_bin("perlenv").unwrap();
    cmd.env("PERLENV_CACHE_DIR", test_cache());
    cmd
}

pub fn test_cache() -> PathBuf {
    crate::repo_root().join("target/perlenv-test-cache")
}

pub fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The system perl's `$Config{KEY}`.
pub fn perl_config(key: &str) -> String {
    let out = std::process::Command::new("perl")
        .args(["-MConfig", "-e", &format!("print $Config{{{key}}}")])
        .output()
        .unwrap();
    assert!(out.status.success(), "perl -MConfig: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// A name no other test or process uses: visibility checks must not depend
/// on what another install put into the system perl meanwhile.
pub fn unique(name: &str) -> String {
    format!("Pe{}{name}", std::process::id())
}

/// A pure-Perl dist `Name-Version.tar.gz` in `out`, with `module`, an
/// optional prerequisite and an optional script.
pub fn dist(
    src: &Path,
    out: &Path,
    name: &str,
    version: &str,
    prereq: Option<&str>,
    script: Option<&str>,
) -> PathBuf {
    pack(&dist_dir(src, name, version, prereq, script), out)
}

/// `dir` (a dist directory) as `out/<its name>.tar.gz`.
pub fn pack(dir: &Path, out: &Path) -> PathBuf {
    std::fs::create_dir_all(out).unwrap();
    let top = dir.file_name().unwrap();
    let tarball = out.join(format!("{}.tar.gz", top.to_str().unwrap()));
    let st = std::process::Command::new("tar")
        .arg("-czf")
        .arg(&tarball)
        .arg("-C")
        .arg(dir.parent().unwrap())
        .arg(top)
        .status()
        .unwrap();
    assert!(st.success());
    tarball
}

/// A dist `src/NAME-0.01` whose test fails, packed into `out`.
pub fn failing_dist(src: &Path, out: &Path, name: &str) -> PathBuf {
    let dir = dist_dir(src, name, "0.01", None, None);
    write(
        &dir.join("t/fail.t"),
        "use Test::More tests => 1;\nok(0, 'meant to fail');\n",
    );
    pack(&dir, out)
}

/// An environment `t/env` made with a private copy of perl (`t/perl-copy`,
/// which a test may replace or remove); returns (perl, env).
pub fn env_with_perl_copy(t: &Path) -> (PathBuf, PathBuf) {
    let perl = t.join("perl-copy");
    std::fs::copy("/usr/bin/perl", &perl).unwrap();
    let env = t.join("env");
    perlenv()
        .arg("create")
        .arg("--perl")
        .arg(&perl)
        .arg(&env)
        .assert()
        .success();
    (perl, env)
}

/// The dist of `dist` as a directory `src/Name-Version`.
pub fn dist_dir(
    src: &Path,
    name: &str,
    version: &str,
    prereq: Option<&str>,
    script: Option<&str>,
) -> PathBuf {
    let module = name.replace('-', "::");
    let dir = src.join(format!("{name}-{version}"));
    let file = format!("lib/{}.pm", module.replace("::", "/"));
    let uses = prereq.map(|p| format!("use {p};\n")).unwrap_or_default();
    write(
        &dir.join(&file),
        &format!(
            "package {module};\n{uses}our $VERSION = '{version}';\nsub hello {{ \"hello from {module}\" }}\n1;\n"
        ),
    );
    let exe = script.map(|s| {
        write(
            &dir.join("bin").join(s),
            &format!("#!/usr/bin/perl\nuse {module};\nprint {module}::hello(), \"\\n\";\n"),
        );
        format!("EXE_FILES => ['bin/{s}'],")
    });
    let prereq_pm = prereq
        .map(|p| format!("PREREQ_PM => {{ '{p}' => 0 }},"))
        .unwrap_or_default();
    write(
        &dir.join("Makefile.PL"),
        &format!(
            "use ExtUtils::MakeMaker;\nWriteMakefile(NAME => '{module}', VERSION_FROM => '{file}', {prereq_pm} {});\n",
            exe.unwrap_or_default()
        ),
    );
    dir
}

/// The directory of real CPAN release tarballs (Debian's .orig.tar.gz),
/// fetched by tests/testkit/fetch-cpan.sh on first use into target/cpan-cache, or the complete
/// one named by `PERLENV_CPAN_CACHE` (read only: worktrees share one).
pub fn cpan_cache() -> &'static Path {
    static CACHE: OnceLock<PathBuf> = OnceLock::new();
    CACHE.get_or_init(|| {
        let root = crate::repo_root();
        let cache = std::env::var_os("PERLENV_CPAN_CACHE")
            .map_or_else(|| root.join("target/cpan-cache"), PathBuf::from);
        let st = std::process::Command::new("bash")
            .arg(root.join("tests/testkit/fetch-cpan.sh"))
            .arg(&cache)
            .status()
            .unwrap();
        assert!(st.success(), "fetching the CPAN tarballs failed");
        cache
    })
}

/// The path of one real tarball in the cache, by its dist name prefix.
pub fn cpan(name: &str) -> PathBuf {
    let prefix = format!("{name}-");
    std::fs::read_dir(cpan_cache())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            let n = p.file_name().unwrap().to_str().unwrap();
            n.starts_with(&prefix) && n[prefix.len()..].starts_with(|c: char| c.is_ascii_digit())
        })
        .unwrap_or_else(|| panic!("{name} is not in {}", cpan_cache().display()))
}

/// Runs `bash -c script` with a plain environment; returns (status ok, stdout, stderr).
pub fn sh(script: &str, cwd: &Path, vars: &[(&str, &Path)]) -> (bool, String, String) {
    let mut cmd = std::process::Command::new("bash");
    cmd.arg("-c")
        .arg(script)
        .current_dir(cwd)
        .env_remove("PERL5LIB")
        .env_remove("PERL5OPT")
        .env_remove("PERL_LOCAL_LIB_ROOT");
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn stdout(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        cmd,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A new environment at T/env.
pub fn new_env(t: &Path) -> PathBuf {
    let env = t.join("env");
    perlenv().arg("create").arg(&env).assert().success();
    env
}

/// `perlenv install -q ENV TARGET` with no cpanm in PATH: perlenv's own make
/// path. (Once per T: it makes T/nocpanm.)
pub fn install_by_make(t: &Path, env: &Path, target: &Path) -> assert_cmd::assert::Assert {
    perlenv()
        .arg("install")
        .arg("-q")
        .arg(env)
        .arg(target)
        .env("PATH", path_without_cpanm(t))
        .assert()
}

/// A directory for PATH with everything of /usr/bin and /bin except cpanm.
pub fn path_without_cpanm(t: &Path) -> PathBuf {
    let bin = t.join("nocpanm");
    std::fs::create_dir(&bin).unwrap();
    for dir in ["/usr/bin", "/bin"] {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let name = entry.file_name();
            if name != "cpanm" && !bin.join(&name).exists() {
                std::os::unix::fs::symlink(entry.path(), bin.join(&name)).unwrap();
            }
        }
    }
    bin
}

/// Both ways perlenv installs, as (label, PATH): with cpanm, and without it
/// (the make path).
pub fn with_and_without_cpanm(t: &Path) -> [(&'static str, std::ffi::OsString); 2] {
    [
        ("cpanm", std::env::var_os("PATH").unwrap()),
        ("make", path_without_cpanm(t).into_os_string()),
    ]
}

/// Held by the tests that write in /usr/local or compare it with
/// [`system_perl_state`]: one such test at a time in the perlenv binary.
pub fn system_dirs() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

/// Every entry (recursively) under the system perl's site directories and
/// their parents, with inode, size and times: what a lost INSTALL_BASE
/// would change.
pub fn system_perl_state() -> BTreeMap<PathBuf, (u64, u64, i64, i64)> {
    let mut out = BTreeMap::new();
    let mut stack: Vec<PathBuf> = [
        "/usr/local/share/perl",
        "/usr/local/lib/x86_64-linux-gnu/perl",
        "/usr/local/bin",
        "/usr/local/man",
        "/usr/local/share/man",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    for top in [
        "/usr/local/share",
        "/usr/local/lib/x86_64-linux-gnu",
        "/usr/local/lib",
    ] {
        for entry in std::fs::read_dir(top).into_iter().flatten().flatten() {
            let m = entry.metadata().unwrap();
            out.insert(entry.path(), (m.ino(), m.size(), m.mtime(), m.ctime()));
        }
    }
    while let Some(dir) = stack.pop() {
        let Ok(m) = std::fs::symlink_metadata(&dir) else {
            continue;
        };
        out.insert(dir.clone(), (m.ino(), m.size(), m.mtime(), m.ctime()));
        if m.is_dir() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                stack.push(entry.path());
            }
        }
    }
    out
}

/// perlenv run as `user` (setpriv, no supplementary groups), with HOME
/// its home: its build cache is its own.
pub fn perlenv_as(user: &crate::users::User) -> Command {
    let mut cmd = user.command(assert_cmd::cargo::cargo_bin("perlenv"), Path::new("/"));
    cmd.env("HOME", &user.home).env_remove("PERLENV_CACHE_DIR");
    Command::from_std(cmd)
}

/// `sh -c script` as `user`; panics if it fails.
pub fn sh_as(user: &crate::users::User, script: &str) {
    let out = user.sh(Path::new("/"), script);
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A temporary directory that other users can enter (tempdir makes 0700).
pub fn open_tempdir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    tmp
}
