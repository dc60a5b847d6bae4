//! Abbreviated subcommands, as Licorn had them: clap's inference accepts
//! any unambiguous prefix of a name or alias (`chk g`, `chk usr`); this
//! module turns an ambiguous one into a usage error that lists the
//! candidates (clap alone only says "unrecognized subcommand").

use super::Cli;
use clap::{CommandFactory, FromArgMatches};
use std::ffi::OsString;

/// Parses the process arguments like `Cli::parse`, refusing an ambiguous
/// abbreviation with exit status 2.
pub fn parse() -> Cli {
    let args: Vec<OsString> = std::env::args_os().collect();
    let mut cmd = Cli::command();
    if let Some(message) = ambiguity(&cmd, &args) {
        cmd.error(clap::error::ErrorKind::InvalidSubcommand, message)
            .exit();
    }
    let matches = cmd.get_matches_from(args);
    Cli::from_arg_matches(&matches).unwrap_or_else(|err| err.exit())
}

/// The error message when the subcommand word of `args` (program name
/// first) is a prefix of several subcommands and names none exactly.
pub fn ambiguity(cmd: &clap::Command, args: &[OsString]) -> Option<String> {
    let word = subcommand_word(cmd, args.get(1..).unwrap_or_default())?;
    let exact = cmd
        .get_subcommands()
        .any(|sub| sub.get_name() == word || sub.get_all_aliases().any(|a| a == word));
    if exact {
        return None;
    }
    let candidates: Vec<&str> = cmd
        .get_subcommands()
        .filter(|sub| {
            sub.get_name().starts_with(word) || sub.get_all_aliases().any(|a| a.starts_with(word))
        })
        .map(|sub| sub.get_name())
        .collect();
    // A repair of every tmpfiles.d line of the system never starts from a
    // typo: that one is spelt out.
    if candidates == ["tmpfiles"] {
        return Some(format!(
            "'{word}': spell out 'tmpfiles' (it repairs what the tmpfiles.d lines name)"
        ));
    }
    (candidates.len() > 1).then(|| {
        format!(
            "ambiguous subcommand '{word}': it could be {}",
            candidates.join(", ")
        )
    })
}

/// The first argument that is neither an option nor an option's value.
fn subcommand_word<'a>(cmd: &clap::Command, args: &'a [OsString]) -> Option<&'a str> {
    let takes_value = |arg: &str| {
        cmd.get_arguments().any(|a| {
            let long = arg
                .strip_prefix("--")
                .is_some_and(|l| a.get_long() == Some(l));
            let short =
                arg.len() == 2 && arg.starts_with('-') && a.get_short() == arg.chars().nth(1);
            (long || short) && a.get_action().takes_values()
        })
    };
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let text = arg.to_str()?;
        if text == "--" {
            return iter.next()?.to_str();
        }
        if text.starts_with('-') && text != "-" {
            if takes_value(text) {
                iter.next();
            }
            continue;
        }
        return Some(text);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Arg, Command};

    fn args(words: &[&str]) -> Vec<OsString> {
        std::iter::once("chk")
            .chain(words.iter().copied())
            .map(OsString::from)
            .collect()
    }

    #[test]
    fn our_abbreviations_are_unambiguous() {
        let cmd = Cli::command();
        for word in [
            "g", "gr", "grp", "groups", "u", "usr", "users", "p", "e", "ru", "res",
        ] {
            assert_eq!(ambiguity(&cmd, &args(&[word, "x"])), None, "{word}");
        }
        // `r` could be rules or restore: refused rather than guessed.
        assert!(ambiguity(&cmd, &args(&["r", "x"])).is_some());
        // A system-wide repair is never abbreviated.
        let message = ambiguity(&cmd, &args(&["tmp"])).unwrap();
        assert!(message.contains("spell out 'tmpfiles'"), "{message}");
        assert_eq!(ambiguity(&cmd, &args(&["tmpfiles"])), None);
        // Options and their values before the subcommand are skipped.
        assert_eq!(ambiguity(&cmd, &args(&["-j", "2", "-n", "g", "x"])), None);
    }

    #[test]
    fn a_prefix_of_two_subcommands_lists_both() {
        let cmd = Command::new("t")
            .arg(Arg::new("jobs").short('j').long("jobs").num_args(1))
            .subcommand(Command::new("group").visible_alias("grp"))
            .subcommand(Command::new("grant"))
            .subcommand(Command::new("user"));
        let message = ambiguity(&cmd, &args(&["-j", "gr", "gr", "x"])).unwrap();
        assert_eq!(
            message,
            "ambiguous subcommand 'gr': it could be group, grant"
        );
        assert_eq!(ambiguity(&cmd, &args(&["grp"])), None);
        assert_eq!(ambiguity(&cmd, &args(&["gro"])), None);
        assert_eq!(ambiguity(&cmd, &args(&["--jobs", "3"])), None);
    }
}
