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


# --- CLI polish (issue 24, item 5) ---

def test_cli_unknown_peer_is_a_clean_error(capsys):
    from sigfast.__main__ import main
    with pytest.raises(SystemExit) as exc:
        main(["--peers", "scipy,bogus", "--no-check"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "argument --peers: unknown peer 'bogus' (valid: scipy, torch, jax; '' for none)" in err
    assert "Traceback" not in err


def test_cli_peers_parsed():
    from sigfast.__main__ import parser
    assert parser().parse_args(["--peers", "torch, scipy,torch"]).peers == ["torch", "scipy"]
    assert parser().parse_args(["--peers", ""]).peers == []
    assert parser().parse_args([]).peers == list(_bench.PEERS)


@pytest.mark.parametrize("opt", ["--plot", "--json"])
def test_cli_output_in_a_missing_folder_fails_before_any_work(opt, tmp_path, monkeypatch, capsys):
    from sigfast import __main__ as cli
    ran = []
    monkeypatch.setattr(cli, "self_check", lambda: ran.append("check") or (True, {}))
    monkeypatch.setattr(_bench, "measure_isolated", lambda *a, **k: ran.append("bench") or [])
    target = tmp_path / "missing" / "out.png"
    with pytest.raises(SystemExit) as exc:
        cli.main([opt, str(target)])
    assert exc.value.code == 2 and ran == []
    err = capsys.readouterr().err
    assert f"argument {opt}: folder '{tmp_path / 'missing'}' of '{target}' does not exist" in err


def test_progress_line_fits_the_terminal_and_clears_longer_labels():
    out = io.StringIO()
    prog = _bench.Progress(force=True, stream=out, columns=80)
    prog(0, 3, "bce_with_logits_grad float64 n=1e6 threads=2 " + "x" * 60)
    prog(1, 3, "short")
    prog(3, 3, "")
    parts = out.getvalue().split("\r")
    assert parts[0] == "" and parts[-1] == ""
    # every write is exactly 79 columns: never wraps, always covers the last
    assert [len(p) for p in parts[1:-1]] == [79] * 4
    assert parts[1].startswith("[........................] 0/3 ")
    assert parts[2].rstrip().endswith("short") and parts[4] == " " * 79


def test_progress_width_follows_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    out = io.StringIO()
    _bench.Progress(force=True, stream=out)(1, 2, "y" * 100)
    assert out.getvalue() == "\r" + ("[############............] 1/2 "
                                     + out.getvalue()[32:])[:59]
    assert len(out.getvalue()) == 60


@pytest.mark.parametrize("before, after, cpus, threads, busy", [
    (0.2, 2.1, 2, [1, 2], []),          # idle: after counts our own 2 threads
    (0.3, 0.9, 16, [1, 16], []),
    (6.2, 7.9, 2, [1, 2], [1, 2]),      # the loaded 2-core machine of the issue
    (1.0, 1.5, 2, [1, 2], [2]),         # one other busy process: 2 threads share
    (0.1, 4.5, 2, [1, 2], [1, 2]),      # load arrived during the run
    (None, 3.0, 2, [1, 2], []),         # no load average (Windows)
])
def test_busy_threads(before, after, cpus, threads, busy):
    assert _bench.busy_threads(before, after, cpus, threads) == busy


def _fake_records(threads):
    return [{"func": "sigmoid", "dtype": "float32", "n": 1000, "threads": th,
             "gelems": {"sigfast": 1.0, "numpy": 0.5}, "speedup": {"numpy": 2.0}}
            for th in threads]


def test_cli_flags_the_table_on_a_busy_machine(monkeypatch, capsys, tmp_path):
    from sigfast import __main__ as cli
    loads = iter([6.2, 7.9])
    monkeypatch.setattr(_bench, "load_average", lambda: next(loads))
    monkeypatch.setattr(_bench, "measure_isolated",
                        lambda funcs, dtypes, sizes, threads, **k: _fake_records(threads))
    monkeypatch.setattr(_bench, "metadata", lambda peers: {"cpus": 2})
    js = tmp_path / "r.json"
    assert cli.main(["--no-check", "--peers", "", "--threads", "1,2", "--json", str(js)]) == 0
    out = capsys.readouterr().out
    rows = [ln for ln in out.splitlines() if ln.startswith("sigmoid ")]
    assert len(rows) == 2 and all(r.endswith(" !") for r in rows)
    assert ("WARNING: busy machine: load average 6.20 before and 7.90 after the "
            "benchmark, on 2 CPUs.  Rows marked '!' (threads = 1, 2)") in out
    import json
    assert json.loads(js.read_text())["load"] == {"before": 6.2, "after": 7.9, "cpus": 2,
                                                   "busy_threads": [1, 2]}


def test_cli_idle_machine_has_no_flag(monkeypatch, capsys):
    from sigfast import __main__ as cli
    loads = iter([0.1, 1.2])
    monkeypatch.setattr(_bench, "load_average", lambda: next(loads))
    monkeypatch.setattr(_bench, "measure_isolated",
                        lambda funcs, dtypes, sizes, threads, **k: _fake_records(threads))
    monkeypatch.setattr(_bench, "metadata", lambda peers: {"cpus": 2})
    assert cli.main(["--no-check", "--peers", "", "--threads", "1,2"]) == 0
    out = capsys.readouterr().out
    rows = [ln for ln in out.splitlines() if ln.startswith("sigmoid ")]
    assert len(rows) == 2 and not any(r.endswith("!") for r in rows)
    assert "busy machine" not in out


def test_contributing_says_the_editable_rebuild_is_silent():
    import pathlib
    text = (pathlib.Path(__file__).resolve().parent.parent / "CONTRIBUTING.md").read_text()
    assert "The first import after an edit rebuilds, silently." in text
    assert "MESONPY_EDITABLE_VERBOSE=1" in text
    assert "-Ceditable-verbose=true" in text


def test_cli_selects_functions_dtypes_levels_and_prints_markdown(monkeypatch, capsys):
    # what bench/compare_peers.py did, now python -m sigfast's options
    from sigfast import __main__ as cli
    seen = {}

    def fake(funcs, dtypes, sizes, threads, **kw):
        seen.update(funcs=funcs, dtypes=dtypes, sizes=sizes, levels=kw["levels"],
                    min_time=kw["min_time"])
        recs = _fake_records(threads)
        for r in recs:
            r["gelems"]["sigfast:baseline"] = 0.25
            r["speedup"]["sigfast:baseline"] = 4.0
        return recs

    monkeypatch.setattr(_bench, "measure_isolated", fake)
    monkeypatch.setattr(_bench, "load_average", lambda: None)
    assert cli.main(["--no-check", "--funcs", "sigmoid, silu", "--dtypes", "float32",
                     "--levels", "baseline", "--min-time", "0.01", "--sizes", "1e3",
                     "--threads", "1", "--peers", "", "--markdown"]) == 0
    assert seen == {"funcs": ["sigmoid", "silu"], "dtypes": ["float32"], "sizes": [1000],
                    "levels": ["baseline"], "min_time": 0.01}
    rows = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("|")]
    assert rows[0] == ("| function | dtype | n | threads | sigfast Gelem/s | "
                       "sigfast:baseline Gelem/s | numpy Gelem/s | xsigfast:baseline | xnumpy |")
    assert rows[2] == "| sigmoid | float32 | 1e3 | 1 | 1.000 | 0.250 | 0.500 | 4.00x | 2.00x |"
    with pytest.raises(SystemExit):
        cli.parser().parse_args(["--funcs", "sigmoid,tanh"])
    assert "unknown function 'tanh'" in capsys.readouterr().err
