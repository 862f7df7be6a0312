"""pytest-benchmark: every sigfast ufunc against the NumPy expression a user
would otherwise write (sigfast._bench.peers.COMPARE, keyed by registry name).

    pytest bench/ --benchmark-group-by=param            # n = 1e3, 1e5, 1e6
    pytest bench/ --benchmark-group-by=param --bench-large   # + n = 1e7

``test_sigfast`` and ``test_numpy`` take the same parameters (func, dtype, n),
so grouping by param puts the two side by side; each benchmark also sets
``benchmark.group`` to the same "func-dtype-n" name, so the default grouping
compares them too.  Outputs are preallocated and passed with ``out=``.
Threads: sigfast's default (SIGFAST_NUM_THREADS / OMP_NUM_THREADS to change).
Nothing here asserts on speed; the results are checked once for agreement.
"""
import numpy as np
import pytest

import sigfast
from sigfast import _bench

SIZES = [1_000, 100_000, 1_000_000,
         pytest.param(10_000_000, marks=pytest.mark.large, id="10000000")]
FUNCS = _bench.UFUNC_NAMES + _bench.LOSS_NAMES

params = pytest.mark.parametrize("n", SIZES)
dtypes = pytest.mark.parametrize("dtype", _bench.DTYPES)
funcs = pytest.mark.parametrize("func", FUNCS)


def _setup(benchmark, func, dtype, n):
    f = _bench.COMPARE[func]
    args = _bench.make_inputs(func, dtype, n)
    out = None if f.reduce else np.empty(n, dtype)
    benchmark.group = f"{func}-{dtype}-{n}"
    benchmark.extra_info.update(func=func, dtype=dtype, n=n,
                                numpy_expr=f.numpy_src,
                                simd_level=sigfast.simd_level,
                                threads=sigfast.get_num_threads())
    return f, args, out


@params
@dtypes
@funcs
def test_sigfast(benchmark, func, dtype, n):
    f, args, out = _setup(benchmark, func, dtype, n)
    fn = getattr(sigfast, func)
    if f.reduce:
        benchmark(fn, *args)
        return
    benchmark(fn, *args, out=out)
    with np.errstate(all="ignore"):
        ref = f.numpy(*args, np.empty(n, dtype))
    np.testing.assert_allclose(out, ref, rtol=1e-3 if dtype == "float32" else 1e-9,
                               atol=1e-6)


@params
@dtypes
@funcs
def test_numpy(benchmark, func, dtype, n):
    f, args, out = _setup(benchmark, func, dtype, n)
    with np.errstate(all="ignore"):
        benchmark(f.numpy, *args, out)
