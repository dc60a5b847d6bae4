//! The committed man pages and completions must match the clap definitions.
//! Regenerate them with `ADMINKIT_REGEN_DOCS=1 cargo test --test suite docs::`.

use adminkit::docs;
use std::path::Path;

fn check_or_write(path: &Path, generated: &[u8], stale: &mut Vec<String>) {
    if std::env::var_os("ADMINKIT_REGEN_DOCS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, generated).unwrap();
    } else if std::fs::read(path).ok().as_deref() != Some(generated) {
        stale.push(path.display().to_string());
    }
}

#[test]
fn man_pages_and_completions_are_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for cmd in docs::tools() {
        let name = cmd.get_name().to_string();
        let man = root.join("man").join(format!("{name}.1"));
        check_or_write(&man, &docs::man_page(cmd.clone()), &mut stale);
        for (shell, pattern) in docs::SHELLS {
            let file = root.join("completions").join(pattern.replace("{}", &name));
            check_or_write(&file, &docs::completion(cmd.clone(), shell), &mut stale);
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated docs (run `ADMINKIT_REGEN_DOCS=1 cargo test --test suite docs::`): {stale:?}"
    );
}

/// Every page is clean roff, names no page that is not shipped (such as
/// clap_mangen's perlenv-create(1)), and turns each heading of the long help
/// into a section of its own instead of one reflowed EXTRA section.
#[test]
fn man_pages_render_as_sections_and_name_no_missing_page() {
    for cmd in docs::tools() {
        let name = cmd.get_name().to_string();
        let page = String::from_utf8(docs::man_page(cmd.clone())).unwrap();
        assert!(!page.contains(".SH EXTRA"), "{name}: {page}");
        assert!(!page.contains("(1)"), "{name} names another page: {page}");
        let help = cmd.get_after_long_help().unwrap().to_string();
        for heading in help
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with(' '))
        {
            let heading = heading.trim_end_matches(':').replace('-', "\\-");
            assert!(
                page.contains(&format!(".SH \"{heading}\"")),
                "{name}: no section {heading:?}"
            );
        }
        // groff warns (-ww) about anything it cannot typeset.
        let mut groff = std::process::Command::new("groff")
            .args(["-k", "-man", "-Tutf8", "-ww", "-z"])
            .env("LC_ALL", "C.UTF-8")
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("groff (Debian's groff-base) must be installed");
        use std::io::Write;
        groff
            .stdin
            .take()
            .unwrap()
            .write_all(page.as_bytes())
            .unwrap();
        let out = groff.wait_with_output().unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
