"""The fused loss on small stacks, and the floating-point state it leaves
(issue 12, items 4 and 5).

* Item 4: the fused pass keeps its block buffers on the heap, so the loss and
  its gradient run in a thread with a 64 KiB stack and under
  ``OMP_STACKSIZE=64K``, with 1 and 2 threads, and give the main thread's
  values bit for bit (before, about 64 KiB of stack buffers per call crashed
  with SIGSEGV).  Each run is a subprocess under a timeout, so a crash fails
  the test instead of killing pytest.
* Item 5: a loss call leaves the calling thread's floating-point exception
  flags exactly as it found them, as the ufunc loops do (before, the fused
  pass left FE_UNDERFLOW / FE_INEXACT raised), and no loss call raises under
  ``np.errstate(all="raise")`` (before: underflow in casts and axis means,
  overflow in sums, underflow in the focal factor and the probability loss).
  Flags are read through libm's ``fetestexcept`` (ctypes), treated as opaque
  bits: none, the lowest one, all of them.
"""
import itertools
import json
import os
import subprocess
import warnings

import numpy as np
import pytest

import sigfast
from sigfast import _dispatch, _openmp
from sigfast._testing import PYTHON
from sigfast._testing.fpflags import ALL, ANY, LIBM, SENTINELS, flags_after

# ---------------------------------------------------------------------------
# item 4: small stacks
# ---------------------------------------------------------------------------

# Run in the test process (the reference: main thread, default stacks) and in
# subprocesses.  results(nt) maps each call to a hash of its output bytes.
CASES = r'''
import hashlib
import itertools
import threading

import numpy as np
import sigfast


def _h(a):
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:20]


def results(nt):
    out = {}
    rng = np.random.default_rng(2024)
    # 143 x 7 stays on the calling thread; 10001 x 7 = 70007 elements is above
    # the threading threshold (PAR_MIN = 32768) with 2 threads, and 35 blocks
    for rows in (143, 10001):
        shape = (rows, 7)
        for dt in (np.float32, np.float64):
            z = (rng.standard_normal(shape) * 6).astype(dt)
            z[0, :4] = [np.inf, -np.inf, 200, -200]
            y = rng.random(shape).astype(dt)
            w = rng.random(shape).astype(dt)
            pw = (rng.random(7) * 3).astype(dt)
            options = {"plain": {}, "weight": dict(weight=w), "wscalar": dict(weight=0.5),
                       "pos_weight": dict(pos_weight=pw), "smooth": dict(label_smoothing=0.1),
                       "all": dict(weight=w, pos_weight=pw, label_smoothing=0.2)}
            with sigfast.num_threads(nt):
                for (oname, kw), red in itertools.product(options.items(),
                                                          ("mean", "sum", "none", "axis")):
                    kw = dict(kw, reduction="mean", axis=-1) if red == "axis" else dict(
                        kw, reduction=red)
                    key = f"{rows}/{np.dtype(dt).name}/{oname}/{red}"
                    out["loss/" + key] = _h(sigfast.binary_cross_entropy_with_logits(z, y, **kw))
                    out["grad/" + key] = _h(
                        sigfast.binary_cross_entropy_with_logits_grad(z, y, **kw))
                    lg = sigfast.binary_cross_entropy_with_logits_loss_and_grad(z, y, **kw)
                    out["lg/" + key] = _h(lg[0]) + _h(lg[1])
                # the ufunc loops' stack buffers too (strided: gathered blocks)
                key = f"{rows}/{np.dtype(dt).name}"
                for f in (sigfast.sigmoid, sigfast.softplus):
                    out[f"{f.__name__}/{key}"] = _h(f(z)) + _h(f(z[:, ::-2]))
                out[f"bce/{key}"] = _h(sigfast.bce_with_logits(z, y)) + _h(
                    sigfast.bce_with_logits(z[::-3], y[::-3]))
    return out


def in_small_thread(func, *args):
    # threading.stack_size applies to threads started after it is set
    box = {}

    def target():
        try:
            box["value"] = func(*args)
        except BaseException as e:          # re-raised in the caller
            box["error"] = e

    old = threading.stack_size(64 * 1024)
    try:
        t = threading.Thread(target=target)
        t.start()
        t.join()
    finally:
        threading.stack_size(old)
    if "error" in box:
        raise box["error"]
    return box["value"]
'''

