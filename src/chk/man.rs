//! `man chk`: the suite's page layout (`common::man`: options,
//! every subcommand in full, the long help's sections) with chk's own
//! sections added: the rule syntax, the configuration, the model and how to
//! undo a run.

use super::config::Config;
use crate::common::man::{Section, roff};
use clap::Command;
use std::io::{self, Write};

/// chk(1)'s own sections, after the subcommands.
pub(crate) const SECTIONS: &[Section] = &[
    rules,
    configuration,
    model,
    undo,
    from_setfacl,
    from_tmpfiles,
];

fn rules(out: &mut Vec<u8>, _: &Command) -> io::Result<()> {
    out.write_all(RULES.as_bytes())
}

fn model(out: &mut Vec<u8>, _: &Command) -> io::Result<()> {
    out.write_all(MODEL.as_bytes())
}

fn from_setfacl(out: &mut Vec<u8>, _: &Command) -> io::Result<()> {
    out.write_all(FROM_SETFACL.as_bytes())
}

fn from_tmpfiles(out: &mut Vec<u8>, _: &Command) -> io::Result<()> {
    out.write_all(FROM_TMPFILES.as_bytes())
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
\fBIGNORE\fR
Neither check nor change the entry, nor anything below it, nor count it as an error; it is counted as ignored. Wins over every other rule. \fB\-\-exclude\fR \fIGLOB\fR does the same from the command line.
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
    let keys: [(&str, String, &str); 16] = [
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
        (
            "keep_private",
            d.keep_private.to_string(),
            "owner\\-only entries (a 0600 file, no ACL) stay so: the admins and rsp\\-G entries only, never members or guests; without it they are opened like the rest and counted as widened",
        ),
        (
            "helper_groups",
            d.helper_groups.to_string(),
            "whether rsp\\-G and gst\\-G are part of the model; false wants no rsp/gst entries and says nothing of missing ones",
        ),
        (
            "[group.NAME]",
            "none".into(),
            "one group's adopt = \"USER\" (as \\-\\-adopt), keep_private and helper_groups",
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
A group is permissive when listed in \fBpermissive\fR (or when \fBg:G\fR of its directory's default ACL grants w): its members may write everything. Otherwise its members read everything below the root and write only what they own, and the summary says how many changed entries none of them may write. After \fBtar \-xpf\fR of an archive made elsewhere, whose owner is no account here, those entries go to orphan_owner (root): \fBchk group G \-\-adopt USER\fR gives them to USER, a member, who can then write them (\fBadopt =\fR in \fB[group.G]\fR for every run); \fBpermissive = ["G"]\fR lets every member write everything. An entry only its owner may use (a 0600 .env) that the model opens to others is listed and counted as widened; \fB\-\-keep\-private\fR (or \fBkeep_private\fR) keeps it to its owner, the admins and rsp\-G.
.PP
The root's default ACL is what the walk enforces below it, so what users create there is born with the wanted ACL. Entries are compared by meaning (effective rights), so a second run changes nothing. Symlinks are never followed nor changed; sockets, FIFOs and devices are skipped; every change goes through a descriptor opened without following symlinks.
"#;

const FROM_SETFACL: &str = r#".SH COMING FROM SETFACL
\fBchk path DIR\fR takes setfacl's edits, in setfacl's syntax (names or numbers, \fBX\fR), recursively like \fBsetfacl \-R\fR, with the same result (the getfacl dumps are equal):
.TP
\fBsetfacl \-R \-m u:alice:rwX,g:devs:r\-X DIR\fR
\fBchk path DIR \-m u:alice:rwX,g:devs:r\-X\fR
.TP
\fBsetfacl \-R \-d \-m g:devs:rwX DIR\fR
\fBchk path DIR \-d \-m g:devs:rwX\fR (or \fB\-m d:g:devs:rwX\fR)
.TP
\fBsetfacl \-R \-x u:alice DIR\fR, \fB\-b\fR, \fB\-k\fR
\fBchk path DIR \-x u:alice\fR, \fB\-b\fR, \fB\-k\fR
.TP
\fBsetfacl \-R \-n \-m ...\fR
\fBchk path DIR \-\-no\-mask \-m ...\fR (\fB\-n\fR is chk's dry run)
.PP
What chk adds: \fB\-n\fR lists every difference and changes nothing (exit 1); \fB\-\-json\fR; \fB\-\-backup\fR and \fBchk restore\fR; only what differs is written; every change goes through a descriptor, so a symlink swapped into the tree mid\-run is never followed (setfacl checks a name, then changes it by name); a file hard\-linked from outside the tree is left alone; both cores are used.
.PP
What it does not do: follow symlinks (\fB\-L\fR); \fB\-\-set\fR and \fB\-\-set\-file\fR (use \fB\-\-acl\fR or a rule file); \fB\-\-restore\fR (use \fBchk restore\fR); single files (DIR is a tree). The edits are made in the order \fB\-b\fR, \fB\-k\fR, \fB\-x\fR, \fB\-m\fR whatever their order on the command line. As with setfacl, \fBX\fR looks at the ACL being edited, so a second run may grant more where the first one gave the mask an \fBx\fR.
"#;

const FROM_TMPFILES: &str = r#".SH COMING FROM TMPFILES.D
\fBchk tmpfiles\fR reads the tmpfiles.d lines that adjust what exists (\fBa\fR, \fBa+\fR, \fBA\fR, \fBA+\fR, \fBz\fR, \fBZ\fR) from the same files as systemd\-tmpfiles (/etc, /run, /usr/local/lib, /usr/lib tmpfiles.d, same\-named files overriding, links to /dev/null masking, globs, specifiers, \fB~\fR and \fB:\fR modes, \fB+\fR) and leaves the same ACLs, modes and owners as \fBsystemd\-tmpfiles \-\-create\fR (tested side by side with Debian's 252):
.TP
\fBsystemd\-tmpfiles \-\-create\fR
\fBchk tmpfiles\fR (\fB\-n\fR first to see what would change)
.TP
\fBsystemd\-tmpfiles \-\-create \-\-prefix=/var/log \-\-root=/mnt foo.conf\fR
\fBchk tmpfiles \-\-prefix /var/log \-\-root /mnt foo.conf\fR
.TP
which line sets this?
\fBchk tmpfiles \-\-explain /var/log/journal\fR: the lines (FILE:LINE) in the order they apply, what they want, what is there
.PP
What chk adds: a dry run, \fB\-\-json\fR, \fB\-\-nagios\fR, \fB\-\-backup\fR and \fBchk restore\fR, \fB\-\-explain\fR; a line it cannot parse stops the run before anything changes (FILE:LINE, exit 2), where systemd\-tmpfiles applies the other lines; \fBX\fR in an ACL read as setfacl reads it (an extension: systemd\-tmpfiles 252 ignores such a line).
.PP
What it does not do: create, write, remove or clean anything (the other types are counted once and skipped; so are boot\-only \fB!\fR lines and \fB~\fR and \fB^\fR arguments); SELinux labels; change symlinks (\fBZ\fR makes systemd\-tmpfiles chown the links themselves); follow a symlink on the way to a line's path; cross into another file system below a line's path unless \fB\-\-cross\-mounts\fR; change a file with hard links outside what it checks.
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
