"""Long double loops: every ufunc has g->g (gg->g), computed in long double.

Accuracy against mpmath (160 bits, exact long double inputs, long double
reference pairs) over the whole-range input families of
``sigfast._testing.inputs`` in long double, subnormal results included,
within each ufunc's registry ``max_ulp["longdouble"]``, at every SIMD level
(each level's module carries the same scalar loops).  Where long double is
IEEE double (MSVC, macOS arm64) the ulp bound is skipped; the values are
still checked against the float64 loops.  Special values, signed zeros and
saturation follow the float64 loops; no floating-point warnings.
"""
import functools
import zlib

import numpy as np
import pytest

import sigfast
from sigfast import _dispatch
from sigfast._registry import BINARY, BY_NAME, NAMES, UNARY
from sigfast._testing import bce_pairs, typical, ulp_errors, whole_range
from sigfast._testing.inputs import longdouble_cutoffs
from sigfast._testing.ulp import longdouble_is_double, split_longdouble

L = np.longdouble
FI = np.finfo(L)
N = 1500
LEVELS = _dispatch.runnable_levels()
IS_DOUBLE = longdouble_is_double()
needs_wide = pytest.mark.skipif(
    IS_DOUBLE, reason="long double is IEEE double here: no long double ulp bound to check")


def seed_of(name):
    return zlib.crc32(name.encode()) % 1000


def bound(name):
    return BY_NAME[name].max_ulp["longdouble"]


@functools.lru_cache(maxsize=None)
def reference(name):
    """(inputs, hi, lo) for ``name``: the whole-range family in long double and
    its exact values (computed once, checked at every level)."""
    from sigfast._testing.mpref import exact
    if name in BINARY:
        args = bce_pairs(L, N, 7 if name == "bce_with_logits" else 11)
    else:
        args = (whole_range(name, L, N, seed=seed_of(name)),)
    hi, lo = exact(name, *args)
    return args, hi, lo


def allowance(name, args):
    c = (BY_NAME[name].cancellation or {}).get("longdouble")
    return None if c is None else c * FI.eps * np.abs(args[1])


@needs_wide
@pytest.mark.parametrize("name", NAMES)
def test_max_ulp_against_mpmath(name):
    pytest.importorskip("mpmath")
    args, hi, lo = reference(name)
    for level in LEVELS:
        got = getattr(_dispatch.load(level), name)(*args)
        assert got.dtype == L
        err = ulp_errors(got, hi, lo, L, allowance=allowance(name, args))
        i = int(np.argmax(err))
        assert err[i] <= bound(name), (level, name, [a[i] for a in args], got[i], hi[i], err[i])


@needs_wide
def test_subnormal_results_are_kept():
    # sigmoid(x) below ln(smallest normal) is subnormal in long double;
    # NumPy's and SciPy's formulas flush such results to 0.
    pytest.importorskip("mpmath")
    from sigfast._testing.mpref import exact
    x = np.log(FI.smallest_normal) - np.array([1, 5, 20, 40], L)
    for name, xs in (("sigmoid", x), ("sigmoid_grad", x), ("softplus", x),
                     ("log_sigmoid", -x), ("silu", x - 12), ("silu_grad", x - 12)):
        got = getattr(sigfast, name)(xs)
        assert np.all((got != 0) & (np.abs(got) < FI.smallest_normal)), (name, got)
        hi, lo = exact(name, xs)
        assert ulp_errors(got, hi, lo, L).max() <= 1.0, name


@pytest.mark.parametrize("name", NAMES)
def test_values_match_float64_loop(name):
    # Where long double is double this is the check that runs; everywhere it
    # ties the long double formulas to the float64 ones: on float64 inputs the
    # long double result, rounded to float64, is within the float64 loop's
    # bound (+1 for the two roundings).
    args = typical(name, np.float64, 2000, seed=seed_of(name))
    want = getattr(sigfast, name)(*args)
    got = getattr(sigfast, name)(*[a.astype(L) for a in args])
    hi, lo = split_longdouble(got)
    c = (BY_NAME[name].cancellation or {}).get("float64")
    err = ulp_errors(want, hi, lo, np.float64, None if c is None else c * np.abs(args[-1]))
    assert err.max() <= BY_NAME[name].max_ulp["float64"] + 1, (name, err.max())


@pytest.mark.parametrize("name", NAMES)
def test_registry_special_values(name):
    for level in LEVELS:
        f = getattr(_dispatch.load(level), name)
        for args, want in BY_NAME[name].special:
            got = f(*[L(a) for a in args])
            assert got.dtype == L
            w = L(want)
            assert (np.isnan(got) and np.isnan(w)) or (
                got == w and np.signbit(got) == np.signbit(w)), (level, name, args, got, w)


