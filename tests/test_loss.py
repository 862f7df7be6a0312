"""Loss API: parity with PyTorch, exact-sum accuracy, determinism, bad input."""
import math
import tracemalloc

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import sigfast
from sigfast import _dispatch
from sigfast import (binary_cross_entropy, binary_cross_entropy_with_logits as bce,
                     binary_cross_entropy_with_logits_grad as bce_grad,
                     binary_cross_entropy_with_logits_loss_and_grad as bce_lg,
                     sigmoid_focal_loss)

RTOL = {np.float32: 2e-6, np.float64: 1e-13}


def ref_terms(z, y, w=None, pw=None, ls=0.0):
    """Loss terms in longdouble (the twin of the fused kernel's formula)."""
    L = np.longdouble
    z = np.asarray(z, L)
    y = np.asarray(y, L) * (1 - L(ls)) + L(ls) / 2
    pw = L(1) if pw is None else np.asarray(pw, L)
    w = L(1) if w is None else np.asarray(w, L)
    sp = np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))
    spm = np.maximum(-z, 0) + np.log1p(np.exp(-np.abs(z)))
    return w * ((1 - y) * sp + pw * y * spm)


def data(dtype, shape=(256, 12), seed=0):
    rng = np.random.default_rng(seed)
    z = (rng.standard_normal(shape) * 6).astype(dtype)
    y = (rng.random(shape) > 0.5).astype(dtype)
    return z, y


# ---------------------------------------------------------------- PyTorch parity

torch = pytest.importorskip if False else None
try:
    import torch
    import torch.nn.functional as F
except ImportError:       # parity tests skip cleanly without torch
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed "
                                 "(pip install torch==2.13.0)")


def close_at_scale(got, want, rtol):
    """Relative to the result's scale: PyTorch itself loses tiny elementwise
    values (it returns 0 for a float32 loss of 4.2e-7), so elementwise
    comparisons use rtol * max|want| as the absolute floor."""
    got = np.asarray(got, np.float64)
    want = np.asarray(want, np.float64)
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * scale)


OPTIONS = [
    {},
    {"weight": "sample"},
    {"pos_weight": "class"},
    {"weight": "full", "pos_weight": "class"},
    {"pos_weight": "scalar"},
    {"weight": "scalar", "pos_weight": "class"},
]


def build(opt, dtype, shape):
    rng = np.random.default_rng(1)
    kw = {}
    if opt.get("weight") == "sample":
        kw["weight"] = rng.random((shape[0], 1)).astype(dtype)
    elif opt.get("weight") == "full":
        kw["weight"] = rng.random(shape).astype(dtype)
    elif opt.get("weight") == "scalar":
        kw["weight"] = dtype(0.7)
    if opt.get("pos_weight") == "class":
        kw["pos_weight"] = (rng.random(shape[-1]) * 3).astype(dtype)
    elif opt.get("pos_weight") == "scalar":
        kw["pos_weight"] = np.array([2.5], dtype)
    return kw


@needs_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("opt", OPTIONS, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()) or "plain")
def test_torch_parity_values_and_grads(opt, reduction, dtype):
    z, y = data(dtype)
    kw = build(opt, dtype, z.shape)
    tkw = {k: torch.as_tensor(np.asarray(v)) for k, v in kw.items()}
    zt = torch.from_numpy(z.copy()).requires_grad_()
    lt = F.binary_cross_entropy_with_logits(zt, torch.from_numpy(y), reduction=reduction, **tkw)
    (lt.sum() if reduction == "none" else lt).backward()
    got = bce(z, y, reduction=reduction, **kw)
    close_at_scale(got, lt.detach().numpy(), RTOL[dtype])
    g = bce_grad(z, y, reduction="sum" if reduction == "none" else reduction, **kw)
    assert g.shape == z.shape and g.dtype == dtype
    close_at_scale(g, zt.grad.numpy(), 50 * RTOL[dtype])
    loss2, g2 = bce_lg(z, y, reduction="sum" if reduction == "none" else reduction, **kw)
    np.testing.assert_array_equal(g2, g)


