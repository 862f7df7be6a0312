#!/usr/bin/env python
"""Per-call cost at small n: sigfast's ufuncs against ``np.exp`` on the same
array (both with ``out=``), the floor of issue 11 ("no slower than np.exp at
n = 1000").

    python bench/per_call.py
    python bench/per_call.py --sizes 1,1000,10000 --funcs sigmoid,log_sigmoid

Candidates are timed interleaved in one process (sigfast._bench.timer), 1
thread; the table gives each median time per call and the ratio
time(np.exp) / time(sigfast) (>= 1: no slower than np.exp).
"""
import argparse

import numpy as np

import sigfast
from sigfast._bench.timer import time_interleaved


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,1000")
    ap.add_argument("--funcs", default="sigmoid,log_sigmoid,silu")
    ap.add_argument("--rounds", type=int, default=9)
    a = ap.parse_args()
    sigfast.set_num_threads(1)
    print("| function | dtype | n | sigfast ns | np.exp ns | np.exp / sigfast |")
    print("|---|---|---:|---:|---:|---:|")
    for name in a.funcs.split(","):
        f = getattr(sigfast, name)
        for dt in (np.float32, np.float64):
            for n in (int(float(s)) for s in a.sizes.split(",")):
                x = np.random.default_rng(0).standard_normal(n).astype(dt)
                o1, o2 = np.empty_like(x), np.empty_like(x)
                t = time_interleaved({"sigfast": lambda: f(x, out=o1),
                                      "exp": lambda: np.exp(x, out=o2)}, n, rounds=a.rounds)
                s, e = t.seconds["sigfast"], t.seconds["exp"]
                print(f"| {name} | {np.dtype(dt).name} | {n} | {s * 1e9:.0f} | {e * 1e9:.0f} "
                      f"| {t.speedup('sigfast', 'exp'):.2f} |", flush=True)


if __name__ == "__main__":
    main()
