//! Rules: which owner, mode and ACLs each path of a target should have.
//!
//! A rule's pattern anchors at a path relative to the target root; the rule
//! governs that path and everything below it, unless a more specific rule
//! matches. Specificity, strongest criterion first: the deeper anchor, then
//! an exact path over a glob, then `X/` over `X` for X's contents, then a
//! system rule over a user rule (except for `~`, where the user's wins),
//! then the later rule (later file in sorted order, later line).

mod error;
mod parse;
#[cfg(test)]
mod tests;

pub(crate) use error::RuleError;
pub(crate) use parse::{parse, parse_definition};

use crate::chk::acl::{Acl, AclError, Template, TemplateEntry};
use crate::common::Error;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::OnceLock;

/// Who wrote a rule file, which decides what it may say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Level {
    /// The administrator's rule files: anything goes.
    System,
    /// A user's or a group's own file: only additions of named entries.
    User,
}

/// Values substituted into ACL texts before they are parsed.
#[derive(Clone, Debug)]
pub(crate) struct Macros {
    /// `@GROUP`: the group whose shared directory is checked.
    pub group: Option<String>,
    /// `@GW` is `w` when true, `-` otherwise.
    pub permissive: bool,
    /// The group user rules may not name.
    pub admins_group: String,
    /// `@acls.NAME`
    pub acls: BTreeMap<String, String>,
    /// `@defaults.NAME`
    pub defaults: BTreeMap<String, String>,
}

impl Default for Macros {
    fn default() -> Self {
        Macros {
            group: None,
            permissive: false,
            admins_group: "admins".into(),
            acls: BTreeMap::new(),
            defaults: BTreeMap::new(),
        }
    }
}

/// What a rule's path names.
#[derive(Clone, Debug)]
pub(crate) enum Pattern {
    /// A literal path (empty = the target root); with `contents`, only what
    /// is below it (`X/`, `~/`).
    Path { rel: Vec<u8>, contents: bool },
    /// A glob matched against the relative path (`*` stops at `/`, `**` not).
    Glob { text: String, contents: bool },
}

impl Pattern {
    /// Parses the path column of a rule line.
    pub(crate) fn parse(text: &str) -> Result<Pattern, RuleError> {
        let rest = if text == "~" {
            ""
        } else if let Some(rest) = text.strip_prefix("~/") {
            if rest.is_empty() {
                return Ok(Pattern::Path {
                    rel: Vec::new(),
                    contents: true,
                });
            }
            rest
        } else {
            text
        };
        if rest.starts_with('/') {
            return Err(RuleError::AbsolutePath(text.to_string()));
        }
        let contents = rest.ends_with('/');
        let mut parts = Vec::new();
        for part in rest.split('/') {
            match part {
                "" | "." => {}
                ".." => return Err(RuleError::ParentDir(text.to_string())),
                _ => parts.push(part),
            }
        }
        if parts.is_empty() && !rest.is_empty() {
            return Err(RuleError::NamesNothing(text.to_string()));
        }
        let joined = parts.join("/");
        if joined.contains(['*', '?', '[', '{']) {
            GlobBuilder::new(&joined)
                .literal_separator(true)
                .build()
                .map_err(|e| RuleError::BadGlob {
                    text: text.to_string(),
                    why: e.kind().to_string(),
                })?;
            return Ok(Pattern::Glob {
                text: joined,
                contents,
            });
        }
        Ok(Pattern::Path {
            rel: joined.into_bytes(),
            contents,
        })
    }

    /// `~` or `~/`: the two halves of the target's root rule, which a
    /// user's (or group's) own file may replace *(Licorn)*.
    fn is_root(&self) -> bool {
        matches!(self, Pattern::Path { rel, .. } if rel.is_empty())
    }

    /// `~/`, the same path as `self` but for what is below it.
    pub(crate) fn contents_of(&self) -> Pattern {
        match self {
            Pattern::Path { rel, .. } => Pattern::Path {
                rel: rel.clone(),
                contents: true,
            },
            Pattern::Glob { text, .. } => Pattern::Glob {
                text: text.clone(),
                contents: true,
            },
        }
    }

