//! Which tmpfiles.d files are read, as systemd-tmpfiles 252 finds them:
//! every `*.conf` of /etc/tmpfiles.d, /run/tmpfiles.d,
//! /usr/local/lib/tmpfiles.d, /usr/lib/tmpfiles.d and /lib/tmpfiles.d
//! (below `--root`), a file of an earlier directory replacing a same-named
//! one of a later (an empty one or a link to /dev/null masks it), all read
//! in the order of their names. A CONFIG given as a bare name is looked up
//! in the same directories; a path is read as it is.

use crate::common::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub(super) const SEARCH_PATH: [&str; 5] = [
    "etc/tmpfiles.d",
    "run/tmpfiles.d",
    "usr/local/lib/tmpfiles.d",
    "usr/lib/tmpfiles.d",
    "lib/tmpfiles.d",
];

/// The files to read, in order.
pub(super) fn files(root: &Path, configs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    if configs.is_empty() {
        return Ok(search(root));
    }
    configs
        .iter()
        .map(|config| {
            if config.components().count() > 1 || config.is_absolute() {
                return Ok(config.clone());
            }
            SEARCH_PATH
                .iter()
                .map(|dir| root.join(dir).join(config))
                .find(|path| path.exists())
                .ok_or_else(|| {
                    Error::usage(format!(
                        "no {} in the tmpfiles.d directories",
                        config.display()
                    ))
                })
        })
        .collect()
}

fn search(root: &Path) -> Vec<PathBuf> {
    let mut by_name: BTreeMap<std::ffi::OsString, PathBuf> = BTreeMap::new();
    for dir in SEARCH_PATH {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            if Path::new(&name).extension().is_some_and(|e| e == "conf") {
                by_name.entry(name).or_insert_with(|| entry.path());
            }
        }
    }
    by_name
        .into_values()
        .filter(|path| !is_masked(path))
        .collect()
}

/// A link to /dev/null (or an empty file) hides the lower ones.
fn is_masked(path: &Path) -> bool {
    std::fs::read_link(path).is_ok_and(|target| target == Path::new("/dev/null"))
}
