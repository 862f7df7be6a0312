#!/usr/bin/env python
"""Performance regression check: sigfast/NumPy and sigfast/peer speed ratios
against committed floors.

    python bench/check_ratios.py                      # full: n = 1e4, 1e5, 1e6
    python bench/check_ratios.py --quick --margin 0.5 # what CI runs (< 60 s)
    python bench/check_ratios.py --update             # re-measure, rewrite floors
    python bench/check_ratios.py --targets            # the issue's targets only
    python bench/check_ratios.py --race               # also the fused loss vs jax.jit
                                                      # and PyTorch, one process each
    python bench/check_ratios.py --funcs glu,swiglu --sizes 100000,10000000
                                                      # some functions, other sizes

Every ratio is time(other) / time(sigfast), the median of per-round ratios
of candidates timed interleaved in this one process (sigfast._bench), with
1 thread everywhere: sigfast.num_threads(1), torch.set_num_threads(1), JAX
with single-threaded XLA flags.  A ratio fails when it is below
floor * margin; the exit status is 1 if any ratio fails (after one
re-measurement of the failing configurations), 0 otherwise.  The table is
printed either way.

bench/floors.json holds floor = FACTOR (0.8) * the ratio measured when the
floors were written (--update), keyed "function/dtype/n/other".  The
"race:*" rows (bench/loss_race.py: one process per candidate, "1cpu" and
"default" settings) hold issue 21's fixed floors; --update keeps them.  Floors of
peers that are not installed are skipped with a note; measured ratios with no
floor are shown but never fail.

floors.json's "targets" are fixed goals (issues 20 and 25), not 0.8 x a
measurement: a target row fails like a floor (ratio < target * margin); --update keeps
them.  A key may end in "@avx2": measured with sigfast, NumPy and PyTorch
all held to AVX2 (SIGFAST_SIMD=avx2, ATEN_CPU_CAPABILITY=avx2,
NPY_DISABLE_CPU_FEATURES), in a child process, since those are read at
import.  --targets measures exactly the target rows' configurations, every
level, in one command; the default run checks the target rows it measures
anyway.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

# JAX's CPU thread pool is fixed at import: make it single-threaded first.
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                                   "intra_op_parallelism_threads=1")

# glibc reads its malloc settings at start-up: re-exec once with the tuned
# settings (sigfast._bench.TUNED_MALLOC_ENV) unless --malloc default.  Without
# them NumPy's float64 expressions at n >= 1e5 flip between two speeds (fresh
# mmap'd temporaries or reused heap) from process to process.
from sigfast import _bench  # noqa: E402
from sigfast._bench import peers as _peers  # noqa: E402

# 1 thread everywhere: JAX's thread pool on one CPU, before anything else
# loads JAX (JAX 0.10 runs jitted code on a pool of one thread per CPU
# whatever the flags above say).
_peers.load_jax_on_one_cpu()


def _malloc_mode(argv):
    for i, a in enumerate(argv):
        if a.startswith("--malloc="):
            return a.split("=", 1)[1]
        if a == "--malloc" and i + 1 < len(argv):
            return argv[i + 1]
    return "tuned"


if (_malloc_mode(sys.argv) == "tuned" and not os.environ.get("_SIGFAST_REEXEC")
        and any(k not in os.environ for k in _bench.TUNED_MALLOC_ENV)):
    os.environ.update(_bench.with_malloc(os.environ, "tuned"), _SIGFAST_REEXEC="1")
    os.execv(sys.executable, [sys.executable] + sys.argv)

HERE = pathlib.Path(__file__).resolve().parent
FLOORS = HERE / "floors.json"
FULL_SIZES = [10_000, 100_000, 1_000_000]
QUICK_SIZES = [10_000, 100_000]
#: the environment of a "@avx2" target row: every library held to AVX2
HELD = {"avx2": {"SIGFAST_SIMD": "avx2", "ATEN_CPU_CAPABILITY": "avx2",
                 "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR"}}


def split_key(k):
    """(func, dtype, n, other, level): level '' for the best level."""
    k, _, level = k.partition("@")
    func, dt, n, other = k.split("/")
    return func, dt, int(n), other, level


def check_targets(targets, args, peers):
    """Measure every target row of this process's level (and, for a
    '@<level>' row, re-run this script held to that level); print them;
    return the exit status."""
    here = os.environ.get("_SIGFAST_TARGET_LEVEL", "")
    rows = {k: v for k, v in targets.items() if split_key(k)[4] == here}
    configs = sorted({split_key(k)[:3] for k in rows})
    rc = 0
    measured = {}
    for func, dt, n in configs:
        want = sorted({split_key(k)[3] for k in rows if split_key(k)[:3] == (func, dt, n)})
        recs = _bench.measure([func], [dt], [n], [1], peers=[p for p in want if p in peers],
                              rounds=args.rounds or 9)
        for k, v in ratios_of(recs).items():
            measured[k + (f"@{here}" if here else "")] = v
    print(f"\ntargets at level {here or 'best'} ({os.environ.get('SIGFAST_SIMD', 'best')}), "
          f"margin {args.margin:g}:")
    print("| row | ratio | target | status |\n|---|---:|---:|---|")
    for k in sorted(rows, key=lambda k: split_key(k)):
        v = measured.get(k)
        st = "not measured" if v is None else ("ok" if v >= rows[k] * args.margin else "FAIL")
        rc |= st == "FAIL"
        print(f"| {k} | {'-' if v is None else f'{v:.2f}x'} | {rows[k]:.2f} | {st} |")
    if not here:
        for level in sorted({split_key(k)[4] for k in targets} - {""}):
            env = dict(os.environ, _SIGFAST_TARGET_LEVEL=level, **HELD[level])
            env.pop("_SIGFAST_REEXEC", None)
            sys.stdout.flush()
            rc |= subprocess.call([sys.executable, __file__] + sys.argv[1:], env=env)
    return rc


def key(func, dtype, n, other):
    return f"{func}/{dtype}/{n}/{other}"


def ratios_of(records):
    """{key: ratio} from measurement records."""
    out = {}
    for r in records:
        for other, v in r["speedup"].items():
            out[key(r["func"], r["dtype"], r["n"], other)] = v
    return out


def run(funcs, sizes, peers, rounds, progress):
    return _bench.measure(funcs, list(_bench.DTYPES), sizes, [1], peers=peers,
                          rounds=rounds, progress=progress)


def round_down(x, digits=2):
    """Round down to ``digits`` significant digits."""
    if x <= 0:
        return 0.0
    import math
    e = math.floor(math.log10(x)) - digits + 1
    return float(f"{math.floor(x / 10 ** e + 1e-9) * 10 ** e:.{digits}g}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help=f"sizes {QUICK_SIZES}, fewer rounds (< 60 s)")
    ap.add_argument("--margin", type=float, default=1.0,
                    help="multiply every floor by this (CI: 0.5)")
    ap.add_argument("--floors", type=pathlib.Path, default=FLOORS)
    ap.add_argument("--rounds", type=int, help="timing rounds (default 9; --quick: 5)")
    ap.add_argument("--peers", default=",".join(_bench.PEERS))
    ap.add_argument("--update", action="store_true",
                    help="measure and rewrite the floors file instead of checking")
    ap.add_argument("--factor", type=float, default=0.8,
                    help="--update: floor = factor * measured ratio (default 0.8)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="--update: measure this many times, keep the lowest ratio")
    ap.add_argument("--json", type=pathlib.Path, help="write measurements here")
    ap.add_argument("--targets", action="store_true",
                    help="measure and check only floors.json's targets (issue 20), every level")
    ap.add_argument("--race", action="store_true",
                    help="also check the race:* rows (bench/loss_race.py, ~10 min)")
    ap.add_argument("--funcs", help="comma-separated functions (default: all); "
                    "with --update, only their floors are rewritten")
    ap.add_argument("--sizes", help="comma-separated sizes (default: the full or "
                    "quick ones)")
    ap.add_argument("--malloc", choices=("tuned", "default"), default="tuned",
                    help="glibc malloc settings (handled at start-up by re-exec)")
    args = ap.parse_args(argv)
    if args.update and (args.funcs or args.sizes):
        ap.error("--update re-measures every floor: not with --funcs or --sizes")

    t0 = time.perf_counter()
    sizes = QUICK_SIZES if args.quick else FULL_SIZES
    if args.sizes:
        sizes = [int(float(n)) for n in args.sizes.split(",")]
    rounds = args.rounds or (5 if args.quick else 9)
    wanted = [p for p in args.peers.split(",") if p]
    have = _bench.available_peers(wanted)
    peers = list(have)
    funcs = _bench.UFUNC_NAMES + _bench.LOSS_NAMES
    if args.funcs:
        unknown = sorted(set(args.funcs.split(",")) - set(funcs))
        if unknown:
            ap.error(f"unknown function(s): {', '.join(unknown)}")
        funcs = [f for f in funcs if f in args.funcs.split(",")]
    prog = _bench.Progress()

    if args.targets:
        return check_targets(json.loads(args.floors.read_text()).get("targets", {}), args, peers)
    print(f"sigfast ratio check: {'quick' if args.quick else 'full'}, sizes "
          f"{', '.join(_bench.fmt_n(n) for n in sizes)}, {rounds} rounds, "
          f"1 thread, margin {args.margin:g}")
    print("peers: " + (", ".join(f"{p} {v}" for p, v in have.items()) or "none")
          + ("; JAX: " + _bench.jax_config() if "jax" in have else "")
          + "; " + _bench.malloc_config())
    missing = [p for p in wanted if p not in have]

    records = run(funcs, sizes, peers, rounds, prog)
    measured = ratios_of(records)

    if args.update:
        for _ in range(args.repeat - 1):
            for k, v in ratios_of(run(funcs, sizes, peers, rounds, prog)).items():
                measured[k] = min(measured.get(k, v), v)
        meta = _bench.metadata(peers)
        meta.update(factor=args.factor, threads=1, rounds=rounds,
                    sizes=sizes, repeat=args.repeat,
                    jax_config=_bench.jax_config() if "jax" in have else None,
                    malloc=_bench.malloc_config())
        floors = {k: round_down(args.factor * v) for k, v in sorted(measured.items())}
        # the targets and the race rows are fixed goals, not a fraction of a measurement
        old = json.loads(args.floors.read_text()) if args.floors.exists() else {}
        keep = {k: v for k, v in old.get("floors", {}).items()
                if k.startswith("race:") or (args.funcs and k not in floors)}
        if args.funcs and old:
            meta = old["_meta"]         # only these functions' floors are replaced
        floors = dict(sorted({**keep, **floors}.items()))
        args.floors.write_text(json.dumps({"_meta": meta, "floors": floors,
                                           "targets": old.get("targets", {})},
                                          indent=1) + "\n")
        print(f"wrote {len(floors)} floors to {args.floors}")
        return 0

    data = json.loads(args.floors.read_text())
    floors = dict(data["floors"])
    for k, v in data.get("targets", {}).items():       # the stricter of the two
        if "@" not in k:
            floors[k] = max(v, floors.get(k, 0.0))
    race = {}
    if args.race:
        import importlib.util
        spec = importlib.util.spec_from_file_location("loss_race", HERE / "loss_race.py")
        loss_race = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(loss_race)
        print("race rows (bench/loss_race.py, one process per candidate):")
        race, _ = loss_race.measure()
        measured.update(race)

    def failing():
        return sorted(k for k, f in floors.items()
                      if k in measured and measured[k] < f * args.margin)

    bad = failing()
    if bad:
        # one re-measurement of the failing configurations; keep the better
        configs = sorted({tuple(k.split("/")[:3]) for k in bad if k not in race})
        print(f"{len(bad)} ratio(s) below floor; re-measuring {len(configs)} "
              "configuration(s) once")
        for func, dt, n in configs:
            recs = _bench.measure([func], [dt], [int(n)], [1], peers=peers,
                                  rounds=rounds)
            for k, v in ratios_of(recs).items():
                measured[k] = max(measured.get(k, v), v)
        bad = failing()

    print()
    print(f"| {'function':<26} | {'dtype':<7} | {'n':>4} | {'vs':<6} | "
          f"{'ratio':>7} | {'floor':>6} | {'needed':>6} | status |")
    print(f"|{'-' * 28}|{'-' * 9}|{'-' * 6}|{'-' * 8}|{'-' * 9}|{'-' * 8}|"
          f"{'-' * 8}|--------|")
    for r in records:
        for other, v in r["speedup"].items():
            k = key(r["func"], r["dtype"], r["n"], other)
            v = measured[k]
            f = floors.get(k)
            if f is None:
                fs, need, st = "—", "—", "no floor"
            else:
                fs, need = f"{f:.2f}", f"{f * args.margin:.2f}"
                st = "FAIL" if k in bad else "ok"
            print(f"| {r['func']:<26} | {r['dtype']:<7} | {_bench.fmt_n(r['n']):>4} | "
                  f"{other:<6} | {v:>6.2f}x | {fs:>6} | {need:>6} | {st:<6} |")

    for k, v in race.items():
        f = floors.get(k)
        head, dt, n, other = k.split("/")
        st = "no floor" if f is None else "FAIL" if k in bad else "ok"
        fs, need = ("—", "—") if f is None else (f"{f:.2f}", f"{f * args.margin:.2f}")
        print(f"| {head:<26} | {dt:<7} | {_bench.fmt_n(int(n)):>4} | {other:<6} | "
              f"{v:>6.2f}x | {fs:>6} | {need:>6} | {st:<6} |")

    checked = [k for k in floors if k in measured]
    skipped_peer = sorted({k.split("/")[3] for k in floors if not k.startswith("race:")
                           and k.split("/")[3] not in ("numpy", *peers)})
    print()
    for p in skipped_peer:
        why = "not installed" if p in missing or p not in wanted else "not requested"
        print(f"note: {p} {why}: its floors are skipped")
    unchecked = [k for k in measured if k not in floors]
    if unchecked:
        print(f"note: {len(unchecked)} measured ratio(s) have no floor")
    print(f"{len(checked)} ratios checked against floors x {args.margin:g}: "
          f"{len(bad)} below ({time.perf_counter() - t0:.0f} s)")
    for k in bad:
        print(f"FAIL {k}: {measured[k]:.2f}x < {floors[k]:.2f} x {args.margin:g}")
    if args.json:
        args.json.write_text(json.dumps({"records": records, "ratios": measured,
                                         "failed": bad}, indent=1))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