@needs_torch
def test_torch_parity_binary_cross_entropy_probs(dtype):
    rng = np.random.default_rng(3)
    p = rng.random(1000).astype(dtype)
    p[:5] = [0, 1, 1e-30, 1 - 1e-7, 0.5]
    y = (rng.random(1000) > 0.5).astype(dtype)
    w = rng.random(1000).astype(dtype)
    for red in ("mean", "sum", "none"):
        t = F.binary_cross_entropy(torch.from_numpy(p), torch.from_numpy(y),
                                   weight=torch.from_numpy(w), reduction=red).numpy()
        close_at_scale(binary_cross_entropy(p, y, weight=w, reduction=red), t, 10 * RTOL[dtype])


@needs_torch
def test_torch_focal_loss_parity(dtype):
    # torchvision.ops.sigmoid_focal_loss, written out (torchvision is not installed)
    z, y = data(dtype, (500,), seed=4)
    z = z / 3
    zt, yt = torch.from_numpy(z), torch.from_numpy(y)
    for alpha, gamma in [(0.25, 2.0), (-1, 2.0), (0.5, 0.0), (0.25, 1.5)]:
        p = torch.sigmoid(zt)
        ce = F.binary_cross_entropy_with_logits(zt, yt, reduction="none")
        p_t = p * yt + (1 - p) * (1 - yt)
        loss = ce * ((1 - p_t) ** gamma)
        if alpha >= 0:
            loss = (alpha * yt + (1 - alpha) * (1 - yt)) * loss
        got = sigmoid_focal_loss(z, y, alpha=alpha, gamma=gamma)
        close_at_scale(got, loss.numpy(), 2e-5 if dtype == np.float32 else 1e-12)
        assert got.dtype == dtype


def test_focal_loss_finite_for_large_logits():
    z = np.array([-200.0, -50, 50, 200])
    y = np.array([0.0, 0, 1, 1])
    got = sigmoid_focal_loss(z, y, gamma=2.0)
    assert np.all(np.isfinite(got)) and np.all(got >= 0)
    # well classified: alpha_t * sigma(-|z|)**2 * log1p(e**-|z|) ~ alpha_t e**-3|z|
    want = [0.75 * math.exp(-600), 0.75 * math.exp(-150), 0.25 * math.exp(-150), 0.25 * math.exp(-600)]
    np.testing.assert_allclose(got, want, rtol=1e-12)


# ------------------------------------------------------------- exact accuracy

@pytest.mark.parametrize("dt,tol", [(np.float32, 1e-7), (np.float64, 1e-14)])
def test_mean_matches_fsum(dt, tol):
    rng = np.random.default_rng(5)
    n = 2_000_000
    z = (rng.standard_normal(n) * 4).astype(dt)
    y = rng.random(n).astype(dt)
    got = float(bce(z, y))
    terms = sigfast.bce_with_logits(z.astype(np.float64), y.astype(np.float64))
    exact = math.fsum(terms.tolist()) / n
    assert abs(got - exact) <= tol * abs(exact)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_elementwise_vs_mpmath(dt):
    z, y = data(dt, (400,), seed=6)
    z[:4] = [-120, 120, -30, 30] if dt == np.float32 else [-800, 800, -40, 40]
    got = bce(z, y, reduction="none", pos_weight=dt(2.0), label_smoothing=0.1)
    mpmath.mp.prec = 120
    for zi, yi, gi in zip(z, y, got):
        # the smoothed target y(1-a) + a/2 is an input of the formula, rounded
        # in float64 exactly as the kernel does; the bound is on the rest
        ys = float(np.float64(yi) * (1.0 - 0.1) + 0.5 * 0.1)
        zz, yy = mpmath.mpf(float(zi)), mpmath.mpf(ys)
        sp = lambda t: max(t, 0) + mpmath.log1p(mpmath.exp(-abs(t)))   # noqa: E731
        exact = (1 - yy) * sp(zz) + 2 * yy * sp(-zz)
        assert abs(float(gi) - float(exact)) <= 4 * np.finfo(dt).eps * float(exact) + 1e-300


