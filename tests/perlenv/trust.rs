//! Issue #25 point 4: perlenv run as root never executes what an
//! environment's owner (or anyone who may write its directories) planted.
//! Real accounts made with useradd plant the code; root runs perlenv; the
//! markers the planted code would leave are checked on disk.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use testkit::perlenv::*;
use testkit::users::User;

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// An executable `/bin/sh` script at `path` that leaves `marker` (with the
/// uid it ran as) and then pretends to be what it replaced.
fn planted_script(path: &Path, marker: &Path, pretend: &str) -> String {
    format!(
        "cat >'{p}' <<'EOF'\n#!/bin/sh\nid -u >'{m}'\n{pretend}\nEOF\nchmod 755 '{p}'",
        p = path.display(),
        m = marker.display()
    )
}

fn stderr_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

/// Reproduction (a): ENV, ENV/bin and ENV/lib/perl5 mode 0777 and a user
/// plants `bin/ls` and `lib/perl5/strict.pm`: root's `run -- ls` and
/// `run -- perl -e 'use strict'` are refused, naming the directory, and
/// nothing planted runs. Each directory alone (and group write) is enough.
#[test]
fn root_refuses_an_env_whose_directories_another_user_may_write() {
    let tmp = open_tempdir();
    let t = tmp.path();
    let mallory = User::new(t);
    let drop_box = mallory.home.clone();
    let env = new_env(t);
    let (bin, lib) = (env.join("bin"), env.join("lib/perl5"));
    for dir in [&env, &bin, &lib] {
        chmod(dir, 0o777);
    }
    let ran_ls = drop_box.join("ran-ls");
    let ran_strict = drop_box.join("ran-strict");
    sh_as(
        &mallory,
        &planted_script(&bin.join("ls"), &ran_ls, "exit 0"),
    );
    sh_as(
        &mallory,
        &format!(
            "printf '%s\\n' 'package strict; open my $f, \">\", q{{{}}}; print $f $<; sub import {{}} 1;' >'{}'",
            ran_strict.display(),
            lib.join("strict.pm").display()
        ),
    );
    for command in [&["ls"][..], &["perl", "-e", "use strict; print 1"]] {
        let refused = perlenv()
            .arg("run")
            .arg(&env)
            .arg("--")
            .args(command)
            .assert()
            .code(2)
            .stdout("");
        let err = stderr_of(&refused);
        assert!(
            err.contains(&format!(
                "{}: writable by everyone (mode 0777)",
                env.display()
            )),
            "{err}"
        );
    }
    assert!(!ran_ls.exists(), "the planted ls ran");
    assert!(!ran_strict.exists(), "the planted strict.pm ran");

    // Each of the three alone is refused and named; so is write by a group
    // the attacker is in (root's own group is root's).
    chmod(&env, 0o755);
    for (dir, mode, gid, by) in [
        (&bin, 0o777, 0, "everyone (mode 0777)"),
        (&lib, 0o777, 0, "everyone (mode 0777)"),
        (&lib, 0o775, mallory.gid, "its group (mode 0775)"),
    ] {
        chmod(&bin, 0o755);
        chmod(&lib, 0o755);
        chmod(dir, mode);
        std::os::unix::fs::chown(dir, None, Some(gid)).unwrap();
        let refused = perlenv()
            .arg("run")
            .arg(&env)
            .args(["--", "perl", "-e", "use strict; print 1"])
            .assert()
            .code(2);
        let err = stderr_of(&refused);
        assert!(
            err.contains(&format!("{}: writable by {by}", dir.display())),
            "{err}"
        );
    }
    assert!(!ran_ls.exists() && !ran_strict.exists());
    // Once the planted files are gone and the modes are root's again, it
    // runs; group write for root's own group is fine.
    std::fs::remove_file(bin.join("ls")).unwrap();
    std::fs::remove_file(lib.join("strict.pm")).unwrap();
    std::os::unix::fs::chown(&lib, None, Some(0)).unwrap();
    let out =
        stdout(
            perlenv()
                .arg("run")
                .arg(&env)
                .args(["--", "perl", "-e", "use strict; print 1"]),
        );
    assert_eq!(out, "1");
}

