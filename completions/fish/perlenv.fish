# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_perlenv_global_optspecs
    string join \n v/verbose q/quiet h/help V/version
end

function __fish_perlenv_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_perlenv_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_perlenv_using_subcommand
    set -l cmd (__fish_perlenv_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c perlenv -n "__fish_perlenv_needs_command" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c perlenv -n "__fish_perlenv_needs_command" -s q -l quiet -d 'Less output: only errors'
complete -c perlenv -n "__fish_perlenv_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c perlenv -n "__fish_perlenv_needs_command" -s V -l version -d 'Print version'
complete -c perlenv -n "__fish_perlenv_needs_command" -f -a "create" -d 'Make an environment directory (one perl query, then file writes)'
complete -c perlenv -n "__fish_perlenv_needs_command" -f -a "install" -d 'Install modules, dist directories, tarballs or a cpanfile: built in parallel in a sandbox from local sources, with a build cache (cpanm -L for CPAN itself)'
complete -c perlenv -n "__fish_perlenv_needs_command" -f -a "run" -d 'Run one command inside ENV without activating it'
complete -c perlenv -n "__fish_perlenv_needs_command" -f -a "activate" -d 'Print activation code for `eval` (fish: pipe to `source`)'
complete -c perlenv -n "__fish_perlenv_needs_command" -f -a "list" -d 'List installed modules and their versions'
complete -c perlenv -n "__fish_perlenv_needs_command" -f -a "freeze" -d 'Print a cpanfile pinning what is installed (`==` versions)'
complete -c perlenv -n "__fish_perlenv_needs_command" -f -a "lock" -d 'Write a carton `cpanfile.snapshot` of the installed dists (stdout or -o FILE)'
complete -c perlenv -n "__fish_perlenv_needs_command" -f -a "bundle" -d 'Write carton\'s vendor/cache (authors/id tarballs + 02packages) for the installed dists'
complete -c perlenv -n "__fish_perlenv_needs_command" -f -a "info" -d 'Show perl, version, archname, isolation, paths and health'
complete -c perlenv -n "__fish_perlenv_needs_command" -f -a "check" -d 'Exit 1 if the recorded perl changed or an installed module fails to load'
complete -c perlenv -n "__fish_perlenv_needs_command" -f -a "which" -d 'Print the file each module resolves to inside ENV and where it comes from (ENV, core, vendor, site); exit 1 if one is not found'
complete -c perlenv -n "__fish_perlenv_needs_command" -f -a "cache" -d 'List or prune the build cache (/var/cache/perlenv as root, $XDG_CACHE_HOME/perlenv otherwise)'
complete -c perlenv -n "__fish_perlenv_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c perlenv -n "__fish_perlenv_using_subcommand create" -l perl -d 'The perl to use (default: `perl` from PATH)' -r -F
complete -c perlenv -n "__fish_perlenv_using_subcommand create" -l prompt -d 'Name shown in the prompt (default: the directory\'s name)' -r
complete -c perlenv -n "__fish_perlenv_using_subcommand create" -l system-libs -d 'Let the system\'s site and vendor modules be seen (no isolation)'
complete -c perlenv -n "__fish_perlenv_using_subcommand create" -l clear -d 'Remove an existing environment at ENV first'
complete -c perlenv -n "__fish_perlenv_using_subcommand create" -l json -d 'Print the result envelope as one JSON line'
complete -c perlenv -n "__fish_perlenv_using_subcommand create" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c perlenv -n "__fish_perlenv_using_subcommand create" -s q -l quiet -d 'Less output: only errors'
complete -c perlenv -n "__fish_perlenv_using_subcommand create" -s h -l help -d 'Print help'
complete -c perlenv -n "__fish_perlenv_using_subcommand install" -l from -d 'Offline source: a directory of tarballs, a tarball, a dist directory or a file:// mirror' -r
complete -c perlenv -n "__fish_perlenv_using_subcommand install" -l cpanfile -d 'Install what this cpanfile requires' -r -F
complete -c perlenv -n "__fish_perlenv_using_subcommand install" -l locked -d 'Install exactly the dists and versions of this carton snapshot, from the --from sources (tarball directories or a `bundle` directory)' -r -F
complete -c perlenv -n "__fish_perlenv_using_subcommand install" -l cache-dir -d 'The build cache [default: /var/cache/perlenv as root, $XDG_CACHE_HOME/perlenv (~/.cache/perlenv) otherwise]' -r -F
complete -c perlenv -n "__fish_perlenv_using_subcommand install" -s j -l jobs -d 'Build steps (and test files within a dist) run at once [default: the number of CPUs]' -r
complete -c perlenv -n "__fish_perlenv_using_subcommand install" -l json -d 'End with the result envelope as JSON: the dists newly installed'
complete -c perlenv -n "__fish_perlenv_using_subcommand install" -l no-sandbox -d 'Build without the private mount namespace (where all but ENV is read-only); compare the system\'s perl directories and ENV\'s parent before and after instead, and fail if they changed'
complete -c perlenv -n "__fish_perlenv_using_subcommand install" -l no-cache -d 'Build every dist from source, without the build cache (nor adding to it)'
complete -c perlenv -n "__fish_perlenv_using_subcommand install" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c perlenv -n "__fish_perlenv_using_subcommand install" -s q -l quiet -d 'Less output: only errors'
complete -c perlenv -n "__fish_perlenv_using_subcommand install" -s h -l help -d 'Print help'
complete -c perlenv -n "__fish_perlenv_using_subcommand run" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c perlenv -n "__fish_perlenv_using_subcommand run" -s q -l quiet -d 'Less output: only errors'
complete -c perlenv -n "__fish_perlenv_using_subcommand run" -s h -l help -d 'Print help'
complete -c perlenv -n "__fish_perlenv_using_subcommand activate" -l shell -d 'The shell to print code for (default: from $SHELL)' -r -f -a "sh\t''
bash\t''
zsh\t''
dash\t''
ksh\t''
fish\t''
csh\t''
tcsh\t''"
complete -c perlenv -n "__fish_perlenv_using_subcommand activate" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c perlenv -n "__fish_perlenv_using_subcommand activate" -s q -l quiet -d 'Less output: only errors'
complete -c perlenv -n "__fish_perlenv_using_subcommand activate" -s h -l help -d 'Print help'
complete -c perlenv -n "__fish_perlenv_using_subcommand list" -l json -d 'One JSON object per line'
complete -c perlenv -n "__fish_perlenv_using_subcommand list" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c perlenv -n "__fish_perlenv_using_subcommand list" -s q -l quiet -d 'Less output: only errors'
complete -c perlenv -n "__fish_perlenv_using_subcommand list" -s h -l help -d 'Print help'
complete -c perlenv -n "__fish_perlenv_using_subcommand freeze" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c perlenv -n "__fish_perlenv_using_subcommand freeze" -s q -l quiet -d 'Less output: only errors'
complete -c perlenv -n "__fish_perlenv_using_subcommand freeze" -s h -l help -d 'Print help'
complete -c perlenv -n "__fish_perlenv_using_subcommand lock" -s o -l output -d 'Write the snapshot to FILE instead of stdout' -r -F
complete -c perlenv -n "__fish_perlenv_using_subcommand lock" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c perlenv -n "__fish_perlenv_using_subcommand lock" -s q -l quiet -d 'Less output: only errors'
complete -c perlenv -n "__fish_perlenv_using_subcommand lock" -s h -l help -d 'Print help'
complete -c perlenv -n "__fish_perlenv_using_subcommand bundle" -l from -d 'Where the installed dists\' tarballs are: directories or tarballs' -r -F
complete -c perlenv -n "__fish_perlenv_using_subcommand bundle" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c perlenv -n "__fish_perlenv_using_subcommand bundle" -s q -l quiet -d 'Less output: only errors'
complete -c perlenv -n "__fish_perlenv_using_subcommand bundle" -s h -l help -d 'Print help'
complete -c perlenv -n "__fish_perlenv_using_subcommand info" -l json -d 'One JSON object per line'
complete -c perlenv -n "__fish_perlenv_using_subcommand info" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c perlenv -n "__fish_perlenv_using_subcommand info" -s q -l quiet -d 'Less output: only errors'
complete -c perlenv -n "__fish_perlenv_using_subcommand info" -s h -l help -d 'Print help'
complete -c perlenv -n "__fish_perlenv_using_subcommand check" -l warning -d 'WARNING from N differing entries on [default: 1]' -r
complete -c perlenv -n "__fish_perlenv_using_subcommand check" -l critical -d 'CRITICAL from N differing entries on [default: never]' -r
complete -c perlenv -n "__fish_perlenv_using_subcommand check" -l json -d 'Print the result envelope as one JSON line instead of the problems'
complete -c perlenv -n "__fish_perlenv_using_subcommand check" -l update -d 'Re-record a perl that was rebuilt or reinstalled with the same version and archname, so `run` and `activate` stop warning about it'
complete -c perlenv -n "__fish_perlenv_using_subcommand check" -l nagios -d 'Print one monitoring-plugin line (Nagios, Icinga, NRPE) instead of the listing, and exit 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN'
complete -c perlenv -n "__fish_perlenv_using_subcommand check" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c perlenv -n "__fish_perlenv_using_subcommand check" -s q -l quiet -d 'Less output: only errors'
complete -c perlenv -n "__fish_perlenv_using_subcommand check" -s h -l help -d 'Print help'
complete -c perlenv -n "__fish_perlenv_using_subcommand which" -l json -d 'One JSON object per module'
complete -c perlenv -n "__fish_perlenv_using_subcommand which" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c perlenv -n "__fish_perlenv_using_subcommand which" -s q -l quiet -d 'Less output: only errors'
complete -c perlenv -n "__fish_perlenv_using_subcommand which" -s h -l help -d 'Print help'
complete -c perlenv -n "__fish_perlenv_using_subcommand cache; and not __fish_seen_subcommand_from list prune help" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c perlenv -n "__fish_perlenv_using_subcommand cache; and not __fish_seen_subcommand_from list prune help" -s q -l quiet -d 'Less output: only errors'
complete -c perlenv -n "__fish_perlenv_using_subcommand cache; and not __fish_seen_subcommand_from list prune help" -s h -l help -d 'Print help'
complete -c perlenv -n "__fish_perlenv_using_subcommand cache; and not __fish_seen_subcommand_from list prune help" -f -a "list" -d 'One line per cached build: dist, perl, size, last use'
complete -c perlenv -n "__fish_perlenv_using_subcommand cache; and not __fish_seen_subcommand_from list prune help" -f -a "prune" -d 'Remove cached builds: all, or those unused for longer than DURATION'
complete -c perlenv -n "__fish_perlenv_using_subcommand cache; and not __fish_seen_subcommand_from list prune help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c perlenv -n "__fish_perlenv_using_subcommand cache; and __fish_seen_subcommand_from list" -l cache-dir -d 'The build cache [default: /var/cache/perlenv as root, $XDG_CACHE_HOME/perlenv (~/.cache/perlenv) otherwise]' -r -F
complete -c perlenv -n "__fish_perlenv_using_subcommand cache; and __fish_seen_subcommand_from list" -l json -d 'One JSON object per line'
complete -c perlenv -n "__fish_perlenv_using_subcommand cache; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c perlenv -n "__fish_perlenv_using_subcommand cache; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Less output: only errors'
complete -c perlenv -n "__fish_perlenv_using_subcommand cache; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c perlenv -n "__fish_perlenv_using_subcommand cache; and __fish_seen_subcommand_from prune" -l older-than -d 'Only builds last used longer ago than this: 30d, 12h, 90m, 2w' -r
complete -c perlenv -n "__fish_perlenv_using_subcommand cache; and __fish_seen_subcommand_from prune" -l cache-dir -d 'The build cache [default: /var/cache/perlenv as root, $XDG_CACHE_HOME/perlenv (~/.cache/perlenv) otherwise]' -r -F
complete -c perlenv -n "__fish_perlenv_using_subcommand cache; and __fish_seen_subcommand_from prune" -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c perlenv -n "__fish_perlenv_using_subcommand cache; and __fish_seen_subcommand_from prune" -s q -l quiet -d 'Less output: only errors'
complete -c perlenv -n "__fish_perlenv_using_subcommand cache; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c perlenv -n "__fish_perlenv_using_subcommand cache; and __fish_seen_subcommand_from help" -f -a "list" -d 'One line per cached build: dist, perl, size, last use'
complete -c perlenv -n "__fish_perlenv_using_subcommand cache; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Remove cached builds: all, or those unused for longer than DURATION'
complete -c perlenv -n "__fish_perlenv_using_subcommand cache; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c perlenv -n "__fish_perlenv_using_subcommand help; and not __fish_seen_subcommand_from create install run activate list freeze lock bundle info check which cache help" -f -a "create" -d 'Make an environment directory (one perl query, then file writes)'
complete -c perlenv -n "__fish_perlenv_using_subcommand help; and not __fish_seen_subcommand_from create install run activate list freeze lock bundle info check which cache help" -f -a "install" -d 'Install modules, dist directories, tarballs or a cpanfile: built in parallel in a sandbox from local sources, with a build cache (cpanm -L for CPAN itself)'
complete -c perlenv -n "__fish_perlenv_using_subcommand help; and not __fish_seen_subcommand_from create install run activate list freeze lock bundle info check which cache help" -f -a "run" -d 'Run one command inside ENV without activating it'
complete -c perlenv -n "__fish_perlenv_using_subcommand help; and not __fish_seen_subcommand_from create install run activate list freeze lock bundle info check which cache help" -f -a "activate" -d 'Print activation code for `eval` (fish: pipe to `source`)'
complete -c perlenv -n "__fish_perlenv_using_subcommand help; and not __fish_seen_subcommand_from create install run activate list freeze lock bundle info check which cache help" -f -a "list" -d 'List installed modules and their versions'
complete -c perlenv -n "__fish_perlenv_using_subcommand help; and not __fish_seen_subcommand_from create install run activate list freeze lock bundle info check which cache help" -f -a "freeze" -d 'Print a cpanfile pinning what is installed (`==` versions)'
complete -c perlenv -n "__fish_perlenv_using_subcommand help; and not __fish_seen_subcommand_from create install run activate list freeze lock bundle info check which cache help" -f -a "lock" -d 'Write a carton `cpanfile.snapshot` of the installed dists (stdout or -o FILE)'
complete -c perlenv -n "__fish_perlenv_using_subcommand help; and not __fish_seen_subcommand_from create install run activate list freeze lock bundle info check which cache help" -f -a "bundle" -d 'Write carton\'s vendor/cache (authors/id tarballs + 02packages) for the installed dists'
complete -c perlenv -n "__fish_perlenv_using_subcommand help; and not __fish_seen_subcommand_from create install run activate list freeze lock bundle info check which cache help" -f -a "info" -d 'Show perl, version, archname, isolation, paths and health'
complete -c perlenv -n "__fish_perlenv_using_subcommand help; and not __fish_seen_subcommand_from create install run activate list freeze lock bundle info check which cache help" -f -a "check" -d 'Exit 1 if the recorded perl changed or an installed module fails to load'
complete -c perlenv -n "__fish_perlenv_using_subcommand help; and not __fish_seen_subcommand_from create install run activate list freeze lock bundle info check which cache help" -f -a "which" -d 'Print the file each module resolves to inside ENV and where it comes from (ENV, core, vendor, site); exit 1 if one is not found'
complete -c perlenv -n "__fish_perlenv_using_subcommand help; and not __fish_seen_subcommand_from create install run activate list freeze lock bundle info check which cache help" -f -a "cache" -d 'List or prune the build cache (/var/cache/perlenv as root, $XDG_CACHE_HOME/perlenv otherwise)'
complete -c perlenv -n "__fish_perlenv_using_subcommand help; and not __fish_seen_subcommand_from create install run activate list freeze lock bundle info check which cache help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c perlenv -n "__fish_perlenv_using_subcommand help; and __fish_seen_subcommand_from cache" -f -a "list" -d 'One line per cached build: dist, perl, size, last use'
complete -c perlenv -n "__fish_perlenv_using_subcommand help; and __fish_seen_subcommand_from cache" -f -a "prune" -d 'Remove cached builds: all, or those unused for longer than DURATION'