SPECIALS = [0.0, -0.0, 0.5, 1.0, -1.0, 1.5, -0.1, np.inf, -np.inf, np.nan, 40.0, -40.0]


@pytest.mark.parametrize("name", NAMES)
def test_special_values_and_signed_zeros_match_float64(name):
    # Every combination of special inputs: a zero, infinity or NaN result of
    # the float64 loop is the same (sign included) in long double, and a
    # finite non-zero one is finite, non-zero and of the same sign.
    s = np.array(SPECIALS)
    args = (s,) if name in UNARY else tuple(a.ravel() for a in np.meshgrid(s, s))
    with np.errstate(all="ignore"):
        want = getattr(sigfast, name)(*args)
    got = getattr(sigfast, name)(*[a.astype(L) for a in args])
    special = (want == 0) | ~np.isfinite(want)
    gw = got.astype(np.float64)
    assert np.array_equal(gw[special], want[special], equal_nan=True), name
    nan = np.isnan(want)                # a NaN's sign means nothing
    assert np.array_equal(np.signbit(got)[~nan], np.signbit(want)[~nan]), name
    assert np.all((gw[~special] != 0) & np.isfinite(gw[~special])), name


def test_saturation_at_the_long_double_bounds():
    # exp overflows long double just above ln(max) (11356.5 for x87 and
    # quad, 709.8 for double); the formulas never evaluate it and saturate.
    # Past -ln(smallest subnormal) every exp(-|x|) result has rounded to 0.
    big = L(np.log(FI.max) + 1)
    under = L(-np.log(FI.smallest_subnormal) + 1)
    assert sigfast.sigmoid(big) == 1 and sigfast.sigmoid(under) == 1
    assert 0 < sigfast.sigmoid(-big) < FI.smallest_normal       # subnormal, kept
    assert sigfast.sigmoid(-under) == 0 and sigfast.sigmoid_grad(under) == 0
    assert sigfast.softplus(big) == big and sigfast.log_sigmoid(-big) == -big
    sp = sigfast.softplus(-under)
    assert sp == 0 and not np.signbit(sp)
    ls = sigfast.log_sigmoid(under)
    assert ls == 0 and np.signbit(ls)                 # -0.0, as float64 gives at +inf
    si = sigfast.silu(-under - 30)
    assert si == 0 and np.signbit(si)
    assert sigfast.silu(big) == big and sigfast.silu_grad(under) == 1
    z = np.array([under, -under, under, -under], L)
    y = np.array([1, 0, 0, 1], L)
    assert np.array_equal(sigfast.bce_with_logits_grad(z, y), np.array([0, 0, 1, -1], L))
    assert np.array_equal(sigfast.bce_with_logits(z, y), np.array([0, 0, under, under], L))


def test_scipy_issue_example():
    # The issue's report: this raised "ufunc 'sigmoid' not supported".
    got = sigfast.expit(np.array(710, np.longdouble))
    assert got.dtype == np.longdouble and got == 1
    got = sigfast.expit(np.array(-710, np.longdouble))
    assert got.dtype == np.longdouble and got > 0        # e**-710, not flushed


def test_no_floating_point_warnings():
    for name in NAMES:
        f = getattr(sigfast, name)
        if name in UNARY:
            args = (np.concatenate([whole_range(name, L, 300, 3), longdouble_cutoffs(),
                                    np.array(SPECIALS, L)]),)
        else:
            z, y = bce_pairs(L, 300, 3)
            args = (np.concatenate([z, np.array(SPECIALS, L)]),
                    np.concatenate([y, np.array(SPECIALS, L)]))
        with np.errstate(all="raise"):
            f(*args)


def test_type_resolution_keeps_numpy_rules():
    # long double is the last loop, so integer and smaller float inputs pick
    # the loops they picked before, as np.exp does.
    for dt, want in ((np.int64, np.float64), (np.int32, np.float64), (np.int16, np.float32),
                     (np.int8, np.float16), (np.bool_, np.float16), (np.float16, np.float16),
                     (np.float32, np.float32), (np.float64, np.float64), (L, L)):
        assert sigfast.sigmoid(np.ones(2, dt)).dtype == want, dt
        assert np.exp(np.ones(2, dt)).dtype == want
    assert sigfast.bce_with_logits(np.ones(2, L), np.ones(2)).dtype == L
    assert sigfast.bce_with_logits(np.ones(2, L), 1.0).dtype == L      # Python float is weak
    assert sigfast.sigmoid(np.ones(2, L), dtype=np.float64).dtype == np.float64