def test_infinite_logits_with_matching_targets_are_zero():
    z = np.array([np.inf, -np.inf, 50.0, -50.0])
    y = np.array([1.0, 0.0, 1.0, 0.0])
    np.testing.assert_array_equal(bce(z, y, reduction="none")[:2], [0, 0])
    assert bce(z, y) == bce(z[2:], y[2:]) / 2
    g = bce_grad(z, y, reduction="none")
    np.testing.assert_array_equal(g[:2], [0, 0])
    # pos_weight at logit -120 (pytorch#13773): finite and exact
    v = bce(np.array([-120.0]), np.array([1.0]), pos_weight=np.array([3.0]), reduction="sum")
    assert v == 360.0


def pos_weight_rule(z, y, pw):
    """(loss, grad) of one element by the documented rule (Python floats,
    exact enough at these points): a zero factor gives 0 even against an
    infinite one (y = 0 or pw = 0: no positive term; z = +inf: a zero
    positive term)."""
    def sp(x):                                   # softplus, inf at inf
        return x if x > 30 else math.log1p(math.exp(x))
    def sig(x):
        return 1 / (1 + math.exp(-x)) if x > -700 else 0.0
    ypw = 0.0 if y == 0 or pw == 0 else y * pw
    neg = 0.0 if y == 1 else (1 - y) * sp(z)
    pos = 0.0 if ypw == 0 or sp(-z) == 0 else ypw * sp(-z)
    gpos = 0.0 if ypw == 0 or sig(-z) == 0 else ypw * sig(-z)
    return neg + pos, (1 - y) * sig(z) - gpos


@pytest.mark.parametrize("dt", [np.float32, np.float64, np.longdouble])
def test_infinite_and_huge_pos_weight(dt, monkeypatch):
    # issue 23, item 8: pos_weight = inf gave NaN (0 * inf in the relu(-z)
    # term) where PyTorch gives inf.  The points of the issue: every
    # pos_weight as its own class column, scalar, per class and full size,
    # with and without label smoothing, at every SIMD level (float32/64:
    # the fused pass; long double: the NumPy-expression path).
    from sigfast import _dispatch
    Z = [-np.inf, -1.0, 0.0, 1.0, np.inf]
    PW = [np.inf, 0.0, 1e308]
    zz, yy = np.meshgrid(Z, [0.0, 0.5, 1.0], indexing="ij")
    z = np.repeat(zz.reshape(-1, 1), 3, axis=1).astype(dt)           # (15, 3)
    y = np.repeat(yy.reshape(-1, 1), 3, axis=1).astype(dt)
    with np.errstate(over="ignore"):
        pw = np.array(PW).astype(dt)         # float32: 1e308 is inf there
    for level in _dispatch.runnable_levels():
        monkeypatch.setattr(_dispatch, "_ACTIVE", _dispatch.Kernels(level, "test"))
        for ls in (0.0, 0.1):
            ys = y.astype(np.float64) * (1 - ls) + ls / 2
            want = np.array([[pos_weight_rule(float(a), b, float(p))
                              for a, b, p in zip(zr, yr, pw)] for zr, yr in zip(z, ys)])
            wl, wg = want[..., 0], want[..., 1]
            # (pos_weight, the columns it applies to): per class, full size,
            # and each class alone with a scalar
            calls = [(pw, [0, 1, 2]), (np.broadcast_to(pw, z.shape), [0, 1, 2])]
            calls += [(pw[j:j + 1], [j]) for j in range(3)]
            for p, cols in calls:
                kw = dict(pos_weight=p)
                sub, el, eg = (z[:, cols], y[:, cols]), wl[:, cols], wg[:, cols]
                got = bce(*sub, reduction="none", label_smoothing=ls, **kw)
                g = bce_grad(*sub, reduction="none", label_smoothing=ls, **kw)
                assert got.dtype == dt and g.dtype == dt
                np.testing.assert_allclose(got.astype(np.float64), el, rtol=4e-6, atol=0,
                                           err_msg=f"{level} {ls} {kw}")
                np.testing.assert_allclose(g.astype(np.float64), eg, rtol=4e-6, atol=1e-300,
                                           err_msg=f"{level} {ls} {kw}")
                total, gs = bce_lg(*sub, reduction="sum", label_smoothing=ls, **kw)
                assert total == (np.inf if np.isinf(el).any() else pytest.approx(el.sum()))
                np.testing.assert_array_equal(gs, g)


