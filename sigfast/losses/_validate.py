"""Argument checking, broadcasting and the call into the fused kernel.

The bottom of the loss layer: :mod:`sigfast.losses._logits`,
:mod:`sigfast.losses._probs` and the dask path :mod:`sigfast.losses._dask`
all build on this module, which reaches the compiled kernel through
:func:`sigfast._dispatch.active` (never through the package face).
"""
import math
import operator

import numpy as np

from .. import _dispatch

REDUCTIONS = ("none", "mean", "sum")


def is_bfloat16(dt):
    """ml_dtypes.bfloat16 (a NumPy user dtype of kind "V"), told by its name
    so that ml_dtypes is never imported here."""
    return dt.kind == "V" and dt.name == "bfloat16"


def check_dtype(name, dt):
    """TypeError unless ``dt`` is a real floating, integer, bool or bfloat16 dtype."""
    if dt.kind not in "fiub" and not is_bfloat16(dt):
        raise TypeError(f"{name} must be a real numeric array, got dtype {dt}")
    return dt


def as_real(name, a):
    """Array of a real floating, integer/bool or bfloat16 dtype; TypeError otherwise."""
    arr = np.asarray(a)
    check_dtype(name, arr.dtype)
    return arr


def compute_dtype(*arrays):
    """float32, float64 or long double: the floating precision of the given
    arrays (float16 and bfloat16 compute in float32, integers in float64)."""
    dts = [np.dtype(np.float32) if is_bfloat16(a.dtype) else a.dtype
           for a in arrays if a is not None]
    dt = np.result_type(*dts, np.float16)
    if dt.kind != "f":
        return np.dtype(np.float64)
    if dt == np.longdouble:
        return np.dtype(np.longdouble)
    return np.dtype(np.float64) if dt.itemsize > 4 else np.dtype(np.float32)


def acc_dtype(dtype):
    """The type sums of ``dtype`` values are taken in: long double for long
    double, float64 otherwise."""
    return np.dtype(np.longdouble) if np.dtype(dtype) == np.longdouble else np.dtype(np.float64)


def is_dask(a):
    """True for a dask collection (tested without importing dask)."""
    return type(a).__module__.startswith("dask")


def any_dask(*arrays):
    return any(is_dask(a) for a in arrays)


def check_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def check_label_smoothing(label_smoothing):
    ls = float(label_smoothing)
    if not 0.0 <= ls <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing!r}")
    return ls


def broadcast_shape(named):
    """np.broadcast_shapes of the (name, array) pairs, naming them on failure."""
    shapes = [(n, a.shape) for n, a in named if a is not None]
    try:
        return np.broadcast_shapes(*[s for _, s in shapes])
    except ValueError:
        desc = " and ".join(f"{n} shape {s}" for n, s in shapes)
        raise ValueError(f"shapes do not broadcast: {desc}") from None


def norm_axis(axis, ndim):
    """``axis`` as a sorted tuple of non-negative ints (None stays None)."""
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


def sum_to_shape(grad, shape, dtype):
    """Sum a broadcast-shape gradient back to ``shape`` (the autograd rule),
    in float64 (long double for long double), rounded to ``dtype``.  Works
    on NumPy and dask arrays."""
    if tuple(grad.shape) == tuple(shape):
        return grad
    acc = acc_dtype(dtype)
    extra = grad.ndim - len(shape)
    g = grad.sum(axis=tuple(range(extra)), dtype=acc) if extra else grad
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True, dtype=acc)
    return g.astype(dtype).reshape(shape)


