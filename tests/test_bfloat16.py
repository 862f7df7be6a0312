"""bfloat16 loops (ml_dtypes): bf16 in, bf16 out, computed in float32 and
rounded once; skipped cleanly without ml_dtypes.

Every one of the 65536 bfloat16 inputs, for every ufunc (binary ones: all
logits against a set of targets), at every SIMD level: within the
registry's ``max_ulp["bfloat16"]`` (1 bfloat16 ulp) of the exact value --
the float64 loop's result, which is within 0.7 float64 ulp and so exact at
bfloat16's 8 bits -- and monotone wherever the registry says the function
is.  Plus special values, layouts, and the losses (computed in float32).
"""
import subprocess

import numpy as np
import pytest

import sigfast
from sigfast import _dispatch
from sigfast._registry import BINARY, BY_NAME, NAMES, UNARY
from sigfast._testing import PYTHON, ulp_errors

ml_dtypes = pytest.importorskip("ml_dtypes")
BF = np.dtype(ml_dtypes.bfloat16)
ALL = np.arange(1 << 16, dtype=np.uint16).view(BF)       # every bfloat16 value
#: targets the binary ufuncs are swept against (all bfloat16-exact)
TARGETS = (0.0, 0.25, 0.5, 1.0, 0.75, 0.1015625)
LEVELS = _dispatch.runnable_levels()


def exact(name, *args):
    with np.errstate(all="ignore"):
        return getattr(sigfast, name)(*[a.astype(np.float64) for a in args])


def same_bf16(a, b):
    """Bit-equal bfloat16 arrays, any NaN equal to any NaN."""
    na, nb = np.isnan(a.astype(np.float32)), np.isnan(b.astype(np.float32))
    return np.array_equal(na, nb) and np.array_equal(a.view(np.uint16)[~na],
                                                     b.view(np.uint16)[~nb])


def check_monotone(x, got, pieces):
    # x ascending within each piece: results never step the wrong way
    with np.errstate(invalid="ignore"):
        xf = x.astype(np.float32).astype(np.float64)
        gf = got.astype(np.float32).astype(np.float64)
    for lo, hi, sign in pieces:
        keep = (xf >= lo) & (xf <= hi) & ~np.isnan(gf)
        g = gf[keep][np.argsort(xf[keep], kind="stable")]
        with np.errstate(invalid="ignore"):
            steps = np.where(g[1:] == g[:-1], 0.0, (g[1:] - g[:-1]) * sign)  # inf == inf: 0
        assert np.all(steps >= 0), (lo, hi, sign, np.sort(xf[keep])[np.flatnonzero(steps < 0)[:3]])


@pytest.mark.parametrize("name", UNARY)
def test_unary_all_inputs(name):
    want = exact(name, ALL)
    bound = BY_NAME[name].max_ulp["bfloat16"]
    for level in LEVELS:
        f = getattr(_dispatch.load(level), name)
        got = f(ALL)
        assert got.dtype == BF
        err = ulp_errors(got, want, np.zeros_like(want), BF)
        i = int(np.argmax(err))
        assert err[i] <= bound, (level, name, ALL[i], got[i], want[i], err[i])
        # computed in float32, rounded once (to nearest even, as ml_dtypes)
        with np.errstate(all="ignore"):
            assert same_bf16(got, f(ALL.astype(np.float32)).astype(BF)), (level, name)
        check_monotone(ALL, got, BY_NAME[name].monotone)


@pytest.mark.parametrize("name", BINARY)
def test_binary_all_logits_against_targets(name):
    bound = BY_NAME[name].max_ulp["bfloat16"]
    pieces = dict(BY_NAME[name].monotone)
    for t in TARGETS:
        y = np.full(ALL.size, t, BF)
        want = exact(name, ALL, y)
        for level in LEVELS:
            got = getattr(_dispatch.load(level), name)(ALL, y)
            assert got.dtype == BF
            err = ulp_errors(got, want, np.zeros_like(want), BF)
            i = int(np.argmax(err))
            assert err[i] <= bound, (level, name, t, ALL[i], got[i], want[i], err[i])
            if t in pieces:
                check_monotone(ALL, got, pieces[t])


@pytest.mark.parametrize("name", NAMES)
def test_registry_special_values(name):
    for level in LEVELS:
        f = getattr(_dispatch.load(level), name)
        for args, want in BY_NAME[name].special:
            got = f(*[np.array(a, BF) for a in args])
            assert got.dtype == BF
            g, w = np.float32(got), np.float32(want)
            assert (np.isnan(g) and np.isnan(w)) or (
                g == w and np.signbit(g) == np.signbit(w)), (level, name, args, got, want)


