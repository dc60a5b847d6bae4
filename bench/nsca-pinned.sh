#!/usr/bin/env bash
# Where a client's cipher time goes when it runs on the daemon's loaded
# machine: a busy loop pinned to CPU 0, `nsca -f --single` pinned to CPU 1,
# then nsca-send pinned to CPU 0 (beside the busy loop), to CPU 1 (beside
# the daemon) and unpinned, against the daemon's own limit, COUNT results
# over one connection. Needs 2 CPUs.
#
#   METHODS="8 9 3" RUNS=2 nice -n -10 bash bench/nsca-pinned.sh
#
# Prints one line per run: limit, then the wall time of each placement.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-2000}
METHODS=${METHODS:-"8 9 3"}
RUNS=${RUNS:-2}
# shellcheck source=bench/nsca-common.sh
source bench/nsca-common.sh

taskset -c 0 bash -c 'while :; do :; done' &
pids+=($!)

port=$((20000 + $$ % 10000))
for method in $METHODS; do
    port=$((port + 1))
    dir="$work/m$method"
    mkdir "$dir"
    write_configs "$dir" "$port" "$method"
    taskset -c 1 /usr/sbin/nsca -c "$dir/nsca.cfg" -f --single &
    pids+=($!)
    sleep 0.5
    for _ in $(seq "$RUNS"); do
        line="method $method: limit $(taskset -c 0 "$LIMIT" single "$port" "$method" "$PASSWORD" "$COUNT") s"
        for cpus in 0 1 0,1; do
            began=$(date +%s.%N)
            taskset -c "$cpus" "$NSCA_SEND" -H 127.0.0.1 -p "$port" -c "$dir/send.cfg" -to 900 --quiet <"$work/input"
            ended=$(date +%s.%N)
            line+=" | nsca-send on CPU $cpus: $(awk -v a="$began" -v b="$ended" 'BEGIN { printf "%.2f", b - a }') s"
        done
        echo "$line"
    done
done
