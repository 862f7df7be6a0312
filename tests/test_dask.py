"""dask: ufuncs stay lazy and blockwise; the BCE loss builds a lazy blockwise
reduction (sigfast.losses._dask) with the NumPy path's value; both also run on a
two-process dask.distributed cluster."""
import math
import os
import pickle
import subprocess

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
from dask.callbacks import Callback  # noqa: E402

import sigfast  # noqa: E402

from sigfast._registry import NAMES as ALL  # noqa: E402
from sigfast._testing import typical as sample  # noqa: E402
from sigfast._testing import PYTHON  # noqa: E402

RTOL = {np.float32: 1e-6, np.float64: 1e-12}


def chunked(a, chunks):
    return da.from_array(a, chunks=chunks)


def layer_tasks(arr):
    """Number of tasks in the layer that produces ``arr``."""
    return len(arr.__dask_graph__().layers[arr.name])


class ResultSizes(Callback):
    """Records the size of every task result (local schedulers)."""

    def __init__(self):
        super().__init__()
        self.sizes = []

    def _posttask(self, key, result, dsk, state, worker_id):
        self.sizes.append(int(np.size(result)) if isinstance(result, np.ndarray) else 1)


# ---------------------------------------------------------------------------
# ufuncs: dask's __array_ufunc__ maps them over the blocks
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ALL)
def test_ufunc_is_lazy_and_blockwise(name, dtype):
    args = [a.reshape(60, 50) for a in sample(name, dtype, 3000)]
    darrs = [chunked(a, (25, 20)) for a in args]
    f = getattr(sigfast, name)
    r = f(*darrs)
    assert isinstance(r, da.Array)
    assert r.dtype == dtype and r.shape == (60, 50) and r.chunks == darrs[0].chunks
    # one task per chunk in the ufunc's layer, depending only on the inputs
    assert layer_tasks(r) == r.npartitions == 3 * 3
    deps = r.__dask_graph__().dependencies[r.name]
    assert deps == {d.name for d in darrs}
    got = r.compute(scheduler="sync")
    want = f(*args)
    assert got.dtype == want.dtype and got.tobytes() == want.tobytes()


def test_ufunc_with_numpy_and_scalar_operands():
    z, y = sample("bce_with_logits", np.float64, 1000)
    zd = chunked(z, 300)
    for other in (y, 0.25, np.float64(1.0)):
        r = sigfast.bce_with_logits(zd, other)
        assert isinstance(r, da.Array)
        np.testing.assert_array_equal(r.compute(), sigfast.bce_with_logits(z, other))
    # float32 blocks run the float32 loop (note: dask implements dtype= as a
    # cast of the result, so cast the input instead of passing dtype=)
    r = sigfast.sigmoid(zd.astype(np.float32))
    assert r.dtype == np.float32
    assert r.compute().tobytes() == sigfast.sigmoid(z.astype(np.float32)).tobytes()


# ---------------------------------------------------------------------------
# losses: sigfast._dask
# ---------------------------------------------------------------------------

def loss_data(dtype, shape=(1000, 7), seed=0):
    rng = np.random.default_rng(seed)
    z = (rng.standard_normal(shape) * 4).astype(dtype)
    y = (rng.random(shape) > 0.5).astype(dtype)
    w = rng.uniform(0.1, 2, (shape[0], 1)).astype(dtype)
    pw = rng.uniform(0.5, 3, shape[-1])
    return z, y, w, pw


def options(w, pw, wd=None, pwd=None):
    return [
        {},
        {"weight": w},
        {"pos_weight": pw},
        {"weight": w, "pos_weight": pw, "label_smoothing": 0.1},
        {"weight": 0.5, "pos_weight": 2.0},
        {"weight": wd, "pos_weight": pwd},                # dask weights, other chunks
    ]


