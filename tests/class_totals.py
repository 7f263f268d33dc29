#!/usr/bin/env python3
"""class_totals.py EXPECTED.json ROWS.jsonl [--classes N] [--indent S]

Compares per-class totals stored by a collector (`query` lines) with a
generator's known totals (gencap/benchcap -e JSON, "classes" list): bytes
and packets up and down must be equal for every class, no class may be
missing or extra, and (with --classes) exactly N classes are expected.
Prints one summary line and up to five differing classes; exits 1 on any
difference, on an empty expectation, or on a wrong class count."""
import json
import sys

args = sys.argv[1:]
want_n = None
indent = "  "
if "--classes" in args:
    i = args.index("--classes")
    want_n = int(args[i + 1])
    del args[i:i + 2]
if "--indent" in args:
    i = args.index("--indent")
    indent = args[i + 1]
    del args[i:i + 2]
if len(args) != 2:
    sys.exit(__doc__)
keys = ("bytes_up", "bytes_down", "pkts_up", "pkts_down")
exp = {c["class"]: tuple(c[k] for k in keys)
       for c in json.load(open(args[0]))["classes"]}
got = {}
for line in open(args[1], encoding="utf-8"):
    r = json.loads(line)
    t = got.setdefault(r["class"], [0, 0, 0, 0])
    for i, k in enumerate(keys):
        t[i] += r[k]
got = {k: tuple(v) for k, v in got.items()}
bad = sorted(k for k in set(exp) | set(got) if got.get(k) != exp.get(k))
print("%sstored: %d classes; generator: %d; differing or extra: %d"
      % (indent, len(got), len(exp), len(bad)))
for k in bad[:5]:
    print("%s%s: generator %s, collector %s"
          % (indent, k, exp.get(k), got.get(k)))
sys.exit(1 if bad or not exp or (want_n is not None and len(exp) != want_n)
         else 0)