def test_nan_stays_nan():
    # every NaN bit pattern (quiet and signalling, both signs) gives NaN, never inf
    nans = ALL[np.isnan(ALL.astype(np.float32))]
    assert nans.size == 2 * 127                   # sign x non-zero 7-bit payload
    for name in UNARY:
        assert np.all(np.isnan(getattr(sigfast, name)(nans).astype(np.float32))), name


def test_layouts_out_where_and_in_place():
    x = ALL[::7]
    base = sigfast.silu(x)
    assert same_bf16(sigfast.silu(x[::-1]), base[::-1])
    assert same_bf16(sigfast.silu(ALL)[::7], base)          # strided equals contiguous
    out = np.zeros(x.size, BF)
    mask = np.arange(x.size) % 3 == 0
    sigfast.silu(x, out=out, where=mask)
    assert same_bf16(out[mask], base[mask]) and np.all(out[~mask].astype(np.float32) == 0)
    xc = x.copy()
    sigfast.silu(xc, out=xc)
    assert same_bf16(xc, base)
    z = ALL[::5]
    y = np.resize(np.array(TARGETS, BF), z.size)
    assert same_bf16(sigfast.bce_with_logits(z[::-1], y[::-1]),
                     sigfast.bce_with_logits(z, y)[::-1])


def test_mixed_dtypes_follow_numpy():
    # bf16 with float32 (or a Python float, not weak for user dtypes) runs
    # the float32 loop, as np.add does
    x = np.array([-1.0, 0.0, 2.0], BF)
    assert sigfast.bce_with_logits(x, np.ones(3, np.float32)).dtype == np.float32
    assert np.add(x, np.ones(3, np.float32)).dtype == np.float32
    assert sigfast.sigmoid(x, dtype=np.float32).dtype == np.float32
    assert sigfast.sigmoid(x.astype(np.float64)).dtype == np.float64


def test_losses_accept_bfloat16_computed_in_float32():
    rng = np.random.default_rng(3)
    z = (rng.standard_normal((64, 5)) * 4).astype(BF)
    y = (rng.random((64, 5)) < 0.5).astype(BF)
    z32, y32 = z.astype(np.float32), y.astype(np.float32)
    for red in ("none", "mean", "sum"):
        for f in (sigfast.binary_cross_entropy_with_logits,
                  sigfast.binary_cross_entropy_with_logits_grad):
            got = f(z, y, reduction=red, pos_weight=np.float32(2.0))
            want = f(z32, y32, reduction=red, pos_weight=np.float32(2.0))
            assert np.asarray(got).dtype == np.float32
            np.testing.assert_array_equal(got, want)
        p = sigfast.sigmoid(z)
        assert np.asarray(sigfast.binary_cross_entropy(p, y, reduction=red)).dtype == np.float32
        np.testing.assert_array_equal(sigfast.binary_cross_entropy(p, y, reduction=red),
                                      sigfast.binary_cross_entropy(p.astype(np.float32), y32,
                                                                   reduction=red))
        np.testing.assert_array_equal(sigfast.sigmoid_focal_loss(z, y, reduction=red),
                                      sigfast.sigmoid_focal_loss(z32, y32, reduction=red))


def test_scipy_named_ufuncs_have_bfloat16_loops():
    # expit and log_expit are ufunc objects of their own: they get the loop too
    for alias, name in (("expit", "sigmoid"), ("log_expit", "log_sigmoid")):
        got = getattr(sigfast, alias)(ALL[:4096])
        assert got.dtype == BF
        assert same_bf16(got, getattr(sigfast, name)(ALL[:4096]))


def test_registration_is_idempotent():
    mod = _dispatch.active().ufuncs
    mod.register_bfloat16(BF.num)                 # a second call changes nothing
    assert same_bf16(mod.sigmoid(ALL[:100]), sigfast.sigmoid(ALL[:100]))


