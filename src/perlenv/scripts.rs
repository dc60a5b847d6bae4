//! The activation scripts for the sh family, fish and csh, and the script
//! wrappers: one generator ([`activate`]) walks the variables of [`plan`]
//! (save the old value, set the new one, restore it in `deactivate`) and
//! each shell only supplies its syntax; the wrappers use the same loop.
//!
//! Every literal is quoted for its shell; the scripts run no program (only
//! builtins), and `deactivate` restores each variable as it was, telling
//! "unset" from "empty".

use super::env::{Env, bytes};
use super::quote;
use super::vars::{Value, plan};
use std::os::unix::ffi::OsStrExt;

/// How one shell writes the pieces of an activation script.
trait Syntax {
    fn quote(&self, s: &[u8]) -> Vec<u8>;
    /// Usage comment, and leaving an environment that is still active.
    fn header(&self) -> &'static [u8];
    /// The definition of `deactivate`, around the restores of every variable.
    fn deactivate(&self, restores: &[u8]) -> Vec<u8>;
    /// In `deactivate`: `name` back to its saved value, or unset.
    fn restore(&self, name: &[u8]) -> Vec<u8>;
    /// Saves `name`'s value, or that it was unset.
    fn save(&self, name: &[u8]) -> Vec<u8>;
    /// Exports the environment's value of `name`.
    fn set(&self, name: &[u8], value: &Value) -> Vec<u8>;
    /// Prefixes the prompt with `prefix` (already quoted).
    fn prompt(&self, prefix: &[u8]) -> Vec<u8>;
    /// Marks the environment active and warns if `perl` (quoted) is gone.
    fn footer(&self, perl: &[u8]) -> Vec<u8>;
}

const PERL_GONE: &[u8] =
    b"perlenv: warning: the perl of this environment is gone; run perlenv check";

/// The shell families an environment has an activation script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// sh, bash, zsh, dash, ksh.
    Sh,
    Fish,
    /// csh and tcsh.
    Csh,
}

/// The activation scripts `create` writes: file name in ENV/bin and family.
pub const SCRIPTS: [(&str, Family); 3] = [
    ("activate", Family::Sh),
    ("activate.fish", Family::Fish),
    ("activate.csh", Family::Csh),
];

/// The activation script of `family`: one generator serves every shell.
pub fn activate(env: &Env, family: Family) -> Vec<u8> {
    match family {
        Family::Sh => activation(env, &Sh),
        Family::Fish => activation(env, &Fish),
        Family::Csh => activation(env, &Csh),
    }
}

/// The one loop over the variables of [`plan`]: each one's old value saved
/// (for `deactivate`, when `save`) and its new value exported.
fn exports(env: &Env, shell: &impl Syntax, save: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in plan(env) {
        if save {
            out.extend(shell.save(name.as_bytes()));
        }
        out.extend(shell.set(name.as_bytes(), &value));
    }
    out
}

fn activation(env: &Env, shell: &impl Syntax) -> Vec<u8> {
    let restores: Vec<u8> = plan(env)
        .iter()
        .flat_map(|(name, _)| shell.restore(name.as_bytes()))
        .collect();
    let mut out = shell.header().to_vec();
    out.extend(shell.deactivate(&restores));
    out.extend(exports(env, shell, true));
    let prefix = [b"(", env.prompt.as_bytes(), b") "].concat();
    out.extend(shell.prompt(&shell.quote(&prefix)));
    out.extend(shell.footer(&shell.quote(&bytes(&env.perl))));
    out
}

/// A `/bin/sh` wrapper that runs `target` inside the environment, so an
/// installed script works without activation.
pub fn wrapper(env: &Env, target: &[u8]) -> Vec<u8> {
    wrapper_of(env, &[target])
}

/// A wrapper exec'ing `command` (quoted word by word) with the arguments.
fn wrapper_of(env: &Env, command: &[&[u8]]) -> Vec<u8> {
    let mut out = [b"#!/bin/sh\n", WRAPPER_MARK, b"\n"].concat();
    out.extend(exports(env, &Sh, false));
    out.extend_from_slice(b"exec");
    for word in command {
        out.push(b' ');
        out.extend(quote::sh(word));
    }
    out.extend_from_slice(b" \"$@\"\n");
    out
}

