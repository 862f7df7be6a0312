"""Ufunc methods (``reduce``, ``accumulate``, ``reduceat``, ``outer``,
``at``) of every ufunc, for every dtype it has a loop for (bfloat16
included when ml_dtypes registered it): the sequential result, as a Python
loop of plain, non-aliased ufunc calls gives it.

NumPy runs these methods through the ordinary inner loop with the output
aliased to input 0 (the accumulator: step 0 for ``reduce``, one element
behind for ``accumulate``).  A loop that reads a block of the accumulator
before writing any of it computes f(x0, x_i) for every i, and for float16
reads whatever ``out`` held before the call; sigfast detects the aliasing
and goes element by element (issue 13, item 8; bfloat16, which had loops
of its own without that guard: issue 23, item 2).
"""
import numpy as np
import pytest

import sigfast
from sigfast import _dispatch
from sigfast._registry import BINARY, UFUNCS
from sigfast._testing import typical


def loop_dtypes(name):
    """Every dtype ufunc ``name`` has a same-type loop for: its built-in ones
    (from ``ufunc.types``) and bfloat16 when ml_dtypes is installed
    (registered at import, so not in ``types``).  The integer loops of the
    SciPy names (``b->d``, ...) give float64, so in-place methods do not
    apply to them; tests/test_migration.py covers them."""
    dts = [np.dtype(t[0]) for t in getattr(sigfast, name).types if t[0] == t[-1]]
    bf = _dispatch.bfloat16_dtype()
    return dts + ([bf] if bf is not None else [])


#: (ufunc name, dtype) for every ufunc of the registry and every loop it has
CASES = [pytest.param(u.name, dt, id=f"{u.name}-{dt.name}")
         for u in UFUNCS for dt in loop_dtypes(u.name)]
BINARY_CASES = [c for c in CASES if c.values[0] in BINARY]
# 1500 crosses the strided loop's 512-element block; 70_001 the threaded
# contiguous path (PAR_MIN = 32768 elements).
SIZES = [2, 7, 1500]


def values(name, dtype, n, seed=0):
    """A sequence for a running f(acc, x): the second operands of typical()
    (for a unary function, its typical inputs)."""
    y = typical(name, np.float64, n, seed)[-1]
    # keep the running value in a range where the float16 results are finite
    return np.clip(y, -8, 8).astype(dtype)


def loop_accumulate(f, x):
    """The sequential definition: acc_0 = x_0, acc_i = f(acc_{i-1}, x_i),
    each step rounded to the dtype (a ufunc call on 0-d arrays)."""
    out = np.empty_like(x)
    acc = np.asarray(x[0])
    out[0] = acc
    for i in range(1, x.size):
        acc = f(acc, np.asarray(x[i]))
        out[i] = acc
    return out


