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
PASSWORD=bench-password-0123456789

cargo build --release --bin nsca-send --example nsca-daemon-limit >&2
target=${CARGO_TARGET_DIR:-$PWD/target}
NSCA_SEND=$target/release/nsca-send
LIMIT=$target/release/examples/nsca-daemon-limit

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

awk -v n="$COUNT" 'BEGIN { for (i = 0; i < n; i++) printf "host%d\tbench\t%d\tOK - result %d | time=0.%d\027", i % 100, i % 4, i, i }' >"$work/input"
taskset -c 0 bash -c 'while :; do :; done' &
pids+=($!)

port=$((20000 + $$ % 10000))
for method in $METHODS; do
    port=$((port + 1))
    dir="$work/m$method"
    mkdir "$dir"
    cat >"$dir/nsca.cfg" <<CFG
server_port=$port
server_address=127.0.0.1
command_file=$dir/commands
append_to_file=1
max_packet_age=900
decryption_method=$method
password=$PASSWORD
aggregate_writes=0
CFG
    printf 'password=%s\nencryption_method=%s\n' "$PASSWORD" "$method" >"$dir/send.cfg"
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
