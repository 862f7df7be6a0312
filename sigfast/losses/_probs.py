"""Losses that are not a single fused pass: binary cross-entropy from
probabilities, and the sigmoid focal loss."""
import math
import numbers

import numpy as np

from .. import _dispatch
from ._reduction import finish_total
from ._validate import acc_dtype, as_real, check_reduction, loss_dtype, loss_shape, real_option


def binary_cross_entropy(probs, targets, *, weight=None, reduction="mean", eps=None):
    """Binary cross-entropy from probabilities, as ``torch.nn.functional.binary_cross_entropy``.

    ``loss = -w [y log p + (1 - y) log(1 - p)]`` with each log clamped at
    -100 (PyTorch's rule), so ``p = 0`` or ``1`` with the wrong target gives
    100 instead of inf.  ``eps``: if given (a real number in [0, 0.5)),
    ``p`` is first clipped to ``[eps, 1 - eps]`` (the Keras convention)
    instead.

    Prefer :func:`binary_cross_entropy_with_logits`: a probability that has
    been rounded to 0 or 1 has lost the information the loss needs (its
    gradient is clamped or wrong near 0 and 1), while the logit keeps it.

    ``probs`` and ``targets`` have one shape (or the target is a scalar);
    ``weight`` broadcasts to it.  Raises ValueError if any probability lies
    outside [0, 1] or is NaN (as PyTorch does).
    """
    check_reduction(reduction)
    if eps is not None:
        eps = real_option("eps", eps, 0.0, 0.5, "in [0, 0.5)", hi_open=True)
    p = as_real("probs", probs)
    y = as_real("targets", targets)
    w = None if weight is None else as_real("weight", weight)
    # computed in the loss dtype: float32 inputs make no float64 copies
    dt = loss_dtype([("probs", probs, p), ("targets", targets, y)])
    loss_shape(("probs", p), ("targets", y), ("weight", w))
    pf = np.asarray(p, dt)
    inside = (pf >= 0) & (pf <= 1)          # False for NaN too, as PyTorch checks
    if not np.all(inside):
        raise ValueError("all elements of probs must be between 0 and 1, got "
                         f"{float(pf[~inside].flat[0])!r}")
    if eps is not None:
        pf = np.clip(pf, eps, 1 - eps)
    yf = np.asarray(y, dt)
    with np.errstate(divide="ignore"):
        lp = np.maximum(np.log(pf), -100.0)
        l1p = np.maximum(np.log1p(-pf), -100.0)
    loss = -(yf * lp + (1 - yf) * l1p)
    if w is not None:
        loss *= np.asarray(w, dt)
    if reduction == "none":
        return loss
    if dt == np.longdouble:
        total = np.sum(loss, dtype=dt)
    elif loss.size < 1 << 16:
        total = math.fsum(loss.ravel())
    else:
        total = float(np.sum(loss, dtype=np.float64))
    return finish_total(total, reduction, loss.size, dt)


def sigmoid_focal_loss(logits, targets, *, alpha=0.25, gamma=2.0, reduction="none"):
    """Focal loss (Lin et al. 2017) with torchvision's semantics.

    ``loss = alpha_t (1 - p_t)**gamma * bce_with_logits(z, y)``, with
    ``p_t = p y + (1 - p)(1 - y)``, ``alpha_t = alpha y + (1 - alpha)(1 - y)``;
    ``alpha < 0`` disables the alpha term.  ``(1 - p_t)**gamma`` is evaluated
    in log space, ``exp(gamma * log(y sigmoid(-z) + (1 - y) sigmoid(z)))``
    with ``log sigmoid`` from :data:`sigfast.log_sigmoid`, so it stays
    accurate (and finite) for large ``|z|`` where ``1 - p_t`` rounds to 0.

    ``logits`` and ``targets`` have one shape (or the target is a scalar);
    targets must lie in [0, 1] (ValueError otherwise: ``(1 - p_t)**gamma``
    has no real value outside for a non-integer gamma; NaN gives NaN).
    ``alpha``: in [0, 1], or negative; ``gamma``: >= 0.  The result has the
    inputs' floating dtype (as for :func:`binary_cross_entropy_with_logits`).
    """
    check_reduction(reduction)
    # as Python floats, so that a NumPy float64 alpha or gamma is weak and
    # float32 inputs are computed in float32 without float64 copies
    gamma = real_option("gamma", gamma, 0.0, math.inf, ">= 0 (and finite)", hi_open=True)
    if not (isinstance(alpha, numbers.Real) and alpha < 0):     # negative: no alpha term
        alpha = real_option("alpha", alpha, 0.0, 1.0,
                            "in [0, 1] (or negative to disable the weighting)")
    alpha = float(alpha)
    uf = _dispatch.active().ufuncs
    z = as_real("logits", logits)
    y = as_real("targets", targets)
    dt = loss_dtype([("logits", logits, z), ("targets", targets, y)])
    loss_shape(("logits", z), ("targets", y))
    zf = np.asarray(z, dt)
    yf = np.asarray(y, dt)
    # (1 - p_t) ** gamma has no real value for a target outside [0, 1] and a
    # non-integer gamma (torchvision returns NaN there); NaN stays NaN
    outside = (yf < 0) | (yf > 1)
    if np.any(outside):
        raise ValueError("targets must be in [0, 1] for sigmoid_focal_loss, got "
                         f"{float(yf[outside].flat[0])!r}")
    ce = uf.bce_with_logits(zf, yf)
    if gamma == 0:
        loss = ce
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            log1mpt = np.logaddexp(np.log(yf) + uf.log_sigmoid(-zf),
                                   np.log1p(-yf) + uf.log_sigmoid(zf))
        loss = ce * np.exp(gamma * log1mpt)
    if alpha >= 0:
        loss = (alpha * yf + (1 - alpha) * (1 - yf)) * loss
    loss = np.asarray(loss, dtype=dt)
    if reduction == "none":
        return loss
    return finish_total(np.sum(loss, dtype=acc_dtype(dt)), reduction, loss.size, dt)
