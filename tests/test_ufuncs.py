"""Every ufunc through dtypes x layouts x threads x SIMD levels.

Layout results must be bit-identical to the contiguous result (strided data
goes through the same kernel), and the contiguous result must match the
pure-NumPy reference twin (sigfast._ref) to a few ulp.
"""
import functools

import numpy as np
import pytest

import sigfast
from sigfast import _ref, _registry
from sigfast._registry import NAMES as ALL, BINARY, UNARY
from sigfast._testing import typical as sample, twin_rtol as tolerance


def call(kern, name, *args, **kw):
    return getattr(kern, name)(*args, **kw)


def assert_same_bits(a, b):
    a = np.asarray(a)
    b = np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.tobytes() == b.tobytes(), np.flatnonzero(a.view(np.uint8) != b.view(np.uint8))[:10]


@functools.lru_cache(maxsize=None)
def twin_case(name, dtype):
    """(args, twin result) of the contiguous test: the same for every SIMD
    level and thread count, and the double-double twin is slow."""
    args = sample(name, dtype, 70_001)          # odd size: vector tail in use
    ref = _ref.UNARY.get(name) or _ref.BINARY[name]
    return args, ref(*args)


def assert_twin(got, name, args, dtype, want):
    assert got.dtype == want.dtype == np.dtype(dtype)
    tiny = float(np.finfo(dtype).smallest_subnormal)
    atol = 4 * tiny
    if name == "bce_with_logits_grad":
        # sigma(z) - y cancels where sigma(z) ~ y; float64 has no wider type
        # to fall back on, so the bound is a fraction of an ulp of the
        # operands (float32 goes through float64 and passes far inside it).
        atol = atol + 0.5 * float(np.finfo(dtype).eps) * np.abs(np.asarray(args[1], dtype=np.float64))
    g = got.astype(np.float64)
    w = want.astype(np.float64)
    bad = ~((np.abs(g - w) <= atol + tolerance(dtype) * np.abs(w)) | ((g == w) | (np.isnan(g) & np.isnan(w))))
    assert not bad.any(), (np.flatnonzero(bad)[:5], g[bad][:5], w[bad][:5])


@pytest.mark.parametrize("name", sorted(set(ALL) | set(_registry.SCIPY)))
def test_is_real_ufunc(name):
    uf = getattr(sigfast, name)
    assert isinstance(uf, np.ufunc)
    assert uf.__name__ == name
    # the SciPy names take bool and the narrow integers into float64 first
    ints = ["?->d", "b->d", "B->d", "h->d", "H->d"] if name in _registry.SCIPY else []
    if name in BINARY:
        assert (uf.nin, uf.nout) == (2, 1)
        assert uf.types == ["ee->e", "ff->f", "dd->d", "gg->g"]
    else:
        assert (uf.nin, uf.nout) == (1, 1)
        assert uf.types == ints + ["e->e", "f->f", "d->d", "g->g"]
    assert uf.__doc__ and len(uf.__doc__) > 80


def test_aliases():
    # expit and log_expit are ufuncs of their own (integer inputs give
    # float64 there, as SciPy); on float inputs they are the same function
    assert sigfast.expit is not sigfast.sigmoid
    assert sigfast.log_expit is not sigfast.log_sigmoid
    x = np.linspace(-30, 30, 1001)
    for dt in (np.float16, np.float32, np.float64, np.longdouble):
        xs = x.astype(dt)
        for a, b in ((sigfast.expit, sigfast.sigmoid), (sigfast.log_expit, sigfast.log_sigmoid)):
            got, want = a(xs), b(xs)
            assert got.dtype == want.dtype == dt
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", ALL)
def test_contiguous_matches_twin(kern, name, dtype, threads):
    args, want = twin_case(name, dtype)
    got = call(kern, name, *args)
    assert_twin(got, name, args, dtype, want)


