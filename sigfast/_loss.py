"""Binary cross-entropy losses: fused, deterministic, stable.

All work happens in one compiled pass (``_kernels._bce_fused``) that
computes the loss terms, their float64 block sums and, if asked, the
gradient, with no temporary of the input's size when the inputs are
contiguous and ``weight``/``pos_weight`` are scalars, full-size arrays or a
per-class vector.  Other layouts are first made contiguous (broadcast
copies).  Sums are bit-identical for every thread count.
"""
import math
import operator

import numpy as np

import sigfast

_REDUCTIONS = ("none", "mean", "sum")


# --------------------------------------------------------------------------
# argument handling
# --------------------------------------------------------------------------

def _as_real(name, a):
    """Array of a real floating or integer/bool dtype; TypeError otherwise."""
    arr = np.asarray(a)
    k = arr.dtype.kind
    if k not in "fiub":
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    return arr


def _compute_dtype(*arrays):
    dt = np.result_type(*[a.dtype for a in arrays if a is not None], np.float16)
    if dt.kind != "f":
        return np.dtype(np.float64)
    return np.dtype(np.float64) if dt.itemsize > 4 else np.dtype(np.float32)


def _any_dask(*arrays):
    """True if any argument is a dask collection (checked without importing dask)."""
    return any(type(a).__module__.startswith("dask") for a in arrays)


def _check_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _broadcast_shape(named):
    shapes = [(n, a.shape) for n, a in named if a is not None]
    try:
        return np.broadcast_shapes(*[s for _, s in shapes])
    except ValueError:
        desc = " and ".join(f"{n} shape {s}" for n, s in shapes)
        raise ValueError(f"shapes do not broadcast: {desc}") from None


def _norm_axis(axis, ndim):
    if axis is None:
        return None
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    out = []
    for a in axes:
        a = operator.index(a)
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(a, ndim)
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError("repeated axis")
    return tuple(sorted(out))


class _Prepared:
    """Inputs made ready for the fused kernel."""

    def __init__(self, logits, targets, weight, pos_weight, label_smoothing):
        z = _as_real("logits", logits)
        y = _as_real("targets", targets)
        w = None if weight is None else _as_real("weight", weight)
        pw = None if pos_weight is None else _as_real("pos_weight", pos_weight)
        ls = float(label_smoothing)
        if not 0.0 <= ls <= 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing!r}")
        # The loss has the inputs' precision (as in PyTorch): weights never
        # upcast it, so a Python float or float64 weight on float32 logits
        # still gives a float32 loss.
        self.dtype = _compute_dtype(z, y)
        self.shape = _broadcast_shape([("logits", z), ("targets", y), ("weight", w),
                                       ("pos_weight", pw)])
        self.logits_shape = z.shape
        dt = self.dtype
        n = math.prod(self.shape)

        def full(a):
            a = np.asarray(a, dtype=dt)
            if a.shape != self.shape:
                a = np.broadcast_to(a, self.shape)
            # C-contiguous *and* aligned: the fused kernel reads raw pointers
            return np.require(a, dt, ["C", "A"])

        self.z = full(z)
        self.y = full(y)
        if w is None:
            self.w = np.ones(1, dt)
        elif w.size == 1:
            self.w = np.array(w, dtype=dt).reshape(1)
        else:
            self.w = full(w).reshape(-1)
        # pos_weight: a scalar, a vector along the last (class) axis, or any
        # other broadcastable shape (expanded to full size).
        if pw is None:
            self.pw = np.ones(1)
        elif pw.size == 1:
            self.pw = np.array(pw, np.float64).reshape(1)
        elif self.shape and pw.size == self.shape[-1] and pw.shape[-1:] == self.shape[-1:]:
            # one value per class: shape (..., 1, C) with every leading axis 1
            self.pw = np.require(pw, np.float64, ["C", "A"]).reshape(-1)
        else:
            self.pw = np.ascontiguousarray(np.broadcast_to(np.asarray(pw, np.float64),
                                                           self.shape)).reshape(-1)
        self.ls = ls
        self.n = n

    def run(self, want_loss, want_grad, grad_scale):
        loss = np.empty(self.shape, self.dtype) if want_loss else None
        grad = np.empty(self.shape, self.dtype) if want_grad else None
        total = sigfast._kernels._bce_fused(self.z, self.y, self.w, self.pw, self.ls,
                                            loss, grad, float(grad_scale))
        return total, loss, grad

    def reduce_grad_to_logits(self, grad):
        """Sum a broadcast-shape gradient back to the logits' shape (autograd rule)."""
        shape = self.logits_shape
        if grad.shape == shape:
            return grad
        extra = grad.ndim - len(shape)
        g = grad.sum(axis=tuple(range(extra)), dtype=np.float64) if extra else grad
        axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
        if axes:
            g = g.sum(axis=axes, keepdims=True, dtype=np.float64)
        return g.astype(self.dtype, copy=False).reshape(shape)


