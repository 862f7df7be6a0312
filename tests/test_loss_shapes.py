"""Loss shapes: logits (or probabilities) and targets of one shape; weight and
pos_weight broadcast to it as in PyTorch (issue 13, item 10).

Logits of shape (32, 1) with targets of shape (32,) used to broadcast to a
(32, 32) loss (mean 0.7157 instead of 0.4692) and a gradient of shape
(32, 1): training went on with a wrong gradient.  PyTorch raises "Target
size ... must be the same as input size"; sigfast raises a ValueError naming
both shapes.  A scalar target (a Python number or a 0-d array) is one
value for every element and is accepted.
"""
import numpy as np
import pytest

import sigfast

LOGIT_LOSSES = {
    "bce": sigfast.binary_cross_entropy_with_logits,
    "bce_grad": sigfast.binary_cross_entropy_with_logits_grad,
    "bce_loss_and_grad": sigfast.binary_cross_entropy_with_logits_loss_and_grad,
    "focal": sigfast.sigmoid_focal_loss,
}
ALL_LOSSES = dict(LOGIT_LOSSES, probs=sigfast.binary_cross_entropy)

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = None


def data(shape, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(shape)
    y = (rng.random(shape) > 0.5).astype(np.float64)
    return z, y


def first_input(name, z):
    return sigfast.sigmoid(z) if name == "probs" else z


MISMATCHED = [((32, 1), (32,)), ((32, 5), (5,)), ((5,), (32, 5)), ((32,), (32, 1)),
              ((4, 3), (3, 4)), ((), (3,)), ((3,), (1,))]


@pytest.mark.parametrize("zshape,yshape", MISMATCHED)
@pytest.mark.parametrize("name", list(ALL_LOSSES))
def test_logits_and_targets_must_have_one_shape(name, zshape, yshape):
    z = first_input(name, np.zeros(zshape))
    y = np.zeros(yshape)
    first = "probs" if name == "probs" else "logits"
    msg = rf"{first} shape {zshape!r} and targets shape {yshape!r}".replace("(", r"\(") \
        .replace(")", r"\)")
    for reduction in ("none", "mean", "sum"):
        with pytest.raises(ValueError, match=msg):
            ALL_LOSSES[name](z, y, reduction=reduction)


def test_issue_example_is_an_error_not_a_wrong_gradient():
    z, y = data((32,), seed=1)
    with pytest.raises(ValueError, match="same shape"):
        sigfast.binary_cross_entropy_with_logits(z[:, None], y)
    with pytest.raises(ValueError, match="same shape"):
        sigfast.binary_cross_entropy_with_logits_grad(z[:, None], y)
    # the intended call: one shape on both sides
    right = sigfast.binary_cross_entropy_with_logits(z[:, None], y[:, None])
    assert right == sigfast.binary_cross_entropy_with_logits(z, y)


@pytest.mark.parametrize("name", list(ALL_LOSSES))
def test_scalar_target_is_accepted(name):
    z, _ = data((6, 3))
    p = first_input(name, z)
    f = ALL_LOSSES[name]
    for t in (1.0, 0, np.float64(1.0), np.array(1.0)):
        got = f(p, t, reduction="none")
        want = f(p, np.full(p.shape, float(t)), reduction="none")
        if name == "bce_loss_and_grad":
            for g, w in zip(got, want):
                np.testing.assert_array_equal(g, w)
        else:
            np.testing.assert_array_equal(got, want)
            assert np.shape(got) == p.shape


# weight / pos_weight shapes against logits of shape (8, 5): PyTorch accepts
# what broadcasts *to* (8, 5) and rejects what would enlarge it.
GOOD_W = [(), (1,), (5,), (1, 5), (8, 1), (8, 5)]
BAD_W = [(8,), (3, 8, 5), (1, 1, 5), (2, 5), (8, 2)]


@pytest.mark.parametrize("shape", GOOD_W)
@pytest.mark.parametrize("which", ["weight", "pos_weight"])
def test_weight_shapes_that_broadcast_to_the_logits(which, shape):
    z, y = data((8, 5))
    w = np.random.default_rng(2).uniform(0.5, 2, shape)
    for reduction in ("none", "mean", "sum"):
        got = sigfast.binary_cross_entropy_with_logits(z, y, reduction=reduction, **{which: w})
        full = np.broadcast_to(w, z.shape).copy()
        want = sigfast.binary_cross_entropy_with_logits(z, y, reduction=reduction,
                                                        **{which: full})
        np.testing.assert_allclose(got, want, rtol=1e-15)
        g = sigfast.binary_cross_entropy_with_logits_grad(z, y, reduction=reduction,
                                                          **{which: w})
        assert g.shape == z.shape
    if which == "weight":
        got = sigfast.binary_cross_entropy(sigfast.sigmoid(z), y, weight=w, reduction="none")
        assert got.shape == z.shape


@pytest.mark.parametrize("shape", BAD_W)
@pytest.mark.parametrize("which", ["weight", "pos_weight"])
def test_weight_shapes_that_would_enlarge_the_loss(which, shape):
    z, y = data((8, 5))
    w = np.ones(shape)
    msg = rf"{which} shape {shape!r}".replace("(", r"\(").replace(")", r"\)")
    for name in ("bce", "bce_grad", "bce_loss_and_grad"):
        with pytest.raises(ValueError, match=msg):
            LOGIT_LOSSES[name](z, y, **{which: w})
    if which == "weight":
        with pytest.raises(ValueError, match=msg):
            sigfast.binary_cross_entropy(sigfast.sigmoid(z), y, weight=w)


@pytest.mark.skipif(torch is None, reason="torch not installed")
@pytest.mark.parametrize("shape", GOOD_W + BAD_W)
@pytest.mark.parametrize("which", ["weight", "pos_weight"])
def test_weight_broadcasting_is_pytorchs(which, shape):
    z, y = data((8, 5))
    w = np.random.default_rng(3).uniform(0.5, 2, shape)
    try:
        want = F.binary_cross_entropy_with_logits(torch.from_numpy(z), torch.from_numpy(y),
                                                  reduction="none",
                                                  **{which: torch.from_numpy(np.asarray(w))})
    except RuntimeError:
        with pytest.raises(ValueError):
            sigfast.binary_cross_entropy_with_logits(z, y, reduction="none", **{which: w})
        return
    got = sigfast.binary_cross_entropy_with_logits(z, y, reduction="none", **{which: w})
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-13, atol=1e-15)
