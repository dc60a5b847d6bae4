//! Users and groups through the system's name service (NSS, so LDAP sites
//! work as Licorn's did), and the standard-user range of /etc/login.defs.

use std::collections::BTreeMap;
use std::ffi::{CStr, CString, OsStr};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A passwd entry: what chk needs of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub uid: u32,
    /// Primary group.
    pub gid: u32,
    pub home: PathBuf,
}

/// A group entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub gid: u32,
}

/// The user named `name`, or `None` when the passwd database has none.
pub fn user_by_name(name: &str) -> io::Result<Option<User>> {
    let Ok(cname) = CString::new(name) else {
        return Ok(None);
    };
    lookup(
        |pwd, buf, result| unsafe {
            // SAFETY: every pointer refers to live storage owned by `lookup`.
            libc::getpwnam_r(cname.as_ptr(), pwd, buf.as_mut_ptr(), buf.len(), result)
        },
        |pwd: &libc::passwd| unsafe { user_from(pwd) },
    )
}

/// The user of uid `uid`.
pub fn user_by_uid(uid: u32) -> io::Result<Option<User>> {
    lookup(
        |pwd, buf, result| unsafe {
            // SAFETY: as above.
            libc::getpwuid_r(uid, pwd, buf.as_mut_ptr(), buf.len(), result)
        },
        |pwd: &libc::passwd| unsafe { user_from(pwd) },
    )
}

/// The group named `name`, or `None` when the group database has none.
pub fn group_by_name(name: &str) -> io::Result<Option<Group>> {
    let Ok(cname) = CString::new(name) else {
        return Ok(None);
    };
    lookup(
        |grp, buf, result| unsafe {
            // SAFETY: as above.
            libc::getgrnam_r(cname.as_ptr(), grp, buf.as_mut_ptr(), buf.len(), result)
        },
        |grp: &libc::group| unsafe { group_from(grp) },
    )
}

/// The group of gid `gid`.
pub fn group_by_gid(gid: u32) -> io::Result<Option<Group>> {
    lookup(
        |grp, buf, result| unsafe {
            // SAFETY: as above.
            libc::getgrgid_r(gid, grp, buf.as_mut_ptr(), buf.len(), result)
        },
        |grp: &libc::group| unsafe { group_from(grp) },
    )
}

/// Whether `uid` maps to a user, remembered per uid: the walker asks for
/// every entry of a tree and there are few distinct owners.
pub fn uid_exists(uid: u32) -> bool {
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

/// Every user of the passwd database (all NSS sources), in database order.
pub fn all_users() -> Vec<User> {
    // getpwent keeps one cursor per process: one enumeration at a time.
    static CURSOR: Mutex<()> = Mutex::new(());
    let _guard = CURSOR
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut users = Vec::new();
    // SAFETY: the cursor is ours under the lock; each entry is copied out
    // before the next call overwrites it.
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

/// Calls a reentrant `get*_r` function, growing the buffer while it says
/// ERANGE, and converts the entry while the buffer its strings point into
/// is still alive.
fn lookup<T, R>(
    mut call: impl FnMut(*mut T, &mut Vec<libc::c_char>, *mut *mut T) -> libc::c_int,
    convert: impl FnOnce(&T) -> R,
) -> io::Result<Option<R>> {
    let mut buf: Vec<libc::c_char> = vec![0; 1024];
    loop {
        let mut entry = std::mem::MaybeUninit::<T>::uninit();
        let mut result: *mut T = std::ptr::null_mut();
        let rc = call(entry.as_mut_ptr(), &mut buf, &mut result);
        match rc {
            0 if result.is_null() => return Ok(None),
            // SAFETY: success with a non-null result means `entry` was filled.
            0 => return Ok(Some(convert(unsafe { entry.assume_init_ref() }))),
            libc::ERANGE if buf.len() < 1 << 20 => buf.resize(buf.len() * 2, 0),
            // "not found" comes back as one of these from some NSS modules.
            libc::ENOENT | libc::ESRCH | libc::EBADF | libc::EPERM => return Ok(None),
            errno => return Err(io::Error::from_raw_os_error(errno)),
        }
    }
}

/// # Safety
/// `pwd`'s strings must be valid C strings (they are, from libc).
unsafe fn user_from(pwd: &libc::passwd) -> User {
    unsafe {
        User {
            name: CStr::from_ptr(pwd.pw_name).to_string_lossy().into_owned(),
            uid: pwd.pw_uid,
            gid: pwd.pw_gid,
            home: PathBuf::from(OsStr::from_bytes(CStr::from_ptr(pwd.pw_dir).to_bytes())),
        }
    }
}

/// # Safety
/// `grp.gr_name` must be a valid C string.
unsafe fn group_from(grp: &libc::group) -> Group {
    unsafe {
        Group {
            name: CStr::from_ptr(grp.gr_name).to_string_lossy().into_owned(),
            gid: grp.gr_gid,
        }
    }
}

/// Name lookups for ACL texts and reports through NSS (the engine's own
/// [`FileNames`](crate::chk::ids::FileNames) reads only /etc files).
pub struct NssNames;

impl crate::chk::ids::Names for NssNames {
    fn uid(&self, name: &str) -> Option<u32> {
        user_by_name(name).ok().flatten().map(|u| u.uid)
    }
    fn gid(&self, name: &str) -> Option<u32> {
        group_by_name(name).ok().flatten().map(|g| g.gid)
    }
    fn user_name(&self, uid: u32) -> Option<String> {
        user_by_uid(uid).ok().flatten().map(|u| u.name)
    }
    fn group_name(&self, gid: u32) -> Option<String> {
        group_by_gid(gid).ok().flatten().map(|g| g.name)
    }
}

/// The range of uids of standard (human) users.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UidRange {
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
pub const LOGIN_DEFS: &str = "/etc/login.defs";

impl UidRange {
    /// The range of this system (/etc/login.defs).
    pub fn system() -> Result<UidRange, crate::cli::Error> {
        UidRange::from_login_defs(Path::new(LOGIN_DEFS))
            .map_err(|err| crate::cli::Error::io(format!("reading {LOGIN_DEFS}"), err))
    }

    /// UID_MIN and UID_MAX of `path` (normally /etc/login.defs); a missing
    /// file or key keeps shadow's default.
    pub fn from_login_defs(path: &Path) -> io::Result<UidRange> {
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

    pub fn contains(self, uid: u32) -> bool {
        (self.min..=self.max).contains(&uid)
    }
}

/// The standard users of the system, sorted by name, each once.
pub fn standard_users(range: UidRange) -> Vec<User> {
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
