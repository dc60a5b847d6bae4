//! `chk.conf`: where shared directories and rule files live, and the names
//! of the groups of Licorn's model. TOML, every key optional.

use crate::common::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// The configuration file read when `--config` is not given.
pub(crate) const DEFAULT_PATH: &str = "/etc/adminkit/chk.conf";

/// Where system rule files are looked for when chk.conf does not say.
pub(crate) const DEFAULT_RULES_DIR: &str = "/etc/adminkit/check.d";

impl super::cli::ConfigArg {
    pub fn load(&self) -> Result<Config> {
        Config::load(self.file.as_deref())
    }
}

/// Every key of `chk.conf`, with the defaults of the specification.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where shared group directories live.
    pub groups_root: PathBuf,
    /// System rule files `users.*.conf` and `groups.*.conf`.
    pub rules_dir: PathBuf,
    /// Per-user rule file, relative to the home.
    pub user_rules: PathBuf,
    /// Per-group rule file `<groups_root>/<G><suffix>`.
    pub group_rules_suffix: String,
    /// Owning group of everything under an ACL rule.
    pub acl_group: String,
    /// Gets rw on all shared and home content.
    pub admins_group: String,
    pub responsibles_prefix: String,
    pub guests_prefix: String,
    pub web_group: String,
    pub web_dir: String,
    /// `@users.mailbox`: the mail directory in each home (Licorn read it
    /// from the MTA's configuration).
    pub mailbox_dir: String,
    /// Owner given to entries whose uid maps to no user.
    pub orphan_owner: String,
    /// Groups whose members may write everything in their shared directory.
    pub permissive: Vec<String>,
    /// Owner-only entries (no rights for group or others) keep owner-only
    /// access: the admins and responsibles groups only, never members or
    /// guests. `[group.NAME]` may say otherwise for one group.
    pub keep_private: bool,
    /// Whether the helper groups rsp-G and gst-G are part of the model;
    /// without them no rsp/gst entries are wanted, and none is warned about.
    pub helper_groups: bool,
    /// `[group.NAME]`: settings of one group.
    pub group: BTreeMap<String, GroupConfig>,
}

/// `[group.NAME]` in chk.conf: what one group's shared directory does
/// differently; a key left out follows the global one.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct GroupConfig {
    /// `--adopt USER` for this group: entries whose owner is no account
    /// get USER (a member) instead of orphan_owner.
    pub adopt: Option<String>,
    pub keep_private: Option<bool>,
    pub helper_groups: Option<bool>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            groups_root: "/home/groups".into(),
            rules_dir: DEFAULT_RULES_DIR.into(),
            user_rules: ".licorn/check.conf".into(),
            group_rules_suffix: ".check.conf".into(),
            acl_group: "acl".into(),
            admins_group: "admins".into(),
            responsibles_prefix: "rsp-".into(),
            guests_prefix: "gst-".into(),
            web_group: "www-data".into(),
            web_dir: "public_html".into(),
            mailbox_dir: "Maildir".into(),
            orphan_owner: "root".into(),
            permissive: Vec::new(),
            keep_private: false,
            helper_groups: true,
            group: BTreeMap::new(),
        }
    }
}

impl Config {
    /// Reads `explicit` (from `--config`, which must exist) or the default
    /// file (optional: a bare machine runs on the defaults).
    pub fn load(explicit: Option<&Path>) -> Result<Config> {
        let path = explicit.unwrap_or(Path::new(DEFAULT_PATH));
        match std::fs::read(path) {
            Ok(bytes) => Config::parse(&bytes, path),
            Err(err) if explicit.is_none() && err.kind() == std::io::ErrorKind::NotFound => {
                Ok(Config::default())
            }
            Err(err) => Err(Error::usage(format!(
                "reading configuration {}: {err}",
                path.display()
            ))),
        }
    }

    /// Parses the text of a configuration file named `path` (for messages).
    pub fn parse(bytes: &[u8], path: &Path) -> Result<Config> {
        let text = std::str::from_utf8(bytes).map_err(|err| {
            let line = line_of(bytes, err.valid_up_to());
            Error::bad_input(path, line, "not UTF-8 text")
        })?;
        let config: Config = toml::from_str(text).map_err(|err| {
            let line = err.span().map_or(1, |span| line_of(bytes, span.start));
            Error::bad_input(path, line, err.message().trim_end().to_string())
        })?;
        config
            .validate()
            .map_err(|reason| Error::bad_input(path, 1, reason))?;
        Ok(config)
    }

    /// Values that would make chk work outside its trees are refused.
    fn validate(&self) -> std::result::Result<(), String> {
        if !self.groups_root.is_absolute() {
            return Err("groups_root must be an absolute path".into());
        }
        if !self.rules_dir.is_absolute() {
            return Err("rules_dir must be an absolute path".into());
        }
        if !is_plain_relative(&self.user_rules) {
            return Err("user_rules must be a relative path without `..`".into());
        }
        if !is_plain_relative(Path::new(&self.web_dir)) {
            return Err("web_dir must be a relative path without `..`".into());
        }
        if !is_plain_relative(Path::new(&self.mailbox_dir)) {
            return Err("mailbox_dir must be a relative path without `..`".into());
        }
        if self.group_rules_suffix.is_empty() || self.group_rules_suffix.contains('/') {
            return Err("group_rules_suffix must be a non-empty file name suffix".into());
        }
        for (key, name) in [
            ("acl_group", &self.acl_group),
            ("admins_group", &self.admins_group),
            ("orphan_owner", &self.orphan_owner),
        ] {
            if name.is_empty() {
                return Err(format!("{key} must not be empty"));
            }
        }
        for (group, settings) in &self.group {
            if settings.adopt.as_ref().is_some_and(|user| user.is_empty()) {
                return Err(format!("[group.{group}] adopt must not be empty"));
            }
        }
        Ok(())
    }

