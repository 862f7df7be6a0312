import os
import pathlib
import sys

import numpy as np
import pytest

# `python -m pytest` (unlike `pytest`) puts the current directory first on
# sys.path; from the repository root `import sigfast` would then find the
# source folder sigfast/, which has no compiled modules, instead of the
# installed package.  The tests are for the installed package: take the
# repository root off sys.path before anything imports sigfast.
_ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path
               if pathlib.Path(p or os.curdir).resolve() != _ROOT]
try:
    import sigfast
except ModuleNotFoundError as exc:  # pragma: no cover - a set-up error, not a test
    if exc.name != "sigfast":
        raise
    raise ImportError(
        f"sigfast is not installed for {sys.executable}. The tests run "
        "against the installed package: `pip install \".[test]\"` (or the development "
        "set-up in README.md: pip install -r requirements-dev.txt && pip install "
        "--no-build-isolation -e . -Cbuild-dir=build/dev), then `pytest`.") from None

from hypothesis import settings  # noqa: E402

# CI runs the property tests with a fixed seed sequence (reproducible, no
# example database); locally they explore new examples on every run.
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

try:
    from sigfast import _build_info  # noqa: F401
except ImportError:  # pragma: no cover - a configuration error, not a test
    raise ImportError(
        f"imported sigfast from {os.path.dirname(sigfast.__file__)}, which is not a "
        "built package; install it (pip install .[test]) and run pytest as "
        "documented in README.md") from None

from sigfast import _dispatch  # noqa: E402

LEVELS = _dispatch.runnable_levels()


@pytest.fixture(params=LEVELS)
def kern(request):
    """The kernel module of each SIMD level this machine can run."""
    return _dispatch.load(request.param)


@pytest.fixture(params=[np.float32, np.float64], ids=["f32", "f64"])
def dtype(request):
    return request.param


@pytest.fixture(params=[1, 2], ids=["t1", "t2"])
def threads(request):
    with sigfast.num_threads(request.param):
        yield request.param
