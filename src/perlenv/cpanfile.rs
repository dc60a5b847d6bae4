//! cpanfiles read with the whole cpanfile language (Module::CPANfile's DSL),
//! evaluated by the system perl in a Safe compartment so a cpanfile cannot
//! run commands.

use crate::common::{Error, Result};
use std::path::Path;

/// One requirement: module, optional version range (`== 1.0`, `>= 2`),
/// and for a local dist `freeze` noted, the directory it came from
/// (`requires 'My::Tool', '== 0.01', local => '/src/My-Tool';`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub module: String,
    pub range: Option<String>,
    pub local: Option<std::path::PathBuf>,
}

/// Reads the cpanfile DSL in a Safe compartment of the system perl.
const READER: &str = include_str!("cpanfile.pl");

/// The configure, build, runtime and test `requires` of the cpanfile at
/// `path` (what cpanm --installdeps installs); an error names FILE:LINE.
pub fn parse(path: &Path) -> Result<Vec<Requirement>> {
    // The path is an argv element, never part of the Perl code.
    let out = std::process::Command::new("/usr/bin/perl")
        .env_remove("PERL5LIB")
        .env_remove("PERL5OPT")
        .arg("-e")
        .arg(READER)
        .arg(path)
        .output()
        .map_err(|e| Error::io("running /usr/bin/perl to read a cpanfile", e))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err
            .lines()
            .rfind(|l| l.contains('\t'))
            .unwrap_or("0\tunreadable");
        let (line, why) = last.split_once('\t').unwrap_or(("0", last));
        return Err(Error::bad_input(
            path,
            line.parse().unwrap_or(0),
            why.to_string(),
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut fields = l.split('\t');
            let (module, range) = (fields.next()?, fields.next()?);
            Some(Requirement {
                module: module.to_string(),
                range: Some(range.to_string()).filter(|r| r != "0"),
                local: fields.next().filter(|l| !l.is_empty()).map(Into::into),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_whole_language_and_runs_nothing() {
        let dir = std::env::temp_dir().join(format!("cpanfile-t{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("cpanfile");
        std::fs::write(
            &f,
            "requires 'A', 0;\nrequires 'B' => '>= 1.0, < 2';\n# c\n\
            on test => sub {\n requires 'T';\n};\non develop => sub { requires 'D' };\n\
            test_requires 'T2';\nconfigure_requires 'C', '1';\nrecommends 'R';\n\
            feature 'x', 'desc' => sub { requires 'F'; };\n\
            requires 'M', 1,\n  dist => 'X/M-1.tar.gz';\nmirror 'http://x';\n",
        )
        .unwrap();
        let args: Vec<String> = parse(&f)
            .unwrap()
            .iter()
            .map(|r| match &r.range {
                Some(range) => format!("{}~{range}", r.module),
                None => r.module.clone(),
            })
            .collect();
        assert_eq!(args, ["A", "B~>= 1.0, < 2", "C~1", "M~1", "T", "T2"]);
        std::fs::write(&f, "requires 'L', '== 0.01', local => '/src/L';\n").unwrap();
        assert_eq!(
            parse(&f).unwrap()[0].local.as_deref(),
            Some(Path::new("/src/L"))
        );
        std::fs::write(&f, "requires 'A';\nsystem('touch X');\n").unwrap();
        let err = parse(&f).unwrap_err().to_string();
        assert!(
            err.ends_with("cpanfile:2: 'system' trapped by operation mask"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
