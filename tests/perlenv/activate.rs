//! Activation in every shell with hostile environment names: each variable
//! gets its exact value, no command runs, and `deactivate` restores the
//! environment byte for byte and removes itself.

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

const NAMES: [&str; 10] = [
    "sp ace",
    "sq'uote",
    "dq\"uote",
    "dol$HOME",
    "bt`id`",
    "bang!x",
    "back\\slash",
    "semi;colon",
    "$(touch PWNED)",
    "ünïcødé",
];

const SHELLS: [&str; 5] = ["bash", "zsh", "dash", "fish", "tcsh"];

fn perlenv() -> Command {
    Command::cargo_bin("perlenv").unwrap()
}

/// `env -0` output as a map (without `_`, which shells set per command).
fn env_map(path: &Path) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    data.split(|&b| b == 0)
        .filter(|e| !e.is_empty())
        .map(|e| {
            let eq = e.iter().position(|&b| b == b'=').unwrap();
            (e[..eq].to_vec(), e[eq + 1..].to_vec())
        })
        .filter(|(k, _)| k != b"_")
        .collect()
}

/// A directory of commands that leave a mark if anything substitutes
/// `$(touch …)` or `` `id` ``.
fn trap_dir(root: &Path) -> PathBuf {
    let trap = root.join("trap");
    std::fs::create_dir_all(&trap).unwrap();
    for cmd in ["touch", "id"] {
        let p = trap.join(cmd);
        std::fs::write(
            &p,
            format!(
                "#!/bin/sh\necho {cmd} >> '{}'\n",
                root.join("RAN").display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    trap
}

/// The test script for one shell: snapshot, activate, snapshot, deactivate,
/// snapshot, then say whether `deactivate` is still defined.
fn script(shell: &str, out: &Path) -> String {
    let o = out.display();
    match shell {
        "fish" => format!(
            "env -0 > {o}/before\nperlenv activate $ENVDIR --shell fish | source\nenv -0 > {o}/active\n\
             printf '%s' (fish_prompt) > {o}/prompt\ndeactivate\nenv -0 > {o}/after\n\
             if functions -q deactivate; or functions -q _perlenv_old_fish_prompt; echo LEFTOVER; end\n"
        ),
        "tcsh" => format!(
            "set prompt = 'P> '\nenv -0 > {o}/before\nsource $ENVDIR:q/bin/activate.csh\nenv -0 > {o}/active\n\
             printf '%s' \"$prompt:q\" > {o}/prompt\ndeactivate\nenv -0 > {o}/after\n\
             if ( \"`alias deactivate`\" != '' ) echo LEFTOVER\nif ( \"$prompt:q\" != 'P> ' ) echo PROMPT-NOT-RESTORED\n"
        ),
        // bash goes through `eval "$(perlenv activate …)"`, the others source the file.
        _ => {
            let activate = if shell == "bash" {
                "eval \"$(perlenv activate \"$ENVDIR\" --shell bash)\""
            } else {
                ". \"$ENVDIR/bin/activate\""
            };
            format!(
                "PS1='P> '\nenv -0 > {o}/before\n{activate}\nenv -0 > {o}/active\n\
                 printf '%s' \"$PS1\" > {o}/prompt\ndeactivate\nenv -0 > {o}/after\n\
                 if command -v deactivate >/dev/null 2>&1; then echo LEFTOVER; fi\n\
                 if [ \"$PS1\" != 'P> ' ]; then echo PROMPT-NOT-RESTORED; fi\n"
            )
        }
    }
}

fn shellwords_quote(path: &[u8]) -> Vec<u8> {
    let mut out = vec![b'"'];
    for &b in path {
        if b == b'"' || b == b'\\' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'"');
    out
}

#[test]
fn hostile_names_in_every_shell() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let trap = trap_dir(root);
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_perlenv")).parent().unwrap();
    let path = format!("{}:{}:/usr/bin:/bin", trap.display(), bin_dir.display());
    let mut failures = Vec::new();
    // The listed names, plus one that is not UTF-8 (Latin-1 "latén").
    let names = NAMES.iter().map(|n| n.as_bytes()).chain([&b"lat\xe9n"[..]]);
    for (i, raw) in names.enumerate() {
        let name = String::from_utf8_lossy(raw);
        let envdir = root.join(format!("e{i}")).join(OsStr::from_bytes(raw));
        std::fs::create_dir_all(envdir.parent().unwrap()).unwrap();
        perlenv()
            .arg("create")
            .arg(&envdir)
            .current_dir(root)
            .assert()
            .success();
        let e = envdir.as_os_str().as_bytes();
        for shell in SHELLS {
            let case = format!("{shell} with {name:?}");
            let out = root.join(format!("out-{i}-{shell}"));
            std::fs::create_dir_all(&out).unwrap();
            let run = std::process::Command::new(shell)
                .arg("-c")
                .arg(script(shell, &out))
                .current_dir(root)
                .env_clear()
                .env("PATH", &path)
                .env("HOME", root)
                .env("LANG", "C.UTF-8")
                .env("PERL5LIB", "/inherited/lib")
                .env("PERL5OPT", "")
                .env("ENVDIR", &envdir)
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&run.stdout);
            let stderr = String::from_utf8_lossy(&run.stderr);
            if !run.status.success() || !stdout.trim().is_empty() || !stderr.trim().is_empty() {
                failures.push(format!(
                    "{case}: status {}, stdout {stdout:?}, stderr {stderr:?}",
                    run.status
                ));
                continue;
            }
            let (before, active, after) = (
                env_map(&out.join("before")),
                env_map(&out.join("active")),
                env_map(&out.join("after")),
            );
            let old_path = before[&b"PATH"[..]].clone();
            let expect: Vec<(&str, Vec<u8>)> = vec![
                ("PATH", [e, b"/bin:", &old_path].concat()),
                ("PERL5LIB", [e, b"/lib/perl5"].concat()),
                ("PERL5OPT", b"-Mperlenv::isolate".to_vec()),
                ("PERL_LOCAL_LIB_ROOT", e.to_vec()),
                (
                    "PERL_MM_OPT",
                    if name.contains([' ', '\'', '"', '\\']) {
                        [b"INSTALL_BASE=", &shellwords_quote(e)[..]].concat()
                    } else {
                        [b"INSTALL_BASE=", e].concat()
                    },
                ),
                (
                    "PERL_MB_OPT",
                    [b"--install_base ", &shellwords_quote(e)[..]].concat(),
                ),
                ("PERL_CPANM_HOME", [e, b"/.cpanm"].concat()),
                ("MANPATH", [e, b"/man:"].concat()),
                ("PERLENV_ROOT", e.to_vec()),
            ];
            for (var, want) in &expect {
                let got = active.get(var.as_bytes());
                if got != Some(want) {
                    failures.push(format!(
                        "{case}: {var} = {:?}, want {:?}",
                        got.map(|g| String::from_utf8_lossy(g).into_owned()),
                        String::from_utf8_lossy(want)
                    ));
                }
            }
            let prompt_name = active
                .get(&b"PERLENV_PROMPT"[..])
                .cloned()
                .unwrap_or_default();
            if prompt_name.iter().any(|b| b"$`\\!%'\"();".contains(b)) || prompt_name.is_empty() {
                failures.push(format!(
                    "{case}: unsafe PERLENV_PROMPT {:?}",
                    String::from_utf8_lossy(&prompt_name)
                ));
            }
            let prompt = std::fs::read(out.join("prompt")).unwrap_or_default();
            if !prompt.starts_with(&[b"(", &prompt_name[..], b") "].concat()) {
                failures.push(format!(
                    "{case}: prompt {:?}",
                    String::from_utf8_lossy(&prompt)
                ));
            }
            if active.contains_key(&b"PS1"[..]) {
                failures.push(format!("{case}: PS1 was exported"));
            }
            let changed: Vec<_> = active
                .keys()
                .filter(|k| before.get(*k) != active.get(*k))
                .map(|k| String::from_utf8_lossy(k).into_owned())
                .collect();
            let allowed = [
                "PATH",
                "PERL5LIB",
                "PERL5OPT",
                "PERL_LOCAL_LIB_ROOT",
                "PERL_MM_OPT",
                "PERL_MB_OPT",
                "PERL_CPANM_HOME",
                "MANPATH",
                "PERLENV_ROOT",
                "PERLENV_PROMPT",
            ];
            for var in changed.iter().filter(|v| !allowed.contains(&v.as_str())) {
                failures.push(format!("{case}: activation also changed {var}"));
            }
            if before != after {
                let show = |m: &BTreeMap<Vec<u8>, Vec<u8>>| {
                    m.iter()
                        .map(|(k, v)| {
                            format!(
                                "{}={}",
                                String::from_utf8_lossy(k),
                                String::from_utf8_lossy(v)
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                failures.push(format!(
                    "{case}: deactivate did not restore the environment:\nbefore {}\nafter  {}",
                    show(&before),
                    show(&after)
                ));
            }
        }
    }
    if root.join("RAN").exists() {
        failures.push(format!(
            "a command ran: {}",
            std::fs::read_to_string(root.join("RAN")).unwrap()
        ));
    }
    if root.join("PWNED").exists() {
        failures.push("PWNED was created".into());
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn activate_prints_the_static_scripts() {
    let tmp = tempfile::tempdir().unwrap();
    let env = tmp.path().join("dq\"uote bang!x");
    perlenv().arg("create").arg(&env).assert().success();
    for (shell, file) in [
        ("bash", "activate"),
        ("sh", "activate"),
        ("fish", "activate.fish"),
    ] {
        let out = perlenv()
            .args(["activate"])
            .arg(&env)
            .args(["--shell", shell])
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(
            out.stdout,
            std::fs::read(env.join("bin").join(file)).unwrap(),
            "{shell}"
        );
    }
    // csh cannot eval multi-line code: it gets a quoted `source` line.
    let out = perlenv()
        .arg("activate")
        .arg(&env)
        .args(["--shell", "tcsh"])
        .output()
        .unwrap();
    let line = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        line,
        format!(
            "source '{}/bin/activate.csh'\n",
            tmp.path().join("dq\"uote bang\\!x").display()
        )
    );
    // The path travels in $E and a helper script, so the test's own csh
    // quoting is not what is tested.
    let helper = tmp.path().join("act.sh");
    std::fs::write(
        &helper,
        format!(
            "exec {} activate \"$E\" --shell tcsh\n",
            env!("CARGO_BIN_EXE_perlenv")
        ),
    )
    .unwrap();
    let run = std::process::Command::new("tcsh")
        .args(["-f", "-c"])
        .arg(format!(
            "eval \"`sh {}`\"; printenv PERLENV_ROOT",
            helper.display()
        ))
        .env("E", &env)
        .output()
        .unwrap();
    assert_eq!(
        run.stdout,
        [env.as_os_str().as_bytes(), b"\n"].concat(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn mm_and_mb_opt_parse_back_to_the_path() {
    // MakeMaker and Module::Build split these with shellwords: check with the real parser.
    let tmp = tempfile::tempdir().unwrap();
    for (i, name) in NAMES.iter().enumerate() {
        let env = tmp.path().join(i.to_string()).join(name);
        perlenv().arg("create").arg(&env).assert().success();
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(". \"$E/bin/activate\"; PERL5OPT= perl -MText::ParseWords -e 'print join(\"\\0\", shellwords($ENV{PERL_MM_OPT}), shellwords($ENV{PERL_MB_OPT}))'")
            .env("E", &env)
            .output()
            .unwrap();
        let want = [
            b"INSTALL_BASE=",
            env.as_os_str().as_bytes(),
            b"\0--install_base\0",
            env.as_os_str().as_bytes(),
        ]
        .concat();
        assert_eq!(
            OsStr::from_bytes(&out.stdout),
            OsStr::from_bytes(&want),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn activating_a_second_env_leaves_the_first() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let (a, b) = (t.join("a"), t.join("b b"));
    perlenv().arg("create").arg(&a).assert().success();
    perlenv()
        .arg("create")
        .arg("--system-libs")
        .arg(&b)
        .assert()
        .success();
    for shell in SHELLS {
        let out = t.join(format!("out-{shell}"));
        std::fs::create_dir_all(&out).unwrap();
        let o = out.display();
        let script = match shell {
            "fish" => format!(
                "env -0 > {o}/before\nsource $A/bin/activate.fish\nsource $B/bin/activate.fish\n\
                 printf '%s|%s' $PERLENV_ROOT \"$PERL5OPT\" > {o}/active\ndeactivate\nenv -0 > {o}/after\n"
            ),
            "tcsh" => format!(
                "env -0 > {o}/before\nsource $A:q/bin/activate.csh\nsource $B:q/bin/activate.csh\n\
                 if ( ! $?PERL5OPT ) setenv PERL5OPT ''\nprintf '%s|%s' \"$PERLENV_ROOT:q\" \"$PERL5OPT:q\" > {o}/active\n\
                 deactivate\nunsetenv PERL5OPT\nenv -0 > {o}/after\n"
            ),
            _ => format!(
                "env -0 > {o}/before\n. \"$A/bin/activate\"\n. \"$B/bin/activate\"\n\
                 printf '%s|%s' \"$PERLENV_ROOT\" \"${{PERL5OPT-}}\" > {o}/active\ndeactivate\nenv -0 > {o}/after\n"
            ),
        };
        // The trailing `:` keeps zsh from exec'ing the last `env` (which changes SHLVL).
        let run = std::process::Command::new(shell)
            .arg("-c")
            .arg(script + ":\n")
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", t)
            .env("A", &a)
            .env("B", &b)
            .output()
            .unwrap();
        assert!(
            run.status.success() && run.stderr.is_empty(),
            "{shell}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        // b is --system-libs: no PERL5OPT, and a's is gone.
        let active = std::fs::read_to_string(out.join("active")).unwrap();
        assert_eq!(active, format!("{}|", b.display()), "{shell}");
        assert_eq!(
            env_map(&out.join("before")),
            env_map(&out.join("after")),
            "{shell}"
        );
    }
}

/// Runs `command` with its stdout a pipe whose reader is already closed
/// (closed before the command starts: no race with a reader's exit), and
/// returns its status as a shell shows it (128 + the signal that killed it)
/// and what it wrote to stderr.
fn into_closed_pipe(command: &[&OsStr]) -> (i32, String) {
    use std::os::unix::process::ExitStatusExt;
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = std::process::Command::new(command[0])
        .args(&command[1..])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let code = out
        .status
        .code()
        .or_else(|| out.status.signal().map(|s| 128 + s))
        .unwrap();
    (code, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// perlenv's `main` is the C entry point (no Rust runtime start-up, see
/// src/bin/perlenv.rs), so it must itself do what that runtime did for
/// pipes: a reader that went away ends perlenv quietly with 0. And the
/// program `run` starts gets the disposition perlenv was given, as if
/// started directly: perl dies of SIGPIPE (141) in both cases.
#[test]
fn a_closed_pipe_is_quiet_for_perlenv_and_the_same_for_what_it_runs() {
    let t = tempfile::tempdir().unwrap();
    let env = t.path().join("env");
    perlenv().arg("create").arg(&env).assert().success();
    let perlenv_bin = assert_cmd::cargo::cargo_bin("perlenv");
    let (code, err) = into_closed_pipe(&[
        perlenv_bin.as_os_str(),
        OsStr::new("activate"),
        env.as_os_str(),
    ]);
    assert_eq!(
        (code, err.as_str()),
        (0, ""),
        "perlenv activate into a closed pipe"
    );

    let print = ["perl", "-e", "print qq(x\\n) for 1..100"].map(OsStr::new);
    let (direct, _) = into_closed_pipe(&print);
    let mut wrapped = vec![
        perlenv_bin.as_os_str(),
        OsStr::new("run"),
        env.as_os_str(),
        OsStr::new("--"),
    ];
    wrapped.extend(print);
    let (through_run, err) = into_closed_pipe(&wrapped);
    assert_eq!(direct, 141, "perl started directly dies of SIGPIPE");
    assert_eq!(
        (through_run, err.as_str()),
        (141, ""),
        "perl started by perlenv run"
    );
}
