"""Losses that are not a single fused pass: binary cross-entropy from
probabilities, and the sigmoid focal loss."""
import math

import numpy as np

from .. import _dispatch
from ._validate import acc_dtype, as_real, broadcast_shape, check_reduction, compute_dtype


def binary_cross_entropy(probs, targets, *, weight=None, reduction="mean", eps=None):
    """Binary cross-entropy from probabilities, as ``torch.nn.functional.binary_cross_entropy``.

    ``loss = -w [y log p + (1 - y) log(1 - p)]`` with each log clamped at
    -100 (PyTorch's rule), so ``p = 0`` or ``1`` with the wrong target gives
    100 instead of inf.  ``eps``: if given, ``p`` is first clipped to
    ``[eps, 1 - eps]`` (the Keras convention) instead.

    Prefer :func:`binary_cross_entropy_with_logits`: a probability that has
    been rounded to 0 or 1 has lost the information the loss needs (its
    gradient is clamped or wrong near 0 and 1), while the logit keeps it.

    Raises ValueError if any probability lies outside [0, 1].
    """
    check_reduction(reduction)
    p = as_real("probs", probs)
    y = as_real("targets", targets)
    w = None if weight is None else as_real("weight", weight)
    dt = compute_dtype(p, y, w)
    wt = acc_dtype(dt)          # float64, or long double for long double
    shape = broadcast_shape([("probs", p), ("targets", y), ("weight", w)])
    pf = np.asarray(p, wt)
    if np.any((pf < 0) | (pf > 1)):
        raise ValueError("all elements of probs must be between 0 and 1")
    if eps is not None:
        pf = np.clip(pf, eps, 1 - eps)
    yf = np.asarray(y, wt)
    with np.errstate(divide="ignore"):
        lp = np.maximum(np.log(pf), -100.0)
        l1p = np.maximum(np.log1p(-pf), -100.0)
    loss = -(yf * lp + (1 - yf) * l1p)
    if w is not None:
        loss = loss * np.asarray(w, wt)
    loss = np.broadcast_to(loss, shape)
    if reduction == "none":
        return loss.astype(dt)
    if wt == np.longdouble:
        total = np.sum(loss, dtype=wt)
    else:
        total = math.fsum(loss.ravel()) if loss.size < 1 << 16 else float(np.sum(loss))
    return dt.type(total / loss.size if reduction == "mean" else total)


def sigmoid_focal_loss(logits, targets, *, alpha=0.25, gamma=2.0, reduction="none"):
    """Focal loss (Lin et al. 2017) with torchvision's semantics.

    ``loss = alpha_t (1 - p_t)**gamma * bce_with_logits(z, y)``, with
    ``p_t = p y + (1 - p)(1 - y)``, ``alpha_t = alpha y + (1 - alpha)(1 - y)``;
    ``alpha < 0`` disables the alpha term.  ``(1 - p_t)**gamma`` is evaluated
    in log space, ``exp(gamma * log(y sigmoid(-z) + (1 - y) sigmoid(z)))``
    with ``log sigmoid`` from :data:`sigfast.log_sigmoid`, so it stays
    accurate (and finite) for large ``|z|`` where ``1 - p_t`` rounds to 0.
    """
    check_reduction(reduction)
    if gamma < 0:
        raise ValueError(f"gamma must be >= 0, got {gamma!r}")
    uf = _dispatch.active().ufuncs
    z = as_real("logits", logits)
    y = as_real("targets", targets)
    dt = compute_dtype(z, y)
    broadcast_shape([("logits", z), ("targets", y)])
    wt = acc_dtype(dt)          # float64, or long double for long double
    zf = np.asarray(z, wt)
    yf = np.asarray(y, wt)
    ce = uf.bce_with_logits(zf, yf)
    if gamma == 0:
        mod = 1.0
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            log1mpt = np.logaddexp(np.log(yf) + uf.log_sigmoid(-zf),
                                   np.log1p(-yf) + uf.log_sigmoid(zf))
        mod = np.exp(gamma * log1mpt)
    loss = ce * mod
    if alpha >= 0:
        loss = (alpha * yf + (1 - alpha) * (1 - yf)) * loss
    if reduction == "none":
        return np.asarray(loss, dtype=dt)
    loss = np.asarray(loss)
    total = np.sum(loss, dtype=wt)
    total = total if wt == np.longdouble else float(total)
    return dt.type(total / loss.size if reduction == "mean" else total)