@needs_torch
def test_infinite_pos_weight_against_pytorch():
    # issue 23, item 8: where PyTorch's float64 value is a number, sigfast's
    # is the same; where PyTorch gives NaN from 0 * inf, sigfast keeps its
    # rule (test_infinite_and_huge_pos_weight).  PyTorch's gradient
    # (pw y + 1 - y) sigma(z) - pw y cancels for pw y ~ 1e308 (0 instead of
    # 0.5 at z = inf, y = 0.5) and is NaN for pw = inf: compared only below.
    z, y = (a.ravel() for a in np.meshgrid([-np.inf, -1.0, 0.0, 1.0, np.inf],
                                           [0.0, 0.5, 1.0], indexing="ij"))
    for pw in (np.inf, 0.0, 1e308):
        tz = torch.tensor(z, requires_grad=True)
        tl = F.binary_cross_entropy_with_logits(tz, torch.tensor(y), reduction="none",
                                                pos_weight=torch.tensor([pw] * z.size,
                                                                        dtype=torch.float64))
        tl.sum().backward()
        tl, tg = tl.detach().numpy(), tz.grad.numpy()
        got = bce(z, y, reduction="none", pos_weight=np.array([pw]))
        g = bce_grad(z, y, reduction="none", pos_weight=np.array([pw]))
        ok = ~np.isnan(tl)
        np.testing.assert_allclose(got[ok], tl[ok], rtol=1e-15)
        ok = ~np.isnan(tg) & ((y == 0) | (pw < 1e300))
        np.testing.assert_allclose(g[ok], tg[ok], rtol=1e-15, atol=1e-300)
        assert not np.isnan(got).any() and not np.isnan(g).any()
        if pw == np.inf:
            # PyTorch's inf, for every finite logit with a positive target
            assert np.all(got[(y > 0) & np.isfinite(z)] == np.inf)


def test_finite_for_extreme_finite_inputs(dtype):
    fmax = np.finfo(dtype).max
    z = np.array([fmax, -fmax, 1e30, -1e30, 0], dtype)
    y = np.array([1, 0, 0.5, 0.5, 1], dtype)
    assert np.all(np.isfinite(bce(z, y, reduction="none")))
    assert np.all(np.isfinite(bce_grad(z, y, reduction="none")))


# ------------------------------------------------------------- determinism

@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_bit_identical_for_any_thread_count(dtype, reduction):
    z, y = data(dtype, (1_000_003,), seed=8)
    res = []
    for nt in (1, 2, 3, 4):
        with sigfast.num_threads(nt):
            loss, g = bce_lg(z, y, reduction=reduction, pos_weight=dtype(1.5))
            res.append((np.asarray(loss).tobytes(), g.tobytes()))
    assert all(r == res[0] for r in res)


# ------------------------------------------------------------- API behaviour

def test_axis_reduction_per_sample():
    z, y = data(np.float64, (50, 7))
    per = bce(z, y, axis=-1)
    assert per.shape == (50,)
    np.testing.assert_allclose(per, bce(z, y, reduction="none").mean(axis=-1), rtol=1e-15)
    s = bce(z, y, axis=(0,), reduction="sum")
    np.testing.assert_allclose(s, bce(z, y, reduction="none").sum(axis=0), rtol=1e-14)
    g = bce_grad(z, y, axis=-1)
    np.testing.assert_allclose(g, (sigfast.sigmoid(z) - y) / 7, rtol=1e-14, atol=1e-17)


