"""The losses on xarray DataArrays: operands aligned by dimension name.

The DataArray operands are first aligned by coordinate with
``xarray.align`` under xarray's ``arithmetic_join`` option (default
``"inner"``, as xarray arithmetic and sigfast's ufuncs on DataArrays do;
``xarray.set_options(arithmetic_join="exact")`` turns a label mismatch into
an error).  They are then broadcast by dimension *name*: a transposed
operand gives the same loss as an aligned one, and an operand lacking a
dimension is broadcast along it.  NumPy operands (and scalars) broadcast
against the first DataArray operand's dimensions by position, as NumPy does.

Results, in xarray's dimension order (that of the first operand, then
dimensions met in later ones):

* ``reduction="none"``: a DataArray with the merged coordinates;
* ``axis=``: a DataArray over the remaining dimensions; ``axis`` takes
  dimension names (as xarray's ``dim=``) or positions in that order;
* a full ``"sum"``/``"mean"``: a 0-d DataArray, as ``DataArray.sum()``;
* the gradient: a DataArray shaped like the logits.

Dask-backed DataArrays stay lazy.  xarray is imported only when a DataArray
is passed (it is then already imported).
"""
import operator

import numpy as np


def _join():
    import xarray as xr
    return xr.get_options()["arithmetic_join"]


def _check_types(xr, ops):
    for n, v in ops.items():
        if isinstance(v, xr.Dataset):
            raise TypeError(f"{n} is an xarray Dataset; pass DataArrays "
                            f"(e.g. ds[{n!r}])")
        if type(v).__module__.startswith("xarray") and not isinstance(v, xr.DataArray):
            raise TypeError(f"{n} is an xarray {type(v).__name__}; pass a DataArray")


def _dims(das):
    """xarray's dimension order over the operands: the first one's, then new
    ones as they appear (xarray.align has already checked their sizes)."""
    order = []
    for x in das.values():
        order += [d for d in x.dims if d not in order]
    return order


def _expand(x, order):
    """``x``'s data with its dimensions in ``order``'s order and a size-1
    axis for each dimension it lacks (a view; lazy for dask)."""
    data = x.transpose(*[d for d in order if d in x.dims]).data
    return data[tuple(slice(None) if d in x.dims else None for d in order)]


def _coords(das, dims, shape):
    """The coordinates of the operands that live on ``dims`` (with these
    sizes); a name whose values differ between operands is dropped, as
    xarray arithmetic drops conflicting non-index coordinates."""
    size = dict(zip(dims, shape))
    out, clash = {}, set()
    for x in das:
        for name, c in x.coords.items():
            if not all(d in size and size[d] == s for d, s in c.sizes.items()):
                continue
            if name in out and not out[name].equals(c.variable):
                clash.add(name)
            out.setdefault(name, c.variable)
    return {k: v for k, v in out.items() if k not in clash}


def _axis(axis, order, internal):
    """``axis`` (names and/or positions in ``order``) as positions in ``internal``."""
    if axis is None:
        return None
    items = (axis,) if isinstance(axis, str) or np.ndim(axis) == 0 else tuple(axis)
    names = []
    for a in items:
        if isinstance(a, str):
            if a not in order:
                raise ValueError(f"axis {a!r} is not a dimension of the inputs "
                                 f"(dimensions: {', '.join(order)})")
            names.append(a)
        else:
            i = operator.index(a)
            if not -len(order) <= i < len(order):
                raise np.exceptions.AxisError(i, len(order))
            names.append(order[i])
    return tuple(internal.index(n) for n in names)


def apply(call, kind, names, a, b, kw):
    """Run ``call`` (the container-aware loss function) on the DataArrays'
    data and wrap the result; ``kind`` is "loss", "grad" or "loss_and_grad"."""
    import xarray as xr

    ops = {names[0]: a, names[1]: b}
    ops.update({k: kw[k] for k in ("weight", "pos_weight") if kw.get(k) is not None})
    _check_types(xr, ops)
    if kw.get("out") is not None:
        raise TypeError("out= is not supported for xarray inputs (the result is a new "
                        "DataArray)")
    keys = [n for n, v in ops.items() if isinstance(v, xr.DataArray)]
    das = dict(zip(keys, xr.align(*[ops[n] for n in keys], join=_join(), copy=False)))
    order = _dims(das)
    primary = das[keys[0]]
    # Inside, the dimensions the first DataArray lacks go first, so that its
    # own dimensions are the trailing ones NumPy operands broadcast against.
    internal = [d for d in order if d not in primary.dims] + list(primary.dims)
    for n, v in ops.items():
        if n not in das and np.ndim(v) > primary.ndim:
            raise ValueError(f"{n} has {np.ndim(v)} dimensions, more than the DataArray "
                             f"{keys[0]} ({', '.join(map(str, primary.dims))}); make it a "
                             "DataArray to name them")
    args = {n: _expand(das[n], internal) if n in das else v for n, v in ops.items()}
    kw = dict(kw)
    kw.update({k: args[k] for k in ("weight", "pos_weight") if k in args})
    reduced = None
    if "axis" in kw:
        kw["axis"] = _axis(kw["axis"], order, internal)
        if kw["axis"] is not None:
            reduced = {internal[i] for i in kw["axis"]}
    result = call(args[names[0]], args[names[1]], **kw)
    das_list = list(das.values())

    def wrap_loss(r):
        if kw["reduction"] == "none":
            dims = internal
        elif reduced is not None:
            dims = [d for d in internal if d not in reduced]
        else:
            dims = []
        out = xr.DataArray(r, dims=dims, coords=_coords(das_list, dims, np.shape(r)))
        return out.transpose(*[d for d in order if d in dims])

    def wrap_grad(g):
        logits = das.get(names[0])
        if logits is not None:
            # drop the size-1 axes the logits were given for missing dimensions
            g = g[tuple(slice(None) if d in logits.dims else 0 for d in internal)]
            dims = [d for d in internal if d in logits.dims]
            out = xr.DataArray(g, dims=dims, coords=_coords([logits], dims, np.shape(g)))
            return out.transpose(*logits.dims)
        dims = internal[len(internal) - np.ndim(g):]
        return xr.DataArray(g, dims=dims, coords=_coords(das_list, dims, np.shape(g)))

    if kind == "loss":
        return wrap_loss(result)
    if kind == "grad":
        return wrap_grad(result)
    return wrap_loss(result[0]), wrap_grad(result[1])
