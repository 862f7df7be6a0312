"""Bad loss arguments get a clear error naming the argument (issue 13, items 6
and 7).

* ``sigmoid_focal_loss`` with targets outside [0, 1] returned NaN where its
  docstring promised torchvision's values; it now raises a ValueError naming
  the range (torchvision's ``(1 - p_t) ** gamma`` is itself NaN there for a
  non-integer gamma).  Targets in [0, 1] keep torchvision's values.
* ``binary_cross_entropy``: NaN probabilities raise (PyTorch raises), as
  values outside [0, 1] did; ``eps`` must be a real number in [0, 0.5).
* ``axis``: bools are rejected (as NumPy does), and ``axis`` with
  ``reduction="none"`` is an error instead of being ignored.
* Options that must be real numbers (``label_smoothing``, ``eps``, ``alpha``,
  ``gamma``) reject strings and bools with a TypeError and out-of-range or
  NaN values with a ValueError.
Each holds for NumPy and dask inputs alike.
"""
import math

import numpy as np
import pytest

import sigfast

BCE = {
    "bce": sigfast.binary_cross_entropy_with_logits,
    "bce_grad": sigfast.binary_cross_entropy_with_logits_grad,
    "bce_loss_and_grad": sigfast.binary_cross_entropy_with_logits_loss_and_grad,
}

try:
    import dask.array as da
except ImportError:
    da = None


def data(n=12, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(n) * 3, (rng.random(n) > 0.5).astype(np.float64)


def variants(z, y):
    """(logits, targets) as NumPy arrays and, if dask is installed, as dask arrays."""
    out = [(z, y)]
    if da is not None:
        out.append((da.from_array(z, chunks=5), da.from_array(y, chunks=5)))
    return out


# ---------------------------------------------------------------------------
# item 6: focal loss targets
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [1.2, -0.2, 2.0, np.inf, -np.inf, 1 + 1e-12])
def test_focal_targets_outside_unit_interval(bad):
    z, y = data()
    y[3] = bad
    for reduction in ("none", "mean", "sum"):
        with pytest.raises(ValueError, match=r"targets must be in \[0, 1\]"):
            sigfast.sigmoid_focal_loss(z, y, reduction=reduction)
    with pytest.raises(ValueError, match=repr(float(bad)).replace("+", r"\+")):
        sigfast.sigmoid_focal_loss(z, y)
    with pytest.raises(ValueError, match=r"targets must be in \[0, 1\]"):
        sigfast.sigmoid_focal_loss(z, np.float64(bad))


def test_focal_targets_in_range_match_torchvision_formula():
    # soft targets and the edges 0 and 1, every gamma: the formula written out
    z = np.linspace(-6, 6, 25)
    y = np.linspace(0, 1, 25)
    for alpha, gamma in [(0.25, 2.0), (-1.0, 1.5), (0.5, 0.0), (0.25, 0.5)]:
        p = 1 / (1 + np.exp(-z))
        ce = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
        p_t = p * y + (1 - p) * (1 - y)
        want = ce * (1 - p_t) ** gamma
        if alpha >= 0:
            want = (alpha * y + (1 - alpha) * (1 - y)) * want
        got = sigfast.sigmoid_focal_loss(z, y, alpha=alpha, gamma=gamma)
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-15)


def test_focal_nan_target_propagates():
    # NaN in, NaN out (as for the logits); not a range error
    z, y = data()
    y[2] = np.nan
    got = sigfast.sigmoid_focal_loss(z, y)
    assert np.isnan(got[2]) and np.isfinite(np.delete(got, 2)).all()


@pytest.mark.parametrize("kw,exc,msg", [
    ({"gamma": -1}, ValueError, "gamma must be >= 0"),
    ({"gamma": np.nan}, ValueError, "gamma must be >= 0"),
    ({"gamma": "2"}, TypeError, "gamma must be a real number"),
    ({"gamma": True}, TypeError, "gamma must be a real number"),
    ({"alpha": "0.25"}, TypeError, "alpha must be a real number"),
    ({"alpha": 1.5}, ValueError, r"alpha must be in \[0, 1\]"),
    ({"alpha": np.nan}, ValueError, r"alpha must be in \[0, 1\]"),
    ({"alpha": None}, TypeError, "alpha must be a real number"),
])
def test_focal_options(kw, exc, msg):
    z, y = data()
    with pytest.raises(exc, match=msg):
        sigfast.sigmoid_focal_loss(z, y, **kw)


def test_focal_options_accept_numpy_reals():
    z, y = data()
    a = sigfast.sigmoid_focal_loss(z, y, alpha=np.float32(0.25), gamma=np.int64(2))
    b = sigfast.sigmoid_focal_loss(z, y, alpha=0.25, gamma=2.0)
    np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------
