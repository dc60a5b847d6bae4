//! `man chk`: the suite's page layout (`common::man`: options,
//! every subcommand in full, the long help's sections) with chk's own
//! sections added: the rule syntax, the configuration, the model and how to
//! undo a run.

use super::config::Config;
use crate::common::man::{Section, roff};
use clap::Command;
use std::io::{self, Write};

/// chk(1)'s own sections, after the subcommands.
pub(crate) const SECTIONS: &[Section] = &[rules, configuration, model, undo];

fn rules(out: &mut Vec<u8>, _: &Command) -> io::Result<()> {
    out.write_all(RULES.as_bytes())
}

fn model(out: &mut Vec<u8>, _: &Command) -> io::Result<()> {
    out.write_all(MODEL.as_bytes())
}

const RULES: &str = r#".SH RULE FILES
One rule a line: a path relative to the target root, a TAB or blanks, and a definition (which never contains a blank, so a path may). A line starting with \fB#\fR is a comment. \fB~\fR is the target root itself, \fB~/\fR what is below it, \fBX/\fR what is below X (X itself keeps the rule above it). Absolute paths and \fB..\fR are refused. Paths may be globs (\fB*.sh\fR, \fBbuild/**\fR, \fB**/node_modules\fR). In a user's own file, \fB$HOME/X\fR means X.
.PP
The most specific rule wins: the deeper path, then an exact path over a glob, then \fBX/\fR over \fBX\fR, then a system rule over a user's, then the later one. A rule governs every directory below its path unless a more specific rule matches.
.PP
Definitions:
.TP
\fBNOACL\fR, \fBPOSIXONLY\fR
No access nor default ACL; directories 0755, files 0644 keeping each execute bit.
.TP
\fBPRIVATE\fR, \fBRESTRICTED\fR, \fBRESTRICT\fR
No ACL; directories 0700, files 0600 keeping the owner's execute bit.
.TP
an ACL text
Written for files, e.g. \fBu::rw@UX,g::\-\-\-,o::\-\-\-,g:staff:rw@GX,m::rw@GX\fR. Directories get it with \fB@UX\fR and \fB@GX\fR turned into \fBx\fR, as access and default ACL. Macros: \fB@UX\fR/\fB@GX\fR the file's owner / group\-class execute bit, \fB@GROUP\fR the group's name, \fB@GW\fR \fBw\fR when the group is permissive, \fB@acls.NAME\fR and \fB@defaults.NAME\fR the factory values (\fBchk rules \-\-print\-defaults\fR). In the path column: \fB@users.apache_dir\fR, \fB@groups.apache_dir\fR (web_dir) and \fB@users.mailbox\fR (mailbox_dir).
.PP
A user's own file (and a group's) may set NOACL or PRIVATE on its own paths and replace the root rule \fB~\fR, for the root and all below it; otherwise it only adds named \fBu:NAME:\fR / \fBg:NAME:\fR entries, never naming the admins group nor granting \fB\-\-\-\fR, \fB\-w\-\fR or \fB\-wx\fR. Unusable lines are reported as FILE:LINE (warnings for own files, exit 2 for system files).
"#;

fn configuration(out: &mut Vec<u8>, _: &Command) -> io::Result<()> {
    let d = Config::default();
    writeln!(out, ".SH CONFIGURATION")?;
    writeln!(
        out,
        "\\fB{}\\fR (or \\fB\\-\\-config\\fR \\fIFILE\\fR), TOML; every key is optional and an unknown key is an error (FILE:LINE, exit 2).",
        roff(super::config::DEFAULT_PATH)
    )?;
    let keys: [(&str, String, &str); 13] = [
        (
            "groups_root",
            d.groups_root.display().to_string(),
            "where shared group directories live",
        ),
        (
            "rules_dir",
            d.rules_dir.display().to_string(),
            "system rule files users.*.conf and groups.*.conf; a Licorn site points it at /etc/licorn/check.d; without rule files the factory rules apply",
        ),
        (
            "user_rules",
            d.user_rules.display().to_string(),
            "a user's own rule file, relative to the home",
        ),
        (
            "group_rules_suffix",
            d.group_rules_suffix.clone(),
            "a group's own rule file <groups_root>/<GROUP><suffix>, owned by root",
        ),
        (
            "acl_group",
            d.acl_group.clone(),
            "owning group of everything under an ACL rule (no rights: g::\\-\\-\\-)",
        ),
        (
            "admins_group",
            d.admins_group.clone(),
            "rw on all shared and home content",
        ),
        (
            "responsibles_prefix",
            d.responsibles_prefix.clone(),
            "helper group rsp\\-G (read\\-write)",
        ),
        (
            "guests_prefix",
            d.guests_prefix.clone(),
            "helper group gst\\-G (read\\-only)",
        ),
        ("web_group", d.web_group.clone(), "the web server's group"),
        ("web_dir", d.web_dir.clone(), "the directory it may read"),
        (
            "mailbox_dir",
            d.mailbox_dir.clone(),
            "the mail directory of each home (@users.mailbox)",
        ),
        (
            "orphan_owner",
            d.orphan_owner.clone(),
            "owner given to entries whose uid maps to no user",
        ),
        (
            "permissive",
            "[]".into(),
            "groups whose members may write everything",
        ),
    ];
    for (key, default, meaning) in keys {
        writeln!(
            out,
            ".TP\n\\fB{}\\fR (default \\fI{}\\fR)\n{meaning}.",
            roff(key),
            roff(&default)
        )?;
    }
    Ok(())
}

const MODEL: &str = r#".SH THE MODEL
\fBchk group G\fR checks <groups_root>/G: everything owned by the acl group (owners kept), the root with \fBg:admins:rwx,g:gst\-G:r\-x,g:rsp\-G:rwx,g:G:rwx,g:www\-data:\-\-x\fR, subdirectories and files with admins rw, rsp\-G rw, gst\-G and G read (write too when the group is permissive), \fBpublic_html\fR readable by the web group. \fBchk user U\fR checks U's home: owned by U, ACL content in the acl group with admins rw, \fB.ssh\fR, \fB.gnupg\fR and other secrets PRIVATE, \fB.cache\fR, \fB.config\fR, \fB.local\fR NOACL, the mailbox PRIVATE. A missing helper or web group is left out with a warning; a missing acl or admins group is a configuration error.
.PP
The root's default ACL is what the walk enforces below it, so what users create there is born with the wanted ACL. Entries are compared by meaning (effective rights), so a second run changes nothing. Symlinks are never followed nor changed; sockets, FIFOs and devices are skipped; every change goes through a descriptor opened without following symlinks.
"#;

fn undo(out: &mut Vec<u8>, cmd: &Command) -> io::Result<()> {
    writeln!(out, ".SH UNDOING A RUN")?;
    writeln!(
        out,
        "\\fB\\-\\-backup\\fR \\fIFILE\\fR appends each changed entry's previous owner, group, mode and ACLs to FILE, in getfacl's format."
    )?;
    if cmd.find_subcommand("restore").is_some() {
        writeln!(
            out,
            "\\fBchk restore\\fR \\fIFILE\\fR puts them back through descriptors, never following a symlink (see SUBCOMMANDS)."
        )?;
    }
    writeln!(
        out,
        "Do not use \\fBsetfacl \\-\\-restore\\fR in a tree users can write: it follows symlinks, so a user who replaces a backed\\-up file by a symlink gets the target's rights changed."
    )
}