def computed(kw):
    return {k: (v.compute() if isinstance(v, da.Array) else v) for k, v in kw.items()}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_lazy_and_equal_to_numpy(dtype, reduction):
    z, y, w, pw = loss_data(dtype)
    zd, yd = chunked(z, (130, 3)), chunked(y, (200, 7))       # different chunkings
    wd, pwd = chunked(w, (77, 1)), chunked(pw, 2)
    for kw in options(w, pw, wd, pwd):
        r = sigfast.binary_cross_entropy_with_logits(zd, yd, reduction=reduction, **kw)
        assert isinstance(r, da.Array)
        want = sigfast.binary_cross_entropy_with_logits(z, y, reduction=reduction, **computed(kw))
        got = r.compute(scheduler="sync")
        assert got.dtype == np.asarray(want).dtype
        assert got.shape == np.shape(want)
        np.testing.assert_allclose(got, want, rtol=RTOL[dtype], atol=0)
        if reduction == "none":
            assert r.chunks == zd.chunks
            assert got.tobytes() == want.tobytes()          # elementwise: the same bits


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_bce_reduction_is_blockwise_not_materialised(reduction):
    z, y, w, pw = loss_data(np.float64, shape=(4000, 10))
    zd, yd = chunked(z, (500, 5)), chunked(y, (500, 5))
    r = sigfast.binary_cross_entropy_with_logits(zd, yd, weight=w, pos_weight=pw,
                                                 reduction=reduction)
    assert isinstance(r, da.Array) and r.shape == () and r.dtype == np.float64
    layers = r.__dask_graph__().layers
    block_layer = [k for k in layers if k.startswith("sigfast-bce-sum")]
    assert len(block_layer) == 1 and len(layers[block_layer[0]]) == zd.npartitions == 16
    cb = ResultSizes()
    with cb:
        got = r.compute(scheduler="sync")
    # no task result is larger than one chunk of the logits (or than the small
    # NumPy weight column itself): the loss is never materialised
    assert max(cb.sizes) <= max(500 * 5, w.size)
    assert sum(1 for s in cb.sizes if s == 1) >= 16        # one float64 total per block
    want = sigfast.binary_cross_entropy_with_logits(z, y, weight=w, pos_weight=pw,
                                                    reduction=reduction)
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("axis", [-1, 0, (0, 1)])
def test_bce_axis(dtype, reduction, axis):
    z, y, w, pw = loss_data(dtype)
    zd, yd = chunked(z, (300, 4)), chunked(y, (300, 4))
    r = sigfast.binary_cross_entropy_with_logits(zd, yd, weight=w, reduction=reduction, axis=axis)
    assert isinstance(r, da.Array)
    want = sigfast.binary_cross_entropy_with_logits(z, y, weight=w, reduction=reduction, axis=axis)
    got = r.compute(scheduler="sync")
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=RTOL[dtype], atol=0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_grad_lazy_and_bit_identical(dtype, reduction):
    z, y, w, pw = loss_data(dtype)
    zd, yd = chunked(z, (130, 3)), chunked(y, (130, 3))
    for kw in options(w, pw, chunked(w, (300, 1)), chunked(pw, 4)):
        r = sigfast.binary_cross_entropy_with_logits_grad(zd, yd, reduction=reduction, **kw)
        assert isinstance(r, da.Array)
        want = sigfast.binary_cross_entropy_with_logits_grad(z, y, reduction=reduction,
                                                             **computed(kw))
        got = r.compute(scheduler="sync")
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
    # axis= (mean divides by the reduced count)
    r = sigfast.binary_cross_entropy_with_logits_grad(zd, yd, reduction="mean", axis=-1)
    want = sigfast.binary_cross_entropy_with_logits_grad(z, y, reduction="mean", axis=-1)
    assert r.compute(scheduler="sync").tobytes() == want.tobytes()


def test_bce_broadcast_operands():
    rng = np.random.default_rng(3)
    z = rng.standard_normal((600, 5))
    y = (rng.random((600, 5)) > 0.5) * 1.0
    w = rng.uniform(0.5, 2, (600, 1))
    zd, yd, wd = chunked(z, (100, 5)), chunked(y, (250, 2)), chunked(w, (150, 1))
    for reduction in ("mean", "sum", "none"):
        for args, kw in (((zd, yd), {"weight": wd}), ((z, yd), {"weight": w}),
                         ((zd, y), {"weight": wd})):
            got = sigfast.binary_cross_entropy_with_logits(*args, reduction=reduction, **kw)
            assert isinstance(got, da.Array)
            np.testing.assert_allclose(
                got.compute(scheduler="sync"),
                sigfast.binary_cross_entropy_with_logits(z, y, weight=w, reduction=reduction),
                rtol=1e-12)
        g = sigfast.binary_cross_entropy_with_logits_grad(zd, yd, weight=wd, reduction=reduction)
        gw = sigfast.binary_cross_entropy_with_logits_grad(z, y, weight=w, reduction=reduction)
        assert g.shape == gw.shape == (600, 5)
        np.testing.assert_allclose(g.compute(scheduler="sync"), gw, rtol=1e-12)
    # logits and targets of different shapes: the NumPy path's ValueError, eagerly
    with pytest.raises(ValueError, match="same shape"):
        sigfast.binary_cross_entropy_with_logits(chunked(z[:, :1], (100, 1)), yd)


def test_bce_zero_d_and_empty():
    z0 = da.asarray(np.float64(0.0))
    assert sigfast.binary_cross_entropy_with_logits(z0, 1.0).compute() == math.log(2.0)
    e = da.zeros((0, 3), chunks=(5, 3))
    assert math.isnan(sigfast.binary_cross_entropy_with_logits(e, e).compute())
    assert sigfast.binary_cross_entropy_with_logits(e, e, reduction="sum").compute() == 0.0
    assert sigfast.binary_cross_entropy_with_logits(e, e, reduction="none").compute().shape \
        == (0, 3)


