//! Builds that cannot write outside ENV (issue #30 part 1) and ENV reached
//! only through the descriptor the install opened (issue #25 point 5): a
//! dist that writes into the system's site directory is refused with that
//! path and nothing is written; other programs writing in /usr/local meanwhile
//! never fail an install; ENV swapped for a symlink to /usr/local
//! mid-install redirects nothing; and the same sandbox for an ordinary user
//! (a real account made with useradd).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use testkit::perlenv::*;
use testkit::users::User;

/// A dist directory `src/NAME-0.01` whose Makefile.PL first runs `pre`.
fn dist_doing(src: &Path, name: &str, pre: &str) -> PathBuf {
    let dir = dist_dir(src, name, "0.01", None, None);
    let makefile = std::fs::read_to_string(dir.join("Makefile.PL")).unwrap();
    write(&dir.join("Makefile.PL"), &format!("{pre}\n{makefile}"));
    dir
}

/// Perl that writes `FILE` (making its directory first), dying with the
/// path and the reason when it cannot.
fn writes(file: &str) -> String {
    format!(
        "use File::Basename (); use File::Path ();\n\
         my $file = \"{file}\";\n\
         File::Path::make_path(File::Basename::dirname($file));\n\
         open my $out, '>', $file or die \"$file: $!\\n\";\n\
         print $out \"package Escaped; 1;\\n\"; close $out or die \"$file: $!\\n\";\n"
    )
}

/// Waits (bounded) until `done` says yes.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// As root: a Makefile.PL that writes into the system perl's site
/// directory fails there (EROFS), the error names the path, nothing is
/// written, and nothing of the dist lands in ENV.
#[test]
fn a_build_writing_into_the_site_directory_is_refused_with_its_path() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let name = unique("Escape-Site");
    let file = format!(
        "$Config::Config{{installsitelib}}/{}.pm",
        name.replace('-', "_")
    );
    let dir = dist_doing(
        &t.join("src"),
        &name,
        &format!("use Config;\n{}", writes(&file)),
    );
    let sitelib = perl_config("installsitelib");
    let planted = Path::new(&sitelib).join(format!("{}.pm", name.replace('-', "_")));
    let existed = Path::new(&sitelib).exists();
    for (label, path) in with_and_without_cpanm(t) {
        let env = t.join(format!("env-{label}"));
        perlenv().arg("create").arg(&env).assert().success();
        let out = perlenv()
            .arg("install")
            .arg("-q")
            .arg(&env)
            .arg(&dir)
            .env("PATH", &path)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{label}: {err}");
        assert!(
            err.contains("tried to write outside the environment")
                && err.contains("Read-only file system")
                && err.contains(if existed {
                    planted.to_str().unwrap()
                } else {
                    "/usr/local/"
                }),
            "{label}: {err}"
        );
        assert!(
            !planted.exists(),
            "{label}: the build wrote {}",
            planted.display()
        );
        assert_eq!(Path::new(&sitelib).exists(), existed, "{label}");
        assert_eq!(stdout(perlenv().arg("list").arg(&env)), "", "{label}");
    }
    // The user's dist directory is as it was: built from a copy.
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["Makefile.PL", "lib"]);
}

/// Without the sandbox (`--no-sandbox`), the old check still catches a
/// write beside ENV afterwards: exit 3 naming it.
#[test]
fn without_the_sandbox_a_write_outside_is_caught_afterwards() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let name = unique("Escape-Beside");
    let dir = dist_doing(
        &t.join("src"),
        &name,
        &writes("$ENV{PERL_LOCAL_LIB_ROOT}/../escaped"),
    );
    let env = t.join("e/env");
    perlenv().arg("create").arg(&env).assert().success();
    perlenv()
        .args(["install", "-q", "--no-sandbox"])
        .arg(&env)
        .arg(&dir)
        .assert()
        .code(3)
        .stderr(predicates::str::contains(
            "SOMETHING WAS WRITTEN OUTSIDE THE ENVIRONMENT",
        ))
        .stderr(predicates::str::contains("escaped"));
    assert!(t.join("e/escaped").exists());
    // With it, the builds see ENV only at a plain alias in their own work
    // directory: `ENV/..` is that work directory, thrown away afterwards,
    // and nothing appears beside the real ENV.
    let env = t.join("f/env");
    perlenv().arg("create").arg(&env).assert().success();
    perlenv()
        .args(["install", "-q"])
        .arg(&env)
        .arg(&dir)
        .assert()
        .success();
    assert!(!t.join("f/escaped").exists());
}

/// Another program creating files in /usr/local/bin and
/// /usr/local/share/perl all through an install does not fail it.
#[test]
fn other_programs_writing_in_system_directories_never_fail_an_install() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let env = new_env(t);
    let _system = system_dirs();
    let made_share = !Path::new("/usr/local/share/perl").exists();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let done = done.clone();
        std::thread::spawn(move || {
            let tag = format!("perlenv-test-{}", std::process::id());
            let dirs = [
                Path::new("/usr/local/bin"),
                Path::new("/usr/local/share/perl"),
            ];
            std::fs::create_dir_all(dirs[1]).unwrap();
            let mut n = 0u64;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                for dir in dirs {
                    let file = dir.join(format!("{tag}-{n}"));
                    std::fs::write(&file, "busy\n").unwrap();
                    if n > 0 {
                        let _ = std::fs::remove_file(dir.join(format!("{tag}-{}", n - 1)));
                    }
                }
                n += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
            for dir in dirs {
                let _ = std::fs::remove_file(dir.join(format!("{tag}-{}", n - 1)));
            }
            n
        })
    };
    let out = perlenv()
        .arg("install")
        .arg("-q")
        .arg(&env)
        .arg(cpan("Try-Tiny"))
        .output()
        .unwrap();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.join().unwrap();
    if made_share {
        let _ = std::fs::remove_dir("/usr/local/share/perl");
    }
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(written > 1, "the other program wrote during the install");
    assert!(stdout(perlenv().arg("list").arg(&env)).contains("Try::Tiny 0.31"));
}

