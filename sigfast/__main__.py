"""``python -m sigfast``: self-check, configuration and speed-up table.

1. The self-check (:mod:`sigfast._selfcheck`): special values, ulp error
   against the reference twin and bit-identical threads/strides, for every
   ufunc, dtype and SIMD level this CPU runs.  Exit status 1 on a failure.
2. ``sigfast.show_config()``.
3. Speed-ups over NumPy (and SciPy, PyTorch, JAX when importable) per
   function x dtype x size x threads, measured interleaved in one process per
   thread count (:mod:`sigfast._bench`).

Run ``python -m sigfast --help`` for the options.
"""
import argparse
import json
import os
import sys
import time

import sigfast
from sigfast import _bench, _dispatch
from sigfast._selfcheck import self_check


def _sizes(text):
    try:
        out = [int(float(v)) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated sizes like 1e5,1e6, got {text!r}") from None
    if not out or any(n < 1 for n in out):
        raise argparse.ArgumentTypeError(f"sizes must be positive, got {text!r}")
    return out


def _threads(text):
    out = []
    for v in text.split(","):
        v = v.strip().lower()
        if not v:
            continue
        if v in ("default", "d"):
            out.append(sigfast.get_num_threads())
            continue
        try:
            n = int(v)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected comma-separated thread counts or 'default', got {text!r}") from None
        if n < 1:
            raise argparse.ArgumentTypeError(f"thread counts must be >= 1, got {n}")
        out.append(n)
    if not out:
        raise argparse.ArgumentTypeError("no thread count given")
    return list(dict.fromkeys(out))


def _positive(text):
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {n}")
    return n


def _peers(text):
    out = [p.strip() for p in text.split(",") if p.strip()]
    bad = [p for p in out if p not in _bench.PEERS]
    if bad:
        raise argparse.ArgumentTypeError(
            f"unknown peer {bad[0]!r} (valid: {', '.join(_bench.PEERS)}; '' for none)")
    return list(dict.fromkeys(out))


def _choices(valid, what):
    """Parser of a comma-separated subset of ``valid`` (in the order given)."""
    def parse(text):
        out = [v.strip() for v in text.split(",") if v.strip()]
        bad = [v for v in out if v not in valid]
        if bad or not out:
            raise argparse.ArgumentTypeError(
                f"unknown {what} {bad[0]!r} (valid: {', '.join(valid)})" if bad
                else f"no {what} given")
        return list(dict.fromkeys(out))
    return parse


def _output_path(text):
    # Checked before the benchmark (about 22 s), not when the file is written.
    folder = os.path.dirname(os.path.abspath(text))
    if not os.path.isdir(folder):
        raise argparse.ArgumentTypeError(f"folder {folder!r} of {text!r} does not exist")
    if not os.access(folder, os.W_OK):
        raise argparse.ArgumentTypeError(f"folder {folder!r} of {text!r} is not writable")
    return text


def parser():
    default_threads = sigfast.get_num_threads()
    ap = argparse.ArgumentParser(
        prog="python -m sigfast",
        description="sigfast self-check, configuration and speed-ups over "
                    "NumPy (and SciPy/PyTorch/JAX when installed).")
    ap.add_argument("--quick", action="store_true",
                    help="fewer sizes (1e5 only) and rounds")
    ap.add_argument("--sizes", type=_sizes, help="comma-separated array sizes "
                    "(default 1e5,1e6; --quick: 1e5)")
    ap.add_argument("--threads", type=_threads, help="comma-separated thread counts, "
                    f"'default' = {default_threads} (default: 1,default)")
    ap.add_argument("--rounds", type=_positive, help="timing rounds (default 5; --quick: 3)")
    ap.add_argument("--funcs", type=_choices(list(_bench.COMPARE), "function"),
                    help="comma-separated functions to time (default: every ufunc and "
                    "the mean loss)")
    ap.add_argument("--dtypes", type=_choices(list(_bench.DTYPES), "dtype"),
                    help="comma-separated dtypes (default float32,float64)")
    ap.add_argument("--levels", type=_choices(_dispatch.runnable_levels(), "SIMD level"),
                    default=[], help="also time these SIMD levels' kernels (columns "
                    "sigfast:<level>; with --markdown)")
    ap.add_argument("--min-time", type=float, default=2e-3,
                    help="seconds per timing sample (calibrated inner loop; default 0.002)")
    ap.add_argument("--markdown", action="store_true",
                    help="print the speed table as markdown with every candidate's Gelem/s")
    ap.add_argument("--peers", type=_peers, default=list(_bench.PEERS),
                    help="peers to compare with when importable "
                    "(default scipy,torch,jax; '' for none)")
    ap.add_argument("--malloc", choices=("tuned", "default"), default="tuned",
                    help="glibc malloc settings of the benchmark processes: "
                    "'tuned' (default) reuses NumPy's temporaries (reproducible, "
                    "NumPy at its best), 'default' keeps glibc's defaults")
    ap.add_argument("--no-bench", action="store_true",
                    help="only the self-check and the configuration")
    ap.add_argument("--no-check", action="store_true", help="skip the self-check")
    ap.add_argument("--plot", metavar="FILE.png", type=_output_path,
                    help="plot Gelem/s vs size (1e3..1e7) for sigmoid, "
                    "log_sigmoid, bce_with_logits at float32 (needs matplotlib)")
    ap.add_argument("--json", metavar="FILE", type=_output_path, help="write all results as JSON")
    return ap


def _print_bench_header(have, peers, rounds, malloc):
    missing = [p for p in peers if p not in have]
    print("Speed-ups of sigfast (Gelem/s) over the NumPy expression and the "
          "peers: xNAME = time(NAME) / time(sigfast), median of "
          f"{rounds} interleaved rounds.")
    print("peers: " + (", ".join(f"{p} {v}" for p, v in have.items()) or "none")
          + (f"  (not installed: {', '.join(missing)})" if missing else ""))
    if "jax" in have:
        print("JAX config: 1 thread -> its thread pool confined to one CPU, "
              + (f"XLA_FLAGS={os.environ['XLA_FLAGS']!r}"
                 if "XLA_FLAGS" in os.environ
                 else f"XLA_FLAGS={_bench.JAX_SINGLE_THREAD_FLAGS!r}")
              + "; more threads -> " + _bench.jax_config()
              + " (jax.jit, x64 enabled)")
    print("torch threads = sigfast threads; NumPy/SciPy are single-threaded; "
          + _bench.malloc_config(_bench.with_malloc(os.environ, malloc)) + ".")


def main(argv=None):
    args = parser().parse_args(argv)
    sizes = args.sizes or ([100_000] if args.quick else [100_000, 1_000_000])
    threads = args.threads or list(dict.fromkeys([1, sigfast.get_num_threads()]))
    rounds = args.rounds or (3 if args.quick else 5)
    peers = args.peers
    if args.plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print("error: --plot needs matplotlib, which is not installed "
                  "(pip install matplotlib)", file=sys.stderr)
            return 2

    t0 = time.perf_counter()
    report = {"config": None, "self_check": None, "results": [], "plot": None, "load": None}
    ok = True
    if not args.no_check:
        ok, report["self_check"] = self_check()
        print()
    sigfast.show_config()
    report["config"] = _bench.metadata(peers)

    if not args.no_bench:
        have = _bench.available_peers(peers)
        print()
        _print_bench_header(have, peers, rounds, args.malloc)
        print()
        funcs = args.funcs or _bench.UFUNC_NAMES + _bench.LOSS_NAMES
        before = _bench.load_average()
        recs = _bench.measure_isolated(funcs, args.dtypes or list(_bench.DTYPES), sizes,
                                       threads, peers=list(have), levels=args.levels,
                                       rounds=rounds, min_time=args.min_time,
                                       progress=True, malloc=args.malloc)
        after = _bench.load_average()
        cpus = report["config"]["cpus"]
        busy = _bench.busy_threads(before, after, cpus, threads)
        report["results"] = recs
        report["load"] = {"before": before, "after": after, "cpus": cpus,
                          "busy_threads": busy}
        if args.markdown:
            print(_bench.markdown_table(recs, have, args.levels))
        else:
            _bench.print_table(recs, have, busy=busy)
        if busy:
            print("\n" + _bench.busy_warning(before, after, cpus, busy))
    if args.plot:
        have = _bench.available_peers(peers)
        report["plot"] = _bench.plot(args.plot, list(have), threads[-1],
                                     max(3, rounds - 2), progress=True,
                                     malloc=args.malloc)
    if args.no_check:
        verdict = "self-check skipped (--no-check)"
    else:
        verdict = "all checks passed" if ok else "SELF-CHECK FAILED"
    print(f"\n{verdict}; {time.perf_counter() - t0:.1f} s")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=1, default=str)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
