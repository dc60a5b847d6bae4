//! What every tool promises on the command line (CONVENTIONS.md): `--help`
//! with examples, `--version`, the documented status for a usage error, and
//! a quiet exit 0 when the reader of its output goes away.

use assert_cmd::cargo::cargo_bin;
use std::process::{Command, Stdio};

/// Each tool with the exit status of a usage error (nsca-send keeps send_nsca's 3).
const TOOLS: &[(&str, i32)] = &[
    ("chk", 2),
    ("mojibake-fix", 2),
    ("nsca-send", 3),
    ("perlenv", 2),
];

/// The status after `--help` or `--version`: 0 for every tool (nsca-send's
/// short `-h` and `-V` keep send_nsca's 3: see tests/nsca_faults.rs).
fn info_status(_tool: &str) -> i32 {
    0
}

#[test]
fn help_has_examples_and_the_documented_status() {
    for (tool, _) in TOOLS {
        let out = Command::new(cargo_bin(tool))
            .arg("--help")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(info_status(tool)), "{tool} --help");
        assert!(
            text.to_lowercase().contains("example"),
            "{tool} --help has no examples:\n{text}"
        );
        assert!(
            text.to_lowercase().contains("exit status"),
            "{tool} --help documents no exit status"
        );
    }
}

#[test]
fn version_names_the_tool() {
    for (tool, _) in TOOLS {
        let out = Command::new(cargo_bin(tool))
            .arg("--version")
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(info_status(tool)),
            "{tool} --version"
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(text.trim(), format!("{tool} {}", env!("CARGO_PKG_VERSION")));
    }
}

#[test]
fn usage_error_gives_the_documented_status() {
    for (tool, status) in TOOLS {
        let out = Command::new(cargo_bin(tool))
            .arg("--no-such-option")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(*status), "{tool} --no-such-option");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--no-such-option"), "{tool}: {err}");
        assert!(!err.contains("panicked"), "{tool}: {err}");
    }
}

/// Runs `tool args` with its stdout a pipe whose reader is already gone.
fn with_closed_stdout(tool: &str, args: &[&str], stdin: Option<Vec<u8>>) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut child = Command::new(cargo_bin(tool))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        use std::io::Write;
        // The tool may stop reading once its output is gone; that is fine.
        let _ = child.stdin.take().unwrap().write_all(&input);
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn help_into_a_closed_pipe_is_quiet() {
    for (tool, _) in TOOLS {
        let (status, err) = with_closed_stdout(tool, &["--help"], None);
        assert_eq!(status, Some(info_status(tool)), "{tool}: {err}");
        assert!(!err.contains("panicked"), "{tool}: {err}");
    }
}

#[test]
fn bulk_output_into_a_closed_pipe_ends_with_zero() {
    // mojibake-fix text: megabytes of repaired text for a reader that left.
    let text = "Raison D'√™tre\n".repeat(200_000).into_bytes();
    let (status, err) = with_closed_stdout("mojibake-fix", &["text"], Some(text));
    assert_eq!(status, Some(0), "mojibake-fix text: {err}");
    assert!(!err.contains("panicked"), "{err}");

    // chk --dry-run --json: one line per difference, thousands of them.
    let tree = tempfile::tempdir().unwrap();
    for i in 0..3000 {
        std::fs::write(tree.path().join(format!("f{i}")), b"x").unwrap();
    }
    let root = tree.path().to_str().unwrap();
    let acl = "u::rw@UX,g::---,o::---,g:root:r-@GX,m::r-@GX";
    let args = ["path", root, "--acl", acl, "--dry-run", "--json"];
    let (status, err) = with_closed_stdout("chk", &args, None);
    assert_eq!(status, Some(0), "chk --json: {err}");
    assert!(!err.contains("panicked"), "{err}");
}