def test_layouts_out_and_where():
    x = whole_range("silu_grad", L, 600, 5)[:600]
    base = sigfast.silu_grad(x)
    for view in (x[::-1], x[::3], x.reshape(-1, 2)[:, 0]):
        want = sigfast.silu_grad(np.ascontiguousarray(view))
        assert np.array_equal(sigfast.silu_grad(view), want, equal_nan=True)
    out = np.full_like(x, 7)
    mask = np.arange(x.size) % 2 == 0
    sigfast.silu_grad(x, out=out, where=mask)
    assert np.array_equal(out[mask], base[mask], equal_nan=True) and np.all(out[~mask] == 7)
    xc = x.copy()
    sigfast.silu_grad(xc, out=xc)                          # in place
    assert np.array_equal(xc, base, equal_nan=True)
    z, y = bce_pairs(L, 300, 1)
    g = sigfast.bce_with_logits_grad(z[::-1], y[::-1])
    assert np.array_equal(g, sigfast.bce_with_logits_grad(z, y)[::-1], equal_nan=True)


def test_scipy_special_dropin():
    # What a SciPy user passes unchanged: long double in, long double out,
    # the same values (SciPy's long double loops use libm, about 1-2 ulp).
    special = pytest.importorskip("scipy.special")
    x = np.linspace(-40, 40, 801, dtype=L) * (1 + L(2) ** -60)
    p = np.linspace(0, 1, 801, dtype=L)[1:-1] * (1 + L(2) ** -60)
    tol = 16 * FI.eps
    for ours, theirs, arg in ((sigfast.expit, special.expit, x),
                              (sigfast.log_expit, special.log_expit, x),
                              (sigfast.logit, special.logit, p)):
        want = theirs(arg)
        if want.dtype != L:           # a SciPy without that long double loop
            continue
        got = ours(arg)
        assert got.dtype == L
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


@pytest.mark.parametrize("name", ("sigmoid", "silu_grad", "logit"))
def test_dense_longdouble_grid(name):
    # a dense grid with every long double bit in play, near the formulas'
    # switches (e.g. silu's zero of the derivative, logit near 1/2)
    pytest.importorskip("mpmath")
    if IS_DOUBLE:
        pytest.skip("long double is IEEE double here")
    from sigfast._testing.mpref import exact
    if name == "logit":
        x = L(0.5) + np.linspace(-1e-3, 1e-3, 801, dtype=L) * (1 + L(2) ** -62)
    elif name == "silu_grad":
        # around the zero of silu', x0 = -1.27846454276107379510935873902...,
        # and the 40 long doubles nearest to it
        x0 = L("-1.27846454276107379510935873902")
        near = [x0]
        for _ in range(20):
            near = [np.nextafter(near[0], L(-2))] + near + [np.nextafter(near[-1], L(0))]
        x = np.concatenate([x0 + np.linspace(-0.02, 0.02, 801, dtype=L) * (1 + L(2) ** -62),
                            np.array(near, L)])
    else:
        x = np.linspace(-50, 50, 801, dtype=L) * (1 + L(2) ** -62)
    got = getattr(sigfast, name)(x)
    hi, lo = exact(name, x)
    assert ulp_errors(got, hi, lo, L).max() <= bound(name)


