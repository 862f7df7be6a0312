"""dask losses with broadcast operands equal the NumPy path, values and shapes
(issue 13, item 2).

The block map used to take its output chunks from the first dask argument:
dask logits of shape (N, 1) with targets (N, C) declared an (N, 1) result
and computed (N, C), and the ``reduction="sum"`` gradient came back per
element instead of summed.  Logits and targets now have one shape on both
paths (tests/test_loss_shapes.py), and the output chunks come from the
broadcast of all operands; here every broadcast pattern of weight and
pos_weight, NumPy or dask, with logits and targets NumPy or dask in other
chunkings, is compared with the NumPy result for all three functions.
"""
import numpy as np
import pytest

da = pytest.importorskip("dask.array")

import sigfast  # noqa: E402

N, C = 60, 5
SHAPES = [None, "py", (), (1,), (C,), (1, C), (N, 1), (N, C)]
REDUCTIONS = ["none", "mean", "sum"]
FUNCS = {
    "loss": sigfast.binary_cross_entropy_with_logits,
    "grad": sigfast.binary_cross_entropy_with_logits_grad,
    "loss_and_grad": sigfast.binary_cross_entropy_with_logits_loss_and_grad,
}


def base(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    z = (rng.standard_normal((N, C)) * 4).astype(dtype)
    y = rng.random((N, C)).astype(dtype)
    y[: N // 2] = np.round(y[: N // 2])
    return z, y


def operand(shape, dask, dtype=np.float64, seed=1):
    """A weight of ``shape`` (None: absent; "py": a Python float), NumPy or
    dask in chunks unlike the logits'."""
    if shape is None:
        return None
    if shape == "py":
        return 1.75
    a = np.random.default_rng(seed).uniform(0.25, 3.0, shape).astype(dtype)
    if not dask:
        return a
    return da.from_array(a, chunks=tuple(max(1, s // 3) for s in shape))


def numpy_kw(kw):
    return {k: (v.compute() if isinstance(v, da.Array) else v) for k, v in kw.items()}


def check(fname, zd, yd, z, y, kw, reduction, axis=None):
    f = FUNCS[fname]
    extra = {} if axis is None else {"axis": axis}
    lazy = f(zd, yd, reduction=reduction, **kw, **extra)
    want = f(z, y, reduction=reduction, **numpy_kw(kw), **extra)
    lazies = lazy if fname == "loss_and_grad" else (lazy,)
    wants = want if fname == "loss_and_grad" else (want,)
    for part, (lz, w) in enumerate(zip(lazies, wants)):
        assert isinstance(lz, da.Array)
        got = lz.compute(scheduler="sync")
        w = np.asarray(w)
        # the declared shape, the computed one and NumPy's agree
        assert lz.shape == got.shape == w.shape, (fname, part, lz.shape, got.shape, w.shape)
        assert got.dtype == w.dtype
        elementwise = got.shape == z.shape
        if elementwise:
            assert got.tobytes() == w.tobytes(), (fname, part)   # the same bits
        else:
            np.testing.assert_allclose(got, w, rtol=1e-12, atol=0)


LAYOUTS = {
    # logits, targets: dask in different chunkings, or one of them NumPy
    "both-dask": ((25, 2), (40, 5)),
    "logits-dask": ((25, 2), None),
    "targets-dask": (None, (7, 5)),
    "numpy": (None, None),
}


def layout(name, z, y):
    cz, cy = LAYOUTS[name]
    return (z if cz is None else da.from_array(z, chunks=cz),
            y if cy is None else da.from_array(y, chunks=cy))


# (layout, weight shape, weight as a dask array): every combination with at
# least one dask operand
PATTERNS = [(lay, shape, wdask) for lay in LAYOUTS for shape in SHAPES
            for wdask in ((False, True) if isinstance(shape, tuple) else (False,))
            if lay != "numpy" or wdask]


@pytest.mark.parametrize("lay,wshape,wdask", PATTERNS, ids=str)
@pytest.mark.parametrize("which", ["weight", "pos_weight"])
def test_weight_patterns(which, lay, wshape, wdask):
    z, y = base()
    zd, yd = layout(lay, z, y)
    kw = {which: operand(wshape, wdask)}
    for fname in FUNCS:
        for reduction in REDUCTIONS:
            check(fname, zd, yd, z, y, kw, reduction)


@pytest.mark.parametrize("pwshape", [(C,), (N, 1), (1, C), "py"], ids=str)
@pytest.mark.parametrize("wshape", [(N, 1), (C,), (N, C), ()], ids=str)
def test_weight_and_pos_weight_together(wshape, pwshape):
    z, y = base(np.float32, seed=2)
    zd, yd = layout("both-dask", z, y)
    kw = {"weight": operand(wshape, True, np.float32),
          "pos_weight": operand(pwshape, pwshape != "py" and len(pwshape) == 2, np.float32),
          "label_smoothing": 0.1}
    for fname in FUNCS:
        for reduction in REDUCTIONS:
            check(fname, zd, yd, z, y, kw, reduction)
        for axis in (-1, 0):
            check(fname, zd, yd, z, y, kw, "mean", axis=axis)


def test_scalar_target_and_zero_d():
    z, _ = base()
    zd = da.from_array(z, chunks=(25, 2))
    for fname in FUNCS:
        for reduction in REDUCTIONS:
            check(fname, zd, 1.0, z, 1.0, {"weight": operand((N, 1), True)}, reduction)
    z0 = da.asarray(np.float64(0.3))
    for fname in FUNCS:
        check(fname, z0, 1.0, np.float64(0.3), 1.0, {"weight": operand((), True)}, "none")


# the patterns: logits (N, 1) against targets (N, C), the class axis
# in one chunk; now the NumPy path's ValueError, raised eagerly
MISMATCH = [((N, 1), (N, C)), ((N, C), (C,)), ((N,), (N, 1)), ((C,), (N, C))]


@pytest.mark.parametrize("zshape,yshape", MISMATCH, ids=str)
@pytest.mark.parametrize("lay", ["both-dask", "logits-dask", "targets-dask"])
def test_logits_targets_mismatch_raises_as_numpy(lay, zshape, yshape):
    rng = np.random.default_rng(4)
    z, y = rng.standard_normal(zshape), rng.random(yshape)
    zd = da.from_array(z, chunks=(20,) + zshape[1:]) if lay != "targets-dask" else z
    yd = da.from_array(y, chunks=(20,) + yshape[1:]) if lay != "logits-dask" else y
    for fname, f in FUNCS.items():
        for reduction in REDUCTIONS:
            with pytest.raises(ValueError) as numpy_err:
                f(z, y, reduction=reduction)
            with pytest.raises(ValueError) as dask_err:
                f(zd, yd, reduction=reduction)
            assert str(dask_err.value) == str(numpy_err.value)


@pytest.mark.parametrize("wshape", [(3, N, C), (N,), (1, 1, C)], ids=str)
@pytest.mark.parametrize("which", ["weight", "pos_weight"])
def test_weight_that_would_enlarge_raises_as_numpy(which, wshape):
    z, y = base()
    zd, yd = layout("both-dask", z, y)
    w = np.ones(wshape)
    for fname, f in FUNCS.items():
        with pytest.raises(ValueError, match=which) as numpy_err:
            f(z, y, **{which: w})
        with pytest.raises(ValueError) as dask_err:
            f(zd, yd, **{which: da.from_array(w, chunks=2)})
        assert str(dask_err.value) == str(numpy_err.value)