    fn contents(&self) -> bool {
        match self {
            Pattern::Path { contents, .. } | Pattern::Glob { contents, .. } => *contents,
        }
    }

    fn same_as(&self, other: &Pattern) -> bool {
        match (self, other) {
            (
                Pattern::Path {
                    rel: a,
                    contents: x,
                },
                Pattern::Path {
                    rel: b,
                    contents: y,
                },
            ) => a == b && x == y,
            (
                Pattern::Glob {
                    text: a,
                    contents: x,
                },
                Pattern::Glob {
                    text: b,
                    contents: y,
                },
            ) => a == b && x == y,
            _ => false,
        }
    }
}

/// What a rule asks for.
#[derive(Clone, Debug)]
pub(crate) enum Definition {
    /// No ACLs; dirs 0755, files 0644 keeping each execute bit.
    NoAcl,
    /// No ACLs; dirs 0700, files 0600 keeping the owner's execute bit.
    Private,
    /// `access` is written for files; directories get its directory form,
    /// and `default` (or else the same directory form) as default ACL.
    Acl {
        access: Template,
        default: Option<Template>,
    },
    /// A user rule before it is merged: named entries to add to the ACL of
    /// the system rule governing the same place.
    Additions(Vec<TemplateEntry>),
    /// Edits made in order to what the entry has (setfacl's, tmpfiles.d
    /// lines'): the end state is wanted exactly, mask included.
    Edits(Vec<crate::chk::edit::Step>),
    /// `IGNORE` (or `--exclude`): the entry and everything below it are
    /// neither checked nor changed. Wins over every other rule.
    Ignore,
}

impl Definition {
    /// The wanted access ACL, and for a directory the default ACL, of an
    /// entry whose current owner / group-class execute bits are given.
    /// `None` for rules without ACLs.
    pub(crate) fn acls(
        &self,
        is_dir: bool,
        owner_x: bool,
        group_x: bool,
    ) -> Option<Result<(Acl, Option<Acl>), AclError>> {
        let Definition::Acl { access, default } = self else {
            return None;
        };
        Some(if is_dir {
            directory_acls(access, default.as_ref())
        } else {
            access.for_file(owner_x, group_x).map(|acl| (acl, None))
        })
    }
}

/// A directory's access ACL and default ACL (the access one's form unless
/// the rule has its own).
fn directory_acls(
    access: &Template,
    default: Option<&Template>,
) -> Result<(Acl, Option<Acl>), AclError> {
    let dir_default = default.unwrap_or(access).for_directory()?;
    Ok((access.for_directory()?, Some(dir_default)))
}

#[derive(Clone, Debug)]
pub(crate) struct Rule {
    pub origin: PathBuf,
    pub line: usize,
    pub level: Level,
    pub pattern: Pattern,
    pub definition: Definition,
}

impl Rule {
    /// Whether the rule says to leave the entry, and all below it, alone.
    pub(crate) fn is_ignore(&self) -> bool {
        matches!(self.definition, Definition::Ignore)
    }

    /// A rule made in code (`chk path --acl`, factory rules).
    pub(crate) fn builtin(origin: &str, pattern: Pattern, definition: Definition) -> Rule {
        Rule {
            origin: origin.into(),
            line: 0,
            level: Level::System,
            pattern,
            definition,
        }
    }

    /// `FILE:LINE`, or the origin alone for built-in rules.
    pub(crate) fn source(&self) -> String {
        if self.line == 0 {
            self.origin.display().to_string()
        } else {
            format!("{}:{}", self.origin.display(), self.line)
        }
    }
}

/// Comparable strength of a match (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    depth: usize,
    exact: bool,
    contents: bool,
    level: u8,
    order: usize,
}

/// The best rule matched by a directory or its ancestors, handed down the
/// walk so each entry only tests the rules that anchor at itself: the best
/// of all, and the best that is not a user's additions (its base).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Inherited {
    best: Option<(Key, usize)>,
    base: Option<(Key, usize)>,
}