def _child(code):
    """Run ``code`` in a fresh interpreter; it must succeed."""
    r = subprocess.run([*PYTHON, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_sigfast_works_without_ml_dtypes():
    # ml_dtypes blocked: sigfast imports, its float loops work, no bfloat16
    code = ("import sys; sys.modules['ml_dtypes'] = None\n"
            "import numpy as np, sigfast\n"
            "from sigfast import _dispatch\n"
            "assert _dispatch.bfloat16_dtype() is None\n"
            "assert _dispatch.active().ufuncs._bf16_typenum is None\n"
            "assert sigfast.sigmoid(np.float32(0)) == 0.5\n"
            "assert 'ml_dtypes' not in sys.modules or sys.modules['ml_dtypes'] is None\n")
    _child(code)


def test_dask_losses_accept_bfloat16():
    da = pytest.importorskip("dask.array")
    z = np.linspace(-5, 5, 100).astype(BF)
    y = (np.arange(100) % 2).astype(BF)
    dz, dy = da.from_array(z, chunks=30), da.from_array(y, chunks=30)
    for red in ("none", "mean", "sum"):
        got = sigfast.binary_cross_entropy_with_logits(dz, dy, reduction=red).compute()
        want = sigfast.binary_cross_entropy_with_logits(z, y, reduction=red)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-6)


# --- import cost: sigfast never imports ml_dtypes itself (issue 24, item 1) ---

#: Run first in each child: an editable install rebuilds (a ninja run,
#: 0.1-0.2 s) inside the import of sigfast; doing it beforehand keeps it out
#: of sigfast's import-time figures.  A no-op for an installed wheel.
_PREBUILD = ("import sys\n"
             "for _f in sys.meta_path:\n"
             "    if hasattr(_f, '_rebuild'):\n"
             "        _f._rebuild()\n"
             "        break\n")


def test_import_does_not_import_ml_dtypes():
    code = (_PREBUILD
            + "import numpy as np, sigfast\n"
              "from sigfast import _dispatch\n"
              "assert 'ml_dtypes' not in sys.modules\n"
              "assert _dispatch.active().ufuncs._bf16_typenum is None\n"
              # the user imports it later: the loops are there at once,
              # the hook is gone, and a kernel module loaded afterwards gets them too
              "import ml_dtypes\n"
              "bf = np.dtype(ml_dtypes.bfloat16)\n"
              "assert _dispatch.active().ufuncs._bf16_typenum == bf.num\n"
              "assert not any(type(f).__name__ == '_Bfloat16Hook' for f in sys.meta_path)\n"
              "y = sigfast.sigmoid(np.array([0, 1, -1], bf))\n"
              "assert y.dtype == bf, y.dtype\n"
              "assert y.astype(np.float32).tolist() == [0.5, 0.73046875, 0.26953125], y\n"
              "z = sigfast.bce_with_logits(np.array([0.0], bf), np.array([1.0], bf))\n"
              "assert z.dtype == bf and float(z[0]) == 0.69140625, z\n"
              "lv = _dispatch.runnable_levels()[-1]\n"
              "assert _dispatch.load(lv).sigmoid(np.array([0], bf)).dtype == bf\n")
    _child(code)


def test_import_with_ml_dtypes_already_imported_registers_at_once():
    code = ("import sys, numpy as np, ml_dtypes, sigfast\n"
            "from sigfast import _dispatch\n"
            "bf = np.dtype(ml_dtypes.bfloat16)\n"
            "assert _dispatch.active().ufuncs._bf16_typenum == bf.num\n"
            "assert _dispatch._HOOK is None\n"
            "assert sigfast.logit(np.array([0.5], bf)).tolist() == [0.0]\n")
    _child(code)


def _importtime(code):
    """{module: cumulative microseconds} from ``python -X importtime``."""
    r = subprocess.run([*PYTHON, "-X", "importtime", "-c", code],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    cum = {}
    for line in r.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, c, name = line.split("|")
            if c.strip().isdigit():
                cum[name.strip()] = int(c)
    return cum


def test_import_time_stays_near_numpy():
    # What sigfast adds to numpy's own import, from the same process's
    # cumulative figures (numpy is imported inside sigfast's import).  With
    # ml_dtypes imported it was 1.1-1.6 s on the 2-core test machine; without
    # it 10-27 ms.  The best of a few runs absorbs a loaded machine's noise:
    # one unloaded run suffices.
    extra = []
    for _ in range(5):
        cum = _importtime(_PREBUILD + "import sigfast")
        assert "ml_dtypes" not in cum
        extra.append((cum["sigfast"] - cum["numpy"]) / 1e3)
        if extra[-1] < 30:
            break
    assert min(extra) < 30, f"import sigfast costs {extra} ms more than import numpy"
