//! Installs into environments whose paths hold quotes, `$`, backticks and
//! `$(shell ...)`: everything lands inside ENV, no command in the name runs,
//! and the system perl's site directories and ENV's parent stay untouched.
//! As root, as in production. Real cpanm, real make, real CPAN tarballs.

use std::path::{Path, PathBuf};
use testkit::perlenv::*;

/// Hostile env names; `{m}` becomes a marker path that exists only if a
/// command hidden in the name ran.
const HOSTILE: &[&str] = &[
    "q'uote",
    "d\"quote",
    "dol$x",
    "dol${HOME}",
    "bt`touch {m}`",
    "mk$(shell touch {m})",
    "sub$(touch {m})",
    "semi;touch {m};",
    "back\\slash",
    "sp ace'\"$x",
];

struct Case {
    env: PathBuf,
    marker: PathBuf,
    parent: PathBuf,
}

fn cases(t: &Path) -> Vec<Case> {
    HOSTILE
        .iter()
        .enumerate()
        .map(|(n, name)| {
            let marker = t.join(format!("RAN-{n}"));
            let parent = t.join(format!("p{n}"));
            std::fs::create_dir(&parent).unwrap();
            let name = name.replace("{m}", marker.to_str().unwrap());
            Case {
                env: parent.join(name),
                marker,
                parent,
            }
        })
        .collect()
}

fn listing(dir: &Path) -> Vec<std::ffi::OsString> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    names.sort();
    names
}

/// The highest directory the hostile name made below `parent`.
fn top_of(case: &Case) -> std::ffi::OsString {
    case.env
        .strip_prefix(&case.parent)
        .unwrap()
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_os_string()
}

fn installs_inside(path_var: Option<&Path>, what: &Path, module: &str, t: &Path) {
    let _system = system_dirs();
    let before = system_perl_state();
    for case in cases(t) {
        perlenv().arg("create").arg(&case.env).assert().success();
        let mut install = perlenv();
        install.arg("install").arg("-q").arg(&case.env).arg(what);
        if let Some(path) = path_var {
            install.env("PATH", path);
        }
        let out = install.output().unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            case.env.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let file = format!("lib/perl5/{}.pm", module.replace("::", "/"));
        assert!(
            case.env.join(&file).is_file(),
            "{}: {file} is not in ENV",
            case.env.display()
        );
        let loaded = stdout(perlenv().arg("run").arg(&case.env).args([
            "--",
            "perl",
            &format!("-M{module}"),
            "-e",
            &format!("print $INC{{'{}'}}", file.trim_start_matches("lib/perl5/")),
        ]));
        assert_eq!(loaded, case.env.join(&file).to_str().unwrap());
        assert!(
            !case.marker.exists(),
            "{}: a command ran",
            case.env.display()
        );
        assert_eq!(
            listing(&case.parent),
            [top_of(&case)],
            "{}",
            case.env.display()
        );
        // The records name the environment, not the build alias.
        let packlists = std::process::Command::new("grep")
            .args(["-rl", "perlenv-"])
            .arg(case.env.join("lib/perl5"))
            .output()
            .unwrap();
        assert!(packlists.stdout.is_empty(), "{:?}", packlists);
    }
    assert_eq!(
        listing(t)
            .iter()
            .filter(|n| n.to_str().is_some_and(|n| n.starts_with("RAN-")))
            .count(),
        0
    );
    assert_eq!(
        system_perl_state(),
        before,
        "the system perl's directories changed"
    );
}

#[test]
fn hostile_paths_install_inside_env_with_cpanm() {
    let tmp = tempfile::tempdir().unwrap();
    installs_inside(None, &cpan("Try-Tiny"), "Try::Tiny", tmp.path());
}

#[test]
fn hostile_paths_install_inside_env_on_the_make_path() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let name = unique("Safe-Make");
    let tarball = dist(
        &t.join("src"),
        &t.join("out"),
        &name,
        "0.01",
        None,
        Some("safe-make"),
    );
    let bin = path_without_cpanm(t);
    installs_inside(Some(&bin), &tarball, &name.replace('-', "::"), t);
}

/// ENV in a shared directory: another program that keeps writing its own
/// file beside ENV during the install is not taken for an escape.
#[test]
fn another_program_writing_beside_env_is_not_an_escape() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let name = unique("Busy");
    let dir = dist_dir(&t.join("src"), &name, "0.01", None, None);
    let env = t.join("shared/env");
    perlenv().arg("create").arg(&env).assert().success();
    let log = t.join("shared/other-program.log");
    write(&log, "start\n");
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (log, done) = (log.clone(), done.clone());
        std::thread::spawn(move || {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
            let mut lines = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                writeln!(f, "line {lines}").unwrap();
                lines += 1;
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            lines
        })
    };
    perlenv()
        .arg("install")
        .arg("-q")
        .arg(&env)
        .arg(&dir)
        .assert()
        .success();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(
        writer.join().unwrap() > 0,
        "the writer ran during the install"
    );
}
