#!/usr/bin/env bash
# Benchmarks `chk path` against setfacl/getfacl on a generated tree shaped
# like the Linux kernel source (84,000 files in 6,000 directories), and
# measures peak memory on a tree of one million entries. Run as root from
# the repository root:  bash bench/chk.sh   (BENCH_DIR to choose where).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bin chk
CHK=$PWD/target/release/chk
WORK=${BENCH_DIR:-/tmp/chk-bench}
TREE=$WORK/kernel
BIG=$WORK/million
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
