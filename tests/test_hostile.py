"""Hostile inputs: a clear error or the correct result, never a crash, and
never a partly written output when a call fails.

Covers bad dtypes, float16, non-native byte order, misaligned buffers,
partially overlapping in/out, read-only and mis-shaped ``out``, 0-d and
empty arrays, signed zeros, subnormals, infinities and NaN, for every ufunc
and the loss functions; and a hypothesis sweep over dtypes, shapes, strides
and values (inf, NaN, subnormals included) against the reference twin
``sigfast._ref``.
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import sigfast
from sigfast import _ref
from sigfast._registry import NAMES as ALL, BINARY, BY_NAME, UNARY
from sigfast._testing import typical as sample, twin_rtol as tolerance

FLOATS = [np.float16, np.float32, np.float64]
LOSSES = {
    "bce_logits": lambda z, y, **k: sigfast.binary_cross_entropy_with_logits(z, y, **k),
    "bce_logits_grad": lambda z, y, **k: sigfast.binary_cross_entropy_with_logits_grad(z, y, **k),
    "bce_logits_loss_and_grad":
        lambda z, y, **k: sigfast.binary_cross_entropy_with_logits_loss_and_grad(z, y, **k),
}
REDUCTIONS = ["none", "mean", "sum"]


def ufunc(name):
    return getattr(sigfast, name)


def args_for(name, dtype, n, seed=0):
    """Sample arguments (float64 sample cast to ``dtype``, float16 included)."""
    return tuple(a.astype(dtype) for a in sample(name, np.float64, n, seed))


def bits(a):
    a = np.asarray(a)
    return a.dtype.str, a.shape, a.tobytes()


def assert_same_bits(got, want):
    got = np.asarray(got)
    want = np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype)
    if got.dtype == np.longdouble:
        # x87 extended is stored with padding bytes of no meaning: compare
        # the values and the signs (of zeros too)
        assert np.array_equal(got, want, equal_nan=True), (got, want)
        assert np.array_equal(np.signbit(got), np.signbit(want)), (got, want)
        return
    assert got.tobytes() == want.tobytes(), np.flatnonzero(
        got.view(np.uint8) != want.view(np.uint8))[:10]


def misaligned(values, offset=1, writeable=True):
    """A copy of ``values`` in a buffer at a byte offset that breaks alignment."""
    values = np.asarray(values)
    raw = bytearray(values.nbytes + offset)
    a = np.frombuffer(raw, dtype=values.dtype, offset=offset, count=values.size)
    a = a.reshape(values.shape)
    a[...] = values
    if not writeable:
        a = np.frombuffer(bytes(raw), dtype=values.dtype, offset=offset,
                          count=values.size).reshape(values.shape)
    assert not a.flags.aligned
    assert np.array_equal(a, values, equal_nan=True)
    return a


# ---------------------------------------------------------------------------
# bad dtypes: TypeError, out untouched
# ---------------------------------------------------------------------------

BAD = {
    "complex": lambda: np.array([1 + 2j, 0.5]),
    "object": lambda: np.array([0.5, object()], dtype=object),
    "object_floats": lambda: np.array([0.5, 1.0], dtype=object),
    "str": lambda: np.array(["0.5", "a"]),
    "bytes": lambda: np.array([b"0.5", b"a"]),
    "datetime": lambda: np.array(["2020-01-01", "2021-01-01"], dtype="datetime64[D]"),
    "timedelta": lambda: np.array([1, 2], dtype="timedelta64[s]"),
    "huge_python_int": lambda: [10 ** 400, 1],
}


@pytest.mark.parametrize("bad", list(BAD))
@pytest.mark.parametrize("name", ALL)
def test_bad_dtype_is_typeerror_and_out_untouched(name, bad):
    f = ufunc(name)
    good = np.array([0.25, 0.5])
    for pos in range(f.nin):
        args = [good] * f.nin
        args[pos] = BAD[bad]()
        out = np.full(2, 7.0)
        with pytest.raises(TypeError):
            f(*args)
        with pytest.raises(TypeError):
            f(*args, out=out)
        assert np.all(out == 7.0)


@pytest.mark.parametrize("bad", list(BAD))
@pytest.mark.parametrize("loss", list(LOSSES))
def test_losses_bad_dtype_is_typeerror(loss, bad):
    good = np.array([0.25, 0.5])
    for args in ((BAD[bad](), good), (good, BAD[bad]())):
        with pytest.raises(TypeError):
            LOSSES[loss](*args)
    with pytest.raises(TypeError):
        sigfast.binary_cross_entropy(BAD[bad](), good)
    with pytest.raises(TypeError):
        sigfast.sigmoid_focal_loss(good, BAD[bad]())
    with pytest.raises(TypeError):
        sigfast.binary_cross_entropy_with_logits(good, good, weight=BAD[bad]())
    with pytest.raises(TypeError):
        sigfast.binary_cross_entropy_with_logits(good, good, pos_weight=BAD[bad]())


def test_longdouble_loss_inputs_compute_in_longdouble():
    # Long double logits (with bits float64 does not have) give a long double
    # loss: the long double ufunc's terms, summed in long double.  (This test
    # encoded the old behaviour, float64, before the long double loops.)
    L = np.longdouble
    z = np.array([-3.0, 0.5, 7.0], L) * (1 + L(2) ** -60)
    y = np.array([0.0, 1.0, 0.25])
    terms = sigfast.bce_with_logits(z, y.astype(L))
    assert terms.dtype == L
    want = {"none": terms, "sum": np.sum(terms, dtype=L), "mean": np.sum(terms, dtype=L) / 3}
    for red in REDUCTIONS:
        got = sigfast.binary_cross_entropy_with_logits(z, y, reduction=red)
        assert np.asarray(got).dtype == L
        assert_same_bits(got, want[red])
    g = sigfast.binary_cross_entropy_with_logits_grad(z, y, reduction="none")
    assert_same_bits(g, sigfast.bce_with_logits_grad(z, y.astype(L)))


# ---------------------------------------------------------------------------
# float16: computed in float32, rounded once to float16
# ---------------------------------------------------------------------------

SPECIALS = [0.0, -0.0, 1.0, -1.0, 0.5, np.inf, -np.inf, np.nan, 65504.0, -65504.0,
            6e-8, -6e-8, 6.1e-5, -6.1e-5, 11.0, -11.0, 0.999, 1e-3]


@pytest.mark.parametrize("name", ALL)
def test_float16_is_float32_rounded(name):
    args = args_for(name, np.float16, 4099)
    args = tuple(np.concatenate([a, np.array(SPECIALS, np.float16)]) for a in args)
    if len(args) == 2:      # every special against every special, too
        s = np.array(SPECIALS, np.float16)
        args = (np.concatenate([args[0], np.repeat(s, s.size)]),
                np.concatenate([args[1], np.tile(s, s.size)]))
    got = ufunc(name)(*args)
    with np.errstate(over="ignore"):     # the float32 result may overflow float16
        want = ufunc(name)(*(a.astype(np.float32) for a in args)).astype(np.float16)
    assert got.dtype == np.float16
    assert_same_bits(got, want)
    # strided float16 goes through the same blocks
    assert_same_bits(ufunc(name)(*(a[::-3] for a in args)), want[::-3])


def test_float16_losses_compute_in_float32():
    z, y = args_for("bce_with_logits", np.float16, 1001)
    for red in REDUCTIONS:
        got = sigfast.binary_cross_entropy_with_logits(z, y, reduction=red)
        want = sigfast.binary_cross_entropy_with_logits(z.astype(np.float32), y.astype(np.float32),
                                                        reduction=red)
        assert_same_bits(got, want)
        assert_same_bits(sigfast.binary_cross_entropy_with_logits_grad(z, y, reduction=red),
                         sigfast.binary_cross_entropy_with_logits_grad(
                             z.astype(np.float32), y.astype(np.float32), reduction=red))


# ---------------------------------------------------------------------------
# byte order
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("order", [">f8", ">f4", ">f2"])
@pytest.mark.parametrize("name", ALL)
def test_non_native_byte_order(name, order):
    dt = np.dtype(order)
    native = dt.newbyteorder("=")
    args = args_for(name, native, 5003)
    swapped = tuple(a.astype(dt) for a in args)
    assert not swapped[0].dtype.isnative
    want = ufunc(name)(*args)
    got = ufunc(name)(*swapped)
    assert got.dtype == native
    assert_same_bits(got, want)
    # mixed byte orders, and a non-native out=
    if len(args) == 2:
        assert_same_bits(ufunc(name)(args[0], swapped[1]), want)
    out = np.zeros(args[0].shape, dt)
    res = ufunc(name)(*swapped, out=out)
    assert res is out
    assert_same_bits(out.astype(native), want)


@pytest.mark.parametrize("order", [">f8", ">f4"])
def test_losses_non_native_byte_order(order):
    native = np.dtype(order).newbyteorder("=")
    z, y = args_for("bce_with_logits", native, 3001)
    w = np.linspace(0.5, 2, z.size).astype(native)
    for red in REDUCTIONS:
        for name, f in LOSSES.items():
            want = f(z, y, weight=w, reduction=red)
            got = f(z.astype(order), y.astype(order), weight=w.astype(order), reduction=red)
            if name == "bce_logits_loss_and_grad":
                for g, wv in zip(got, want):
                    assert_same_bits(g, wv)
            else:
                assert_same_bits(got, want)


# ---------------------------------------------------------------------------
# misaligned buffers
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 37, 70_001])      # 70_001: the threaded path
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ALL)
def test_misaligned_in_and_out(name, dtype, n):
    args = args_for(name, dtype, n)
    want = ufunc(name)(*args)
    # read-only input over a bytes object, as np.frombuffer(b, offset=1) gives
    mis = tuple(misaligned(a, 1, writeable=False) for a in args)
    assert_same_bits(ufunc(name)(*mis), want)
    # misaligned out, and a misaligned operand mixed with an aligned one
    out = misaligned(np.zeros_like(args[0]), 3)
    assert ufunc(name)(*args, out=out) is out
    assert_same_bits(out, want)
    if len(args) == 2:
        assert_same_bits(ufunc(name)(args[0], mis[1]), want)
    # in place on a misaligned buffer
    buf = misaligned(args[0], 1)
    ufunc(name)(buf, *args[1:], out=buf)
    assert_same_bits(buf, want)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_losses_misaligned(dtype):
    z, y = args_for("bce_with_logits", dtype, 5003)
    w = np.linspace(0.5, 2, z.size).astype(dtype)
    zm, ym, wm = (misaligned(a, 1, writeable=False) for a in (z, y, w))
    for red in REDUCTIONS:
        for name, f in LOSSES.items():
            want = f(z, y, weight=w, reduction=red)
            got = f(zm, ym, weight=wm, reduction=red)
            if name == "bce_logits_loss_and_grad":
                for g, wv in zip(got, want):
                    assert_same_bits(g, wv)
            else:
                assert_same_bits(got, want)
    out = misaligned(np.zeros_like(z), 5)
    res = sigfast.binary_cross_entropy_with_logits(zm, ym, reduction="none", out=out)
    assert res is out
    assert_same_bits(out, sigfast.binary_cross_entropy_with_logits(z, y, reduction="none"))


# ---------------------------------------------------------------------------
# overlapping input and output: as if the input were copied first
# ---------------------------------------------------------------------------

# Partially overlapping in/out where NumPy does NOT copy (out lags the input,
# so a sequential loop reads each element before overwriting it): sigfast
# keeps such calls on one thread, since parallel chunks are not sequential.


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("n", [17, 1030, 100_003])
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ALL)
def test_partial_overlap_out_above_input(name, dtype, n, threads):
    """NumPy copies the input here; the result is as if it were copied first."""
    f = ufunc(name)
    args = args_for(name, dtype, n)
    extra = args[1:]
    with sigfast.num_threads(threads):
        a = args[0].copy()
        want = f(a[:-1].copy(), *(e[:-1] for e in extra))
        f(a[:-1], *(e[:-1] for e in extra), out=a[1:])
        assert_same_bits(a[1:], want)
        assert_same_bits(a[:1], args[0][:1])
        # reversed view over the same memory
        a = args[0].copy()
        want = f(a[::-1].copy(), *extra)
        f(a[::-1], *extra, out=a)
        assert_same_bits(a, want)
        if len(args) == 2:
            # the second input overlaps the output
            z, y = args[0].copy(), args[1].copy()
            want = f(z[1:], y[:-1].copy())
            f(z[1:], y[:-1], out=y[1:])
            assert_same_bits(y[1:], want)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("n", [17, 1030, 100_003])
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ALL)
def test_partial_overlap_out_below_input(name, dtype, n, threads, request):
    """NumPy does not copy here (a sequential loop would be safe)."""
    f = ufunc(name)
    args = args_for(name, dtype, n)
    extra = args[1:]
    with sigfast.num_threads(threads):
        a = args[0].copy()
        want = f(a[1:].copy(), *(e[1:] for e in extra))
        f(a[1:], *(e[1:] for e in extra), out=a[:-1])
        assert_same_bits(a[:-1], want)
        assert_same_bits(a[-1:], args[0][-1:])
        if len(args) == 2:
            z, y = args[0].copy(), args[1].copy()
            want = f(z[:-1], y[1:].copy())
            f(z[:-1], y[1:], out=y[:-1])
            assert_same_bits(y[:-1], want)


def test_loss_out_overlapping_inputs():
    z, y = args_for("bce_with_logits", np.float64, 1001)
    want = sigfast.binary_cross_entropy_with_logits(z, y, reduction="none")
    zz = z.copy()
    res = sigfast.binary_cross_entropy_with_logits(zz, y, reduction="none", out=zz)
    assert res is zz
    assert_same_bits(zz, want)
    g_want = sigfast.binary_cross_entropy_with_logits_grad(z, y)
    zz = z.copy()
    sigfast.binary_cross_entropy_with_logits_grad(zz, y, out=zz)
    assert_same_bits(zz, g_want)


# ---------------------------------------------------------------------------
# out= that cannot be written: an error, nothing written
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ALL)
def test_readonly_or_misshaped_out(name):
    f = ufunc(name)
    args = args_for(name, np.float64, 100_003)
    ro = np.full(args[0].shape, 7.0)
    ro.flags.writeable = False
    with pytest.raises(ValueError):
        f(*args, out=ro)
    assert np.all(ro == 7.0)
    small = np.full(args[0].size - 1, 7.0)
    with pytest.raises(ValueError):
        f(*args, out=small)
    assert np.all(small == 7.0)
    ints = np.full(args[0].shape, 7, np.int64)
    with pytest.raises(TypeError):      # float -> int is not a same_kind cast
        f(*args, out=ints)
    assert np.all(ints == 7)
    # a read-only view of a writeable base
    base = np.full(args[0].shape, 7.0)
    view = base.view()
    view.flags.writeable = False
    with pytest.raises(ValueError):
        f(*args, out=view)
    assert np.all(base == 7.0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_loss_out_errors_write_nothing(reduction):
    z, y = args_for("bce_with_logits", np.float64, 100)
    shape = z.shape if reduction == "none" else ()
    ro = np.full(shape, 7.0)
    ro.flags.writeable = False
    with pytest.raises(ValueError):
        sigfast.binary_cross_entropy_with_logits(z, y, reduction=reduction, out=ro)
    assert np.all(ro == 7.0)
    wrong = np.full((3,), 7.0)
    with pytest.raises(ValueError):
        sigfast.binary_cross_entropy_with_logits(z, y, reduction=reduction, out=wrong)
    assert np.all(wrong == 7.0)
    ints = np.full(shape, 7, np.int64)
    with pytest.raises(TypeError):
        sigfast.binary_cross_entropy_with_logits(z, y, reduction=reduction, out=ints)
    assert np.all(ints == 7)
    ok = np.full(shape, 7.0)
    for bad_kw in ({"reduction": "avg"}, {"label_smoothing": 2.0}, {"axis": 5},
                   {"weight": np.ones(7)}, {"pos_weight": np.ones(3)}):
        kw = {"reduction": reduction, **bad_kw}
        with pytest.raises((ValueError, np.exceptions.AxisError)):
            sigfast.binary_cross_entropy_with_logits(z, y, out=ok, **kw)
        assert np.all(ok == 7.0)
    gro = np.full(z.shape, 7.0)
    gro.flags.writeable = False
    with pytest.raises(ValueError):
        sigfast.binary_cross_entropy_with_logits_grad(z, y, reduction=reduction, out=gro)
    assert np.all(gro == 7.0)


def test_loss_shape_mismatch_is_valueerror():
    with pytest.raises(ValueError, match="same shape"):
        sigfast.binary_cross_entropy_with_logits(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="broadcast"):
        sigfast.bce_with_logits(np.zeros(3), np.zeros(4))


# ---------------------------------------------------------------------------
# 0-d and empty
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ALL)
def test_zero_d_and_empty(name, dtype):
    f = ufunc(name)
    args = args_for(name, dtype, 4)
    full = f(*args)
    r = f(*(np.asarray(a[1]) for a in args))
    assert np.ndim(r) == 0 and np.asarray(r).dtype == dtype
    assert_same_bits(r, full[1])
    out = np.zeros((), dtype)
    assert f(*(np.asarray(a[1]) for a in args), out=out) is out
    assert_same_bits(out, full[1])
    for shape in [(0,), (0, 3), (2, 0, 5)]:
        e = f(*(np.empty(shape, dtype) for _ in args))
        assert e.shape == shape and e.dtype == dtype
    # an empty array against a 0-d one broadcasts to empty
    if f.nin == 2:
        assert f(np.empty((0, 2), dtype), np.asarray(args[1][0])).shape == (0, 2)


def test_losses_zero_d_and_empty():
    ln2 = math.log(2.0)
    assert sigfast.binary_cross_entropy_with_logits(0.0, 1.0) == np.float64(ln2)
    assert sigfast.binary_cross_entropy_with_logits(np.float32(0.0), np.float32(0.0)) \
        == np.float32(ln2)
    r = sigfast.binary_cross_entropy_with_logits(np.asarray(0.0), np.asarray(1.0), reduction="none")
    assert r.shape == () and r == ln2
    g = sigfast.binary_cross_entropy_with_logits_grad(np.asarray(0.0), np.asarray(1.0))
    assert isinstance(g, np.ndarray) and g.shape == () and g == -0.5
    e = np.empty((0,))
    assert sigfast.binary_cross_entropy_with_logits(e, e, reduction="none").shape == (0,)
    assert math.isnan(sigfast.binary_cross_entropy_with_logits(e, e, reduction="mean"))
    assert sigfast.binary_cross_entropy_with_logits(e, e, reduction="sum") == 0.0
    assert sigfast.binary_cross_entropy_with_logits_grad(e, e).shape == (0,)
    e2 = np.empty((3, 0))
    np.testing.assert_array_equal(
        sigfast.binary_cross_entropy_with_logits(e2, e2, reduction="sum", axis=-1), np.zeros(3))
    assert np.all(np.isnan(sigfast.binary_cross_entropy_with_logits(e2, e2, reduction="mean",
                                                                      axis=-1)))
    assert sigfast.binary_cross_entropy_with_logits(e2, e2, reduction="sum", axis=0).shape == (0,)
    loss, grad = sigfast.binary_cross_entropy_with_logits_loss_and_grad(e, e, reduction="sum")
    assert loss == 0.0 and grad.shape == (0,)
    assert sigfast.binary_cross_entropy(e, e, reduction="none").shape == (0,)
    assert sigfast.sigmoid_focal_loss(e, e).shape == (0,)


# ---------------------------------------------------------------------------
# signed zeros, subnormals, infinities, NaN
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
def test_negative_zero(dtype):
    x = np.array([-0.0, 0.0], dtype)
    ln2 = dtype(math.log(2.0))
    assert np.all(sigfast.sigmoid(x) == dtype(0.5))
    assert np.all(sigfast.log_sigmoid(x) == -ln2)
    assert np.all(sigfast.softplus(x) == ln2)
    assert np.all(sigfast.sigmoid_grad(x) == dtype(0.25))
    assert np.all(sigfast.silu_grad(x) == dtype(0.5))
    assert np.all(sigfast.logit(x) == -np.inf)
    assert np.all(sigfast.bce_with_logits(x, x) == ln2)
    assert np.all(sigfast.bce_with_logits_grad(x, x) == dtype(0.5))
    s = sigfast.silu(x)
    assert s[1] == 0 and not np.signbit(s[1])


@pytest.mark.parametrize("dtype", FLOATS)
def test_silu_negative_zero_keeps_sign(dtype):
    s = sigfast.silu(np.array([-0.0], dtype))
    assert s[0] == 0 and np.signbit(s[0])


@pytest.mark.parametrize("dtype", FLOATS)
def test_sigmoid_grad_from_output_negative_zero_keeps_sign(dtype):
    # y (1 - y) at y = -0.0 is -0.0 in IEEE arithmetic (as in the reference twin)
    r = sigfast.sigmoid_grad_from_output(np.array([-0.0], dtype))
    assert r[0] == 0 and np.signbit(r[0]) == np.signbit(_ref.sigmoid_grad_from_output(
        np.array([-0.0], dtype))[0])


@pytest.mark.parametrize("dtype", FLOATS)
def test_subnormal_inputs(dtype):
    fi = np.finfo(dtype)
    sub = fi.smallest_subnormal
    x = np.array([sub, -sub, 2 * sub, -2 * sub, 8 * sub, fi.tiny / 2, -fi.tiny / 3], dtype)
    assert np.all(np.abs(x) < fi.tiny) and np.all(x != 0)
    ln2 = dtype(math.log(2.0))
    assert np.all(sigfast.sigmoid(x) == dtype(0.5))
    assert np.all(sigfast.log_sigmoid(x) == -ln2)
    assert np.all(sigfast.softplus(x) == ln2)
    assert np.all(sigfast.sigmoid_grad(x) == dtype(0.25))
    assert np.all(sigfast.silu_grad(x) == dtype(0.5))
    assert np.all(sigfast.bce_with_logits(x, np.zeros_like(x)) == ln2)
    assert np.all(sigfast.bce_with_logits_grad(x, np.zeros_like(x)) == dtype(0.5))
    assert_same_bits(sigfast.sigmoid_grad_from_output(x), x)   # y - y**2 rounds to y
    # silu(x) = x/2 exactly wherever x/2 is representable (the x**2/4 term is far below it)
    even = np.array([fi.tiny, -fi.tiny, 2 * sub, -2 * sub, 8 * sub, 2 * fi.tiny, 4 * fi.tiny],
                    dtype)
    assert_same_bits(sigfast.silu(even), even / dtype(2))
    assert sigfast.silu(np.array([fi.tiny], dtype))[0] == fi.tiny / 2
    if dtype is np.float64:
        assert sigfast.sigmoid(5e-324) == 0.5
        assert sigfast.sigmoid(np.float64(-5e-324)) == 0.5
    # logit of a subnormal probability is finite and matches the twin
    p = np.array([sub, 3 * sub, fi.tiny / 2], dtype)
    got = sigfast.logit(p)
    assert np.all(np.isfinite(got)) and np.all(got < 0)
    if dtype is not np.float16:
        np.testing.assert_allclose(got, _ref.logit(p), rtol=tolerance(dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", [n for n in UNARY if BY_NAME[n].subnormal_tail])
def test_subnormal_outputs_match_twin(name, dtype):
    """Results deep in the subnormal range are rounded once (not flushed to 0)."""
    lo = -745.0 if dtype is np.float64 else -103.5
    hi = -700.0 if dtype is np.float64 else -85.0
    x = np.linspace(lo, hi, 2001).astype(dtype)
    sub = float(np.finfo(dtype).smallest_subnormal)
    got = ufunc(name)(x).astype(np.float64)
    want = _ref.UNARY[name](x).astype(np.float64)
    tiny = np.abs(want) < float(np.finfo(dtype).tiny)
    assert tiny.sum() > 100 and np.any(got[tiny] != 0)
    # subnormal results: at most one subnormal step from the once-rounded
    # twin; normal ones: the twin's usual relative bound
    assert np.all(np.abs(got[tiny] - want[tiny]) <= sub), name
    np.testing.assert_allclose(got[~tiny], want[~tiny], rtol=tolerance(dtype), atol=0)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", UNARY)
def test_infinities(name, dtype):
    got = ufunc(name)(np.array([np.inf, -np.inf], dtype))
    # f(+inf), f(-inf) from the registry's special values (every unary
    # entry states both: tests/test_registry.py)
    at = {args[0]: want for args, want in BY_NAME[name].special}
    want = np.array([at[np.inf], at[-np.inf]], dtype)
    np.testing.assert_array_equal(got, want)
    zero = want == 0
    assert np.array_equal(np.signbit(got[zero]), np.signbit(want[zero]))


@pytest.mark.parametrize("dtype", FLOATS)
def test_logit_domain_edges(dtype):
    got = sigfast.logit(np.array([0.0, 1.0, -0.5, 1.5, np.nextafter(dtype(1), dtype(2))], dtype))
    np.testing.assert_array_equal(got, np.array([-np.inf, np.inf, np.nan, np.nan, np.nan], dtype))


@pytest.mark.parametrize("dtype", FLOATS)
def test_bce_infinities(dtype):
    inf = np.inf
    z = np.array([inf, -inf, inf, -inf, inf, -inf], dtype)
    y = np.array([1, 0, 0, 1, 0.5, 0.5], dtype)
    np.testing.assert_array_equal(sigfast.bce_with_logits(z, y),
                                  np.array([0, 0, inf, inf, inf, inf], dtype))
    np.testing.assert_array_equal(sigfast.bce_with_logits_grad(z, y),
                                  np.array([0, 0, 1, -1, 0.5, -0.5], dtype))
    loss_dt = np.float32 if dtype is np.float16 else dtype
    np.testing.assert_array_equal(
        sigfast.binary_cross_entropy_with_logits(z, y, reduction="none"),
        np.array([0, 0, inf, inf, inf, inf], loss_dt))
    assert sigfast.binary_cross_entropy_with_logits(z[:2], y[:2], reduction="sum") == 0.0
    # reduction along an axis (NumPy sums of the terms)
    np.testing.assert_array_equal(
        sigfast.binary_cross_entropy_with_logits(z.reshape(3, 2), y.reshape(3, 2),
                                                 reduction="sum", axis=1),
        np.array([0, inf, inf], loss_dt))
    np.testing.assert_array_equal(
        sigfast.binary_cross_entropy_with_logits_grad(z, y, reduction="sum"),
        np.array([0, 0, 1, -1, 0.5, -0.5], loss_dt))



@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_loss_total_of_infinite_terms_is_inf(dtype, reduction):
    z = np.array([np.inf, 1.0, -2.0], dtype)
    y = np.array([0.0, 1.0, 0.0], dtype)
    assert sigfast.binary_cross_entropy_with_logits(z, y, reduction=reduction) == np.inf


def test_loss_total_overflow_is_inf():
    # each term is finite (1e308); their float64 sum overflows to inf
    z = np.array([1e308, 1e308])
    y = np.zeros(2)
    assert sigfast.binary_cross_entropy_with_logits(z, y, reduction="sum") == np.inf


@pytest.mark.parametrize("dtype", FLOATS)
def test_bce_grad_infinite_target_z_negative(dtype):
    z = np.array([-1.0, -50.0, -np.inf], dtype)
    np.testing.assert_array_equal(sigfast.bce_with_logits_grad(z, np.full(3, np.inf, dtype)),
                                  np.full(3, -np.inf, dtype))


@pytest.mark.parametrize("dtype", FLOATS)
def test_bce_grad_infinite_target(dtype):
    z = np.array([0.0, 1.0, 50.0, np.inf, 0.0, -3.0], dtype)
    y = np.array([np.inf, np.inf, np.inf, np.inf, -np.inf, -np.inf], dtype)
    want = _ref.bce_with_logits_grad(z, y).astype(dtype)
    np.testing.assert_array_equal(want, [-np.inf] * 4 + [np.inf] * 2)
    np.testing.assert_array_equal(sigfast.bce_with_logits_grad(z, y), want)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ALL)
def test_nan_in_nan_out(name, dtype):
    f = ufunc(name)
    nan = np.array([np.nan, -np.nan], dtype)
    if f.nin == 1:
        assert np.all(np.isnan(f(nan)))
        return
    for other in (0.0, 1.0, 0.5, -3.0, np.inf, -np.inf, np.nan):
        o = np.full(2, other, dtype)
        assert np.all(np.isnan(f(nan, o))), other
        assert np.all(np.isnan(f(o, nan))), other


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_losses_nan_in_nan_out(reduction, dtype):
    z = np.array([0.5, -2.0, 3.0, np.inf], dtype)
    y = np.array([1.0, 0.0, 0.5, 1.0], dtype)
    for which in ("z", "y", "weight"):
        zz, yy, w = z.copy(), y.copy(), np.ones_like(z)
        {"z": zz, "y": yy, "weight": w}[which][1] = np.nan
        loss = sigfast.binary_cross_entropy_with_logits(zz, yy, weight=w, reduction=reduction)
        grad = sigfast.binary_cross_entropy_with_logits_grad(zz, yy, weight=w, reduction=reduction)
        if reduction == "none":
            assert np.isnan(loss[1]) and not np.isnan(loss[[0, 2, 3]]).any()
        else:
            assert np.isnan(loss)
        assert np.isnan(grad[1]) and not np.isnan(grad[[0, 2, 3]]).any()
    zz = z.copy()
    zz[1] = np.nan
    # a NaN probability is outside [0, 1]: a ValueError, as in PyTorch
    # (tests/test_loss_validation.py)
    with pytest.raises(ValueError, match="between 0 and 1"):
        sigfast.binary_cross_entropy(sigfast.sigmoid(zz), y, reduction=reduction)
    assert np.isnan(sigfast.sigmoid_focal_loss(zz, y, reduction=reduction)).any()


# ---------------------------------------------------------------------------
# hypothesis: dtypes x shapes x strides x values against the twin
# ---------------------------------------------------------------------------

def assert_close_to_twin(got, name, args, dtype):
    """tests/test_ufuncs.py::assert_twin's bound (a few ulp relative, 4 smallest
    subnormals absolute, NaN equal to NaN), extended to float16: there the
    twin's float32 result is rounded to float16 as sigfast's is."""
    ref = _ref.UNARY.get(name) or _ref.BINARY[name]
    with np.errstate(all="ignore"):
        want = np.asarray(ref(*args)).astype(dtype)
    got = np.asarray(got)
    assert got.dtype == want.dtype == np.dtype(dtype)
    assert got.shape == want.shape
    atol = 4 * float(np.finfo(dtype).smallest_subnormal)
    if name == "bce_with_logits_grad":
        atol = atol + 0.5 * float(np.finfo(dtype).eps) * np.abs(np.asarray(args[1], np.float64))
    g = got.astype(np.float64)
    w = want.astype(np.float64)
    with np.errstate(invalid="ignore"):
        ok = (np.abs(g - w) <= atol + tolerance(dtype) * np.abs(w)) | (g == w) \
            | (np.isnan(g) & np.isnan(w))
    bad = ~ok
    assert not bad.any(), (name, np.asarray(args[0])[bad][:5], g[bad][:5], w[bad][:5])


@st.composite
def strided(draw, dtype, shape=None, finite=False):
    """A view with steps (negative included, maybe transposed) into a random
    base array; values anywhere in the dtype's range, inf/NaN/subnormals and
    signed zeros included (``finite``: no inf/NaN)."""
    if shape is None:
        shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=7))
    transpose = len(shape) >= 2 and draw(st.booleans())
    if transpose:
        shape = shape[::-1]
    steps = [draw(st.sampled_from([1, 2, 3, -1, -2])) for _ in shape]
    base_shape = tuple(max(s, 1) * abs(k) for s, k in zip(shape, steps))
    specials = [0.0, -0.0, 0.5, 1.0] + ([] if finite else [np.inf, -np.inf, np.nan])
    values = st.one_of(
        hnp.from_dtype(np.dtype(dtype), allow_nan=not finite, allow_infinity=not finite,
                       allow_subnormal=True),
        st.floats(-30, 30, width=np.dtype(dtype).itemsize * 8),
        st.sampled_from(specials),
    )
    base = draw(hnp.arrays(dtype, base_shape, elements=values))
    view = base[tuple(slice(None, None, k) for k in steps)]
    view = view[tuple(slice(0, s) for s in shape)]
    return view.T if transpose else view


@pytest.mark.parametrize("name", UNARY)
@settings(max_examples=150, deadline=None, derandomize=True)
@given(data=st.data(), dtype=st.sampled_from(FLOATS))
def test_hypothesis_unary_against_twin(name, data, dtype):
    x = data.draw(strided(dtype))
    before = bits(x)
    got = ufunc(name)(x)
    assert bits(x) == before
    assert_close_to_twin(got, name, (x,), dtype)
    # strided and contiguous data give the same bits
    assert_same_bits(got, ufunc(name)(x.copy(order="C")))


@pytest.mark.parametrize("name", BINARY)
@settings(max_examples=100, deadline=None, derandomize=True)
@given(data=st.data(), dtype=st.sampled_from(FLOATS))
def test_hypothesis_binary_against_twin(name, data, dtype):
    # targets: finite (infinite targets: test_bce_grad_infinite_target)
    z = data.draw(strided(dtype))
    y = data.draw(strided(dtype, shape=z.shape, finite=True))
    got = ufunc(name)(z, y)
    assert_close_to_twin(got, name, (z, y), dtype)
    assert_same_bits(got, ufunc(name)(z.copy(order="C"), y.copy(order="C")))