    /// The shared directory of group `name`.
    pub fn group_dir(&self, name: &str) -> PathBuf {
        self.groups_root.join(name)
    }

    /// The admin-only rule file of group `name`, beside its shared directory.
    pub fn group_rules_file(&self, name: &str) -> PathBuf {
        self.groups_root
            .join(format!("{name}{}", self.group_rules_suffix))
    }

    pub fn responsibles_group(&self, name: &str) -> String {
        format!("{}{name}", self.responsibles_prefix)
    }

    pub fn guests_group(&self, name: &str) -> String {
        format!("{}{name}", self.guests_prefix)
    }

    /// `[group.NAME]`, or the defaults when it has none.
    pub fn group_config(&self, name: &str) -> GroupConfig {
        self.group.get(name).cloned().unwrap_or_default()
    }

    /// Whether group `name` keeps owner-only entries private.
    pub fn keeps_private(&self, name: &str) -> bool {
        self.group_config(name)
            .keep_private
            .unwrap_or(self.keep_private)
    }

    /// Whether group `name` has helper groups rsp-/gst-.
    pub fn has_helper_groups(&self, name: &str) -> bool {
        self.group_config(name)
            .helper_groups
            .unwrap_or(self.helper_groups)
    }
}

/// A path relative to a target root that cannot climb out of it.
fn is_plain_relative(path: &Path) -> bool {
    !path.as_os_str().is_empty()
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// 1-based line number of byte `offset`.
fn line_of(bytes: &[u8], offset: usize) -> usize {
    1 + bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        Config::parse(text.as_bytes(), Path::new("/etc/adminkit/chk.conf"))
    }

    #[test]
    fn empty_file_gives_the_defaults() {
        let config = parse("").unwrap();
        assert_eq!(config, Config::default());
        assert_eq!(config.groups_root, Path::new("/home/groups"));
        assert_eq!(
            config.group_rules_file("devs"),
            Path::new("/home/groups/devs.check.conf")
        );
        assert_eq!(config.responsibles_group("devs"), "rsp-devs");
        assert_eq!(config.guests_group("devs"), "gst-devs");
    }

    #[test]
    fn keys_override_defaults() {
        let config =
            parse("groups_root = \"/srv/groups\"\npermissive = [\"devs\", \"ops\"]\n").unwrap();
        assert_eq!(config.groups_root, Path::new("/srv/groups"));
        assert_eq!(config.permissive, ["devs", "ops"]);
        assert_eq!(config.admins_group, "admins");
    }

    #[test]
    fn group_tables_override_the_global_keys() {
        let config = parse(
            "keep_private = true\nhelper_groups = false\n\n[group.webdev]\nadopt = \"alice\"\nkeep_private = false\n",
        )
        .unwrap();
        assert_eq!(
            config.group_config("webdev").adopt.as_deref(),
            Some("alice")
        );
        assert!(!config.keeps_private("webdev"));
        assert!(config.keeps_private("ops"));
        assert!(!config.has_helper_groups("webdev"));
        let err = parse("[group.webdev]\nadopted = \"alice\"\n").unwrap_err();
        assert!(
            err.to_string().starts_with("/etc/adminkit/chk.conf:2: "),
            "{err}"
        );
    }

    #[test]
    fn unknown_key_is_refused_with_its_line() {
        let err = parse("# comment\nacl_group = \"acl\"\ngroup_root = \"/x\"\n").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("/etc/adminkit/chk.conf:3: "), "{text}");
        assert!(text.contains("group_root"), "{text}");
    }

    #[test]
    fn wrong_type_is_refused_with_its_line() {
        let err = parse("\n\npermissive = \"devs\"\n").unwrap_err();
        assert!(
            err.to_string().starts_with("/etc/adminkit/chk.conf:3: "),
            "{err}"
        );
    }

    #[test]
    fn paths_that_escape_are_refused() {
        assert!(parse("user_rules = \"../x\"").is_err());
        assert!(parse("user_rules = \"/etc/x\"").is_err());
        assert!(parse("groups_root = \"home\"").is_err());
        assert!(parse("group_rules_suffix = \"a/b\"").is_err());
        assert!(parse("mailbox_dir = \"../mail\"").is_err());
    }

    #[test]
    fn the_packaged_example_is_the_defaults() {
        let example = include_str!("../../examples/chk.conf");
        assert_eq!(parse(example).unwrap(), Config::default());
        // Uncommenting every key gives the defaults too.
        let uncommented: String = example
            .lines()
            .map(|l| {
                l.strip_prefix('#')
                    .filter(|l| l.contains(" = "))
                    .unwrap_or(l)
            })
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(uncommented.contains("\npermissive = []\n"));
        assert_eq!(parse(&uncommented).unwrap(), Config::default());
    }

    #[test]
    fn missing_default_file_is_fine_but_missing_explicit_file_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.conf");
        let err = Config::load(Some(&missing)).unwrap_err();
        assert_eq!(err.exit(), crate::common::Exit::Usage);
    }
}