@pytest.mark.parametrize("layout", ["strided", "negative", "2d_F", "broadcast"])
@pytest.mark.parametrize("name", ALL)
def test_layouts_bit_identical(kern, name, dtype, threads, layout):
    args = sample(name, dtype, 3 * 40_003)
    if layout == "strided":
        views = tuple(a[::3] for a in args)
    elif layout == "negative":
        views = tuple(a[::-1] for a in args)
    elif layout == "2d_F":
        views = tuple(np.asfortranarray(a[: 300 * 400].reshape(300, 400)) for a in args)
    else:  # one operand broadcast along an axis (0 stride)
        views = tuple(a[:1000].reshape(1000, 1) for a in args)
        if len(views) == 2:
            views = (np.broadcast_to(views[0], (1000, 7)), args[1][:7])
        else:
            views = (np.broadcast_to(views[0], (1000, 7)),)
    got = call(kern, name, *views)
    contiguous = tuple(np.ascontiguousarray(np.broadcast_arrays(*views)[i]) for i in range(len(views)))
    want = call(kern, name, *contiguous)
    assert_same_bits(got, want)


@pytest.mark.parametrize("name", ALL)
def test_zero_d_and_empty(kern, name, dtype):
    args = sample(name, dtype, 5)
    scalar_args = tuple(a[2] for a in args)               # numpy scalars
    zero_d = tuple(np.asarray(a[2]) for a in args)        # 0-d arrays
    full = call(kern, name, *args)
    r1 = call(kern, name, *scalar_args)
    r2 = call(kern, name, *zero_d)
    assert np.ndim(r1) == 0 and np.ndim(r2) == 0
    assert r1 == full[2] and r2 == full[2]
    assert np.asarray(r1).dtype == dtype
    empty = tuple(a[:0] for a in args)
    r3 = call(kern, name, *empty)
    assert r3.shape == (0,) and r3.dtype == dtype
    r4 = call(kern, name, *(np.empty((3, 0, 2), dtype) for _ in args))
    assert r4.shape == (3, 0, 2)


@pytest.mark.parametrize("name", ALL)
def test_out_where_readonly_and_aliasing(kern, name, dtype):
    args = sample(name, dtype, 10_007)
    want = call(kern, name, *args)
    # read-only inputs are fine and never modified
    ro = tuple(a.copy() for a in args)
    for a in ro:
        a.flags.writeable = False
    assert_same_bits(call(kern, name, *ro), want)
    for a, b in zip(ro, args):
        assert_same_bits(a, b)
    # out= aliasing the first input (in place)
    buf = args[0].copy()
    res = call(kern, name, buf, *args[1:], out=buf)
    assert res is buf
    assert_same_bits(buf, want)
    # where=: untouched elements keep the out values
    mask = np.arange(args[0].size) % 3 == 0
    out = np.full_like(args[0], 7.0)
    call(kern, name, *args, out=out, where=mask)
    assert_same_bits(out[mask], want[mask])
    assert np.all(out[~mask] == 7.0)


@pytest.mark.parametrize("name", ALL)
def test_inputs_not_modified(name, dtype):
    args = sample(name, dtype, 50_000)
    before = [a.tobytes() for a in args]
    getattr(sigfast, name)(*args)
    getattr(sigfast, name)(*(a[::2] for a in args))
    assert [a.tobytes() for a in args] == before


@pytest.mark.parametrize("name", ALL)
def test_threads_bit_identical(kern, name, dtype):
    args = sample(name, dtype, 1_000_003)
    results = []
    for nt in (1, 2, 3):
        with sigfast.num_threads(nt):
            results.append(call(kern, name, *args))
    assert_same_bits(results[0], results[1])
    assert_same_bits(results[0], results[2])


@pytest.mark.parametrize("name", ALL)
def test_levels_agree(name, dtype):
    """Different SIMD levels may differ by FMA rounding, never by more than 1 ulp."""
    from sigfast import _dispatch
    args = sample(name, dtype, 20_000)
    levels = _dispatch.runnable_levels()
    base = call(_dispatch.load(levels[-1]), name, *args)
    for lv in levels[:-1]:
        other = call(_dispatch.load(lv), name, *args)
        if name == "bce_with_logits_grad":
            # where sigma(z) ~ y the result is a difference of nearly equal
            # numbers: levels agree to a fraction of an ulp of y, not of it.
            tol = float(np.finfo(dtype).eps) * (np.abs(args[1]) + np.abs(base))
            assert np.all(np.abs(other.astype(float) - base) <= tol)
        else:
            np.testing.assert_array_max_ulp(other, base, maxulp=1)


