//! The shape of the code (CONTRIBUTING.md, Layout): no tool imports
//! another, `common` imports no tool, and no two modules import each other,
//! directly or around a longer loop. Read from the sources: every `crate::`,
//! `super::` and `self::` path in a module file (its tests included) is an
//! import of the module that path names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const TOOLS: [&str; 4] = ["chk", "nsca", "mojibake", "perlenv"];

/// `src/chk/walk/tree.rs` -> `chk::walk::tree`; `src/chk/mod.rs` -> `chk`.
fn module_of(file: &Path, src: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    if parts
        .last()
        .is_some_and(|last| last == "mod" || last == "lib")
    {
        parts.pop();
    }
    parts.join("::")
}

fn sources(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.ends_with("bin") {
                continue;
            }
            sources(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// The module paths a file's code names, made absolute (`super::x` in
/// `a::b::c` is `a::b::x`; in a `mod.rs` module `a::b`, it is `a::x`).
fn named_paths(module: &str, text: &str) -> Vec<Vec<String>> {
    let here: Vec<&str> = if module.is_empty() {
        Vec::new()
    } else {
        module.split("::").collect()
    };
    let mut paths = Vec::new();
    let bytes = text.as_bytes();
    for start in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(at) = text[from..].find(start) {
            let at = from + at;
            from = at + start.len();
            // Only whole words: not `my_crate::`, not `r#super::`.
            if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
                continue;
            }
            let mut base: Vec<String> = match start {
                "crate::" => Vec::new(),
                _ => here.iter().map(|s| s.to_string()).collect(),
            };
            let mut rest = &text[at..];
            // Each leading `super::` climbs one module.
            if let Some(r) = rest
                .strip_prefix("crate::")
                .or_else(|| rest.strip_prefix("self::"))
            {
                rest = r;
            }
            while let Some(r) = rest.strip_prefix("super::") {
                base.pop();
                rest = r;
            }
            use_tree(rest, base, &mut paths);
        }
    }
    paths
}

/// The code of a file without its `//` comments (a doc comment naming a
/// module is a pointer for the reader, not an import).
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths a use-tree names: `a::b` is one, `a::{b, c::{d, e}}` three
/// (`a::b`, `a::c::d`, `a::c::e`). Returns how much of `text` it read.
fn use_tree(text: &str, base: Vec<String>, paths: &mut Vec<Vec<String>>) -> usize {
    let mut path = base;
    let mut read = 0;
    loop {
        let rest = &text[read..];
        if let Some(group) = rest.strip_prefix('{') {
            read += 1;
            let mut inner = group;
            loop {
                let taken = use_tree(inner.trim_start(), path.clone(), paths);
                let skipped = inner.len() - inner.trim_start().len() + taken;
                read += skipped;
                inner = &inner[skipped..];
                let trimmed = inner.trim_start();
                read += inner.len() - trimmed.len();
                match trimmed.chars().next() {
                    Some(',') => {
                        read += 1;
                        inner = &trimmed[1..];
                        if inner.trim_start().starts_with('}') {
                            read += inner.len() - inner.trim_start().len() + 1;
                            return read;
                        }
                    }
                    Some('}') => return read + 1,
                    _ => return read,
                }
            }
        }
        let word: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if word.is_empty() {
            break;
        }
        read += word.len();
        path.push(word);
        match text[read..].strip_prefix("::") {
            Some(_) => read += 2,
            None => break,
        }
    }
    paths.push(path);
    read
}

/// Which modules each module imports (the longest known module a named
/// path starts with; a module's own items and its descendants do not
/// count, its ancestors do).
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let modules: BTreeMap<String, String> = files
        .iter()
        .map(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            (module_of(file, &src), without_comments(&text))
        })
        .collect();
    let mut graph = BTreeMap::new();
    for (module, text) in &modules {
        let mut targets = BTreeSet::new();
        for path in named_paths(module, text) {
            let target = (1..=path.len())
                .rev()
                .map(|n| path[..n].join("::"))
                .find(|candidate| modules.contains_key(candidate));
            if let Some(target) = target
                && target != *module
                && !target.starts_with(&format!("{module}::"))
                && !module.is_empty()
            {
                targets.insert(target);
            }
        }
        graph.insert(module.clone(), targets);
    }
    graph
}

fn tool_of(module: &str) -> Option<&str> {
    let top = module.split("::").next().unwrap();
    TOOLS.iter().copied().find(|tool| *tool == top)
}

#[test]
fn no_tool_imports_another_and_common_imports_no_tool() {
    let mut wrong = Vec::new();
    for (module, targets) in imports() {
        for target in targets {
            let (from, to) = (tool_of(&module), tool_of(&target));
            let crosses = match (from, to) {
                (Some(a), Some(b)) => a != b,
                (None, Some(_)) => module.starts_with("common"),
                _ => false,
            };
            if crosses {
                wrong.push(format!("{module} -> {target}"));
            }
        }
    }
    assert!(wrong.is_empty(), "imports across tools: {wrong:#?}");
}

#[test]
fn no_import_cycles() {
    let graph = imports();
    // A module is on a cycle when it can reach itself.
    let mut cycles = BTreeSet::new();
    for start in graph.keys() {
        let mut stack: Vec<(String, Vec<String>)> = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((module, path)) = stack.pop() {
            for next in graph.get(&module).into_iter().flatten() {
                if next == start {
                    let mut cycle = path.clone();
                    // The same loop from each of its modules: keep one.
                    let min = cycle.iter().enumerate().min_by_key(|(_, m)| *m).unwrap().0;
                    cycle.rotate_left(min);
                    cycles.insert(cycle.join(" -> "));
                } else if seen.insert(next.clone()) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "import cycles:\n{}",
        cycles.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn a_use_tree_names_every_path() {
    let mut paths = Vec::new();
    let read = use_tree("a::{b, c::{d, e}, f}; rest", vec!["x".into()], &mut paths);
    assert_eq!(read, "a::{b, c::{d, e}, f}".len());
    let joined: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(joined, ["x::a::b", "x::a::c::d", "x::a::c::e", "x::a::f"]);
}