/// Rules of one target, indexed for matching.
///
/// A user's (or a group's) ACL rule only adds named entries, and adds them
/// to whatever system rule governs each entry it reaches: a file keeps a
/// file's template and a directory a directory's, however wide the user's
/// glob (`** u:bob:r--` must not give every file the home root's directory
/// template). So the walk tracks two winners, the best rule of all and the
/// best one that is not additions; when the additions win, the entry gets
/// the base rule with them merged in. Merged rules are made once per pair,
/// when first needed.
#[derive(Default)]
pub(crate) struct RuleSet {
    rules: Vec<Rule>,
    exact: HashMap<Vec<u8>, Vec<usize>>,
    globs: GlobSet,
    glob_rules: Vec<usize>,
    /// Rule index → position among the additions / among the base rules.
    addition_slot: Vec<Option<usize>>,
    base_slot: Vec<Option<usize>>,
    bases: usize,
    /// Additions × base rules, merged on first use.
    merged: Vec<OnceLock<Box<Rule>>>,
    /// IGNORE rules, apart: any of them that matches an entry wins.
    ignore_exact: HashMap<Vec<u8>, usize>,
    ignore_globs: GlobSet,
    ignore_glob_rules: Vec<usize>,
}

impl RuleSet {
    /// System rules, in precedence order (files sorted, lines in order).
    pub(crate) fn new(rules: Vec<Rule>) -> RuleSet {
        let mut set = RuleSet {
            rules,
            ..RuleSet::default()
        };
        set.reindex();
        set
    }

    /// Adds user (or per-group) rules: each adds its named entries to the
    /// ACL of the system rule governing each entry it reaches. Returns the
    /// rules that cannot add anything, as warnings: one for a path a system
    /// rule names itself, and one for a literal path under no system ACL
    /// rule (a glob is only known entry by entry).
    pub(crate) fn add_user_rules(&mut self, rules: Vec<Rule>) -> Vec<Error> {
        let mut warnings = Vec::new();
        let mut kept = Vec::new();
        for rule in rules {
            if !matches!(rule.definition, Definition::Additions(_)) {
                kept.push(rule);
                continue;
            }
            let warn = |why: String| Error::bad_input(&rule.origin, rule.line, why);
            if !rule.pattern.is_root()
                && let Some(sys) = self
                    .rules
                    .iter()
                    .find(|r| r.level == Level::System && r.pattern.same_as(&rule.pattern))
            {
                warnings.push(warn(format!(
                    "ignored: the system rule {} governs this path",
                    sys.source()
                )));
                continue;
            }
            if let Pattern::Path { rel, contents } = &rule.pattern {
                // What the place has now: for `X/`, what X hands down.
                let (here, below) = self.walk_to(rel);
                let base = if *contents { below.base } else { here.base };
                match base.map(|(_, i)| &self.rules[i].definition) {
                    Some(Definition::Acl { .. }) => {}
                    Some(Definition::NoAcl | Definition::Private) => {
                        warnings.push(warn(
                            "ignored: the path is under a NOACL or PRIVATE system rule".into(),
                        ));
                        continue;
                    }
                    _ => {
                        warnings.push(warn("ignored: no system ACL rule to add entries to".into()));
                        continue;
                    }
                }
            }
            kept.push(rule);
        }
        self.rules.extend(kept);
        self.reindex();
        warnings
    }

    /// The root's default ACL is what the walk enforces below the root
    /// (`~/`), so that an entry born in the root is already compliant;
    /// Licorn's root rule `~` has no default ACL of its own. Set on the
    /// base rules (a user's additions at `~` and `~/` are merged into both).
    /// Called once every rule is in.
    pub(crate) fn inherit_root_default(&mut self) {
        let (root, below) = self.walk_to(b"");
        let (Some((_, root)), Some((_, below))) = (root.base, below.base) else {
            return;
        };
        let Definition::Acl { access, .. } = &self.rules[below].definition else {
            return;
        };
        let contents = access.clone();
        if let Definition::Acl { default, .. } = &mut self.rules[root].definition
            && default.is_none()
        {
            *default = Some(contents);
        }
        self.reindex();
    }

