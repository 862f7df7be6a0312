"""The losses on masked arrays (``np.ma``), with ``np.ma``'s semantics.

An element is masked when it is masked in any operand (logits or
probabilities, targets, weight, pos_weight), after broadcasting: the union
of the masks, as ``np.ma`` arithmetic forms it.  Masked elements are left
out: sums add only the others, means divide by their count, and a
reduction over nothing but masked elements is masked (``np.ma.masked`` for
a scalar), as ``np.ma.sum``/``np.ma.mean`` do.  ``reduction="none"`` gives a
masked array with that mask; the gradient is masked where every element it
collects is masked, and is 0 there.

The values under a mask never reach a kernel: masked elements are replaced
by harmless ones (logit 0, probability 1/2, target 0, pos_weight 1) and get
weight 0, so a NaN, an inf or an out-of-range probability under the mask
changes nothing (a NaN pos_weight too, though it is broadcast over a class
and the class is masked only through the other operands).
The inputs are never modified.

:func:`fused` runs the fused pass (:class:`._validate.Prepared`) once, with
the weight set to 0 under the mask, so unmasked elements get exactly the
NumPy path's terms, and a mask with nothing masked gives the NumPy path's
results bit for bit.  :func:`elementwise` runs the NumPy loss functions of
:mod:`._probs` in the loss dtype and reduces their terms with ``np.ma``.
"""
import numpy as np

from . import _validate as V
from ._reduction import finish_total, reduce_terms


def _union_mask(named, shape):
    """The operands' masks broadcast to ``shape`` and or-ed (a new array)."""
    mask = np.zeros(shape, bool)
    for _, a in named:
        if isinstance(a, np.ma.MaskedArray) and a.mask is not np.ma.nomask:
            mask |= np.broadcast_to(np.ma.getmaskarray(a), shape)
    return mask


def _operands(named):
    """(data arrays with dtype checks, broadcast shape, union mask)."""
    data = [(n, None if a is None else V.as_real(n, np.ma.getdata(a))) for n, a in named]
    shape = V.loss_shape(data[0], data[1], *data[2:])
    return dict(data), shape, _union_mask(named, shape)


def _fill(mask, a, value):
    """``a`` broadcast to ``mask``'s shape, ``value`` under the mask, dtype kept."""
    return np.where(mask, np.asarray(value).astype(a.dtype), a)


def _masked_value(values, mask):
    """A masked array, or for 0-d a scalar / ``np.ma.masked`` (as np.ma reductions)."""
    if mask.ndim == 0:
        return np.ma.masked if mask else values[()]
    return np.ma.MaskedArray(values, mask)


def mask_to_shape(mask, shape):
    """Reduce a broadcast-shape mask to ``shape``: an element is masked when
    every element broadcast from it is (the mask of a summed gradient)."""
    extra = mask.ndim - len(shape)
    m = mask.all(axis=tuple(range(extra))) if extra else mask
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and m.shape[i] != 1)
    if axes:
        m = m.all(axis=axes, keepdims=True)
    return m.reshape(shape)


def fused(kind, logits, targets, *, weight=None, pos_weight=None, label_smoothing=0.0,
          reduction="mean", axis=None, out=None):
    """Masked twin of the :mod:`._logits` functions; ``kind`` is ``"loss"``,
    ``"grad"`` or ``"loss_and_grad"``."""
    if out is not None:
        raise TypeError("out= is not supported for masked arrays (the result is a new "
                        "masked array)")
    named = [("logits", logits), ("targets", targets), ("weight", weight),
             ("pos_weight", pos_weight)]
    data, shape, mask = _operands(named)
    keep = ~mask
    z = _fill(mask, data["logits"], 0)
    y = _fill(mask, data["targets"], 0)
    # nothing masked and no weight: the unweighted pass itself (long double's
    # weighted formulas round differently from the plain ufunc)
    w = (keep if mask.any() else None) if weight is None else _fill(mask, data["weight"], 0)
    # pos_weight reaches every element its value is broadcast to, and the
    # weight 0 does not cancel a NaN or inf in it (0 * NaN is NaN): a class
    # with no labelled samples has pos_weight 0/0 = NaN.  So under the mask
    # it is 1, which takes the full shape (nothing masked: as given).
    pw = None if pos_weight is None else (
        _fill(mask, data["pos_weight"], 1) if mask.any() else data["pos_weight"])
    p = V.Prepared(z, y, w, pw, label_smoothing)
    dt = p.dtype
    ax = V.norm_axis(axis, len(shape))
    want_grad = kind != "loss"
    mean = reduction == "mean"

    if reduction == "none" or ax is not None:
        _, loss, grad = p.run(True, want_grad, 1, want_total=False)
        if reduction == "none":
            value = np.ma.MaskedArray(loss, mask)
        else:
            count = keep.sum(axis=ax)
            if mean and grad is not None:
                grad = grad / np.expand_dims(np.maximum(count, 1), ax).astype(dt)
            value = _masked_value(reduce_terms(loss, reduction, ax, dt, n=count), count == 0)
    else:
        count = int(keep.sum())
        total, _, grad = p.run(False, want_grad, count if mean and count else 1)
        value = np.ma.masked if count == 0 else finish_total(total, reduction, count, dt)
    if not want_grad:
        return value
    lshape = np.shape(data["logits"])
    g = np.ma.MaskedArray(grad.reshape(lshape), mask_to_shape(mask, lshape))
    return g if kind == "grad" else (value, g)


def elementwise(inner, names, dtype, a, b, *, weight=None, reduction="mean", **options):
    """Masked twin of a :mod:`._probs` function ``inner`` whose result dtype
    for these operands is ``dtype``: its terms (computed in ``dtype``, as
    ``inner`` computes them), reduced over the unmasked ones as ``np.ma``
    reduces them (:mod:`._reduction`'s rule)."""
    named = [(names[0], a), (names[1], b)] + ([("weight", weight)] if weight is not None else [])
    data, shape, mask = _operands(named)
    # a probability of 1/2 (or a logit of 0) keeps the range check and the
    # formulas quiet under the mask; those terms are dropped anyway
    first = _fill(mask, data[names[0]].astype(dtype), 0.5 if names[0] == "probs" else 0)
    kw = dict(options)
    if weight is not None:
        kw["weight"] = _fill(mask, data["weight"].astype(dtype), 0)
    terms = np.broadcast_to(inner(first, _fill(mask, data[names[1]].astype(dtype), 0),
                                  reduction="none", **kw), shape)
    if reduction == "none":
        return np.ma.MaskedArray(terms.astype(dtype), mask)
    count = mask.size - int(np.count_nonzero(mask))
    if count == 0:
        return np.ma.masked                 # as np.ma's sum and mean of nothing
    # np.ma's sum: the terms in the accumulation type, 0 under the mask
    total = np.where(mask, 0, terms.astype(V.acc_dtype(dtype))).sum()
    return finish_total(total, reduction, count, dtype)
