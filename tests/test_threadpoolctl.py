"""threadpoolctl sees sigfast's OpenMP runtime and its limits reach sigfast.

sigfast's default thread count is OpenMP's own ``omp_get_max_threads()``
(unless ``sigfast.set_num_threads`` or ``SIGFAST_NUM_THREADS`` says
otherwise), so ``threadpoolctl.threadpool_limits`` must change what
``sigfast.get_num_threads()`` reports.

When run against an installed, repaired wheel (auditwheel / delocate /
delvewheel), the OpenMP library that threadpoolctl finds must be the one
vendored next to the package (``sigfast_ufuncs.libs/``, ``sigfast/.dylibs/``), not a
system copy.

No timing here: that threadpool_limits(1) really makes sigfast slower is
measured by tools/check_threadpoolctl.py, not asserted in unit tests.
"""
import os
from pathlib import Path

import pytest

threadpoolctl = pytest.importorskip("threadpoolctl")

import sigfast  # noqa: E402
from sigfast import _openmp  # noqa: E402

pytestmark = pytest.mark.skipif(
    not _openmp.openmp_enabled(),
    reason="sigfast was built without OpenMP",
)

# Directories repair tools vendor shared libraries into, relative to the
# directory that holds the ``sigfast`` package (site-packages).  auditwheel
# and delvewheel name theirs after the distribution, sigfast-ufuncs.
_VENDOR_DIRS = (("sigfast_ufuncs.libs",), ("sigfast", ".dylibs"))
_OMP_NAMES = ("gomp", "omp", "vcomp")


def _openmp_entries():
    return [m for m in threadpoolctl.threadpool_info() if m["user_api"] == "openmp"]


def _site_dir():
    return Path(sigfast.__file__).resolve().parent.parent


def _vendored_omp_libs():
    """OpenMP runtimes shipped inside the installed package (empty for a
    plain build that links the system libgomp/libomp)."""
    found = []
    for d in _VENDOR_DIRS:
        vdir = _site_dir().joinpath(*d)
        if vdir.is_dir():
            found += [p for p in vdir.iterdir()
                      if any(n in p.name.lower() for n in _OMP_NAMES)]
    return found


@pytest.fixture
def default_threads():
    """Run with sigfast's default thread rule (OpenMP decides)."""
    if os.environ.get("SIGFAST_NUM_THREADS", "").strip():
        pytest.skip("SIGFAST_NUM_THREADS overrides OpenMP's thread count")
    before = _openmp._user_setting()
    sigfast.set_num_threads(None)
    try:
        yield
    finally:
        sigfast.set_num_threads(before if before > 0 else None)


def test_openmp_runtime_listed():
    entries = _openmp_entries()
    assert entries, f"no OpenMP entry in {threadpoolctl.threadpool_info()!r}"
    for e in entries:
        assert e["num_threads"] >= 1


def test_bundled_runtime_is_the_one_loaded():
    entries = _openmp_entries()
    assert entries
    paths = [Path(e["filepath"]) for e in entries]
    bundled = _vendored_omp_libs() or any("sigfast" in str(p) for p in paths)
    if not bundled:
        # A build linked against the system OpenMP runtime: nothing more to
        # check than that one was found (test_openmp_runtime_listed).
        return
    site = _site_dir()
    inside = []
    for p in paths:
        rp = p.resolve()
        if rp.is_relative_to(site):
            parts = rp.relative_to(site).parts
            if any(parts[:len(d)] == d for d in _VENDOR_DIRS):
                inside.append(rp)
    assert inside, (
        f"vendored OpenMP runtime(s) {_vendored_omp_libs()} exist next to "
        f"the package in {site}, but the loaded one(s) are {paths}"
    )


def test_threadpool_limits_reach_sigfast(default_threads):
    before = sigfast.get_num_threads()
    with threadpoolctl.threadpool_limits(limits=1):
        assert sigfast.get_num_threads() == 1
    assert sigfast.get_num_threads() == before


def test_threadpool_limits_openmp_api_only(default_threads):
    before = sigfast.get_num_threads()
    with threadpoolctl.threadpool_limits(limits=1, user_api="openmp"):
        assert sigfast.get_num_threads() == 1
    assert sigfast.get_num_threads() == before


def test_threadpool_limits_can_raise_the_count(default_threads):
    # OpenMP accepts more threads than cores; checks that the value really
    # comes from omp_get_max_threads() even when OMP_NUM_THREADS=1.
    before = sigfast.get_num_threads()
    with threadpoolctl.threadpool_limits(limits=before + 1):
        assert sigfast.get_num_threads() == before + 1
    assert sigfast.get_num_threads() == before


def test_set_num_threads_wins_over_threadpool_limits(default_threads):
    with threadpoolctl.threadpool_limits(limits=1):
        with sigfast.num_threads(2):
            assert sigfast.get_num_threads() == 2
        assert sigfast.get_num_threads() == 1


def test_ufunc_runs_under_limits(default_threads):
    np = pytest.importorskip("numpy")
    x = np.linspace(-20, 20, 100_001, dtype=np.float32)
    ref = sigfast.sigmoid(x)
    with threadpoolctl.threadpool_limits(limits=1):
        np.testing.assert_array_equal(sigfast.sigmoid(x), ref)