/// `ENV/bin/cpanm` of an isolated environment: the real cpanm run by the
/// environment's perl in local::lib mode on ENV (from PERL_LOCAL_LIB_ROOT,
/// so no path reaches cpanm's blank-split options), counting only core
/// modules and ENV's as installed: a Debian copy of a dependency is not, so
/// it gets installed into ENV, where the isolated programs look. A path
/// that make or local::lib would mangle gets a wrapper that refuses and
/// points to `perlenv install`, which builds through a safe alias.
pub fn cpanm_wrapper(env: &Env, cpanm: &[u8], path_is_safe: bool) -> Vec<u8> {
    if !path_is_safe {
        let root = bytes(&env.root);
        let message = [
            b"cpanm: this environment's path holds characters that make or local::lib \
              mishandle; use: perlenv install "
                .as_slice(),
            &root,
            b" ...",
        ]
        .concat();
        return [
            b"#!/bin/sh\n",
            WRAPPER_MARK,
            b"\nprintf '%s\\n' ",
            &quote::sh(&message)[..],
            b" >&2\nexit 2\n",
        ]
        .concat();
    }
    let perl = bytes(&env.perl);
    wrapper_of(
        env,
        &[&perl, cpanm, b"--self-contained", b"--exclude-vendor"],
    )
}

/// True for a file perlenv wrote as a wrapper (its second line is the mark).
pub fn is_wrapper(head: &[u8]) -> bool {
    head.split(|&b| b == b'\n').nth(1) == Some(WRAPPER_MARK)
}

/// The second line of every wrapper, to recognise them.
pub const WRAPPER_MARK: &[u8] =
    b"# perlenv wrapper: runs the script with the environment's variables, without activation";

/// What `perlenv activate --shell csh` prints: csh cannot `eval` a
/// multi-line script, so it sources the static one.
pub fn csh_eval(env: &Env) -> Vec<u8> {
    let path = bytes(&env.bin().join("activate.csh"));
    [b"source ", &quote::csh(&path)[..], b"\n"].concat()
}

/// `template` with each `NAME` replaced by the variable's name.
fn named(template: &[u8], name: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(template.len() + 8 * name.len());
    let mut rest = template;
    while let Some(at) = rest.windows(4).position(|w| w == b"NAME") {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(name);
        rest = &rest[at + 4..];
    }
    out.extend_from_slice(rest);
    out
}

/// Variables that zsh ties to arrays and fish keeps as lists.
fn is_path_list(name: &[u8]) -> bool {
    name.ends_with(b"PATH")
}

struct Sh;

impl Syntax for Sh {
    fn quote(&self, s: &[u8]) -> Vec<u8> {
        quote::sh(s)
    }

    fn header(&self) -> &'static [u8] {
        b"# Use with `. ENV/bin/activate` from sh, bash, zsh, dash or ksh; leave with `deactivate`.\n\
          # Written by perlenv; runs no program.\n\
          if [ \"${_perlenv_active-}\" = 1 ]; then deactivate; fi\n\n"
    }

    fn deactivate(&self, restores: &[u8]) -> Vec<u8> {
        [
            b"deactivate () {\n",
            restores,
            b"    if [ -n \"${_perlenv_prompt_set-}\" ]; then\n\
              \x20       if [ -n \"${_perlenv_old_PS1+x}\" ]; then PS1=$_perlenv_old_PS1; else unset PS1; fi\n\
              \x20   fi\n\
              \x20   unset _perlenv_old_PS1 _perlenv_prompt_set _perlenv_active\n\
              \x20   hash -r 2>/dev/null\n\
              \x20   unset -f deactivate\n\
              }\n\n",
        ]
        .concat()
    }

    fn restore(&self, n: &[u8]) -> Vec<u8> {
        named(
            b"    if [ -n \"${_perlenv_old_NAME+x}\" ]; then NAME=$_perlenv_old_NAME; export NAME; \
              unset _perlenv_old_NAME; else unset NAME; fi\n",
            n,
        )
    }

    fn save(&self, n: &[u8]) -> Vec<u8> {
        let mut out = named(
            b"if [ -n \"${NAME+x}\" ]; then _perlenv_old_NAME=$NAME; else unset _perlenv_old_NAME; fi\n",
            n,
        );
        if is_path_list(n) {
            // zsh ties *PATH to arrays that always exist: only an exported one was "set".
            out.extend(named(
                b"if [ -n \"${ZSH_VERSION-}\" ]; then eval 'case ${(t)NAME} in *export*) ;; \
                  *) unset _perlenv_old_NAME ;; esac'; fi\n",
                n,
            ));
        }
        out
    }

    fn set(&self, n: &[u8], value: &Value) -> Vec<u8> {
        let assign = match value {
            Value::Set(v) => [n, b"=", &quote::sh(v)].concat(),
            Value::Prepend(h) => [n, b"=", &quote::sh(h), b"\"${", n, b":+:$", n, b"}\""].concat(),
            Value::PrependKeepDefault(h) => [n, b"=", &quote::sh(h), b"\":${", n, b"-}\""].concat(),
        };
        [&assign[..], b"\nexport ", n, b"\n"].concat()
    }

    fn prompt(&self, prefix: &[u8]) -> Vec<u8> {
        [
            b"if [ -z \"${PERLENV_DISABLE_PROMPT-}\" ]; then\n\
              \x20   if [ -n \"${PS1+x}\" ]; then _perlenv_old_PS1=$PS1; else unset _perlenv_old_PS1; fi\n\
              \x20   _perlenv_prompt_set=1\n\
              \x20   PS1=",
            prefix,
            b"\"${PS1-}\"\nfi\n",
        ]
        .concat()
    }

    fn footer(&self, perl: &[u8]) -> Vec<u8> {
        [
            b"_perlenv_active=1\nif [ ! -x ",
            perl,
            b" ]; then echo ",
            &quote::sh(PERL_GONE),
            b" >&2; fi\nhash -r 2>/dev/null\n",
        ]
        .concat()
    }
}

