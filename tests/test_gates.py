"""The gates glu(a, b) = a sigma(b) and swiglu(a, b) = silu(a) b.

Bounds are the registry's (1 ulp for float32 and float64, 2 for long
double), at every SIMD level: float64 against mpmath on random and edge
pairs, float32 against the double-double twin (sigfast._ref, exact to
~2**-100) over a dense sweep of pairs, and the values that the plain
products over- or underflow on the way to a finite result.
"""
import numpy as np
import pytest

from sigfast import _ref
from sigfast._registry import BY_NAME
from sigfast._testing import ulp_errors, whole_range
from sigfast._testing.mpref import exact

GATES = ("glu", "swiglu")


def edge_pairs(dtype, seed):
    """(a, b): whole-range a against whole-range b, b in the sigmoid's
    working range [-1500, 60] (float64) / [-200, 50] (float32), every cut-off
    crossed with huge, tiny and subnormal a."""
    rng = np.random.default_rng(seed)
    fi = np.finfo(dtype)
    a = whole_range("sigmoid", dtype, 1200, seed)
    n = a.size
    lo = -1500.0 if dtype == np.float64 else -200.0
    hi = 60.0 if dtype == np.float64 else 50.0
    b = np.concatenate([rng.uniform(lo, hi, n // 2),
                        np.sign(rng.standard_normal(n - n // 2))
                        * np.exp(rng.uniform(-30, np.log(-lo), n - n // 2))]).astype(dtype)
    cut = np.array([0.0, -0.0, -1.0, 1.0, 17, 37, 44, -40, -87.5, -104, -110, -150,
                    -708.3, -708.5, -745, -746, -760, -800, -1400, -1455, 1e30, -1e30],
                   dtype=np.float64)
    cut = cut[np.abs(cut) <= -lo].astype(dtype)
    big = np.array([fi.max, fi.max / 3, fi.tiny, fi.tiny / 8, fi.smallest_subnormal, 1.0,
                    -fi.max, -fi.smallest_subnormal, 3.0], dtype)
    A, B = np.meshgrid(big, cut)
    return (np.concatenate([a, A.ravel(), B.ravel()]),
            np.concatenate([b, B.ravel(), A.ravel()]))


@pytest.mark.parametrize("name", GATES)
def test_float64_against_mpmath(kern, name):
    a, b = edge_pairs(np.float64, 25)
    got = getattr(kern, name)(a, b)
    hi, lo = exact(name, a, b)
    err = ulp_errors(got, hi, lo, np.float64)
    i = int(np.argmax(err))
    assert err[i] <= BY_NAME[name].max_ulp["float64"], (a[i], b[i], got[i], hi[i], err[i])


@pytest.mark.parametrize("name", GATES)
def test_float32_dense_pairs(kern, name):
    # every 2**11-th float32 bit pattern in [-200, 50] as the sigmoid's
    # argument (b for glu, a for swiglu), each against a random float32 of
    # every binade and sign, and against 1 and -3 (about 2.6e5 x 3 pairs)
    s = np.arange(0, 0x7F800000, 1 << 11, dtype=np.uint32).view(np.float32)
    s = np.concatenate([s, -s])
    s = s[(s >= -200) & (s <= 50)]
    rng = np.random.default_rng(7)
    o = (rng.uniform(1, 2, s.size) * 2.0 ** rng.integers(-149, 128, s.size)
         * rng.choice([-1, 1], s.size)).astype(np.float32)
    s = np.concatenate([s, s, s])
    o = np.concatenate([o, np.ones_like(o), np.full_like(o, -3)])
    a, b = (o, s) if name == "glu" else (s, o)
    with np.errstate(all="ignore"):
        got = getattr(kern, name)(a, b)
        hi, lo = _ref.EXACT[name](a, b)
    err = ulp_errors(got, hi, lo, np.float32)
    i = int(np.argmax(err))
    assert err[i] <= BY_NAME[name].max_ulp["float32"], (a[i], b[i], got[i], hi[i], err[i])


def test_finite_where_the_plain_products_overflow(kern):
    cases = [  # (function, a, b, dtype)
        ("glu", 1e308, -800.0, np.float64),      # exp(800) overflows
        ("glu", 1.7e308, -1450.0, np.float64),   # sigma(b) below the subnormals
        ("glu", 3e38, -150.0, np.float32),
        ("swiglu", -800.0, 1e308, np.float64),   # a*b overflows, the result ~2**-121
        ("swiglu", 1.2, 1.6e308, np.float64),    # a*b overflows, 0.77 a b does not
        ("swiglu", -1400.0, 1.7e308, np.float64),
        ("swiglu", -100.0, 3e38, np.float32),
        ("swiglu", 1.2, 2.9e38, np.float32),
    ]
    for name, a, b, dt in cases:
        got = getattr(kern, name)(dt(a), dt(b))
        hi, lo = exact(name, np.array([a], np.float64), np.array([b], np.float64))
        assert np.isfinite(got) and got != 0, (name, a, b, got)
        assert ulp_errors(np.array([got]), hi, lo, dt)[0] <= 1, (name, a, b, got, hi)


@pytest.mark.parametrize("name", GATES)
def test_longdouble_against_mpmath(name):
    # the long double loop is the same at every level (scalar)
    import sigfast
    rng = np.random.default_rng(3)
    a = (rng.standard_normal(400) * 10.0 ** rng.integers(-30, 30, 400)).astype(np.longdouble)
    b = (rng.standard_normal(400) * 30).astype(np.longdouble)
    got = getattr(sigfast, name)(a, b)
    assert got.dtype == np.longdouble
    hi, lo = exact(name, a, b)
    err = ulp_errors(got, hi, lo, np.longdouble)
    i = int(np.argmax(err))
    assert err[i] <= BY_NAME[name].max_ulp["longdouble"], (a[i], b[i], got[i], err[i])


def test_gates_are_the_products_they_name(kern):
    a = np.linspace(-6, 6, 97)
    b = np.linspace(5, -7, 97)
    s = 1 / (1 + np.exp(-b))
    np.testing.assert_allclose(kern.glu(a, b), a * s, rtol=4e-16, atol=0)
    np.testing.assert_allclose(kern.swiglu(b, a), b * s * a, rtol=4e-16, atol=0)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("shape,axis", [((6,), -1), ((4, 6), 1), ((4, 6), 0), ((4, 6), -2),
                                        ((2, 8, 3), 1), ((2, 3, 10), -1)])
def test_glu_split_matches_torch(dt, shape, axis):
    torch = pytest.importorskip("torch")
    import sigfast
    x = (np.random.default_rng(5).standard_normal(shape) * 4).astype(dt)
    got = sigfast.glu_split(x, axis)
    want = torch.nn.functional.glu(torch.from_numpy(x), dim=axis).numpy()
    assert got.dtype == dt and got.shape == want.shape
    # torch rounds a*sigmoid(b) twice; sigfast once
    np.testing.assert_allclose(got, want, rtol=3 * np.finfo(dt).eps, atol=0)
    half = x.shape[axis] // 2
    first, second = np.split(x, [half], axis=axis)
    np.testing.assert_array_equal(got, sigfast.glu(first, second))
    out = np.empty_like(got)
    assert sigfast.glu_split(x, axis=axis, out=out) is out
    np.testing.assert_array_equal(out, got)


def test_glu_split_errors_like_torch():
    import sigfast
    torch = pytest.importorskip("torch")
    x = np.ones((4, 5))
    with pytest.raises(ValueError, match="axis -1 has size 5"):
        sigfast.glu_split(x)
    with pytest.raises(RuntimeError, match="dimension 1 is size 5"):
        torch.nn.functional.glu(torch.from_numpy(x), dim=-1)
    with pytest.raises(np.exceptions.AxisError if hasattr(np, "exceptions") else np.AxisError):
        sigfast.glu_split(x, axis=2)
    with pytest.raises(ValueError):          # out of the wrong shape
        sigfast.glu_split(np.ones((4, 6)), out=np.empty((4, 6)))


def test_longdouble_below_the_core_clamp():
    # sigma(b) below e**-AMAX (where the long double core clamps) still
    # matters for huge a: glu(max/3, -AMAX - 50) ~ 2**-157 on x87
    import sigfast
    fi = np.finfo(np.longdouble)
    amax = (fi.nmant + 1 - fi.minexp + 22) * np.log(2)
    a = np.array([fi.max / 3, -fi.max / 7], np.longdouble)
    b = np.array([-(amax + 50), -(amax + 200)], np.longdouble)
    for name, args in (("glu", (a, b)), ("swiglu", (b, a))):
        got = getattr(sigfast, name)(*args)
        hi, lo = exact(name, *args)
        assert np.all(hi != 0), hi
        assert ulp_errors(got, hi, lo, np.longdouble).max() <= 2, (name, got, hi)