    /// Adds `--exclude` patterns: IGNORE rules of the command line.
    pub(crate) fn add_excludes(&mut self, patterns: &[Pattern]) {
        self.rules.extend(
            patterns
                .iter()
                .map(|p| Rule::builtin("--exclude", p.clone(), Definition::Ignore)),
        );
        self.reindex();
    }

    /// The IGNORE rule that matches `rel` itself, if any (its ancestors
    /// are not looked at: the walk never reaches below an ignored one).
    fn ignore_rule(&self, rel: &[u8]) -> Option<&Rule> {
        if let Some(&index) = (!self.ignore_exact.is_empty())
            .then(|| self.ignore_exact.get(rel))
            .flatten()
        {
            return Some(&self.rules[index]);
        }
        if rel.is_empty() || self.ignore_glob_rules.is_empty() {
            return None;
        }
        let candidate = globset::Candidate::new(
            <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(rel),
        );
        let first = self
            .ignore_globs
            .matches_candidate(&candidate)
            .into_iter()
            .min()?;
        Some(&self.rules[self.ignore_glob_rules[first]])
    }

    /// The IGNORE rule that leaves `rel` alone: one matching `rel` or one
    /// of its ancestors. For `chk explain`, which looks at one path.
    pub(crate) fn ignored(&self, rel: &[u8]) -> Option<&Rule> {
        let ends = rel
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'/')
            .map(|(i, _)| i);
        std::iter::once(0)
            .chain(ends)
            .chain((!rel.is_empty()).then_some(rel.len()))
            .find_map(|end| self.ignore_rule(&rel[..end]))
    }

    fn reindex(&mut self) {
        self.exact.clear();
        self.glob_rules.clear();
        self.ignore_exact.clear();
        self.ignore_glob_rules.clear();
        let mut builder = GlobSetBuilder::new();
        let mut ignores = GlobSetBuilder::new();
        for (index, rule) in self.rules.iter().enumerate() {
            if rule.is_ignore() {
                // `X/` ignores what is below X: its entries, as the walk
                // never goes below an ignored one.
                let glob = match &rule.pattern {
                    Pattern::Path {
                        rel,
                        contents: false,
                    } => {
                        self.ignore_exact.insert(rel.clone(), index);
                        continue;
                    }
                    Pattern::Path {
                        rel,
                        contents: true,
                    } if rel.is_empty() => "*".to_string(),
                    Pattern::Path {
                        rel,
                        contents: true,
                    } => {
                        format!("{}/*", globset::escape(&String::from_utf8_lossy(rel)))
                    }
                    Pattern::Glob {
                        text,
                        contents: false,
                    } => text.clone(),
                    Pattern::Glob {
                        text,
                        contents: true,
                    } => format!("{text}/*"),
                };
                if let Ok(glob) = GlobBuilder::new(&glob).literal_separator(true).build() {
                    ignores.add(glob);
                    self.ignore_glob_rules.push(index);
                }
                continue;
            }
            match &rule.pattern {
                Pattern::Path { rel, .. } => self.exact.entry(rel.clone()).or_default().push(index),
                Pattern::Glob { text, .. } => {
                    // Checked when the pattern was parsed.
                    if let Ok(glob) = GlobBuilder::new(text).literal_separator(true).build() {
                        builder.add(glob);
                        self.glob_rules.push(index);
                    }
                }
            }
        }
        self.globs = builder.build().unwrap_or_default();
        self.ignore_globs = ignores.build().unwrap_or_default();
        let is_addition = |r: &Rule| matches!(r.definition, Definition::Additions(_));
        let count = |want: bool| -> (Vec<Option<usize>>, usize) {
            let mut next = 0;
            let slots = self
                .rules
                .iter()
                .map(|r| {
                    (is_addition(r) == want && !r.is_ignore()).then(|| {
                        next += 1;
                        next - 1
                    })
                })
                .collect();
            (slots, next)
        };
        let (addition_slot, additions) = count(true);
        let (base_slot, bases) = count(false);
        self.addition_slot = addition_slot;
        self.base_slot = base_slot;
        self.bases = bases;
        self.merged = (0..additions * bases).map(|_| OnceLock::new()).collect();
    }

    /// The rule an entry gets: `best`, or when `best` is a user's additions,
    /// its `base` with them merged in. Additions under a NOACL or PRIVATE
    /// base (a private place stays private) or under no rule add nothing.
    fn effective(&self, best: Option<(Key, usize)>, base: Option<(Key, usize)>) -> Option<&Rule> {
        let (_, best) = best?;
        let (Some(addition), Definition::Additions(entries)) =
            (self.addition_slot[best], &self.rules[best].definition)
        else {
            return Some(&self.rules[best]);
        };
        let (_, base) = base?;
        let Definition::Acl { access, default } = &self.rules[base].definition else {
            return Some(&self.rules[base]);
        };
        let slot = addition * self.bases + self.base_slot[base]?;
        Some(self.merged[slot].get_or_init(|| {
            let mut access = access.clone();
            access.add_named(entries);
            let default = default.clone().map(|mut d| {
                d.add_named(entries);
                d
            });
            Box::new(Rule {
                definition: Definition::Acl { access, default },
                ..self.rules[best].clone()
            })
        }))
    }

    fn key(&self, index: usize, depth: usize) -> Key {
        let rule = &self.rules[index];
        let user_wins = rule.pattern.is_root();
        let level = match (rule.level, user_wins) {
            (Level::System, false) | (Level::User, true) => 1,
            _ => 0,
        };
        Key {
            depth,
            exact: matches!(rule.pattern, Pattern::Path { .. }),
            contents: rule.pattern.contents(),
            level,
            order: index,
        }
    }

    /// One step of the walk: the rule governing the entry at `rel` (depth =
    /// number of components) given what its parent handed down, and what
    /// the entry hands down to its own children.
    pub(crate) fn step(&self, inherited: Inherited, rel: &[u8]) -> (Option<&Rule>, Inherited) {
        if let Some(ignore) = self.ignore_rule(rel) {
            return (Some(ignore), inherited);
        }
        let (here, below) = self.choose(inherited, rel);
        (self.effective(here.best, here.base), below)
    }

    /// [`Self::step`] before merging: the winners at `rel` and below it.
    fn choose(&self, inherited: Inherited, rel: &[u8]) -> (Inherited, Inherited) {
        let depth = if rel.is_empty() {
            0
        } else {
            rel.iter().filter(|&&b| b == b'/').count() + 1
        };
        let mut here = inherited;
        let mut below = inherited;
        let mut consider = |index: usize| {
            let key = self.key(index, depth);
            let better = |best: Option<(Key, usize)>| best.is_none_or(|(k, _)| key > k);
            let is_base = self.base_slot[index].is_some();
            if !self.rules[index].pattern.contents() {
                if better(here.best) {
                    here.best = Some((key, index));
                }
                if is_base && better(here.base) {
                    here.base = Some((key, index));
                }
            }
            if better(below.best) {
                below.best = Some((key, index));
            }
            if is_base && better(below.base) {
                below.base = Some((key, index));
            }
        };
        if let Some(indexes) = self.exact.get(rel) {
            indexes.iter().copied().for_each(&mut consider);
        }
        if !rel.is_empty() && !self.glob_rules.is_empty() {
            let candidate = globset::Candidate::new(
                <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(rel),
            );
            for g in self.globs.matches_candidate(&candidate) {
                consider(self.glob_rules[g]);
            }
        }
        (here, below)
    }

    /// The rule governing `rel` (relative path, `/`-separated, "" = root).
    pub(crate) fn governing(&self, rel: &[u8]) -> Option<&Rule> {
        let here = self.walk_to(rel).0;
        self.effective(here.best, here.base)
    }

    /// The steps of a walk from the root down to `rel`: the winners at
    /// `rel`, and what it hands down.
    fn walk_to(&self, rel: &[u8]) -> (Inherited, Inherited) {
        let mut inherited = Inherited::default();
        let mut here = inherited;
        let ends = rel
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'/')
            .map(|(i, _)| i);
        let steps = std::iter::once(0).chain(
            (!rel.is_empty())
                .then_some(ends.chain([rel.len()]))
                .into_iter()
                .flatten(),
        );
        for end in steps {
            (here, inherited) = self.choose(inherited, &rel[..end]);
        }
        (here, inherited)
    }
}
