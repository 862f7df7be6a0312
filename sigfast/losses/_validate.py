"""Argument checking, broadcasting and the call into the fused kernel.

The bottom of the loss layer: :mod:`sigfast.losses._logits`,
:mod:`sigfast.losses._probs` and the dask path :mod:`sigfast.losses._dask`
all build on this module, which reaches the compiled kernel through
:func:`sigfast._dispatch.active` (never through the package face).
"""
import functools
import math
import numbers
import operator

import numpy as np

from .. import _dispatch, _fpenv

REDUCTIONS = ("none", "mean", "sum")


def fp_quiet(func):
    """``func`` run as the ufunc loops run, floating-point-wise.

    The losses give their special values by explicit selects and clamps
    (an infinite logit with its matching target, the -100 clamp of the
    probability loss), so the flags their NumPy operations raise on the
    way say nothing the result does not: underflow in a cast to the loss
    dtype, an axis mean or a focal factor; overflow in a cast or a sum
    whose value is inf; inf * 0 where an infinite weight meets a zero
    term.  They are ignored, as PyTorch and the ufuncs ignore them, so
    ``np.errstate(all="raise")`` around a loss call raises nothing, and the
    calling thread's flags are put back as they were on entry (the
    compiled pass restores its own; this covers the Python around it).
    NaN inputs still give NaN results.
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        flags = _fpenv.fp_flags()
        try:
            with np.errstate(all="ignore"):
                return func(*args, **kwargs)
        finally:
            _fpenv.restore_fp_flags(flags)
    return wrapper


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


def acc_dtype(dtype):
    """The type sums of ``dtype`` values are taken in: long double for long
    double, float64 otherwise."""
    return np.dtype(np.longdouble) if np.dtype(dtype) == np.longdouble else np.dtype(np.float64)


def _weak(a):
    # NEP 50: a Python bool, int or float takes the other operands' precision
    return isinstance(a, (bool, int, float)) and not isinstance(a, np.generic)


def loss_dtype(named):
    """float32, float64 or long double: the dtype a loss computes and returns in.

    ``named``: ``(name, original argument, array)`` for the logits (or
    probabilities) and the targets; weights never take part (PyTorch keeps
    the input's dtype).  NumPy's promotion with Python scalars weak (NEP 50),
    as the ufuncs promote: integers and bools go to the float their loop
    takes (int8 -> float16, int16 -> float32, wider -> float64), float16 and
    bfloat16 are computed in float32, long double in long double (the
    ufuncs' long double loops), and any other float (a quad float16-like
    user type) is a TypeError.  Works on dask arrays (``.dtype``).
    """
    (_, o1, a1), (_, o2, a2) = named
    if (type(o1) is np.ndarray and type(o2) is np.ndarray and a1.dtype == a2.dtype
            and a1.dtype.char in "fd"):
        # the common case: two float32 or float64 arrays (in native byte
        # order whatever theirs: the kernel reads native values)
        return np.dtype(a1.dtype.char)
    parts = [orig if _weak(orig) else
             (np.dtype(np.float32) if is_bfloat16(np.dtype(arr.dtype)) else np.dtype(arr.dtype))
             for _, orig, arr in named]
    if all(_weak(x) for x in parts):
        dt = np.result_type(*parts)          # only Python scalars: NumPy's default
    else:
        # float16 promotes integers as the ufuncs' first float loop does
        dt = np.result_type(*parts, np.float16)
    if dt.kind != "f":
        return np.dtype(np.float64)
    if dt.itemsize <= 4:
        return np.dtype(np.float32)
    if dt.itemsize == 8:
        return np.dtype(np.float64)
    if dt == np.longdouble:
        return np.dtype(np.longdouble)
    which = " and ".join(n for (n, orig, arr), x in zip(named, parts)
                         if isinstance(x, np.dtype) and x.kind == "f" and x.itemsize > 8)
    raise TypeError(f"{which} of dtype {dt}: sigfast's losses compute in float32 or "
                    f"float64 (there is no {dt} kernel, as for the ufuncs); cast the "
                    f"input, e.g. .astype(np.float64)")


def is_dask(a):
    """True for a dask collection (tested without importing dask)."""
    return type(a).__module__.startswith("dask")


def any_dask(*arrays):
    return any(is_dask(a) for a in arrays)


def check_reduction(reduction, axis=None):
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if reduction == "none" and axis is not None:
        raise ValueError(f"axis={axis!r} is only used with reduction='mean' or 'sum', not "
                         "reduction='none' (whose result is elementwise)")


def real_option(name, value, lo, hi, allowed, hi_open=False):
    """``value`` as a float in [lo, hi] (or [lo, hi) with ``hi_open``).

    TypeError for anything but a real number (a bool, a str, None, a list);
    ValueError, quoting ``allowed``, outside the range or for NaN.
    """
    real = isinstance(value, numbers.Real) or (
        isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "fiu")
    if not real or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    v = float(value)
    if not (lo <= v and (v < hi if hi_open else v <= hi)):     # NaN fails too
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return v


def check_label_smoothing(label_smoothing):
    return real_option("label_smoothing", label_smoothing, 0.0, 1.0, "in [0, 1]")


def loss_shape(first, targets, *weights):
    """The shape of a loss's elements, checked as PyTorch checks it.

    ``first`` (logits or probabilities) and ``targets`` are ``(name, array)``
    pairs and must have one shape (a 0-d target is one value for every
    element): broadcasting them against each other would silently give a
    larger loss and a gradient for the wrong problem.  ``weights`` are
    ``(name, array or None)`` pairs that must broadcast *to* that shape,
    never enlarge it.  Works on anything with a ``.shape`` (dask arrays too).
    """
    (fname, f), (tname, t) = first, targets
    shape = tuple(f.shape)
    if tuple(t.shape) != shape and len(t.shape) != 0:
        raise ValueError(
            f"{fname} shape {shape} and {tname} shape {tuple(t.shape)} differ: they must "
            f"be the same shape (a scalar target is accepted), as in PyTorch; weights "
            f"broadcast to that shape")
    for name, w in weights:
        if w is None:
            continue
        try:
            fits = np.broadcast_shapes(tuple(w.shape), shape) == shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(f"{name} shape {tuple(w.shape)} does not broadcast to {fname} "
                             f"shape {shape} (it may not enlarge the loss, as in PyTorch)")
    return shape


def norm_axis(axis, ndim):
    """``axis`` as a sorted tuple of non-negative ints (None stays None)."""
    if axis is None:
        return None
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    out = []
    for a in axes:
        # NumPy rejects bools as axes too (True would silently mean axis 1)
        if isinstance(a, (bool, np.bool_)):
            raise TypeError(f"axis must be an int or a tuple of ints, got {axis!r}")
        try:
            a = operator.index(a)
        except TypeError:
            raise TypeError(f"axis must be an int or a tuple of ints, got {axis!r}") from None
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(a, ndim)
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError("repeated axis")
    return tuple(sorted(out))


@functools.lru_cache(maxsize=None)
def _one(dt):
    """A read-only array [1] of dtype ``dt``: the weight of an unweighted call."""
    a = np.ones(1, dt)
    a.flags.writeable = False
    return a


class Prepared:
    """Inputs of one BCE-with-logits call made ready for the fused kernel:
    z (the logits' shape, C-contiguous, aligned), y and w (one value or the
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
        # still gives a float32 loss; nor does a Python float target.
        self.dtype = dt = loss_dtype([("logits", logits, z), ("targets", targets, y)])
        self.shape = loss_shape(("logits", z), ("targets", y), ("weight", w),
                                ("pos_weight", pw))
        self.n = math.prod(self.shape)

        def full(a):
            if (type(a) is np.ndarray and a.dtype == dt and a.shape == self.shape
                    and a.flags.c_contiguous and a.flags.aligned):
                return a        # already what the kernel reads
            a = np.asarray(a, dtype=dt)
            if a.shape != self.shape:
                a = np.broadcast_to(a, self.shape)
            # C-contiguous *and* aligned: the fused kernel reads raw pointers
            return np.require(a, dt, ["C", "A"])

        self.z = full(z)
        # A scalar target is one value, read like a scalar weight: no
        # full-size copy (the long double formulas broadcast it themselves
        # only once it has the logits' shape)
        self.y = (np.array(y, dt).reshape(1) if y.ndim == 0 and dt != np.longdouble
                  else full(y))
        if w is None:
            self.w = _one(dt)
        elif w.size == 1:
            self.w = np.array(w, dtype=dt).reshape(1)
        else:
            self.w = full(w).reshape(-1)
        # pos_weight: a scalar, a vector along the last (class) axis, or any
        # other broadcastable shape (expanded to full size).
        if pw is None:
            self.pw = _one(dt)
        elif pw.size == 1:
            self.pw = np.array(pw, dt).reshape(1)
        elif self.shape and pw.size == self.shape[-1] and pw.shape[-1:] == self.shape[-1:]:
            # one value per class: shape (..., 1, C) with every leading axis 1
            self.pw = np.require(pw, dt, ["C", "A"]).reshape(-1)
        else:
            self.pw = np.ascontiguousarray(np.broadcast_to(np.asarray(pw, dt),
                                                           self.shape)).reshape(-1)

    def run(self, want_loss, want_grad, grad_count=1, want_total=True, loss=None, grad=None):
        """One fused pass: (float64 total, loss array or None, grad array or None).
        The gradient is divided by ``grad_count`` (a mean's element count;
        1 for a sum).  ``want_total=False`` skips the sum (the total is then
        0.0; with neither the loss nor the total wanted, the loss terms are
        not computed at all).  ``loss``/``grad``: arrays the pass writes
        (:func:`direct` ones), new ones otherwise.  Long double goes through
        :meth:`run_longdouble` (long double total)."""
        if self.dtype == np.longdouble:
            total, lo, gr = self.run_longdouble(want_loss, want_grad, grad_count)
            return total, _into(loss, lo), _into(grad, gr)
        if want_loss and loss is None:
            loss = np.empty(self.shape, self.dtype)
        if want_grad and grad is None:
            grad = np.empty(self.shape, self.dtype)
        # the pass takes flat arrays (views: all are C-contiguous)
        total = _dispatch.active().fused.bce_fused_pass(
            self.z.reshape(-1), self.y.reshape(-1), self.w, self.pw, self.ls,
            None if loss is None else loss.reshape(-1),
            None if grad is None else grad.reshape(-1), 1.0 / grad_count, want_total)
        return total, loss, grad

    def run_longdouble(self, want_loss, want_grad, grad_count=1):
        """The fused pass's formulas (``sigfast/_fused.pyx.tp``) as NumPy
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
                # bce_term's rule (sigfast/_core/bce.pxd): a zero factor gives
                # 0 even against pos_weight = inf, and y = 0 has no positive term
                ypw = times(yy, pw)
                Lz = uf.softplus(-np.abs(z))             # log1p(exp(-|z|))
                t1 = np.where(omy == 0, L(0), np.maximum(z, 0) * omy)
                t2 = times(np.where(yy == 0, L(0), np.maximum(-z, 0)), ypw)
                c = np.where(pw == 1, L(1), omy + ypw)
                loss = ((t1 + t2) + times(Lz, c)) * w
            loss = np.broadcast_to(loss, self.shape)
            total = np.sum(loss, dtype=L) if n else L(0)
            grad = None
            if want_grad:
                g1 = uf.bce_with_logits_grad(z, yy)      # sigma(z) - y', no cancellation
                g = np.where(pw == 1, g1,
                             omy * uf.sigmoid(z) - times(uf.sigmoid(-z), times(yy, pw)))
                # divided in long double: a Python float 1/n is good to
                # double's 53 bits only (hundreds of x87 ulps)
                grad = np.asarray((g * w) / L(grad_count), L)
                grad = np.ascontiguousarray(np.broadcast_to(grad, self.shape))
        return total, (np.ascontiguousarray(loss) if want_loss else None), grad


def times(a, b):
    """a * b, but 0 where one factor is 0 and the other is not NaN (so
    0 * inf = 0): the rule the fused pass applies to pos_weight = inf or 0."""
    zero = ((a == 0) & (b == b)) | ((b == 0) & (a == a))
    return np.where(zero, 0, a * b).astype(np.result_type(a, b))


def _into(buf, value):
    if buf is None or value is None:
        return value
    np.copyto(buf, value)
    return buf


def check_out(out, shape, dtype, name="out", inputs=()):
    """Check an output array before anything is computed or written: a
    writeable ndarray of the result's shape that the result casts to
    ("same_kind", as NumPy's ``out=``) and that shares no memory with an
    input (``inputs``: the call's operands)."""
    if out is None:
        return None
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(out).__name__}")
    if not out.flags.writeable:
        raise ValueError(f"{name} is read-only")
    if out.shape != tuple(shape):
        raise ValueError(f"{name} has shape {out.shape}, the result has shape {tuple(shape)}")
    if not np.can_cast(dtype, out.dtype, "same_kind"):
        raise TypeError(f"Cannot cast {name} from {np.dtype(dtype)!r} to {out.dtype!r} with "
                        f"casting rule 'same_kind'")
    for a in inputs:
        if isinstance(a, np.ndarray) and np.may_share_memory(out, a):
            raise ValueError(f"{name} shares memory with an input; pass a separate array")
    return out


def direct(out, dtype):
    """``out`` when the fused pass can write it in place (the loss dtype,
    C-contiguous, aligned, native byte order), else None (computed into a
    new array, then copied)."""
    if (out is not None and out.dtype == dtype and out.dtype.isnative
            and out.flags.c_contiguous and out.flags.aligned):
        return out
    return None


def finish(value, out):
    """Write ``value`` into ``out`` (when given) after checking it fits."""
    if out is None or value is out:
        return value
    check_out(out, np.shape(value), np.asarray(value).dtype)
    np.copyto(out, value, casting="same_kind")
    return out


def plain_first(general, kind):
    """``general`` (a public BCE-with-logits function) with the plain call
    (float32/float64 contiguous arrays, no weights, smoothing, axis or out:
    the mini-batch loss of a training loop) sent straight to the compiled
    pass through one compiled entry point, ``bce_plain`` (the same pass and
    values; about 1 us instead of ~8 us of Python around it).  Every other
    call, and every call that would raise, takes ``general``'s route."""
    fused = _dispatch.active().fused
    plain = fused.bce_plain

    @functools.wraps(general)
    def wrapper(logits, targets, *, weight=None, pos_weight=None, label_smoothing=0.0,
                reduction="mean", axis=None, out=None, **kw):
        if not kw:
            r = plain(logits, targets, kind, reduction, weight, pos_weight, label_smoothing,
                      axis, out)
            if r is not None:
                return r
        if out is not None:
            kw["out"] = out
        return general(logits, targets, weight=weight, pos_weight=pos_weight,
                       label_smoothing=label_smoothing, reduction=reduction, axis=axis, **kw)
    return wrapper