struct Fish;

impl Syntax for Fish {
    fn quote(&self, s: &[u8]) -> Vec<u8> {
        quote::fish(s)
    }

    fn header(&self) -> &'static [u8] {
        b"# Use with `source ENV/bin/activate.fish`; leave with `deactivate`.\n\
          # Written by perlenv; runs no program.\n\
          if set -q _perlenv_active; and functions -q deactivate; deactivate; end\n\n"
    }

    fn deactivate(&self, restores: &[u8]) -> Vec<u8> {
        [
            b"function deactivate --description 'Leave the perlenv environment'\n",
            restores,
            b"    if functions -q _perlenv_old_fish_prompt\n\
              \x20       functions -e fish_prompt\n\
              \x20       functions -c _perlenv_old_fish_prompt fish_prompt\n\
              \x20       functions -e _perlenv_old_fish_prompt\n\
              \x20   end\n\
              \x20   set -e -g _perlenv_active\n\
              \x20   functions -e deactivate\n\
              end\n\n",
        ]
        .concat()
    }

    fn restore(&self, n: &[u8]) -> Vec<u8> {
        named(
            b"    if set -q _perlenv_old_NAME; set -gx NAME $_perlenv_old_NAME; \
              set -e -g _perlenv_old_NAME; else; set -e -g NAME; end\n",
            n,
        )
    }

    fn save(&self, n: &[u8]) -> Vec<u8> {
        named(
            b"if set -q NAME; set -g _perlenv_old_NAME $NAME; else; set -e -g _perlenv_old_NAME; end\n",
            n,
        )
    }

    fn set(&self, n: &[u8], value: &Value) -> Vec<u8> {
        let (head, empty): (&[u8], &[u8]) = match value {
            Value::Set(v) => return [b"set -gx ", n, b" ", &quote::fish(v), b"\n"].concat(),
            Value::Prepend(h) => (h, b""),
            // The empty entry that keeps man's default path.
            Value::PrependKeepDefault(h) if is_path_list(n) => (h, b" ''"),
            Value::PrependKeepDefault(h) => (h, b":"),
        };
        // fish keeps *PATH variables as lists joined with `:` on export.
        let old: &[u8] = &if is_path_list(n) {
            [b" $", n].concat()
        } else {
            [b":\"$", n, b"\""].concat()
        };
        let head = quote::fish(head);
        [
            b"if test -n \"$",
            n,
            b"\"; set -gx ",
            n,
            b" ",
            &head,
            old,
            b"; else; set -gx ",
            n,
            b" ",
            &head,
            empty,
            b"; end\n",
        ]
        .concat()
    }

    fn prompt(&self, prefix: &[u8]) -> Vec<u8> {
        [
            b"if not set -q PERLENV_DISABLE_PROMPT; and functions -q fish_prompt\n\
              \x20   functions -c fish_prompt _perlenv_old_fish_prompt\n\
              \x20   function fish_prompt\n\
              \x20       set -l old_status $status\n\
              \x20       printf '%s' ",
            prefix,
            b"\n\
              \x20       echo \"exit $old_status\" | source\n\
              \x20       _perlenv_old_fish_prompt\n\
              \x20   end\n\
              end\n",
        ]
        .concat()
    }

    fn footer(&self, perl: &[u8]) -> Vec<u8> {
        [
            b"set -g _perlenv_active 1\nif not test -x ",
            perl,
            b"; echo ",
            &quote::fish(PERL_GONE),
            b" >&2; end\n",
        ]
        .concat()
    }
}

