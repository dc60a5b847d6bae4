//! Shared by tests/fleet/tools.rs and tests/fleet/ansible.rs: an offline Perl dist.

// Each test binary that includes this module uses only part of it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The dist directory `<Module-Name>-0.01` of `module` under `parent`: one
/// .pm with `$VERSION = '0.01'` and a Makefile.PL, nothing to fetch.
pub fn perl_dist(parent: &Path, module: &str) -> PathBuf {
    let dist = parent.join(format!("{}-0.01", module.replace("::", "-")));
    let pm = format!("lib/{}.pm", module.replace("::", "/"));
    std::fs::create_dir_all(dist.join(&pm).parent().unwrap()).unwrap();
    std::fs::write(
        dist.join(&pm),
        format!("package {module};\nour $VERSION = '0.01';\n1;\n"),
    )
    .unwrap();
    std::fs::write(
        dist.join("Makefile.PL"),
        format!(
            "use ExtUtils::MakeMaker;\nWriteMakefile(NAME => '{module}', VERSION_FROM => '{pm}');\n"
        ),
    )
    .unwrap();
    dist
}

/// `perl_dist` packed as `<dist>.tar.gz` into `out`.
pub fn perl_dist_tarball(out: &Path, module: &str) {
    let src = tempfile::tempdir().unwrap();
    let dist = perl_dist(src.path(), module);
    let name = dist.file_name().unwrap().to_str().unwrap();
    let ok = Command::new("tar")
        .arg("-czf")
        .arg(out.join(format!("{name}.tar.gz")))
        .arg("-C")
        .arg(src.path())
        .arg(name)
        .status()
        .unwrap()
        .success();
    assert!(ok);
}