def _finish(value, out):
    if out is None:
        return value
    if not isinstance(out, np.ndarray):
        raise TypeError("out must be a numpy array")
    if not out.flags.writeable:
        raise ValueError("out is read-only")
    if out.shape != np.shape(value):
        raise ValueError(f"out has shape {out.shape}, the result has shape {np.shape(value)}")
    np.copyto(out, value, casting="same_kind")
    return out


def _reduce(p, reduction, axis, want_grad):
    """Common driver: returns (loss, grad_in_broadcast_shape_or_None)."""
    ax = _norm_axis(axis, len(p.shape))
    if reduction == "none" or ax is not None:
        total, loss, grad = p.run(True, want_grad, 1.0)
        if reduction == "none":
            return loss, grad
        cnt = math.prod(p.shape[a] for a in ax) if ax else 1
        # Deterministic per-axis float64 sums (NumPy's pairwise summation has a
        # fixed order for a given layout).
        red = loss.sum(axis=ax, dtype=np.float64)
        if reduction == "mean":
            red = red / cnt if cnt else red * np.nan
            if grad is not None and cnt:
                grad = grad / np.asarray(cnt, p.dtype)
        return red.astype(p.dtype), grad
    scale = 1.0 / p.n if (reduction == "mean" and p.n) else 1.0
    total, _, grad = p.run(False, want_grad, scale)
    if reduction == "mean":
        value = total / p.n if p.n else float("nan")
    else:
        value = total
    return p.dtype.type(value), grad


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------

def binary_cross_entropy_with_logits(logits, targets, *, weight=None, pos_weight=None,
                                     label_smoothing=0.0, reduction="mean", axis=None,
                                     out=None):
    """Binary cross-entropy from logits, fused and numerically stable.

    ``loss = -w [pw y log sigmoid(z) + (1 - y) log sigmoid(-z)]``, computed as
    ``w [(1 - y) softplus(z) + pw y softplus(-z)]`` (non-negative terms, no
    ``exp`` of a large argument), the same values as
    ``torch.nn.functional.binary_cross_entropy_with_logits``.

    Parameters
    ----------
    logits, targets : array_like
        Broadcastable arrays; targets are usually in [0, 1].
    weight : array_like, optional
        Per-element weight, broadcast against the inputs.
    pos_weight : array_like, optional
        Weight of the positive term, broadcast along the last (class) axis as
        in PyTorch: shape ``(C,)`` for a ``(batch, C)`` multi-label problem.
    label_smoothing : float in [0, 1]
        Targets become ``y (1 - a) + a / 2``.
    reduction : {"mean", "sum", "none"}
    axis : int or tuple of ints, optional
        Reduce only along these axes ("mean"/"sum"); e.g. ``axis=-1`` gives a
        per-sample loss for a ``(batch, labels)`` array.
    out : ndarray, optional
        Where to put the result (shape of the result; written only on success).

    Returns
    -------
    ndarray or scalar of the inputs' floating dtype (float32 or float64).
    float32 inputs are computed and accumulated in float64.

    Notes
    -----
    Finite for every finite input; 0 at ``z = +inf, y = 1`` and
    ``z = -inf, y = 0``.  Sums use fixed-size blocks combined in a fixed
    order, so the result does not depend on the number of threads.
    """
    if _any_dask(logits, targets, weight, pos_weight):
        from . import _dask
        return _dask.binary_cross_entropy_with_logits(
            logits, targets, weight=weight, pos_weight=pos_weight,
            label_smoothing=label_smoothing, reduction=reduction, axis=axis, out=out)
    _check_reduction(reduction)
    p = _Prepared(logits, targets, weight, pos_weight, label_smoothing)
    loss, _ = _reduce(p, reduction, axis, want_grad=False)
    return _finish(loss, out)


