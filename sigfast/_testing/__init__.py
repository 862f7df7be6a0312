"""Test utilities shared by tests/, bench/, tools/ and the self-check.

* :mod:`.inputs`: every input generator (typical values, the whole finite
  range, the self-check points, benchmark inputs), keyed by registry name.
* :mod:`.ulp`: the one ulp metric, against a reference given as a
  double-word (hi, lo) pair (float64, or long double for long double).
* :mod:`.mpref`: the mpmath reference (needs mpmath, a test extra).

Installed with the package so that scripts import it without ``sys.path``
edits; it imports nothing from sigfast but the registry.
"""
import sys

import numpy as np

from .inputs import bce_pairs, bench_inputs, check_points, typical, whole_range
from .ulp import ulp_errors

#: How tests and tools start a Python subprocess.  -P keeps the current
#: directory off sys.path: started from the repository root, `python -c` /
#: `python -m` would otherwise import the unbuilt sigfast/ source folder
#: instead of the installed package.
PYTHON = (sys.executable, "-P")


def twin_rtol(dtype):
    """Relative tolerance against the reference twin on typical inputs (4 ulp)."""
    return 4 * float(np.finfo(dtype).eps)


__all__ = ["bce_pairs", "bench_inputs", "check_points", "typical", "whole_range",
           "ulp_errors", "PYTHON", "twin_rtol"]
