"""pytest-benchmark: the absolute-time history of sigfast's own calls.

Its one job: did a change make a sigfast call slower *in seconds* on the
same quiet machine?  Speed-ups over NumPy and the peers are the interleaved
engine's job (``python -m sigfast``, ``bench/check_ratios.py``), and the
deterministic kernel gate is ``bench/instruction_counts.py``; neither keeps
absolute times across commits, which this does:

    pytest bench/ --benchmark-only --benchmark-autosave        # record (reference commit)
    pytest bench/ --benchmark-only --benchmark-compare \
        --benchmark-compare-fail=median:10%                     # later: fail if 10 % slower
    pytest bench/ --benchmark-only --bench-large ...            # + n = 1e7

Saved runs live in ``.benchmarks/`` (per machine; compare only runs of one
machine).  Outputs are preallocated and passed with ``out=``.  Threads:
sigfast's default (SIGFAST_NUM_THREADS / OMP_NUM_THREADS to change).  Each
result is checked once against the NumPy expression.
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