def test_broadcasting_and_out():
    z = np.linspace(-3, 3, 12).reshape(3, 4)
    y = np.array([0.0, 1.0, 0.0, 1.0]) * np.ones((3, 1))
    w = np.array([0.5, 1.0, 2.0, 1.5])           # broadcast along rows
    want = bce(z, y, weight=np.broadcast_to(w, z.shape).copy(), reduction="none")
    out = np.empty((3, 4))
    res = bce(z, y, weight=w, reduction="none", out=out)
    assert res is out
    np.testing.assert_array_equal(out, want)
    # logits and targets of different shapes are an error, not a broadcast
    # (tests/test_loss_shapes.py)
    with pytest.raises(ValueError, match="same shape"):
        bce_grad(np.array([[0.5], [-1.0], [2.0]]), np.ones((3, 4)), reduction="sum")


def test_dtypes():
    z32, y32 = data(np.float32, (100,))
    assert bce(z32, y32).dtype == np.float32
    # weights never upcast the loss (PyTorch keeps the input's dtype)
    assert bce(z32, y32, weight=0.5, pos_weight=np.full(1, 2.0)).dtype == np.float32
    assert bce_grad(z32, y32, pos_weight=np.float64(2.0)).dtype == np.float32
    assert bce(z32.astype(np.float64), y32).dtype == np.float64
    assert bce(z32.astype(np.float16), y32.astype(np.float16)).dtype == np.float32
    assert bce([0, 1], [1, 0]).dtype == np.float64            # ints -> float64


@pytest.mark.parametrize("kw,exc,msg", [
    ({"reduction": "avg"}, ValueError, "reduction must be one of"),
    ({"label_smoothing": 1.5}, ValueError, r"label_smoothing must be in \[0, 1\]"),
    ({"label_smoothing": -0.1}, ValueError, r"label_smoothing must be in \[0, 1\]"),
])
def test_bad_options(kw, exc, msg):
    z, y = data(np.float64, (4,))
    with pytest.raises(exc, match=msg):
        bce(z, y, **kw)


def test_bad_inputs_and_untouched_out():
    z, y = data(np.float64, (4,))
    with pytest.raises(ValueError, match=r"logits shape \(4,\) and targets shape \(5,\)"):
        bce(z, np.zeros(5))
    with pytest.raises(TypeError):
        bce(z.astype(complex), y)
    with pytest.raises(TypeError):
        bce(np.array([object()] * 4), y)
    with pytest.raises(ValueError, match="gamma must be >= 0"):
        sigmoid_focal_loss(z, y, gamma=-1)
    with pytest.raises(ValueError, match="between 0 and 1"):
        binary_cross_entropy(np.array([1.5]), np.array([1.0]))
    out = np.full(4, 7.0)
    with pytest.raises(ValueError):
        bce(z, np.zeros(5), reduction="none", out=out)
    assert np.all(out == 7.0)


def test_misaligned_inputs():
    z, y = data(np.float64, (1001,))
    buf = bytearray(z.nbytes + 1)
    zm = np.frombuffer(buf, dtype=np.float64, offset=1, count=z.size)
    zm[...] = z
    assert not zm.flags.aligned
    assert bce(zm, y) == bce(z, y)
    np.testing.assert_array_equal(bce_grad(zm, y), bce_grad(z, y))


def test_inputs_not_modified():
    z, y = data(np.float32, (1000,))
    zc, yc = z.copy(), y.copy()
    bce_lg(z, y, pos_weight=np.float32(2), label_smoothing=0.2)
    np.testing.assert_array_equal(z, zc)
    np.testing.assert_array_equal(y, yc)


