//! Issue #28 point 12: `names --apply` journals its renames in batches
//! (one fdatasync for a batch's lines, then the renames, then the
//! directories' times), so it must stay crash-safe: `kill -9` at any point
//! of a run, then `undo`, gives back the exact tree (names, contents,
//! symlink targets, and the times of files, links and directories).

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Damaged files in the big directory, whose renames the test watches.
const BIG: usize = 2000;
const SUBDIRS: usize = 30;
const PER_SUBDIR: usize = 15;

/// UTF-8 read as windows-1252: `é` as `Ã©`.
fn damaged(n: usize) -> String {
    format!("caf\u{c3}\u{a9} cr\u{c3}\u{a8}me {n:04}.txt")
}

fn build(root: &Path) {
    let big = root.join("Ann\u{c3}\u{a9}e 2019");
    fs::create_dir_all(&big).unwrap();
    for n in 0..BIG {
        fs::write(big.join(damaged(n)), n.to_string()).unwrap();
    }
    for d in 0..SUBDIRS {
        let dir = root.join(format!("r\u{c3}\u{a9}pertoire {d:02}"));
        fs::create_dir(&dir).unwrap();
        for n in 0..PER_SUBDIR {
            fs::write(dir.join(damaged(n)), format!("{d}/{n}")).unwrap();
        }
        // A relative link into the big directory, retargeted by the run.
        symlink(
            format!("../Ann\u{c3}\u{a9}e 2019/{}", damaged(d)),
            dir.join(format!("lien {d:02}")),
        )
        .unwrap();
    }
}

type Snapshot = BTreeMap<Vec<u8>, (u32, Vec<u8>, i64, i64)>;

/// Every entry below `root`: type, contents or target, mtime (s, ns).
fn snapshot(root: &Path) -> Snapshot {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let content = if meta.file_type().is_symlink() {
                fs::read_link(&path)
                    .unwrap()
                    .as_os_str()
                    .as_bytes()
                    .to_vec()
            } else if meta.is_dir() {
                stack.push(path.clone());
                Vec::new()
            } else {
                fs::read(&path).unwrap()
            };
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .as_os_str()
                .as_bytes()
                .to_vec();
            out.insert(
                rel,
                (
                    meta.mode() & 0o170000,
                    content,
                    meta.mtime(),
                    meta.mtime_nsec(),
                ),
            );
        }
    }
    out
}

/// Renamed entries of the big directory so far.
fn renamed(root: &Path) -> usize {
    let Ok(entries) = fs::read_dir(root.join("Ann\u{c3}\u{a9}e 2019")) else {
        return BIG; // the directory itself was renamed: all done inside
    };
    entries
        .filter(|e| {
            e.as_ref().is_ok_and(|e| {
                !e.file_name()
                    .as_bytes()
                    .windows(2)
                    .any(|w| w == "Ã".as_bytes())
            })
        })
        .count()
}

/// Waits (bounded) until `done` holds.
fn wait(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "waited for {what}"
        );
        std::thread::sleep(Duration::from_micros(200));
    }
}

#[test]
fn a_run_killed_at_any_point_is_undone_to_the_exact_tree() {
    let bin = assert_cmd::cargo::cargo_bin("mojibake-fix");
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("tree");
    fs::create_dir(&root).unwrap();
    build(&root);
    let before = snapshot(&root);
    // Kill points: during the walk (only the journal's header written),
    // then after a growing share of the big directory's renames.
    let mut caught_mid_batch = 0;
    for (i, share) in [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0]
        .into_iter()
        .enumerate()
    {
        let journal = tmp.path().join(format!("run{i}.journal"));
        let mut child = Command::new(&bin)
            .args(["-q", "names", "-r", "--apply", "--journal"])
            .arg(&journal)
            .arg(&root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if share == 0.0 {
            wait("the journal", || journal.exists());
        } else {
            let target = ((BIG as f64) * share) as usize;
            wait("the renames", || {
                renamed(&root) >= target.max(1) || child.try_wait().is_ok_and(|s| s.is_some())
            });
        }
        let _ = child.kill();
        child.wait().unwrap();
        let done = renamed(&root);
        if done > 0 && done < BIG {
            caught_mid_batch += 1;
        }
        let status = Command::new(&bin)
            .args(["-q", "undo"])
            .arg(&journal)
            .status()
            .unwrap();
        assert!(status.success(), "undo after kill {i} ({done} renamed)");
        let after = snapshot(&root);
        if after != before {
            let differing: Vec<_> = before
                .iter()
                .filter(|(k, v)| after.get(*k) != Some(*v))
                .map(|(k, _)| String::from_utf8_lossy(k).into_owned())
                .take(5)
                .collect();
            panic!("kill {i} ({done} renamed): the tree differs, e.g. {differing:?}");
        }
    }
    assert!(
        caught_mid_batch >= 2,
        "only {caught_mid_batch} kills landed mid-batch"
    );
}
