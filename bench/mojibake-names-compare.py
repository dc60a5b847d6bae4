#!/usr/bin/env python3
"""Names repaired per kind of damage: mojibake-fix, convmv and ftfy on the
names corpus of tests/mojibake/names_corpus.rs (issue #28).

    python3 tests/data/mojibake-names-gen.py CORPUS
    FTFY_PYTHON=V/bin/python python3 bench/mojibake-names-compare.py CORPUS BIN WORK

- mojibake-fix: one `names -r --json` dry run over the whole tree, no
  charset given (BIN: target/release/mojibake-fix).
- convmv 2.05: given the right charsets by hand for each kind, its best
  case: `-f ENC -t utf8` for names that are ENC bytes, `--fixdouble -f utf8
  -t CP` once per layer for UTF-8 read as CP, and for bytes of A read as B
  `-f utf8 -t B` then `-f A -t utf8`.
- ftfy 6.3.1 `fix_encoding` on each name that is UTF-8 (it takes text, not
  bytes: names that are not UTF-8 count as unrepaired).

Prints, per kind: names, repaired exactly by each tool, and the clean names
each one changed (false fixes).
"""
import base64
import json
import os
import shutil
import subprocess
import sys

corpus, binary, work = sys.argv[1:4]
ftfy_python = os.environ.get("FTFY_PYTHON")

# convmv's charset names (Perl's Encode).
PERL = {
    "latin1": "iso-8859-1", "cp1252": "cp1252", "iso8859-15": "iso-8859-15",
    "cp437": "cp437", "cp850": "cp850", "cp852": "cp852", "cp866": "cp866",
    "macroman": "MacRoman", "cp1250": "cp1250", "iso8859-2": "iso-8859-2",
    "cp1251": "cp1251", "koi8-r": "koi8-r", "koi8-u": "koi8-u",
    "iso8859-5": "iso-8859-5", "iso8859-7": "iso-8859-7", "cp1253": "cp1253",
    "cp1254": "cp1254", "shift_jis": "shiftjis", "euc-jp": "euc-jp",
    "gbk": "gbk", "big5": "big5", "euc-kr": "euc-kr",
}


