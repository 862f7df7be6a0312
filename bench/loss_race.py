#!/usr/bin/env python
"""The fused BCE-with-logits loss against jax.jit and PyTorch, run fairly
(issue 21, item 3): one process per candidate and measurement.

    python bench/loss_race.py              # measure, check the floors (exit 1 below one)
    python bench/loss_race.py --quick      # 1e5 only, mean only (a smoke run, ~1 min)
    python bench/check_ratios.py --race    # the same rows inside the ratio check

What runs: mean and sum of ``binary_cross_entropy_with_logits`` at n = 1e5
and 1e7, float32 and float64; sigfast's public call, a ``jax.jit`` of the
same formula (max(z, 0) - z y + log1p(exp(-|z|)), reduced) on arrays
already on the device, and ``torch.nn.functional.binary_cross_entropy_with_logits``.
Each timing is a fresh Python process that times only its own candidate,
so no library's thread pool slows another's: the median of 7 blocks of
calls (each block >= 20 ms, after a warm-up).

Settings:
  1cpu     every process pinned to the same CPU (os.sched_setaffinity before
           any library loads: JAX 0.10 ignores its single-thread flags, so
           pinning is what makes it single-threaded); sigfast then runs 1
           thread, torch.set_num_threads(1).
  default  every library at its default thread count, no pinning.
Rounds: 3, alternating (sigfast, jax, torch, sigfast, ...); a ratio is
time(other) / time(sigfast) within a round, and the median of the 3 rounds
is reported.  Threads: sigfast at 2 threads against 1 thread (default
setting) at 1e7 float32, mean, with the same rounds.

Floors (issue 21): jax >= 1.3 in both settings; torch >= 2 at 1e5 and >= 5
at 1e7 (1cpu); 2 threads >= 1.8x one thread.  They sit in bench/floors.json
under keys ``race:<reduction>:<setting>/<dtype>/<n>/<other>`` (and
``race:mean:threads/float32/10000000/threads1``), the form
bench/check_ratios.py reads.  A candidate that is not installed (JAX is
optional) is skipped with a note.  Wall-clock figures: on a shared, loaded
machine they are labelled as such and re-measured in a quiet window.
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
FLOORS = HERE / "floors.json"
SIZES = (100_000, 10_000_000)
DTYPES = ("float32", "float64")
REDUCTIONS = ("mean", "sum")
SETTINGS = ("1cpu", "default")
OTHERS = ("jax", "torch")
ROUNDS = 3
#: The issue's floors, written to floors.json by --write-floors.
TORCH_FLOOR = {100_000: 2.0, 10_000_000: 5.0}
JAX_FLOOR = 1.3
THREADS_FLOOR = 1.8


def key(red, setting, dtype, n, other):
    return f"race:{red}:{setting}/{dtype}/{n}/{other}"


def issue_floors():
    out = {}
    for red in REDUCTIONS:
        for dt in DTYPES:
            for n in SIZES:
                for st in SETTINGS:
                    out[key(red, st, dt, n, "jax")] = JAX_FLOOR
                out[key(red, "1cpu", dt, n, "torch")] = TORCH_FLOOR[n]
    out[key("mean", "threads", "float32", 10_000_000, "threads1")] = THREADS_FLOOR
    return out


# ---------------------------------------------------------------------------
# The worker: one candidate, one configuration, one process
# ---------------------------------------------------------------------------

def worker(cand, dtype, n, red, setting, threads):
    if setting == "1cpu" and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    import numpy as np
    rng = np.random.default_rng(12)
    z = (rng.standard_normal(n) * 4).astype(dtype)
    y = (rng.random(n) < 0.3).astype(dtype)
    if cand == "sigfast":
        import sigfast
        if threads:
            sigfast.set_num_threads(threads)
        f = sigfast.binary_cross_entropy_with_logits

        def call():
            return f(z, y, reduction=red)
    elif cand == "torch":
        import torch
        if setting == "1cpu":
            torch.set_num_threads(1)
        zt, yt = torch.from_numpy(z), torch.from_numpy(y)
        F = torch.nn.functional.binary_cross_entropy_with_logits

        def call():
            return F(zt, yt, reduction=red)
    else:
        import jax
        if dtype == "float64":
            jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        reduce = jnp.mean if red == "mean" else jnp.sum
        f = jax.jit(lambda a, b: reduce(jnp.maximum(a, 0) - a * b
                                        + jnp.log1p(jnp.exp(-jnp.abs(a)))))
        za, ya = jax.device_put(z), jax.device_put(y)

        def call():
            return f(za, ya).block_until_ready()
    call()
    k, t = 1, 0.0
    while True:                     # calls per block: a block of >= 20 ms
        t0 = time.perf_counter()
        for _ in range(k):
            call()
        t = time.perf_counter() - t0
        if t >= 0.02:
            break
        k *= 2 if t < 0.01 else 1 + int(0.02 / max(t, 1e-9))
    blocks = []
    for _ in range(7):
        t0 = time.perf_counter()
        for _ in range(k):
            call()
        blocks.append((time.perf_counter() - t0) / k)
    print(json.dumps({"seconds": statistics.median(blocks)}))


def available(cand):
    import importlib.util
    return cand == "sigfast" or importlib.util.find_spec(cand) is not None


def timed(cand, dtype, n, red, setting, threads=0):
    out = subprocess.run(
        [sys.executable, __file__, "--worker", cand, dtype, str(n), red, setting, str(threads)],
        capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["seconds"]


def measure(quick=False, rounds=ROUNDS, progress=print):
    """{key: median ratio over the rounds}, and {key: (other s, sigfast s)} medians."""
    others = [o for o in OTHERS if available(o)]
    for o in OTHERS:
        if o not in others:
            progress(f"note: {o} not installed: its rows are skipped")
    sizes = SIZES[:1] if quick else SIZES
    reds = REDUCTIONS[:1] if quick else REDUCTIONS
    ratios, times = {}, {}
    for st in SETTINGS:
        for red in reds:
            for dt in DTYPES:
                for n in sizes:
                    per = {o: [] for o in others}
                    ts = {o: [] for o in ["sigfast", *others]}
                    for _ in range(rounds):
                        got = {c: timed(c, dt, n, red, st) for c in ["sigfast", *others]}
                        for c, v in got.items():
                            ts[c].append(v)
                        for o in others:
                            per[o].append(got[o] / got["sigfast"])
                    for o in others:
                        k = key(red, st, dt, n, o)
                        ratios[k] = statistics.median(per[o])
                        times[k] = (statistics.median(ts[o]), statistics.median(ts["sigfast"]))
                        progress(f"  {k}: {ratios[k]:.2f}x ({times[k][0] * 1e3:.3f} / "
                                 f"{times[k][1] * 1e3:.3f} ms)")
    if not quick:
        per, t1s, t2s = [], [], []
        for _ in range(rounds):
            t1 = timed("sigfast", "float32", 10_000_000, "mean", "default", 1)
            t2 = timed("sigfast", "float32", 10_000_000, "mean", "default", 2)
            per.append(t1 / t2)
            t1s.append(t1)
            t2s.append(t2)
        k = key("mean", "threads", "float32", 10_000_000, "threads1")
        ratios[k] = statistics.median(per)
        times[k] = (statistics.median(t1s), statistics.median(t2s))
        progress(f"  {k}: {ratios[k]:.2f}x")
    return ratios, times


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--worker", nargs=6, metavar=("CAND", "DTYPE", "N", "RED", "SETTING", "T"))
    ap.add_argument("--quick", action="store_true", help="1e5, mean only; no thread rows")
    ap.add_argument("--rounds", type=int, default=ROUNDS)
    ap.add_argument("--floors", type=pathlib.Path, default=FLOORS)
    ap.add_argument("--write-floors", action="store_true",
                    help="add the issue's floors (race:* keys) to the floors file and exit")
    ap.add_argument("--json", type=pathlib.Path, help="write the measurements here")
    args = ap.parse_args(argv)
    if args.worker:
        c, dt, n, red, st, th = args.worker
        worker(c, dt, int(n), red, st, int(th))
        return 0
    data = json.loads(args.floors.read_text())
    if args.write_floors:
        data["floors"] = dict(sorted({**data["floors"], **issue_floors()}.items()))
        args.floors.write_text(json.dumps(data, indent=1) + "\n")
        print(f"wrote {len(issue_floors())} race floors to {args.floors}")
        return 0
    print(f"loss race: {os.cpu_count()} CPUs, load average "
          f"{', '.join(f'{v:.1f}' for v in os.getloadavg())} (a loaded machine makes "
          "these figures noisy: compare ratios, re-measure in a quiet window)")
    ratios, times = measure(args.quick, args.rounds)
    floors = data["floors"]
    bad = [k for k, v in ratios.items() if k in floors and v < floors[k]]
    print()
    print("| setting | reduction | dtype | n | vs | ratio | floor | status |")
    print("|---|---|---|---:|---|---:|---:|---|")
    for k, v in ratios.items():
        head, dt, n, other = k.split("/")
        _, red, st = head.split(":")
        f = floors.get(k)
        print(f"| {st} | {red} | {dt} | {int(n):.0e} | {other} | {v:.2f}x | "
              f"{'—' if f is None else f'{f:.2f}'} | "
              f"{'no floor' if f is None else 'FAIL' if k in bad else 'ok'} |")
    if args.json:
        args.json.write_text(json.dumps({"ratios": ratios, "times": times, "failed": bad},
                                        indent=1))
    for k in bad:
        print(f"FAIL {k}: {ratios[k]:.2f}x < {floors[k]:.2f}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
