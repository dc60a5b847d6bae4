#!/usr/bin/env bash
# The CPU time of short commands, robust to a noisy machine: ROUNDS rounds,
# each running every command 50 times under `perf stat -e task-clock`,
# commands interleaved; prints the median and the minimum round per command.
#
# Needs perf (Debian: linux-perf).
#
#   nice -n -10 bench/cpu-median.sh 10 'perl -e1' 'perlenv run ENV -- perl -e1'
set -euo pipefail
rounds=${1:?usage: cpu-median.sh ROUNDS CMD...}
shift
declare -a results
for _ in $(seq "$rounds"); do
    i=0
    for cmd in "$@"; do
        # shellcheck disable=SC2086 # each command is a word list on purpose
        ms=$(perf stat -r 50 -x, -e task-clock $cmd 2>&1 >/dev/null | cut -d, -f1)
        results[i]+="$ms "
        i=$((i + 1))
    done
done
i=0
for cmd in "$@"; do
    sorted=$(tr ' ' '\n' <<<"${results[i]}" | grep . | sort -n)
    median=$(awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }' <<<"$sorted")
    printf '%-70s median %s ms  min %s ms\n' "$cmd" "$median" "$(head -1 <<<"$sorted")"
    i=$((i + 1))
done