def unescape(field):
    out, i = [], 0
    while i < len(field):
        if field[i] != "\\":
            out.append(field[i])
            i += 1
        elif field[i + 1] == "u":
            end = field.index("}", i)
            out.append(chr(int(field[i + 3:end], 16)))
            i = end + 1
        else:
            out.append({"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}[field[i + 1]])
            i += 2
    return "".join(out)


def rows(name):
    lines = open(os.path.join(corpus, name), encoding="utf-8").read().split("\n")
    header = lines[0].split("\t")
    return [dict(zip(header, map(unescape, line.split("\t")))) for line in lines[1:] if line]


def tree(root, entries):
    """entries: (dir, name bytes) -> the files made, by path."""
    shutil.rmtree(root, ignore_errors=True)
    made = {}
    for directory, name in entries:
        path = os.path.join(root.encode(), directory.encode(), name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if path not in made:
            open(path, "w").close()
            made[path] = directory
    return made


def convmv(args, root):
    subprocess.run(["convmv", "-r", "--notest", *args, root],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def convmv_steps(kind):
    """The charset arguments convmv needs for one kind, by hand."""
    if kind.startswith("raw:"):
        return [["-f", PERL[kind[4:]], "-t", "utf8"]]
    layers = kind.split(">")
    if layers[0] == "utf8":
        return [["--fixdouble", "-f", "utf8", "-t", PERL[cp]] for cp in reversed(layers[1:])]
    if layers[0] == "nfd":
        return [["--fixdouble", "-f", "utf8", "-t", "MacRoman"]]
    really, read_as = layers
    return [["-f", "utf8", "-t", PERL[read_as]], ["-f", PERL[really], "-t", "utf8"]]


def names_in(root):
    out = {}
    for directory in os.listdir(root.encode()):
        out[directory.decode()] = set(os.listdir(os.path.join(root.encode(), directory)))
    return out


damaged = rows("names-damaged.tsv")
clean = rows("names-clean.tsv")
kinds = sorted({r["kind"] for r in damaged})
expected = {}  # kind -> [(group, original bytes)]
for r in damaged:
    expected.setdefault(r["kind"], []).append((r["group"], r["original"].encode(), bytes.fromhex(r["damaged_hex"])))

# mojibake-fix: one dry run over everything.
root = os.path.join(work, "all")
tree(root, [(g, d) for k in kinds for g, _, d in expected[k]])
out = subprocess.run([binary, "-q", "names", "-r", "--json", root], capture_output=True, text=True)
new_of = {}
# (Not splitlines: a name may hold U+0085 or U+2028, which JSON leaves raw.)
for line in filter(None, out.stdout.split("\n")):
    record = json.loads(line)
    if record.get("status") not in ("would-rename",):
        continue
    path = base64.b64decode(record["path_base64"]) if "path_base64" in record else record["path"].encode()
    new_of[path] = os.path.basename(record["new"].encode())
mojibake = {}
for kind in kinds:
    ok = 0
    for group, original, bad in expected[kind]:
        path = os.path.join(root.encode(), group.encode(), bad)
        ok += new_of.get(path) == original
    mojibake[kind] = ok

# convmv: per kind, its charsets by hand.
converted = {}
for kind in kinds:
    root = os.path.join(work, "convmv")
    tree(root, [(g, d) for g, _, d in expected[kind]])
    for args in convmv_steps(kind):
        convmv(args, root)
    now = names_in(root)
    converted[kind] = sum(original in now.get(group, set()) for group, original, _ in expected[kind])

# ftfy: fix_encoding on each UTF-8 name.
fixed = {kind: 0 for kind in kinds}
ftfy_false = None
if ftfy_python:
    script = ("import sys, json, ftfy\n"
              "for line in sys.stdin:\n"
              "    print(json.dumps(ftfy.fix_encoding(json.loads(line))))\n")
    inputs, owners = [], []
    for kind in kinds:
        for _, original, bad in expected[kind]:
            try:
                text = bad.decode("utf-8")
            except UnicodeDecodeError:
                continue
            inputs.append(text)
            owners.append((kind, original.decode()))
    clean_names = [r["name"] for r in clean]
    run = subprocess.run([ftfy_python, "-c", script], input="\n".join(json.dumps(t) for t in inputs + clean_names) + "\n",
                         capture_output=True, text=True)
    results = [json.loads(l) for l in run.stdout.split("\n") if l]
    for (kind, original), result in zip(owners, results[:len(inputs)]):
        fixed[kind] += result == original
    ftfy_false = sum(a != b for a, b in zip(clean_names, results[len(inputs):]))

# False fixes of mojibake-fix and convmv on the clean names (convmv with
# --fixdouble -f utf8 -t cp1252, the usual invocation).
root = os.path.join(work, "clean")
made = tree(root, [(f"{r['script']}-{i // 8}", r["name"].encode()) for i, r in enumerate(clean)])
out = subprocess.run([binary, "-q", "names", "-r", "--json", root], capture_output=True, text=True)
mojibake_false = sum(1 for l in out.stdout.split("\n") if l and json.loads(l).get("status"))
before = names_in(root)
convmv(["--fixdouble", "-f", "utf8", "-t", "cp1252"], root)
convmv_false = sum(len(before[d] - names) for d, names in names_in(root).items())

print(f"{'kind':>20} {'names':>6} {'mojibake-fix':>13} {'convmv (by hand)':>17} {'ftfy':>6}")
totals = [0, 0, 0, 0]
for kind in kinds:
    n = len(expected[kind])
    row = [n, mojibake[kind], converted[kind], fixed[kind]]
    totals = [a + b for a, b in zip(totals, row)]
    print(f"{kind:>20} {n:6} {row[1]:13} {row[2]:17} {row[3]:6}")
print(f"{'all':>20} {totals[0]:6} {totals[1]:13} {totals[2]:17} {totals[3]:6}")
print(f"clean names: {len(clean)}; changed by mojibake-fix: {mojibake_false}, "
      f"by convmv --fixdouble -t cp1252: {convmv_false}, by ftfy: {ftfy_false}")
