"""The equivalences of docs/migration.md, row by row (SciPy and PyTorch rows
when those are installed)."""
import numpy as np
import pytest

import sigfast

RTOL = {np.float32: 4 * 2.0 ** -23, np.float64: 4 * 2.0 ** -52}
DTYPES = [np.float32, np.float64]


def logits(dtype, n=20_001, scale=8.0):
    # typical and large values, no subnormal results (the peers flush those)
    x = np.random.default_rng(3).standard_normal(n) * scale
    return np.clip(x, -60, 60).astype(dtype)


def probs(dtype, n=20_001):
    p = np.random.default_rng(4).uniform(0, 1, n)
    return np.concatenate([p, [0.0, 1.0, 1e-30, 1 - 2.0 ** -20]]).astype(dtype)


def close(got, want, dtype, rtol=None, atol=0.0):
    # plus a few of the smallest subnormals: the peers' subnormal results
    # are off by that much (sigfast's are rounded once)
    atol = atol + 4 * float(np.finfo(dtype).smallest_subnormal)
    np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(want, np.float64),
                               rtol=rtol or RTOL[dtype], atol=atol)


# ------------------------------------------------------------------ NumPy

@pytest.mark.parametrize("dtype", DTYPES)
def test_numpy_expressions(dtype):
    x = logits(dtype)
    p = probs(dtype)[:-4]
    y = (np.random.default_rng(5).random(x.size) < 0.5).astype(dtype)
    with np.errstate(all="ignore"):
        close(sigfast.sigmoid(x), 1 / (1 + np.exp(-x)), dtype)
        close(sigfast.softplus(x), np.logaddexp(0, x), dtype)
        close(sigfast.log_sigmoid(x), -np.logaddexp(0, -x), dtype)
        close(sigfast.silu(x), x / (1 + np.exp(-x)), dtype)
        # log(p/(1-p)) loses relative accuracy near p = 1/2: absolute bound there
        close(sigfast.logit(p), np.log(p / (1 - p)), dtype, atol=8 * RTOL[dtype])
        bce = np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))
        close(sigfast.bce_with_logits(x, y), bce, dtype, atol=8 * RTOL[dtype])
        xn = -np.abs(x)
        close(sigfast.log1mexp(xn), np.where(xn > -np.log(2), np.log(-np.expm1(xn)),
                                             np.log1p(-np.exp(xn))), dtype)


def test_where_idiom_leaves_initialised_out():
    x = np.array([-2.0, 1.0, -0.5, 3.0])
    out = np.zeros_like(x)
    sigfast.sigmoid(x, out=out, where=x > 0)
    np.testing.assert_array_equal(out, [0.0, sigfast.sigmoid(1.0), 0.0, sigfast.sigmoid(3.0)])


# ------------------------------------------------------------------ SciPy

@pytest.mark.parametrize("dtype", DTYPES)
def test_scipy_special_rows(dtype):
    sp = pytest.importorskip("scipy.special")
    x = logits(dtype)
    p = probs(dtype)
    close(sigfast.sigmoid(x), sp.expit(x), dtype)
    close(sigfast.expit(x), sp.expit(x), dtype)
    close(sigfast.log_expit(x), sp.log_expit(x), dtype)
    close(sigfast.log_sigmoid(x), sp.log_expit(x), dtype)
    close(sigfast.logit(p), sp.logit(p), dtype)
    close(sigfast.sigmoid_grad(x), sp.expit(x) * sp.expit(-x), dtype, rtol=3 * RTOL[dtype])
    s = sp.expit(x)
    close(sigfast.sigmoid_grad_from_output(s), s * (1 - s), dtype)
    close(sigfast.silu(x), x * sp.expit(x), dtype, rtol=2 * RTOL[dtype])
    if hasattr(sp, "softplus"):                         # SciPy >= 1.15
        close(sigfast.softplus(x), sp.softplus(x), dtype)
    # the documented difference: SciPy flushes subnormal results to 0
    if dtype is np.float64:
        assert sp.expit(-720.0) == 0 and sigfast.sigmoid(-720.0) > 0


