//! cpanfiles read with the whole cpanfile language (Module::CPANfile's DSL),
//! evaluated by the system perl in a Safe compartment so a cpanfile cannot
//! run commands.

use crate::common::{Error, Result};
use std::path::Path;

/// One requirement: module and optional version range (`== 1.0`, `>= 2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub module: String,
    pub range: Option<String>,
}

impl Requirement {
    /// How cpanm takes it on its command line: `Module~range`.
    pub fn cpanm_arg(&self) -> String {
        match &self.range {
            Some(r) => format!("{}~{}", self.module, r),
            None => self.module.clone(),
        }
    }
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
        .filter_map(|l| l.split_once('\t'))
        .map(|(m, r)| Requirement {
            module: m.to_string(),
            range: Some(r.to_string()).filter(|r| r != "0"),
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
            .map(Requirement::cpanm_arg)
            .collect();
        assert_eq!(args, ["A", "B~>= 1.0, < 2", "C~1", "M~1", "T", "T2"]);
        std::fs::write(&f, "requires 'A';\nsystem('touch X');\n").unwrap();
        let err = parse(&f).unwrap_err().to_string();
        assert!(
            err.ends_with("cpanfile:2: 'system' trapped by operation mask"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