/// The commands root runs on an environment, with what each needs.
fn root_commands(env: &Path, tarball: &Path) -> Vec<(&'static str, Vec<std::ffi::OsString>)> {
    let args = |words: &[&str]| -> Vec<std::ffi::OsString> {
        let mut v: Vec<std::ffi::OsString> = words.iter().map(Into::into).collect();
        v.insert(1, env.as_os_str().to_os_string());
        v
    };
    let mut install = args(&["install", "-q"]);
    install.push(tarball.as_os_str().to_os_string());
    vec![
        ("check", args(&["check"])),
        ("info", args(&["info"])),
        ("list", args(&["list"])),
        ("freeze", args(&["freeze"])),
        ("lock", args(&["lock"])),
        ("activate", args(&["activate"])),
        ("run", args(&["run", "--", "perl", "-e", "print 1"])),
        ("install", install),
    ]
}

/// Reproduction (b): alice's environment, whose `perl =` and `bin/perl`
/// point at her own script. As root, check (what NRPE runs), info, list,
/// freeze, lock, activate, run and install are each refused with exit 2
/// naming the path, `check --nagios` is CRITICAL, and her script never
/// runs; as alice herself the environment works.
#[test]
fn root_refuses_an_env_its_owner_controls_and_never_runs_her_perl() {
    let tmp = open_tempdir();
    let t = tmp.path();
    let alice = User::new(t);
    let tarball = dist(
        &t.join("src"),
        &t.join("dists"),
        &unique("Trust"),
        "0.01",
        None,
        None,
    );
    chmod(&t.join("dists"), 0o755);
    // Her home (hers, as homes are) and an environment she made in it.
    let home = alice.home.clone();
    let env = home.join("env");
    perlenv_as(&alice)
        .arg("create")
        .arg(&env)
        .assert()
        .success();
    let marker = home.join("ran-as");
    let evil = home.join("evil-perl");
    sh_as(
        &alice,
        &planted_script(&evil, &marker, "exec /usr/bin/perl \"$@\""),
    );
    let cfg = env.join("perlenv.cfg");
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        "perl = /usr/bin/perl",
        &format!("perl = {}", evil.display()),
    );
    sh_as(
        &alice,
        &format!(
            "printf '%s' '{text}' >'{cfg}' && ln -sf '{evil}' '{env}/bin/perl'",
            cfg = cfg.display(),
            evil = evil.display(),
            env = env.display()
        ),
    );

    for (name, args) in root_commands(&env, &tarball) {
        let refused = perlenv().args(&args).assert().code(2).stdout("");
        let err = stderr_of(&refused);
        assert!(
            err.contains(&format!(
                "{}: owned by {} (uid {})",
                home.display(),
                alice.name,
                alice.uid
            )) && err.contains(&format!("runuser -u {} -- perlenv", alice.name)),
            "{name}: {err}"
        );
    }
    perlenv()
        .arg("check")
        .arg("--nagios")
        .arg(&env)
        .assert()
        .code(2)
        .stdout(predicates::str::starts_with(format!(
            "PERLENV CRITICAL - {}: owned by {}",
            home.display(),
            alice.name
        )));
    assert!(!marker.exists(), "alice's perl ran as root");

    // The same environment moved into a directory of root's: now the
    // environment itself is named.
    let shared = t.join("shared");
    std::fs::create_dir(&shared).unwrap();
    let moved = shared.join("env");
    std::fs::rename(&env, &moved).unwrap();
    let text = std::fs::read_to_string(moved.join("perlenv.cfg"))
        .unwrap()
        .replace(
            &format!("root = {}", env.display()),
            &format!("root = {}", moved.display()),
        );
    std::fs::write(moved.join("perlenv.cfg"), text).unwrap();
    std::os::unix::fs::chown(moved.join("perlenv.cfg"), Some(alice.uid), Some(alice.gid)).unwrap();
    for (name, args) in root_commands(&moved, &tarball) {
        let err = stderr_of(&perlenv().args(&args).assert().code(2));
        assert!(
            err.contains(&format!("{}: owned by {}", moved.display(), alice.name)),
            "{name}: {err}"
        );
    }
    assert!(!marker.exists(), "alice's perl ran as root");

    // A root-owned environment whose recorded perl is alice's script.
    chown_tree(&moved, 0, 0);
    for (name, args) in root_commands(&moved, &tarball) {
        let err = stderr_of(&perlenv().args(&args).assert().code(2));
        assert!(
            err.contains(&format!("{}: owned by {}", home.display(), alice.name)),
            "{name}: {err}"
        );
    }
    assert!(!marker.exists(), "alice's perl ran as root");

    // Alice on her own environment: it is hers to run (her perl runs as her).
    let mine = home.join("mine");
    perlenv_as(&alice)
        .arg("create")
        .arg(&mine)
        .assert()
        .success();
    let out = perlenv_as(&alice)
        .arg("run")
        .arg(&mine)
        .args(["--", "perl", "-e", "print $<"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), alice.uid.to_string());
    // And root may not make an environment with her perl.
    perlenv()
        .arg("create")
        .arg("--perl")
        .arg(&evil)
        .arg(t.join("with-her-perl"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(format!(
            "{}: owned by {}",
            home.display(),
            alice.name
        )));
    assert!(!marker.exists(), "alice's perl ran as root");
}

