"""The loss functions on the array containers users hold: xarray, pandas,
``np.ma`` and dask.

:func:`adapt` wraps each NumPy loss function of :mod:`._logits` and
:mod:`._probs`; the package binds the wrapped ones.  A call is routed by
its operands (the two positional arrays, ``weight`` and ``pos_weight``):

1. any xarray DataArray: :mod:`._xarray` aligns the operands by dimension
   name and coordinate, unwraps them and calls the wrapped function again,
   then wraps the result in a DataArray;
2. any pandas Series/DataFrame: :mod:`._pandas` aligns labels, unwraps
   (missing values of nullable dtypes become masked elements), calls again
   and restores the labels;
3. any masked array: :mod:`._masked` (masked elements excluded, as ``np.ma``
   reductions exclude them);
4. any dask array: the lazy path (:mod:`._dask` for the fused functions,
   :mod:`._dask_probs` for the others), decided here only;
5. otherwise the NumPy function itself.

Nothing here imports xarray, pandas or dask: operands are recognised by the
module their type comes from, and each adapter module is imported on first
use.
"""
import functools
import inspect

import numpy as np

from . import _validate as V

#: keyword arguments that are arrays (aligned and unwrapped with the inputs)
OPERAND_KEYWORDS = ("weight", "pos_weight")

NOTE = """
    Containers: xarray DataArrays are aligned by dimension name and
    coordinate (``axis`` may name dimensions) and give DataArray results;
    pandas Series/DataFrames keep their labels (missing values of nullable
    dtypes are left out); masked arrays (``np.ma``) are honoured as ``np.ma``
    reductions honour them (masked elements left out of sums and means;
    ``reduction="none"`` gives a masked array); dask arrays give lazy,
    blockwise dask results.  See docs/ecosystem.md.
"""


def _origin(a):
    return type(a).__module__.partition(".")[0]


_PLAIN = (np.ndarray, float, int, bool, type(None))


def route(operands):
    """Which adapter a call with these operands goes to (None: plain NumPy)."""
    if all(type(a) in _PLAIN for a in operands):
        return None             # the common case, decided without the checks below
    origins = {_origin(a) for a in operands if a is not None}
    if "xarray" in origins:
        if "pandas" in origins:
            raise TypeError("cannot mix xarray and pandas operands; convert one "
                            "(e.g. DataArray.to_pandas() or xarray.DataArray(series))")
        return "xarray"
    if "pandas" in origins:
        return "pandas"
    if any(isinstance(a, np.ma.MaskedArray) for a in operands):
        if V.any_dask(*operands):
            raise TypeError("masked arrays cannot be mixed with dask arrays; use "
                            "dask.array.ma or fill the masked elements first")
        return "masked"
    if V.any_dask(*operands):
        return "dask"
    return None


def result_dtype(inner, a, b, kw):
    """The floating dtype ``inner`` gives these operands, found by calling it
    on empty stand-ins (so it follows inner's own promotion rule, and its
    argument checks run now rather than at compute time)."""
    def stand_in(x):
        if x is None or (np.ndim(x) == 0 and not V.is_dask(x)):
            return x
        dt = x.dtype if V.is_dask(x) else np.asarray(x).dtype
        return np.zeros((0,) * min(np.ndim(x), 1), dt)

    kw = {k: stand_in(v) if k in OPERAND_KEYWORDS else v for k, v in kw.items()}
    kw["reduction"] = "none"
    kw.pop("axis", None)
    return np.asarray(inner(stand_in(a), stand_in(b), **kw)).dtype


def adapt(inner, *, kind, names, fused):
    """The container-aware version of the NumPy loss function ``inner``.

    kind
        ``"loss"``, ``"grad"`` (result of the logits' shape) or
        ``"loss_and_grad"``.
    names
        The names of the two positional operands (for error messages).
    fused
        True for the fused-pass functions of :mod:`._logits` (which take
        ``pos_weight``, ``label_smoothing``, ``axis``; their lazy twins are
        :mod:`._dask`'s functions of the same name); False for the NumPy
        ones of :mod:`._probs`.
    """
    default_reduction = inspect.signature(inner).parameters["reduction"].default

    # fp_quiet: no floating-point warnings, the caller's flags kept; here,
    # so that it covers every container's code as well as inner's
    @V.fp_quiet
    @functools.wraps(inner)
    def wrapper(a, b, **kw):
        kw.setdefault("reduction", default_reduction)
        where = route([a, b] + [kw.get(k) for k in OPERAND_KEYWORDS])
        if where is None:
            return inner(a, b, **kw)
        if where == "dask" and fused:
            from . import _dask
            return getattr(_dask, inner.__name__)(a, b, **kw)
        if where == "xarray":
            from . import _xarray
            return _xarray.apply(wrapper, kind, names, a, b, kw)
        if where == "pandas":
            from . import _pandas
            return _pandas.apply(wrapper, kind, names, a, b, kw)
        V.check_reduction(kw["reduction"])
        if where == "masked":
            from . import _masked
            if fused:
                return _masked.fused(kind, a, b, **kw)
            return _masked.elementwise(inner, names, result_dtype(inner, a, b, kw), a, b, **kw)
        from . import _dask_probs
        return _dask_probs.lazy(inner, names, result_dtype(inner, a, b, kw), a, b, **kw)

    wrapper.__doc__ = (inner.__doc__ or "").rstrip() + "\n" + NOTE
    # pickle finds a function by module and name: the package binds the
    # wrapper as sigfast.losses.<name> (inner keeps its own module's name)
    wrapper.__module__ = __name__.rpartition(".")[0]
    return wrapper