def test_bce_errors_are_eager():
    zd = chunked(np.zeros(10), 5)
    with pytest.raises(ValueError, match="reduction"):
        sigfast.binary_cross_entropy_with_logits(zd, zd, reduction="avg")
    with pytest.raises(ValueError, match="same shape"):
        sigfast.binary_cross_entropy_with_logits(zd, np.zeros(3))
    with pytest.raises(TypeError):
        sigfast.binary_cross_entropy_with_logits(zd, zd.astype(complex))
    with pytest.raises(ValueError, match="label_smoothing"):
        sigfast.binary_cross_entropy_with_logits(zd, zd, label_smoothing=3)
    with pytest.raises(TypeError, match="out"):
        sigfast.binary_cross_entropy_with_logits(zd, zd, out=np.empty(()))
    with pytest.raises(np.exceptions.AxisError):
        sigfast.binary_cross_entropy_with_logits(zd, zd, axis=3)


def test_sigfast_import_does_not_import_dask():
    code = "import sys, sigfast; print('dask' in sys.modules)"
    out = subprocess.run([*PYTHON, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


# ---------------------------------------------------------------------------
# pickling and dask.distributed (two worker processes)
# ---------------------------------------------------------------------------

def test_ufunc_unpickles_in_a_fresh_process():
    blob = pickle.dumps(sigfast.sigmoid)
    code = ("import pickle, sys; f = pickle.loads(sys.stdin.buffer.read()); "
            "import sigfast; assert f is sigfast.sigmoid, f")
    subprocess.run([*PYTHON, "-c", code], input=blob, check=True, capture_output=True)


@pytest.fixture(autouse=True, scope="module")
def _keep_environ():
    # A process-based LocalCluster writes its workers' settings
    # (OMP_NUM_THREADS=1, MKL_NUM_THREADS=1, ...) into this process's
    # os.environ; later tests' subprocesses (PyTorch reads MKL_NUM_THREADS)
    # would inherit them.
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    # preload: workers import sigfast before they unpickle any task (see
    # test_ufunc_unpickles_in_a_fresh_process)
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                       dashboard_address=":0", silence_logs=40,
                                       preload=["sigfast"])
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


def test_distributed_ufunc_and_loss(client):
    z, y, w, pw = loss_data(np.float64, shape=(2000, 6))
    zd, yd = chunked(z, (250, 6)), chunked(y, (250, 6))
    pids = client.run(os.getpid)
    assert len(set(pids.values())) == 2 and os.getpid() not in pids.values()
    r = sigfast.sigmoid(zd)
    assert isinstance(r, da.Array)
    got = client.compute(r).result()
    assert got.tobytes() == sigfast.sigmoid(z).tobytes()
    for dtype in (np.float64, np.float32):
        zz, yy = zd.astype(dtype), yd.astype(dtype)
        for reduction in ("mean", "sum"):
            lazy = sigfast.binary_cross_entropy_with_logits(zz, yy, weight=w.astype(dtype),
                                                            pos_weight=pw.astype(dtype),
                                                            reduction=reduction)
            assert isinstance(lazy, da.Array)
            got = client.compute(lazy).result()
            want = sigfast.binary_cross_entropy_with_logits(
                z.astype(dtype), y.astype(dtype), weight=w.astype(dtype),
                pos_weight=pw.astype(dtype), reduction=reduction)
            assert np.asarray(got).dtype == dtype
            np.testing.assert_allclose(got, want, rtol=RTOL[dtype], atol=0)
    terms = client.compute(sigfast.binary_cross_entropy_with_logits(zd, yd, reduction="none"))
    assert terms.result().tobytes() == sigfast.binary_cross_entropy_with_logits(
        z, y, reduction="none").tobytes()
    # the workers really ran sigfast
    assert all(client.run(eval, "'sigfast.losses._dask' in __import__('sys').modules").values())


def test_distributed_loss_without_preload():
    """The loss graph holds only importable functions (sigfast.losses._dask), so workers
    that never imported sigfast can run it."""
    distributed = pytest.importorskip("distributed")
    z, y, _, _ = loss_data(np.float64, shape=(1000, 4))
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=":0", silence_logs=40) as cluster, \
            distributed.Client(cluster) as c:
        assert not any(c.run(eval, "'sigfast' in __import__('sys').modules").values())
        lazy = sigfast.binary_cross_entropy_with_logits(chunked(z, (200, 4)), chunked(y, (200, 4)))
        got = c.compute(lazy).result()
    np.testing.assert_allclose(got, sigfast.binary_cross_entropy_with_logits(z, y), rtol=1e-12)