@pytest.mark.parametrize("name", sorted(set(UNARY) | set(_registry.SCIPY)))
def test_integer_and_bool_inputs_follow_numpy(name):
    # ... or SciPy, for the SciPy names (float64 for every integer type)
    scipy = name in _registry.SCIPY
    x = np.array([0, 1, 0], dtype=np.int64)
    r = getattr(sigfast, name)(x)
    assert r.dtype == np.exp(x).dtype == np.float64
    assert_same_bits(r, getattr(sigfast, name)(x.astype(np.float64)))
    b = np.array([True, False])
    assert getattr(sigfast, name)(b).dtype == (np.float64 if scipy else np.exp(b).dtype)
    assert getattr(sigfast, name)(np.int16(1)).dtype == (
        np.float64 if scipy else np.exp(np.int16(1)).dtype)
    # dtype= forces the loop
    assert getattr(sigfast, name)(x, dtype=np.float32).dtype == np.float32


def test_python_scalars_and_lists():
    assert sigfast.sigmoid(0.0) == 0.5
    assert isinstance(sigfast.sigmoid(0.0), np.float64)
    np.testing.assert_array_equal(sigfast.sigmoid([0.0, 0.0]), [0.5, 0.5])
    assert sigfast.bce_with_logits_grad(0.0, 1.0) == -0.5


@pytest.mark.parametrize("bad", [
    np.array([1 + 2j]), np.array([object()], dtype=object), np.array(["a"]),
    np.array(["2020-01-01"], dtype="datetime64[D]"),
])
@pytest.mark.parametrize("name", ["sigmoid", "logit", "softplus"])
def test_bad_dtypes_raise_typeerror(name, bad):
    with pytest.raises(TypeError):
        getattr(sigfast, name)(bad)


def test_bad_out():
    x = np.zeros(4)
    with pytest.raises(ValueError):
        sigfast.sigmoid(x, out=np.zeros(3))
    with pytest.raises(TypeError):           # float64 -> int64 is not a safe cast
        sigfast.sigmoid(x, out=np.zeros(4, dtype=np.int64))
    ro = np.full(4, 9.0)
    ro.flags.writeable = False
    with pytest.raises(ValueError):
        sigfast.sigmoid(x, out=ro)
    assert np.all(ro == 9.0)
    with pytest.raises(ValueError):
        sigfast.bce_with_logits(np.zeros(3), np.zeros(4))


def test_array_ufunc_dispatch():
    class Wrapped:
        def __init__(self, v):
            self.v = v

        def __array_ufunc__(self, ufunc, method, *inputs, **kw):
            vals = [i.v if isinstance(i, Wrapped) else i for i in inputs]
            return ("wrapped", ufunc.__name__, getattr(ufunc, method)(*vals, **kw))

    tag, name, val = sigfast.sigmoid(Wrapped(np.array([0.0])))
    assert (tag, name) == ("wrapped", "sigmoid") and val[0] == 0.5


def test_ufunc_methods_and_pickle():
    import pickle
    assert pickle.loads(pickle.dumps(sigfast.sigmoid)) is sigfast.sigmoid
    x = np.array([-1.0, 2.0])
    np.testing.assert_array_equal(sigfast.bce_with_logits.outer(x, [0.0, 1.0]),
                                  sigfast.bce_with_logits(x[:, None], np.array([0.0, 1.0])[None]))
    out = np.zeros(3)
    sigfast.sigmoid.at(out, [0, 2])
    np.testing.assert_array_equal(out, [0.5, 0.0, 0.5])


def test_no_spurious_warnings(dtype):
    import warnings
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e30, -1e30,
                  np.finfo(dtype).max, -np.finfo(dtype).max, 1e-40], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in UNARY:
            getattr(sigfast, name)(x)
        for name in BINARY:
            getattr(sigfast, name)(x, np.ones_like(x))
