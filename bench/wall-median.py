#!/usr/bin/env python3
"""Wall time of short commands, robust to a noisy machine.

Runs the commands interleaved (one run of each, ROUNDS times, after 20 warm-up
rounds) so that a slow spell of the machine hits them all alike, and prints
each one's median and first quartile, and its median minus the first
command's. A command may start with VAR=value words, set for it alone.

    nice -n -10 bench/wall-median.py 2000 'perl -e1' 'perlenv run ENV -- perl -e1'
"""
import os
import re
import shlex
import statistics
import sys
import time

rounds = int(sys.argv[1])
commands, environments = [], []
for text in sys.argv[2:]:
    words, env = shlex.split(text), dict(os.environ)
    while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    commands.append(words)
    environments.append(env)

to_devnull = [(os.POSIX_SPAWN_DUP2, os.open(os.devnull, os.O_WRONLY), 1)]


def run(words, env):
    start = time.perf_counter_ns()
    pid = os.posix_spawnp(words[0], words, env, file_actions=to_devnull)
    os.waitpid(pid, 0)
    return (time.perf_counter_ns() - start) / 1e6


for _ in range(20):
    for words, env in zip(commands, environments):
        run(words, env)
times = [[] for _ in commands]
for _ in range(rounds):
    for i, (words, env) in enumerate(zip(commands, environments)):
        times[i].append(run(words, env))
base = statistics.median(times[0])
for text, t in zip(sys.argv[2:], times):
    t.sort()
    median = statistics.median(t)
    print(f"{median:7.3f} ms median  q1 {t[len(t) // 4]:.3f}  ({median - base:+.3f})  {text}")
