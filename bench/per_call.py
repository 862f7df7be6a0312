#!/usr/bin/env python
"""Per-call cost at small n: sigfast's ufuncs against ``np.exp`` on the same
array (both with ``out=``), the floors of issue 20, item 2.

    python bench/per_call.py                    # sigmoid, n = 1, 100, 1000
    python bench/per_call.py --check            # exit 1 when a floor is missed
    python bench/per_call.py --sizes 1,1000,10000 --funcs sigmoid,log_sigmoid

Candidates are timed interleaved in one process (sigfast._bench.timer), 1
thread.  The table gives each median time per call, the median of the
per-round ratios time(np.exp) / time(sigfast) (>= 1: no slower than
np.exp) and the ratio of the fastest rounds (less moved by other jobs on a
shared machine).  Floors (--check, on the median ratio): >= 1.0 at every
size, except float64 at n >= 1000, where sigfast does more arithmetic than
exp: >= 0.8 (no more than 1.25x np.exp's time).

Where the fixed cost goes (valgrind --tool=callgrind on a loop of 20000
calls at n = 1, avx2 level, 2026-12-07): NumPy's ufunc machinery
(argument parsing, the loop cache, may-share-memory, the FP-error check)
is the same code, instruction for instruction, for sigfast and np.exp;
sigfast's own part is the inner loop (MXCSR saved and restored, the thread
plan: one compare below 32768 elements) and, for a partial last vector,
the kernel (a partial last vector goes through a zero-padded buffer).
Computing the last whole vector again instead, where the arrays do not
overlap, saved the buffer work at n = 100 (about +5 % per call, loaded
machine) but made GCC allocate the main loop's registers worse: +4 to 13 %
instructions per element in every kernel (bench/instruction_counts.py), so
it was not kept.  Doing it in the inner loop instead (two kernel calls: the
whole vectors, then the last whole vector) leaves the kernels alone but
costs 15-23 instructions more per call than the buffer (callgrind, avx2,
n = 100 and 1000), and its wall-clock gain could not be measured on a
shared machine: not kept either.
"""
import argparse
import sys

import numpy as np

import sigfast
from sigfast._bench.timer import time_interleaved


def floor(dtype, n):
    return 0.8 if np.dtype(dtype) == np.float64 and n >= 1000 else 1.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,100,1000")
    ap.add_argument("--funcs", default="sigmoid")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--check", action="store_true", help="exit 1 when a floor is missed")
    a = ap.parse_args()
    sigfast.set_num_threads(1)
    missed = []
    print("| function | dtype | n | sigfast ns | np.exp ns | np.exp / sigfast (median) "
          "| (fastest) | floor |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for name in a.funcs.split(","):
        f = getattr(sigfast, name)
        for dt in (np.float32, np.float64):
            for n in (int(float(s)) for s in a.sizes.split(",")):
                x = np.random.default_rng(0).standard_normal(n).astype(dt)
                o1, o2 = np.empty_like(x), np.empty_like(x)
                t = time_interleaved({"sigfast": lambda: f(x, out=o1),
                                      "exp": lambda: np.exp(x, out=o2)}, n, rounds=a.rounds)
                s, e = t.seconds["sigfast"], t.seconds["exp"]
                r = t.speedup("sigfast", "exp")
                rmin = min(t.samples["exp"]) / min(t.samples["sigfast"])
                fl = floor(dt, n)
                if r < fl:
                    missed.append(f"{name} {np.dtype(dt).name} n={n}: {r:.2f} < {fl}")
                print(f"| {name} | {np.dtype(dt).name} | {n} | {s * 1e9:.0f} | {e * 1e9:.0f} "
                      f"| {r:.2f} | {rmin:.2f} | {fl} |", flush=True)
    for m in missed:
        print("missed:", m)
    return 1 if a.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
