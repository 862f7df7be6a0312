"""Max ulp error of sigfast's float32 kernels over every float32 input.

    python tools/exhaustive_f32.py [--level avx512] [--stride 1] [FUNC ...]
    python tools/exhaustive_f32.py bce_with_logits_grad    # over z, y in {0, 1}

All 2**32 bit patterns (or every STRIDE-th) are run through the float32
ufunc of one SIMD level and compared with sigfast's float64 kernel on the
same input (<= 0.7 float64 ulp, i.e. exact to ~2**-52 here).  The error is
|got - ref| in units of the float32 ulp of ref, counted in subnormal ulps
below 2**-126.  Non-finite references must match exactly (NaN for NaN).
The binary bce_with_logits_grad runs over every z for each target in
BINARY_TARGETS (y = 0 and 1: sigma(z) and -sigma(-z), the hard labels of a
classifier), one row per target.  About 3 minutes per function (and
target) on one core at stride 1.
"""
import argparse
import time

import numpy as np

from sigfast import _dispatch
from sigfast._registry import UNARY as FUNCS
#: binary functions: the fixed targets each is run with, over every z
BINARY_TARGETS = {"bce_with_logits_grad": (0.0, 1.0)}


def ulp32(r):
    """The float32 ulp at each float64 value r: 2**(e - 23), e = r's binary
    exponent, at least -126 (subnormal ulps below 2**-126).  From the bits
    (no log2/exp2, which are slow scalar libm calls on some platforms, and
    under emulation); r = 0 and float64 subnormals take the -126 floor."""
    e = ((r.view(np.uint64) >> np.uint64(52)) & np.uint64(0x7FF)).astype(np.int64) - 1023
    return ((np.maximum(e, -126) - 23 + 1023).astype(np.uint64) << np.uint64(52)).view(np.float64)


def check(mod, name, stride, chunk=1 << 24, target=None):
    uf = getattr(mod, name)
    if target is not None:
        f2 = uf

        def uf(x):
            return f2(x, x.dtype.type(target))
    worst = (0.0, None, None, None)
    over = {0.5: 0, 1.0: 0}
    for start in range(0, 1 << 32, chunk):
        x = np.arange(start, start + chunk, stride, dtype=np.uint64).astype(np.uint32).view(np.float32)
        got = uf(x)
        with np.errstate(invalid="ignore"):
            ref = uf(x.astype(np.float64))
        # A finite float64 value beyond float32's range rounds to +-inf
        # (sigmoid_grad_from_output(-2**64) = -inf is correct): compare
        # such results with the reference rounded to float32, exactly.
        with np.errstate(over="ignore"):
            ref32 = ref.astype(np.float32)
        fin = np.isfinite(ref32)
        special_ok = (np.isnan(ref) & np.isnan(got)) | (ref32 == got)
        if not np.all(special_ok | fin):
            i = np.flatnonzero(~(special_ok | fin))[0]
            raise AssertionError(f"{name}({x[i]!r}) = {got[i]!r}, want {ref[i]!r}")
        if not fin.any():
            continue
        r = ref[fin]
        g = got[fin].astype(np.float64)
        err = np.abs(g - r) / ulp32(r)
        for b in over:
            over[b] += int(np.count_nonzero(err > b))
        i = int(np.argmax(err))
        if err[i] > worst[0]:
            worst = (float(err[i]), x[fin][i], got[fin][i], r[i])
    return worst, over


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("funcs", nargs="*", default=list(FUNCS))
    ap.add_argument("--level", default=None, help="SIMD level (default: the active one)")
    ap.add_argument("--stride", type=int, default=1, help="test every STRIDE-th bit pattern")
    a = ap.parse_args()
    mod = _dispatch.load(a.level) if a.level else _dispatch.load(_dispatch.runnable_levels()[0])
    print(f"level {mod.LEVEL}, stride {a.stride}")
    print("| function | max ulp | at x | got | exact | inputs > 0.5 ulp | > 1 ulp |")
    print("|---|---|---|---|---|---|---|")
    for name in a.funcs:
        for y in BINARY_TARGETS.get(name, (None,)):
            t0 = time.time()
            (m, x, g, r), over = check(mod, name, a.stride, target=y)
            label = name if y is None else f"{name}(z, {y:g})"
            print(f"| {label} | {m:.3f} | {x!r} | {g!r} | {r!r} | {over[0.5]} | {over[1.0]} |"
                  f"  ({time.time() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
