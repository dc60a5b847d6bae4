//! The specifiers of tmpfiles.d(5) that make sense for a one-shot run as
//! root: `%h %u %U %g %G` (the user running chk), `%m %b %H %l %v %o %w %B
//! %W %T %V %t %S %C %L %E %%`. Anything else is an error of the line.

use std::collections::BTreeMap;
use std::path::Path;

pub(super) struct Specifiers {
    values: BTreeMap<char, String>,
}

impl Specifiers {
    /// The values for this machine; the machine id and os-release are read
    /// inside `root`.
    pub(super) fn of_this_machine(root: &Path) -> Specifiers {
        let read = |path: &str| {
            std::fs::read_to_string(path)
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let inside = |rel: &str| root.join(rel).display().to_string();
        let uid = rustix::process::geteuid().as_raw();
        let gid = rustix::process::getegid().as_raw();
        let user = crate::chk::accounts::user_by_uid(uid).ok().flatten();
        let group = crate::chk::accounts::group_by_gid(gid).ok().flatten();
        let os_release = read(&inside("etc/os-release"));
        let os_release = if os_release.is_empty() {
            read(&inside("usr/lib/os-release"))
        } else {
            os_release
        };
        let os = |key: &str| {
            os_release
                .lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
                .map(|v| v.trim_matches(['"', '\'']).to_string())
                .unwrap_or_default()
        };
        let uname = rustix::system::uname();
        let host = uname.nodename().to_string_lossy().to_string();
        let tmp = std::env::var("TMPDIR").unwrap_or_else(|_| "/tmp".into());
        let var_tmp = std::env::var("TMPDIR").unwrap_or_else(|_| "/var/tmp".into());
        let values = [
            (
                'h',
                user.as_ref()
                    .map(|u| u.home.display().to_string())
                    .unwrap_or_else(|| "/root".into()),
            ),
            ('u', user.map(|u| u.name).unwrap_or_else(|| uid.to_string())),
            ('U', uid.to_string()),
            (
                'g',
                group.map(|g| g.name).unwrap_or_else(|| gid.to_string()),
            ),
            ('G', gid.to_string()),
            ('m', read(&inside("etc/machine-id"))),
            (
                'b',
                read("/proc/sys/kernel/random/boot_id").replace('-', ""),
            ),
            ('l', host.split('.').next().unwrap_or_default().to_string()),
            ('H', host),
            ('v', uname.release().to_string_lossy().to_string()),
            ('o', os("ID")),
            ('w', os("VERSION_ID")),
            ('W', os("VARIANT_ID")),
            ('B', os("BUILD_ID")),
            ('T', tmp),
            ('V', var_tmp),
            ('t', "/run".into()),
            ('S', "/var/lib".into()),
            ('C', "/var/cache".into()),
            ('L', "/var/log".into()),
            ('E', "/etc".into()),
        ];
        Specifiers {
            values: values.into_iter().collect(),
        }
    }

    #[cfg(test)]
    pub(super) fn for_tests() -> Specifiers {
        let values = [
            ('u', "alice"),
            ('U', "1001"),
            ('g', "staff"),
            ('G', "50"),
            ('h', "/home/alice"),
            ('m', "0123456789abcdef0123456789abcdef"),
        ];
        Specifiers {
            values: values
                .into_iter()
                .map(|(k, v)| (k, v.to_string()))
                .collect(),
        }
    }

    /// `text` with each `%x` replaced.
    pub(super) fn expand(&self, text: &str) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('%') => out.push('%'),
                Some(key) => match self.values.get(&key) {
                    Some(value) if !value.is_empty() => out.push_str(value),
                    Some(_) => return Err(format!("specifier `%{key}` has no value here")),
                    None => return Err(format!("unknown specifier `%{key}`")),
                },
                None => return Err("`%` ends the text".into()),
            }
        }
        Ok(out)
    }
}
