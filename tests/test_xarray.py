"""xarray: sigfast ufuncs on DataArray/Dataset keep dims, coords, name and
attrs, align binary operands by coordinate, and stay lazy on dask-backed data."""
import numpy as np
import pytest

xr = pytest.importorskip("xarray")

import sigfast  # noqa: E402
from sigfast._registry import NAMES as ALL, UNARY  # noqa: E402
from sigfast._testing import typical as sample  # noqa: E402


def make(values, name="logits"):
    t, c = values.shape
    return xr.DataArray(values, dims=("time", "channel"),
                        coords={"time": np.arange(t) * 0.5, "channel": [f"c{i}" for i in range(c)],
                                "label": ("channel", np.arange(c) % 2)},
                        name=name, attrs={"units": "logit"})


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ALL)
def test_dataarray_keeps_dims_and_coords(name, dtype):
    f = getattr(sigfast, name)
    args = [a.reshape(40, 5) for a in sample(name, dtype, 200)]
    arrs = [make(a) for a in args]
    r = f(*arrs)
    assert isinstance(r, xr.DataArray)
    assert r.dims == ("time", "channel")
    assert r.coords.to_dataset().identical(arrs[0].coords.to_dataset())
    assert r.dtype == dtype
    assert r.values.tobytes() == f(*args).tobytes()
    if name in UNARY:
        assert r.name == "logits"
        assert r.attrs == {"units": "logit"}


def test_binary_aligns_by_coordinate():
    z = make(np.linspace(-3, 3, 40).reshape(8, 5))
    y = make((np.arange(40).reshape(8, 5) % 2).astype(float), name="targets")
    y_shifted = y.isel(time=slice(2, None))                 # inner join on time
    r = sigfast.bce_with_logits(z, y_shifted)
    assert r.sizes == {"time": 6, "channel": 5}
    np.testing.assert_array_equal(r.time, z.time[2:])
    assert r.values.tobytes() == sigfast.bce_with_logits(z.values[2:], y.values[2:]).tobytes()
    # broadcasting by dimension name: a per-channel target
    per_channel = xr.DataArray([0.0, 1.0, 0.0, 1.0, 0.5], dims="channel",
                               coords={"channel": z.channel})
    r = sigfast.bce_with_logits(z, per_channel)
    assert r.dims == ("time", "channel")
    np.testing.assert_array_equal(r.values,
                                  sigfast.bce_with_logits(z.values, per_channel.values[None, :]))


def test_dataset_maps_every_variable():
    z = make(np.linspace(-3, 3, 40).reshape(8, 5))
    ds = xr.Dataset({"a": z, "b": z * 2})
    r = sigfast.sigmoid(ds)
    assert isinstance(r, xr.Dataset) and set(r.data_vars) == {"a", "b"}
    np.testing.assert_array_equal(r["b"].values, sigfast.sigmoid(z.values * 2))
    assert r["a"].dims == ("time", "channel")


def test_dask_backed_dataarray_stays_lazy():
    pytest.importorskip("dask.array")
    import dask.array as da
    z = make(np.linspace(-3, 3, 400).reshape(80, 5)).chunk({"time": 20})
    r = sigfast.silu(z)
    assert isinstance(r.data, da.Array)
    assert r.chunks == z.chunks
    assert r.coords.to_dataset().identical(z.coords.to_dataset())
    assert r.compute().values.tobytes() == sigfast.silu(z.values).tobytes()
