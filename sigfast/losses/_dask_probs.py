"""Lazy, blockwise ``binary_cross_entropy`` and ``sigmoid_focal_loss`` for dask.

The operands are aligned on one chunk grid by :class:`._dask._Aligned`
(the alignment the fused functions use: size-1 dimensions broadcast inside
each block, no full-size copies); each block then runs the NumPy function
of :mod:`._probs`:

* ``reduction="none"``: the block's elementwise losses, bit-identical to the
  NumPy path (the function is elementwise);
* ``"sum"``/``"mean"``: those terms (computed in the loss dtype, as the
  NumPy path computes them), summed by dask in the accumulation type and
  divided by the element count (:mod:`._reduction`), then rounded to the
  result dtype: the NumPy value up to the order of the additions.

Argument errors are raised at once (the caller has already run the NumPy
function on empty stand-ins); the check that probabilities lie in [0, 1]
needs the data, so with dask it is raised when the result is computed.
dask is imported only by :class:`._dask._Aligned`, when called.
"""
import math

import numpy as np

from . import _dask
from . import _validate as V
from ._reduction import reduce_terms


def _terms_block(x, y, w, pw, *, ls, loss, options):
    kw = dict(options)
    if w is not None:
        kw["weight"] = w
    return loss(x, y, reduction="none", **kw)


def lazy(inner, names, dtype, a, b, *, weight=None, reduction="mean", **options):
    """The lazy twin of ``inner`` (a :mod:`._probs` function, whose operands
    are called ``names``) whose result dtype for these operands is ``dtype``."""
    # shape errors name the operands as the caller knows them
    named = [(n, x if hasattr(x, "shape") else np.asarray(x))
             for n, x in ((names[0], a), (names[1], b), ("weight", weight)) if x is not None]
    for n, x in named:
        if any(isinstance(s, float) and math.isnan(s) for s in x.shape):
            raise ValueError(f"{n} has unknown chunk sizes; call compute_chunk_sizes() first")
    V.loss_shape(*named[:2], *named[2:])
    al = _dask._Aligned(a, b, weight, None, 0.0, reduction, None, None)
    terms = al.map(_terms_block, dtype, loss=inner, options=options)
    return terms if reduction == "none" else reduce_terms(terms, reduction, None, dtype)
