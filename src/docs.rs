//! Man pages and shell completions, generated from the clap definitions.
//!
//! The generated files are committed under `man/` and `completions/`;
//! `tests/suite/docs.rs` fails when they are stale and rewrites them when run with
//! `ADMINKIT_REGEN_DOCS=1`.

use crate::common::man::{Section, render_man_page};
use clap::Command;
use clap_complete::Shell;

/// One tool of the suite, as its generated documentation sees it.
pub struct Tool {
    /// The clap definition, named after the binary.
    pub command: Command,
    /// The tool's own man page sections, after the subcommands (chk: its
    /// rule syntax, configuration, model and undo).
    own_sections: &'static [Section],
}

/// Every tool of the suite.
pub fn tools() -> Vec<Tool> {
    use clap::CommandFactory;
    vec![
        Tool {
            command: crate::chk::Cli::command(),
            own_sections: crate::chk::man::SECTIONS,
        },
        Tool {
            command: crate::mojibake::Cli::command(),
            own_sections: &[],
        },
        Tool {
            command: crate::nsca::Cli::command(),
            own_sections: &[],
        },
        Tool {
            command: crate::perlenv::cli::Cli::command(),
            own_sections: &[],
        },
    ]
}

impl Tool {
    /// The tool's man page, in roff.
    pub fn man_page(&self) -> Vec<u8> {
        let mut out = Vec::new();
        render_man_page(&mut out, &self.command, self.own_sections)
            .expect("rendering to memory cannot fail");
        out
    }
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
