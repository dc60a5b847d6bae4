//! Which lines touch which entry, in which order, as systemd-tmpfiles 252
//! applies them with `--create`: lines are grouped by path (one group per
//! path text); groups without globs go first, in the order read, then those
//! with globs; a group whose path text starts with another group's path
//! waits for that one; within a group, lines go by type letter (`A`, `Z`,
//! `a`, `z`), then in the order read. `A`/`Z` lines reach everything below
//! their path as well. The result is a set of walk targets whose rules
//! hold, for each path a line names, the edits in that order.

use super::line::Item;
use crate::chk::edit::Step;
use crate::chk::rules::{Definition, Pattern, Rule, RuleSet};
use crate::chk::walk::{Scope, Target};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Orders the lines touching one entry: (rank of the line's group, type
/// letter, index of the line).
type Order = (usize, char, usize);

pub(super) struct Plan {
    items: Vec<Item>,
    /// Each existing path a line names (globs expanded), with its lines.
    anchors: BTreeMap<String, Vec<Order>>,
}

impl Plan {
    /// `items` in the order read; globs are expanded below `root`.
    pub(super) fn new(items: Vec<Item>, root: &Path) -> Plan {
        let ranks = group_ranks(&items);
        let mut anchors: BTreeMap<String, Vec<Order>> = BTreeMap::new();
        let mut expanded: HashMap<&str, Vec<String>> = HashMap::new();
        for (index, item) in items.iter().enumerate() {
            let paths = expanded.entry(&item.path).or_insert_with(|| {
                if item.is_glob() {
                    expand_glob(root, &item.path)
                } else {
                    vec![item.path.clone()]
                }
            });
            for path in paths.iter() {
                let order = (ranks[item.path.as_str()], item.kind, index);
                anchors.entry(path.clone()).or_default().push(order);
            }
        }
        Plan { items, anchors }
    }

    /// The edits that reach `path`, in the order they are made: its own
    /// lines and the `A`/`Z` lines of the paths above it.
    pub(super) fn steps(&self, path: &str) -> Vec<&Step> {
        let mut orders: Vec<Order> = ancestors(path)
            .filter_map(|up| self.anchors.get(up))
            .flat_map(|orders| orders.iter().filter(|o| self.items[o.2].recursive))
            .chain(self.anchors.get(path).into_iter().flatten())
            .copied()
            .collect();
        orders.sort();
        orders.iter().map(|o| &self.items[o.2].step).collect()
    }

    /// What everything below `path` gets: the `A`/`Z` lines of `path` and
    /// of the paths above it.
    fn steps_below(&self, path: &str) -> Vec<Step> {
        let mut orders: Vec<Order> = ancestors(path)
            .chain([path])
            .filter_map(|up| self.anchors.get(up))
            .flatten()
            .filter(|o| self.items[o.2].recursive)
            .copied()
            .collect();
        orders.sort();
        orders
            .iter()
            .map(|o| self.items[o.2].step.clone())
            .collect()
    }

    fn is_recursive_anchor(&self, path: &str) -> bool {
        self.anchors
            .get(path)
            .is_some_and(|orders| orders.iter().any(|o| self.items[o.2].recursive))
    }

    /// One target per path that no `A`/`Z` line above it reaches: the tree
    /// below it when it has such a line itself, else the entry alone.
    pub(super) fn targets(&self, root: &Path) -> Vec<Target> {
        let mut targets = Vec::new();
        for top in self.anchors.keys() {
            if ancestors(top).any(|up| self.is_recursive_anchor(up)) {
                continue;
            }
            let recursive = self.is_recursive_anchor(top);
            let mut rules = Vec::new();
            for path in self.anchors.keys().filter(|p| is_at_or_below(p, top)) {
                if !recursive && path != top {
                    continue;
                }
                let rel = path[top.len()..]
                    .trim_start_matches('/')
                    .as_bytes()
                    .to_vec();
                let here: Vec<Step> = self.steps(path).into_iter().cloned().collect();
                rules.push(rule(rel.clone(), false, here));
                if recursive {
                    rules.push(rule(rel, true, self.steps_below(path)));
                }
            }
            targets.push(Target {
                label: top.clone(),
                root: root.join(top.trim_start_matches('/')),
                rules: RuleSet::new(rules),
                scope: Scope::Below {
                    base: root.to_path_buf(),
                    rel: top.trim_start_matches('/').as_bytes().to_vec(),
                    entry_only: !recursive,
                },
                ..Target::default()
            });
        }
        targets
    }
}

fn rule(rel: Vec<u8>, contents: bool, steps: Vec<Step>) -> Rule {
    Rule::builtin(
        "tmpfiles.d",
        Pattern::Path { rel, contents },
        Definition::Edits(steps),
    )
}

/// `/a/b/c` → `/a/b`, `/a`, `/`.
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(path);
    std::iter::from_fn(move || {
        let current = rest?;
        if current == "/" {
            rest = None;
            return None;
        }
        let up = match current.rfind('/') {
            Some(0) => "/",
            Some(i) => &current[..i],
            None => return None,
        };
        rest = Some(up);
        Some(up)
    })
}