# item 7: binary_cross_entropy probabilities and eps
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [np.nan, -np.nan, 1.5, -0.1, np.inf])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_probs_outside_unit_interval_or_nan(bad, dtype):
    p = np.full(5, 0.5, dtype)
    p[1] = bad
    for reduction in ("none", "mean", "sum"):
        with pytest.raises(ValueError, match="probs must be between 0 and 1"):
            sigfast.binary_cross_entropy(p, np.ones(5, dtype), reduction=reduction)


@pytest.mark.parametrize("eps,exc", [(0.6, ValueError), (0.5, ValueError), (-1, ValueError),
                                     (np.nan, ValueError), ("0.1", TypeError),
                                     (True, TypeError), ([1e-7], TypeError)])
def test_probs_eps_validated(eps, exc):
    p = np.array([0.0, 0.3, 1.0])
    with pytest.raises(exc, match="eps"):
        sigfast.binary_cross_entropy(p, np.ones(3), eps=eps)


def test_probs_eps_valid_values():
    p = np.array([0.0, 0.3, 1.0])
    y = np.array([1.0, 1.0, 0.0])
    got = sigfast.binary_cross_entropy(p, y, eps=1e-7, reduction="none")
    np.testing.assert_allclose(got, [-math.log(1e-7), -math.log(0.3), -math.log(1e-7)],
                               rtol=1e-6)
    # eps = 0 clips nothing: PyTorch's clamp of the log at -100 applies
    np.testing.assert_array_equal(sigfast.binary_cross_entropy(p, y, eps=0.0, reduction="none"),
                                  sigfast.binary_cross_entropy(p, y, reduction="none"))
    assert sigfast.binary_cross_entropy(p, y, eps=np.float32(1e-3)) > 0


# ---------------------------------------------------------------------------
# item 7: axis and label_smoothing of the BCE-with-logits functions
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("axis", [True, False, np.True_, (0, True), 1.0])
@pytest.mark.parametrize("name", list(BCE))
def test_axis_bool_or_float_is_typeerror(name, axis):
    z, y = data()
    for zz, yy in variants(z.reshape(3, 4), y.reshape(3, 4)):
        with pytest.raises(TypeError, match="axis"):
            BCE[name](zz, yy, reduction="mean", axis=axis)


@pytest.mark.parametrize("name", list(BCE))
def test_axis_with_reduction_none_is_valueerror(name):
    z, y = data()
    for zz, yy in variants(z.reshape(3, 4), y.reshape(3, 4)):
        with pytest.raises(ValueError, match=r"axis.*reduction='none'"):
            BCE[name](zz, yy, reduction="none", axis=-1)


@pytest.mark.parametrize("ls,exc,msg", [
    ("0.1", TypeError, "label_smoothing must be a real number"),
    (True, TypeError, "label_smoothing must be a real number"),
    (None, TypeError, "label_smoothing must be a real number"),
    (np.nan, ValueError, r"label_smoothing must be in \[0, 1\]"),
    (1.5, ValueError, r"label_smoothing must be in \[0, 1\]"),
    (-0.1, ValueError, r"label_smoothing must be in \[0, 1\]"),
])
@pytest.mark.parametrize("name", list(BCE))
def test_label_smoothing_validated(name, ls, exc, msg):
    z, y = data()
    for zz, yy in variants(z, y):
        with pytest.raises(exc, match=msg):
            BCE[name](zz, yy, label_smoothing=ls)


def test_label_smoothing_accepts_numpy_reals():
    z, y = data()
    want = sigfast.binary_cross_entropy_with_logits(z, y, label_smoothing=0.25)
    for ls in (np.float32(0.25), np.float64(0.25), np.array(0.25)):
        assert sigfast.binary_cross_entropy_with_logits(z, y, label_smoothing=ls) == want
    assert sigfast.binary_cross_entropy_with_logits(z, y, label_smoothing=0) == \
        sigfast.binary_cross_entropy_with_logits(z, y)


def test_errors_leave_out_untouched():
    z, y = data()
    out = np.full(z.shape, 7.0)
    with pytest.raises(TypeError):
        sigfast.binary_cross_entropy_with_logits(z, y, reduction="none", out=out,
                                                 label_smoothing="0.1")
    with pytest.raises(ValueError):
        sigfast.binary_cross_entropy_with_logits(z, y, reduction="none", axis=0, out=out)
    assert np.all(out == 7.0)
    out0 = np.full((), 7.0)
    with pytest.raises(TypeError):
        sigfast.binary_cross_entropy_with_logits(z, y, reduction="sum", axis=True, out=out0)
    assert out0 == 7.0
