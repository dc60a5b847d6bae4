#!/usr/bin/env python3
"""ftfy's score on the corpora of tests/mojibake/corpus.rs, for comparison.

    python3 -m venv V && V/bin/pip install ftfy
    V/bin/python bench/mojibake-corpus-ftfy.py

Prints the same counts the Rust test prints: false fixes on the clean corpus,
and damaged lines repaired / unchanged / wrong.
"""
import os
import sys
import ftfy

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data")


def unescape(field):
    out, i = [], 0
    while i < len(field):
        c = field[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        n = field[i + 1]
        if n == "u":
            end = field.index("}", i)
            out.append(chr(int(field[i + 3:end], 16)))
            i = end + 1
            continue
        out.append({"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}[n])
        i += 2
    return "".join(out)


def rows(name):
    with open(os.path.join(here, name), encoding="utf-8", newline="\n") as f:
        lines = f.read().split("\n")
    header = lines[0].split("\t")
    for line in lines[1:]:
        if line:
            yield dict(zip(header, map(unescape, line.split("\t"))))


def main():
    clean = list(rows("mojibake-clean.tsv"))
    false_fixes = [r for r in clean if ftfy.fix_encoding(r["text"]) != r["text"]]
    for r in false_fixes:
        print(f"FALSE FIX {r['lang']}: {r['text']!r} -> {ftfy.fix_encoding(r['text'])!r}", file=sys.stderr)
    repaired = unchanged = wrong = 0
    for r in rows("mojibake-damaged.tsv"):
        got = ftfy.fix_encoding(r["damaged"])
        if got == r["original"]:
            repaired += 1
        elif got == r["damaged"]:
            unchanged += 1
        else:
            wrong += 1
    total = repaired + unchanged + wrong
    print(f"ftfy {ftfy.__version__}: clean corpus {len(clean)} lines, {len(false_fixes)} false fixes")
    print(f"ftfy {ftfy.__version__}: damage corpus {repaired}/{total} repaired, {unchanged} unchanged, {wrong} wrong")


if __name__ == "__main__":
    main()
