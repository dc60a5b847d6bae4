//! The variables an environment sets, shared by the activation scripts,
//! `run` and the script wrappers so they can never disagree.

use super::env::{Env, bytes};
use super::quote;

/// How a variable gets its value inside the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    /// Replaces whatever was there.
    Set(Vec<u8>),
    /// `head:old`, or just `head` when the old value is unset or empty.
    Prepend(Vec<u8>),
    /// `head:old`, or `head:` when unset or empty (MANPATH: the empty entry
    /// keeps man's default search path).
    PrependKeepDefault(Vec<u8>),
}

impl Value {
    /// The new value given the inherited one.
    pub(crate) fn apply(&self, old: Option<&[u8]>) -> Vec<u8> {
        let old = old.filter(|o| !o.is_empty());
        match (self, old) {
            (Value::Set(v), _) => v.clone(),
            (Value::Prepend(h), None) => h.clone(),
            (Value::PrependKeepDefault(h), None) => [h.as_slice(), b":"].concat(),
            (Value::Prepend(h) | Value::PrependKeepDefault(h), Some(old)) => {
                [h.as_slice(), b":", old].concat()
            }
        }
    }
}

/// The variables, in the order they are set.
pub(crate) fn plan(env: &Env) -> Vec<(&'static str, Value)> {
    let root = bytes(&env.root);
    let plain = !root
        .iter()
        .any(|b| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'\\'));
    let mm_base = if plain {
        root.clone()
    } else {
        quote::shellwords(&root)
    };
    let lib = bytes(&env.lib());
    let mut vars = vec![
        ("PATH", Value::Prepend(bytes(&env.bin()))),
        (
            "PERL5LIB",
            if env.isolated {
                Value::Set(lib)
            } else {
                Value::Prepend(lib)
            },
        ),
    ];
    if env.isolated {
        vars.push(("PERL5OPT", Value::Set(b"-Mperlenv::isolate".to_vec())));
    }
    vars.extend([
        ("PERL_LOCAL_LIB_ROOT", Value::Set(root.clone())),
        (
            "PERL_MM_OPT",
            Value::Set([b"INSTALL_BASE=", &mm_base[..]].concat()),
        ),
        (
            "PERL_MB_OPT",
            Value::Set([b"--install_base ", &quote::shellwords(&root)[..]].concat()),
        ),
        ("PERL_CPANM_HOME", Value::Set(bytes(&env.cpanm_home()))),
        ("MANPATH", Value::PrependKeepDefault(bytes(&env.man()))),
        ("PERLENV_ROOT", Value::Set(root)),
        ("PERLENV_PROMPT", Value::Set(bytes(env.prompt.as_ref()))),
    ]);
    vars
}

/// Applies the plan to a command's environment, reading the inherited values
/// from this process.
pub(crate) fn apply_to(env: &Env, cmd: &mut std::process::Command) {
    use std::os::unix::ffi::OsStrExt;
    for (name, value) in plan(env) {
        let old = std::env::var_os(name);
        let new = value.apply(old.as_deref().map(|o| o.as_bytes()));
        cmd.env(name, super::env::os(new));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepend_rules() {
        let p = Value::Prepend(b"/e/bin".to_vec());
        assert_eq!(p.apply(None), b"/e/bin");
        assert_eq!(p.apply(Some(b"")), b"/e/bin");
        assert_eq!(p.apply(Some(b"/usr/bin")), b"/e/bin:/usr/bin");
        let m = Value::PrependKeepDefault(b"/e/man".to_vec());
        assert_eq!(m.apply(None), b"/e/man:");
        assert_eq!(m.apply(Some(b"/x")), b"/e/man:/x");
    }
}
