//! User and group names ↔ ids, for ACL text and reports.

use std::collections::HashMap;

/// Name lookups. The engine reads /etc/passwd and /etc/group
/// ([`FileNames`]); the account layer may supply NSS-backed lookups.
pub trait Names: Sync {
    fn uid(&self, name: &str) -> Option<u32>;
    fn gid(&self, name: &str) -> Option<u32>;
    fn user_name(&self, uid: u32) -> Option<String>;
    fn group_name(&self, gid: u32) -> Option<String>;
}

/// The local account files, read once.
#[derive(Default)]
pub struct FileNames {
    users: HashMap<String, u32>,
    groups: HashMap<String, u32>,
    user_names: HashMap<u32, String>,
    group_names: HashMap<u32, String>,
}

impl FileNames {
    pub fn load() -> FileNames {
        let users = read_db("/etc/passwd");
        let groups = read_db("/etc/group");
        FileNames {
            user_names: reverse(&users),
            group_names: reverse(&groups),
            users,
            groups,
        }
    }
}

/// `name:x:id:...` lines; an unreadable file is an empty database.
fn read_db(path: &str) -> HashMap<String, u32> {
    let text = std::fs::read(path).unwrap_or_default();
    String::from_utf8_lossy(&text)
        .lines()
        .filter_map(|line| {
            let mut fields = line.split(':');
            let name = fields.next()?;
            let id = fields.nth(1)?.parse().ok()?;
            Some((name.to_string(), id))
        })
        .collect()
}

/// id → name, the first name of an id winning as getpwuid does.
fn reverse(db: &HashMap<String, u32>) -> HashMap<u32, String> {
    let mut by_id: HashMap<u32, String> = HashMap::new();
    for (name, &id) in db {
        by_id
            .entry(id)
            .and_modify(|n| {
                if name < n {
                    n.clone_from(name)
                }
            })
            .or_insert_with(|| name.clone());
    }
    by_id
}

impl Names for FileNames {
    fn uid(&self, name: &str) -> Option<u32> {
        self.users.get(name).copied()
    }
    fn gid(&self, name: &str) -> Option<u32> {
        self.groups.get(name).copied()
    }
    fn user_name(&self, uid: u32) -> Option<String> {
        self.user_names.get(&uid).cloned()
    }
    fn group_name(&self, gid: u32) -> Option<String> {
        self.group_names.get(&gid).cloned()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::Names;

    /// Fixed names for unit tests: user alice=1001, groups staff=50, admins=60.
    pub struct FakeNames;

    impl Names for FakeNames {
        fn uid(&self, name: &str) -> Option<u32> {
            (name == "alice").then_some(1001)
        }
        fn gid(&self, name: &str) -> Option<u32> {
            match name {
                "staff" => Some(50),
                "admins" => Some(60),
                _ => None,
            }
        }
        fn user_name(&self, uid: u32) -> Option<String> {
            (uid == 1001).then(|| "alice".into())
        }
        fn group_name(&self, gid: u32) -> Option<String> {
            match gid {
                50 => Some("staff".into()),
                60 => Some("admins".into()),
                _ => None,
            }
        }
    }
}
