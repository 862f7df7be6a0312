"""Memory: no growth over many calls, no leaked references, inputs untouched.

The leak test makes 2e5 rounds, each one a successful ufunc call, a loss
call (successful or raising), and a ufunc call that raises (bad dtype, bad
out shape, read-only out, ...), 6e5 calls in all, and compares the resident
set size (Linux /proc/self/statm) after a warm-up with the one after the
loop.  A leak of even 16 bytes per round would add 3 MiB; the bound is
2 MiB (the measured growth here is 0).  All of it takes ~3 s on a 2-core
machine, so the full 2e5 rounds of every kind of call are kept.  The same
loop also checks that the arrays it passes keep their reference counts (a
leaked reference does not show in the RSS when the array stays alive anyway).
"""
import gc
import os
import sys

import numpy as np
import pytest

import sigfast
from sigfast._registry import NAMES as ALL, BINARY, BY_NAME, UNARY
from sigfast._testing import typical as sample

ROUNDS = 200_000
MIB = 1 << 20


def rss_bytes():
    with open("/proc/self/statm") as f:
        resident_pages = int(f.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


def _make_workload():
    """Lists of zero-argument callables (ok ufunc calls, loss calls, failing calls)
    and the arrays they use."""
    rng = np.random.default_rng(0)
    arrays = {}
    for dt in (np.float16, np.float32, np.float64):
        x = (rng.standard_normal(16) * 5).astype(dt)
        p = rng.uniform(0, 1, 16).astype(dt)
        arrays[dt] = (x, p, np.empty(16, dt))
    x64, p64, out64 = arrays[np.float64]
    x32, p32, _ = arrays[np.float32]
    mask = np.arange(16) % 2 == 0
    ro_out = np.empty(16)
    ro_out.flags.writeable = False
    short_out = np.empty(15)
    cplx = np.ones(16, complex)
    strs = np.array(["a"] * 16)
    objs = np.array([1.0] * 16, dtype=object)
    pw = np.linspace(0.5, 2, 4)
    x2d, p2d = x64.reshape(4, 4), p64.reshape(4, 4)
    loss_out = np.empty(())

    ok_ufunc = []
    for name in ALL:
        f = getattr(sigfast, name)
        for dt, (x, p, out) in arrays.items():
            args = (p,) if BY_NAME[name].domain == "unit" else (x,)
            if name in BINARY:
                args = (x, p)
            ok_ufunc.append(lambda f=f, a=args, o=out: f(*a, out=o))
            ok_ufunc.append(lambda f=f, a=args: f(*a))
        ok_ufunc.append(lambda f=f: f(*((x64[::2],) * f.nin), where=mask[::2], out=out64[::2]))
        ok_ufunc.append(lambda f=f: f(*((x64[0],) * f.nin)))          # scalar

    def raises(exc, fn, *a, **kw):
        def call():
            try:
                fn(*a, **kw)
            except exc:
                return
            raise AssertionError("no exception")
        return call

    s, b = sigfast.sigmoid, sigfast.bce_with_logits
    bad_ufunc = [
        raises(TypeError, s, cplx), raises(TypeError, s, strs), raises(TypeError, s, objs),
        raises(TypeError, b, x64, cplx), raises(ValueError, s, x64, out=short_out),
        raises(ValueError, s, x64, out=ro_out), raises(ValueError, b, x64, p64[:3]),
        raises(TypeError, s, x64, out=np.empty(16, np.int64)),
    ]

    bce = sigfast.binary_cross_entropy_with_logits
    grad = sigfast.binary_cross_entropy_with_logits_grad
    lg = sigfast.binary_cross_entropy_with_logits_loss_and_grad
    loss_calls = [
        lambda: bce(x64, p64), lambda: bce(x32, p32, reduction="sum"),
        lambda: bce(x64, p64, reduction="none"), lambda: bce(x2d, p2d, pos_weight=pw),
        lambda: bce(x2d, p2d, weight=p64[:4, None], reduction="mean", axis=-1),
        lambda: bce(x64, p64, label_smoothing=0.1, out=loss_out),
        lambda: grad(x64, p64), lambda: lg(x2d, p2d, pos_weight=pw, reduction="sum"),
        lambda: sigfast.binary_cross_entropy(p64, p64), lambda: sigfast.sigmoid_focal_loss(x64, p64),
        # failing loss calls
        raises(TypeError, bce, cplx, p64), raises(TypeError, bce, x64, strs),
        raises(ValueError, bce, x64, p64[:3]), raises(ValueError, bce, x64, p64, reduction="avg"),
        raises(ValueError, bce, x64, p64, label_smoothing=2.0),
        raises(ValueError, bce, x64, p64, out=ro_out.reshape(16)[:0]),
        raises(ValueError, grad, x64, p64, reduction="bad"),
        raises(ValueError, sigfast.binary_cross_entropy, x64 + 5, p64),
    ]
    tracked = [x64, p64, out64, x32, p32, mask, ro_out, short_out, cplx, pw, x2d, p2d, loss_out]
    return ok_ufunc, loss_calls, bad_ufunc, tracked


def _run(ok_ufunc, loss_calls, bad_ufunc, rounds):
    nu, nl, nb = len(ok_ufunc), len(loss_calls), len(bad_ufunc)
    for i in range(rounds):
        ok_ufunc[i % nu]()
        loss_calls[i % nl]()
        bad_ufunc[i % nb]()


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc")
def test_no_growth_over_many_calls():
    ok_ufunc, loss_calls, bad_ufunc, tracked = _make_workload()
    _run(ok_ufunc, loss_calls, bad_ufunc, 20_000)            # warm-up: caches, arenas
    gc.collect()
    refs = [sys.getrefcount(a) for a in tracked]
    before = rss_bytes()
    _run(ok_ufunc, loss_calls, bad_ufunc, ROUNDS)
    gc.collect()
    after = rss_bytes()
    assert [sys.getrefcount(a) for a in tracked] == refs
    growth = after - before
    assert growth < 2 * MIB, f"RSS grew by {growth / MIB:.1f} MiB over {3 * ROUNDS} calls"


def test_ufunc_calls_release_results():
    """Each result is freed once dropped: the ufunc keeps no reference to it."""
    import weakref
    x = np.linspace(-3, 3, 16)
    for name in ALL:
        f = getattr(sigfast, name)
        r = f(*((x,) * f.nin))
        ref = weakref.ref(r)
        del r
        assert ref() is None, name
    loss = sigfast.binary_cross_entropy_with_logits(x, x, reduction="none")
    ref = weakref.ref(loss)
    del loss
    assert ref() is None


# ---------------------------------------------------------------------------
# inputs are never modified
# ---------------------------------------------------------------------------

def _snap(arrays):
    return [(a.dtype.str, a.shape, a.strides, a.tobytes()) for a in arrays]


def _strided_options(kw, shape):
    """The loss options matching the view [::-1, ::2] of arrays of ``shape``."""
    out = {}
    for k, v in kw.items():
        if np.ndim(v) == 2 and np.shape(v) == shape:
            out[k] = v[::-1, ::2]
        elif k == "weight":            # (rows, 1)
            out[k] = v[::-1]
        elif k == "pos_weight":        # (classes,)
            out[k] = v[::2]
        else:
            out[k] = v
    return out


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_inputs_never_modified(dtype):
    """Every ufunc (layouts, out=, where=, threads) and every loss (all options)
    leaves its inputs byte-for-byte unchanged."""
    n = 40_001                            # above the threading threshold
    calls = 0
    for name in ALL:
        f = getattr(sigfast, name)
        args = tuple(a.astype(dtype) for a in sample(name, np.float64, n))
        if name in UNARY:
            args = (np.concatenate([args[0][:-4], np.array([np.nan, np.inf, -np.inf, -0.0],
                                                           dtype)]),)
        snap = _snap(args)
        mask = np.arange(n) % 3 == 0
        with sigfast.num_threads(2):
            f(*args)
            f(*(a[::-2] for a in args))
            f(*(a.reshape(-1, 1)[:, :1].T for a in args))
            f(*args, out=np.empty(n, dtype))
            f(*args, where=mask, out=np.zeros(n, dtype))
            f(*args, dtype=np.float64)
        calls += 6
        assert _snap(args) == snap, name

    if dtype is np.float16:
        return
    z, y = (a.astype(dtype) for a in sample("bce_with_logits", np.float64, 4000))
    z2, y2 = z.reshape(400, 10), y.reshape(400, 10)
    w = np.linspace(0.1, 2, 400).astype(dtype).reshape(400, 1)
    pw = np.linspace(0.5, 3, 10).astype(dtype)
    pw_full = np.linspace(0.5, 3, 4000).astype(dtype).reshape(400, 10)
    snap = _snap([z2, y2, w, pw, pw_full])
    for red in ("none", "mean", "sum"):
        for kw in ({}, {"weight": w}, {"pos_weight": pw}, {"pos_weight": pw_full},
                   {"weight": w, "pos_weight": pw, "label_smoothing": 0.2}, {"axis": -1},
                   {"axis": 0, "weight": w}):
            if "axis" in kw and red == "none":
                continue
            sigfast.binary_cross_entropy_with_logits(z2, y2, reduction=red, **kw)
            sigfast.binary_cross_entropy_with_logits(z2[::-1, ::2], y2[::-1, ::2], reduction=red,
                                                     **_strided_options(kw, z2.shape))
            sigfast.binary_cross_entropy_with_logits_grad(z2, y2, reduction=red, **kw)
            sigfast.binary_cross_entropy_with_logits_loss_and_grad(z2, y2, reduction=red, **kw)
            calls += 4
        sigfast.binary_cross_entropy(sigfast.sigmoid(z2), y2, weight=w, reduction=red)
        sigfast.binary_cross_entropy(sigfast.sigmoid(z2), y2, reduction=red, eps=1e-6)
        sigfast.sigmoid_focal_loss(z2, y2, reduction=red)
        sigfast.sigmoid_focal_loss(z2, y2, alpha=-1, gamma=0.0, reduction=red)
    assert _snap([z2, y2, w, pw, pw_full]) == snap
    assert calls > 60
