"""logit_eps(p, eps): PyTorch's torch.logit(p, eps) semantics (the clamp,
eps < 0 as eps=None, the order of the two bounds when eps > 1/2) with
sigfast's logit on the clamped value (within one ulp against mpmath)."""
import numpy as np
import pytest

import sigfast
from sigfast._testing import ulp_errors
from sigfast._testing.mpref import exact

EPS = (-1.0, 0.0, 1e-6, 1e-3, 0.25, 0.5, 0.75, 1.0)


def probs(dt, n=4000, seed=0):
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(0, 1, n), 10.0 ** rng.uniform(-12, 0, n // 4),
                        1 - 10.0 ** rng.uniform(-7, 0, n // 4),
                        [-0.5, 0.0, 1.0, 1.5, np.nan, 1e-8, 0.3, 0.5, 0.9]])
    return p.astype(dt)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_matches_torch_logit(dt):
    torch = pytest.importorskip("torch")
    p = probs(dt)
    for eps in EPS:
        got = sigfast.logit_eps(p, dt(eps))
        want = torch.logit(torch.from_numpy(p), None if eps < 0 else eps).numpy()
        assert got.dtype == dt
        assert np.array_equal(np.isnan(got), np.isnan(want)), eps
        inf = np.isinf(want)
        assert np.array_equal(got[inf], want[inf]), eps
        ok = np.isfinite(want)
        # PyTorch rounds z / (1 - z) before the log: a few ulp, and near
        # z = 1/2 an absolute error of a few ulp of 1
        np.testing.assert_allclose(got[ok], want[ok], rtol=16 * np.finfo(dt).eps,
                                   atol=16 * np.finfo(dt).eps, err_msg=str(eps))


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_within_one_ulp_of_the_clamped_logit(kern, dt):
    p = probs(dt, n=1500, seed=1)
    for eps in (-1.0, 1e-6, 0.25):
        e = np.full_like(p, eps)
        got = kern.logit_eps(p, e)
        hi, lo = exact("logit_eps", p, e)      # the clamp in dt, then exact
        err = ulp_errors(got, hi, lo, dt)
        i = int(np.nanargmax(err))
        assert err[i] <= 1.0, (eps, p[i], got[i], err[i])
        # the clamp moves no bits: logit of the clamped value, bit for bit
        hi32 = dt(1) - dt(eps)
        z = np.where(p < dt(eps), dt(eps), np.where(p > hi32, hi32, p)) if eps >= 0 else p
        assert np.array_equal(got, kern.logit(z.astype(dt)), equal_nan=True)


def test_scalar_eps_broadcasts_and_nan_eps_gives_nan():
    p = np.linspace(0, 1, 11)
    np.testing.assert_array_equal(sigfast.logit_eps(p, 0.2),
                                  sigfast.logit(np.clip(p, 0.2, 0.8)))
    np.testing.assert_array_equal(sigfast.logit_eps(p, -1.0), sigfast.logit(p))
    # PyTorch clamps nothing for a NaN eps; sigfast's NaN rule for every
    # argument gives NaN (documented)
    assert np.all(np.isnan(sigfast.logit_eps(p, np.nan)))
    # eps > 1/2: every p below eps gives eps, every other p gives 1 - eps
    np.testing.assert_array_equal(sigfast.logit_eps(np.array([0.1, 0.8, 0.9]), 0.75),
                                  sigfast.logit(np.array([0.75, 0.25, 0.25])))


@pytest.mark.parametrize("name", sigfast._registry.BINARY)
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_scalar_second_operand_path_is_bit_identical(kern, name, dt):
    # the binary loop's broadcast-scalar path (one block of the scalar, the
    # contiguous operands straight to the kernel) against full arrays
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, 1300).astype(dt)
    f = getattr(kern, name)
    for s in (dt(1e-6), dt(0.25), dt(1.0), dt(-3.0), dt(np.nan)):
        want = f(x, np.full_like(x, s))
        assert np.array_equal(f(x, s), want, equal_nan=True), s
        out = x.copy()
        f(out, s, out=out)                    # in place
        assert np.array_equal(out, want, equal_nan=True), s
