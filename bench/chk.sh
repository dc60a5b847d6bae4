#!/usr/bin/env bash
# Benchmarks `chk path` against setfacl/getfacl on a generated tree shaped
# like the Linux kernel source (84,000 files in 6,000 directories), measures
# peak memory on a tree of one million entries and on one directory holding
# one million subdirectories, and times the no-op re-check of the million
# entries against getfacl -R -P, idle and with two busy loops (`yes`)
# competing for the cores. Run as root from the repository root:
#   BENCH_DIR=/work/chk-bench bash bench/chk.sh
# (BENCH_DIR on a real disk, ext4 or xfs: the trees are generated once and
# reused; the million-entry ones take a few minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bin chk
CHK=$PWD/target/release/chk
WORK=${BENCH_DIR:-/tmp/chk-bench}
TREE=$WORK/kernel
BIG=$WORK/million
WIDE=$WORK/siblings
ACL='u::rwx,g::r-x,o::---,g:users:rwx,m::rwx'
mkdir -p "$WORK"
[ -d "$TREE" ] || python3 bench/chk-tree.py "$TREE" 84000 6000
echo "tree: $(find "$TREE" | wc -l) entries, $(find "$TREE" -type d | wc -l) directories"

# Back to plain modes without any ACL: the state each repair starts from.
RESET="setfacl -R -b $TREE && chmod -R u=rwX,go=rX $TREE"

echo "== (a) full repair: chk vs setfacl -R --set + setfacl -R -d --set"
hyperfine --warmup 1 --runs 5 --export-markdown "$WORK/a.md" \
    --prepare "$RESET" \
    -n chk "$CHK path -q --acl $ACL $TREE" \
    -n setfacl "setfacl -R --set $ACL $TREE && setfacl -R -d --set $ACL $TREE"

echo "== (b) no-op re-check: chk vs getfacl -R -P"
$CHK path -q --acl "$ACL" "$TREE"
hyperfine --warmup 1 --runs 10 --export-markdown "$WORK/b.md" \
    -n chk "$CHK path -q --acl $ACL $TREE" \
    -n getfacl "getfacl -R -P $TREE > /dev/null"

echo "== (c) peak RSS on one million entries"
[ -d "$BIG" ] || python3 bench/chk-tree.py "$BIG" 930000 70000
echo "tree: $(find "$BIG" | wc -l) entries"
/usr/bin/time -v "$CHK" path -q --acl "$ACL" "$BIG" 2> "$WORK/c.txt"
grep -E "Maximum resident|Elapsed" "$WORK/c.txt"
/usr/bin/time -v "$CHK" path -q --acl "$ACL" "$BIG" 2> "$WORK/c2.txt"
grep -E "Maximum resident|Elapsed" "$WORK/c2.txt"

echo "== (d) peak RSS on one directory holding one million subdirectories"
[ -d "$WIDE" ] || python3 -c '
import os, sys
os.makedirs(sys.argv[1])
for i in range(1_000_000):
    os.mkdir(f"{sys.argv[1]}/s{i:07d}")' "$WIDE"
echo "tree: $(ls -f "$WIDE" | wc -l) entries (with . and ..)"
/usr/bin/time -v "$CHK" path -q --acl "$ACL" "$WIDE" 2> "$WORK/d.txt"
grep -E "Maximum resident|Elapsed" "$WORK/d.txt"
/usr/bin/time -v "$CHK" path -q --acl "$ACL" "$WIDE" 2> "$WORK/d2.txt"
grep -E "Maximum resident|Elapsed" "$WORK/d2.txt"

echo "== (e) no-op re-check of one million entries: chk vs getfacl -R -P"
$CHK path -q --acl "$ACL" "$BIG"
recheck() {
    echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    hyperfine --warmup 1 --runs 5 --export-markdown "$WORK/$1.md" \
        -n chk "$CHK path -q --acl $ACL $BIG" \
        -n getfacl "getfacl -R -P $BIG > /dev/null"
    echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
}
recheck e-idle
# Under load: two busy loops, one per core, stopped by their own ids.
yes > /dev/null & LOAD1=$!
yes > /dev/null & LOAD2=$!
trap 'kill $LOAD1 $LOAD2 2>/dev/null' EXIT
sleep 30
recheck e-loaded
kill $LOAD1 $LOAD2