_ns = {}
exec(CASES, _ns)

OMP = _openmp.openmp_enabled()


@pytest.fixture(scope="module")
def reference():
    ref = _ns["results"](1)
    # the premise the small-stack runs are compared with: one value for any
    # thread count
    assert _ns["results"](2) == ref
    return ref


def run_cases(where, env=None, timeout=300):
    """results(1) and results(2), computed in a subprocess ``where`` = "main"
    (its main thread) or "thread" (a thread with a 64 KiB stack)."""
    call = ("in_small_thread(results, {nt})" if where == "thread" else "results({nt})")
    code = ("import json\n" + CASES + "\nprint(json.dumps({"
            + ", ".join(f"'{nt}': " + call.format(nt=nt) for nt in (1, 2)) + "}))")
    full = dict(os.environ)
    for k in ("SIGFAST_NUM_THREADS", "OMP_NUM_THREADS", "OMP_STACKSIZE", "GOMP_STACKSIZE"):
        full.pop(k, None)
    full.update(env or {})
    try:
        r = subprocess.run([*PYTHON, "-c", code], env=full, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"timed out after {timeout} s ({where}, env {env})")
    assert r.returncode == 0, (f"exit status {r.returncode} ({where}, env {env}; -11 is "
                               f"SIGSEGV):\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def assert_same(got, ref):
    for nt, res in got.items():
        diff = sorted(k for k in ref if res.get(k) != ref[k])
        assert not diff, f"{len(diff)} results differ with {nt} thread(s), e.g. {diff[:5]}"
        assert res.keys() == ref.keys()


def test_loss_in_thread_with_64k_stack(reference):
    assert_same(run_cases("thread"), reference)


@pytest.mark.skipif(not OMP, reason="built without OpenMP: no worker threads")
@pytest.mark.parametrize("where", ["main", "thread"])
def test_loss_with_omp_stacksize_64k(reference, where):
    # OpenMP's workers get 64 KiB stacks; the calling thread works too
    assert_same(run_cases(where, {"OMP_STACKSIZE": "64K"}), reference)


# ---------------------------------------------------------------------------
# item 5: floating-point flags and warnings
# ---------------------------------------------------------------------------

needs_fenv = pytest.mark.skipif(LIBM is None, reason="no fetestexcept to call through ctypes")


def check_call(call):
    """Assert ``call`` leaves every sentinel exactly and raises nothing;
    return its result."""
    result = None
    for s in SENTINELS:
        got, result = flags_after(call, s)
        assert got == s, f"flags {got:#x} after the call, {s:#x} before"
    return result


def special_inputs(dt, reps=1):
    """Logits x targets over the special values (a (7 reps, 21) grid)."""
    fi = np.finfo(dt)
    # NumPy scalars of dt: float() would turn long double's extremes into 0 and inf
    sub, big = fi.smallest_subnormal, fi.max
    zs = [0.0, -0.0, sub, -sub, fi.tiny, 1.0, -1.0, 15.0, -15.0, 40, -40, 100, -100,
          800, -800, 1e30, -1e30, big, -big, np.inf, -np.inf]
    ys = [0.0, 1.0, 0.5, sub, 1 - fi.eps, fi.eps, 0.25]
    with np.errstate(all="ignore"):
        z, y = np.meshgrid(np.array(zs, dt), np.array(ys, dt))
    return np.ascontiguousarray(np.tile(z, (reps, 1))), np.ascontiguousarray(np.tile(y, (reps, 1)))


LOSS_DTYPES = (np.float16, np.float32, np.float64, np.longdouble)


@needs_fenv
def test_sentinels_are_flags():
    # the harness itself: the flags it sets are seen, and cleared
    assert ALL != 0
    for s in SENTINELS:
        LIBM.feclearexcept(ANY)
        LIBM.feraiseexcept(s)
        assert LIBM.fetestexcept(ANY) == s
    LIBM.feclearexcept(ANY)


@needs_fenv
@pytest.mark.parametrize("level", _dispatch.runnable_levels())
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_fused_pass_restores_flags(level, dt):
    fused = _dispatch.load_fused(level)
    one = np.ones(1, dt)
    for reps, nt in ((1, 1), (240, 1), (240, 2)):     # 240 x 147 > PAR_MIN: 2 threads
        z, y = special_inputs(dt, reps)
        C = z.shape[1]
        z, y = z.reshape(-1), y.reshape(-1)     # the pass takes flat arrays
        w = np.linspace(0, 3, z.size).astype(dt)
        pw = np.linspace(0, 5, C).astype(dt)
        with sigfast.num_threads(nt):
            for ww, pww, ls, lo, go in itertools.product(
                    (one, np.array([0.5], dt), w), (one, np.array([2.0], dt), pw), (0.0, 0.2),
                    (False, True), (False, True)):
                L = np.empty_like(z) if lo else None
                G = np.empty_like(z) if go else None
                total = check_call(lambda: fused.bce_fused_pass(z, y, ww, pww, ls, L, G, 0.5))
                # infinite logits with the opposite target: an infinite total
                assert total == np.inf


def loss_calls(dt, reps=1):
    """(label, zero-argument call) for every loss function and option combination."""
    z, y = special_inputs(dt, reps)
    fi = np.finfo(dt)
    shape, C = z.shape, z.shape[1]
    weights = {"none": None, "scalar": 2.0, "subnormal": fi.smallest_subnormal,
               "array": np.linspace(0, 3, z.size).reshape(shape).astype(dt),
               "large": np.full(shape, fi.max / 4, dt),
               "f64": np.full(shape, 1e-300)}          # cast to a small dtype: underflow
    pws = {"none": None, "scalar": 3.0, "class": np.linspace(0, 5, C).astype(dt)}
    reductions = [dict(reduction="mean"), dict(reduction="sum"), dict(reduction="none"),
                  dict(reduction="mean", axis=-1), dict(reduction="sum", axis=0),
                  dict(reduction="mean", axis=(0, 1))]
    fns = {"loss": sigfast.binary_cross_entropy_with_logits,
           "grad": sigfast.binary_cross_entropy_with_logits_grad,
           "lg": sigfast.binary_cross_entropy_with_logits_loss_and_grad}
    for (fname, f), (wn, w), (pn, pw), ls, red in itertools.product(
            fns.items(), weights.items(), pws.items(), (0.0, 0.1), reductions):
        yield (f"{fname} w={wn} pw={pn} ls={ls} {red}",
               lambda f=f, kw=dict(red, weight=w, pos_weight=pw, label_smoothing=ls):
               f(z, y, **kw))
    with np.errstate(all="ignore"):         # long double's max overflows float64
        p = np.abs(np.tanh(np.nan_to_num(z.astype(np.float64)))).astype(dt)
    p.flat[:4] = [0, 1, fi.smallest_subnormal, 1 - fi.eps]
    for (wn, w), red, eps in itertools.product(weights.items(), ("mean", "sum", "none"),
                                               (None, 1e-7)):
        yield (f"probs w={wn} {red} eps={eps}",
               lambda kw=dict(weight=w, reduction=red, eps=eps):
               sigfast.binary_cross_entropy(p, y, **kw))
    for red, alpha, gamma in itertools.product(("mean", "sum", "none"), (0.25, -1),
                                               (0.0, 0.5, 2.0)):
        yield (f"focal {red} alpha={alpha} gamma={gamma}",
               lambda kw=dict(alpha=alpha, gamma=gamma, reduction=red):
               sigfast.sigmoid_focal_loss(z, y, **kw))


@needs_fenv
@pytest.mark.parametrize("dt", LOSS_DTYPES, ids=lambda d: np.dtype(d).name)
def test_loss_calls_restore_flags_and_never_warn(dt):
    for label, call in loss_calls(dt):
        try:
            check_call(call)
        except (FloatingPointError, RuntimeWarning, AssertionError) as e:
            raise AssertionError(f"{np.dtype(dt).name} {label}: {e}") from e


@needs_fenv
def test_threaded_loss_calls_restore_flags():
    # above the threading threshold with 2 threads: the caller's flags only
    # (the OpenMP workers keep theirs)
    with sigfast.num_threads(2):
        for label, call in itertools.islice(loss_calls(np.float64, reps=300), 0, None, 7):
            try:
                check_call(call)
            except (FloatingPointError, RuntimeWarning, AssertionError) as e:
                raise AssertionError(f"{label}: {e}") from e


def test_special_values_under_errstate_raise():
    # The documented values, computed with every floating-point error trapped.
    for dt in (np.float32, np.float64):
        fi = np.finfo(dt)
        z = np.array([np.inf, -np.inf, fi.max, -fi.max, 800, -800, fi.smallest_subnormal, 0], dt)
        y = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.5, 1.0], dt)
        with np.errstate(all="raise"), warnings.catch_warnings():
            warnings.simplefilter("error")
            loss = sigfast.binary_cross_entropy_with_logits(z, y, reduction="none")
            grad = sigfast.binary_cross_entropy_with_logits_grad(z, y, reduction="none")
            assert loss[0] == 0 and loss[1] == 0          # matching infinite logits
            assert np.all(np.isfinite(loss)) and np.all(np.isfinite(grad))
            assert np.array_equal(loss, sigfast.bce_with_logits(z, y))
            # the sum of huge terms overflows to inf without a warning, with
            # or without axis, as the ufuncs' values do
            big = np.full(4, fi.max / 2, dt)
            assert sigfast.binary_cross_entropy_with_logits(
                -big, np.ones(4, dt), reduction="sum") == np.inf
            assert sigfast.binary_cross_entropy_with_logits(
                -big, np.ones(4, dt), reduction="sum", axis=0) == np.inf
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        # NaN in, NaN out, still without a warning
        got = sigfast.binary_cross_entropy_with_logits(np.array([np.nan, 1.0]),
                                                       np.array([1.0, np.nan]),
                                                       reduction="none")
        assert np.isnan(got).all()
        assert np.isnan(sigfast.sigmoid_focal_loss(np.array([np.nan]), np.array([1.0]))).all()


