"""Lazy, blockwise BCE-with-logits for dask arrays.

:func:`sigfast.losses._containers.route` hands calls with a dask operand here.
Nothing is computed: the result is a dask array whose tasks run the fused
pass (:class:`sigfast.losses._validate.Prepared`) on one block at a time.

* ``reduction="none"``: ``map_blocks`` of the elementwise loss.
* ``reduction="sum"``/``"mean"`` (no ``axis``): ``map_blocks`` of the fused
  kernel's float64 block total (one ``keepdims`` element per block), then a
  dask ``.sum()`` of those totals, divided by the element count for
  ``"mean"``; a 0-d dask array of the inputs' floating dtype, as the NumPy
  path returns a scalar of it.
* ``axis=...``: the float64 sum (or mean) of the elementwise losses along
  those axes, as the NumPy path computes it.

Shapes follow the NumPy path (:func:`sigfast.losses._validate.loss_shape`):
logits and targets of one shape, ``weight`` and ``pos_weight`` scalars,
NumPy or dask arrays of any shape that broadcasts to it (``pos_weight`` of
shape ``(C,)`` runs along the last axis).  Every operand is aligned with
one chunk grid, computed from all of them, which is also the chunking of
an elementwise result; size-1 dimensions are broadcast inside each block,
so no full-size copy of a weight is built.

dask is imported lazily: importing sigfast never imports dask.  This module
imports nothing from sigfast but :mod:`._validate` and :mod:`._reduction`
(the reduction rule of every path).
"""
import math

import numpy as np

from . import _validate as V
from ._reduction import count, reduce_terms, scale_grad


def _check_dtype(name, a):
    dt = np.dtype(a.dtype) if hasattr(a, "dtype") else np.asarray(a).dtype
    return V.check_dtype(name, dt)


class _Aligned:
    """Operands as dask arrays sharing one chunk grid (size-1 dims unchunked)."""

    def __init__(self, logits, targets, weight, pos_weight, label_smoothing, reduction, axis,
                 out):
        import dask.array as da

        V.check_reduction(reduction, axis)
        if out is not None:
            raise TypeError("out= is not supported for dask arrays (the result is lazy)")
        self.ls = V.check_label_smoothing(label_smoothing)
        named = [("logits", logits), ("targets", targets), ("weight", weight),
                 ("pos_weight", pos_weight)]
        arrays = {}
        for name, a in named:
            if a is None:
                arrays[name] = None
                continue
            _check_dtype(name, a)
            arrays[name] = a if V.is_dask(a) else np.asarray(a)
        # the logits' and targets' precision, never the weights'
        self.dtype = V.loss_dtype([("logits", logits, arrays["logits"]),
                                   ("targets", targets, arrays["targets"])])
        shapes = [(n, a) for n, a in arrays.items() if a is not None]
        for n, a in shapes:
            if any(isinstance(s, float) and math.isnan(s) for s in a.shape):
                raise ValueError(f"{n} has unknown chunk sizes; call compute_chunk_sizes() first")
        self.shape = V.loss_shape(("logits", arrays["logits"]), ("targets", arrays["targets"]),
                                  ("weight", arrays["weight"]),
                                  ("pos_weight", arrays["pos_weight"]))
        self.ndim = len(self.shape)

        # The output chunk grid, from all operands broadcast together (the
        # loss has the logits' shape): the first dask operand of that shape,
        # else the first dask operand broadcast to it.  Never left to
        # map_blocks, which takes it from its first dask argument.
        cands = [a for _, a in shapes if V.is_dask(a)]
        full = [a for a in cands if tuple(a.shape) == self.shape]
        ref = full[0] if full else da.broadcast_to(cands[0], self.shape)
        self.chunks = ref.chunks

        def align(a):
            # small NumPy scalars and 0-d arrays go to every block as they are
            if a is None or (not V.is_dask(a) and a.ndim == 0):
                return a
            a = da.asarray(a)
            off = self.ndim - a.ndim
            a = a.rechunk({i: (self.chunks[off + i] if a.shape[i] != 1 else (1,))
                           for i in range(a.ndim)})
            return a

        self.z = align(arrays["logits"])
        self.y = align(arrays["targets"])
        self.w = align(arrays["weight"])
        self.pw = align(arrays["pos_weight"])
        self.n = math.prod(self.shape)

    def map(self, func, dtype, chunks=None, **kw):
        """``da.map_blocks`` of ``func(z, y, w, pw, ls=..., **kw)`` over the block grid
        (the layer is named ``sigfast-bce-<func name>``); the result has
        ``chunks`` (default: the grid itself, for elementwise results)."""
        import dask.array as da

        args = [self.z, self.y, self.w, self.pw]
        dask_pos = tuple(i for i, a in enumerate(args) if V.is_dask(a))
        rest = {i: a for i, a in enumerate(args) if not V.is_dask(a)}
        return da.map_blocks(_call_block, *[args[i] for i in dask_pos],
                             token="sigfast-bce-" + func.__name__.strip("_").replace("_block", ""),
                             block_func=func, dask_pos=dask_pos, rest=rest, ls=self.ls,
                             dtype=dtype, chunks=self.chunks if chunks is None else chunks,
                             meta=np.empty((0,) * self.ndim, dtype),
                             **kw)


