#!/usr/bin/env bash
# Benchmarks chk on the 63,000-entry tree of issues #26/#27 (3,000
# directories x 20 files, plus 30 parents) against the tools admins use:
#   (a) repair, access + default ACL on every entry: chk path --acl vs
#       setfacl -R --set + setfacl -R -d --set
#   (b) no-op re-check: chk path --acl vs getfacl -R -P
#   (c) an A+ line: chk tmpfiles vs systemd-tmpfiles --create (and setfacl
#       -R -m of the same entries)
#   (d) setfacl's edit: chk path -m vs setfacl -R -m
#   (e) peak RSS of each chk run (/usr/bin/time -v)
# Run as root from the repository root, on an idle machine (hold the
# exclusive lock others' builds and tests share):
#   flock -x /tmp/adminkit-cpu.lock bash bench/chk-edits.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --bin chk
CHK=$PWD/target/release/chk
WORK=${BENCH_DIR:-/tmp/chk-edits-bench}
ROOT=$WORK/root
TREE=$ROOT/tree
ACL='u::rwx,g::r-x,o::---,g:users:rwx,m::rwx'
ENTRIES='u:1234:rwx,g:55:r-x'
mkdir -p "$WORK"
if [ ! -d "$TREE" ]; then
    python3 - "$TREE" <<'PY'
import os, sys
root = sys.argv[1]
for i in range(3000):
    d = os.path.join(root, f"d{i // 100}", f"e{i % 100}")
    os.makedirs(d)
    for f in range(20):
        open(os.path.join(d, f"f{f}"), "w").close()
PY
fi
echo "tree: $(find "$TREE" | wc -l) entries; load: $(cut -d' ' -f1-3 /proc/loadavg)"
# Back to plain modes without any ACL: where each repair starts from.
RESET="setfacl -R -b $TREE && chmod -R u=rwX,go=rX $TREE"
echo "A+ /tree - - - - $ENTRIES" > "$WORK/a-plus.conf"

echo "== (a) repair: access + default ACL on every entry"
hyperfine --warmup 1 --runs 10 --export-markdown "$WORK/a.md" --prepare "$RESET" \
    -n chk "$CHK path -q --acl $ACL $TREE" \
    -n setfacl "setfacl -R --set $ACL $TREE && setfacl -R -d --set $ACL $TREE"

echo "== (b) no-op re-check"
$CHK path -q --acl "$ACL" "$TREE"
hyperfine --warmup 1 --runs 10 --export-markdown "$WORK/b.md" \
    -n chk "$CHK path -q --acl $ACL $TREE" \
    -n getfacl "getfacl -R -P $TREE > /dev/null"

echo "== (c) an A+ line over the tree (systemd-tmpfiles takes tens of seconds: 3 runs)"
hyperfine --runs 3 --export-markdown "$WORK/c.md" --prepare "$RESET" \
    -n "chk tmpfiles" "$CHK tmpfiles -q --root $ROOT $WORK/a-plus.conf" \
    -n "systemd-tmpfiles" "systemd-tmpfiles --create --root=$ROOT $WORK/a-plus.conf" \
    -n "setfacl -R -m" "setfacl -R -m $ENTRIES $TREE"

echo "== (d) setfacl's edit"
hyperfine --warmup 1 --runs 10 --export-markdown "$WORK/d.md" --prepare "$RESET" \
    -n "chk path -m" "$CHK path -q -m $ENTRIES $TREE" \
    -n "setfacl -R -m" "setfacl -R -m $ENTRIES $TREE"

echo "== (e) peak RSS"
for run in "path -q --acl $ACL $TREE" "tmpfiles -q --root $ROOT $WORK/a-plus.conf" "path -q -m $ENTRIES $TREE"; do
    bash -c "$RESET"
    /usr/bin/time -f "%M KiB max RSS, %e s: chk $run" "$CHK" $run
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
