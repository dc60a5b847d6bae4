complete -c nsca-send -s H -l server -d 'Server to send to; repeat it or separate with commas for several (see --failover, --all). An NSCA-ng or Icinga 2 config may name them instead (`server = a,b`)' -r
complete -c nsca-send -l delay -d 'Wait a random 0 to SECONDS seconds before connecting, so that a fleet\'s cron jobs do not reach the server at once (after the job with --wrap) [default: the config\'s `delay =`, else 0]' -r
complete -c nsca-send -l protocol -d 'How to send: NSCA 2 (send_nsca\'s), NSCA-ng, or the Icinga 2 API [default: the config file\'s `protocol =`, else nsca2]' -r -f -a "nsca2\t'NSCA 2.x, as send_nsca speaks it (no answer from the server)'
nsca-ng\t'NSCA-ng: TLS with a pre-shared key, every result acknowledged'
icinga2\t'The Icinga 2 REST API over HTTPS'"
complete -c nsca-send -l url -d 'The Icinga 2 API as https://HOST:PORT (instead of -H and -p; icinga2 only)' -r
complete -c nsca-send -l ca -d 'The CA that signed the Icinga 2 API\'s certificate, the only one trusted (icinga2 only) [default: the config\'s `ca =`, else the system\'s CAs]' -r -F
complete -c nsca-send -l ttl -d 'Seconds Icinga 2 waits for the next result before the service goes stale (icinga2 only) [default: the config\'s `ttl =`, else none]' -r
complete -c nsca-send -s p -l port -d 'TCP port of the server [default: the config\'s `port =`, else 5667, 5668 for nsca-ng, 5665 for icinga2]' -r
complete -c nsca-send -l timeout -d 'Seconds allowed for each network step: connect, init packet, each write (also -to) [default: the config\'s `timeout =`, else 10]' -r
complete -c nsca-send -s c -l config -d 'send_nsca\'s configuration file (password, encryption_method)' -r -F
complete -c nsca-send -s d -l delimiter -d 'Field delimiter: one character, or a number such as 0x09, 011 or 9' -r
complete -c nsca-send -l record-separator -d 'Record separator, same syntax as -d (also -ds)' -r
complete -c nsca-send -l spool -d 'Keep undelivered results in DIR and send them first on the next run' -r -F
complete -c nsca-send -l warning -d 'With --nagios: WARNING from N results waiting in a spool on [default: 1]' -r
complete -c nsca-send -l critical -d 'With --nagios: CRITICAL from N results waiting on [default: never]' -r
complete -c nsca-send -l warning-age -d 'With --nagios: WARNING when the oldest result waiting is SECONDS old [default: 600]' -r
complete -c nsca-send -l critical-age -d 'With --nagios: CRITICAL when the oldest result waiting is SECONDS old [default: 3600]' -r
complete -c nsca-send -l host -d 'Send one result from the arguments instead of stdin: its host name (with --wrap: the host of the wrapped job, default this machine\'s name)' -r
complete -c nsca-send -l service -d 'Service description of the single result (omit for a host check)' -r
complete -c nsca-send -l status -d 'Return code of the single result: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN' -r
complete -c nsca-send -l output -d 'Plugin output of the single result' -r
complete -c nsca-send -l wrap -d 'Run the command after `--` and report it as SERVICE: its exit status 0-3 as the state (else UNKNOWN), its first output line; exit with its status' -r
complete -c nsca-send -l command-timeout -d 'Seconds the --wrap command may run before it is stopped (CRITICAL, exit 124)' -r
complete -c nsca-send -l max-age -d 'Drop spooled results older than SECONDS instead of sending them (counted and reported)' -r
complete -c nsca-send -l failover -d 'With several servers: the first that answers gets the batch, the next one what it did not take (the default)'
complete -c nsca-send -l all -d 'With several servers: every server gets every result (HA pairs of masters), each with its own spool'
complete -c nsca-send -s C -l commands -d 'Read raw monitoring commands from stdin, one per line (NSCA-ng only), such as `ACKNOWLEDGE_SVC_PROBLEM;web01;HTTP;1;1;1;admin;known`'
complete -c nsca-send -l lines -d 'One record per line: the same as -ds 0x0a'
complete -c nsca-send -l legacy-2-7-mode -d 'Send NSCA 2.7 packets (512-byte output, one result per connection)'
complete -c nsca-send -l escape -d 'Escape `\\` and newlines in the output on the client, for servers older than 2.10.1'
complete -c nsca-send -l json -d 'Read JSON lines from stdin: {"host", "service", "status", "output"}; with --spool-status, print JSON lines'
complete -c nsca-send -l spool-status -d 'Show the spool instead of sending: per server, the results waiting, the oldest\'s age, the results the server refused for good, the last delivery'
complete -c nsca-send -l nagios -d 'With --spool-status: one monitoring-plugin line, exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN'
complete -c nsca-send -s l -l license -d 'Show the licence and exit (status 3, as send_nsca)'
complete -c nsca-send -s v -l verbose -d 'More detail (repeat for even more: -vv, -vvv)'
complete -c nsca-send -s q -l quiet -d 'Less output: only errors'
complete -c nsca-send -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nsca-send -s V -l version -d 'Print version'
