"""Measure that threadpoolctl's limits really change how many threads sigfast uses.

Prints the median time of ``sigfast.sigmoid`` on float32 data under
``threadpool_limits(1)`` and ``threadpool_limits(2)`` (measured in
alternation).  This is a
measurement, not a unit test (timings are too noisy to assert on in a test
suite); tools/build_wheel.sh runs it against the installed wheel.

Exit status: 0 when the 2-thread median is faster than the 1-thread one,
1 when it is not (a warning, e.g. on a busy or single-core machine), 2 when
threadpoolctl or OpenMP is missing.

    python tools/check_threadpoolctl.py [--n 4000000] [--repeat 21]
"""
import argparse
import os
import statistics
import sys
import time


def interleaved_medians(fn, x, out, limits, repeat, threadpoolctl):
    """Median time of fn(x, out=out) under each thread limit.

    The limits take turns within every round, so a load that comes and goes
    on the machine (another process on the other core) hits them alike.
    """
    times = {k: [] for k in limits}
    seen = {}
    for k in limits:  # warm up: thread pool start, page faults
        with threadpoolctl.threadpool_limits(limits=k, user_api="openmp"):
            fn(x, out=out)
    for _ in range(repeat):
        for k in limits:
            with threadpoolctl.threadpool_limits(limits=k, user_api="openmp"):
                seen[k] = _num_threads()
                t0 = time.perf_counter()
                fn(x, out=out)
                times[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}, seen


def _num_threads():
    import sigfast
    return sigfast.get_num_threads()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=float, default=4e6, help="number of float32 elements")
    ap.add_argument("--repeat", type=int, default=21)
    args = ap.parse_args(argv)

    try:
        import threadpoolctl
    except ImportError:
        print("check_threadpoolctl: threadpoolctl is not installed")
        return 2
    import numpy as np

    import sigfast
    from sigfast import _openmp

    if not _openmp.openmp_enabled():
        print("check_threadpoolctl: sigfast was built without OpenMP")
        return 2
    if os.environ.get("SIGFAST_NUM_THREADS", "").strip():
        print("check_threadpoolctl: unset SIGFAST_NUM_THREADS first "
              "(it overrides OpenMP's thread count)")
        return 2
    sigfast.set_num_threads(None)

    n = int(args.n)
    rng = np.random.default_rng(0)
    x = rng.uniform(-30, 30, n).astype(np.float32)
    out = np.empty_like(x)

    omp = [m for m in threadpoolctl.threadpool_info() if m["user_api"] == "openmp"]
    print(f"sigfast {sigfast.__version__}, SIMD {sigfast.simd_level}, "
          f"cpus {os.cpu_count()}, OpenMP runtime(s): "
          + ", ".join(m["filepath"] for m in omp))

    res, seen = interleaved_medians(sigfast.sigmoid, x, out, (1, 2),
                                    args.repeat, threadpoolctl)
    for k in (1, 2):
        print(f"threadpool_limits({k}): get_num_threads()={seen[k]}, "
              f"median {res[k] * 1e3:.2f} ms over {args.repeat} runs "
              f"({n:,} float32)")
    speedup = res[1] / res[2]
    print(f"speedup 2 vs 1 threads: {speedup:.2f}x")
    if speedup <= 1.0:
        print("WARNING: 2 threads were not faster than 1 "
              "(busy machine, or the limit did not reach sigfast)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
