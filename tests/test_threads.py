"""Thread-count API, environment variables, GIL release (fork: tests/test_fork.py;
the count rule: tests/test_thread_counts.py)."""
import os
import subprocess
import threading
import time

import numpy as np
import pytest

import sigfast
from sigfast._testing import PYTHON


OMP = sigfast._openmp.openmp_enabled()


def test_set_get_and_context_manager():
    before = sigfast.get_num_threads()
    prev = sigfast.set_num_threads(1)
    try:
        assert prev == before
        assert sigfast.get_num_threads() == 1
        with sigfast.num_threads(3):
            # a build without OpenMP always runs (and reports) one thread
            assert sigfast.get_num_threads() == (3 if OMP else 1)
        assert sigfast.get_num_threads() == 1
        assert sigfast.set_num_threads(-1) == 1        # -1: every available CPU
        assert sigfast.get_num_threads() == (sigfast._openmp.cpu_count() if OMP else 1)
    finally:
        sigfast.set_num_threads(None)
    assert sigfast.get_num_threads() == before


@pytest.mark.parametrize("bad", [1.5, "2", True])
def test_set_num_threads_rejects_non_int(bad):
    # ValueError, one rule with 0 (tests/test_thread_counts.py)
    with pytest.raises(ValueError):
        sigfast.set_num_threads(bad)


def _run(code, **env):
    full = dict(os.environ)
    for k in ("SIGFAST_NUM_THREADS", "OMP_NUM_THREADS", "SIGFAST_SIMD"):
        full.pop(k, None)
    full.update(env)
    r = subprocess.run([*PYTHON, "-c", code], env=full, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


@pytest.mark.skipif(not sigfast._openmp.openmp_enabled(), reason="built without OpenMP")
def test_environment_variables():
    code = "import sigfast; print(sigfast.get_num_threads())"
    assert _run(code, OMP_NUM_THREADS="3") == "3"
    assert _run(code, SIGFAST_NUM_THREADS="5", OMP_NUM_THREADS="3") == "5"
    assert _run(code, SIGFAST_NUM_THREADS="2") == "2"


def test_simd_env_forcing():
    from sigfast._dispatch import runnable_levels
    code = "import sigfast; print(sigfast.simd_level)"
    for lv in runnable_levels():
        assert _run(code, SIGFAST_SIMD=lv) == lv
    out = _run("import warnings, sigfast; print(sigfast.simd_level)", SIGFAST_SIMD="nosuchlevel")
    assert out == runnable_levels()[0]


def test_show_config(capsys):
    sigfast.show_config()
    out = capsys.readouterr().out
    assert sigfast.__version__ in out
    assert "OpenMP" in out and "SIMD active" in out and sigfast.simd_level in out


def test_many_python_threads_share_inputs():
    x = np.linspace(-30, 30, 300_001)
    want = sigfast.sigmoid(x)
    wantb = sigfast.bce_with_logits(x, np.full_like(x, 0.3))
    errors = []

    def work():
        for _ in range(5):
            if not np.array_equal(sigfast.sigmoid(x), want):
                errors.append("sigmoid")
            if not np.array_equal(sigfast.bce_with_logits(x, np.full_like(x, 0.3)), wantb):
                errors.append("bce")

    ts = [threading.Thread(target=work) for _ in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert errors == []


def test_gil_released_during_kernels():
    # A pure-Python counter thread can only advance while the main thread is
    # inside one long sigfast call if that call released the GIL.
    x = np.linspace(-5, 5, 20_000_000)
    y = np.empty_like(x)
    count = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            count[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    try:
        time.sleep(0.05)
        with sigfast.num_threads(1):
            c0 = count[0]
            sigfast.log_sigmoid(x, out=y)     # one call, tens of ms
            c1 = count[0]
    finally:
        stop.set()
        t.join()
    assert c1 - c0 > 1000
