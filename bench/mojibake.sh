#!/usr/bin/env bash
# Benchmark of mojibake-fix against the real alternatives (spec: mojibake-fix.md):
#  - text mode on 100 MB (clean, and with 20% damaged lines) vs ftfy's
#    fix_encoding line by line (ftfy from PyPI in a venv; on a 10 MB prefix,
#    since it runs at about 1 MB/s);
#  - a 20,000-file tree with 10% damaged names (a quarter double-encoded):
#    `names -r` dry run vs `convmv -r --fixdouble -f utf8 -t cp1252` and
#    `-t MacRoman` (convmv needs a run per charset and per layer).
# Usage: bench/mojibake.sh [WORKDIR]   (default /tmp/mojibake-bench)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/mojibake-bench}
mkdir -p "$work"
cd "$here"
cargo build --release --bin mojibake-fix
bin=$here/target/release/mojibake-fix
gen=$here/bench/mojibake-gen.py

[ -f "$work/clean.txt" ] || python3 "$gen" text "$work/clean.txt" 100 0
[ -f "$work/dirty.txt" ] || python3 "$gen" text "$work/dirty.txt" 100 20
head -c 10000000 "$work/dirty.txt" > "$work/dirty-10M.txt"
head -c 10000000 "$work/clean.txt" > "$work/clean-10M.txt"
[ -d "$work/tree" ] || python3 "$gen" tree "$work/tree" 20000

if [ ! -x "$work/venv/bin/python" ]; then
    python3 -m venv "$work/venv"
    "$work/venv/bin/pip" install -q ftfy
fi
cat > "$work/ftfy-lines.py" <<'PY'
import sys, ftfy
out = sys.stdout
for line in sys.stdin:
    out.write(ftfy.fix_encoding(line))
PY
echo "ftfy $("$work/venv/bin/python" -c 'import ftfy; print(ftfy.__version__)'), convmv $(dpkg-query -W -f='${Version}' convmv 2>/dev/null || echo '?')"
echo "load: $(uptime)"

hyperfine --warmup 1 --runs 5 --export-markdown "$work/text.md" \
    -n "mojibake-fix text, 100 MB clean" "$bin text $work/clean.txt > /dev/null" \
    -n "mojibake-fix text, 100 MB 20% damaged" "$bin text $work/dirty.txt > /dev/null" \
    -n "mojibake-fix text, 100 MB 20% damaged, 1 thread" "RAYON_NUM_THREADS=1 $bin text $work/dirty.txt > /dev/null"
hyperfine --runs 1 --export-markdown "$work/ftfy.md" \
    -n "ftfy fix_encoding per line, 10 MB clean" "$work/venv/bin/python $work/ftfy-lines.py < $work/clean-10M.txt > /dev/null" \
    -n "ftfy fix_encoding per line, 10 MB 20% damaged" "$work/venv/bin/python $work/ftfy-lines.py < $work/dirty-10M.txt > /dev/null"

# Same answer? Lines where the two disagree on the 10 MB damaged sample.
"$bin" text "$work/dirty-10M.txt" > "$work/ours.txt"
"$work/venv/bin/python" "$work/ftfy-lines.py" < "$work/dirty-10M.txt" > "$work/ftfy.txt"
echo "lines differing from ftfy on the 10 MB damaged sample: $(diff "$work/ours.txt" "$work/ftfy.txt" | grep -c '^<' || true)"
# Peak memory on 100 MB (constant: batches, not the file).
/usr/bin/time -f "peak RSS of text on 100 MB: %M KB" "$bin" text "$work/dirty.txt" > /dev/null

echo "tree: $(find "$work/tree" | wc -l) entries, damaged: $("$bin" -q names -r "$work/tree" >/dev/null; "$bin" names -r "$work/tree" 2>/dev/null | wc -l)"
hyperfine --warmup 1 --runs 5 -i --export-markdown "$work/tree.md" \
    -n "mojibake-fix names -r (dry run, all layers and charsets)" "$bin names -r $work/tree > /dev/null 2>&1" \
    -n "convmv -r --fixdouble -t cp1252 (one layer)" "convmv -r --fixdouble -f utf8 -t cp1252 $work/tree > /dev/null 2>&1" \
    -n "convmv -r --fixdouble -t MacRoman (one layer)" "convmv -r --fixdouble -f utf8 -t MacRoman $work/tree > /dev/null 2>&1"
cat "$work/text.md" "$work/ftfy.md" "$work/tree.md"
