//! Every relative link and `#anchor` in the repository's Markdown resolves:
//! the file exists, and the anchor is a heading of that file as GitHub
//! names it (lower case, punctuation dropped, spaces as hyphens, `-1`, `-2`
//! for repeated headings).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn markdown_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            markdown_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "md") {
            found.push(path);
        }
    }
}

/// The text outside fenced code blocks, line by line.
fn prose(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut fenced = false;
    text.lines().enumerate().filter(move |(_, line)| {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            return false;
        }
        !fenced
    })
}

/// A line without its `inline code` spans.
fn without_code(line: &str) -> String {
    line.split('`').step_by(2).collect::<Vec<_>>().join(" ")
}

/// GitHub's anchor for a heading (code spans keep their text, only the
/// backticks go).
fn slug(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for (_, line) in prose(text) {
        let Some(heading) = line.strip_prefix('#') else {
            continue;
        };
        let heading = heading.trim_start_matches('#');
        if !heading.starts_with(' ') {
            continue;
        }
        let base = slug(heading.trim());
        let mut anchor = base.clone();
        let mut n = 0;
        while !seen.insert(anchor.clone()) {
            n += 1;
            anchor = format!("{base}-{n}");
        }
    }
    seen
}

/// The targets of `[text](target)` and `[label]: target` on a line.
fn link_targets(line: &str) -> Vec<String> {
    let line = without_code(line);
    let mut targets = Vec::new();
    let mut rest = line.as_str();
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let end = after.find(')').unwrap_or(after.len());
        targets.push(
            after[..end]
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_string(),
        );
        rest = &after[end..];
    }
    let trimmed = line.trim_start();
    if trimmed.starts_with('[')
        && let Some(at) = trimmed.find("]: ")
    {
        targets.push(trimmed[at + 3..].trim().to_string());
    }
    targets
}

#[test]
fn every_relative_link_and_anchor_in_the_markdown_resolves() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    markdown_files(root, &mut files);
    assert!(files.len() >= 6, "found only {files:?}");
    let mut broken = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in prose(&text) {
            for target in link_targets(line) {
                if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                let (path, anchor) = match target.split_once('#') {
                    Some((path, anchor)) => (path, Some(anchor)),
                    None => (target.as_str(), None),
                };
                let linked = if path.is_empty() {
                    file.clone()
                } else {
                    file.parent().unwrap().join(path)
                };
                let place = format!(
                    "{}:{}: {target}",
                    file.strip_prefix(root).unwrap().display(),
                    n + 1
                );
                if !linked.exists() {
                    broken.push(format!("{place}: no such file"));
                    continue;
                }
                if let Some(anchor) = anchor {
                    let Ok(linked_text) = std::fs::read_to_string(&linked) else {
                        broken.push(format!("{place}: an anchor into a file that is not text"));
                        continue;
                    };
                    if !anchors(&linked_text).contains(anchor) {
                        broken.push(format!("{place}: no heading with this anchor"));
                    }
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn anchors_are_named_as_github_names_them() {
    let text = "# chk — check and repair ownership, modes and POSIX ACLs\n\
                ## Exit status (all tools)\n## Exit status (all tools)\n\
                ```\n# not a heading\n```\n### `--wrap SERVICE [--host H]`\n";
    let found = anchors(text);
    let want = [
        "chk--check-and-repair-ownership-modes-and-posix-acls",
        "exit-status-all-tools",
        "exit-status-all-tools-1",
        "--wrap-service---host-h",
    ];
    assert_eq!(found, want.iter().map(|s| s.to_string()).collect());
}

#[test]
fn a_broken_link_is_found() {
    let targets = link_targets("see [a](docs/x.md#y) and `[not](a link)` and [b](#z).");
    assert_eq!(targets, ["docs/x.md#y", "#z"]);
}
