"""The one reduction rule of every loss: ``"sum"``, ``"mean"``, ``axis`` and
the empty input.

* Sums are taken in the accumulation type (:func:`._validate.acc_dtype`:
  float64, long double for long double) and rounded once to the loss dtype.
* A mean divides that sum by the number of elements reduced (along
  ``axis``, or all of them); the mean of nothing is NaN, as in PyTorch (a
  masked caller passes its per-result counts, and masks the empty ones).
* A mean's gradient is the sum's divided by the same count, in the loss
  dtype.

The NumPy, masked and dask paths all call these, on NumPy or dask arrays
alike (both have ``.sum(axis, dtype)`` and ``.astype``); how the sum itself
is formed (the fused pass's blocks, ``math.fsum``, NumPy's pairwise sum)
stays each caller's.
"""
import math

import numpy as np

from ._validate import acc_dtype


def count(shape, axes):
    """How many elements a reduction over ``axes`` (None: all) adds up."""
    return math.prod(shape if axes is None else (shape[a] for a in axes))


def reduce_terms(terms, reduction, axes, dtype, n=None):
    """The ``reduction`` ("sum" or "mean") of the loss terms over ``axes``
    (None: all), in ``dtype``; ``n``: the mean's divisor (default: the
    number of elements reduced; an array of them for masked terms)."""
    red = terms.sum(axis=axes, dtype=acc_dtype(dtype))
    if reduction == "mean":
        n = count(terms.shape, axes) if n is None else n
        if np.ndim(n):
            with np.errstate(invalid="ignore", divide="ignore"):
                red = red / n
        else:
            red = red / n if n else red * np.nan
    return red.astype(dtype)


def finish_total(total, reduction, n, dtype):
    """A scalar total of ``n`` terms as the "sum" or "mean", a ``dtype`` scalar."""
    if reduction == "mean":
        total = total / n if n else math.nan
    return dtype.type(total)


def scale_grad(grad, reduction, n, dtype, inplace=False):
    """The gradient of a mean over ``n`` elements from that of the sum (unchanged
    for a sum or an empty mean); ``inplace``: ``grad`` is the caller's own
    NumPy array (or its ``out=``), divided where it lies."""
    if reduction == "mean" and n:
        return np.divide(grad, np.asarray(n, dtype),
                         out=grad if inplace and grad.flags.writeable else None)
    return grad