@V.fp_quiet        # blocks run at compute time, after the public call's fp_quiet
def _call_block(*blocks, block_func, dask_pos, rest, ls, **kw):
    """Rebuild (z, y, w, pw) for one block (scalars and None as given) and call ``func``."""
    it = iter(blocks)
    args = [next(it) if i in dask_pos else rest[i] for i in range(4)]
    return block_func(*args, ls=ls, **kw)


# Each block runs the fused pass; operands with size-1 dimensions broadcast
# inside it.

def _terms_block(z, y, w, pw, *, ls):
    _, loss, _ = V.Prepared(z, y, w, pw, ls).run(True, False, 1, want_total=False)
    return loss


def _sum_block(z, y, w, pw, *, ls):
    p = V.Prepared(z, y, w, pw, ls)
    total, _, _ = p.run(False, False, 1)
    return np.full((1,) * len(p.shape), total, dtype=V.acc_dtype(p.dtype))


def _grad_block(z, y, w, pw, *, ls, count):
    _, _, grad = V.Prepared(z, y, w, pw, ls).run(False, True, count, want_total=False)
    return grad


# --------------------------------------------------------------------------
# the lazy twins of sigfast.losses._logits
# --------------------------------------------------------------------------

def _loss(a, reduction, axis):
    ax = V.norm_axis(axis, a.ndim)
    if reduction == "none" or ax is not None:
        terms = a.map(_terms_block, a.dtype)
        return terms if reduction == "none" else reduce_terms(terms, reduction, ax, a.dtype)
    # one total per block, then their sum (divided by all n for a mean)
    sums = a.map(_sum_block, V.acc_dtype(a.dtype), chunks=tuple((1,) * len(c) for c in a.chunks))
    return reduce_terms(sums, reduction, None, a.dtype, n=a.n)


def _grad(a, reduction, axis):
    ax = V.norm_axis(axis, a.ndim)
    if reduction == "mean" and ax is None:
        return a.map(_grad_block, a.dtype, count=a.n if a.n else 1)
    return scale_grad(a.map(_grad_block, a.dtype, count=1), reduction,
                      count(a.shape, ax), a.dtype)


def binary_cross_entropy_with_logits(logits, targets, *, weight=None, pos_weight=None,
                                     label_smoothing=0.0, reduction="mean", axis=None,
                                     out=None):
    """Lazy :func:`sigfast.binary_cross_entropy_with_logits` for dask arrays.

    Returns a dask array: the elementwise losses (``"none"``), a 0-d total
    or mean, or the reduction along ``axis``.  Values equal the NumPy path's
    up to the order in which block totals are added.
    """
    a = _Aligned(logits, targets, weight, pos_weight, label_smoothing, reduction, axis, out)
    return _loss(a, reduction, axis)


def binary_cross_entropy_with_logits_grad(logits, targets, *, weight=None, pos_weight=None,
                                          label_smoothing=0.0, reduction="mean", axis=None,
                                          out=None):
    """Lazy :func:`sigfast.binary_cross_entropy_with_logits_grad` for dask arrays
    (elementwise per block, in the logits' shape and chunks)."""
    a = _Aligned(logits, targets, weight, pos_weight, label_smoothing, reduction, axis, out)
    return _grad(a, reduction, axis)


def binary_cross_entropy_with_logits_loss_and_grad(logits, targets, *, weight=None,
                                                   pos_weight=None, label_smoothing=0.0,
                                                   reduction="mean", axis=None):
    """Lazy ``(loss, grad)`` for dask arrays: two dask arrays sharing one
    alignment of the operands."""
    a = _Aligned(logits, targets, weight, pos_weight, label_smoothing, reduction, axis, None)
    return _loss(a, reduction, axis), _grad(a, reduction, axis)
