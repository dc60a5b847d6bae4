# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_chk_global_optspecs
    string join \n n/dry-run json j/jobs= cross-mounts backup= exclude= keep-private nagios warning= critical= config= v/verbose q/quiet h/help V/version
end

function __fish_chk_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_chk_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_chk_using_subcommand
    set -l cmd (__fish_chk_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c chk -n "__fish_chk_needs_command" -s j -l jobs -d 'Worker threads, 1 to 256 (default: number of CPUs)' -r
complete -c chk -n "__fish_chk_needs_command" -l backup -d 'Append each changed entry\'s previous state to FILE (created 0600), for `chk restore FILE`' -r -F
complete -c chk -n "__fish_chk_needs_command" -l exclude -d 'Neither check nor change what matches GLOB (relative to the checked root, rule-file glob language), nor anything below it; repeatable' -r
complete -c chk -n "__fish_chk_needs_command" -l warning -d 'WARNING from N differing entries on [default: 1]' -r
complete -c chk -n "__fish_chk_needs_command" -l critical -d 'CRITICAL from N differing entries on [default: never]' -r
complete -c chk -n "__fish_chk_needs_command" -l config -d 'Configuration file [default: /etc/adminkit/chk.conf]' -r -F
complete -c chk -n "__fish_chk_needs_command" -s n -l dry-run -d 'Change nothing; list every difference; exit 1 if there is any'
complete -c chk -n "__fish_chk_needs_command" -l json -d 'One JSON object per change (or difference) and a summary, on stdout'
complete -c chk -n "__fish_chk_needs_command" -l cross-mounts -d 'Descend into other file systems and bind mounts'
complete -c chk -n "__fish_chk_needs_command" -l keep-private -d 'Entries only their owner may use (no rights for group or others, no ACL, such as a 0600 .env) stay so: they get the admins and responsibles entries only, never members or guests'
complete -c chk -n "__fish_chk_needs_command" -l nagios -d 'Print one monitoring-plugin line (Nagios, Icinga, NRPE) instead of the listing, and exit 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN'
complete -c chk -n "__fish_chk_needs_command" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c chk -n "__fish_chk_needs_command" -s q -l quiet -d 'Less output: only errors'
complete -c chk -n "__fish_chk_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c chk -n "__fish_chk_needs_command" -s V -l version -d 'Print version'
complete -c chk -n "__fish_chk_needs_command" -f -a "path" -d 'Check any tree against a rule file or one ACL'
complete -c chk -n "__fish_chk_needs_command" -f -a "group" -d 'Check shared group directories <groups_root>/NAME (Licorn\'s group model)'
complete -c chk -n "__fish_chk_needs_command" -f -a "groups" -d 'Check shared group directories <groups_root>/NAME (Licorn\'s group model)'
complete -c chk -n "__fish_chk_needs_command" -f -a "grp" -d 'Check shared group directories <groups_root>/NAME (Licorn\'s group model)'
complete -c chk -n "__fish_chk_needs_command" -f -a "user" -d 'Check user homes (Licorn\'s user model, with ~/.licorn/check.conf)'
complete -c chk -n "__fish_chk_needs_command" -f -a "users" -d 'Check user homes (Licorn\'s user model, with ~/.licorn/check.conf)'
complete -c chk -n "__fish_chk_needs_command" -f -a "usr" -d 'Check user homes (Licorn\'s user model, with ~/.licorn/check.conf)'
complete -c chk -n "__fish_chk_needs_command" -f -a "explain" -d 'Show which rule governs PATH, what it wants and what is there'
complete -c chk -n "__fish_chk_needs_command" -f -a "rules" -d 'Show the built-in factory rules'
complete -c chk -n "__fish_chk_needs_command" -f -a "restore" -d 'Undo a run from its --backup FILE, never through a symbolic link'
complete -c chk -n "__fish_chk_needs_command" -f -a "tmpfiles" -d 'Check and repair what tmpfiles.d lines a, a+, A, A+, z, Z want, as systemd-tmpfiles --create (spelt out in full)'
complete -c chk -n "__fish_chk_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c chk -n "__fish_chk_using_subcommand path" -l rules -d 'Rule file (Licorn format: PATH <TAB or blanks> DEFINITION a line)' -r -F
complete -c chk -n "__fish_chk_using_subcommand path" -l acl -d 'One definition for the whole tree: an ACL written for files (@UX/@GX allowed; directories get x instead), NOACL or PRIVATE' -r
complete -c chk -n "__fish_chk_using_subcommand path" -s m -l modify -d 'Set these entries, setfacl\'s syntax: u:alice:rwX,g:devs:r-x,d:g:devs:rX,m::rx (X: execute on directories and on files some class may execute)' -r
complete -c chk -n "__fish_chk_using_subcommand path" -s x -l remove -d 'Remove these entries: u:alice,g:devs,d:u:bob' -r
complete -c chk -n "__fish_chk_using_subcommand path" -l owner -d 'Make every entry owned by USER (default: keep owners)' -r
complete -c chk -n "__fish_chk_using_subcommand path" -l group -d 'Make every entry\'s group GROUP (default: keep groups)' -r
complete -c chk -n "__fish_chk_using_subcommand path" -s j -l jobs -d 'Worker threads, 1 to 256 (default: number of CPUs)' -r
complete -c chk -n "__fish_chk_using_subcommand path" -l backup -d 'Append each changed entry\'s previous state to FILE (created 0600), for `chk restore FILE`' -r -F
complete -c chk -n "__fish_chk_using_subcommand path" -l exclude -d 'Neither check nor change what matches GLOB (relative to the checked root, rule-file glob language), nor anything below it; repeatable' -r
complete -c chk -n "__fish_chk_using_subcommand path" -l warning -d 'WARNING from N differing entries on [default: 1]' -r
complete -c chk -n "__fish_chk_using_subcommand path" -l critical -d 'CRITICAL from N differing entries on [default: never]' -r
complete -c chk -n "__fish_chk_using_subcommand path" -l config -d 'Configuration file [default: /etc/adminkit/chk.conf]' -r -F
complete -c chk -n "__fish_chk_using_subcommand path" -s b -l remove-all -d 'Remove every named entry, the mask and the default ACL (setfacl -b)'
complete -c chk -n "__fish_chk_using_subcommand path" -s k -l remove-default -d 'Remove the default ACL of directories (setfacl -k)'
complete -c chk -n "__fish_chk_using_subcommand path" -s d -l default -d '--modify and --remove edit the default ACL (of directories)'
complete -c chk -n "__fish_chk_using_subcommand path" -l no-mask -d 'Keep the mask as it is instead of recalculating it (setfacl -n)'
complete -c chk -n "__fish_chk_using_subcommand path" -s n -l dry-run -d 'Change nothing; list every difference; exit 1 if there is any'
complete -c chk -n "__fish_chk_using_subcommand path" -l json -d 'One JSON object per change (or difference) and a summary, on stdout'
complete -c chk -n "__fish_chk_using_subcommand path" -l cross-mounts -d 'Descend into other file systems and bind mounts'
complete -c chk -n "__fish_chk_using_subcommand path" -l keep-private -d 'Entries only their owner may use (no rights for group or others, no ACL, such as a 0600 .env) stay so: they get the admins and responsibles entries only, never members or guests'
complete -c chk -n "__fish_chk_using_subcommand path" -l nagios -d 'Print one monitoring-plugin line (Nagios, Icinga, NRPE) instead of the listing, and exit 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN'
complete -c chk -n "__fish_chk_using_subcommand path" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c chk -n "__fish_chk_using_subcommand path" -s q -l quiet -d 'Less output: only errors'
complete -c chk -n "__fish_chk_using_subcommand path" -s h -l help -d 'Print help'
complete -c chk -n "__fish_chk_using_subcommand group" -l adopt -d 'Give entries whose owner is no account (as `tar -xp` of another machine\'s archive leaves them) to USER, a member of the group, instead of orphan_owner, so that USER can write them' -r
complete -c chk -n "__fish_chk_using_subcommand group" -s j -l jobs -d 'Worker threads, 1 to 256 (default: number of CPUs)' -r
complete -c chk -n "__fish_chk_using_subcommand group" -l backup -d 'Append each changed entry\'s previous state to FILE (created 0600), for `chk restore FILE`' -r -F
complete -c chk -n "__fish_chk_using_subcommand group" -l exclude -d 'Neither check nor change what matches GLOB (relative to the checked root, rule-file glob language), nor anything below it; repeatable' -r
complete -c chk -n "__fish_chk_using_subcommand group" -l warning -d 'WARNING from N differing entries on [default: 1]' -r
complete -c chk -n "__fish_chk_using_subcommand group" -l critical -d 'CRITICAL from N differing entries on [default: never]' -r
complete -c chk -n "__fish_chk_using_subcommand group" -l config -d 'Configuration file [default: /etc/adminkit/chk.conf]' -r -F
complete -c chk -n "__fish_chk_using_subcommand group" -l all -d 'Every directory under groups_root that is named after a group'
complete -c chk -n "__fish_chk_using_subcommand group" -l create -d 'Create <groups_root>/NAME when it does not exist, as a repair makes it (the model\'s owner, group, mode and ACLs); nothing with -n'
complete -c chk -n "__fish_chk_using_subcommand group" -s n -l dry-run -d 'Change nothing; list every difference; exit 1 if there is any'
complete -c chk -n "__fish_chk_using_subcommand group" -l json -d 'One JSON object per change (or difference) and a summary, on stdout'
complete -c chk -n "__fish_chk_using_subcommand group" -l cross-mounts -d 'Descend into other file systems and bind mounts'
complete -c chk -n "__fish_chk_using_subcommand group" -l keep-private -d 'Entries only their owner may use (no rights for group or others, no ACL, such as a 0600 .env) stay so: they get the admins and responsibles entries only, never members or guests'
complete -c chk -n "__fish_chk_using_subcommand group" -l nagios -d 'Print one monitoring-plugin line (Nagios, Icinga, NRPE) instead of the listing, and exit 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN'
complete -c chk -n "__fish_chk_using_subcommand group" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c chk -n "__fish_chk_using_subcommand group" -s q -l quiet -d 'Less output: only errors'
complete -c chk -n "__fish_chk_using_subcommand group" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c chk -n "__fish_chk_using_subcommand groups" -l adopt -d 'Give entries whose owner is no account (as `tar -xp` of another machine\'s archive leaves them) to USER, a member of the group, instead of orphan_owner, so that USER can write them' -r
complete -c chk -n "__fish_chk_using_subcommand groups" -s j -l jobs -d 'Worker threads, 1 to 256 (default: number of CPUs)' -r
complete -c chk -n "__fish_chk_using_subcommand groups" -l backup -d 'Append each changed entry\'s previous state to FILE (created 0600), for `chk restore FILE`' -r -F
complete -c chk -n "__fish_chk_using_subcommand groups" -l exclude -d 'Neither check nor change what matches GLOB (relative to the checked root, rule-file glob language), nor anything below it; repeatable' -r
complete -c chk -n "__fish_chk_using_subcommand groups" -l warning -d 'WARNING from N differing entries on [default: 1]' -r
complete -c chk -n "__fish_chk_using_subcommand groups" -l critical -d 'CRITICAL from N differing entries on [default: never]' -r
complete -c chk -n "__fish_chk_using_subcommand groups" -l config -d 'Configuration file [default: /etc/adminkit/chk.conf]' -r -F
complete -c chk -n "__fish_chk_using_subcommand groups" -l all -d 'Every directory under groups_root that is named after a group'
complete -c chk -n "__fish_chk_using_subcommand groups" -l create -d 'Create <groups_root>/NAME when it does not exist, as a repair makes it (the model\'s owner, group, mode and ACLs); nothing with -n'
complete -c chk -n "__fish_chk_using_subcommand groups" -s n -l dry-run -d 'Change nothing; list every difference; exit 1 if there is any'
complete -c chk -n "__fish_chk_using_subcommand groups" -l json -d 'One JSON object per change (or difference) and a summary, on stdout'
complete -c chk -n "__fish_chk_using_subcommand groups" -l cross-mounts -d 'Descend into other file systems and bind mounts'
complete -c chk -n "__fish_chk_using_subcommand groups" -l keep-private -d 'Entries only their owner may use (no rights for group or others, no ACL, such as a 0600 .env) stay so: they get the admins and responsibles entries only, never members or guests'
complete -c chk -n "__fish_chk_using_subcommand groups" -l nagios -d 'Print one monitoring-plugin line (Nagios, Icinga, NRPE) instead of the listing, and exit 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN'
complete -c chk -n "__fish_chk_using_subcommand groups" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c chk -n "__fish_chk_using_subcommand groups" -s q -l quiet -d 'Less output: only errors'
complete -c chk -n "__fish_chk_using_subcommand groups" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c chk -n "__fish_chk_using_subcommand grp" -l adopt -d 'Give entries whose owner is no account (as `tar -xp` of another machine\'s archive leaves them) to USER, a member of the group, instead of orphan_owner, so that USER can write them' -r
complete -c chk -n "__fish_chk_using_subcommand grp" -s j -l jobs -d 'Worker threads, 1 to 256 (default: number of CPUs)' -r
complete -c chk -n "__fish_chk_using_subcommand grp" -l backup -d 'Append each changed entry\'s previous state to FILE (created 0600), for `chk restore FILE`' -r -F
complete -c chk -n "__fish_chk_using_subcommand grp" -l exclude -d 'Neither check nor change what matches GLOB (relative to the checked root, rule-file glob language), nor anything below it; repeatable' -r
complete -c chk -n "__fish_chk_using_subcommand grp" -l warning -d 'WARNING from N differing entries on [default: 1]' -r
complete -c chk -n "__fish_chk_using_subcommand grp" -l critical -d 'CRITICAL from N differing entries on [default: never]' -r
complete -c chk -n "__fish_chk_using_subcommand grp" -l config -d 'Configuration file [default: /etc/adminkit/chk.conf]' -r -F
complete -c chk -n "__fish_chk_using_subcommand grp" -l all -d 'Every directory under groups_root that is named after a group'
complete -c chk -n "__fish_chk_using_subcommand grp" -l create -d 'Create <groups_root>/NAME when it does not exist, as a repair makes it (the model\'s owner, group, mode and ACLs); nothing with -n'
complete -c chk -n "__fish_chk_using_subcommand grp" -s n -l dry-run -d 'Change nothing; list every difference; exit 1 if there is any'
complete -c chk -n "__fish_chk_using_subcommand grp" -l json -d 'One JSON object per change (or difference) and a summary, on stdout'
complete -c chk -n "__fish_chk_using_subcommand grp" -l cross-mounts -d 'Descend into other file systems and bind mounts'
complete -c chk -n "__fish_chk_using_subcommand grp" -l keep-private -d 'Entries only their owner may use (no rights for group or others, no ACL, such as a 0600 .env) stay so: they get the admins and responsibles entries only, never members or guests'
complete -c chk -n "__fish_chk_using_subcommand grp" -l nagios -d 'Print one monitoring-plugin line (Nagios, Icinga, NRPE) instead of the listing, and exit 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN'
complete -c chk -n "__fish_chk_using_subcommand grp" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c chk -n "__fish_chk_using_subcommand grp" -s q -l quiet -d 'Less output: only errors'
complete -c chk -n "__fish_chk_using_subcommand grp" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c chk -n "__fish_chk_using_subcommand user" -s j -l jobs -d 'Worker threads, 1 to 256 (default: number of CPUs)' -r
complete -c chk -n "__fish_chk_using_subcommand user" -l backup -d 'Append each changed entry\'s previous state to FILE (created 0600), for `chk restore FILE`' -r -F
complete -c chk -n "__fish_chk_using_subcommand user" -l exclude -d 'Neither check nor change what matches GLOB (relative to the checked root, rule-file glob language), nor anything below it; repeatable' -r
complete -c chk -n "__fish_chk_using_subcommand user" -l warning -d 'WARNING from N differing entries on [default: 1]' -r
complete -c chk -n "__fish_chk_using_subcommand user" -l critical -d 'CRITICAL from N differing entries on [default: never]' -r
complete -c chk -n "__fish_chk_using_subcommand user" -l config -d 'Configuration file [default: /etc/adminkit/chk.conf]' -r -F
complete -c chk -n "__fish_chk_using_subcommand user" -l all -d 'Every standard user (UID_MIN..UID_MAX of /etc/login.defs)'
complete -c chk -n "__fish_chk_using_subcommand user" -s n -l dry-run -d 'Change nothing; list every difference; exit 1 if there is any'
complete -c chk -n "__fish_chk_using_subcommand user" -l json -d 'One JSON object per change (or difference) and a summary, on stdout'
complete -c chk -n "__fish_chk_using_subcommand user" -l cross-mounts -d 'Descend into other file systems and bind mounts'
complete -c chk -n "__fish_chk_using_subcommand user" -l keep-private -d 'Entries only their owner may use (no rights for group or others, no ACL, such as a 0600 .env) stay so: they get the admins and responsibles entries only, never members or guests'
complete -c chk -n "__fish_chk_using_subcommand user" -l nagios -d 'Print one monitoring-plugin line (Nagios, Icinga, NRPE) instead of the listing, and exit 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN'
complete -c chk -n "__fish_chk_using_subcommand user" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c chk -n "__fish_chk_using_subcommand user" -s q -l quiet -d 'Less output: only errors'
complete -c chk -n "__fish_chk_using_subcommand user" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c chk -n "__fish_chk_using_subcommand users" -s j -l jobs -d 'Worker threads, 1 to 256 (default: number of CPUs)' -r
complete -c chk -n "__fish_chk_using_subcommand users" -l backup -d 'Append each changed entry\'s previous state to FILE (created 0600), for `chk restore FILE`' -r -F
complete -c chk -n "__fish_chk_using_subcommand users" -l exclude -d 'Neither check nor change what matches GLOB (relative to the checked root, rule-file glob language), nor anything below it; repeatable' -r
complete -c chk -n "__fish_chk_using_subcommand users" -l warning -d 'WARNING from N differing entries on [default: 1]' -r
complete -c chk -n "__fish_chk_using_subcommand users" -l critical -d 'CRITICAL from N differing entries on [default: never]' -r
complete -c chk -n "__fish_chk_using_subcommand users" -l config -d 'Configuration file [default: /etc/adminkit/chk.conf]' -r -F
complete -c chk -n "__fish_chk_using_subcommand users" -l all -d 'Every standard user (UID_MIN..UID_MAX of /etc/login.defs)'
complete -c chk -n "__fish_chk_using_subcommand users" -s n -l dry-run -d 'Change nothing; list every difference; exit 1 if there is any'
complete -c chk -n "__fish_chk_using_subcommand users" -l json -d 'One JSON object per change (or difference) and a summary, on stdout'
complete -c chk -n "__fish_chk_using_subcommand users" -l cross-mounts -d 'Descend into other file systems and bind mounts'
complete -c chk -n "__fish_chk_using_subcommand users" -l keep-private -d 'Entries only their owner may use (no rights for group or others, no ACL, such as a 0600 .env) stay so: they get the admins and responsibles entries only, never members or guests'
complete -c chk -n "__fish_chk_using_subcommand users" -l nagios -d 'Print one monitoring-plugin line (Nagios, Icinga, NRPE) instead of the listing, and exit 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN'
complete -c chk -n "__fish_chk_using_subcommand users" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c chk -n "__fish_chk_using_subcommand users" -s q -l quiet -d 'Less output: only errors'
complete -c chk -n "__fish_chk_using_subcommand users" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c chk -n "__fish_chk_using_subcommand usr" -s j -l jobs -d 'Worker threads, 1 to 256 (default: number of CPUs)' -r
complete -c chk -n "__fish_chk_using_subcommand usr" -l backup -d 'Append each changed entry\'s previous state to FILE (created 0600), for `chk restore FILE`' -r -F
complete -c chk -n "__fish_chk_using_subcommand usr" -l exclude -d 'Neither check nor change what matches GLOB (relative to the checked root, rule-file glob language), nor anything below it; repeatable' -r
complete -c chk -n "__fish_chk_using_subcommand usr" -l warning -d 'WARNING from N differing entries on [default: 1]' -r
complete -c chk -n "__fish_chk_using_subcommand usr" -l critical -d 'CRITICAL from N differing entries on [default: never]' -r
complete -c chk -n "__fish_chk_using_subcommand usr" -l config -d 'Configuration file [default: /etc/adminkit/chk.conf]' -r -F
complete -c chk -n "__fish_chk_using_subcommand usr" -l all -d 'Every standard user (UID_MIN..UID_MAX of /etc/login.defs)'
complete -c chk -n "__fish_chk_using_subcommand usr" -s n -l dry-run -d 'Change nothing; list every difference; exit 1 if there is any'
complete -c chk -n "__fish_chk_using_subcommand usr" -l json -d 'One JSON object per change (or difference) and a summary, on stdout'
complete -c chk -n "__fish_chk_using_subcommand usr" -l cross-mounts -d 'Descend into other file systems and bind mounts'
complete -c chk -n "__fish_chk_using_subcommand usr" -l keep-private -d 'Entries only their owner may use (no rights for group or others, no ACL, such as a 0600 .env) stay so: they get the admins and responsibles entries only, never members or guests'
complete -c chk -n "__fish_chk_using_subcommand usr" -l nagios -d 'Print one monitoring-plugin line (Nagios, Icinga, NRPE) instead of the listing, and exit 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN'
complete -c chk -n "__fish_chk_using_subcommand usr" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c chk -n "__fish_chk_using_subcommand usr" -s q -l quiet -d 'Less output: only errors'
complete -c chk -n "__fish_chk_using_subcommand usr" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c chk -n "__fish_chk_using_subcommand explain" -s j -l jobs -d 'Worker threads, 1 to 256 (default: number of CPUs)' -r
complete -c chk -n "__fish_chk_using_subcommand explain" -l backup -d 'Append each changed entry\'s previous state to FILE (created 0600), for `chk restore FILE`' -r -F
complete -c chk -n "__fish_chk_using_subcommand explain" -l exclude -d 'Neither check nor change what matches GLOB (relative to the checked root, rule-file glob language), nor anything below it; repeatable' -r
complete -c chk -n "__fish_chk_using_subcommand explain" -l warning -d 'WARNING from N differing entries on [default: 1]' -r
complete -c chk -n "__fish_chk_using_subcommand explain" -l critical -d 'CRITICAL from N differing entries on [default: never]' -r
complete -c chk -n "__fish_chk_using_subcommand explain" -l config -d 'Configuration file [default: /etc/adminkit/chk.conf]' -r -F
complete -c chk -n "__fish_chk_using_subcommand explain" -s n -l dry-run -d 'Change nothing; list every difference; exit 1 if there is any'
complete -c chk -n "__fish_chk_using_subcommand explain" -l json -d 'One JSON object per change (or difference) and a summary, on stdout'
complete -c chk -n "__fish_chk_using_subcommand explain" -l cross-mounts -d 'Descend into other file systems and bind mounts'
complete -c chk -n "__fish_chk_using_subcommand explain" -l keep-private -d 'Entries only their owner may use (no rights for group or others, no ACL, such as a 0600 .env) stay so: they get the admins and responsibles entries only, never members or guests'
complete -c chk -n "__fish_chk_using_subcommand explain" -l nagios -d 'Print one monitoring-plugin line (Nagios, Icinga, NRPE) instead of the listing, and exit 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN'
complete -c chk -n "__fish_chk_using_subcommand explain" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c chk -n "__fish_chk_using_subcommand explain" -s q -l quiet -d 'Less output: only errors'
complete -c chk -n "__fish_chk_using_subcommand explain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c chk -n "__fish_chk_using_subcommand rules" -s j -l jobs -d 'Worker threads, 1 to 256 (default: number of CPUs)' -r
complete -c chk -n "__fish_chk_using_subcommand rules" -l backup -d 'Append each changed entry\'s previous state to FILE (created 0600), for `chk restore FILE`' -r -F
complete -c chk -n "__fish_chk_using_subcommand rules" -l exclude -d 'Neither check nor change what matches GLOB (relative to the checked root, rule-file glob language), nor anything below it; repeatable' -r
complete -c chk -n "__fish_chk_using_subcommand rules" -l warning -d 'WARNING from N differing entries on [default: 1]' -r
complete -c chk -n "__fish_chk_using_subcommand rules" -l critical -d 'CRITICAL from N differing entries on [default: never]' -r
complete -c chk -n "__fish_chk_using_subcommand rules" -l config -d 'Configuration file [default: /etc/adminkit/chk.conf]' -r -F
complete -c chk -n "__fish_chk_using_subcommand rules" -l print-defaults -d 'Write the built-in factory rule files (Licorn\'s) to stdout'
complete -c chk -n "__fish_chk_using_subcommand rules" -s n -l dry-run -d 'Change nothing; list every difference; exit 1 if there is any'
complete -c chk -n "__fish_chk_using_subcommand rules" -l json -d 'One JSON object per change (or difference) and a summary, on stdout'
complete -c chk -n "__fish_chk_using_subcommand rules" -l cross-mounts -d 'Descend into other file systems and bind mounts'
complete -c chk -n "__fish_chk_using_subcommand rules" -l keep-private -d 'Entries only their owner may use (no rights for group or others, no ACL, such as a 0600 .env) stay so: they get the admins and responsibles entries only, never members or guests'
complete -c chk -n "__fish_chk_using_subcommand rules" -l nagios -d 'Print one monitoring-plugin line (Nagios, Icinga, NRPE) instead of the listing, and exit 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN'
complete -c chk -n "__fish_chk_using_subcommand rules" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c chk -n "__fish_chk_using_subcommand rules" -s q -l quiet -d 'Less output: only errors'
complete -c chk -n "__fish_chk_using_subcommand rules" -s h -l help -d 'Print help'
complete -c chk -n "__fish_chk_using_subcommand restore" -s j -l jobs -d 'Worker threads, 1 to 256 (default: number of CPUs)' -r
complete -c chk -n "__fish_chk_using_subcommand restore" -l backup -d 'Append each changed entry\'s previous state to FILE (created 0600), for `chk restore FILE`' -r -F
complete -c chk -n "__fish_chk_using_subcommand restore" -l exclude -d 'Neither check nor change what matches GLOB (relative to the checked root, rule-file glob language), nor anything below it; repeatable' -r
complete -c chk -n "__fish_chk_using_subcommand restore" -l warning -d 'WARNING from N differing entries on [default: 1]' -r
complete -c chk -n "__fish_chk_using_subcommand restore" -l critical -d 'CRITICAL from N differing entries on [default: never]' -r
complete -c chk -n "__fish_chk_using_subcommand restore" -l config -d 'Configuration file [default: /etc/adminkit/chk.conf]' -r -F
complete -c chk -n "__fish_chk_using_subcommand restore" -s n -l dry-run -d 'Change nothing; list every difference; exit 1 if there is any'
complete -c chk -n "__fish_chk_using_subcommand restore" -l json -d 'One JSON object per change (or difference) and a summary, on stdout'
complete -c chk -n "__fish_chk_using_subcommand restore" -l cross-mounts -d 'Descend into other file systems and bind mounts'
complete -c chk -n "__fish_chk_using_subcommand restore" -l keep-private -d 'Entries only their owner may use (no rights for group or others, no ACL, such as a 0600 .env) stay so: they get the admins and responsibles entries only, never members or guests'
complete -c chk -n "__fish_chk_using_subcommand restore" -l nagios -d 'Print one monitoring-plugin line (Nagios, Icinga, NRPE) instead of the listing, and exit 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN'
complete -c chk -n "__fish_chk_using_subcommand restore" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c chk -n "__fish_chk_using_subcommand restore" -s q -l quiet -d 'Less output: only errors'
complete -c chk -n "__fish_chk_using_subcommand restore" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c chk -n "__fish_chk_using_subcommand tmpfiles" -l prefix -d 'Only lines whose path starts with PATH (repeatable)' -r -F
complete -c chk -n "__fish_chk_using_subcommand tmpfiles" -l exclude-prefix -d 'Skip lines whose path starts with PATH (repeatable)' -r -F
complete -c chk -n "__fish_chk_using_subcommand tmpfiles" -l root -d 'Work below DIR: configuration and paths are taken inside it' -r -F
complete -c chk -n "__fish_chk_using_subcommand tmpfiles" -l explain -d 'Show which lines (FILE:LINE) govern PATH, what they want and what is there' -r -F
complete -c chk -n "__fish_chk_using_subcommand tmpfiles" -s j -l jobs -d 'Worker threads, 1 to 256 (default: number of CPUs)' -r
complete -c chk -n "__fish_chk_using_subcommand tmpfiles" -l backup -d 'Append each changed entry\'s previous state to FILE (created 0600), for `chk restore FILE`' -r -F
complete -c chk -n "__fish_chk_using_subcommand tmpfiles" -l exclude -d 'Neither check nor change what matches GLOB (relative to the checked root, rule-file glob language), nor anything below it; repeatable' -r
complete -c chk -n "__fish_chk_using_subcommand tmpfiles" -l warning -d 'WARNING from N differing entries on [default: 1]' -r
complete -c chk -n "__fish_chk_using_subcommand tmpfiles" -l critical -d 'CRITICAL from N differing entries on [default: never]' -r
complete -c chk -n "__fish_chk_using_subcommand tmpfiles" -l config -d 'Configuration file [default: /etc/adminkit/chk.conf]' -r -F
complete -c chk -n "__fish_chk_using_subcommand tmpfiles" -s n -l dry-run -d 'Change nothing; list every difference; exit 1 if there is any'
complete -c chk -n "__fish_chk_using_subcommand tmpfiles" -l json -d 'One JSON object per change (or difference) and a summary, on stdout'
complete -c chk -n "__fish_chk_using_subcommand tmpfiles" -l cross-mounts -d 'Descend into other file systems and bind mounts'
complete -c chk -n "__fish_chk_using_subcommand tmpfiles" -l keep-private -d 'Entries only their owner may use (no rights for group or others, no ACL, such as a 0600 .env) stay so: they get the admins and responsibles entries only, never members or guests'
complete -c chk -n "__fish_chk_using_subcommand tmpfiles" -l nagios -d 'Print one monitoring-plugin line (Nagios, Icinga, NRPE) instead of the listing, and exit 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN'
complete -c chk -n "__fish_chk_using_subcommand tmpfiles" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c chk -n "__fish_chk_using_subcommand tmpfiles" -s q -l quiet -d 'Less output: only errors'
complete -c chk -n "__fish_chk_using_subcommand tmpfiles" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c chk -n "__fish_chk_using_subcommand help; and not __fish_seen_subcommand_from path group user explain rules restore tmpfiles help" -f -a "path" -d 'Check any tree against a rule file or one ACL'
complete -c chk -n "__fish_chk_using_subcommand help; and not __fish_seen_subcommand_from path group user explain rules restore tmpfiles help" -f -a "group" -d 'Check shared group directories <groups_root>/NAME (Licorn\'s group model)'
complete -c chk -n "__fish_chk_using_subcommand help; and not __fish_seen_subcommand_from path group user explain rules restore tmpfiles help" -f -a "user" -d 'Check user homes (Licorn\'s user model, with ~/.licorn/check.conf)'
complete -c chk -n "__fish_chk_using_subcommand help; and not __fish_seen_subcommand_from path group user explain rules restore tmpfiles help" -f -a "explain" -d 'Show which rule governs PATH, what it wants and what is there'
complete -c chk -n "__fish_chk_using_subcommand help; and not __fish_seen_subcommand_from path group user explain rules restore tmpfiles help" -f -a "rules" -d 'Show the built-in factory rules'
complete -c chk -n "__fish_chk_using_subcommand help; and not __fish_seen_subcommand_from path group user explain rules restore tmpfiles help" -f -a "restore" -d 'Undo a run from its --backup FILE, never through a symbolic link'
complete -c chk -n "__fish_chk_using_subcommand help; and not __fish_seen_subcommand_from path group user explain rules restore tmpfiles help" -f -a "tmpfiles" -d 'Check and repair what tmpfiles.d lines a, a+, A, A+, z, Z want, as systemd-tmpfiles --create (spelt out in full)'
complete -c chk -n "__fish_chk_using_subcommand help; and not __fish_seen_subcommand_from path group user explain rules restore tmpfiles help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
