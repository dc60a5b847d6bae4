//! What every tool promises: the command-line contract, man pages and completions in step with
//! clap, and every link in the repository's Markdown.

mod cli_contract;
mod docs;
mod layout;
mod links;
