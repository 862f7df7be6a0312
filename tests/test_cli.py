"""`python -m sigfast` and the measurement engine in sigfast._bench.

Value assertions only: nothing here depends on how fast anything runs.
"""
import io
import math
import subprocess

import numpy as np
import pytest

import sigfast
from sigfast import _bench
from sigfast._testing import PYTHON



def test_cli_self_check_passes():
    proc = subprocess.run(
        [*PYTHON, "-m", "sigfast", "--quick", "--sizes", "1000", "--no-bench"],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    for name in sigfast.UFUNCS:
        assert any(ln.split()[:2] == ["PASS", name] for ln in lines), (name, proc.stdout)
    assert "FAIL" not in proc.stdout
    assert "SIMD active" in proc.stdout          # show_config() ran
    assert "Speed-ups" not in proc.stdout        # --no-bench: no table


def test_cli_help():
    proc = subprocess.run([*PYTHON, "-m", "sigfast", "--help"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    for opt in ("--quick", "--sizes", "--threads", "--plot", "--json", "--no-bench"):
        assert opt in proc.stdout


def test_self_check_detects_a_wrong_result(monkeypatch):
    from sigfast import _selfcheck
    monkeypatch.setitem(_selfcheck.REFS, "softplus",
                        lambda x: (np.maximum(x, 0) + 1, np.zeros_like(x)))
    ok, res = _selfcheck.self_check(stream=io.StringIO(), levels=[sigfast.simd_level])
    assert not ok
    assert not res["functions"]["softplus"]["ok"]
    assert res["functions"]["sigmoid"]["ok"]


def test_interleaved_timer_returns_positive_finite_numbers():
    x = np.ones(100)
    t = _bench.time_interleaved({"a": lambda: x.sum(), "b": lambda: None},
                                n_elems=100, rounds=3, min_time=1e-4)
    for name in ("a", "b"):
        assert len(t.samples[name]) == 3
        assert all(s > 0 and math.isfinite(s) for s in t.samples[name])
        assert t.seconds[name] > 0 and math.isfinite(t.seconds[name])
        assert t.gelems[name] > 0 and math.isfinite(t.gelems[name])
        assert t.numbers[name] >= 1
    r = t.speedup("a", "b")
    assert r > 0 and math.isfinite(r)
    assert set(t.ratios("a")) == {"b"}


def test_registry_covers_every_ufunc_and_numpy_expressions_agree():
    assert set(_bench.UFUNC_NAMES) == set(sigfast.UFUNCS)
    for name in _bench.UFUNC_NAMES:
        f = _bench.COMPARE[name]
        for dt in _bench.DTYPES:
            args = _bench.make_inputs(name, dt, 1000)
            assert all(a.dtype == dt and a.shape == (1000,) for a in args)
            out = np.empty(1000, dt)
            with np.errstate(all="ignore"):
                ref = f.numpy(*args, out)
            assert ref is out
            got = getattr(sigfast, name)(*args)
            tol = 1e-4 if dt == "float32" else 1e-10
            np.testing.assert_allclose(got, ref, rtol=tol, atol=tol, err_msg=name)


def test_measure_one_record():
    r = _bench.measure_one("sigmoid", "float32", 1000, peers=(), rounds=2,
                           min_time=1e-4)
    assert r["func"] == "sigmoid" and r["n"] == 1000
    assert set(r["gelems"]) == {"sigfast", "numpy"}
    assert r["speedup"]["numpy"] > 0 and math.isfinite(r["speedup"]["numpy"])


@pytest.mark.parametrize("argv, message", [
    (["--sizes", "abc"], "expected comma-separated sizes like 1e5,1e6, got 'abc'"),
    (["--sizes", "0"], "sizes must be positive, got '0'"),
    (["--sizes", ","], "sizes must be positive, got ','"),
    (["--threads", "x"], "expected comma-separated thread counts or 'default', got 'x'"),
    (["--threads", "0"], "thread counts must be >= 1, got 0"),
    (["--threads", ","], "no thread count given"),
    (["--rounds", "1.5"], "expected an integer, got '1.5'"),
    (["--rounds", "0"], "must be >= 1, got 0"),
])
def test_cli_bad_arguments_are_clean_errors(argv, message, capsys):
    from sigfast.__main__ import main
    with pytest.raises(SystemExit) as exc:
        main(argv + ["--no-bench", "--no-check"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m sigfast")
    assert message in err and argv[0] in err


def test_cli_bad_argument_in_a_real_process_has_no_traceback():
    proc = subprocess.run([*PYTHON, "-m", "sigfast", "--threads", "-3"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert "argument --threads: thread counts must be >= 1, got -3" in proc.stderr


def test_cli_no_check_says_skipped():
    proc = subprocess.run([*PYTHON, "-m", "sigfast", "--no-check", "--no-bench"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("self-check skipped (--no-check); ")
    assert "all checks passed" not in proc.stdout and "PASS" not in proc.stdout
    assert "SIMD active" in proc.stdout           # the configuration still printed
