"""The fused loss on small stacks (issue 12, item 4).

* Item 4: the fused pass keeps its block buffers on the heap, so the loss and
  its gradient run in a thread with a 64 KiB stack and under
  ``OMP_STACKSIZE=64K``, with 1 and 2 threads, and give the main thread's
  values bit for bit (before, about 64 KiB of stack buffers per call crashed
  with SIGSEGV).  Each run is a subprocess under a timeout, so a crash fails
  the test instead of killing pytest.
"""
import json
import os
import subprocess

import pytest

from sigfast import _openmp
from sigfast._testing import PYTHON

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
