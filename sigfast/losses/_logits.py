"""Binary cross-entropy from logits: the loss, its gradient, both at once.

All work happens in one compiled pass (``_fused_<level>.bce_fused_pass``)
that computes the loss terms, their float64 block sums and, if asked, the
gradient, with no temporary of the input's size when the inputs are
contiguous and ``weight``/``pos_weight`` are scalars, full-size arrays or a
per-class vector.  Other layouts are first made contiguous (broadcast
copies).  Sums are bit-identical for every thread count.

Dask inputs reach :mod:`sigfast.losses._dask` instead (routed once, by
:func:`sigfast.losses._containers.route`); reductions follow
:mod:`sigfast.losses._reduction`.
"""
import numpy as np

from ._reduction import count, finish_total, reduce_terms, scale_grad
from ._validate import Prepared, check_out, check_reduction, direct, finish, norm_axis


def _reduce(p, reduction, axis, want_grad, want_loss=True, loss_buf=None, grad_buf=None):
    """Common driver: returns (loss or None, grad or None).  ``loss_buf`` /
    ``grad_buf``: arrays to write the elementwise loss (reduction="none")
    and the gradient into (:func:`._validate.direct` ones)."""
    ax = norm_axis(axis, len(p.shape))
    if not want_loss:
        # the gradient alone: no loss terms, no sums; scaled as below
        if ax is None:
            n = p.n if (reduction == "mean" and p.n) else 1
            return None, p.run(False, True, n, want_total=False, grad=grad_buf)[2]
        grad = p.run(False, True, 1, want_total=False, grad=grad_buf)[2]
        return None, scale_grad(grad, reduction, count(p.shape, ax), p.dtype, inplace=True)
    if reduction == "none" or ax is not None:
        _, loss, grad = p.run(True, want_grad, 1, want_total=reduction != "none",
                              loss=loss_buf if reduction == "none" else None, grad=grad_buf)
        if reduction == "none":
            return loss, grad
        # deterministic per-axis sums (NumPy's pairwise summation has a fixed
        # order for a given layout)
        n = count(p.shape, ax)
        grad = None if grad is None else scale_grad(grad, reduction, n, p.dtype, inplace=True)
        return reduce_terms(loss, reduction, ax, p.dtype), grad
    n = p.n if (reduction == "mean" and p.n) else 1
    total, _, grad = p.run(False, want_grad, n, grad=grad_buf)
    return finish_total(total, reduction, p.n, p.dtype), grad


def _buffer(out, p, operands):
    # out when the pass may write it in place: the right layout, and no
    # input it would overwrite before reading (else a copy, as before)
    buf = direct(out, p.dtype)
    if buf is not None and any(isinstance(a, np.ndarray) and np.may_share_memory(buf, a)
                               for a in operands):
        return None
    return buf


def binary_cross_entropy_with_logits(logits, targets, *, weight=None, pos_weight=None,
                                     label_smoothing=0.0, reduction="mean", axis=None,
                                     out=None):
    """Binary cross-entropy from logits, fused and numerically stable.

    ``loss = -w [pw y log sigmoid(z) + (1 - y) log sigmoid(-z)]``, computed as
    ``w [(1 - y) relu(z) + pw y relu(-z) + ((1 - y) + pw y) log1p(exp(-|z|))]``
    (non-negative terms, no ``exp`` of a large argument), the same values as
    ``torch.nn.functional.binary_cross_entropy_with_logits``.  Without
    weights or smoothing, ``reduction="none"`` equals the
    :data:`sigfast.bce_with_logits` ufunc bit for bit.

    Parameters
    ----------
    logits, targets : array_like
        Arrays of one shape (ValueError otherwise, as in PyTorch; a scalar
        target is accepted); targets are usually in [0, 1].
    weight : array_like, optional
        Per-element weight; any shape that broadcasts to the logits' shape.
    pos_weight : array_like, optional
        Weight of the positive term, broadcast to the logits' shape as in
        PyTorch: shape ``(C,)`` runs along the last (class) axis of a
        ``(batch, C)`` multi-label problem.
    label_smoothing : float in [0, 1]
        Targets become ``y (1 - a) + a / 2``.
    reduction : {"mean", "sum", "none"}
    axis : int or tuple of ints, optional
        Reduce only along these axes ("mean"/"sum"; an error with "none");
        e.g. ``axis=-1`` gives a per-sample loss for a ``(batch, labels)``
        array.
    out : ndarray, optional
        Where to put the result (shape of the result; written only on success).

    Returns
    -------
    ndarray or scalar of the inputs' floating dtype (float32, float64 or
    long double): NumPy's promotion of logits and targets with Python
    scalars weak (``bce(z32, 1.0)`` is float32), never changed by the
    weights; float16 and bfloat16 are computed in float32.  Terms are
    computed in that precision and summed in float64 (long double in long
    double).

    Notes
    -----
    Finite for every finite input; 0 at ``z = +inf, y = 1`` and
    ``z = -inf, y = 0``.  A zero factor gives 0 against an infinite one:
    ``pos_weight=inf`` gives ``inf`` for a positive target at any ``z <
    inf`` (as PyTorch) and ``softplus(z)`` for ``y = 0`` (PyTorch: NaN).  Sums use fixed-size blocks combined in a fixed
    order, so the result does not depend on the number of threads.  Dask
    inputs give a lazy dask result with the same value.
    """
    check_reduction(reduction, axis)
    p = Prepared(logits, targets, weight, pos_weight, label_smoothing)
    buf = None
    if out is not None and reduction == "none":
        check_out(out, p.shape, p.dtype)
        buf = _buffer(out, p, (logits, targets, weight, pos_weight))
    loss, _ = _reduce(p, reduction, axis, want_grad=False, loss_buf=buf)
    return finish(loss, out)