def test_generated_constants_are_current():
    # sigfast/src/sf_longdouble.h's Taylor coefficients and multi-double
    # constants are what tools/longdouble_consts.py computes with mpmath
    import pathlib
    import subprocess
    from sigfast._testing import PYTHON
    script = pathlib.Path(__file__).resolve().parents[1] / "tools" / "longdouble_consts.py"
    if not script.exists():
        pytest.skip("not run from a source checkout")
    pytest.importorskip("mpmath")
    r = subprocess.run([*PYTHON, str(script), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_dask_losses_compute_in_longdouble():
    da = pytest.importorskip("dask.array")
    z = np.linspace(-5, 5, 100, dtype=L) * (1 + L(2) ** -60)
    y = (np.arange(100) % 3 / 2).astype(L)
    dz = da.from_array(z, chunks=30)
    for red in ("none", "mean", "sum"):
        got = sigfast.binary_cross_entropy_with_logits(dz, y, reduction=red).compute()
        want = sigfast.binary_cross_entropy_with_logits(z, y, reduction=red)
        assert got.dtype == L
        np.testing.assert_allclose(got, want, rtol=4 * FI.eps)
    g = sigfast.binary_cross_entropy_with_logits_grad(dz, y, reduction="none").compute()
    assert g.dtype == L
    np.testing.assert_array_equal(g, sigfast.bce_with_logits_grad(z, y))


@needs_wide
def test_dask_probability_losses_compute_in_longdouble():
    # binary_cross_entropy and sigmoid_focal_loss on dask: the sum and mean
    # of long double terms in long double, as the NumPy path computes them
    # (they were float64 terms summed in float64: 1e-16 off)
    da = pytest.importorskip("dask.array")
    z = np.linspace(-5, 5, 100, dtype=L) * (1 + L(2) ** -60)
    y = (np.arange(100) % 3 / 2).astype(L)
    p = sigfast.sigmoid(z)
    for f, a in ((sigfast.binary_cross_entropy, p), (sigfast.sigmoid_focal_loss, z)):
        for red in ("none", "mean", "sum"):
            got = f(da.from_array(a, chunks=30), y, reduction=red).compute()
            want = f(a, y, reduction=red)
            assert got.dtype == L
            np.testing.assert_allclose(got, want, rtol=8 * FI.eps, atol=0)


def test_other_long_double_formats():
    # IEEE quad (aarch64 Linux) and IEEE double (MSVC, macOS arm64): the same
    # kernels compiled for those formats on x86-64 Linux (software quad) and
    # checked against mpmath by tools/longdouble_formats.py
    import pathlib
    import platform
    import shutil
    import subprocess
    import sys
    script = pathlib.Path(__file__).resolve().parents[1] / "tools" / "longdouble_formats.py"
    if not script.exists():
        pytest.skip("not run from a source checkout")
    if sys.platform != "linux" or platform.machine() != "x86_64" or not shutil.which("gcc"):
        pytest.skip("needs x86-64 Linux with gcc (glibc's _Float128 functions)")
    pytest.importorskip("mpmath")
    pytest.importorskip("Cython")
    r = subprocess.run([sys.executable, str(script), "--n", "600"], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count(" max ") == 2 * len(NAMES), r.stdout


@needs_wide
def test_mean_gradient_divides_in_long_double():
    # issue 23, item 7: reduction="mean" with axis=None scaled the gradient
    # by the Python float 1/n, double-accurate only (384 x87 ulps off at
    # n = 1000, where axis=0 was within 0.98); now every path divides in
    # long double, so the mean's gradient is the elementwise one divided by
    # n, correctly rounded, and within the ufunc's bound + 1/2 ulp of exact
    # (measured 0.98 ulp on x87).
    pytest.importorskip("mpmath")
    from sigfast._testing.mpref import _bce_grad, _to_pair_ld, mp, mpf_of
    rng = np.random.default_rng(1)
    n = 1000
    low = lambda: 1 + rng.uniform(-1, 1, n).astype(L) * L(2) ** -53    # noqa: E731
    z = (rng.standard_normal(n) * 4).astype(L) * low()
    y = rng.uniform(0, 1, n).astype(L) * low()
    y[:300] = np.round(y[:300])
    with mp.workprec(200):
        pairs = [_to_pair_ld(_bce_grad(mpf_of(a), mpf_of(b)) / n) for a, b in zip(z, y)]
    hi, lo = (np.array(c, L) for c in zip(*pairs))
    ok = BY_NAME["bce_with_logits_grad"].max_ulp["longdouble"] + 0.5
    grad = sigfast.binary_cross_entropy_with_logits_grad
    both = sigfast.binary_cross_entropy_with_logits_loss_and_grad
    for got in (grad(z, y), grad(z, y, axis=0), both(z, y)[1],
                grad(np.ma.MaskedArray(z, np.zeros(n, bool)), y).data):
        assert got.dtype == L
        np.testing.assert_array_equal(got, grad(z, y, reduction="none") / L(n))
        err = ulp_errors(got, hi, lo, L, allowance=allowance("bce_with_logits_grad", (z, y)) / n)
        assert err.max() <= ok, err.max()
    # weights, pos_weight and smoothing take the same division
    z2, y2 = z.reshape(100, 10), y.reshape(100, 10)
    kw = dict(weight=np.linspace(0.5, 2, 10, dtype=L), pos_weight=np.linspace(3, 0.25, 10),
              label_smoothing=0.1)
    want = grad(z2, y2, reduction="none", **kw) / L(n)
    np.testing.assert_array_equal(grad(z2, y2, **kw), want)
    np.testing.assert_array_equal(both(z2, y2, **kw)[1], want)
    # a masked mean divides by the number of unmasked elements
    m = np.zeros((100, 10), bool)
    m[::7, 3] = True
    got = grad(np.ma.MaskedArray(z2, m), y2, **kw)
    np.testing.assert_array_equal(
        got.data[~m], (grad(z2, y2, reduction="none", **kw) / L(m.size - m.sum()))[~m])