/// csh's `deactivate` is an alias, which must be one line: it may only use
/// single-line `if`s, whose variables csh expands even when the condition
/// is false, so every variable it names is always defined (`_perlenv_had_X`
/// 0 or 1, `_perlenv_old_X` possibly '').
struct Csh;

impl Syntax for Csh {
    fn quote(&self, s: &[u8]) -> Vec<u8> {
        quote::csh(s)
    }

    fn header(&self) -> &'static [u8] {
        b"# Use with `source ENV/bin/activate.csh` from csh or tcsh; leave with `deactivate`.\n\
          # Written by perlenv; runs no program.\n\
          if ( $?_perlenv_had_PATH ) then\n    deactivate\nendif\n\n"
    }

    fn deactivate(&self, restores: &[u8]) -> Vec<u8> {
        [
            b"alias deactivate '",
            restores,
            b"if ( $_perlenv_had_prompt ) set prompt = \"$_perlenv_old_prompt:q\"; \
              unset _perlenv_had_prompt _perlenv_old_prompt; rehash; unalias deactivate'\n",
        ]
        .concat()
    }

    fn restore(&self, n: &[u8]) -> Vec<u8> {
        named(
            b"if ( $_perlenv_had_NAME ) setenv NAME \"$_perlenv_old_NAME:q\"; \
              if ( ! $_perlenv_had_NAME ) unsetenv NAME; unset _perlenv_had_NAME _perlenv_old_NAME; ",
            n,
        )
    }

    fn save(&self, n: &[u8]) -> Vec<u8> {
        named(
            b"if ( $?NAME ) then\n\
              \x20   set _perlenv_had_NAME = 1\n\
              \x20   set _perlenv_old_NAME = \"$NAME:q\"\n\
              else\n\
              \x20   set _perlenv_had_NAME = 0\n\
              \x20   set _perlenv_old_NAME = ''\n\
              endif\n",
            n,
        )
    }

    fn set(&self, n: &[u8], value: &Value) -> Vec<u8> {
        let old: &[u8] = &[b"\"$_perlenv_old_", n, b":q\""].concat();
        match value {
            Value::Set(v) => [b"setenv ", n, b" ", &quote::csh(v), b"\n"].concat(),
            Value::Prepend(h) => {
                let head = quote::csh(h);
                [
                    b"if ( ",
                    old,
                    b" == '' ) then\n    setenv ",
                    n,
                    b" ",
                    &head,
                    b"\nelse\n    setenv ",
                    n,
                    b" ",
                    &head,
                    b":",
                    old,
                    b"\nendif\n",
                ]
                .concat()
            }
            Value::PrependKeepDefault(h) => {
                [b"setenv ", n, b" ", &quote::csh(h), b":", old, b"\n"].concat()
            }
        }
    }

    fn prompt(&self, prefix: &[u8]) -> Vec<u8> {
        [
            b"set _perlenv_had_prompt = 0\nset _perlenv_old_prompt = ''\n\
              if ( ! $?PERLENV_DISABLE_PROMPT ) then\n\
              \x20   if ( $?prompt ) then\n\
              \x20       set _perlenv_had_prompt = 1\n\
              \x20       set _perlenv_old_prompt = \"$prompt:q\"\n\
              \x20       set prompt = ",
            prefix,
            b"\"$prompt:q\"\n    endif\nendif\n",
        ]
        .concat()
    }

    fn footer(&self, perl: &[u8]) -> Vec<u8> {
        [
            b"if ( ! -x ",
            perl,
            b" ) echo ",
            &quote::csh(PERL_GONE),
            b"\nrehash\n",
        ]
        .concat()
    }
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
    fn prompt_is_sanitised() {
        assert_eq!(sanitize_prompt(b"$(touch PWNED)"), b"__touch PWNED_");
        assert_eq!(
            sanitize_prompt("ünï `x` %d!".as_bytes()),
            "ünï _x_ _d_".as_bytes()
        );
    }
}
