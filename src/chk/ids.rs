//! User and group names ↔ ids, for ACL text and reports.

/// Name lookups: [`NssNames`](crate::chk::accounts::NssNames) for every
/// subcommand; fixed tables in unit tests.
pub(crate) trait Names: Sync {
    fn uid(&self, name: &str) -> Option<u32>;
    fn gid(&self, name: &str) -> Option<u32>;
    fn user_name(&self, uid: u32) -> Option<String>;
    fn group_name(&self, gid: u32) -> Option<String>;
}

#[cfg(test)]
pub(crate) mod tests {
    use super::Names;

    /// Fixed names for unit tests: user alice=1001, groups staff=50, admins=60.
    pub(crate) struct FakeNames;

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