def same_bits(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    if got.dtype == np.longdouble:
        # x87 long double has padding bytes that no arithmetic defines: the
        # values, signed zeros and NaNs included
        assert np.array_equal(got, want, equal_nan=True), np.flatnonzero(got != want)[:10]
        assert np.array_equal(np.signbit(got), np.signbit(want))
        return
    assert got.tobytes() == want.tobytes(), np.flatnonzero(got != want)[:10]


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("name, dtype", BINARY_CASES)
def test_reduce_and_accumulate_are_sequential(name, dtype, n, threads):
    f = getattr(sigfast, name)
    x = values(name, dtype, n)
    want = loop_accumulate(f, x)
    with sigfast.num_threads(threads):
        same_bits(f.reduce(x), want[-1])
        same_bits(f.accumulate(x), want)
        # strided input, and a reversed one
        same_bits(f.reduce(x[::-1]), loop_accumulate(f, x[::-1])[-1])
        same_bits(f.accumulate(x[::2]), loop_accumulate(f, x[::2]))


@pytest.mark.parametrize("name, dtype", BINARY_CASES)
def test_accumulate_does_not_read_stale_out(name, dtype):
    f = getattr(sigfast, name)
    x = values(name, dtype, 1500)
    want = loop_accumulate(f, x)
    for fill in (0.0, 5.0, np.nan, -np.inf):
        out = np.full(x.shape, fill, dtype)
        assert f.accumulate(x, out=out) is out
        same_bits(out, want)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", BINARY)
def test_accumulate_threaded_size(name, dtype):
    # contiguous and above PAR_MIN: must not be split across threads
    f = getattr(sigfast, name)
    x = values(name, dtype, 70_001)
    want = loop_accumulate(f, x)
    with sigfast.num_threads(2):
        same_bits(f.accumulate(x), want)
        same_bits(f.reduce(x), want[-1])


@pytest.mark.parametrize("name, dtype", BINARY_CASES)
def test_reduce_along_axes_and_reduceat(name, dtype):
    f = getattr(sigfast, name)
    x = values(name, dtype, 600).reshape(40, 15)
    cols = np.stack([loop_accumulate(f, x[:, j])[-1] for j in range(x.shape[1])])
    rows = np.stack([loop_accumulate(f, x[i])[-1] for i in range(x.shape[0])])
    same_bits(f.reduce(x, axis=0), cols)
    same_bits(f.reduce(x, axis=1), rows)
    same_bits(f.reduce(x, axis=1, keepdims=True), rows[:, None])
    same_bits(f.accumulate(x, axis=1), np.stack([loop_accumulate(f, r) for r in x]))
    same_bits(f.reduce(np.asfortranarray(x), axis=1), rows)
    idx = [0, 5, 6, 14]
    r = x[0]
    want = np.stack([loop_accumulate(f, r[a:b])[-1] for a, b in zip(idx, idx[1:] + [r.size])])
    same_bits(f.reduceat(r, idx), want)


@pytest.mark.parametrize("name", BINARY)
def test_reduce_with_initial_and_where(name):
    f = getattr(sigfast, name)
    x = values(name, np.float64, 50)
    init = np.float64(0.75)
    want = loop_accumulate(f, np.concatenate([[init], x]))[-1]
    same_bits(f.reduce(x, initial=init), want)
    mask = np.arange(x.size) % 3 != 0
    want = loop_accumulate(f, np.concatenate([[init], x[mask]]))[-1]
    same_bits(f.reduce(x, initial=init, where=mask), want)


@pytest.mark.parametrize("name, dtype", BINARY_CASES)
def test_plain_calls_unchanged(name, dtype):
    # the exact in-place alias (out is input 0) stays a block loop, with the
    # same bits as a fresh output
    f = getattr(sigfast, name)
    z, y = (a.astype(dtype) for a in typical(name, np.float64, 3001))
    want = f(z, y)
    zz = z.copy()
    f(zz, y, out=zz)
    same_bits(zz, want)
    zz = z.copy()
    f(zz[::2], y[::2], out=zz[::2])
    same_bits(zz[::2], want[::2])


@pytest.mark.parametrize("name, dtype", BINARY_CASES)
def test_outer(name, dtype):
    # outer is an ordinary call on broadcast operands: no aliasing, the same
    # bits as the broadcast call
    f = getattr(sigfast, name)
    z, y = (values(name, dtype, k, seed) for k, seed in ((37, 1), (600, 2)))
    same_bits(f.outer(z, y), f(z[:, None], y[None, :]))
    out = np.full((z.size, y.size), 3.0, dtype)
    assert f.outer(z, y, out=out) is out
    same_bits(out, f(z[:, None], y[None, :]))


def loop_at(f, a, idx, *b):
    """ufunc.at's definition: a[i] = f(a[i], b_k) for each index in turn
    (repeated indices apply again), as 0-d calls."""
    a = a.copy()
    for k, i in enumerate(idx):
        a[i] = f(np.asarray(a[i]), *(np.asarray(v[k]) for v in b))
    return a


@pytest.mark.parametrize("name, dtype", CASES)
def test_at(name, dtype):
    f = getattr(sigfast, name)
    a = values(name, dtype, 1500)
    # repeated indices, each applied on the result of the previous one
    idx = np.random.default_rng(3).integers(0, 40, 2000)
    b = (values(name, dtype, idx.size, seed=4),) if f.nin == 2 else ()
    want = loop_at(f, a, idx, *b)
    got = a.copy()
    assert f.at(got, idx, *b) is None
    same_bits(got, want)
    # a strided view and a scalar operand
    got = a.copy()
    f.at(got[::3], idx[:50], *(v[:1] for v in b))
    whole = a.copy()
    whole[::3] = loop_at(f, a[::3], idx[:50], *(np.repeat(v[:1], 50) for v in b))
    same_bits(got, whole)


@pytest.mark.parametrize("name, dtype", [c for c in CASES if c.values[0] not in BINARY])
def test_unary_methods_raise_as_numpy(name, dtype):
    # NumPy defines reduce/accumulate/reduceat/outer for binary ufuncs only
    f = getattr(sigfast, name)
    x = values(name, dtype, 10)
    for call in (lambda: f.reduce(x), lambda: f.accumulate(x),
                 lambda: f.reduceat(x, [0, 5]), lambda: f.outer(x, x)):
        with pytest.raises(ValueError, match="only supported for binary functions"):
            call()
    with pytest.raises(ValueError, match="only supported for binary functions"):
        np.negative.reduce(x.astype(np.float64))
