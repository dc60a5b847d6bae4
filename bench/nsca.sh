#!/usr/bin/env bash
# nsca-send against Debian's send_nsca and against the daemon's own limit,
# COUNT results over one connection per run, for XOR, AES (14), DES (2)
# and 3DES (3), in each daemon mode: `nsca -f --single`, `nsca -f --daemon`
# (a forked child per connection, as Debian's init script runs it) and
# `nsca --inetd` behind systemd-socket-activate (a process per connection).
#
#   bench/nsca.sh                 # all four methods, all three modes
#   MODES="daemon" METHODS="1 14" RUNS=3 COUNT=2000 bench/nsca.sh
#   LOAD=1 bench/nsca.sh          # with a CPU hog and a disk writer running
#   METHODS=all bench/nsca.sh     # all 17 methods the Debian daemon decrypts
#
# Each cell ends with a markdown row (prefix "| "):
#   | mode | method | limit | nsca-send | ratio | send_nsca | nsca-send wrote | send_nsca wrote |
#
# "daemon limit" sends packets that were all built and encrypted before they
# are written (examples/nsca-daemon-limit.rs): what the daemon alone costs,
# including the one second its first read sleeps in --daemon and inetd modes
# (every client pays it). Times are medians; the range is min–max.
set -euo pipefail
cd "$(dirname "$0")/.."

# With autogroup on, the kernel shares the CPU fairly between sessions
# whatever their nice values: a build at nice 19 in another terminal then
# takes a core from this benchmark.
if [ "$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null)" = 1 ]; then
    echo "warning: sched_autogroup is on: other sessions' jobs compete despite nice" \
        "(as root: echo 0 >/proc/sys/kernel/sched_autogroup_enabled)" >&2
fi

COUNT=${COUNT:-10000}
MODES=${MODES:-"single daemon inetd"}
METHODS=${METHODS:-"1 14 2 3"}
# The 17 methods of tests/nsca/nsca2.rs.
[ "$METHODS" = all ] && METHODS="0 1 2 3 4 5 6 8 9 10 11 14 15 16 20 23 26"
RUNS=${RUNS:-2}
# shellcheck source=bench/nsca-common.sh
source bench/nsca-common.sh

if [ "${LOAD:-0}" = 1 ]; then
    # One busy core and a writer that keeps the disk flushing.
    (while :; do :; done) &
    pids+=($!)
    (while :; do dd if=/dev/zero of="$work/load" bs=1M count=64 conv=fsync status=none; done) &
    pids+=($!)
fi

# A client may exit before the daemon has read all it sent (send_nsca does):
# count the command file once it has stopped growing for 2 s (at most 60 s).
settle() {
    local last=-1 now stable=0
    for _ in $(seq 120); do
        now=$(wc -l <"$1")
        if [ "$now" = "$last" ]; then
            stable=$((stable + 1))
            [ "$stable" -ge 4 ] && return
        else
            stable=0
        fi
        last=$now
        sleep 0.5
    done
}

port=$((20000 + $$ % 10000))
for mode in $MODES; do
for method in $METHODS; do
    port=$((port + 1))
    dir="$work/$mode-m$method"
    mkdir "$dir"
    write_configs "$dir" "$port" "$method"
    start_daemon "$mode" "$dir" "$port"

    # A connection that only takes the IV and hangs up, before each timed run:
    # the --daemon parent polls accept() once a second, and right after it
    # took the probe it sleeps, so every timed run waits the same ~1 s for
    # its accept instead of a random 0-1 s.
    printf 'exec 3<>/dev/tcp/127.0.0.1/%s && head -c 132 <&3 >/dev/null\n' "$port" >"$work/probe"
    probe() { bash "$work/probe"; }

    runs=$RUNS
    [ "$method" = 1 ] && runs=$((RUNS * 3))
    echo "== $mode, method $method: $COUNT results, $runs runs each, load $(cut -d' ' -f1-3 /proc/loadavg)"
    limits=()
    for _ in $(seq "$runs"); do
        probe
        limits+=("$("$LIMIT" "$mode" "$port" "$method" "$PASSWORD" "$COUNT")")
    done
    echo "daemon limit (pre-built packets): ${limits[*]} s"
    limit=$(printf '%s\n' "${limits[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    declare -A median wrote
    # One client at a time, so each one's delivered count is known.
    for client in nsca-send send_nsca; do
        bin=$NSCA_SEND
        [ "$client" = send_nsca ] && bin=/usr/sbin/send_nsca
        before=$(wc -l <"$dir/commands")
        hyperfine --style basic --runs "$runs" -n "$client (method $method)" --prepare "bash $work/probe" \
            --export-json "$dir/$client.json" \
            "$bin -H 127.0.0.1 -p $port -c $dir/send.cfg -to 900 --quiet <$work/input"
        settle "$dir/commands"
        after=$(wc -l <"$dir/commands")
        echo "$client: the daemon wrote $((after - before)) of $((COUNT * runs)) results"
        median[$client]=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.2f s (%.2f–%.2f)" % (r["median"], r["min"], r["max"]))' "$dir/$client.json")
        wrote[$client]="$((after - before))/$((COUNT * runs))"
    done
    ratio=$(awk -v a="${median[nsca-send]%% *}" -v b="$limit" 'BEGIN { printf "%.2fx", a / b }')
    echo "| $mode | $method | $limit s (median of $runs) | ${median[nsca-send]} | $ratio | ${median[send_nsca]} | ${wrote[nsca-send]} | ${wrote[send_nsca]} |"
done
done
