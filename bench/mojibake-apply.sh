#!/usr/bin/env bash
# Applying renames, mojibake-fix against convmv (issue #28 point 12): the
# same tree of 10,000 files whose names are raw ISO-8859-1 bytes (100
# directories of 100), renamed to UTF-8 by `convmv -r -f latin1 -t utf8
# --notest` and by `mojibake-fix names -r --apply` (which finds the code page
# itself, journals every rename with grouped fdatasyncs and keeps the
# directories' times). Each run starts from a fresh copy of the tree
# (hyperfine --prepare), on the same file system.
# Usage: bench/mojibake-apply.sh [WORKDIR]   (default /tmp/mojibake-apply)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/mojibake-apply}
mkdir -p "$work"
cd "$here"
cargo build --release --locked --bin mojibake-fix
bin=$here/target/release/mojibake-fix

if [ ! -d "$work/pristine" ]; then
    python3 - "$work/pristine" <<'PY'
import os, sys
root = sys.argv[1]
words = ["café", "déjà vu", "Müller", "Señor", "naïve", "Ærøskøbing", "crème brûlée", "Zoë"]
for d in range(100):
    dir = os.path.join(root.encode(), f"dossier {d:02}".encode())
    os.makedirs(dir)
    for n in range(100):
        name = f"{words[(d + n) % len(words)]} {d:02}-{n:03}.txt".encode("latin-1")
        open(os.path.join(dir, name), "w").close()
PY
fi
echo "tree: $(find "$work/pristine" -type f | wc -l) files; convmv $(dpkg-query -W -f='${Version}' convmv); load: $(uptime)"
hyperfine --warmup 1 --runs 10 --export-markdown "$work/apply.md" \
    --prepare "rm -rf $work/tree $work/j.journal && cp -a $work/pristine $work/tree" \
    -n "convmv -r -f latin1 -t utf8 --notest" "convmv -r -f latin1 -t utf8 --notest $work/tree > /dev/null 2>&1" \
    -n "mojibake-fix names -r --apply" "$bin -q names -r --apply --journal $work/j.journal $work/tree"
# Both renamed every file.
not_utf8() {
    find "$1" -print0 | python3 -c 'import sys; print(sum(1 for p in sys.stdin.buffer.read().split(b"\0") if p and p.decode("utf-8", "replace") != p.decode("utf-8", "ignore")))'
}
rm -rf "$work/tree" && cp -a "$work/pristine" "$work/tree"
convmv -r -f latin1 -t utf8 --notest "$work/tree" > /dev/null 2>&1
echo "names still not UTF-8 after convmv: $(not_utf8 "$work/tree")"
rm -rf "$work/tree" && cp -a "$work/pristine" "$work/tree"
"$bin" -q names -r --apply --journal "$work/check.journal" "$work/tree"
echo "names still not UTF-8 after mojibake-fix: $(not_utf8 "$work/tree")"
rm -rf "$work/tree" "$work/check.journal"
echo "load: $(uptime)"
cat "$work/apply.md"
