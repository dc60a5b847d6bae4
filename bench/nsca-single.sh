#!/bin/bash
# One result per call, the cron case (issue #29 point 8): CALLS (30)
# sequential single-result calls of nsca-send and of send_nsca against
# Debian's nsca in --single, --daemon (forking, as Debian's init script
# starts it) and inetd modes, side by side in one hyperfine run per mode.
#
#   flock -x /tmp/adminkit-cpu.lock bash bench/nsca-single.sh
#
# Environment: CALLS (30), RUNS (3), MODES ("single daemon inetd"),
# METHOD (1, XOR; 14 for AES). Prints hyperfine's table per mode and the
# lines each daemon wrote (every call's result must arrive).
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=1
CALLS=${CALLS:-30}
RUNS=${RUNS:-3}
MODES=${MODES:-"single daemon inetd"}
METHOD=${METHOD:-1}
source bench/nsca-common.sh

# Start-up alone: what every call pays before it sends anything.
echo "## start-up (--version; send_nsca -V exits 3)"
hyperfine -N -i --runs 300 --warmup 20 --style basic --export-markdown "$work/start.md" \
    -n "nsca-send --version" "$NSCA_SEND --version" \
    -n "send_nsca -V" "/usr/sbin/send_nsca -V" >&2
cat "$work/start.md"

port=$((20000 + $$ % 10000))
for mode in $MODES; do
    port=$((port + 1))
    dir="$work/$mode"
    mkdir "$dir"
    write_configs "$dir" "$port" "$METHOD"
    start_daemon "$mode" "$dir" "$port"
    calls() {
        printf 'for i in $(seq %s); do printf "web01\\tbackup\\t0\\tOK - call $i\\n" | %s -H 127.0.0.1 -p %s -c %s >/dev/null || [ $? = 1 ] || exit 1; done' \
            "$CALLS" "$1" "$port" "$dir/send.cfg"
    }
    echo "## $mode: $CALLS sequential single-result calls (method $METHOD)"
    hyperfine --runs "$RUNS" --warmup 1 --style basic --export-markdown "$dir/table.md" \
        -n "nsca-send --spool" "$(calls "$NSCA_SEND --spool $dir/spool")" \
        -n nsca-send "$(calls "$NSCA_SEND")" \
        -n send_nsca "$(calls /usr/sbin/send_nsca)" >&2
    cat "$dir/table.md"
    # Confirmations still running after the last call write before we count.
    sleep 2
    echo "daemon wrote $(wc -l <"$dir/commands") lines ($(( (RUNS + 1) * 3 * CALLS )) sent)"
    if [ -e "$dir/spool/127.0.0.1_$port.spool" ]; then
        echo "left in the spool: $(wc -l <"$dir/spool/127.0.0.1_$port.spool")"
    fi
done
