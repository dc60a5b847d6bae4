//! The activation scripts for the sh family, fish and csh.
//!
//! Every literal is quoted for its shell; the scripts run no program (only
//! builtins), and `deactivate` restores each variable as it was, telling
//! "unset" from "empty".

use super::env::{Env, bytes};
use super::vars::{Value, plan};
use std::os::unix::ffi::OsStrExt;

/// sh family: single quotes, `'` written as `'\''`.
pub fn quote_sh(s: &[u8]) -> Vec<u8> {
    let mut out = vec![b'\''];
    for &b in s {
        if b == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(b);
        }
    }
    out.push(b'\'');
    out
}

/// fish: single quotes, with `\\` and `\'` the only escapes.
pub fn quote_fish(s: &[u8]) -> Vec<u8> {
    backslash_quoted(s, b'\'')
}

/// Wraps `s` in `quote`, with a backslash before `quote` and before `\`:
/// the rule of fish single quotes, Perl single-quoted strings and the double
/// quotes of `Text::ParseWords::shellwords` alike.
pub fn backslash_quoted(s: &[u8], quote: u8) -> Vec<u8> {
    let mut out = vec![quote];
    for &b in s {
        if b == quote || b == b'\\' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(quote);
    out
}

/// csh: single quotes, `'` as `'\''`, and `!` as `\!` even inside quotes
/// (csh expands history there, also in sourced files).
pub fn quote_csh(s: &[u8]) -> Vec<u8> {
    let mut out = vec![b'\''];
    for &b in s {
        match b {
            b'\'' => out.extend_from_slice(b"'\\''"),
            b'!' => out.extend_from_slice(b"\\!"),
            _ => out.push(b),
        }
    }
    out.push(b'\'');
    out
}

/// The `(name) ` prompt prefix, as bytes.
fn prompt_prefix(env: &Env) -> Vec<u8> {
    [b"(", env.prompt.as_bytes(), b") "].concat()
}

/// Builds a script from text pieces and quoted literals.
struct Script(Vec<u8>);

impl Script {
    fn put(&mut self, parts: &[&[u8]]) -> &mut Self {
        for p in parts {
            self.0.extend_from_slice(p);
        }
        self
    }
}

/// `NAME=value` and `export NAME` lines for the sh family.
fn sh_assign(n: &[u8], value: &Value) -> Vec<u8> {
    let assign = match value {
        Value::Set(v) => [n, b"=", &quote_sh(v)].concat(),
        Value::Prepend(h) => [n, b"=", &quote_sh(h), b"\"${", n, b":+:$", n, b"}\""].concat(),
        Value::PrependKeepDefault(h) => [n, b"=", &quote_sh(h), b"\":${", n, b"-}\""].concat(),
    };
    [&assign[..], b"\nexport ", n, b"\n"].concat()
}

/// A `/bin/sh` wrapper that runs `target` inside the environment, so an
/// installed script works without activation.
pub fn wrapper(env: &Env, target: &[u8]) -> Vec<u8> {
    let mut s = Script(Vec::new());
    s.put(&[b"#!/bin/sh\n", WRAPPER_MARK, b"\n"]);
    for (name, value) in plan(env) {
        s.put(&[&sh_assign(name.as_bytes(), &value)]);
    }
    s.put(&[b"exec ", &quote_sh(target), b" \"$@\"\n"]);
    s.0
}

/// The second line of every wrapper, to recognise them.
pub const WRAPPER_MARK: &[u8] =
    b"# perlenv wrapper: runs the script with the environment's variables, without activation";

/// `bin/activate`: sh, bash, zsh, dash, ksh.
pub fn sh(env: &Env) -> Vec<u8> {
    let vars = plan(env);
    let mut s = Script(Vec::new());
    s.put(&[
        b"# Use with `. ENV/bin/activate` from sh, bash, zsh, dash or ksh; leave with `deactivate`.\n",
        b"# Written by perlenv; runs no program.\n",
        b"if [ \"${_perlenv_active-}\" = 1 ]; then deactivate; fi\n\n",
        b"deactivate () {\n",
    ]);
    for (name, _) in &vars {
        let n = name.as_bytes();
        s.put(&[
            b"    if [ -n \"${_perlenv_old_",
            n,
            b"+x}\" ]; then ",
            n,
            b"=$_perlenv_old_",
            n,
            b"; export ",
            n,
            b"; unset _perlenv_old_",
            n,
            b"; else unset ",
            n,
            b"; fi\n",
        ]);
    }
    s.put(&[
        b"    if [ -n \"${_perlenv_prompt_set-}\" ]; then\n",
        b"        if [ -n \"${_perlenv_old_PS1+x}\" ]; then PS1=$_perlenv_old_PS1; else unset PS1; fi\n",
        b"    fi\n",
        b"    unset _perlenv_old_PS1 _perlenv_prompt_set _perlenv_active\n",
        b"    hash -r 2>/dev/null\n",
        b"    unset -f deactivate\n",
        b"}\n\n",
    ]);
    for (name, value) in &vars {
        let n = name.as_bytes();
        s.put(&[
            b"if [ -n \"${",
            n,
            b"+x}\" ]; then _perlenv_old_",
            n,
            b"=$",
            n,
            b"; else unset _perlenv_old_",
            n,
            b"; fi\n",
        ]);
        if name.ends_with("PATH") {
            // zsh ties *PATH to arrays that always exist: only an exported one was "set".
            s.put(&[
                b"if [ -n \"${ZSH_VERSION-}\" ]; then eval 'case ${(t)",
                n,
                b"} in *export*) ;; *) unset _perlenv_old_",
                n,
                b" ;; esac'; fi\n",
            ]);
        }
        s.put(&[&sh_assign(n, value)]);
    }
    s.put(&[
        b"if [ -z \"${PERLENV_DISABLE_PROMPT-}\" ]; then\n",
        b"    if [ -n \"${PS1+x}\" ]; then _perlenv_old_PS1=$PS1; else unset _perlenv_old_PS1; fi\n",
        b"    _perlenv_prompt_set=1\n",
        b"    PS1=",
        &quote_sh(&prompt_prefix(env)),
        b"\"${PS1-}\"\n",
        b"fi\n",
        b"_perlenv_active=1\n",
        b"if [ ! -x ",
        &quote_sh(&bytes(&env.perl)),
        b" ]; then echo 'perlenv: warning: the perl of this environment is gone; run perlenv check' >&2; fi\n",
        b"hash -r 2>/dev/null\n",
    ]);
    s.0
}

/// `bin/activate.fish`.
pub fn fish(env: &Env) -> Vec<u8> {
    let vars = plan(env);
    let mut s = Script(Vec::new());
    s.put(&[
        b"# Use with `source ENV/bin/activate.fish`; leave with `deactivate`.\n",
        b"# Written by perlenv; runs no program.\n",
        b"if set -q _perlenv_active; and functions -q deactivate; deactivate; end\n\n",
        b"function deactivate --description 'Leave the perlenv environment'\n",
    ]);
    for (name, _) in &vars {
        let n = name.as_bytes();
        s.put(&[
            b"    if set -q _perlenv_old_",
            n,
            b"; set -gx ",
            n,
            b" $_perlenv_old_",
            n,
            b"; set -e -g _perlenv_old_",
            n,
            b"; else; set -e -g ",
            n,
            b"; end\n",
        ]);
    }
    s.put(&[
        b"    if functions -q _perlenv_old_fish_prompt\n",
        b"        functions -e fish_prompt\n",
        b"        functions -c _perlenv_old_fish_prompt fish_prompt\n",
        b"        functions -e _perlenv_old_fish_prompt\n",
        b"    end\n",
        b"    set -e -g _perlenv_active\n",
        b"    functions -e deactivate\n",
        b"end\n\n",
    ]);
    for (name, value) in &vars {
        let n = name.as_bytes();
        s.put(&[
            b"if set -q ",
            n,
            b"; set -g _perlenv_old_",
            n,
            b" $",
            n,
            b"; else; set -e -g _perlenv_old_",
            n,
            b"; end\n",
        ]);
        // fish keeps *PATH variables as lists joined with `:` on export.
        let list = name.ends_with("PATH");
        let old: &[&[u8]] = if list {
            &[b" $", n]
        } else {
            &[b":\"$", n, b"\""]
        };
        match value {
            Value::Set(v) => s.put(&[b"set -gx ", n, b" ", &quote_fish(v), b"\n"]),
            Value::Prepend(h) | Value::PrependKeepDefault(h) => {
                let q = quote_fish(h);
                let empty: &[u8] = match (value, list) {
                    (Value::PrependKeepDefault(_), true) => b" ''",
                    (Value::PrependKeepDefault(_), false) => b":",
                    _ => b"",
                };
                s.put(&[b"if test -n \"$", n, b"\"; set -gx ", n, b" ", &q])
                    .put(old)
                    .put(&[b"; else; set -gx ", n, b" ", &q, empty, b"; end\n"])
            }
        };
    }
    s.put(&[
        b"if not set -q PERLENV_DISABLE_PROMPT; and functions -q fish_prompt\n",
        b"    functions -c fish_prompt _perlenv_old_fish_prompt\n",
        b"    function fish_prompt\n",
        b"        set -l old_status $status\n",
        b"        printf '%s' ",
        &quote_fish(&prompt_prefix(env)),
        b"\n",
        b"        echo \"exit $old_status\" | source\n",
        b"        _perlenv_old_fish_prompt\n",
        b"    end\n",
        b"end\n",
        b"set -g _perlenv_active 1\n",
        b"if not test -x ",
        &quote_fish(&bytes(&env.perl)),
        b"; echo 'perlenv: warning: the perl of this environment is gone; run perlenv check' >&2; end\n",
    ]);
    s.0
}

/// `bin/activate.csh`: csh and tcsh.
pub fn csh(env: &Env) -> Vec<u8> {
    let vars = plan(env);
    let mut s = Script(Vec::new());
    s.put(&[
        b"# Use with `source ENV/bin/activate.csh` from csh or tcsh; leave with `deactivate`.\n",
        b"# Written by perlenv; runs no program.\n",
        b"if ( $?_perlenv_had_PATH ) then\n    deactivate\nendif\n\n",
    ]);
    // The alias is one line, so it may only use single-line `if`s, whose
    // variables csh expands even when the condition is false: every
    // variable it names is therefore always defined.
    let mut alias: Vec<u8> = Vec::new();
    for (name, value) in &vars {
        let n = name.as_bytes();
        s.put(&[
            b"if ( $?",
            n,
            b" ) then\n    set _perlenv_had_",
            n,
            b" = 1\n    set _perlenv_old_",
            n,
            b" = \"$",
            n,
            b":q\"\nelse\n    set _perlenv_had_",
            n,
            b" = 0\n    set _perlenv_old_",
            n,
            b" = ''\nendif\n",
        ]);
        let old: &[u8] = &[b"\"$_perlenv_old_", n, b":q\""].concat();
        match value {
            Value::Set(v) => s.put(&[b"setenv ", n, b" ", &quote_csh(v), b"\n"]),
            Value::Prepend(h) => s.put(&[
                b"if ( ",
                old,
                b" == '' ) then\n    setenv ",
                n,
                b" ",
                &quote_csh(h),
                b"\nelse\n    setenv ",
                n,
                b" ",
                &quote_csh(h),
                b":",
                old,
                b"\nendif\n",
            ]),
            Value::PrependKeepDefault(h) => {
                s.put(&[b"setenv ", n, b" ", &quote_csh(h), b":", old, b"\n"])
            }
        };
        alias.extend_from_slice(
            &[
                b"if ( $_perlenv_had_",
                n,
                b" ) setenv ",
                n,
                b" ",
                old,
                b"; if ( ! $_perlenv_had_",
                n,
                b" ) unsetenv ",
                n,
                b"; unset _perlenv_had_",
                n,
                b" _perlenv_old_",
                n,
                b"; ",
            ]
            .concat(),
        );
    }
    alias.extend_from_slice(
        b"if ( $_perlenv_had_prompt ) set prompt = \"$_perlenv_old_prompt:q\"; \
          unset _perlenv_had_prompt _perlenv_old_prompt; rehash; unalias deactivate",
    );
    s.put(&[
        b"set _perlenv_had_prompt = 0\nset _perlenv_old_prompt = ''\n",
        b"if ( ! $?PERLENV_DISABLE_PROMPT ) then\n",
        b"    if ( $?prompt ) then\n",
        b"        set _perlenv_had_prompt = 1\n",
        b"        set _perlenv_old_prompt = \"$prompt:q\"\n",
        b"        set prompt = ",
        &quote_csh(&prompt_prefix(env)),
        b"\"$prompt:q\"\n",
        b"    endif\nendif\n",
        b"alias deactivate '",
        &alias,
        b"'\n",
        b"if ( ! -x ",
        &quote_csh(&bytes(&env.perl)),
        b" ) echo 'perlenv: warning: the perl of this environment is gone; run perlenv check'\n",
        b"rehash\n",
    ]);
    s.0
}

/// What `perlenv activate --shell csh` prints: csh cannot `eval` a
/// multi-line script, so it sources the static one.
pub fn csh_eval(env: &Env) -> Vec<u8> {
    let path = bytes(&env.bin().join("activate.csh"));
    [b"source ", &quote_csh(&path)[..], b"\n"].concat()
}

/// Makes a display name safe in every prompt: anything a shell could expand
/// in PS1 or a prompt (`$`, backquotes, `\`, `%`, `!`, quotes, brackets)
/// becomes `_`, so a `$(…)` in a directory name never runs.
pub fn sanitize_prompt(name: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(name);
    let clean: String = text
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || " -_.+@,=".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    clean.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote_sh(b"a'b"), b"'a'\\''b'");
        assert_eq!(quote_fish(b"a'b\\c"), b"'a\\'b\\\\c'");
        assert_eq!(quote_csh(b"a'b!c"), b"'a'\\''b\\!c'");
    }

    #[test]
    fn prompt_is_sanitised() {
        assert_eq!(sanitize_prompt(b"$(touch PWNED)"), b"__touch PWNED_");
        assert_eq!(
            sanitize_prompt("ünï `x` %d!".as_bytes()),
            "ünï _x_ _d_".as_bytes()
        );
    }
}
