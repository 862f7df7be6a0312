"""The tests tools/aarch64_emulated.sh runs under qemu-aarch64 (the NEON
level), sized for emulation (about 100-300x slower than native here).

    python -P tools/aarch64_tests.py [--stride N] [--quick]

1. pytest on the files in FILES: accuracy against mpmath (every function and
   dtype, the registry's bounds), special values, API, strides, out=, ufunc
   methods, floating-point flags, the losses, the Cython API.  The whole
   suite takes hours emulated; the files left out exercise the packaging,
   the benchmarks, x86 code generation, peers not installed here, or
   repeat these at more sizes.
2. float32 sweep: every STRIDE-th bit pattern (default 7 * 127 = 889, about
   4.8 million inputs per function) through the float32 kernel against the
   float64 kernel (tools/exhaustive_f32.py's check): max ulp per function.
3. threads: every ufunc, float32 and float64, n = 100003 (split across
   threads above PAR_MIN), 1 thread against 2: bit-identical.
Exit status 1 when anything fails.
"""
import argparse
import os
import pathlib
import sys
import time

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

#: (file, -k expression or None).  test_ufuncs.py's comparisons with the
#: double-double twin at 70001 elements take about a minute each emulated:
#: float64 accuracy is test_accuracy.py's, against mpmath.
FILES = [
    ("test_accuracy.py", None),
    ("test_subnormal_f64.py", None),
    ("test_tails.py", None),
    ("test_ufuncs.py", "not matches_twin"),
    ("test_ufunc_methods.py", None),
    ("test_ufunc_fpflags.py", None),
    ("test_loss.py", None),
    ("test_cython_api.py", None),
    ("test_threads.py", None),
]


def run_pytest(quick):
    import pytest
    rc = 0
    for f, k in FILES[:1] if quick else FILES:
        t0 = time.time()
        r = pytest.main([str(REPO / "tests" / f), "-q", "-p", "no:cacheprovider"]
                        + (["-k", k] if k else []))
        print(f"--- {f}: exit {int(r)}, {time.time() - t0:.0f} s", flush=True)
        rc = rc or int(r)
    return rc


def sweep(stride):
    from exhaustive_f32 import FUNCS, check

    from sigfast import _dispatch
    mod = _dispatch.load("baseline")
    print(f"float32 sweep, every {stride}th bit pattern "
          f"({(1 << 32) // stride} inputs per function), level {mod.LEVEL}")
    bad = []
    for name in FUNCS:
        t0 = time.time()
        (m, x, g, r), over = check(mod, name, stride, chunk=1 << 26)
        print(f"  {name:26} max {m:.3f} ulp at x={x!r} (> 1 ulp: {over[1.0]})"
              f"  {time.time() - t0:.0f} s", flush=True)
        if m > 1.0:
            bad.append(name)
    return bad


def threads():
    import sigfast
    from sigfast import _registry
    from sigfast._testing.inputs import bench_inputs
    bad = []
    for dt in ("float32", "float64"):
        for name in _registry.NAMES:
            args = bench_inputs(name, dt, 100003)
            f = getattr(sigfast, name)
            with np.errstate(all="ignore"):
                with sigfast.num_threads(1):
                    one = f(*args)
                with sigfast.num_threads(2):
                    two = f(*args)
            if one.tobytes() != two.tobytes():
                bad.append(f"{name} {dt}")
    print(f"threads: 1 vs 2, {2 * len(_registry.NAMES)} ufunc x dtype: "
          f"{'bit-identical' if not bad else 'DIFFER: ' + ', '.join(bad)}")
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stride", type=int, default=7 * 127)
    ap.add_argument("--quick", action="store_true", help="accuracy tests only, stride x 16")
    a = ap.parse_args()
    os.chdir(REPO)
    t0 = time.time()
    rc = run_pytest(a.quick)
    print(f"pytest: exit {rc}, {time.time() - t0:.0f} s", flush=True)
    t1 = time.time()
    bad = sweep(a.stride * (16 if a.quick else 1))
    print(f"sweep: {time.time() - t1:.0f} s", flush=True)
    bad += threads()
    return 1 if rc or bad else 0


if __name__ == "__main__":
    sys.exit(main())