class Prepared:
    """Inputs of one BCE-with-logits call made ready for the fused kernel:
    z, y (full broadcast shape, C-contiguous, aligned), w (one value or the
    full shape) and pw (one value or one per class along the last axis), all
    of the loss dtype."""

    def __init__(self, logits, targets, weight, pos_weight, label_smoothing):
        z = as_real("logits", logits)
        y = as_real("targets", targets)
        w = None if weight is None else as_real("weight", weight)
        pw = None if pos_weight is None else as_real("pos_weight", pos_weight)
        self.ls = check_label_smoothing(label_smoothing)
        # The loss has the inputs' precision (as in PyTorch): weights never
        # upcast it, so a Python float or float64 weight on float32 logits
        # still gives a float32 loss.
        self.dtype = dt = compute_dtype(z, y)
        self.shape = broadcast_shape([("logits", z), ("targets", y), ("weight", w),
                                      ("pos_weight", pw)])
        self.logits_shape = z.shape
        self.n = math.prod(self.shape)

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
            self.pw = np.ones(1, dt)
        elif pw.size == 1:
            self.pw = np.array(pw, dt).reshape(1)
        elif self.shape and pw.size == self.shape[-1] and pw.shape[-1:] == self.shape[-1:]:
            # one value per class: shape (..., 1, C) with every leading axis 1
            self.pw = np.require(pw, dt, ["C", "A"]).reshape(-1)
        else:
            self.pw = np.ascontiguousarray(np.broadcast_to(np.asarray(pw, dt),
                                                           self.shape)).reshape(-1)

    def run(self, want_loss, want_grad, grad_scale):
        """One fused pass: (float64 total, loss array or None, grad array or None).
        Long double goes through :meth:`run_longdouble` (long double total)."""
        if self.dtype == np.longdouble:
            return self.run_longdouble(want_loss, want_grad, grad_scale)
        loss = np.empty(self.shape, self.dtype) if want_loss else None
        grad = np.empty(self.shape, self.dtype) if want_grad else None
        total = _dispatch.active().fused.bce_fused_pass(
            self.z, self.y, self.w, self.pw, self.ls, loss, grad, float(grad_scale))
        return total, loss, grad

    def run_longdouble(self, want_loss, want_grad, grad_scale):
        """The fused pass's formulas (``sigfast/_fused.pyx``) as NumPy
        expressions over the long double ufunc loops: correct, not fused.
        Returns (long double total, loss or None, grad or None)."""
        uf = _dispatch.active().ufuncs
        L = np.longdouble
        z, y = self.z, self.y
        n = self.n
        w = self.w[0] if self.w.size == 1 else self.w.reshape(self.shape)
        # pos_weight: one value, full size, or one per class (along the last axis)
        pw = (self.pw[0] if self.pw.size == 1 else
              self.pw.reshape(self.shape) if self.pw.size == n else self.pw)
        plain = self.w.size == 1 and w == 1 and self.pw.size == 1 and pw == 1 and self.ls == 0
        yy = y if self.ls == 0 else y * L(1 - self.ls) + L(0.5 * self.ls)
        omy = 1 - yy
        with np.errstate(invalid="ignore", over="ignore"):
            if plain:
                loss = uf.bce_with_logits(z, y)          # the ufunc's values, bit for bit
            else:
                Lz = uf.softplus(-np.abs(z))             # log1p(exp(-|z|))
                t1 = np.where(omy == 0, L(0), np.maximum(z, 0) * omy)
                t2 = np.where(yy == 0, L(0), np.maximum(-z, 0) * yy) * pw
                c = np.where(pw == 1, L(1), omy + yy * pw)
                loss = ((t1 + t2) + c * Lz) * w
            loss = np.broadcast_to(loss, self.shape)
            total = np.sum(loss, dtype=L) if n else L(0)
            grad = None
            if want_grad:
                g1 = uf.bce_with_logits_grad(z, yy)      # sigma(z) - y', no cancellation
                g = np.where(pw == 1, g1,
                             omy * uf.sigmoid(z) - pw * yy * uf.sigmoid(-z))
                grad = np.asarray((g * w) * L(grad_scale), L)
                grad = np.ascontiguousarray(np.broadcast_to(grad, self.shape))
        return total, (np.ascontiguousarray(loss) if want_loss else None), grad

    def reduce_grad_to_logits(self, grad):
        return sum_to_shape(grad, self.logits_shape, self.dtype)


def finish(value, out):
    """Write ``value`` into ``out`` (when given) after checking it fits."""
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
