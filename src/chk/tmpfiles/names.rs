//! Users and groups of another root (`--root`): its /etc/passwd and
//! /etc/group, as systemd-tmpfiles resolves the user and group columns
//! there.

use crate::chk::ids::Names;
use std::collections::HashMap;
use std::path::Path;

pub(super) struct RootNames {
    users: HashMap<String, u32>,
    groups: HashMap<String, u32>,
}

impl RootNames {
    /// `None` for `/`: the system's name service answers there.
    pub(super) fn read(root: &Path) -> Option<RootNames> {
        if root == Path::new("/") {
            return None;
        }
        let table = |rel: &str| -> HashMap<String, u32> {
            let text = std::fs::read_to_string(root.join(rel)).unwrap_or_default();
            text.lines()
                .filter_map(|line| {
                    let mut fields = line.split(':');
                    let name = fields.next()?;
                    let id = fields.nth(1)?.parse().ok()?;
                    Some((name.to_string(), id))
                })
                .collect()
        };
        Some(RootNames {
            users: table("etc/passwd"),
            groups: table("etc/group"),
        })
    }
}

impl Names for RootNames {
    fn uid(&self, name: &str) -> Option<u32> {
        self.users.get(name).copied()
    }
    fn gid(&self, name: &str) -> Option<u32> {
        self.groups.get(name).copied()
    }
    fn user_name(&self, uid: u32) -> Option<String> {
        self.users
            .iter()
            .find(|(_, id)| **id == uid)
            .map(|(n, _)| n.clone())
    }
    fn group_name(&self, gid: u32) -> Option<String> {
        self.groups
            .iter()
            .find(|(_, id)| **id == gid)
            .map(|(n, _)| n.clone())
    }
}
