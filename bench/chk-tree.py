#!/usr/bin/env python3
"""Generates a tree shaped like the Linux kernel source: DIRS directories
(fan-out and depth like the kernel's, mostly 3-6 levels) and FILES files
(about 10% executable), deterministic for a given seed.

usage: chk-tree.py ROOT [FILES] [DIRS]"""
import os
import random
import sys

root = sys.argv[1]
files = int(sys.argv[2]) if len(sys.argv) > 2 else 84_000
dirs = int(sys.argv[3]) if len(sys.argv) > 3 else 6_000
rng = random.Random(1991)

os.makedirs(root, exist_ok=True)
all_dirs = [(root, 0)]
top = ["arch", "drivers", "fs", "net", "include", "kernel", "tools", "sound", "Documentation", "lib", "mm"]
for name in top:
    path = os.path.join(root, name)
    os.makedirs(path, exist_ok=True)
    all_dirs.append((path, 1))
while len(all_dirs) < dirs:
    # Prefer parents at depth 1-4: a bushy tree of moderate depth.
    parent, depth = rng.choice(all_dirs)
    if depth > 6 and rng.random() < 0.8:
        continue
    path = os.path.join(parent, f"d{len(all_dirs)}")
    os.mkdir(path)
    all_dirs.append((path, depth + 1))
for i in range(files):
    parent, _ = rng.choice(all_dirs)
    path = os.path.join(parent, f"file{i}.{rng.choice('chSc')}")
    with open(path, "wb") as f:
        f.write(b"x")
    os.chmod(path, 0o755 if rng.random() < 0.1 else 0o644)
