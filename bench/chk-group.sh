#!/bin/bash
# Benchmark of `chk group` (Licorn's group model) against the shell commands
# an admin would otherwise run to give a freshly untarred shared directory
# the same owner group, ACLs and default ACLs, and against `getfacl -R` for
# a check of an already compliant tree.
#
# Usage (as root): bench/chk-group.sh [ENTRIES]   (default 30000)
# Needs hyperfine, acl, a release build (cargo build --release).
set -euo pipefail
entries=${1:-30000}
root=$(cd "$(dirname "$0")/.." && pwd)
chk=$root/target/release/chk
[ -x "$chk" ] || { echo "build first: cargo build --release" >&2; exit 2; }

work=$(mktemp -d)
g=bench$$
created=()
cleanup() {
    for grp in "${created[@]}"; do groupdel "$grp" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
for grp in acl admins "$g" "rsp-$g" "gst-$g"; do
    if ! getent group "$grp" >/dev/null; then groupadd "$grp"; created+=("$grp"); fi
done

mkdir -p "$work/groups" "$work/check.d" "$work/src"
printf 'groups_root = "%s/groups"\nrules_dir = "%s/check.d"\n' "$work" "$work" >"$work/chk.conf"
# A tree of $entries entries: 10 files per directory, 3 levels.
python3 - "$work/src" "$entries" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
made = 0
d = 0
while made < n:
    path = os.path.join(root, f"d{d // 100}", f"e{d % 100}")
    os.makedirs(path, exist_ok=True); made += 1
    for f in range(10):
        open(os.path.join(path, f"f{f}.txt"), "w").close(); made += 1
    d += 1
PY
tar -C "$work/src" -cf "$work/tree.tar" .
shared=$work/groups/$g
fresh="rm -rf $shared && mkdir $shared && tar -C $shared -xf $work/tree.tar"

dir_acl="u::rwx,g::---,o::---,g:admins:rwx,g:gst-$g:r-x,g:rsp-$g:rwx,g:$g:r-x,m::rwx"
file_acl="u::rw-,g::---,o::---,g:admins:rw-,g:gst-$g:r--,g:rsp-$g:rw-,g:$g:r--,m::rw-"
by_hand="chgrp -R acl $shared && find $shared -type d -exec setfacl --set $dir_acl -d --set $dir_acl {} + && find $shared -type f -exec setfacl --set $file_acl {} +"

echo "== fresh repair of $entries entries (2 cores)"
hyperfine --warmup 1 --runs 5 --prepare "$fresh" \
    -n "chk group" "$chk group $g --config $work/chk.conf -q" \
    -n "chgrp + setfacl" "$by_hand"

echo "== no-op check of the repaired tree"
$chk group "$g" --config "$work/chk.conf" -q
hyperfine --warmup 1 --runs 10 \
    -n "chk group --dry-run" "$chk group $g --config $work/chk.conf -q --dry-run" \
    -n "getfacl -R -P" "getfacl -R -P $shared >/dev/null"
