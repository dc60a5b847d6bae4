//! Users and groups through the system's name service (NSS, so LDAP sites
//! work as Licorn's did), and the standard-user range of /etc/login.defs.

use std::collections::{BTreeMap, HashMap};
use std::ffi::{CStr, OsStr};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};

/// A passwd entry: what chk needs of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct User {
    pub name: String,
    pub uid: u32,
    /// Primary group.
    pub gid: u32,
    pub home: PathBuf,
}

/// A group entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Group {
    pub name: String,
    pub gid: u32,
}

/// The user named `name`, or `None` when the passwd database has none.
pub(crate) fn user_by_name(name: &str) -> io::Result<Option<User>> {
    if name.contains('\0') {
        return Ok(None);
    }
    found(nix::unistd::User::from_name(name)).map(|user| user.map(User::from))
}

/// The user of uid `uid`.
pub(crate) fn user_by_uid(uid: u32) -> io::Result<Option<User>> {
    found(nix::unistd::User::from_uid(uid.into())).map(|user| user.map(User::from))
}

/// The group named `name`, or `None` when the group database has none.
pub(crate) fn group_by_name(name: &str) -> io::Result<Option<Group>> {
    if name.contains('\0') {
        return Ok(None);
    }
    found(nix::unistd::Group::from_name(name)).map(|group| group.map(Group::from))
}

/// The group of gid `gid`.
pub(crate) fn group_by_gid(gid: u32) -> io::Result<Option<Group>> {
    found(nix::unistd::Group::from_gid(gid.into())).map(|group| group.map(Group::from))
}

/// "Not found" comes back as one of these errors from some NSS modules
/// (getpwnam(3)); any other error is a failure of the name service.
fn found<T>(result: nix::Result<Option<T>>) -> io::Result<Option<T>> {
    use nix::errno::Errno;
    match result {
        Ok(entry) => Ok(entry),
        Err(Errno::ENOENT | Errno::ESRCH | Errno::EBADF | Errno::EPERM) => Ok(None),
        Err(errno) => Err(io::Error::from(errno)),
    }
}

impl From<nix::unistd::User> for User {
    fn from(user: nix::unistd::User) -> User {
        User {
            name: user.name,
            uid: user.uid.as_raw(),
            gid: user.gid.as_raw(),
            home: user.dir,
        }
    }
}

impl From<nix::unistd::Group> for Group {
    fn from(group: nix::unistd::Group) -> Group {
        Group {
            name: group.name,
            gid: group.gid.as_raw(),
        }
    }
}

/// Whether `uid` maps to a user, remembered per uid: the walker asks for
/// every entry of a tree and there are few distinct owners.
pub(crate) fn uid_exists(uid: u32) -> bool {
    static KNOWN: std::sync::RwLock<BTreeMap<u32, bool>> = std::sync::RwLock::new(BTreeMap::new());
    if let Some(&known) = KNOWN.read().unwrap_or_else(|p| p.into_inner()).get(&uid) {
        return known;
    }
    // A failed lookup (NSS down) must not hand files to orphan_owner.
    let exists = user_by_uid(uid).map_or(true, |user| user.is_some());
    KNOWN
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .insert(uid, exists);
    exists
}

/// Whether `user` is a member of group `gid`: its primary group, or a
/// supplementary one (getgrouplist, so NSS groups such as LDAP's count).
pub(crate) fn is_member(user: &User, gid: u32) -> bool {
    if user.gid == gid {
        return true;
    }
    let Ok(name) = std::ffi::CString::new(user.name.as_str()) else {
        return false;
    };
    nix::unistd::getgrouplist(&name, user.gid.into())
        .is_ok_and(|groups| groups.contains(&gid.into()))
}

/// Every user of the passwd database (all NSS sources), in database order.
pub(crate) fn all_users() -> Vec<User> {
    // getpwent keeps one cursor per process: one enumeration at a time.
    static CURSOR: Mutex<()> = Mutex::new(());
    let _guard = CURSOR
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut users = Vec::new();
    // SAFETY: setpwent/getpwent/endpwent share one cursor per process,
    // which is ours under the lock; each entry is copied out by
    // `user_from` before the next getpwent overwrites it.
    unsafe {
        libc::setpwent();
        loop {
            let pwd = libc::getpwent();
            if pwd.is_null() {
                break;
            }
            users.push(user_from(&*pwd));
        }
        libc::endpwent();
    }
    users
}

/// Copies a passwd entry out of libc's static storage.
///
/// # Safety
/// `pwd` must come from `getpwent` (its strings valid C strings) and be
/// used before the next call overwrites it.
unsafe fn user_from(pwd: &libc::passwd) -> User {
    // SAFETY: the caller's promise: both are valid NUL-terminated strings.
    let (name, dir) = unsafe { (CStr::from_ptr(pwd.pw_name), CStr::from_ptr(pwd.pw_dir)) };
    User {
        name: name.to_string_lossy().into_owned(),
        uid: pwd.pw_uid,
        gid: pwd.pw_gid,
        home: PathBuf::from(OsStr::from_bytes(dir.to_bytes())),
    }
}

/// Name lookups for ACL texts and reports, through NSS as every other
/// lookup of chk, so LDAP users and groups work everywhere. Names of ids
/// are remembered: reports ask for the same few owners again and again.
#[derive(Default)]
pub(crate) struct NssNames {
    user_names: RwLock<HashMap<u32, Option<String>>>,
    group_names: RwLock<HashMap<u32, Option<String>>>,
}

