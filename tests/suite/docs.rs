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
    for tool in docs::tools() {
        let cmd = &tool.command;
        let name = cmd.get_name().to_string();
        let man = root.join("man").join(format!("{name}.1"));
        check_or_write(&man, &tool.man_page(), &mut stale);
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
    for tool in docs::tools() {
        let cmd = &tool.command;
        let name = cmd.get_name().to_string();
        let page = String::from_utf8(tool.man_page()).unwrap();
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

#[test]
fn chks_page_has_its_own_sections_and_names_no_other_page() {
    let chk = docs::tools()
        .into_iter()
        .find(|tool| tool.command.get_name() == "chk")
        .unwrap();
    let text = String::from_utf8(chk.man_page()).unwrap();
    // No reference to another page at all (clap_mangen's chk-path(1)...).
    assert!(!text.contains("(1)"), "{text}");
    for section in [
        ".SH SUBCOMMANDS",
        ".SH RULE FILES",
        ".SH CONFIGURATION",
        ".SH THE MODEL",
        ".SH UNDOING A RUN",
        ".SH COMING FROM SETFACL",
        ".SH COMING FROM TMPFILES.D",
    ] {
        assert!(text.contains(section), "{section}");
    }
    for sub in [
        "chk path",
        "chk group",
        "chk user",
        "chk explain",
        "chk tmpfiles",
        "chk rules",
    ] {
        assert!(text.contains(&format!(".SS \"{sub}")), "{sub}");
    }
    assert!(text.contains("\\fBmailbox_dir\\fR (default \\fIMaildir\\fR)"));
    assert!(text.contains(".TP\n\\fB\\-\\-all\\fR\n"), "{text}");
}
