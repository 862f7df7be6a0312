"""tools/accuracy_table.py: normal-range and subnormal-range errors apart.

The peers' enormous ulp figures come only from results that are subnormal
(they flush them to 0); on normal-range results they are within a few ulp.
The script's two tables must show exactly that split.
"""
import contextlib
import importlib.util
import io
import pathlib

import numpy as np
import pytest

pytest.importorskip("mpmath")

SCRIPT = pathlib.Path(__file__).resolve().parent.parent / "tools" / "accuracy_table.py"
pytestmark = pytest.mark.skipif(not SCRIPT.is_file(), reason="needs tools/ next to tests/")


def load():
    spec = importlib.util.spec_from_file_location("accuracy_table", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_split_max():
    mod = load()
    tiny = float(np.finfo(np.float64).tiny)
    hi = np.array([1.0, 0.0, tiny / 4, -tiny / 8, np.inf])
    err = np.array([0.4, 0.0, 7.0, 9.0, 0.0])
    assert mod.split_max(err, hi, np.float64) == (0.4, 9.0)
    assert mod.split_max(err[:2], hi[:2], np.float64) == (0.4, None)
    # float32's subnormal range is normal in float64
    assert mod.split_max(np.array([3.0]), np.array([1e-40]), np.float32) == (None, 3.0)


def test_tables_split_normal_and_subnormal_results():
    mod = load()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        mod.main(["--n", "300"])
    text = out.getvalue()
    normal, sub = text.split("Subnormal results")
    assert "Normal-range results" in normal

    def cells(table, name, dtype):
        for line in table.splitlines():
            parts = [p.strip() for p in line.strip("|").split("|")]
            if parts[:2] == [name, dtype]:
                return parts[2:]
        raise AssertionError((name, dtype, table))

    # columns: sigfast (active level), NumPy expr, SciPy, PyTorch
    n = cells(normal, "sigmoid", "float64")
    s = cells(sub, "sigmoid", "float64")[1:]          # after the input count
    assert float(n[0]) < 1 and float(s[0]) <= 1       # sigfast: both ranges
    assert float(n[1]) < 5                            # NumPy expr: normal range fine
    assert float(s[1]) > 1e12                         # ... flushes subnormals to 0
    assert int(cells(sub, "sigmoid", "float64")[0]) > 0
    # no subnormal results at all: no row in the second table
    assert "| logit |" not in sub
