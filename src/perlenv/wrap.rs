//! Wrappers that make installed scripts work without activation.

use super::env::bytes;
use super::pinned::Pinned;
use super::scripts;
use crate::common::{Error, Result};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

/// Puts a wrapper in ENV/bin in front of each installed Perl script (the
/// script moves to ENV/libexec), so it runs without activation.
/// Through ENV's descriptor: the wrappers name ENV's real path.
pub fn wrap_scripts(pinned: &Pinned) -> Result<()> {
    let env = &pinned.env;
    let (bin, libexec) = (pinned.at("bin"), pinned.at("libexec"));
    let show =
        |path: &std::path::Path| pinned.show(path.strip_prefix(pinned.at("")).unwrap_or(path));
    let entries = std::fs::read_dir(&bin)
        .map_err(|e| Error::io(format!("reading {}", show(&bin).display()), e))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name.as_bytes().starts_with(b"activate")
            || name == "perl"
            || !entry.file_type().is_ok_and(|t| t.is_file())
        {
            continue;
        }
        let path = entry.path();
        let head = std::fs::read(&path)
            .map_err(|e| Error::io(format!("reading {}", show(&path).display()), e))?;
        let first = head.split(|&b| b == b'\n').next().unwrap_or_default();
        if scripts::is_wrapper(&head)
            || !first.starts_with(b"#!")
            || !first.windows(4).any(|w| w == b"perl")
        {
            continue;
        }
        std::fs::create_dir_all(&libexec)
            .map_err(|e| Error::io(format!("creating {}", show(&libexec).display()), e))?;
        let moved = libexec.join(&name);
        std::fs::rename(&path, &moved)
            .map_err(|e| Error::io(format!("moving {}", show(&path).display()), e))?;
        let tmp = bin.join([OsStr::new(".perlenv-tmp-"), &name].join(OsStr::new("")));
        let real = env.root.join("libexec").join(&name);
        std::fs::write(&tmp, scripts::wrapper(env, &bytes(&real)))
            .map_err(|e| Error::io(format!("writing {}", show(&tmp).display()), e))?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| Error::io(format!("chmod {}", show(&tmp).display()), e))?;
        std::fs::rename(&tmp, &path)
            .map_err(|e| Error::io(format!("writing {}", show(&path).display()), e))?;
    }
    Ok(())
}