fn is_at_or_below(path: &str, top: &str) -> bool {
    path == top
        || top == "/"
        || path
            .strip_prefix(top)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The order in which systemd-tmpfiles processes the groups of lines
/// (one per path text): the groups without globs in the order read, then
/// those with globs, each after its closest "parent" (the longest path
/// text that is a prefix of its own, globs included).
fn group_ranks(items: &[Item]) -> HashMap<&str, usize> {
    let mut plain: Vec<&str> = Vec::new();
    let mut globs: Vec<&str> = Vec::new();
    for item in items {
        let list = if item.is_glob() {
            &mut globs
        } else {
            &mut plain
        };
        if !list.contains(&item.path.as_str()) {
            list.push(&item.path);
        }
    }
    let known: std::collections::HashSet<&str> = plain.iter().chain(&globs).copied().collect();
    let mut ranks = HashMap::new();
    fn visit<'a>(
        path: &'a str,
        known: &std::collections::HashSet<&'a str>,
        ranks: &mut HashMap<&'a str, usize>,
    ) {
        if ranks.contains_key(path) {
            return;
        }
        if let Some(parent) = ancestors(path).find(|up| known.contains(up)) {
            visit(parent, known, ranks);
        }
        let next = ranks.len();
        ranks.insert(path, next);
    }
    for path in plain.iter().chain(&globs) {
        visit(path, &known, &mut ranks);
    }
    ranks
}

/// The existing paths a glob names below `root`, as glob(3) finds them:
/// `*`, `?` and `[...]` never match a leading dot unless the pattern's
/// component starts with one.
fn expand_glob(root: &Path, pattern: &str) -> Vec<String> {
    let mut found = vec![String::new()];
    for component in pattern.split('/').filter(|c| !c.is_empty()) {
        let mut next = Vec::new();
        if !component.contains(['*', '?', '[']) {
            next = found.iter().map(|p| format!("{p}/{component}")).collect();
        } else if let Ok(glob) = globset::Glob::new(component) {
            let matcher = glob.compile_matcher();
            for parent in &found {
                let dir = root.join(parent.trim_start_matches('/'));
                let Ok(entries) = std::fs::read_dir(&dir) else {
                    continue;
                };
                let mut names: Vec<String> = entries
                    .flatten()
                    .filter_map(|e| e.file_name().into_string().ok())
                    .filter(|n| matcher.is_match(n))
                    .filter(|n| !n.starts_with('.') || component.starts_with('.'))
                    .collect();
                names.sort();
                next.extend(names.into_iter().map(|n| format!("{parent}/{n}")));
            }
        }
        found = next;
    }
    found.retain(|p| std::fs::symlink_metadata(root.join(p.trim_start_matches('/'))).is_ok());
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_and_prefixes() {
        assert_eq!(ancestors("/a/b/c").collect::<Vec<_>>(), ["/a/b", "/a", "/"]);
        assert_eq!(ancestors("/").count(), 0);
        assert!(
            is_at_or_below("/a/b", "/a")
                && is_at_or_below("/a", "/")
                && !is_at_or_below("/ab", "/a")
        );
    }
}