fn chown_tree(path: &Path, uid: u32, gid: u32) {
    let st = std::process::Command::new("chown")
        .arg("-R")
        .arg(format!("{uid}:{gid}"))
        .arg(path)
        .status()
        .unwrap();
    assert!(st.success());
}

/// A user may use root's environments: root owns nothing a user could
/// abuse, and the user's commands run as the user.
#[test]
fn a_user_may_use_an_env_root_made() {
    let tmp = open_tempdir();
    let t = tmp.path();
    let bob = User::new(t);
    let env = new_env(t);
    let out = perlenv_as(&bob)
        .arg("run")
        .arg(&env)
        .args(["--", "perl", "-e", "print $<"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), bob.uid.to_string());
    // But not another user's: bob on carol's environment is refused.
    let carol = User::new(t);
    let home = carol.home.clone();
    perlenv_as(&carol)
        .arg("create")
        .arg(home.join("env"))
        .assert()
        .success();
    perlenv_as(&bob)
        .arg("info")
        .arg(home.join("env"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(format!(
            "owned by {} (uid {}); perlenv runs nothing that a user other than root or you controls",
            carol.name, carol.uid
        )));
}

/// A root-owned perl that changed since creation: root refuses to run it
/// (not a warning), `check` reports it without running it (CRITICAL under
/// --nagios), and `check --update` is how root accepts it.
#[test]
fn root_never_runs_a_perl_that_changed_since_creation() {
    let tmp = open_tempdir();
    let t = tmp.path();
    let (perl, env) = env_with_perl_copy(t);
    // Replaced by a script that would leave a marker.
    let marker = t.join("ran");
    std::fs::remove_file(&perl).unwrap();
    write(
        &perl,
        &format!(
            "#!/bin/sh\ntouch '{}'\nexec /usr/bin/perl \"$@\"\n",
            marker.display()
        ),
    );
    chmod(&perl, 0o755);
    let changed = format!(
        "perl {} changed since the environment was made",
        perl.display()
    );
    for args in [
        &["run", "--", "perl", "-e", "1"][..],
        &["list"],
        &["info"],
        &["activate"],
    ] {
        let mut cmd = perlenv();
        cmd.arg(args[0]).arg(&env).args(&args[1..]);
        cmd.assert()
            .code(2)
            .stderr(predicates::str::contains(&changed));
    }
    perlenv()
        .arg("check")
        .arg(&env)
        .assert()
        .code(1)
        .stdout(predicates::str::contains(&changed));
    perlenv()
        .args(["check", "--nagios"])
        .arg(&env)
        .assert()
        .code(2)
        .stdout(predicates::str::starts_with("PERLENV CRITICAL - "))
        .stdout(predicates::str::contains(&changed));
    assert!(!marker.exists(), "the changed perl ran");
    // The admin accepts it: check --update runs it once and re-records it.
    perlenv()
        .args(["check", "--update"])
        .arg(&env)
        .assert()
        .code(0)
        .stderr(predicates::str::contains("re-recorded"));
    assert!(marker.exists());
    let out = stdout(
        perlenv()
            .arg("run")
            .arg(&env)
            .args(["--", "perl", "-e", "print 1"]),
    );
    assert_eq!(out, "1");
}
