"""The loss API on containers (sigfast.losses._containers): xarray DataArrays
aligned by dimension name, masked arrays with np.ma's semantics, pandas
labels kept, and every loss lazy and blockwise on dask, with the NumPy
values."""
import importlib
import subprocess

import numpy as np
import pytest

import sigfast
from sigfast import (binary_cross_entropy as bce_p,
                     binary_cross_entropy_with_logits as bce,
                     binary_cross_entropy_with_logits_grad as bce_grad,
                     binary_cross_entropy_with_logits_loss_and_grad as bce_lg,
                     sigmoid_focal_loss as focal)
from sigfast._testing import PYTHON

RTOL = {np.float32: 2e-6, np.float64: 1e-13}


def optional(name):
    """The module, or None when it is not installed.  (pytest.importorskip in
    a class body skips the whole file at collection, np.ma tests included.)"""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def needs(module, name):
    return pytest.mark.skipif(module is None, reason=f"needs {name}")


def same(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert got.tobytes() == want.tobytes(), (got, want)


def inputs(dtype=np.float64, shape=(6, 5), seed=0):
    rng = np.random.default_rng(seed)
    z = (rng.standard_normal(shape) * 3).astype(dtype)
    y = (rng.random(shape) > 0.5).astype(dtype)
    p = rng.uniform(0.01, 0.99, shape).astype(dtype)
    return z, y, p


def test_importing_sigfast_imports_no_container_library():
    code = ("import sys, sigfast; "
            "print([m for m in ('xarray', 'pandas', 'dask') if m in sys.modules])")
    out = subprocess.run([*PYTHON, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("f", [bce, bce_grad, bce_lg, bce_p, focal],
                         ids=lambda f: f.__name__)
def test_public_functions_pickle_and_document_containers(f):
    import pickle
    assert pickle.loads(pickle.dumps(f)) is f
    assert f is getattr(sigfast, f.__name__)
    assert "Containers: xarray DataArrays are aligned by dimension name" in f.__doc__


# ===========================================================================
# xarray
# ===========================================================================

@needs(optional("xarray"), "xarray")
class TestXarray:
    xr = optional("xarray")

    def arrays(self, dtype=np.float64):
        xr = self.xr
        z, y, p = inputs(dtype)
        coords = {"time": np.arange(6) * 0.5, "channel": list("abcde")}
        za = xr.DataArray(z, dims=("time", "channel"), coords=coords, name="logits")
        ya = xr.DataArray(y, dims=("time", "channel"), coords=coords)
        pa = xr.DataArray(p, dims=("time", "channel"), coords=coords)
        return za, ya, pa

    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    @pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
    def test_transposed_dims_give_the_aligned_loss(self, dtype, reduction):
        # The example: a transposed target used to be aligned by
        # position (a wrong sum, or a shape error for non-square arrays).
        z, y, p = self.arrays(dtype)
        cases = [(bce, z, y), (bce_p, p, y), (focal, z, y)]
        for f, a, b in cases:
            got = f(a, b.transpose(), reduction=reduction)
            want = f(a.values, b.values, reduction=reduction)
            assert isinstance(got, self.xr.DataArray)
            same(got.values, want)
            if reduction == "none":
                assert got.dims == ("time", "channel")
                assert got.coords.to_dataset().identical(a.coords.to_dataset())
            else:
                assert got.dims == ()
        g = bce_grad(z, y.transpose(), reduction=reduction)
        assert g.dims == z.dims and g.coords.to_dataset().identical(z.coords.to_dataset())
        same(g.values, bce_grad(z.values, y.values, reduction=reduction))
        # the logits transposed: the gradient follows the logits' own dims
        g = bce_grad(z.transpose(), y, reduction=reduction)
        assert g.dims == ("channel", "time")
        same(g.values, bce_grad(z.values.T, y.values.T, reduction=reduction))
        loss, g = bce_lg(z, y.transpose(), reduction=reduction)
        same(loss.values, bce(z.values, y.values, reduction=reduction))
        same(g.values, bce_grad(z.values, y.values, reduction=reduction))

    def test_none_equals_the_ufunc_on_dataarrays(self):
        z, y, _ = self.arrays()
        got = bce(z, y.isel(time=slice(2, None)).transpose(), reduction="none")
        want = sigfast.bce_with_logits(z, y.isel(time=slice(2, None)))   # inner join
        assert got.dims == want.dims
        np.testing.assert_array_equal(got.time, want.time)
        same(got.values, want.values)

    def test_exact_join_refuses_mismatched_labels(self):
        z, y, _ = self.arrays()
        with self.xr.set_options(arithmetic_join="exact"):
            with pytest.raises(ValueError, match="time"):
                bce(z, y.isel(time=slice(2, None)))

    @pytest.mark.parametrize("reduction", ["mean", "sum"])
    def test_axis_by_name_or_position(self, reduction):
        z, y, _ = self.arrays()
        for axis, np_axis, dims in [("channel", 1, ("time",)), ("time", 0, ("channel",)),
                                    (-1, 1, ("time",)), (("time", "channel"), (0, 1), ()),
                                    (["channel"], 1, ("time",))]:
            got = bce(z, y.transpose(), reduction=reduction, axis=axis)
            assert isinstance(got, self.xr.DataArray) and got.dims == dims
            same(got.values, bce(z.values, y.values, reduction=reduction, axis=np_axis))
            if dims:
                np.testing.assert_array_equal(got[dims[0]], z[dims[0]])
            g = bce_grad(z, y.transpose(), reduction=reduction, axis=axis)
            same(g.values, bce_grad(z.values, y.values, reduction=reduction, axis=np_axis))
        with pytest.raises(ValueError, match="'sample' is not a dimension.*time, channel"):
            bce(z, y, axis="sample")
        with pytest.raises(np.exceptions.AxisError):
            bce(z, y, axis=2)

    def test_broadcast_by_dimension_name(self):
        xr = self.xr
        z, y, _ = self.arrays()
        # targets with their dimensions in the other order: aligned by name
        rng = np.random.default_rng(5)
        ys = xr.DataArray((rng.random((5, 6)) > 0.5) * 1.0, dims=("channel", "time"))
        want_y = ys.values.T                                   # (time, channel)
        got = bce(z, ys, reduction="none")
        assert set(got.dims) == {"time", "channel"}
        same(got.transpose("time", "channel").values, bce(z.values, want_y, reduction="none"))
        g = bce_grad(z, ys)
        assert g.dims == z.dims
        same(g.values, bce_grad(z.values, want_y))
        # an extra target dimension would broadcast the logits: refused, as
        # for NumPy arrays (logits and targets have one shape, as in PyTorch)
        extra = xr.DataArray((rng.random((3, 5, 6)) > 0.5) * 1.0,
                             dims=("sample", "channel", "time"))
        with pytest.raises(ValueError, match="same shape"):
            bce(z, extra, reduction="none")
        # per-class pos_weight as a DataArray, and as NumPy along the last dim
        pw = xr.DataArray(np.linspace(0.5, 2, 5), dims="channel")
        same(bce(z, y, pos_weight=pw).values, bce(z.values, y.values, pos_weight=pw.values))
        same(bce(z, y, pos_weight=pw.values).values,
             bce(z.values, y.values, pos_weight=pw.values))
        w = xr.DataArray(np.linspace(0.1, 1, 6), dims="time")
        same(bce(z, y.transpose(), weight=w, reduction="none").values,
             bce(z.values, y.values, weight=w.values[:, None], reduction="none"))

    def test_numpy_logits_with_dataarray_targets(self):
        z, y, _ = self.arrays()
        got = bce(z.values, y, reduction="none")
        assert isinstance(got, self.xr.DataArray) and got.dims == y.dims
        g = bce_grad(z.values, y, reduction="sum")
        assert g.dims == y.dims
        same(g.values, bce_grad(z.values, y.values, reduction="sum"))

    def test_errors(self):
        xr = self.xr
        z, y, _ = self.arrays()
        with pytest.raises(TypeError, match="Dataset"):
            bce(xr.Dataset({"z": z}), y)
        with pytest.raises(TypeError, match="out="):
            bce(z, y, reduction="none", out=np.empty(z.shape))
        with pytest.raises(ValueError, match="more than the DataArray"):
            bce(z, np.zeros((2,) + z.shape))
        with pytest.raises(ValueError, match="conflicting dimension sizes"):
            bce(z.drop_vars(["time", "channel"]),
                xr.DataArray(np.zeros((6, 1)), dims=("time", "channel")))
        with pytest.raises(TypeError, match="mix xarray and pandas"):
            pd = pytest.importorskip("pandas")
            bce(z.isel(channel=0), pd.Series(np.zeros(6)))

    def test_dask_backed_stays_lazy(self):
        da = pytest.importorskip("dask.array")
        z, y, p = self.arrays()
        zc, yc, pc = z.chunk({"time": 2}), y.transpose().chunk({"time": 3}), p.chunk({"time": 2})
        for f, a, b in [(bce, zc, yc), (bce_p, pc, yc), (focal, zc, yc), (bce_grad, zc, yc)]:
            for reduction in ("mean", "none"):
                got = f(a, b, reduction=reduction)
                assert isinstance(got.data, da.Array), (f, reduction)
                want = f(a.values, b.transpose(*a.dims).values, reduction=reduction)
                np.testing.assert_allclose(got.compute().values, want, rtol=1e-13)
        got = bce(zc, yc, axis="channel")
        assert isinstance(got.data, da.Array) and got.dims == ("time",)


# ===========================================================================
# np.ma
# ===========================================================================

def masked_inputs(dtype, seed=0):
    z, y, p = inputs(dtype, (40, 7), seed)
    rng = np.random.default_rng(seed + 1)
    mz = rng.random(z.shape) < 0.2
    my = rng.random(z.shape) < 0.1
    z[mz] = np.nan                                  # garbage under the mask
    p[mz] = 7.0                                     # out of range under the mask
    y[my] = np.inf
    return (np.ma.MaskedArray(z, mz), np.ma.MaskedArray(y, my),
            np.ma.MaskedArray(p, mz), mz | my)


class TestMasked:

    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    @pytest.mark.parametrize("reduction", ["mean", "sum"])
    def test_masked_elements_are_left_out(self, dtype, reduction):
        z, y, p, m = masked_inputs(dtype)
        keep = ~m
        zc, yc, pc = z.data[keep], y.data[keep], p.data[keep]
        for f, a, b, ac in [(bce, z, y, zc), (bce_p, p, y, pc), (focal, z, y, zc)]:
            got = f(a, b, reduction=reduction)
            want = f(ac, yc, reduction=reduction)
            assert type(got) is type(want)
            np.testing.assert_allclose(got, want, rtol=RTOL[dtype])
        # the fused functions: the same terms and the same count
        got = bce(z, y, reduction=reduction, weight=np.float64(0.5))
        np.testing.assert_allclose(got, bce(zc, yc, reduction=reduction, weight=0.5),
                                   rtol=RTOL[dtype])

    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    def test_none_is_a_masked_array_with_the_union_mask(self, dtype):
        z, y, p, m = masked_inputs(dtype)
        for f, a in [(bce, z), (bce_p, p), (focal, z)]:
            got = f(a, y, reduction="none")
            assert isinstance(got, np.ma.MaskedArray) and got.dtype == dtype
            np.testing.assert_array_equal(got.mask, m)
            assert np.isfinite(got.data).all()
            same(got.data[~m], f(a.data[~m], y.data[~m], reduction="none"))

    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    @pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
    def test_gradient(self, dtype, reduction):
        z, y, _, m = masked_inputs(dtype)
        g = bce_grad(z, y, reduction=reduction)
        assert isinstance(g, np.ma.MaskedArray) and g.dtype == dtype
        np.testing.assert_array_equal(g.mask, m)
        assert (g.data[m] == 0).all()
        # unmasked elements: the gradient of the loss over them alone
        same(g.data[~m], bce_grad(z.data[~m], y.data[~m], reduction=reduction))
        loss, g2 = bce_lg(z, y, reduction=reduction)
        same(g2.data, g.data)
        if reduction != "none":
            same(loss, bce(z.data[~m], y.data[~m], reduction=reduction))

    def test_axis_follows_np_ma(self):
        z, y, _, m = masked_inputs(np.float64)
        m[3] = True                                   # a fully masked row
        zz = np.ma.MaskedArray(z.data, m)
        terms = bce(z.data, np.nan_to_num(y.data), reduction="none")
        for reduction in ("mean", "sum"):
            got = bce(zz, y, reduction=reduction, axis=1)
            want = getattr(np.ma.MaskedArray(terms, m), reduction)(axis=1)
            assert isinstance(got, np.ma.MaskedArray)
            np.testing.assert_array_equal(got.mask, want.mask)
            assert got.mask[3]
            np.testing.assert_allclose(got.compressed(), want.compressed(), rtol=1e-13)
        # the per-row mean's gradient divides by each row's own count
        g = bce_grad(zz, y, reduction="mean", axis=1)
        row = 5
        same(g.data[row][~m[row]],
             bce_grad(z.data[row][~m[row]], y.data[row][~m[row]], reduction="mean"))

    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    @pytest.mark.parametrize("bad", [np.nan, np.inf])
    @pytest.mark.parametrize("operand", ["pos_weight", "weight"])
    def test_nonfinite_class_weight_under_a_masked_class(self, dtype, bad, operand):
        # issue 23, item 3: pos_weight = negatives / positives per class; a
        # class with no labelled samples (its column fully masked) gets 0/0 =
        # NaN (or x/0 = inf), which used to make the mean and sum NaN
        z, y, _ = inputs(dtype, (40, 4), seed=5)
        y = np.round(y)
        m = np.random.default_rng(6).random(z.shape) < 0.15
        m[:, 2] = True                                # no labels for class 2
        cls = np.array([1.5, 0.75, bad, 2.0], dtype)
        finite = np.where(np.isfinite(cls), cls, 1).astype(dtype)
        zm, ym = np.ma.MaskedArray(z, m), np.ma.MaskedArray(y, m)
        kw, kw_ok = {operand: cls}, {operand: finite}
        terms = bce(z, y, reduction="none", **kw_ok)
        grads = bce_grad(z, y, reduction="none", **kw_ok)
        for reduction in ("mean", "sum"):
            want = getattr(np.ma.MaskedArray(terms.astype(np.float64), m), reduction)()
            got = bce(zm, ym, reduction=reduction, **kw)
            assert np.isfinite(got)
            np.testing.assert_allclose(got, want, rtol=RTOL[dtype])
            loss, g = bce_lg(zm, ym, reduction=reduction, **kw)
            same(loss, got)
            scale = m.size - m.sum() if reduction == "mean" else 1
            np.testing.assert_array_equal(g.mask, m)
            assert (g.data[m] == 0).all()
            np.testing.assert_allclose(g.data[~m], grads[~m] / dtype(scale), rtol=RTOL[dtype])
            same(bce_grad(zm, ym, reduction=reduction, **kw).data, g.data)
            for axis in (0, 1):
                want = getattr(np.ma.MaskedArray(terms.astype(np.float64), m), reduction)(axis)
                got = bce(zm, ym, reduction=reduction, axis=axis, **kw)
                np.testing.assert_array_equal(np.ma.getmaskarray(got), np.ma.getmaskarray(want))
                assert np.isfinite(got.compressed()).all()
                np.testing.assert_allclose(got.compressed(), want.compressed(),
                                           rtol=RTOL[dtype])
                g = bce_grad(zm, ym, reduction=reduction, axis=axis, **kw)
                assert (g.data[m] == 0).all() and np.isfinite(g.data).all()
        got = bce(zm, ym, reduction="none", **kw)
        np.testing.assert_array_equal(got.mask, m)
        assert np.isfinite(got.data).all()
        same(got.data[~m], terms[~m])
        if operand == "weight":
            # binary_cross_entropy takes a weight too (np.ma's path)
            p = sigfast.sigmoid(z)
            want = np.ma.MaskedArray(bce_p(p, y, weight=finite, reduction="none"), m)
            got = bce_p(np.ma.MaskedArray(p, m), ym, weight=cls)
            np.testing.assert_allclose(got, want.astype(np.float64).mean(), rtol=RTOL[dtype])

    def test_everything_masked(self):
        z = np.ma.masked_all((3, 2))
        y = np.zeros((3, 2))
        assert bce(z, y) is np.ma.masked
        assert bce(z, y, reduction="sum") is np.ma.masked
        assert bce_p(z, y) is np.ma.masked
        assert focal(z, y, reduction="mean") is np.ma.masked
        assert bce(z, y, reduction="none").mask.all()
        assert bce_grad(z, y).mask.all() and (bce_grad(z, y).data == 0).all()

    @pytest.mark.parametrize("mask", [np.ma.nomask, False])
    def test_nothing_masked_gives_the_numpy_bits(self, mask):
        z, y, p = inputs(np.float32, (50, 4))
        w = np.linspace(0.5, 1.5, 4).astype(np.float32)
        zm = np.ma.MaskedArray(z, mask)
        for reduction in ("mean", "sum", "none"):
            same(np.ma.getdata(bce(zm, y, weight=w, pos_weight=w, label_smoothing=0.1,
                                   reduction=reduction)),
                 bce(z, y, weight=w, pos_weight=w, label_smoothing=0.1, reduction=reduction))
            same(np.ma.getdata(bce_grad(zm, y, reduction=reduction)),
                 bce_grad(z, y, reduction=reduction))
            same(np.ma.getdata(bce_p(np.ma.MaskedArray(p, mask), y, reduction=reduction)),
                 bce_p(p, y, reduction=reduction))
            same(np.ma.getdata(focal(zm, y, reduction=reduction)),
                 focal(z, y, reduction=reduction))

    @pytest.mark.skipif(np.finfo(np.longdouble).nmant <= 52, reason="long double is double")
    def test_long_double_keeps_long_double_sums(self):
        # the masked path summed axis reductions in float64 (1600-1800 long
        # double eps off the unmasked result) and used the weighted formula
        # where nothing was masked (not the NumPy path's bits)
        L = np.longdouble
        rng = np.random.default_rng(0)
        z = (rng.standard_normal((50, 40)) * 3).astype(L) * (
            1 + rng.uniform(-1, 1, (50, 40)).astype(L) * L(2) ** -55)
        y = rng.random((50, 40)).astype(L)
        for red in ("mean", "sum"):
            for ax in (None, 0, 1):
                got = bce(np.ma.MaskedArray(z, False), y, reduction=red, axis=ax)
                assert np.ma.getdata(got).dtype == L
                np.testing.assert_array_equal(np.ma.getdata(got), bce(z, y, reduction=red, axis=ax))
        np.testing.assert_array_equal(bce(np.ma.MaskedArray(z, False), y, reduction="none").data,
                                      bce(z, y, reduction="none"))
        # masked: each row as the unmasked loss of its unmasked elements
        m = rng.random(z.shape) < 0.2
        got = bce(np.ma.MaskedArray(z, m), y, reduction="mean", axis=1)
        want = np.array([bce(z[i][~m[i]], y[i][~m[i]], reduction="mean") for i in range(50)])
        np.testing.assert_allclose(got.data, want, rtol=8 * np.finfo(L).eps, atol=0)

    def test_integer_and_bool_operands_keep_the_numpy_dtype(self):
        z = np.array([[-2, 0, 3]], np.int8)
        y = np.array([[True, False, True]])
        for mask in (np.ma.nomask, [[False, True, False]]):
            for f in (bce, bce_grad, focal):
                got = f(np.ma.MaskedArray(z, mask), y, reduction="none")
                assert got.dtype == f(z, y, reduction="none").dtype
            assert bce_p(np.ma.MaskedArray(y, mask), y, reduction="none").dtype == \
                bce_p(y, y, reduction="none").dtype

    def test_masks_of_weights_and_broadcast_operands(self):
        z, y, _ = inputs(np.float64, (8, 3))
        w = np.ma.MaskedArray(np.linspace(1, 2, 8)[:, None], [[False]] * 7 + [[True]])
        pw = np.ma.MaskedArray([1.0, np.inf, 2.0], [False, True, False])
        got = bce(z, y, weight=w, pos_weight=pw, reduction="none")
        want_mask = np.zeros((8, 3), bool)
        want_mask[7] = True
        want_mask[:, 1] = True
        np.testing.assert_array_equal(got.mask, want_mask)
        keep = ~want_mask
        np.testing.assert_allclose(
            bce(z, y, weight=w, pos_weight=pw),
            (bce(z, y, weight=w.data, pos_weight=[1.0, 1.0, 2.0], reduction="none")[keep]).mean(),
            rtol=1e-13)
        # logits broadcast against targets are refused, masked or not
        zc = np.ma.MaskedArray(z[:1], [[False, True, False]])
        with pytest.raises(ValueError, match="same shape"):
            bce_grad(zc, y)

    def test_inputs_untouched_and_errors(self):
        z, y, p, m = masked_inputs(np.float64)
        before = [a.copy() for a in (z, y, p)]
        bce(z, y)
        bce_grad(z, y)
        bce_p(p, y)
        focal(z, y)
        for a, b in zip((z, y, p), before):
            np.testing.assert_array_equal(a.data, b.data)
            np.testing.assert_array_equal(a.mask, b.mask)
        with pytest.raises(TypeError, match="out="):
            bce(z, y, reduction="none", out=np.empty(z.shape))
        with pytest.raises(ValueError, match="reduction"):
            bce_p(p, y, reduction="avg")
        with pytest.raises(TypeError, match="dtype"):
            bce(np.ma.MaskedArray(z.data.astype(complex), m), y)
        da = pytest.importorskip("dask.array")
        with pytest.raises(TypeError, match="masked arrays cannot be mixed with dask"):
            bce(z, da.from_array(y.data))


# ===========================================================================
# pandas
# ===========================================================================

@needs(optional("pandas"), "pandas")
class TestPandas:
    pd = optional("pandas")

    def frame(self, dtype=np.float64):
        pd = self.pd
        z, y, p = inputs(dtype)
        idx = pd.Index([f"r{i}" for i in range(6)], name="row")
        cols = pd.Index(list("abcde"), name="cls")
        return (pd.DataFrame(z, idx, cols), pd.DataFrame(y, idx, cols),
                pd.DataFrame(p, idx, cols))

    def test_series_keep_their_index(self):
        pd = self.pd
        zf, yf, pf = self.frame()
        z, y, p = zf["a"], yf["a"], pf["a"]
        for f, a in [(bce, z), (bce_p, p), (focal, z)]:
            got = f(a, y, reduction="none")
            assert isinstance(got, pd.Series) and got.index.equals(z.index)
            same(got.to_numpy(), f(a.to_numpy(), y.to_numpy(), reduction="none"))
            s = f(a, y, reduction="mean")
            assert np.ndim(s) == 0 and not isinstance(s, pd.Series)
            same(s, f(a.to_numpy(), y.to_numpy(), reduction="mean"))
        g = bce_grad(z, y)
        assert isinstance(g, pd.Series) and g.index.equals(z.index)
        loss, g = bce_lg(z, y, reduction="none")
        assert loss.index.equals(z.index) and g.index.equals(z.index)

    def test_labels_in_another_order_are_aligned(self):
        pd = self.pd
        zf, yf, _ = self.frame()
        z, y = zf["b"], yf["b"]
        shuffled = y.iloc[[3, 0, 5, 1, 4, 2]]
        got = bce(z, shuffled, reduction="none")
        same(got.to_numpy(), bce(z.to_numpy(), y.to_numpy(), reduction="none"))
        assert got.index.equals(z.index)
        # a per-class pos_weight Series indexed by class name, in another order
        pw = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0], index=list("edcba"))
        got = bce(zf, yf.iloc[::-1, ::-1], pos_weight=pw, reduction="none")
        assert isinstance(got, pd.DataFrame)
        assert got.index.equals(zf.index) and got.columns.equals(zf.columns)
        same(got.to_numpy(), bce(zf.to_numpy(), yf.to_numpy(),
                                 pos_weight=[5.0, 4.0, 3.0, 2.0, 1.0], reduction="none"))
        with pytest.raises(ValueError, match="the index of targets does not match the index "
                                             "of logits.*reindex"):
            bce(z, y.iloc[:5])
        other = y.copy()
        other.index = [f"x{i}" for i in range(6)]
        with pytest.raises(ValueError, match="not the same set"):
            bce(z, other)

    @pytest.mark.parametrize("reduction", ["mean", "sum"])
    def test_dataframe_axis(self, reduction):
        pd = self.pd
        zf, yf, _ = self.frame()
        z, y = zf.to_numpy(), yf.to_numpy()
        for axis, np_axis, labels in [(0, 0, zf.columns), ("index", 0, zf.columns),
                                      (1, 1, zf.index), ("columns", 1, zf.index),
                                      (-1, -1, zf.index)]:
            got = bce(zf, yf, reduction=reduction, axis=axis)
            assert isinstance(got, pd.Series) and got.index.equals(labels)
            same(got.to_numpy(), bce(z, y, reduction=reduction, axis=np_axis))
        assert np.ndim(bce(zf, yf, axis=(0, 1))) == 0
        g = bce_grad(zf, yf, axis="columns")
        assert isinstance(g, pd.DataFrame)
        same(g.to_numpy(), bce_grad(z, y, axis=1))
        with pytest.raises(ValueError, match="no axis named 'columns' for a Series"):
            bce(zf["a"], yf["a"], axis="columns")

    def test_nullable_missing_values_are_left_out(self):
        pd = self.pd
        z = pd.Series([0.5, pd.NA, -1.0, 2.0], dtype="Float64")
        y = pd.Series([1, 0, pd.NA, 1], dtype="Int64")
        got = bce(z, y, reduction="none")
        assert str(got.dtype) == "Float64"
        assert got.isna().tolist() == [False, True, True, False]
        same(got.dropna().to_numpy(np.float64),
             bce(np.array([0.5, 2.0]), np.array([1.0, 1.0]), reduction="none"))
        same(bce(z, y), bce(np.array([0.5, 2.0]), np.array([1.0, 1.0])))
        same(focal(z, y, reduction="sum"),
             focal(np.array([0.5, 2.0]), np.array([1.0, 1.0]), reduction="sum"))
        assert bce(pd.Series([pd.NA, pd.NA], dtype="Float64"), [0.0, 1.0]) is pd.NA
        with pytest.raises(TypeError, match="real numeric dtype, got dtype string"):
            bce(pd.Series(["a", "b"], dtype="string"), [0.0, 1.0])


# ===========================================================================
# dask: every loss function lazy and blockwise
# ===========================================================================

@needs(optional("dask.array"), "dask.array")
class TestDask:
    da = optional("dask.array")

    def chunked(self, dtype=np.float64):
        z, y, p = inputs(dtype, (300, 8), seed=3)
        w = np.linspace(0.1, 2, 300)[:, None].astype(dtype)
        return z, y, p, w

    def test_every_loss_function_is_lazy(self):
        da = self.da
        z, y, p, _ = self.chunked()
        zd, yd, pd_ = (da.from_array(a, chunks=(70, 3)) for a in (z, y, p))
        for f, a in [(bce, zd), (bce_grad, zd), (bce_p, pd_), (focal, zd)]:
            for reduction in ("mean", "sum", "none"):
                assert isinstance(f(a, yd, reduction=reduction), da.Array), f
        loss, grad = bce_lg(zd, yd)
        assert isinstance(loss, da.Array) and isinstance(grad, da.Array)

    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    @pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
    def test_probs_and_focal_equal_numpy(self, dtype, reduction):
        da = self.da
        z, y, p, w = self.chunked(dtype)
        zd, pd_ = da.from_array(z, chunks=(70, 3)), da.from_array(p, chunks=(70, 3))
        yd = da.from_array(y, chunks=(120, 8))                   # another chunking
        wd = da.from_array(w, chunks=(50, 1))
        cases = [(bce_p, pd_, p, {}), (bce_p, pd_, p, {"weight": wd}),
                 (bce_p, pd_, p, {"weight": w, "eps": 1e-3}), (bce_p, p, p, {"weight": wd}),
                 (focal, zd, z, {}), (focal, zd, z, {"alpha": -1, "gamma": 0.5}),
                 (focal, z, z, {"alpha": 0.4})]
        for f, a, a_np, kw in cases:
            got = f(a, yd, reduction=reduction, **kw)
            assert isinstance(got, da.Array)
            kw_np = {k: (v.compute() if isinstance(v, da.Array) else v) for k, v in kw.items()}
            want = f(a_np, y, reduction=reduction, **kw_np)
            res = got.compute(scheduler="sync")
            assert res.dtype == np.asarray(want).dtype and res.shape == np.shape(want)
            if reduction == "none":
                same(res, want)                                   # elementwise: same bits
            else:
                np.testing.assert_allclose(res, want, rtol=RTOL[dtype])

    def test_float32_terms_like_numpy(self):
        # the dask sum/mean of binary_cross_entropy takes float32 terms, as the
        # NumPy path does (it took float64 ones: 20 of 400 such results were
        # 1 float32 ulp off the NumPy value); summed in float64, then rounded
        da = self.da
        for seed in range(60):
            rng = np.random.default_rng(seed)
            p = rng.random((60, 5)).astype(np.float32)
            y = (rng.random((60, 5)) < 0.5).astype(np.float32)
            w = rng.random((60, 1)).astype(np.float32)
            for reduction in ("sum", "mean"):
                got = bce_p(da.from_array(p, chunks=(17, 2)), y, weight=w,
                            reduction=reduction).compute(scheduler="sync")
                same(got, bce_p(p, y, weight=w, reduction=reduction))

    def test_broadcast_operands(self):
        da = self.da
        rng = np.random.default_rng(4)
        p = rng.uniform(0.05, 0.95, (200, 1))
        y = (rng.random((200, 6)) > 0.5) * 1.0
        # probabilities (200, 1) against targets (200, 6) are refused on the
        # NumPy path and, eagerly, on the dask path; a weight broadcasts
        for args in ((da.from_array(p, chunks=(50, 1)), da.from_array(y, chunks=(80, 2))),
                     (p, da.from_array(y, chunks=(80, 2))), (p, y)):
            for reduction in ("mean", "none"):
                with pytest.raises(ValueError, match="same shape"):
                    bce_p(*args, reduction=reduction)
        pp = np.broadcast_to(p, y.shape)
        w = np.linspace(0.5, 1.5, 6)
        for reduction in ("mean", "none"):
            np.testing.assert_allclose(
                bce_p(da.from_array(pp, chunks=(50, 3)), da.from_array(y, chunks=(80, 2)),
                      weight=w, reduction=reduction).compute(scheduler="sync"),
                bce_p(pp, y, weight=w, reduction=reduction), rtol=1e-13)
            np.testing.assert_allclose(
                focal(da.from_array(pp, chunks=(50, 3)), y, reduction=reduction)
                .compute(scheduler="sync"), focal(pp, y, reduction=reduction), rtol=1e-13)

    def test_blockwise_not_materialised(self):
        da = self.da
        from dask.callbacks import Callback

        sizes = []

        class Sizes(Callback):
            def _posttask(self, key, result, dsk, state, worker_id):
                sizes.append(int(np.size(result)) if isinstance(result, np.ndarray) else 1)

        z, y, p = inputs(np.float64, (4000, 10), seed=6)
        zd, yd, pd_ = (da.from_array(a, chunks=(500, 5)) for a in (z, y, p))
        for f, a, a_np in [(bce_p, pd_, p), (focal, zd, z)]:
            sizes.clear()
            with Sizes():
                got = f(a, yd, reduction="mean").compute(scheduler="sync")
            assert max(sizes) <= 500 * 5
            np.testing.assert_allclose(got, f(a_np, y, reduction="mean"), rtol=1e-13)

    def test_errors_are_eager_and_the_range_check_lazy(self):
        da = self.da
        pd_ = da.from_array(np.array([0.2, 0.5, 1.5, 0.3]), chunks=2)
        y = np.zeros(4)
        with pytest.raises(ValueError, match="reduction"):
            bce_p(pd_, y, reduction="avg")
        with pytest.raises(ValueError, match="gamma"):
            focal(pd_, y, gamma=-1)
        with pytest.raises(TypeError, match="probs must be a real"):
            bce_p(pd_.astype(complex), y)
        with pytest.raises(ValueError, match="probs shape"):
            bce_p(pd_, np.zeros(3))
        lazy = bce_p(pd_, y)                                 # 1.5 is out of range
        with pytest.raises(ValueError, match="between 0 and 1"):
            lazy.compute(scheduler="sync")
        e = da.zeros((0, 3), chunks=(5, 3))
        assert np.isnan(focal(e, e, reduction="mean").compute())
        assert focal(e, e, reduction="sum").compute() == 0.0
