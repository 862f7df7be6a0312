"""Empty inputs: every loss agrees with PyTorch (issue 13, item 5).

``reduction="mean"`` of no elements is NaN (PyTorch returns nan for all
three), ``"sum"`` is 0, ``"none"`` is an empty array; the gradient is an
empty array.  ``binary_cross_entropy`` and ``sigmoid_focal_loss`` used to
raise ZeroDivisionError for the mean.
"""
import math

import numpy as np
import pytest

import sigfast

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = None

LOSSES = {
    "bce_logits": sigfast.binary_cross_entropy_with_logits,
    "probs": sigfast.binary_cross_entropy,
    "focal": sigfast.sigmoid_focal_loss,
}
SHAPES = [(0,), (0, 3), (4, 0)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(LOSSES))
def test_empty_reductions(name, dtype, shape):
    e = np.empty(shape, dtype)
    f = LOSSES[name]
    mean = f(e, e, reduction="mean")
    assert np.ndim(mean) == 0 and np.asarray(mean).dtype == dtype and math.isnan(mean)
    total = f(e, e, reduction="sum")
    assert np.asarray(total).dtype == dtype and total == 0
    none = f(e, e, reduction="none")
    assert none.shape == shape and none.dtype == dtype


@pytest.mark.parametrize("name", ["probs", "bce_logits"])
def test_empty_with_weight(name):
    e = np.empty((0, 3))
    w = np.ones(3)
    assert math.isnan(LOSSES[name](e, e, weight=w, reduction="mean"))
    assert LOSSES[name](e, e, weight=w, reduction="sum") == 0


def test_empty_gradients():
    e = np.empty((0, 3), np.float32)
    for reduction in ("mean", "sum", "none"):
        g = sigfast.binary_cross_entropy_with_logits_grad(e, e, reduction=reduction)
        assert g.shape == (0, 3) and g.dtype == np.float32
        loss, g = sigfast.binary_cross_entropy_with_logits_loss_and_grad(e, e, reduction=reduction)
        assert g.shape == (0, 3)
        if reduction == "mean":
            assert math.isnan(loss)


@pytest.mark.skipif(torch is None, reason="torch not installed")
def test_pytorch_gives_nan_too():
    e = torch.empty(0)
    assert math.isnan(F.binary_cross_entropy(e, e).item())
    assert math.isnan(F.binary_cross_entropy_with_logits(e, e).item())