/// `lookup(id)` once per id.
fn cached(
    cache: &RwLock<HashMap<u32, Option<String>>>,
    id: u32,
    lookup: impl FnOnce(u32) -> Option<String>,
) -> Option<String> {
    if let Some(known) = cache.read().unwrap_or_else(|p| p.into_inner()).get(&id) {
        return known.clone();
    }
    let name = lookup(id);
    cache
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .insert(id, name.clone());
    name
}

impl crate::chk::ids::Names for NssNames {
    fn uid(&self, name: &str) -> Option<u32> {
        user_by_name(name).ok().flatten().map(|u| u.uid)
    }
    fn gid(&self, name: &str) -> Option<u32> {
        group_by_name(name).ok().flatten().map(|g| g.gid)
    }
    fn user_name(&self, uid: u32) -> Option<String> {
        cached(&self.user_names, uid, |uid| {
            user_by_uid(uid).ok().flatten().map(|u| u.name)
        })
    }
    fn group_name(&self, gid: u32) -> Option<String> {
        cached(&self.group_names, gid, |gid| {
            group_by_gid(gid).ok().flatten().map(|g| g.name)
        })
    }
}

/// The range of uids of standard (human) users.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct UidRange {
    pub min: u32,
    pub max: u32,
}

impl Default for UidRange {
    /// shadow's own defaults when login.defs says nothing.
    fn default() -> Self {
        UidRange {
            min: 1000,
            max: 60000,
        }
    }
}

/// Where the standard-user range is defined.
pub(crate) const LOGIN_DEFS: &str = "/etc/login.defs";

impl UidRange {
    /// The range of this system (/etc/login.defs).
    pub(crate) fn system() -> Result<UidRange, crate::common::Error> {
        UidRange::from_login_defs(Path::new(LOGIN_DEFS))
            .map_err(|err| crate::common::Error::io(format!("reading {LOGIN_DEFS}"), err))
    }

    /// UID_MIN and UID_MAX of `path` (normally /etc/login.defs); a missing
    /// file or key keeps shadow's default.
    pub(crate) fn from_login_defs(path: &Path) -> io::Result<UidRange> {
        let mut range = UidRange::default();
        let text = match std::fs::read(path) {
            Ok(text) => text,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(range),
            Err(err) => return Err(err),
        };
        for line in text.split(|&b| b == b'\n') {
            let line = String::from_utf8_lossy(line);
            let mut words = line.split_whitespace();
            let (Some(key), Some(value)) = (words.next(), words.next()) else {
                continue;
            };
            let Ok(value) = value.parse::<u32>() else {
                continue;
            };
            match key {
                "UID_MIN" => range.min = value,
                "UID_MAX" => range.max = value,
                _ => {}
            }
        }
        Ok(range)
    }

    pub(crate) fn contains(self, uid: u32) -> bool {
        (self.min..=self.max).contains(&uid)
    }
}

/// The standard users of the system, sorted by name, each once.
pub(crate) fn standard_users(range: UidRange) -> Vec<User> {
    let mut users: Vec<User> = all_users()
        .into_iter()
        .filter(|u| range.contains(u.uid))
        .collect();
    users.sort_by(|a, b| a.name.cmp(&b.name));
    users.dedup_by(|a, b| a.name == b.name);
    users
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_found_by_name_and_uid() {
        let root = user_by_name("root").unwrap().unwrap();
        assert_eq!(root.uid, 0);
        assert_eq!(root.home, Path::new("/root"));
        assert_eq!(user_by_uid(0).unwrap().unwrap().name, "root");
        assert_eq!(group_by_name("root").unwrap().unwrap().gid, 0);
        assert_eq!(group_by_gid(0).unwrap().unwrap().name, "root");
    }

    #[test]
    fn root_is_a_member_of_its_groups_and_not_of_others() {
        let root = user_by_name("root").unwrap().unwrap();
        assert!(is_member(&root, 0));
        let nogroup = group_by_name("nogroup").unwrap().unwrap();
        assert!(!is_member(&root, nogroup.gid));
    }

    #[test]
    fn unknown_names_are_none() {
        assert_eq!(user_by_name("no-such-user-chk-test").unwrap(), None);
        assert_eq!(group_by_name("no-such-group-chk-test").unwrap(), None);
        assert_eq!(user_by_name("nul\0name").unwrap(), None);
    }

    #[test]
    fn enumeration_includes_root_and_standard_users_exclude_it() {
        assert!(all_users().iter().any(|u| u.uid == 0));
        assert!(
            standard_users(UidRange::default())
                .iter()
                .all(|u| u.uid >= 1000)
        );
    }

    #[test]
    fn login_defs_range_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("login.defs");
        std::fs::write(&path, "# x\nUID_MIN\t\t 2000\nUID_MAX 3000\nGID_MIN 5\n").unwrap();
        let range = UidRange::from_login_defs(&path).unwrap();
        assert_eq!(
            range,
            UidRange {
                min: 2000,
                max: 3000
            }
        );
        assert!(range.contains(2500) && !range.contains(1000));
        let missing = UidRange::from_login_defs(&dir.path().join("none")).unwrap();
        assert_eq!(missing, UidRange::default());
    }
}
