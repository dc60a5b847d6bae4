//! The one recursive directory walk perlenv needs: the modules of an
//! environment or a dist, the installers' records, a staged install.
//! Symlinks are listed, never followed; unreadable directories are passed
//! over (what cannot be read cannot be listed either).

use std::fs::FileType;
use std::path::{Path, PathBuf};

/// An entry below the walked directory.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub(crate) path: PathBuf,
    /// `path` relative to the walked directory.
    pub(crate) rel: PathBuf,
    pub(crate) kind: FileType,
}

/// Every entry below `dir`, a directory before what it holds.
pub(crate) fn walk(dir: &Path) -> Vec<Found> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut here: Vec<Found> = entries
            .flatten()
            .filter_map(|entry| {
                let path = entry.path();
                let kind = entry.file_type().ok()?;
                let rel = path.strip_prefix(dir).unwrap_or(&path).to_path_buf();
                Some(Found { path, rel, kind })
            })
            .collect();
        // Sorted, so that every walk of the same tree gives the same order.
        here.sort_by(|a, b| a.rel.cmp(&b.rel));
        for found in here.iter().rev().filter(|f| f.kind.is_dir()) {
            stack.push(found.path.clone());
        }
        out.extend(here);
    }
    out
}

/// Every regular file below `dir` whose name ends in `.EXT`, as (path,
/// path relative to `dir`).
pub(crate) fn files_with_extension(dir: &Path, ext: &str) -> Vec<(PathBuf, PathBuf)> {
    walk(dir)
        .into_iter()
        .filter(|f| f.kind.is_file() && f.path.extension().is_some_and(|e| e == ext))
        .map(|f| (f.path, f.rel))
        .collect()
}

/// Every regular file below `dir` with one of `names`.
pub(crate) fn files_named(dir: &Path, names: &[&str]) -> Vec<Found> {
    walk(dir)
        .into_iter()
        .filter(|f| {
            f.kind.is_file()
                && f.path
                    .file_name()
                    .is_some_and(|n| names.iter().any(|want| n == *want))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_everything_below_without_following_links() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("a/b/M.pm"), "").unwrap();
        std::fs::write(root.join("a/.packlist"), "").unwrap();
        std::fs::write(root.join("z.pm"), "").unwrap();
        std::os::unix::fs::symlink("/usr/share/perl5", root.join("a/link")).unwrap();
        let rels: Vec<_> = walk(root).into_iter().map(|f| f.rel).collect();
        let want: Vec<PathBuf> = ["a", "z.pm", "a/.packlist", "a/b", "a/link", "a/b/M.pm"]
            .iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(rels, want);
        let pms: Vec<_> = files_with_extension(root, "pm")
            .into_iter()
            .map(|f| f.1)
            .collect();
        assert_eq!(pms, [PathBuf::from("z.pm"), PathBuf::from("a/b/M.pm")]);
        assert_eq!(files_named(root, &[".packlist"]).len(), 1);
    }
}
