"""The ufunc loops leave the calling thread's floating-point exception flags
as they found them.

The kernels evaluate both sides of every select, so they raise overflow,
invalid, underflow and inexact on the way to correct values; the float
loops put the flags back with a guard on MXCSR (x86-64, sf_platform.h
sf_fpstate_*) instead of <fenv.h>'s test/clear/raise, which also reloads the
x87 environment and cost ~150 ns per call.  NumPy itself clears the four
error flags around a ufunc call, so the flags a sigfast ufunc call leaves
must be exactly those a ufunc that raises nothing (np.negative) leaves, for
each sentinel set before the call (none, the lowest flag, all of them, as
opaque bits read through libm): every dtype loop (float16 through the
float32 kernel, float32, float64, long double), contiguous and strided, one
and two threads, every SIMD level.
"""
import numpy as np
import pytest

import sigfast
from sigfast import _dispatch, _registry
from sigfast._testing.fpflags import LIBM, SENTINELS, flags_after


pytestmark = pytest.mark.skipif(LIBM is None, reason="no fetestexcept to call through ctypes")


def inputs(dt, n):
    """Values that make the kernels raise every flag: overflow and invalid on
    the discarded side of selects, underflow (subnormal results), inexact."""
    fi = np.finfo(dt)
    base = np.array([0.0, -0.0, 1.0, -1.0, 0.5, 30.0, -30.0, 120.0, -120.0,
                     800.0, -800.0, -745.0, -104.0, 1e30, -1e30, np.inf, -np.inf, np.nan],
                    dtype=np.float64)
    with np.errstate(all="ignore"):
        x = np.concatenate([base.astype(dt), np.array([fi.max, -fi.max, fi.tiny,
                                                       fi.smallest_subnormal], dt)])
    return np.resize(x, n)


@pytest.mark.parametrize("level", _dispatch.runnable_levels())
@pytest.mark.parametrize("dt", [np.float16, np.float32, np.float64, np.longdouble])
@pytest.mark.parametrize("name", _registry.NAMES)
def test_ufunc_restores_flags(level, dt, name):
    mod = _dispatch.load(level)
    uf = getattr(mod, name)
    entry = _registry.BY_NAME[name]
    old = sigfast.get_num_threads()
    try:
        for n, nt in ((1, 1), (37, 1), (70001, 2)):     # 70001 > PAR_MIN: 2 threads
            sigfast.set_num_threads(nt)
            x = inputs(dt, n)
            if entry.domain == "unit":
                with np.errstate(all="ignore"):
                    x = np.abs(np.tanh(x.astype(np.float64))).astype(dt)
            args = (x,) * entry.nin
            strided = tuple(np.repeat(a, 2)[::2] for a in args)
            for a in (args, strided):
                for s in SENTINELS:
                    want, _ = flags_after(lambda: np.negative(a[0]), s)
                    got, _ = flags_after(lambda: uf(*a), s)
                    assert got == want, (name, np.dtype(dt).name, n, nt, hex(got), hex(want))
    finally:
        sigfast.set_num_threads(old)
