complete -c nsca-send -s H -l server -d 'NSCA server to send to' -r
complete -c nsca-send -s p -l port -d 'TCP port of the daemon' -r
complete -c nsca-send -l timeout -d 'Seconds allowed for each network step: connect, init packet, each write (also -to)' -r
complete -c nsca-send -s c -l config -d 'send_nsca\'s configuration file (password, encryption_method)' -r -F
complete -c nsca-send -s d -l delimiter -d 'Field delimiter: one character, or a number such as 0x09, 011 or 9' -r
complete -c nsca-send -l record-separator -d 'Record separator, same syntax as -d (also -ds)' -r
complete -c nsca-send -l spool -d 'Keep undelivered results in DIR and send them first on the next run' -r -F
complete -c nsca-send -l host -d 'Send one result from the arguments instead of stdin: its host name' -r
complete -c nsca-send -l service -d 'Service description of the single result (omit for a host check)' -r
complete -c nsca-send -l status -d 'Return code of the single result: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN' -r
complete -c nsca-send -l output -d 'Plugin output of the single result' -r
complete -c nsca-send -l max-age -d 'Drop spooled results older than SECONDS instead of sending them (counted and reported)' -r
complete -c nsca-send -l legacy-2-7-mode -d 'Send NSCA 2.7 packets (512-byte output, one result per connection)'
complete -c nsca-send -l escape -d 'Escape `\\` and newlines in the output on the client, for servers older than 2.10.1'
complete -c nsca-send -l json -d 'Read JSON lines from stdin: {"host", "service", "status", "output"}'
complete -c nsca-send -s l -l license -d 'Show the licence and exit (status 3, as send_nsca)'
complete -c nsca-send -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c nsca-send -s q -l quiet -d 'Less output: only errors'
complete -c nsca-send -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nsca-send -s V -l version -d 'Print version'
