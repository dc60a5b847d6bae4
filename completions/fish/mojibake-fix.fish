# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_mojibake_fix_global_optspecs
    string join \n v/verbose q/quiet h/help V/version
end

function __fish_mojibake_fix_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_mojibake_fix_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_mojibake_fix_using_subcommand
    set -l cmd (__fish_mojibake_fix_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c mojibake-fix -n "__fish_mojibake_fix_needs_command" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c mojibake-fix -n "__fish_mojibake_fix_needs_command" -s q -l quiet -d 'Less output: only errors'
complete -c mojibake-fix -n "__fish_mojibake_fix_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mojibake-fix -n "__fish_mojibake_fix_needs_command" -s V -l version -d 'Print version'
complete -c mojibake-fix -n "__fish_mojibake_fix_needs_command" -f -a "names" -d 'Repair file and directory names (dry run unless --apply)'
complete -c mojibake-fix -n "__fish_mojibake_fix_needs_command" -f -a "text" -d 'Repair text: files (or stdin) to stdout, line by line'
complete -c mojibake-fix -n "__fish_mojibake_fix_needs_command" -f -a "check" -d 'Report damaged lines; exit 1 if any'
complete -c mojibake-fix -n "__fish_mojibake_fix_needs_command" -f -a "explain" -d 'Show the chain of repairs for one string'
complete -c mojibake-fix -n "__fish_mojibake_fix_needs_command" -f -a "undo" -d 'Reverse the renames recorded in a journal'
complete -c mojibake-fix -n "__fish_mojibake_fix_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand names" -l journal -d 'Where to record the renames (default: a new file in /var/lib/mojibake-fix/ as root, $XDG_STATE_HOME/mojibake-fix/ otherwise; its name is printed at the end)' -r -F
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand names" -l from -d 'Prefer this legacy encoding (windows-1252, iso-8859-1, macintosh, windows-1250/1251/1253/1254/1257, iso-8859-2/5/7/9/15, cp437, cp850, cp852, cp866, koi8-r, koi8-u, shift_jis, euc-jp, gbk, big5, euc-kr): it wins every close call, but a name or line that reads clearly better another way is read that way, and clean text stays as it is' -r
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand names" -l only-from -d 'Consider only this encoding, as `--from` did before: for names that are not UTF-8 at all, the encoding they are in (and for the East Asian ones, names of it unpacked as cp437/cp850)' -r
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand names" -s r -l recursive -d 'Descend into directories'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand names" -l apply -d 'Rename for real (default: only show what would be renamed)'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand names" -l suffix -d 'Give a name whose repair collides with an existing one the next free `NAME (2).ext` instead of leaving it as it is'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand names" -l nfc -d 'Also compose names to Unicode NFC'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand names" -l nfd -d 'Also decompose names to Unicode NFD (as macOS stores them). Without --nfc or --nfd a repaired name takes the form of the other names of its directory (NFC when none tells), and a name left alone keeps its form'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand names" -l json -d 'One JSON object per name'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand names" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand names" -s q -l quiet -d 'Less output: only errors'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand names" -s h -l help -d 'Print help'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand text" -l from -d 'Prefer this legacy encoding (windows-1252, iso-8859-1, macintosh, windows-1250/1251/1253/1254/1257, iso-8859-2/5/7/9/15, cp437, cp850, cp852, cp866, koi8-r, koi8-u, shift_jis, euc-jp, gbk, big5, euc-kr): it wins every close call, but a name or line that reads clearly better another way is read that way, and clean text stays as it is' -r
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand text" -l only-from -d 'Consider only this encoding, as `--from` did before: for names that are not UTF-8 at all, the encoding they are in (and for the East Asian ones, names of it unpacked as cp437/cp850)' -r
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand text" -l journal -d 'Where to record the edits (default: as for `names --apply`)' -r -F
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand text" -l nfc -d 'Compose the output to Unicode NFC'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand text" -s i -l in-place -d 'Repair the FILEs where they are (temporary file, fsync, rename; owner, mode and xattrs kept; originals saved 0600 beside the journal for undo; binary files refused)'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand text" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand text" -s q -l quiet -d 'Less output: only errors'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand text" -s h -l help -d 'Print help'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand check" -l from -d 'Prefer this legacy encoding (windows-1252, iso-8859-1, macintosh, windows-1250/1251/1253/1254/1257, iso-8859-2/5/7/9/15, cp437, cp850, cp852, cp866, koi8-r, koi8-u, shift_jis, euc-jp, gbk, big5, euc-kr): it wins every close call, but a name or line that reads clearly better another way is read that way, and clean text stays as it is' -r
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand check" -l only-from -d 'Consider only this encoding, as `--from` did before: for names that are not UTF-8 at all, the encoding they are in (and for the East Asian ones, names of it unpacked as cp437/cp850)' -r
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand check" -l exclude -d 'Skip paths matching this glob (`*.min.js`, `vendor/**`); repeatable' -r
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand check" -l warning -d 'WARNING from N differing entries on [default: 1]' -r
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand check" -l critical -d 'CRITICAL from N differing entries on [default: never]' -r
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand check" -l nfc -d 'Also count lines that only NFC would change'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand check" -s r -l recursive -d 'Read every file below the given directories (symlinks not followed, binary files skipped)'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand check" -l json -d 'One JSON object per damaged line, then the result envelope'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand check" -l nagios -d 'Print one monitoring-plugin line (Nagios, Icinga, NRPE) instead of the listing, and exit 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand check" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand check" -s q -l quiet -d 'Less output: only errors'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand check" -s h -l help -d 'Print help'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand explain" -l from -d 'Prefer this legacy encoding (windows-1252, iso-8859-1, macintosh, windows-1250/1251/1253/1254/1257, iso-8859-2/5/7/9/15, cp437, cp850, cp852, cp866, koi8-r, koi8-u, shift_jis, euc-jp, gbk, big5, euc-kr): it wins every close call, but a name or line that reads clearly better another way is read that way, and clean text stays as it is' -r
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand explain" -l only-from -d 'Consider only this encoding, as `--from` did before: for names that are not UTF-8 at all, the encoding they are in (and for the East Asian ones, names of it unpacked as cp437/cp850)' -r
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand explain" -l json -d 'Print the steps as JSON lines'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand explain" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand explain" -s q -l quiet -d 'Less output: only errors'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand explain" -s h -l help -d 'Print help'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand undo" -l json -d 'One JSON object per restored name'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand undo" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand undo" -s q -l quiet -d 'Less output: only errors'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand undo" -s h -l help -d 'Print help'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand help; and not __fish_seen_subcommand_from names text check explain undo help" -f -a "names" -d 'Repair file and directory names (dry run unless --apply)'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand help; and not __fish_seen_subcommand_from names text check explain undo help" -f -a "text" -d 'Repair text: files (or stdin) to stdout, line by line'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand help; and not __fish_seen_subcommand_from names text check explain undo help" -f -a "check" -d 'Report damaged lines; exit 1 if any'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand help; and not __fish_seen_subcommand_from names text check explain undo help" -f -a "explain" -d 'Show the chain of repairs for one string'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand help; and not __fish_seen_subcommand_from names text check explain undo help" -f -a "undo" -d 'Reverse the renames recorded in a journal'
complete -c mojibake-fix -n "__fish_mojibake_fix_using_subcommand help; and not __fish_seen_subcommand_from names text check explain undo help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
