//! Packages and versions of `.pm` files, read by Module::Metadata (core
//! perl, what PAUSE and cpanm use) in one perl process for many files:
//! `package X; # comment`, `package X 1.2 {`, `our $VERSION = sprintf ...`
//! and the like are read the way perl reads them.

use crate::common::{Error, Result};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Reads `tag NUL file NUL` records on stdin and prints
/// `tag TAB package TAB version-or-undef TAB numified` per package.
const SCAN: &str = r#"
use strict; use warnings; use Module::Metadata; use version;
my @in = do { local $/ = "\0"; map { chomp; $_ } <STDIN> };
while (my ($tag, $file) = splice @in, 0, 2) {
    # Module::Metadata misses a $VERSION on the line of its `package X;`.
    open my $in, '<:raw', $file or next;
    my $text = do { local $/; <$in> };
    $text =~ s/^(\s*package\s+[\w:]+\s*;)/$1\n/mg;
    open my $fh, '<', \$text or next;
    my $m = eval { Module::Metadata->new_from_handle($fh, $file) } or next;
    for my $p ($m->packages_inside) {
        next if $p eq 'main' or $p =~ /\A(?:DB|_private)\z/ or $p !~ /\A\w+(?:::\w+)*\z/;
        my $v = eval { $m->version($p) };
        my $num = defined $v ? eval { version->parse("$v")->numify } : undef;
        $v = undef unless defined $num;
        print join("\t", $tag, $p, defined $v ? "$v" : 'undef', defined $num ? $num : -1), "\n";
    }
}
"#;

/// One package a file declares.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    /// Index of the file in the list given to `scan`.
    pub file: usize,
    pub name: String,
    pub version: Option<String>,
    /// The version as a number, to pick the newest (`version->numify`).
    pub number: f64,
}

/// Scans `files` with `perl`; a file perl cannot read yields nothing.
pub fn scan(perl: &Path, files: &[PathBuf]) -> Result<Vec<Package>> {
    let mut cmd = Command::new(perl);
    cmd.env_remove("PERL5OPT").env_remove("PERL5LIB");
    scan_with(cmd, files)
}

/// [`scan`] with `perl` given as a command to complete (a sandboxed one
/// for files of dists not yet trusted: their version lines are evaluated).
pub(crate) fn scan_with(mut perl: Command, files: &[PathBuf]) -> Result<Vec<Package>> {
    let program = perl.get_program().to_os_string();
    let mut child = perl
        .args(["-e", SCAN])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| Error::io(format!("running {}", program.to_string_lossy()), e))?;
    let mut input = Vec::new();
    for (n, file) in files.iter().enumerate() {
        input.extend_from_slice(n.to_string().as_bytes());
        input.push(0);
        input.extend_from_slice(file.as_os_str().as_bytes());
        input.push(0);
    }
    let mut stdin = child.stdin.take().expect("piped");
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child
        .wait_with_output()
        .map_err(|e| Error::io("reading module versions", e))?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(Error::failed(format!(
            "{}: reading module versions with Module::Metadata failed ({})",
            program.to_string_lossy(),
            out.status
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text
        .lines()
        .filter_map(|line| {
            let mut f = line.split('\t');
            let (file, name, version, number) = (f.next()?, f.next()?, f.next()?, f.next()?);
            Some(Package {
                file: file.parse().ok()?,
                name: name.to_string(),
                version: (version != "undef").then(|| version.to_string()),
                number: number.parse().unwrap_or(-1.0),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_a_static_reader_got_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<PathBuf> = [
            "package Class::Method::Modifiers; # git description: v2.13\nour $VERSION = '2.14';\n1;\n",
            "package X; our $VERSION='0.01';\n1;\n",
            "package J;\n$J::VERSION = sprintf '%d.%02d', 4, 10;\n# This is\n1;\n",
            "package N;\n1;\n",
            "package P 1.2;\n=pod\n\n$VERSION = 3\n\n=cut\n1;\n",
        ]
        .iter()
        .enumerate()
        .map(|(n, text)| {
            let path = dir.path().join(format!("{n}.pm"));
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect();
        let found: Vec<(usize, String, Option<String>)> = scan(Path::new("perl"), &files)
            .unwrap()
            .into_iter()
            .map(|p| (p.file, p.name, p.version))
            .collect();
        assert_eq!(
            found,
            [
                (0, "Class::Method::Modifiers".into(), Some("2.14".into())),
                (1, "X".into(), Some("0.01".into())),
                (2, "J".into(), Some("4.10".into())),
                (3, "N".into(), None),
                (4, "P".into(), Some("1.2".into())),
            ]
        );
    }
}