def test_masked_and_dask_losses_never_warn():
    z, y = special_inputs(np.float64)
    zm = np.ma.MaskedArray(z, mask=np.arange(z.size).reshape(z.shape) % 5 == 0)
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        for f in (sigfast.binary_cross_entropy_with_logits,
                  sigfast.binary_cross_entropy_with_logits_grad, sigfast.sigmoid_focal_loss):
            f(zm, y, reduction="mean")          # must not raise
            got = f(zm, y, reduction="none")
            want = f(z, y, reduction="none")
            assert np.array_equal(np.ma.getdata(got)[~zm.mask], want[~zm.mask], equal_nan=True)
    da = pytest.importorskip("dask.array")
    zd = da.from_array(z, chunks=(3, 7))
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        got = sigfast.binary_cross_entropy_with_logits(zd, y, reduction="none").compute(
            scheduler="sync")
        want = sigfast.binary_cross_entropy_with_logits(z, y, reduction="none")
        assert got.tobytes() == want.tobytes()
        got = sigfast.sigmoid_focal_loss(zd, y, reduction="none").compute(scheduler="sync")
        assert got.tobytes() == sigfast.sigmoid_focal_loss(z, y, reduction="none").tobytes()


@needs_fenv
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_fused_pass_restores_flags_while_serial(dt):
    # Regression: with the kernels in their serial period (a team thread was
    # late), plan_threads reads the clock, whose arithmetic raises inexact;
    # the fused pass captured the flags after it and so left inexact behind.
    fused = _dispatch.load_fused(_dispatch.runnable_levels()[0])
    z, y = (a.reshape(-1) for a in special_inputs(dt, 240))
    one = np.ones(1, dt)
    try:
        _openmp._reset_load_state()
        _openmp._report_for_test(wait=0.0, serial=1e-3)          # the cold call
        assert not _openmp._report_for_test(wait=2e-3, serial=1e-3)
        with sigfast.num_threads(2):
            check_call(lambda: fused.bce_fused_pass(z, y, one, one, 0.0, None, None, 0.5))
    finally:
        _openmp._reset_load_state()
