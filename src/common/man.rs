//! Man pages in the suite's layout: clap_mangen's title, synopsis and
//! options, then every subcommand in full, the tool's own sections and the
//! long help's sections. (clap_mangen alone would point to pages like
//! perlenv-create(1) that are not shipped, and reflow the long help into one
//! EXTRA section.)

use clap::Command;
use std::io::{self, Write};

/// Writes one section of a tool's man page.
pub(crate) type Section = fn(&mut Vec<u8>, &Command) -> io::Result<()>;

/// A whole page; `extra` are sections of the tool's own, after the
/// subcommands.
pub(crate) fn render_man_page(
    out: &mut Vec<u8>,
    cmd: &Command,
    extra: &[Section],
) -> io::Result<()> {
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    subcommands_section(out, cmd)?;
    for section in extra {
        section(out, cmd)?;
    }
    if let Some(help) = cmd.get_after_long_help().or(cmd.get_after_help()) {
        out.write_all(help_sections(&help.to_string()).as_bytes())?;
    }
    man.render_version_section(out)
}

/// Escapes text for roff: backslashes, hyphens (so they stay ASCII), and a
/// leading `.` or `'` that would start a request.
pub(crate) fn roff(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    escaped
        .lines()
        .map(|line| {
            if line.starts_with(['.', '\'']) {
                format!("\\&{line}")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every subcommand with its usage, description and options, on this page.
fn subcommands_section(out: &mut Vec<u8>, cmd: &Command) -> io::Result<()> {
    let tool = cmd.get_name();
    let subs: Vec<&Command> = cmd
        .get_subcommands()
        .filter(|s| s.get_name() != "help")
        .collect();
    if subs.is_empty() {
        return Ok(());
    }
    writeln!(out, ".SH SUBCOMMANDS")?;
    if cmd.get_arguments().any(|a| a.is_global_set()) {
        writeln!(
            out,
            "Every subcommand accepts the global options above, before or after its name."
        )?;
    }
    for sub in subs {
        let usage = sub.clone().render_usage().to_string();
        let usage = usage.trim_start_matches("Usage: ").trim();
        writeln!(out, ".SS \"{tool} {}\"", roff(usage))?;
        if let Some(about) = sub.get_long_about().or(sub.get_about()) {
            writeln!(out, "{}", roff(&about.to_string()))?;
        }
        let aliases: Vec<&str> = sub.get_visible_aliases().collect();
        if !aliases.is_empty() {
            writeln!(out, ".br\nAlso: {}.", roff(&aliases.join(", ")))?;
        }
        for arg in sub.get_arguments() {
            if arg.is_global_set() || arg.is_hide_set() || arg.get_id() == "help" {
                continue;
            }
            let value = arg
                .get_value_names()
                .filter(|_| arg.get_action().takes_values())
                .map(|names| format!(" \\fI<{}>\\fR", roff(&names.join(" "))))
                .unwrap_or_default();
            let name = match (arg.get_long(), arg.get_short()) {
                (Some(long), Some(short)) => {
                    format!("\\fB\\-{short}\\fR, \\fB\\-\\-{}\\fR", roff(long))
                }
                (Some(long), None) => format!("\\fB\\-\\-{}\\fR", roff(long)),
                (None, Some(short)) => format!("\\fB\\-{short}\\fR"),
                (None, None) => String::new(),
            };
            let shown = if name.is_empty() {
                value.trim_start().to_string()
            } else {
                format!("{name}{value}")
            };
            writeln!(out, ".TP\n{shown}")?;
            if let Some(help) = arg.get_long_help().or(arg.get_help()) {
                writeln!(out, "{}", roff(&help.to_string()))?;
            }
        }
    }
    Ok(())
}

/// The long help (headings at the margin, text indented by two) as man
/// page sections. A block of plain sentences becomes a paragraph that man
/// fills; a block laid out in columns (examples, exit codes) keeps its lines.
pub(crate) fn help_sections(help: &str) -> String {
    let mut out = String::new();
    let mut block: Vec<&str> = Vec::new();
    let flush = |block: &mut Vec<&str>, out: &mut String| {
        if block.is_empty() {
            return;
        }
        let laid_out = block.iter().any(|line| {
            let body = line.strip_prefix("  ").unwrap_or(line);
            body.starts_with(' ') || body.trim_end().contains("  ")
        });
        let lines: Vec<&str> = block
            .iter()
            .map(|line| line.strip_prefix("  ").unwrap_or(line).trim_end())
            .collect();
        if laid_out {
            out.push_str(&format!(".PP\n.nf\n{}\n.fi\n", roff(&lines.join("\n"))));
        } else {
            out.push_str(&format!(".PP\n{}\n", roff(&lines.join("\n"))));
        }
        block.clear();
    };
    for line in help.lines() {
        if line.trim().is_empty() {
            flush(&mut block, &mut out);
        } else if !line.starts_with(' ') {
            flush(&mut block, &mut out);
            let heading = line.trim_end().trim_end_matches(':');
            out.push_str(&format!(
                ".SH \"{}\"\n",
                roff(heading).replace('"', "\\(dq")
            ));
        } else {
            block.push(line);
        }
    }
    flush(&mut block, &mut out);
    out
}