@settings(max_examples=60, deadline=None)
@given(
    shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=9),
    dt=st.sampled_from([np.float32, np.float64]),
    reduction=st.sampled_from(["none", "mean", "sum"]),
    ls=st.sampled_from([0.0, 0.1]),
    use_pw=st.booleans(),
    use_w=st.booleans(),
    data_=st.data(),
)
def test_hypothesis_against_reference(shape, dt, reduction, ls, use_pw, use_w, data_):
    zs = hnp.arrays(dt, shape, elements=st.floats(-60, 60, width=32))
    z = data_.draw(zs)
    y = data_.draw(hnp.arrays(dt, shape, elements=st.floats(0, 1, width=32)))
    kw = {}
    if use_w:
        kw["weight"] = data_.draw(hnp.arrays(dt, shape[-1:], elements=st.floats(0, 2, width=32)))
    if use_pw:
        kw["pos_weight"] = data_.draw(hnp.arrays(dt, shape[-1:], elements=st.floats(0, 4, width=32)))
    got = bce(z, y, reduction=reduction, label_smoothing=ls, **kw)
    terms = ref_terms(z, y, kw.get("weight"), kw.get("pos_weight"), ls)
    want = terms if reduction == "none" else (terms.sum() / (terms.size if reduction == "mean" else 1))
    # the exact value rounded to the dtype (a loss of 9.7e-46 is 1.4e-45 in float32)
    want = np.asarray(np.asarray(want, np.float64).astype(dt), np.float64)
    got = np.asarray(got, np.float64)
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    np.testing.assert_allclose(got, want, rtol=8 * float(np.finfo(dt).eps),
                               atol=8 * float(np.finfo(dt).eps) * scale
                               + float(np.finfo(dt).smallest_subnormal))


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_plain_mean_matches_loss_and_grad(dt):
    # The plain mean has its own term loop; it must give the same bits as the
    # general (gradient) path.
    rng = np.random.default_rng(5)
    z = (rng.standard_normal(50_000) * 6).astype(dt)
    y = rng.uniform(0, 1, z.size).astype(dt)
    m = sigfast.binary_cross_entropy_with_logits(z, y)
    loss, _ = sigfast.binary_cross_entropy_with_logits_loss_and_grad(z, y)
    assert m == loss


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_reduction_none_is_the_ufunc_bit_for_bit(dtype):
    # One BCE term (sigfast/_core/bce.pxd) serves the ufunc and the fused
    # loss; before it did, 27 % (float32) / 36 % (float64) of soft-target
    # elements differed in the last bit.
    rng = np.random.default_rng(5)
    z = (rng.standard_normal(200_003) * 10).astype(dtype)
    z[:6] = [np.inf, -np.inf, 0.0, -0.0, 100, -800]
    for y in ((rng.random(z.size) < 0.5).astype(dtype), rng.random(z.size).astype(dtype)):
        want = sigfast.bce_with_logits(z, y)
        got = sigfast.binary_cross_entropy_with_logits(z, y, reduction="none")
        assert got.dtype == want.dtype
        assert got.tobytes() == want.tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradient_none_is_the_ufunc_bit_for_bit(dtype):
    # The gradient of the loss without pos_weight takes the ufunc's formula
    # directly (grad_block's unit_pw path); a pos_weight of ones per class
    # goes through the general per-lane form, which must select the same
    # value for every lane.
    rng = np.random.default_rng(6)
    z = (rng.standard_normal((20_001, 3)) * 10).astype(dtype)
    z.flat[:6] = [np.inf, -np.inf, 0.0, -0.0, 100, -800]
    grad = sigfast.binary_cross_entropy_with_logits_grad
    for y in ((rng.random(z.shape) < 0.5).astype(dtype), rng.random(z.shape).astype(dtype)):
        want = sigfast.bce_with_logits_grad(z, y)
        plain = grad(z, y, reduction="none")
        general = grad(z, y, reduction="none", pos_weight=np.ones(3, dtype))
        _, fused = sigfast.binary_cross_entropy_with_logits_loss_and_grad(z, y, reduction="none")
        for got in (plain, general, fused):
            assert got.dtype == want.dtype
            assert got.tobytes() == want.tobytes()
        w = rng.uniform(0.5, 2, z.shape).astype(dtype)
        np.testing.assert_array_equal(grad(z, y, weight=w, reduction="none"),
                                      grad(z, y, weight=w, pos_weight=np.ones(3, dtype),
                                           reduction="none"))


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_scalar_target_makes_no_full_size_copy(dt):
    # A scalar target is read like a scalar weight (issue 21, item 2): the
    # loss allocates nothing of the input's size (it used to copy the
    # target to full size, 1x the input), the gradient and loss_and_grad
    # only their result; the values are those of the full-size target.
    n = 1_000_000
    z = (np.random.default_rng(5).standard_normal(n) * 4).astype(dt)
    full = np.full_like(z, 0.5)
    calls = {
        "loss": (lambda y, **k: bce(z, y, **k), 0.05),
        "grad": (lambda y, **k: bce_grad(z, y, **k), 1.05),
        "lg": (lambda y, **k: bce_lg(z, y, **k), 1.05),
    }
    for name, (f, limit) in calls.items():
        for kw in ({}, dict(reduction="sum", weight=0.25), dict(pos_weight=2.0),
                   dict(label_smoothing=0.1)):
            f(0.5, **kw)
            tracemalloc.start()
            try:
                got = f(0.5, **kw)
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            assert peak <= limit * z.nbytes, (name, kw, peak / z.nbytes)
            want = f(full, **kw)
            for g, w in zip(got if name == "lg" else (got,), want if name == "lg" else (want,)):
                assert np.asarray(g).tobytes() == np.asarray(w).tobytes(), (name, kw)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_loss_and_grad_out_arrays(dt):
    # loss_out / gradient_out (issue 21, item 1): written in place, the
    # values of the call without them; checked before anything is written
    rng = np.random.default_rng(8)
    z = (rng.standard_normal((300, 5)) * 6).astype(dt)
    y = rng.random((300, 5)).astype(dt)
    for kw in ({}, dict(reduction="none"), dict(reduction="sum", weight=0.5),
               dict(reduction="mean", axis=-1), dict(reduction="none", pos_weight=np.ones(5, dt) * 2)):
        want_l, want_g = bce_lg(z, y, **kw)
        lo = np.empty(np.shape(want_l), dt)
        go = np.empty(z.shape, dt)
        got_l, got_g = bce_lg(z, y, loss_out=lo, gradient_out=go, **kw)
        assert got_l is lo and got_g is go
        assert lo.tobytes() == np.asarray(want_l).tobytes() and go.tobytes() == want_g.tobytes()
        # a wider dtype and a strided view take the values through a copy
        g64 = np.empty((300, 10), np.float64)[:, ::2]
        bce_lg(z, y, gradient_out=g64, **kw)
        np.testing.assert_array_equal(g64, want_g.astype(np.float64))
    # the gradient alone and the loss's out= write in place too
    go = np.empty(z.shape, dt)
    assert bce_grad(z, y, out=go) is go and go.tobytes() == bce_grad(z, y).tobytes()
    lo = np.empty(z.shape, dt)
    assert bce(z, y, reduction="none", out=lo) is lo
    assert lo.tobytes() == bce(z, y, reduction="none").tobytes()


