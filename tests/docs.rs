//! The committed man pages and completions must match the clap definitions.
//! Regenerate them with `ADMINKIT_REGEN_DOCS=1 cargo test --test docs`.

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
        "stale generated docs (run `ADMINKIT_REGEN_DOCS=1 cargo test --test docs`): {stale:?}"
    );
}
