"""``python -m sigfast``: self-check, configuration and speed-up table.

1. Self-check: known values per function (sigmoid(0) = 0.5,
   log_sigmoid(+inf) = -0.0, subnormal sigmoid(-100) in float32, ...), the
   error in ulps against a long-double NumPy reference at a few hundred points
   per function and dtype, for every SIMD level this CPU runs, and bit-identical
   results for 1 thread vs the default, and contiguous vs strided input.
   Prints PASS/FAIL per function; exit status 1 on any failure.
2. ``sigfast.show_config()``.
3. Speed-ups over NumPy (and SciPy, PyTorch, JAX when importable) per
   function x dtype x size x threads, measured interleaved in one process per
   thread count (see sigfast._bench).

Run ``python -m sigfast --help`` for the options.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

import sigfast
from sigfast import _bench, _dispatch, _ref

LD = np.longdouble
#: Allowed error in ulps of the result's dtype against the long-double reference.
TOL_ULPS = 4.0

# The long-double references are the reference twin's (sigfast._ref).
REFS = _ref.EXACT


def check_points(func, dtype, seed=12345):
    """A few hundred finite test points for ``func`` in ``dtype``."""
    dt = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    inputs = _bench.FUNCS[func].inputs
    if inputs == "probs":
        tiny = np.finfo(dt).tiny
        p = np.concatenate([
            rng.random(150),
            np.logspace(np.log10(tiny), -1, 60),
            1 - np.logspace(-15 if dt == np.float64 else -7, -1, 40),
            0.5 + np.linspace(-1e-3, 1e-3, 41),
            [0.0, 0.5, 1.0],
        ]).astype(dt)
        return (p,)
    lim = 105.0 if dt == np.float32 else 750.0
    x = np.concatenate([
        rng.standard_normal(200) * 8,
        np.linspace(-lim, lim, 121),
        np.linspace(-20, 20, 81),
        [0.0, -0.0, np.finfo(dt).tiny, -np.finfo(dt).tiny, 1e-30, -1e-30],
    ]).astype(dt)
    if inputs == "logits,targets":
        y = (rng.random(x.size) < 0.5).astype(dt)
        y[::7] = rng.random(y[::7].size)   # some soft targets too
        return (x, y)
    return (x,)


def ulp_error(got, ref, dtype, floor=None):
    """|got - ref| in ulps of ``ref`` rounded to ``dtype`` (0 where both are
    the same infinity or both NaN; inf where only one is).  ``floor``: an
    absolute amount added to the ulp (for results that cancel)."""
    dt = np.dtype(dtype)
    refr = ref.astype(dt)
    with np.errstate(all="ignore"):
        unit = np.abs(np.spacing(np.abs(refr))).astype(LD)
        if floor is not None:
            unit = unit + floor
        err = np.abs(got.astype(LD) - ref) / unit
    same = (got == refr) | (np.isnan(got) & np.isnan(refr))
    err = np.where(same, 0, err)
    err = np.where(np.isnan(err), np.inf, err)
    return err.astype(np.float64)


def _error_floor(func, args, dtype):
    """Absolute error allowance added to the ulp of the result.

    sigmoid(z) - y cancels where sigmoid(z) ~ y; sigfast computes sigmoid(z)
    as a double word and subtracts exactly, so its error is bounded by an ulp
    of the result plus 2**-2p * max(sigmoid(z), |y|) (p = 24 / 53), not by
    an ulp of the result alone.  Every other function: no allowance."""
    if func != "bce_with_logits_grad":
        return None
    z, y = (a.astype(LD) for a in args)
    p = np.finfo(dtype).nmant + 1
    return np.maximum(_ref._sig(z), np.abs(y)) * LD(2.0) ** (-2 * p)


def _is_negzero(v):
    return v == 0 and np.signbit(v)


def known_value_checks(mod, dt):
    """[(description, ok)] of special values for kernel module ``mod``."""
    t = np.dtype(dt).type
    inf, nan = t(np.inf), t(np.nan)
    ln2 = t(np.log(LD(2)))
    out = []

    def add(func, desc, ok, note=False):
        out.append((func, desc, bool(ok), note))

    with np.errstate(all="ignore"):
        s = mod.sigmoid
        add("sigmoid", "sigmoid(0) = 0.5", s(t(0)) == 0.5)
        add("sigmoid", "sigmoid(+inf) = 1, sigmoid(-inf) = 0",
            s(inf) == 1 and s(-inf) == 0)
        add("sigmoid", "sigmoid(nan) is nan", np.isnan(s(nan)))
        v = s(t(-100))
        if dt == "float32":
            add("sigmoid", "sigmoid(-100) is a positive subnormal",
                0 < v < np.finfo(np.float32).tiny)
        else:
            add("sigmoid", "sigmoid(-100) = 3.720076e-44",
                abs(v / 3.7200759760208361e-44 - 1) < 1e-14)
        add("sigmoid_grad", "sigmoid_grad(0) = 0.25", mod.sigmoid_grad(t(0)) == 0.25)
        add("sigmoid_grad", "sigmoid_grad(+-inf) = 0",
            mod.sigmoid_grad(inf) == 0 and mod.sigmoid_grad(-inf) == 0)
        add("sigmoid_grad", "sigmoid_grad(-30) > 0 (no 1 - s cancellation)",
            mod.sigmoid_grad(t(-30)) > 0 and mod.sigmoid_grad(t(30)) > 0)
        g = mod.sigmoid_grad_from_output
        add("sigmoid_grad_from_output", "y(1-y) at 0.5, 0, 1 = 0.25, 0, 0",
            g(t(0.5)) == 0.25 and g(t(0)) == 0 and g(t(1)) == 0)
        ls = mod.log_sigmoid
        add("log_sigmoid", "log_sigmoid(+inf) is -0.0", _is_negzero(ls(inf)))
        add("log_sigmoid", "log_sigmoid(-inf) = -inf", ls(-inf) == -inf)
        add("log_sigmoid", "log_sigmoid(0) = -ln 2", ls(t(0)) == -ln2)
        add("log_sigmoid", "log_sigmoid(-1000) = -1000", ls(t(-1000)) == -1000)
        sp = mod.softplus
        add("softplus", "softplus(0) = ln 2", sp(t(0)) == ln2)
        add("softplus", "softplus(+inf) = inf, softplus(-inf) = 0",
            sp(inf) == inf and sp(-inf) == 0)
        add("softplus", "softplus(-100) > 0", sp(t(-100)) > 0)
        lg = mod.logit
        add("logit", "logit(0.5) = 0", lg(t(0.5)) == 0)
        add("logit", "logit(0) = -inf, logit(1) = inf",
            lg(t(0)) == -inf and lg(t(1)) == inf)
        add("logit", "logit(1.5), logit(-0.1) are nan",
            np.isnan(lg(t(1.5))) and np.isnan(lg(t(-0.1))))
        add("logit", "logit(sigmoid(3)) ~ 3", abs(lg(s(t(3))) - 3) < 1e-5)
        si = mod.silu
        add("silu", "silu(0) = 0, silu(+inf) = inf, silu(-inf) = 0",
            si(t(0)) == 0 and si(inf) == inf and si(-inf) == 0)
        add("silu_grad", "silu_grad(0) = 0.5, silu_grad(+inf) = 1",
            mod.silu_grad(t(0)) == 0.5 and mod.silu_grad(inf) == 1)
        b = mod.bce_with_logits
        add("bce_with_logits", "bce(0, y) = ln 2 for y = 0, 1",
            b(t(0), t(0)) == ln2 and b(t(0), t(1)) == ln2)
        add("bce_with_logits", "bce(+inf, 1) = bce(-inf, 0) = 0",
            b(inf, t(1)) == 0 and b(-inf, t(0)) == 0)
        add("bce_with_logits", "bce(-inf, 1) = bce(inf, 0) = inf",
            b(-inf, t(1)) == inf and b(inf, t(0)) == inf)
        bg = mod.bce_with_logits_grad
        add("bce_with_logits_grad", "grad(0, 0) = 0.5, grad(0, 1) = -0.5",
            bg(t(0), t(0)) == 0.5 and bg(t(0), t(1)) == -0.5)
        v = bg(inf, t(1))
        add("bce_with_logits_grad", f"note: grad(+inf, 1) = {float(v):.3g}, not 0",
            v == 0, note=True)
    return out


def _consistency(func, dt):
    """Bit-identical results: 1 thread vs the default thread count, and
    contiguous vs strided input, on an array large enough to be threaded."""
    uf = getattr(sigfast, func)
    args = [np.resize(a, 1 << 17) for a in check_points(func, dt)]
    with np.errstate(all="ignore"):
        with sigfast.num_threads(1):
            one = uf(*args)
        many = uf(*args)
        strided = uf(*[np.repeat(a, 2)[::2] for a in args])

    def same(a, b):
        return np.array_equal(a.view(np.uint8), b.view(np.uint8))
    return [(f"threads 1 vs {sigfast.get_num_threads()} bit-identical", same(one, many)),
            ("strided vs contiguous bit-identical", same(one, strided))]


def self_check(stream=sys.stdout, levels=None):
    """Run the self-check; print one PASS/FAIL line per function (details for
    failures) and return (ok, results dict)."""
    levels = levels or _dispatch.runnable_levels()
    mods = {lv: _dispatch.load(lv) for lv in levels}
    results = {}
    for func in _bench.UFUNC_NAMES:
        results[func] = {"failures": [], "notes": [], "max_ulps": {}}
    for lv, mod in mods.items():
        for dt in _bench.DTYPES:
            for func, desc, ok, note in known_value_checks(mod, dt):
                if not ok:
                    results[func]["notes" if note else "failures"].append(
                        f"[{lv} {dt}] {desc}")
            for func in _bench.UFUNC_NAMES:
                args = check_points(func, dt)
                with np.errstate(all="ignore"):
                    got = getattr(mod, func)(*args)
                    ref = REFS[func](*[a.astype(LD) for a in args])
                err = ulp_error(got, ref, dt, _error_floor(func, args, dt))
                worst = float(err.max())
                key = dt
                results[func]["max_ulps"][key] = max(
                    worst, results[func]["max_ulps"].get(key, 0.0))
                if worst > TOL_ULPS:
                    i = int(np.argmax(err))
                    inp = ", ".join(repr(a[i].item()) for a in args)
                    results[func]["failures"].append(
                        f"[{lv} {dt}] {worst:.3g} ulp > {TOL_ULPS:g} at ({inp}):"
                        f" got {got[i].item()!r}, ref {float(ref[i])!r}")
    for func in _bench.UFUNC_NAMES:
        for dt in _bench.DTYPES:
            for desc, ok in _consistency(func, dt):
                if not ok:
                    results[func]["failures"].append(f"[{dt}] {desc}")
    # Loss API: reference check when implemented, skipped otherwise.
    loss_status = {}
    for name in _bench.LOSS_NAMES:
        fn = getattr(sigfast, name, None)
        z, y = check_points("bce_with_logits", "float64")
        try:
            got = fn(z, y)
        except NotImplementedError:
            loss_status[name] = "skipped (not implemented yet)"
            continue
        except Exception as exc:  # report, do not crash the self-check
            loss_status[name] = f"FAIL ({type(exc).__name__}: {exc})"
            continue
        ref = float(np.mean(REFS["bce_with_logits"](z.astype(LD), y.astype(LD))))
        ok = np.ndim(got) == 0 and abs(float(got) - ref) <= 1e-12 * max(abs(ref), 1)
        loss_status[name] = "PASS" if ok else f"FAIL (got {got!r}, ref {ref!r})"

    all_ok = True
    w = max(len(f) for f in _bench.UFUNC_NAMES)
    print(f"self-check (levels: {', '.join(levels)}; tolerance {TOL_ULPS:g} ulp "
          f"vs long-double reference):", file=stream)
    for func, r in results.items():
        ok = not r["failures"]
        all_ok &= ok
        ulps = "  ".join(f"{dt}: {u:.2f} ulp" for dt, u in r["max_ulps"].items())
        print(f"  {'PASS' if ok else 'FAIL'}  {func:<{w}}  max err {ulps}", file=stream)
        for msg in r["failures"][:8]:
            print(f"        {msg}", file=stream)
        for msg in list(dict.fromkeys(m.split("] ", 1)[1] for m in r["notes"]))[:4]:
            print(f"        {msg}", file=stream)
        r["ok"] = ok
    for name, st in loss_status.items():
        all_ok &= not st.startswith("FAIL")
        print(f"  {st if st.startswith(('PASS', 'FAIL')) else 'SKIP'}  {name}"
              + ("" if st.startswith(("PASS", "FAIL")) else f"  ({st})"),
              file=stream)
    return all_ok, {"functions": results, "losses": loss_status}


# ---------------------------------------------------------------------------
# Speed-up table
# ---------------------------------------------------------------------------

def print_table(records, peers, stream=sys.stdout):
    cols = ["numpy"] + [p for p in _bench.PEERS if p in peers]
    head = (f"{'function':<26} {'dtype':<8} {'n':>4} {'thr':>3} "
            f"{'sigfast':>8} " + " ".join(f"{'x' + c:>7}" for c in cols))
    print(head, file=stream)
    print("-" * len(head), file=stream)
    for r in records:
        ratios = [_bench.fmt_ratio(r["speedup"].get(c)) for c in cols]
        print(f"{r['func']:<26} {r['dtype']:<8} {_bench.fmt_n(r['n']):>4} "
              f"{r['threads']:>3} {r['gelems']['sigfast']:>8.3f} "
              + " ".join(f"{x:>7}" for x in ratios), file=stream)


def _parse_sizes(s):
    return [int(float(v)) for v in s.split(",") if v.strip()]


def _parse_threads(s, default):
    out = []
    for v in s.split(","):
        v = v.strip().lower()
        if v:
            out.append(default if v in ("default", "d") else int(v))
    return list(dict.fromkeys(out))


#: Fixed colour per candidate, so every panel of the plot matches.
COLORS = {"sigfast": "tab:blue", "numpy": "tab:orange", "scipy": "tab:green",
          "torch": "tab:red", "jax": "tab:purple"}


def plot(path, peers, threads, rounds, stream=sys.stdout, progress=False,
         malloc="tuned"):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("--plot needs matplotlib, which is not installed "
              "(pip install matplotlib)", file=sys.stderr)
        return None
    sizes = [int(v) for v in np.logspace(3, 7, 9).round()]
    funcs = ["sigmoid", "log_sigmoid", "bce_with_logits"]
    recs = _bench.measure_isolated(funcs, ["float32"], sizes, [threads],
                                   peers=peers, rounds=rounds, progress=progress,
                                   malloc=malloc)
    fig, axes = plt.subplots(1, len(funcs), figsize=(5 * len(funcs), 4), sharey=True)
    for ax, func in zip(axes, funcs):
        rs = [r for r in recs if r["func"] == func]
        names = [c for c in rs[0]["gelems"]]
        for c in names:
            ax.plot([r["n"] for r in rs], [r["gelems"][c] for r in rs],
                    marker="o", label=c, color=COLORS.get(c),
                    lw=2.5 if c == "sigfast" else 1.2)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"{func} (float32, {threads} thread{'s' if threads > 1 else ''})")
        ax.set_xlabel("array size")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("throughput [Gelem/s]")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"plot written to {path}", file=stream)
    return recs


def main(argv=None):
    default_threads = sigfast.get_num_threads()
    ap = argparse.ArgumentParser(
        prog="python -m sigfast",
        description="sigfast self-check, configuration and speed-ups over "
                    "NumPy (and SciPy/PyTorch/JAX when installed).")
    ap.add_argument("--quick", action="store_true",
                    help="fewer sizes (1e5 only) and rounds")
    ap.add_argument("--sizes", help="comma-separated array sizes "
                    "(default 1e5,1e6; --quick: 1e5)")
    ap.add_argument("--threads", help="comma-separated thread counts, "
                    f"'default' = {default_threads} (default: 1,default)")
    ap.add_argument("--rounds", type=int, help="timing rounds (default 5; --quick: 3)")
    ap.add_argument("--peers", default=",".join(_bench.PEERS),
                    help="peers to compare with when importable "
                    "(default scipy,torch,jax; '' for none)")
    ap.add_argument("--malloc", choices=("tuned", "default"), default="tuned",
                    help="glibc malloc settings of the benchmark processes: "
                    "'tuned' (default) reuses NumPy's temporaries (reproducible, "
                    "NumPy at its best), 'default' keeps glibc's defaults")
    ap.add_argument("--no-bench", action="store_true",
                    help="only the self-check and the configuration")
    ap.add_argument("--no-check", action="store_true", help="skip the self-check")
    ap.add_argument("--plot", metavar="FILE.png",
                    help="plot Gelem/s vs size (1e3..1e7) for sigmoid, "
                    "log_sigmoid, bce_with_logits at float32 (needs matplotlib)")
    ap.add_argument("--json", metavar="FILE", help="write all results as JSON")
    args = ap.parse_args(argv)

    sizes = _parse_sizes(args.sizes) if args.sizes else (
        [100_000] if args.quick else [100_000, 1_000_000])
    threads = _parse_threads(args.threads, default_threads) if args.threads \
        else list(dict.fromkeys([1, default_threads]))
    rounds = args.rounds or (3 if args.quick else 5)
    peers = [p for p in args.peers.split(",") if p.strip()]
    if args.plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print("error: --plot needs matplotlib, which is not installed "
                  "(pip install matplotlib)", file=sys.stderr)
            return 2

    t0 = time.perf_counter()
    report = {"config": None, "self_check": None, "results": [], "plot": None}
    ok = True
    if not args.no_check:
        ok, report["self_check"] = self_check()
        print()
    sigfast.show_config()
    report["config"] = _bench.metadata(peers)

    if not args.no_bench:
        have = _bench.available_peers(peers)
        missing = [p for p in peers if p not in have]
        print()
        print("Speed-ups of sigfast (Gelem/s) over the NumPy expression and the "
              "peers: xNAME = time(NAME) / time(sigfast), median of "
              f"{rounds} interleaved rounds.")
        print("peers: " + (", ".join(f"{p} {v}" for p, v in have.items()) or "none")
              + (f"  (not installed: {', '.join(missing)})" if missing else ""))
        if "jax" in have:
            print("JAX config: 1 thread -> "
                  + (f"XLA_FLAGS={os.environ['XLA_FLAGS']!r}"
                     if "XLA_FLAGS" in os.environ
                     else f"XLA_FLAGS={_bench.JAX_SINGLE_THREAD_FLAGS!r}")
                  + "; more threads -> "
                  + _bench.jax_config() + " (jax.jit, x64 enabled)")
        print("torch threads = sigfast threads; NumPy/SciPy are single-threaded; "
              + _bench.malloc_config(_bench.with_malloc(os.environ, args.malloc))
              + ".")
        print()
        funcs = _bench.UFUNC_NAMES + _bench.LOSS_NAMES
        recs = _bench.measure_isolated(funcs, list(_bench.DTYPES), sizes, threads,
                                       peers=list(have), rounds=rounds,
                                       progress=True, malloc=args.malloc)
        report["results"] = recs
        print_table(recs, have)
        implemented = {r["func"] for r in recs}
        for name in _bench.LOSS_NAMES:
            if name not in implemented:
                print(f"({name}: not implemented yet, skipped)")
    if args.plot:
        have = _bench.available_peers(peers)
        report["plot"] = plot(args.plot, list(have), threads[-1],
                              max(3, rounds - 2), progress=True,
                              malloc=args.malloc)
    print(f"\n{'all checks passed' if ok else 'SELF-CHECK FAILED'}; "
          f"{time.perf_counter() - t0:.1f} s")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=1, default=str)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
