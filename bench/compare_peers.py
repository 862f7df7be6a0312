#!/usr/bin/env python
"""Side-by-side comparison of sigfast with NumPy, SciPy, PyTorch and JAX,
printed as a markdown table.

    python bench/compare_peers.py                         # 1e5,1e6,1e7 x 1,2 threads
    python bench/compare_peers.py --threads 1 --sizes 1e5,1e7 --json out.json
    python bench/compare_peers.py --funcs sigmoid,silu --dtypes float32 --levels avx2,baseline

Method (sigfast._bench): for each thread count a fresh worker process times
all candidates of one (function, dtype, n) interleaved, round-robin, each
sample a calibrated loop of >= 2 ms, and reports medians.  Ratios are
time(other) / time(sigfast) (> 1: sigfast is faster), medians of per-round
ratios.  Outputs are preallocated and passed with out= where supported.
Threads: sigfast.set_num_threads(t) and torch.set_num_threads(t); JAX gets
single-threaded XLA flags for t = 1 (unless XLA_FLAGS is set) and its default
otherwise; NumPy and SciPy are single-threaded.  Peers that are not
installed are left out.  Workers run with glibc malloc tuned so that
temporaries are reused (--malloc default to keep glibc's defaults, under which
NumPy's expressions may page-fault on every call; see sigfast/_bench/runner.py).
"""
import argparse
import json
import sys

from sigfast import _bench


def _csv(s):
    return [v.strip() for v in s.split(",") if v.strip()]


def markdown(records, peers, levels=()):
    cand = ["sigfast"] + [f"sigfast:{lv}" for lv in levels] + ["numpy"] + \
        [p for p in _bench.PEERS if p in peers]
    others = [c for c in cand if c != "sigfast"]
    head = ["function", "dtype", "n", "threads"] + [f"{c} Gelem/s" for c in cand] + \
        [f"x{c}" for c in others]
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---" if i < 2 else "---:" for i in range(len(head))) + "|"]
    for r in records:
        g = [f"{r['gelems'][c]:.3f}" if c in r["gelems"] else "—" for c in cand]
        x = [_bench.fmt_ratio(r["speedup"].get(c)) for c in others]
        lines.append("| " + " | ".join(
            [r["func"], r["dtype"], _bench.fmt_n(r["n"]), str(r["threads"])] + g + x)
            + " |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--funcs", default=",".join(_bench.UFUNC_NAMES + _bench.LOSS_NAMES))
    ap.add_argument("--dtypes", default="float32,float64")
    ap.add_argument("--sizes", default="1e5,1e6,1e7")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--peers", default=",".join(_bench.PEERS))
    ap.add_argument("--levels", default="",
                    help="also time these SIMD levels' kernels (sigfast._dispatch.load)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=2e-3,
                    help="seconds per sample (calibrated inner loop)")
    ap.add_argument("--malloc", choices=("tuned", "default"), default="tuned",
                    help="glibc malloc settings of the workers (see sigfast._bench.runner."
                    "TUNED_MALLOC_ENV); default: tuned")
    ap.add_argument("--json", help="write the records and metadata here")
    args = ap.parse_args(argv)

    funcs = _csv(args.funcs)
    unknown = [f for f in funcs if f not in _bench.COMPARE]
    if unknown:
        ap.error(f"unknown function(s): {', '.join(unknown)}")
    sizes = [int(float(v)) for v in _csv(args.sizes)]
    threads = [int(v) for v in _csv(args.threads)]
    wanted = _csv(args.peers)
    have = _bench.available_peers(wanted)
    levels = _csv(args.levels)

    records = _bench.measure_isolated(
        funcs, _csv(args.dtypes), sizes, threads, peers=list(have),
        levels=levels, rounds=args.rounds, min_time=args.min_time, progress=True,
        malloc=args.malloc)

    meta = _bench.metadata(wanted)
    print(f"sigfast {meta['sigfast']} ({meta['simd_level']}), numpy {meta['numpy']}, "
          + ", ".join(f"{p} {v}" for p, v in have.items())
          + f"; {meta['cpus']} CPUs; median of {args.rounds} interleaved rounds, "
          "samples >= "
          f"{args.min_time * 1e3:g} ms")
    missing = [p for p in wanted if p not in have]
    if missing:
        print(f"not installed (left out): {', '.join(missing)}")
    if "jax" in have:
        cfgs = sorted({(r["threads"], r["jax_config"]) for r in records})
        for th, cfg in cfgs:
            print(f"JAX with {th} thread(s): {cfg}, jax.jit, x64 enabled")
    print("memory: " + records[0]["malloc"] if records else "")
    print("xNAME = time(NAME) / time(sigfast): > 1 means sigfast is faster.")
    print()
    print(markdown(records, have, levels))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"meta": meta, "records": records}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
