//! `perlenv create`: one perl query, then file writes.

use super::cli::CreateArgs;
use super::env::{self, CFG, Env, bytes, check_path};
use super::{quote, scripts};
use crate::common::{Error, Result};
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What the one perl query returns.
#[derive(Debug)]
pub struct PerlFacts {
    pub perl: PathBuf,
    pub version: String,
    pub archname: String,
    /// Site and vendor directories to hide when isolated.
    pub drop: Vec<OsString>,
}

/// Fields printed NUL-separated by the query, then @INC.
const QUERY: &str = r#"print join "\0", $^X, @Config{qw(version archname privlibexp archlibexp siteprefixexp sitelibexp sitearchexp vendorlibexp vendorarchexp)}, @INC"#;

/// Asks `perl` (without any PERL5LIB/PERL5OPT of ours) for its facts.
pub fn query_perl(perl: &Path) -> Result<PerlFacts> {
    let out = Command::new(perl)
        .args(["-MConfig", "-e", QUERY])
        .env_remove("PERL5OPT")
        .env_remove("PERL5LIB")
        .env_remove("PERLLIB")
        .output()
        .map_err(|e| Error::io(format!("running {}", perl.display()), e))?;
    if !out.status.success() {
        return Err(Error::failed(format!(
            "{}: the perl query failed ({}): {}",
            perl.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let fields: Vec<&[u8]> = out.stdout.split(|&b| b == 0).collect();
    if fields.len() < 10 {
        return Err(Error::failed(format!(
            "{}: unexpected answer to the perl query",
            perl.display()
        )));
    }
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let (core, site_prefix) = (&fields[3..5], fields[5]);
    let mut drop: Vec<OsString> = Vec::new();
    let mut add = |dir: &[u8]| {
        let dir = OsStr::from_bytes(dir).to_os_string();
        if !dir.is_empty() && !core.contains(&dir.as_bytes()) && !drop.contains(&dir) {
            drop.push(dir);
        }
    };
    for dir in &fields[6..10] {
        add(dir);
    }
    // Directories a distribution adds beyond %Config (Debian: /etc/perl and
    // /usr/local/lib/site_perl) are site directories too.
    for dir in &fields[10..] {
        let under_site = !site_prefix.is_empty()
            && dir.starts_with(site_prefix)
            && dir.get(site_prefix.len()) == Some(&b'/');
        if under_site || dir.starts_with(b"/etc/") || *dir == b"/etc/perl" {
            add(dir);
        }
    }
    Ok(PerlFacts {
        perl: PathBuf::from(OsStr::from_bytes(fields[0])),
        version: text(fields[1]),
        archname: text(fields[2]),
        drop,
    })
}

/// `lib/perl5/perlenv/isolate.pm`, with the drop-list as literals: reading
/// %Config at every start would cost ~30 ms. It loads no module, and the
/// code that decides whether a script is the OS's is in [`OS_OWNED_PM`],
/// compiled only when perl runs a script (not for `-e` or stdin): every
/// line perl compiles at each start costs.
pub fn isolate_pm(env: &Env) -> Vec<u8> {
    let mut root = bytes(&env.root);
    root.push(b'/');
    let mut os_owned = bytes(&env.lib());
    os_owned.extend_from_slice(b"/perlenv/os_owned.pm");
    let drop: Vec<Vec<u8>> = env.drop.iter().map(|d| quote::perl(d.as_bytes())).collect();
    [
        &b"# Written by `perlenv create`. Loaded through PERL5OPT=-Mperlenv::isolate, it\n\
           # hides the site and vendor module directories of the system perl from @INC;\n\
           # core modules, -I, PERL5LIB and `use lib` stay. Programs the OS owns are\n\
           # exempt (see os_owned.pm beside this file).\n\
           package perlenv::isolate;\n\
           my %drop = map { ($_ => 1) } ("[..],
        &drop.join(&b", "[..]),
        b");\nmy $exempt = $0 ne '-e' && $0 ne '-' && -f $0\n    && do { require ",
        &quote::perl(&os_owned),
        b"; perlenv::os_owned::exempt($0, ",
        &quote::perl(&root),
        b") };\n",
        ISOLATE_PM_BODY,
    ]
    .concat()
}

/// The code of isolate.pm after its literals.
const ISOLATE_PM_BODY: &[u8] = br#"unless ($exempt) {
    # The system's own copy of a hidden directory is its last one in @INC;
    # an earlier one was asked for (-I, PERL5LIB) and stays.
    my %seen;
    @INC = reverse grep { ref or !$drop{$_} or $seen{$_}++ } reverse @INC;
}
1;
"#;

/// `lib/perl5/perlenv/os_owned.pm`: whether a script is the OS's own.
pub const OS_OWNED_PM: &[u8] =
    br#"# Written by `perlenv create`, loaded by perlenv/isolate.pm for scripts only.
# A script is the OS's when its real path is under /usr but not /usr/local,
# /bin, /sbin, /etc, /lib or dpkg's /var/lib/dpkg/info, outside the environment:
# Debian's own perl programs then see the system's modules.
package perlenv::os_owned;

# The real path of $path: relative to the working directory, with `.`, `..`
# and symlinks resolved as the kernel does (undef for a symlink loop).
sub real_path {
    my ($path) = @_;
    $path = readlink('/proc/self/cwd') . "/$path" unless $path =~ m{\A/};
    my @todo = split m{/}, $path;
    my (@done, $links);
    while (@todo) {
        my $part = shift @todo;
        next if $part eq '' or $part eq '.';
        if ($part eq '..') { pop @done; next }
        my $target = readlink('/' . join('/', @done, $part));
        if (!defined $target) { push @done, $part; next }
        return undef if ++$links > 40;
        @done = () if $target =~ m{\A/};
        unshift @todo, split m{/}, $target;
    }
    return '/' . join('/', @done);
}

# exempt($script, $root): $root is the environment's directory with a slash.
sub exempt {
    my ($script, $root) = @_;
    $script = real_path($script);
    return defined $script
        && $script =~ m{\A/(?:usr/(?!local/)|bin/|sbin/|etc/|lib/|var/lib/dpkg/info/)}
        && index($script, $root) != 0;
}
1;
"#;

pub fn create(args: &CreateArgs) -> Result<()> {
    check_path(&args.env)?;
    let root = super::trust::absolute(&args.env)?;
    check_path(&root)?;
    // Root writes nothing where another user could swap a directory under
    // it, and runs no perl another user could have written.
    super::trust::verify_parent(&root)?;
    if let Some(perl) = &args.perl {
        super::trust::resolve_trusted(perl)?;
    }
    prepare_dir(&root, args.clear)?;
    let perl = args.perl.clone().unwrap_or_else(|| "perl".into());
    let facts = query_perl(&perl)?;
    let name = match &args.prompt {
        Some(p) => p.as_bytes().to_vec(),
        None => root
            .file_name()
            .map_or(b"perlenv".to_vec(), |n| n.as_bytes().to_vec()),
    };
    if facts.perl.as_os_str().as_bytes().contains(&b'\n') {
        return Err(Error::usage(format!(
            "{}: a perl path with a newline",
            facts.perl.display()
        )));
    }
    // One line in perlenv.cfg: newlines in arguments become blanks.
    let created: Vec<OsString> = std::env::args_os()
        .map(|a| {
            env::os(
                a.as_bytes()
                    .iter()
                    .map(|&b| if b == b'\n' { b' ' } else { b })
                    .collect(),
            )
        })
        .collect();
    let env = Env {
        perl_id: env::file_id(&facts.perl).unwrap_or_default(),
        root,
        perl: facts.perl,
        version: facts.version,
        archname: facts.archname,
        isolated: !args.system_libs,
        prompt: env::os(scripts::sanitize_prompt(&name)),
        drop: facts.drop,
        created: created.join(OsStr::new(" ")),
    };
    write_layout(&env)
}

/// Makes sure `root` is a fresh directory; `--clear` empties an old environment.
fn prepare_dir(root: &Path, clear: bool) -> Result<()> {
    let entries = match std::fs::read_dir(root) {
        Ok(entries) => entries.count(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        // A file (or a symlink to one) in the way is the caller's mistake.
        Err(e) if e.raw_os_error() == Some(libc::ENOTDIR) => {
            return Err(Error::usage(format!(
                "{}: exists and is not a directory; refusing to touch it",
                root.display()
            )));
        }
        Err(e) => return Err(Error::io(format!("reading {}", root.display()), e)),
    };
    if entries == 0 {
        return Ok(());
    }
    if !root.join(CFG).exists() {
        return Err(Error::usage(format!(
            "{}: exists and is not a perlenv environment; refusing to touch it",
            root.display()
        )));
    }
    if !clear {
        return Err(Error::usage(format!(
            "{}: an environment exists there (use --clear to remake it)",
            root.display()
        )));
    }
    std::fs::remove_dir_all(root).map_err(|e| Error::io(format!("clearing {}", root.display()), e))
}

fn write(path: &Path, content: &[u8]) -> Result<()> {
    std::fs::write(path, content).map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

fn mkdir(path: &Path) -> Result<()> {
    std::fs::create_dir_all(path).map_err(|e| Error::io(format!("creating {}", path.display()), e))
}

/// Writes every file of a new environment; `perlenv.cfg` last, so a
/// half-made directory is not taken for an environment.
pub fn write_layout(env: &Env) -> Result<()> {
    let bin = env.bin();
    for dir in [
        bin.clone(),
        env.lib().join("perlenv"),
        env.man().join("man1"),
        env.man().join("man3"),
    ] {
        mkdir(&dir)?;
    }
    for (file, family) in scripts::SCRIPTS {
        write(&bin.join(file), &scripts::activate(env, family))?;
    }
    let link = bin.join("perl");
    std::os::unix::fs::symlink(&env.perl, &link)
        .map_err(|e| Error::io(format!("linking {}", link.display()), e))?;
    write(&env.lib().join("perlenv/isolate.pm"), &isolate_pm(env))?;
    write(&env.lib().join("perlenv/os_owned.pm"), OS_OWNED_PM)?;
    if env.isolated
        && let Some(cpanm) = super::install::which("cpanm")
    {
        let path = bin.join("cpanm");
        let safe = super::guard::is_plain(&bytes(&env.root));
        write(&path, &scripts::cpanm_wrapper(env, &bytes(&cpanm), safe))?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| Error::io(format!("chmod {}", path.display()), e))?;
    }
    write(&env.root.join(CFG), &env.render())
}
