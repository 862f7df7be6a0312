"""Fuzz harness: random bytes reinterpreted as float16/32/64 arrays.

Random bit patterns (every NaN payload, infinities, subnormals, signed
zeros, huge and tiny values), random shapes and random views (steps,
negative steps, transposes, misaligned starts, broadcast operands) go
through every ufunc and the BCE-with-logits loss (every reduction).  A
fixed, derandomized budget keeps the run reproducible and short.

Checked for every call: no crash, the result's shape and dtype, inputs left
unchanged; for unary ufuncs the strided result is bit-identical to the
result on a contiguous copy and to the same data inside a large (threaded)
array; NaN out iff NaN in for sigmoid, sigmoid_grad, log_sigmoid, softplus
and silu; sigmoid in [0, 1].
"""
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import sigfast
from sigfast._registry import BINARY, BY_NAME, UNARY

FUZZ = settings(max_examples=300, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
DTYPES = [np.float16, np.float32, np.float64]
BIG = 40_001          # above the kernels' threading threshold (32768)


def same_bits(a, b):
    a = np.asarray(a)
    b = np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def same_bits_up_to_nan_sign(a, b, name):
    """Bit equality, NaN payload and sign included (NaN inputs are passed through)."""
    return same_bits(a, b)


@st.composite
def random_bits(draw, dtype=None, shape=None):
    """(view, dtype): an array view whose elements are random bit patterns."""
    dtype = np.dtype(draw(st.sampled_from(DTYPES)) if dtype is None else dtype)
    if shape is None:
        ndim = draw(st.integers(0, 3))
        shape = tuple(draw(st.integers(0, 9)) for _ in range(ndim))
    transpose = len(shape) >= 2 and draw(st.booleans())
    if transpose:
        shape = shape[::-1]
    steps = [draw(st.sampled_from([1, 1, 2, 3, -1, -2])) for _ in shape]
    base_shape = tuple(max(s, 1) * abs(k) for s, k in zip(shape, steps))
    n = math.prod(base_shape)
    offset = draw(st.integers(0, dtype.itemsize - 1))          # misaligned start
    raw = draw(st.binary(min_size=offset + n * dtype.itemsize,
                         max_size=offset + n * dtype.itemsize))
    base = np.frombuffer(raw, dtype=dtype, offset=offset, count=n).reshape(base_shape)
    if draw(st.booleans()):
        base = base.copy()                                     # aligned, writeable
    view = base[tuple(slice(None, None, k) for k in steps)]
    view = view[tuple(slice(0, s) for s in shape)]
    return (view.T if transpose else view), dtype


def snapshot(*arrays):
    return [(a.dtype.str, a.shape, a.tobytes()) for a in arrays]


@FUZZ
@given(data=random_bits())
def test_fuzz_unary(data):
    x, dtype = data
    before = snapshot(x)
    for name in UNARY:
        f = getattr(sigfast, name)
        r = np.asarray(f(x))
        assert r.dtype == dtype and r.shape == x.shape, name
        # contiguous copy of the same data: the same bits
        assert same_bits_up_to_nan_sign(r, f(x.copy(order="C")), name), name
        # the same data inside a large array (threaded contiguous path)
        if x.size:
            flat = x.ravel()
            big = np.resize(flat, BIG)
            with sigfast.num_threads(2):
                rb = f(big)
            assert same_bits_up_to_nan_sign(rb[: flat.size], r.ravel(), name), name
            assert same_bits_up_to_nan_sign(rb, f(big[::-1])[::-1], name), name
        if BY_NAME[name].nan_iff_nan:
            assert np.array_equal(np.isnan(r), np.isnan(x)), name
        if BY_NAME[name].domain == "nonpositive":   # NaN outside x <= 0
            with np.errstate(invalid="ignore"):
                assert np.array_equal(np.isnan(r), np.isnan(x) | (x > 0)), name
        if name == "sigmoid":
            ok = r[~np.isnan(r)]
            assert np.all((ok >= 0) & (ok <= 1))
    assert snapshot(x) == before


@FUZZ
@given(data=st.data())
def test_fuzz_binary(data):
    z, dtype = data.draw(random_bits())
    # targets: the same shape, the last axis only (broadcast), or 0-d
    kind = data.draw(st.sampled_from(["same", "last", "scalar"]))
    yshape = z.shape if kind == "same" else (z.shape[-1:] if kind == "last" else ())
    y, _ = data.draw(random_bits(dtype=dtype, shape=yshape))
    before = snapshot(z, y)
    shape = np.broadcast_shapes(z.shape, y.shape)
    for name in BINARY:
        f = getattr(sigfast, name)
        r = np.asarray(f(z, y))
        assert r.dtype == dtype and r.shape == shape, name
        zc, yc = (np.array(a, order="C") for a in np.broadcast_arrays(z, y))
        assert same_bits(r, f(zc, yc)), name
        # NaN in either argument gives NaN
        assert np.all(np.isnan(r)[np.isnan(zc) | np.isnan(yc)]), name
    assert snapshot(z, y) == before


@FUZZ
@given(data=st.data())
def test_fuzz_bce_with_logits_loss(data):
    z, dtype = data.draw(random_bits(dtype=data.draw(st.sampled_from([np.float32, np.float64]))))
    y, _ = data.draw(random_bits(dtype=dtype, shape=z.shape))
    kw = {}
    if data.draw(st.booleans()):
        kw["weight"], _ = data.draw(random_bits(dtype=dtype, shape=z.shape))
    if z.ndim and data.draw(st.booleans()):
        kw["pos_weight"], _ = data.draw(random_bits(dtype=dtype, shape=z.shape[-1:]))
    kw["label_smoothing"] = data.draw(st.sampled_from([0.0, 0.1, 1.0]))
    axis = data.draw(st.sampled_from([None, -1] if z.ndim else [None]))
    before = snapshot(z, y, *(kw[k] for k in ("weight", "pos_weight") if k in kw))
    with np.errstate(all="ignore"):
        terms = sigfast.binary_cross_entropy_with_logits(z, y, reduction="none", **kw)
        assert terms.dtype == dtype and terms.shape == z.shape
        nan_in = np.isnan(z) | np.isnan(y)
        assert np.all(np.isnan(terms)[nan_in])
        for reduction in ("mean", "sum"):
            loss = sigfast.binary_cross_entropy_with_logits(z, y, reduction=reduction,
                                                            axis=axis, **kw)
            want_shape = () if axis is None else z.shape[:-1]
            assert np.shape(loss) == want_shape and np.asarray(loss).dtype == dtype
            grad = sigfast.binary_cross_entropy_with_logits_grad(z, y, reduction=reduction,
                                                                 axis=axis, **kw)
            assert grad.shape == z.shape and grad.dtype == dtype
            if axis is None and nan_in.any():
                assert np.isnan(loss)
        total = sigfast.binary_cross_entropy_with_logits(z, y, reduction="sum", **kw)
        t64 = terms.astype(np.float64).ravel()
        if np.all(np.isfinite(t64)) and np.isfinite(np.abs(t64).sum()) and np.isfinite(total):
            # the float64 sum of the terms, to the error bound of a float64
            # summation plus the rounding of each stored term to the dtype
            bound = (t64.size * 2.0 ** -53 + float(np.finfo(dtype).eps)) * np.abs(t64).sum()
            assert abs(float(total) - math.fsum(t64)) <= bound + float(np.finfo(dtype).tiny)
    assert snapshot(z, y, *(kw[k] for k in ("weight", "pos_weight") if k in kw)) == before


@pytest.mark.parametrize("name,dtype", [
    ("silu_grad", np.float16),
    ("silu_grad", np.float32),
    ("silu_grad", np.float64),
    ("silu", np.float64),
    ("silu", np.float32),
    ("silu", np.float16),
])
def test_nan_sign_independent_of_layout(name, dtype):
    from sigfast import _dispatch
    signs = set()
    for level in _dispatch.runnable_levels():
        f = getattr(_dispatch.load(level), name)
        for n in list(range(1, 34)) + [1000]:
            r = f(np.full(n, -np.nan, dtype))
            assert np.all(np.isnan(r))
            signs.update(np.signbit(r).tolist())
    assert len(signs) == 1


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("dtype", DTYPES)
def test_nan_bits_independent_of_layout(name, dtype):
    """The other unary ufuncs give one NaN bit pattern per input NaN, wherever it sits."""
    ut = {2: np.uint16, 4: np.uint32, 8: np.uint64}[np.dtype(dtype).itemsize]
    sign = ut(1) << ut(8 * np.dtype(dtype).itemsize - 1)
    quiet = np.array([np.nan], dtype).view(ut)[0]
    for pattern in (quiet, quiet | sign, quiet | ut(1), quiet | ut(1) | sign):
        x = np.full(1000, pattern, ut).view(dtype)
        r = getattr(sigfast, name)(x)
        assert len(set(r.view(ut).tolist())) == 1, hex(int(pattern))
        assert same_bits(r[::3], getattr(sigfast, name)(x[::3]))