def test_loss_and_grad_out_errors_leave_outputs_untouched():
    z = np.linspace(-5, 5, 12).reshape(3, 4)
    y = np.full(z.shape, 0.25)
    good = np.full(z.shape, 7.0)
    bad = [
        (dict(gradient_out=np.empty((4, 3))), ValueError, "gradient_out has shape"),
        (dict(gradient_out=np.empty(z.shape, np.int64)), TypeError, "Cannot cast gradient_out"),
        (dict(gradient_out=z), ValueError, "gradient_out shares memory with an input"),
        (dict(gradient_out=y[:, :]), ValueError, "shares memory"),
        (dict(gradient_out=np.broadcast_to(np.empty(4), z.shape)), ValueError, "read-only"),
        (dict(gradient_out=[0.0] * 12), TypeError, "must be a numpy array"),
        (dict(gradient_out=good), ValueError, "gradient_out shares memory"),
    ]
    for kw, exc, msg in bad:
        with pytest.raises(exc, match=msg):
            bce_lg(z, y, reduction="none", loss_out=good, **kw)
        assert np.all(good == 7.0)
    with pytest.raises(ValueError, match="loss_out has shape"):
        bce_lg(z, y, loss_out=good, gradient_out=np.full(z.shape, 7.0))
    with pytest.raises(ValueError, match="loss_out shares memory"):
        bce_lg(z, y, reduction="none", loss_out=z)
    assert np.all(good == 7.0)


