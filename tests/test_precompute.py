"""The generated coefficient header is what the precompute scripts give.

sigfast/src/sf_poly.h (tables and minimax coefficients of the kernels) is
written by tools/precompute/kernel_tables.py from mpmath; a hand edit of
the header, or a change of a fit left unregenerated, fails here.
"""
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools" / "precompute" / "kernel_tables.py"


pytestmark = pytest.mark.skipif(not SCRIPT.exists(),
                                reason="needs the source tree (tools/precompute)")


def check(*args):
    """``kernel_tables.py --check`` with ``args``: (exit status, stdout)."""
    pytest.importorskip("mpmath")
    r = subprocess.run([sys.executable, str(SCRIPT), "--check", *args],
                       capture_output=True, text=True, timeout=600)
    return r.returncode, r.stdout + r.stderr


def test_poly_header_is_current():
    rc, out = check()
    assert rc == 0 and "is current" in out, out


def test_check_detects_a_stale_header(tmp_path):
    # --check compares with the header: one differing by a digit is reported
    text = (ROOT / "sigfast" / "src" / "sf_poly.h").read_text()
    i = text.index("0x1.") + 4                       # a hex-float literal's first digit
    bad = tmp_path / "sf_poly.h"
    bad.write_text(text[:i] + ("1" if text[i] != "1" else "2") + text[i + 1:])
    rc, out = check("--out", str(bad))
    assert rc == 1 and "is stale" in out, out


def test_check_detects_stale_declarations(tmp_path):
    # the generated poly.pxd declares every name of sf_poly.h; a missing
    # declaration (a constant added to the header by hand) is stale too
    pxd = (ROOT / "sigfast" / "_core" / "poly.pxd").read_text()
    header = (ROOT / "sigfast" / "src" / "sf_poly.h").read_text()
    assert pxd.count("    const ") == header.count("#define SF_") - 1 + header.count(
        "static const")                                  # - 1: the include guard
    assert "    const double SF_SILU_NEAR\n" in pxd and "    const float SF_SILU_F_NEAR\n" in pxd
    bad = tmp_path / "poly.pxd"
    bad.write_text(pxd.replace("    const double SF_SILU_NEAR\n", ""))
    rc, out = check("--pxd", str(bad))
    assert rc == 1 and "poly.pxd is stale" in out, out
