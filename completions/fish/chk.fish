# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_chk_global_optspecs
    string join \n n/dry-run json j/jobs= cross-mounts backup= v/verbose q/quiet h/help V/version
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

complete -c chk -n "__fish_chk_needs_command" -s j -l jobs -d 'Worker threads (default: number of CPUs)' -r
complete -c chk -n "__fish_chk_needs_command" -l backup -d 'Append each changed entry\'s previous state to FILE, for `setfacl --restore=FILE`' -r -F
complete -c chk -n "__fish_chk_needs_command" -s n -l dry-run -d 'Change nothing; list every difference; exit 1 if there is any'
complete -c chk -n "__fish_chk_needs_command" -l json -d 'One JSON object per change (or difference) and a summary, on stdout'
complete -c chk -n "__fish_chk_needs_command" -l cross-mounts -d 'Descend into other file systems and bind mounts'
complete -c chk -n "__fish_chk_needs_command" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c chk -n "__fish_chk_needs_command" -s q -l quiet -d 'Less output: only errors'
complete -c chk -n "__fish_chk_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c chk -n "__fish_chk_needs_command" -s V -l version -d 'Print version'
complete -c chk -n "__fish_chk_needs_command" -f -a "path" -d 'Check any tree against a rule file or one ACL'
complete -c chk -n "__fish_chk_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c chk -n "__fish_chk_using_subcommand path" -l rules -d 'Rule file (Licorn format: PATH <TAB or blanks> DEFINITION a line)' -r -F
complete -c chk -n "__fish_chk_using_subcommand path" -l acl -d 'One definition for the whole tree: an ACL written for files (@UX/@GX allowed; directories get x instead), NOACL or PRIVATE' -r
complete -c chk -n "__fish_chk_using_subcommand path" -l owner -d 'Make every entry owned by USER (default: keep owners)' -r
complete -c chk -n "__fish_chk_using_subcommand path" -l group -d 'Make every entry\'s group GROUP (default: keep groups)' -r
complete -c chk -n "__fish_chk_using_subcommand path" -s j -l jobs -d 'Worker threads (default: number of CPUs)' -r
complete -c chk -n "__fish_chk_using_subcommand path" -l backup -d 'Append each changed entry\'s previous state to FILE, for `setfacl --restore=FILE`' -r -F
complete -c chk -n "__fish_chk_using_subcommand path" -s n -l dry-run -d 'Change nothing; list every difference; exit 1 if there is any'
complete -c chk -n "__fish_chk_using_subcommand path" -l json -d 'One JSON object per change (or difference) and a summary, on stdout'
complete -c chk -n "__fish_chk_using_subcommand path" -l cross-mounts -d 'Descend into other file systems and bind mounts'
complete -c chk -n "__fish_chk_using_subcommand path" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c chk -n "__fish_chk_using_subcommand path" -s q -l quiet -d 'Less output: only errors'
complete -c chk -n "__fish_chk_using_subcommand path" -s h -l help -d 'Print help'
complete -c chk -n "__fish_chk_using_subcommand help; and not __fish_seen_subcommand_from path help" -f -a "path" -d 'Check any tree against a rule file or one ACL'
complete -c chk -n "__fish_chk_using_subcommand help; and not __fish_seen_subcommand_from path help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