def test_plain_calls_take_the_compiled_entry(monkeypatch):
    # Plain contiguous arrays with no options go through bce_plain (issue
    # 21, item 2) with the general route's values, dtypes and shapes bit for
    # bit; anything else still takes the general route.
    from sigfast.losses import _logits
    rng = np.random.default_rng(9)
    general = {f: getattr(_logits, f) for f in (
        "binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits_grad",
        "binary_cross_entropy_with_logits_loss_and_grad")}
    public = {f: getattr(sigfast, f) for f in general}
    cases = []
    for dt in (np.float32, np.float64):
        z = (rng.standard_normal((33, 5)) * 6).astype(dt)
        for y in (rng.random((33, 5)).astype(dt), 0.25, float("nan")):
            for red in ("mean", "sum", "none"):
                cases.append((z, y, red))
    want = {(f, i): general[f](z, y, reduction=red) for f in general
            for i, (z, y, red) in enumerate(cases)}
    monkeypatch.setattr(_logits, "Prepared", None)      # the general route would fail
    for (f, i), w in want.items():
        z, y, red = cases[i]
        got = public[f](z, y, reduction=red)
        for g, v in zip(got if isinstance(got, tuple) else (got,),
                        w if isinstance(w, tuple) else (w,)):
            assert type(g) is type(v) and np.asarray(g).dtype == np.asarray(v).dtype
            assert np.asarray(g).tobytes() == np.asarray(v).tobytes()
    monkeypatch.undo()
    z = cases[0][0]
    for kw in (dict(weight=0.5), dict(label_smoothing=0.1), dict(axis=0),
               dict(reduction="none", out=np.empty(z.shape, z.dtype))):
        assert np.all(np.isfinite(public["binary_cross_entropy_with_logits"](z, 0.5, **kw)))


@pytest.mark.parametrize("level", _dispatch.runnable_levels())
def test_fused_pass_checks_its_operands(level):
    # bce_fused_pass takes typed memoryviews (issue 22, item 7): operands of
    # the wrong rank, sizes or dtypes are refused before anything is
    # written, where raw pointers used to read past a short target or
    # weight array.
    fused = _dispatch.load_fused(level)
    z = np.linspace(-3, 3, 10)
    one = np.ones(1)
    out = np.full(10, 7.0)
    for args in ((z, np.ones(3), one, one), (z, one, np.ones(4), one),
                 (z, one, one, np.ones(3))):
        with pytest.raises(ValueError, match="sizes do not fit"):
            fused.bce_fused_pass(*args, 0.0, out, None, 1.0)
    with pytest.raises((TypeError, ValueError)):        # not flat
        fused.bce_fused_pass(z.reshape(2, 5), one, one, one, 0.0, out, None, 1.0)
    with pytest.raises(ValueError):
        fused.bce_fused_pass(z, one, one, one, 0.0, np.empty(9), None, 1.0)
    with pytest.raises((TypeError, ValueError)):
        fused.bce_fused_pass(z.astype(np.float32), one, one, one, 0.0, out, None, 1.0)
    assert np.all(out == 7.0)
    got = fused.bce_fused_pass(z, np.full(1, 0.5), one, one, 0.0, out, None, 1.0)
    assert got == pytest.approx(np.sum(sigfast.bce_with_logits(z, 0.5)), rel=1e-15)
    assert np.array_equal(out, sigfast.bce_with_logits(z, 0.5))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_empty_input_with_empty_pos_weight(dtype):
    # pos_weight of shape (0,) broadcasts against logits of shape (0, 0); the
    # compiled pass's size check once rejected it (found by test_fuzz)
    z = np.zeros((0, 0), dtype)
    pw = np.zeros(0, dtype)
    assert np.isnan(sigfast.binary_cross_entropy_with_logits(z, z, pos_weight=pw))
    assert sigfast.binary_cross_entropy_with_logits(z, z, pos_weight=pw, reduction="sum") == 0
    assert sigfast.binary_cross_entropy_with_logits_grad(z, z, pos_weight=pw).shape == (0, 0)