def binary_cross_entropy_with_logits_grad(logits, targets, *, weight=None, pos_weight=None,
                                          label_smoothing=0.0, reduction="mean", axis=None,
                                          out=None):
    """Gradient of :func:`binary_cross_entropy_with_logits` with respect to the logits.

    Same options; the result has the shape of ``logits`` (broadcast dimensions
    are summed, as autograd does).  For ``reduction="mean"`` it is scaled by
    1/N (N = number of loss elements, or of reduced elements with ``axis``);
    with ``axis`` it is the gradient of the sum of the per-axis results.
    Elementwise: ``w ((1 - y') sigmoid(z) - pw y' sigmoid(-z))``, which is
    ``w (sigmoid(z) - y')`` without ``pos_weight``.
    """
    if _any_dask(logits, targets, weight, pos_weight):
        from . import _dask
        return _dask.binary_cross_entropy_with_logits_grad(
            logits, targets, weight=weight, pos_weight=pos_weight,
            label_smoothing=label_smoothing, reduction=reduction, axis=axis, out=out)
    _check_reduction(reduction)
    p = _Prepared(logits, targets, weight, pos_weight, label_smoothing)
    _, grad = _reduce(p, reduction, axis, want_grad=True)
    return _finish(p.reduce_grad_to_logits(grad), out)


def binary_cross_entropy_with_logits_loss_and_grad(logits, targets, *, weight=None,
                                                   pos_weight=None, label_smoothing=0.0,
                                                   reduction="mean", axis=None):
    """``(loss, grad)`` of :func:`binary_cross_entropy_with_logits` in one pass."""
    _check_reduction(reduction)
    p = _Prepared(logits, targets, weight, pos_weight, label_smoothing)
    loss, grad = _reduce(p, reduction, axis, want_grad=True)
    return loss, p.reduce_grad_to_logits(grad)


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
    _check_reduction(reduction)
    p = _as_real("probs", probs)
    y = _as_real("targets", targets)
    w = None if weight is None else _as_real("weight", weight)
    dt = _compute_dtype(p, y, w)
    shape = _broadcast_shape([("probs", p), ("targets", y), ("weight", w)])
    pf = np.asarray(p, np.float64)
    if np.any((pf < 0) | (pf > 1)):
        raise ValueError("all elements of probs must be between 0 and 1")
    if eps is not None:
        pf = np.clip(pf, eps, 1 - eps)
    yf = np.asarray(y, np.float64)
    with np.errstate(divide="ignore"):
        lp = np.maximum(np.log(pf), -100.0)
        l1p = np.maximum(np.log1p(-pf), -100.0)
    loss = -(yf * lp + (1 - yf) * l1p)
    if w is not None:
        loss = loss * np.asarray(w, np.float64)
    loss = np.broadcast_to(loss, shape)
    if reduction == "none":
        return loss.astype(dt)
    total = math.fsum(loss.ravel()) if loss.size < 1 << 16 else float(np.sum(loss))
    return dt.type(total / loss.size if reduction == "mean" else total)


def sigmoid_focal_loss(logits, targets, *, alpha=0.25, gamma=2.0, reduction="none"):
    """Focal loss (Lin et al. 2017) with torchvision's semantics.

    ``loss = alpha_t (1 - p_t)**gamma * bce_with_logits(z, y)``, with
    ``p_t = p y + (1 - p)(1 - y)``, ``alpha_t = alpha y + (1 - alpha)(1 - y)``;
    ``alpha < 0`` disables the alpha term.  ``(1 - p_t)**gamma`` is evaluated
    in log space, ``exp(gamma * log(y sigmoid(-z) + (1 - y) sigmoid(z)))``
    with ``log sigmoid`` from :func:`sigfast.log_sigmoid`, so it stays
    accurate (and finite) for large ``|z|`` where ``1 - p_t`` rounds to 0.
    """
    _check_reduction(reduction)
    if gamma < 0:
        raise ValueError(f"gamma must be >= 0, got {gamma!r}")
    z = _as_real("logits", logits)
    y = _as_real("targets", targets)
    dt = _compute_dtype(z, y)
    _broadcast_shape([("logits", z), ("targets", y)])
    zf = np.asarray(z, np.float64)
    yf = np.asarray(y, np.float64)
    ce = sigfast.bce_with_logits(zf, yf)
    if gamma == 0:
        mod = 1.0
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            log1mpt = np.logaddexp(np.log(yf) + sigfast.log_sigmoid(-zf),
                                   np.log1p(-yf) + sigfast.log_sigmoid(zf))
        mod = np.exp(gamma * log1mpt)
    loss = ce * mod
    if alpha >= 0:
        loss = (alpha * yf + (1 - alpha) * (1 - yf)) * loss
    if reduction == "none":
        return np.asarray(loss, dtype=dt)
    loss = np.asarray(loss)
    total = float(np.sum(loss, dtype=np.float64))
    return dt.type(total / loss.size if reduction == "mean" else total)
