#!/usr/bin/env python3
"""Deterministic benchmark inputs for bench/mojibake.sh.

gen.py text OUT SIZE_MB DAMAGED_PERCENT   multilingual lines, some damaged
gen.py tree DIR FILES                     a tree, 10% damaged names (a quarter double)
"""
import os, random, sys

SENTENCES = [
    "The quick brown fox jumps over the lazy dog, again and again.",
    "Le cœur a ses raisons que la raison ne connaît point — Pascal.",
    "Raison D'être: une recette de crème brûlée à la française.",
    "Größere Änderungen an der Übersicht für Jürgen und Björn.",
    "El niño comió piña en la mañana del miércoles, señor.",
    "Ελληνικά: η γρήγορη καφέ αλεπού πηδάει πάνω από τον σκύλο.",
    "Русский текст: съешь же ещё этих мягких французских булок.",
    "日本語のテキストも混ざっています。東京の天気は晴れです。",
    "Plain ASCII log line: GET /index.html 200 1532 0.004s",
    "Naïve café owners in Zürich charge 4.50 € for an espresso.",
    "Smørrebrød og rødgrød med fløde på en søndag i Århus.",
    "Čeština a slovenčina mají háčky: ř, š, č, ž, ě, ů.",
]

def sloppy_1252(b):
    out = []
    for byte in b:
        try:
            out.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(byte))
    return "".join(out)

def damage(s, rng):
    kind = rng.randrange(4)
    if kind == 0:
        return sloppy_1252(s.encode())
    if kind == 1:
        return s.encode().decode("mac_roman")
    if kind == 2:
        return sloppy_1252(sloppy_1252(s.encode()).encode())
    return s.encode().decode("mac_roman").encode().decode("mac_roman")

def text(out, size_mb, percent):
    rng = random.Random(42)
    target = size_mb * 1_000_000
    written = 0
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        while written < target:
            line = rng.choice(SENTENCES)
            if rng.randrange(100) < percent and not line.isascii():
                line = damage(line, rng)
            data = line + "\n"
            f.write(data)
            written += len(data.encode())

WORDS = ["café", "résumé", "Straße", "Ångström", "naïve", "über", "niño", "photo",
         "report", "backup", "señal", "crème", "Zürich", "data", "notes", "ελληνικά"]

def tree(root, files):
    rng = random.Random(7)
    os.makedirs(root, exist_ok=True)
    dirs = [root]
    for i in range(files // 50):
        d = os.path.join(rng.choice(dirs), f"dir{i} {rng.choice(WORDS)}")
        os.makedirs(d, exist_ok=True)
        dirs.append(d)
    for i in range(files):
        name = f"{rng.choice(WORDS)} {i} {rng.choice(WORDS)}.txt"
        r = rng.randrange(40)
        if r < 3:
            name = sloppy_1252(name.encode())
        elif r == 3:
            name = sloppy_1252(sloppy_1252(name.encode()).encode())
        open(os.path.join(rng.choice(dirs), name), "w").close()

if __name__ == "__main__":
    if sys.argv[1] == "text":
        text(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        tree(sys.argv[2], int(sys.argv[3]))
