//! Man pages and shell completions, generated from the clap definitions.
//!
//! The generated files are committed under `man/` and `completions/`;
//! `tests/docs.rs` fails when they are stale and rewrites them when run with
//! `ADMINKIT_REGEN_DOCS=1`.

use clap::Command;
use clap_complete::Shell;

/// Every tool's command definition, by binary name.
pub fn tools() -> Vec<Command> {
    use clap::CommandFactory;
    vec![
        crate::chk::Cli::command(),
        crate::mojibake::Cli::command(),
        crate::nsca::Cli::command(),
        crate::perlenv::cli::Cli::command(),
    ]
}

/// The man page of one tool, in roff.
pub fn man_page(cmd: Command) -> Vec<u8> {
    // chk's page describes its subcommands itself (no chk-path(1) pages).
    if cmd.get_name() == "chk" {
        return crate::chk::man::page();
    }
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut out)
        .expect("rendering to memory cannot fail");
    out
}

/// The shells we ship completions for, and where each file goes.
pub const SHELLS: [(Shell, &str); 3] = [
    (Shell::Bash, "bash/{}"),
    (Shell::Zsh, "zsh/_{}"),
    (Shell::Fish, "fish/{}.fish"),
];

/// The completion script of one tool for one shell.
pub fn completion(mut cmd: Command, shell: Shell) -> Vec<u8> {
    let name = cmd.get_name().to_string();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, name, &mut out);
    out
}
