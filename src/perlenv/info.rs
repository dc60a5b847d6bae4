//! `perlenv list`, `freeze`, `info` and `check`.

use super::cli::{CheckArgs, ListArgs};
use super::env::{Env, PerlState, bytes};
use super::trust::{self, ChangedPerl, Refused};
use super::{inventory, vars};
use crate::common::nagios::Check;
use crate::common::{Envelope, Error, Exit, JsonLines, Result};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::process::Command;

pub fn list(args: &ListArgs) -> Result<()> {
    let env = Env::open(&args.env)?;
    let modules = inventory::modules(&env);
    if args.json {
        let out = JsonLines::stdout();
        for m in &modules {
            out.emit(&serde_json::json!({
                "module": m.module,
                "version": m.version,
                "file": m.file.to_string_lossy(),
            }))?;
        }
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    for m in &modules {
        writeln!(
            out,
            "{} {}",
            m.module,
            m.version.as_deref().unwrap_or("undef")
        )?;
    }
    Ok(())
}

pub fn freeze(env: &std::path::Path) -> Result<()> {
    let env = Env::open(env)?;
    std::io::stdout()
        .lock()
        .write_all(inventory::freeze(&env).as_bytes())?;
    Ok(())
}

/// "ok", or why the recorded perl can no longer be trusted (no process run).
fn health(env: &Env) -> String {
    match env.perl_state() {
        PerlState::Gone => format!("perl {} is gone", env.perl.display()),
        PerlState::Changed => format!("perl {} changed since creation", env.perl.display()),
        PerlState::Same => "ok".into(),
    }
}

pub fn info(args: &ListArgs) -> Result<()> {
    let env = Env::open(&args.env)?;
    let modules = inventory::modules(&env).len();
    let health = health(&env);
    if args.json {
        let value = serde_json::json!({
            "root": env.root.to_string_lossy(),
            "perl": env.perl.to_string_lossy(),
            "version": env.version,
            "archname": env.archname,
            "isolated": env.isolated,
            "prompt": env.prompt.to_string_lossy(),
            "lib": env.lib().to_string_lossy(),
            "bin": env.bin().to_string_lossy(),
            "man": env.man().to_string_lossy(),
            "hidden": env.drop.iter().map(|d| d.to_string_lossy()).collect::<Vec<_>>(),
            "modules": modules,
            "health": health,
        });
        JsonLines::stdout().emit(&value)?;
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    // Paths go out as their bytes: file names need not be UTF-8.
    let mut line = |label: &str, value: &[u8]| -> std::io::Result<()> {
        out.write_all(label.as_bytes())?;
        out.write_all(b": ")?;
        out.write_all(value)?;
        out.write_all(b"\n")
    };
    line("root", &bytes(&env.root))?;
    let perl = format!(" ({}, {})", env.version, env.archname);
    line("perl", &[bytes(&env.perl), perl.into_bytes()].concat())?;
    let isolated = if env.isolated {
        "yes"
    } else {
        "no (--system-libs)"
    };
    line("isolated", isolated.as_bytes())?;
    line("prompt", env.prompt.as_bytes())?;
    line("lib", &bytes(&env.lib()))?;
    line("bin", &bytes(&env.bin()))?;
    line("man", &bytes(&env.man()))?;
    for dir in &env.drop {
        line("hidden", dir.as_bytes())?;
    }
    writeln!(out, "modules: {modules}")?;
    writeln!(out, "health: {health}")?;
    Ok(())
}

/// Prints version and archname, then `FAIL\0module\0error\0` for each module
/// that does not load: one perl process for the whole check.
const CHECK: &str = r#"use Config; print join("\0", $Config{version}, $Config{archname}), "\0"; for my $m (@ARGV) { next if eval "require $m; 1"; (my $e = $@) =~ s/\s+\z//; print "FAIL\0$m\0$e\0" }"#;

/// What `check` found: modules looked at and one line per problem.
pub struct Health {
    pub modules: usize,
    pub problems: Vec<String>,
    /// The `ok: ...` line when there is no problem.
    pub ok: String,
    /// The recorded perl was not run: as root, it changed since creation.
    pub refused: bool,
}

pub fn check(args: &CheckArgs) -> Result<Exit> {
    args.nagios.validate()?;
    let env = match Env::open_as(&args.env, ChangedPerl::Report)? {
        Ok(env) => env,
        // Refused: nothing of the environment runs; for the monitoring
        // system that is as bad as it gets.
        Err(Refused(why)) if args.nagios.nagios => {
            return args.nagios.critical("PERLENV", &why);
        }
        Err(Refused(why)) => return Err(Error::usage(why)),
    };
    let health = examine(&env, args.update)?;
    if args.update && health.problems.is_empty() {
        rerecord_perl(&env)?;
    }
    let found = health.problems.len() as u64;
    let msg = match health.problems.first() {
        None => health.ok.clone(),
        Some(first) if found == 1 => first.clone(),
        Some(first) => format!("{first} (and {} more problems)", found - 1),
    };
    if args.nagios.nagios {
        if health.refused {
            return args.nagios.critical("PERLENV", &msg);
        }
        return args.nagios.report(&Check {
            name: "PERLENV",
            checked: health.modules as u64,
            differing: found,
            errors: 0,
            summary: msg,
        });
    }
    if args.json {
        let counts = serde_json::json!({ "modules": health.modules, "problems": health.problems });
        Envelope::new("perlenv", health.modules as u64, found, 0, msg, counts)
            .emit(&JsonLines::stdout())?;
    } else {
        let mut out = std::io::stdout().lock();
        for line in health
            .problems
            .iter()
            .chain((found == 0).then_some(&health.ok))
        {
            writeln!(out, "{line}")?;
        }
    }
    Ok(if found > 0 {
        Exit::Found
    } else {
        Exit::Success
    })
}

/// After a healthy check (same version and archname, every module
/// loads): records the perl binary as it is now, in a new perlenv.cfg
/// renamed over the old one.
fn rerecord_perl(env: &Env) -> Result<()> {
    let mut env = env.clone();
    if env.perl_state() != PerlState::Changed {
        return Ok(());
    }
    env.perl_id = super::env::file_id(&env.perl).unwrap_or_default();
    let cfg = env.root.join(super::env::CFG);
    let temporary = env.root.join(format!("{}.new", super::env::CFG));
    std::fs::write(&temporary, env.render())
        .and_then(|()| std::fs::rename(&temporary, &cfg))
        .map_err(|e| Error::io(format!("writing {}", cfg.display()), e))?;
    log::warn!(
        "{}: perl {} re-recorded (perl {}, {})",
        env.root.display(),
        env.perl.display(),
        env.version,
        env.archname
    );
    Ok(())
}

/// Asks the recorded perl for its version and archname and loads every
/// module, unless it is gone or, as root, changed: root runs a changed perl
/// only when told to re-record it (`update`), after the trust checks.
fn examine(env: &Env, update: bool) -> Result<Health> {
    let mut problems = Vec::new();
    let state = env.perl_state();
    let not_run = match state {
        PerlState::Gone => Some(format!("perl {} is gone", env.perl.display())),
        PerlState::Changed if trust::running_as_root() && !update => Some(env.changed_perl()),
        _ => None,
    };
    if let Some(problem) = not_run {
        problems.push(problem);
        return Ok(Health {
            modules: 0,
            problems,
            ok: String::new(),
            refused: state == PerlState::Changed,
        });
    }
    let modules: Vec<String> = inventory::modules(env)
        .into_iter()
        .map(|m| m.module)
        .collect();
    let mut cmd = Command::new(&env.perl);
    cmd.arg("-e").arg(CHECK).args(&modules);
    vars::apply_to(env, &mut cmd);
    let res = cmd
        .output()
        .map_err(|e| Error::io(format!("running {}", env.perl.display()), e))?;
    let text = String::from_utf8_lossy(&res.stdout);
    let fields: Vec<&str> = text.split('\0').collect();
    if fields.len() < 2 {
        return Err(Error::failed(format!(
            "{}: no answer: {}",
            env.perl.display(),
            String::from_utf8_lossy(&res.stderr).trim()
        )));
    }
    if fields[0] != env.version || fields[1] != env.archname {
        problems.push(format!(
            "perl mismatch: the environment was made with perl {} ({}), {} is now {} ({})",
            env.version,
            env.archname,
            env.perl.display(),
            fields[0],
            fields[1]
        ));
    }
    for fail in fields[2..]
        .chunks(3)
        .filter(|c| c.len() == 3 && c[0] == "FAIL")
    {
        let first = fail[2].lines().next().unwrap_or_default();
        problems.push(format!("{} fails to load: {first}", fail[1]));
    }
    Ok(Health {
        modules: modules.len(),
        ok: format!(
            "ok: perl {} ({}), {} modules load",
            env.version,
            env.archname,
            modules.len()
        ),
        problems,
        refused: false,
    })
}

/// Prints, for each module, the first `@INC` directory holding it as the
/// environment's perl sees `@INC` (isolation applied), then the kinds of
/// directory perl has: `module TAB dir TAB file` (dir and file empty when
/// not found), after one `kind TAB dir` line per core, vendor and site dir.
const WHICH: &str = r#"use Config;
for my $kind (qw(core vendor site)) {
    my @keys = $kind eq 'core' ? qw(privlibexp archlibexp)
        : $kind eq 'vendor' ? qw(vendorlibexp vendorarchexp) : qw(sitelibexp sitearchexp);
    print "$kind\t$_\n" for grep { defined && length } @Config{@keys};
}
for my $m (@ARGV) {
    (my $f = "$m.pm") =~ s{::}{/}g;
    my ($dir) = grep { !ref && -f "$_/$f" } @INC;
    print join("\t", $m, $dir // '', defined $dir ? "$dir/$f" : ''), "\n";
}"#;

/// Where a directory of `@INC` belongs: the environment, the perl's core,
/// the OS's vendor modules, the site's, or another (`-I`, PERL5LIB).
fn where_from(env: &Env, dir: &str, kinds: &[(String, String)]) -> &'static str {
    let path = std::path::Path::new(dir);
    if path.starts_with(env.lib()) {
        return "ENV";
    }
    if let Some((kind, _)) = kinds.iter().find(|(_, d)| d == dir) {
        return match kind.as_str() {
            "core" => "core",
            "vendor" => "vendor",
            _ => "site",
        };
    }
    // Debian keeps the modules perl itself needs in perl-base: core too.
    if dir.ends_with("/perl-base") {
        return "core";
    }
    if env.drop.iter().any(|d| d.as_bytes() == dir.as_bytes()) {
        return "site";
    }
    "other"
}

/// `perlenv which ENV MODULE...`.
pub fn which(args: &super::cli::WhichArgs) -> Result<Exit> {
    let env = Env::open(&args.env)?;
    if let Some(bad) = args.modules.iter().find(|m| {
        m.is_empty()
            || !m
                .split("::")
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
    }) {
        return Err(Error::usage(format!("which: {bad:?} is not a module name")));
    }
    let mut cmd = Command::new(&env.perl);
    cmd.arg("-e").arg(WHICH).arg("--").args(&args.modules);
    vars::apply_to(&env, &mut cmd);
    let out = cmd
        .output()
        .map_err(|e| Error::io(format!("running {}", env.perl.display()), e))?;
    if !out.status.success() {
        return Err(Error::failed(format!(
            "which: {} failed: {}",
            env.perl.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut kinds = Vec::new();
    let mut missing = 0;
    let json = JsonLines::stdout();
    let mut plain = std::io::stdout().lock();
    for line in text.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            [kind, dir] => kinds.push((kind.to_string(), dir.to_string())),
            [module, "", ""] => {
                missing += 1;
                if args.json {
                    json.emit(
                        &serde_json::json!({ "module": module, "file": null, "from": null }),
                    )?;
                } else {
                    eprintln!(
                        "perlenv: which: {module}: not found where the environment's perl looks"
                    );
                }
            }
            [module, dir, file] => {
                let from = where_from(&env, dir, &kinds);
                if args.json {
                    json.emit(
                        &serde_json::json!({ "module": module, "file": file, "from": from }),
                    )?;
                } else {
                    writeln!(plain, "{module} {file} ({from})")?;
                }
            }
            _ => {}
        }
    }
    Ok(if missing > 0 {
        Exit::Found
    } else {
        Exit::Success
    })
}
