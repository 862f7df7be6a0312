"""The losses on pandas Series and DataFrames: labels kept.

Operands that are pandas objects must carry the same labels as the first
one: equal indexes (and columns) are used as they are, the same labels in
another order are aligned by label (as pandas arithmetic aligns), and
different label sets raise ValueError (a loss over the union would be
NaN-padded, over the intersection silently smaller: align them first).  A
Series operand next to a DataFrame runs along its columns (a per-class
``pos_weight`` indexed by class name).

Values: float NaN stays a value (it makes the loss NaN, as in NumPy); the
missing values (``pd.NA``) of nullable dtypes (``"Float64"``, ``"Int64"``,
``"boolean"``) are left out as masked elements are (:mod:`._masked`), and
come back as ``pd.NA``.

Results: ``reduction="none"`` and the gradient keep the Series/DataFrame
and its labels; ``axis=`` on a DataFrame (0/``"index"``, 1/``"columns"``)
gives a Series over the other axis; a full ``"sum"``/``"mean"`` is a NumPy
scalar, as ``Series.sum()``.  pandas is imported only when a pandas object
is passed (it is then already imported).
"""
import numpy as np

_AXIS_NAMES = {"index": 0, "rows": 0, "columns": 1}


def _labels(obj):
    """The label axes of a Series (index) or DataFrame (index, columns)."""
    return (obj.index,) if obj.ndim == 1 else (obj.index, obj.columns)


def _values(pd, name, obj):
    """NumPy data of a Series/DataFrame; nullable dtypes' missing values masked."""
    dtypes = [obj.dtype] if obj.ndim == 1 else list(obj.dtypes)
    if not any(isinstance(d, pd.api.extensions.ExtensionDtype) for d in dtypes):
        return obj.to_numpy()
    base = [getattr(d, "numpy_dtype", d) for d in dtypes]
    for d, b in zip(dtypes, base):
        if not (isinstance(b, np.dtype) and b.kind in "fiub"):
            raise TypeError(f"{name} must be of a real numeric dtype, got dtype {d}")
    data = obj.to_numpy(dtype=np.result_type(*base), na_value=0)
    mask = obj.isna().to_numpy()
    return np.ma.MaskedArray(data, mask) if mask.any() else data


def _pairs(v, ref):
    """(axis of v, v's labels, the reference labels, their two names) to match."""
    if v.ndim == ref.ndim:
        return [(k, lab, tgt, w, w) for k, (lab, tgt, w)
                in enumerate(zip(_labels(v), _labels(ref), ("index", "columns")))]
    if v.ndim == 1:     # a Series next to a DataFrame runs along its columns
        return [(0, v.index, ref.columns, "index", "columns")]
    return [(1, v.columns, ref.index, "columns", "index")]


def _unwrap(pd, ops):
    """The operands as NumPy data (pandas ones in the first pandas operand's
    label order), and the name of that first pandas operand."""
    frames = (pd.Series, pd.DataFrame)
    first = next(n for n, v in ops.items() if isinstance(v, frames))
    ref = ops[first]
    out = {}
    for n, v in ops.items():
        if not isinstance(v, frames):
            # an Index or a pandas array is plain data
            out[n] = np.asarray(v) if type(v).__module__.startswith("pandas") else v
            continue
        data = _values(pd, n, v)
        for k, lab, tgt, what, ref_what in _pairs(v, ref):
            if lab.equals(tgt):
                continue
            if len(lab) == len(tgt) and lab.is_unique and tgt.is_unique:
                pos = lab.get_indexer(tgt)
                if (pos >= 0).all():
                    data = data.take(pos, axis=k)
                    continue
            raise ValueError(
                f"the {what} of {n} does not match the {ref_what} of {first} "
                f"({len(lab)} and {len(tgt)} labels, not the same set); align them "
                f"first, e.g. {n}.reindex({first}.{ref_what})")
        out[n] = data
    return out, first


def _to_pandas(pd, values, index, columns=None):
    """``values`` labelled; masked elements become pd.NA (nullable float)."""
    if not isinstance(values, np.ma.MaskedArray):
        if columns is None:
            return pd.Series(values, index=index)
        return pd.DataFrame(values, index=index, columns=columns)
    data, mask = np.ma.getdata(values), np.ma.getmaskarray(values)
    if columns is None:
        return pd.Series(pd.arrays.FloatingArray(data, mask), index=index)
    return pd.DataFrame({c: pd.arrays.FloatingArray(data[:, j], mask[:, j])
                         for j, c in enumerate(columns)}, index=index)


def _axis(axis, ndim):
    """pandas' axis names ("index", "columns") as numbers."""
    if axis is None:
        return None
    single = isinstance(axis, str) or np.ndim(axis) == 0
    out = []
    for a in ((axis,) if single else tuple(axis)):
        if isinstance(a, str):
            if _AXIS_NAMES.get(a, ndim) >= ndim:
                raise ValueError(f"no axis named {a!r} for a "
                                 f"{'Series' if ndim == 1 else 'DataFrame'}")
            a = _AXIS_NAMES[a]
        out.append(a)
    return out[0] if single else tuple(out)


def apply(call, kind, names, a, b, kw):
    """Run ``call`` (the container-aware loss function) on the unwrapped
    operands and put the labels back; ``kind`` is "loss", "grad" or
    "loss_and_grad"."""
    import pandas as pd

    frames = (pd.Series, pd.DataFrame)
    ops = {names[0]: a, names[1]: b}
    ops.update({k: kw[k] for k in ("weight", "pos_weight") if kw.get(k) is not None})
    if kw.get("out") is not None:
        raise TypeError("out= is not supported for pandas inputs (the result is a new "
                        "Series or DataFrame)")
    args, first = _unwrap(pd, ops)
    shape = np.broadcast_shapes(*[np.shape(v) for v in args.values()])
    # the pandas operand whose labels the full-shape result carries
    full = next((v for v in ops.values() if isinstance(v, frames) and v.shape == shape),
                None)
    kw = dict(kw)
    kw.update({k: args[k] for k in ("weight", "pos_weight") if k in args})
    axis = None
    if "axis" in kw:
        kw["axis"] = axis = _axis(kw["axis"], len(shape))
    result = call(args[names[0]], args[names[1]], **kw)

    def labelled(r, like):
        return _to_pandas(pd, r, like.index, like.columns if like.ndim == 2 else None)

    def wrap_loss(r):
        if r is np.ma.masked:
            return pd.NA
        if np.ndim(r) == 0 or full is None:
            return r
        if kw["reduction"] == "none" or axis is None:
            return labelled(r, full)
        if full.ndim == 2 and np.ndim(r) == 1:
            # a DataFrame reduced along one axis: a Series over the other
            gone = (axis if np.ndim(axis) == 0 else axis[0]) % 2
            return _to_pandas(pd, r, full.columns if gone == 0 else full.index)
        return r

    def wrap_grad(g):
        logits = ops[names[0]]
        return labelled(g, logits) if isinstance(logits, frames) else g

    if kind == "loss":
        return wrap_loss(result)
    if kind == "grad":
        return wrap_grad(result)
    return wrap_loss(result[0]), wrap_grad(result[1])