fn listing(dir: &Path) -> Vec<std::ffi::OsString> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    names
}

/// Issue #25 point 5: ENV swapped for a symlink to /usr/local while the
/// install is configuring. The build goes on into the directory perlenv
/// opened, perlenv notices the swap and refuses (exit 3, naming it), and
/// nothing is written under /usr/local.
#[test]
fn env_swapped_for_a_symlink_mid_install_redirects_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let name = unique("Slow-A");
    let module_file = format!("{}.pm", name.replace("Slow-", "Slow/"));
    let go = t.join("go");
    // The handshake: configuring leaves ENV/.configuring, then waits for `go`.
    let dir = dist_doing(
        &t.join("src"),
        &name,
        &format!(
            "open my $m, '>', \"$ENV{{PERL_LOCAL_LIB_ROOT}}/.configuring\" or die \"$!\";\n\
             close $m;\n\
             for (1 .. 6000) {{ last if -e '{go}'; select undef, undef, undef, 0.05 }}\n\
             die \"no go\\n\" unless -e '{go}';\n",
            go = go.display()
        ),
    );
    let _system = system_dirs();
    let before = (listing(Path::new("/usr/local")), system_perl_state());
    for (label, path) in with_and_without_cpanm(t) {
        let env = t.join(format!("env2-{label}"));
        let real = t.join(format!("env2-{label}.real"));
        perlenv().arg("create").arg(&env).assert().success();
        let _ = std::fs::remove_file(&go);
        let install = assert_cmd::cargo::cargo_bin("perlenv");
        let child = std::process::Command::new(install)
            .env("PERLENV_CACHE_DIR", test_cache())
            .args(["install", "-q"])
            .arg(&env)
            .arg(&dir)
            .env("PATH", &path)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        wait_until("the build to configure", || {
            env.join(".configuring").exists()
        });
        std::fs::rename(&env, &real).unwrap();
        std::os::unix::fs::symlink("/usr/local", &env).unwrap();
        std::fs::write(&go, "").unwrap();
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        std::fs::remove_file(&env).unwrap();
        assert_eq!(out.status.code(), Some(3), "{label}: {err}");
        assert!(
            err.contains(&format!(
                "{}: no longer the directory this install opened (moved or replaced while \
                 installing, now a symlink to /usr/local)",
                env.display()
            )),
            "{label}: {err}"
        );
        // What was built went into the directory opened, or, when a later
        // step's sandbox found ENV swapped, nowhere.
        let installed = real.join("lib/perl5").join(&module_file);
        assert!(
            installed.is_file() || !err.contains("installed"),
            "{label}: {err}"
        );
        for path in [
            Path::new("/usr/local/lib/perl5"),
            Path::new("/usr/local/.cpanm"),
            Path::new("/usr/local/.configuring"),
        ] {
            assert!(!path.exists(), "{label}: {} was written", path.display());
        }
    }
    assert_eq!(
        (listing(Path::new("/usr/local")), system_perl_state()),
        before,
        "something changed under /usr/local"
    );
}

/// An ordinary user's install runs in a user namespace: the user's own
/// directory outside ENV is read-only to the build (named in the error,
/// nothing written), and a clean dist installs.
#[test]
fn a_users_build_cannot_write_outside_env_either() {
    let tmp = open_tempdir();
    let t = tmp.path();
    let user = User::new(t);
    let home = user.home.clone();
    let outside = home.join("outside/Escaped.pm");
    let name = unique("Escape-User");
    let src = user.home.clone();
    let dir = dist_doing(&src, &name, &writes(outside.to_str().unwrap()));
    let clean = dist_dir(&src, &unique("Clean-User"), "0.01", None, None);
    let st = std::process::Command::new("chown")
        .arg("-R")
        .arg(format!("{}:{}", user.uid, user.gid))
        .arg(&src)
        .status()
        .unwrap();
    assert!(st.success());
    let env = home.join("env");
    perlenv_as(&user).arg("create").arg(&env).assert().success();
    let out = perlenv_as(&user)
        .args(["-v", "install"])
        .arg(&env)
        .arg(&dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("builds run in a user and mount namespace"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "mkdir {}: Read-only file system",
            outside.parent().unwrap().display()
        )),
        "{err}"
    );
    assert!(
        !outside.parent().unwrap().exists(),
        "the user's build wrote outside ENV"
    );
    perlenv_as(&user)
        .args(["install", "-q"])
        .arg(&env)
        .arg(&clean)
        .assert()
        .success();
    let list = String::from_utf8(
        perlenv_as(&user)
            .arg("list")
            .arg(&env)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(
        list.contains(&unique("Clean-User").replace('-', "::")),
        "{list}"
    );
}