def binary_cross_entropy_with_logits_grad(logits, targets, *, weight=None, pos_weight=None,
                                          label_smoothing=0.0, reduction="mean", axis=None,
                                          out=None):
    """Gradient of :func:`binary_cross_entropy_with_logits` with respect to the logits.

    Same options; the result has the shape of ``logits``.  For
    ``reduction="mean"`` it is scaled by 1/N (N = number of loss elements,
    or of reduced elements with ``axis``); with ``axis`` it is the gradient
    of the sum of the per-axis results.
    Elementwise: ``w ((1 - y') sigmoid(z) - pw y' sigmoid(-z))``, which is
    ``w (sigmoid(z) - y')`` without ``pos_weight``.
    """
    check_reduction(reduction, axis)
    p = Prepared(logits, targets, weight, pos_weight, label_smoothing)
    check_out(out, p.shape, p.dtype)
    buf = _buffer(out, p, (logits, targets, weight, pos_weight))
    _, grad = _reduce(p, reduction, axis, want_grad=True, want_loss=False, grad_buf=buf)
    return finish(grad, out)


def binary_cross_entropy_with_logits_loss_and_grad(logits, targets, *, weight=None,
                                                   pos_weight=None, label_smoothing=0.0,
                                                   reduction="mean", axis=None, loss_out=None,
                                                   gradient_out=None):
    """``(loss, grad)`` of :func:`binary_cross_entropy_with_logits` in one pass.

    Without ``pos_weight`` and label smoothing, one ``exp(-|z|)`` per
    element serves both the loss and the gradient; the values are those of
    the two functions called alone, bit for bit.

    loss_out : ndarray, optional
        Where to put the loss (the result's shape: the logits' for
        ``reduction="none"``, the reduced one otherwise).
    gradient_out : ndarray, optional
        Where to put the gradient (the logits' shape).

    Both are checked before anything is computed (shape, a dtype the result
    casts to, writeable, no memory shared with an input or with each
    other), so an error leaves them untouched; float32/float64 C-contiguous
    arrays of the loss dtype are written in place by the fused pass.
    """
    check_reduction(reduction, axis)
    p = Prepared(logits, targets, weight, pos_weight, label_smoothing)
    operands = (logits, targets, weight, pos_weight)
    if reduction == "none":
        check_out(loss_out, p.shape, p.dtype, "loss_out", operands)
    elif loss_out is not None:
        red = () if axis is None else tuple(
            d for i, d in enumerate(p.shape) if i not in norm_axis(axis, len(p.shape)))
        check_out(loss_out, red, p.dtype, "loss_out", operands)
    check_out(gradient_out, p.shape, p.dtype, "gradient_out",
              operands + ((loss_out,) if loss_out is not None else ()))
    loss, grad = _reduce(p, reduction, axis, want_grad=True,
                         loss_buf=direct(loss_out, p.dtype) if reduction == "none" else None,
                         grad_buf=direct(gradient_out, p.dtype))
    return finish(loss, loss_out), finish(grad, gradient_out)
