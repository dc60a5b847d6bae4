//! Wrappers that make installed scripts work without activation.

use super::env::{Env, bytes};
use super::scripts;
use crate::common::{Error, Result};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

/// Puts a wrapper in ENV/bin in front of each installed Perl script (the
/// script moves to ENV/libexec), so it runs without activation.
pub fn wrap_scripts(env: &Env) -> Result<()> {
    let bin = env.bin();
    let libexec = env.root.join("libexec");
    let entries =
        std::fs::read_dir(&bin).map_err(|e| Error::io(format!("reading {}", bin.display()), e))?;
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
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        let first = head.split(|&b| b == b'\n').next().unwrap_or_default();
        if scripts::is_wrapper(&head)
            || !first.starts_with(b"#!")
            || !first.windows(4).any(|w| w == b"perl")
        {
            continue;
        }
        std::fs::create_dir_all(&libexec)
            .map_err(|e| Error::io(format!("creating {}", libexec.display()), e))?;
        let real = libexec.join(&name);
        std::fs::rename(&path, &real)
            .map_err(|e| Error::io(format!("moving {}", path.display()), e))?;
        let tmp = bin.join([OsStr::new(".perlenv-tmp-"), &name].join(OsStr::new("")));
        std::fs::write(&tmp, scripts::wrapper(env, &bytes(&real)))
            .map_err(|e| Error::io(format!("writing {}", tmp.display()), e))?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| Error::io(format!("chmod {}", tmp.display()), e))?;
        std::fs::rename(&tmp, &path)
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    }
    Ok(())
}