#: Every NumPy integer type (C names, so long and longlong both appear) and bool.
INT_CODES = "?bBhHiIlLqQ"


@pytest.mark.parametrize("code", INT_CODES)
@pytest.mark.parametrize("name", ["expit", "log_expit", "logit"])
def test_scipy_names_on_integers_give_float64_as_scipy(name, code):
    # expit(np.int8(3)) was float16 (0.9526): the SciPy names follow SciPy,
    # the NumPy names keep np.exp's rule (bool, int8, uint8 -> float16;
    # int16, uint16 -> float32)
    sp = pytest.importorskip("scipy.special")
    ours, theirs = getattr(sigfast, name), getattr(sp, name)
    info = np.iinfo(code) if code != "?" else None
    vals = [0, 1] if info is None else sorted({0, 1, 3, info.max, info.min, info.max // 2})
    x = np.array(vals, dtype=code)
    with np.errstate(all="ignore"):
        got, want = ours(x), theirs(x)
        exact = ours(x.astype(np.float64))
        # strided and scalar inputs too
        got_strided = ours(np.repeat(x, 2)[::2])
        got_scalar = [ours(v) for v in x]
    assert got.dtype == want.dtype == np.float64
    assert got_strided.dtype == np.float64
    assert all(type(v) is np.float64 for v in got_scalar)
    np.testing.assert_array_equal(got, exact)            # same kernel as float64
    np.testing.assert_array_equal(got_strided, exact)
    np.testing.assert_array_equal(np.array(got_scalar), exact)
    np.testing.assert_allclose(got, want, rtol=4 * 2.0 ** -52, atol=0)
    main = {"expit": sigfast.sigmoid, "log_expit": sigfast.log_sigmoid}.get(name)
    if main is not None:
        with np.errstate(all="ignore"):
            assert main(x).dtype == np.exp(x).dtype


@pytest.mark.parametrize("name", ["expit", "log_expit", "logit"])
def test_scipy_names_keep_float_dtypes(name):
    # float16 stays float16 (SciPy gives float64: it has no float16 loop),
    # float32 float32, float64 float64, long double long double
    for dt in (np.float16, np.float32, np.float64, np.longdouble):
        x = np.array([0.25, 0.5], dt)
        assert getattr(sigfast, name)(x).dtype == dt
        assert type(getattr(sigfast, name)(x[0])) is dt


# ------------------------------------------------------------------ PyTorch

@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_rows(torch, dtype):
    F = torch.nn.functional
    x = logits(dtype)
    t = torch.from_numpy(x)
    close(sigfast.sigmoid(x), torch.sigmoid(t).numpy(), dtype, rtol=8 * RTOL[dtype])
    close(sigfast.sigmoid(x), torch.special.expit(t).numpy(), dtype, rtol=8 * RTOL[dtype])
    close(sigfast.log_sigmoid(x), F.logsigmoid(t).numpy(), dtype, rtol=8 * RTOL[dtype])
    close(sigfast.silu(x), F.silu(t).numpy(), dtype, rtol=8 * RTOL[dtype])
    # autograd gives the derivatives
    tg = t.clone().requires_grad_(True)
    F.silu(tg).sum().backward()
    close(sigfast.silu_grad(x), tg.grad.numpy(), dtype, rtol=8 * RTOL[dtype],
          atol=8 * RTOL[dtype])
    tg = t.clone().requires_grad_(True)
    torch.sigmoid(tg).sum().backward()
    close(sigfast.sigmoid_grad(x), tg.grad.numpy(), dtype, rtol=8 * RTOL[dtype],
          atol=2 * RTOL[dtype])   # PyTorch's s(1 - s) is 0 where sigfast's is tiny


@pytest.mark.parametrize("beta", [1.0, 2.0, 0.5, 3.0])
@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_softplus_beta_and_threshold(torch, dtype, beta):
    F = torch.nn.functional
    x = logits(dtype, scale=15.0)
    got = F.softplus(torch.from_numpy(x), beta=beta).numpy()
    b = dtype(beta)
    # the table's plain row: softplus(beta x) / beta, up to PyTorch's switch
    # to x where beta x > 20 (there they differ by < 2.1e-9 / beta)
    plain = sigfast.softplus(b * x) / b
    close(plain, got, dtype, rtol=8 * RTOL[dtype], atol=2.1e-9 / beta)
    # the exact row reproduces the switch
    exact = np.where(b * x > 20, x, plain)
    close(exact, got, dtype, rtol=8 * RTOL[dtype])
    switched = b * x > 20
    assert switched.any() and np.array_equal(got[switched], x[switched])


@pytest.mark.parametrize("eps", [None, 1e-6, 0.01])
@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_logit_eps(torch, dtype, eps):
    p = probs(dtype)
    got = torch.logit(torch.from_numpy(p), eps=eps).numpy()
    if eps is None:
        want = sigfast.logit(p)
    else:
        want = sigfast.logit(np.clip(p, dtype(eps), 1 - dtype(eps)))
    # torch's log(p / (1 - p)) is less accurate near p = 1/2: absolute bound there
    close(want, got, dtype, rtol=8 * RTOL[dtype], atol=8 * RTOL[dtype])
    if eps is not None:
        assert np.all(np.isfinite(got)) and np.all(np.isfinite(want))


def test_torch_losses(torch):
    F = torch.nn.functional
    rng = np.random.default_rng(7)
    z = rng.standard_normal((64, 5)) * 3
    y = (rng.random((64, 5)) < 0.4).astype(np.float64)
    w = rng.random((64, 1))
    pw = np.array([1.0, 2.0, 0.5, 3.0, 1.5])
    tz, ty = torch.from_numpy(z), torch.from_numpy(y)
    for r in ("mean", "sum", "none"):
        want = F.binary_cross_entropy_with_logits(
            tz, ty, weight=torch.from_numpy(w), pos_weight=torch.from_numpy(pw),
            reduction=r).numpy()
        got = sigfast.binary_cross_entropy_with_logits(z, y, weight=w, pos_weight=pw,
                                                       reduction=r)
        # PyTorch loses relative accuracy on tiny elementwise terms: the
        # absolute bound is relative to the result's scale
        close(got, want, np.float64, rtol=1e-13, atol=1e-13 * np.max(np.abs(want)))
    want = F.binary_cross_entropy_with_logits(tz, ty, reduction="none").numpy()
    close(sigfast.bce_with_logits(z, y), want, np.float64, rtol=1e-13,
          atol=1e-13 * np.max(want))
    tzg = tz.clone().requires_grad_(True)
    F.binary_cross_entropy_with_logits(tzg, ty).backward()
    close(sigfast.binary_cross_entropy_with_logits_grad(z, y), tzg.grad.numpy(),
          np.float64, rtol=1e-13, atol=1e-17)
    p = sigfast.sigmoid(z)
    close(sigfast.binary_cross_entropy(p, y),
          F.binary_cross_entropy(torch.from_numpy(p), ty).numpy(), np.float64, rtol=1e-12)


# ------------------------------------------------------------------ half types

def _half_dtypes():
    out = [np.dtype(np.float16)]
    try:
        import ml_dtypes
        out.append(np.dtype(ml_dtypes.bfloat16))
    except ImportError:                 # pragma: no cover - depends on the environment
        pass
    return out


HALF = _half_dtypes()
#: rounding a float32 result to a half type: 0.5 ulp, plus the float32 error
#: carried into the rare double-rounding case
HALF_BOUND = 0.5 + 2.0 ** -12


# the recipes of docs/migration.md, as written there
def softplus_torch(x, beta=1.0, threshold=20.0):
    xw = x.astype(np.float32) if x.dtype.itemsize == 2 else x   # float16, bfloat16
    y = np.where(beta * xw > threshold, xw, sigfast.softplus(beta * xw) / xw.dtype.type(beta))
    return y.astype(x.dtype, copy=False)


def logit_torch(p, eps):
    pw = p.astype(np.float32) if p.dtype.itemsize == 2 else p
    lo = pw.dtype.type(eps)
    return sigfast.logit(np.clip(pw, lo, 1 - lo)).astype(p.dtype, copy=False)


def every_value(dt):
    v = np.arange(1 << 16, dtype=np.uint16).view(dt)
    return v[np.isfinite(v.astype(np.float32))]


def half_ulp(got, exact, dt):
    from sigfast._testing import ulp_errors
    return ulp_errors(got, exact, np.zeros_like(exact), dt)


def test_half_recipes_are_in_the_docs():
    import inspect
    import pathlib
    doc = (pathlib.Path(__file__).resolve().parent.parent / "docs" / "migration.md").read_text()
    for f in (softplus_torch, logit_torch):
        assert inspect.getsource(f) in doc, f.__name__


@pytest.mark.parametrize("beta", [1.0, 2.0, 0.5, 3.0, 1.7])
@pytest.mark.parametrize("dt", HALF, ids=lambda d: d.name)
def test_softplus_recipe_on_half_types(dt, beta):
    x = every_value(dt)
    x = x[np.abs(x.astype(np.float32)) < 60]
    xd = x.astype(np.float64)
    exact = np.where(beta * xd > 20, xd, np.logaddexp(0, beta * xd) / beta)
    got = softplus_torch(x, beta)
    assert got.dtype == dt
    assert half_ulp(got, exact, dt).max() <= HALF_BOUND
    if beta == 3.0:
        # the literal recipe in the half type: 7.6 (float16) / 71.8 (bfloat16) ulp
        b = dt.type(beta)
        literal = np.where(b * x > 20, x, sigfast.softplus(b * x) / b)
        assert half_ulp(literal, exact, dt).max() > 7


@pytest.mark.parametrize("beta", [2.0, 0.5, 3.0])
@pytest.mark.parametrize("dt", HALF, ids=lambda d: d.name)
def test_softplus_recipe_equals_torch_on_half_types(torch, dt, beta):
    x = every_value(dt)
    x = x[np.abs(x.astype(np.float32)) < 60]
    tdt = torch.float16 if dt == np.float16 else torch.bfloat16
    want = torch.nn.functional.softplus(torch.from_numpy(x.astype(np.float32)).to(tdt), beta=beta)
    want = want.to(torch.float32).numpy().astype(dt)
    np.testing.assert_array_equal(softplus_torch(x, beta).view(np.uint16), want.view(np.uint16))


@pytest.mark.parametrize("eps", [1e-6, 1e-3, 0.01, 0.1])
@pytest.mark.parametrize("dt", HALF, ids=lambda d: d.name)
def test_logit_recipe_on_half_types(dt, eps):
    p = every_value(dt)
    p = p[(p.astype(np.float32) >= 0) & (p.astype(np.float32) <= 1)]
    pf = np.clip(p.astype(np.float32), np.float32(eps), 1 - np.float32(eps)).astype(np.float64)
    exact = np.log(pf / (1 - pf))
    got = logit_torch(p, eps)
    assert got.dtype == dt
    assert np.all(np.isfinite(got.astype(np.float32)))   # literal: inf at p = 1 for small eps
    assert half_ulp(got, exact, dt).max() <= HALF_BOUND


@pytest.mark.parametrize("dtype", DTYPES)
def test_gate_rows(dtype):
    a = logits(dtype)
    b = logits(dtype)[::-1].copy()
    with np.errstate(all="ignore"):
        close(sigfast.glu(a, b), a / (1 + np.exp(-b)), dtype)
        close(sigfast.swiglu(a, b), a / (1 + np.exp(-a)) * b, dtype, rtol=6 * np.finfo(dtype).eps)
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    close(sigfast.glu(a, b), (ta * torch.sigmoid(tb)).numpy(), dtype)
    close(sigfast.swiglu(a, b), (F.silu(ta) * tb).numpy(), dtype)
    x = np.stack([a, b])
    close(sigfast.glu_split(x, axis=0), F.glu(torch.from_numpy(x), dim=0).numpy(), dtype)
