"""Pick the kernel module for this CPU.

Every SIMD level is a separate extension module compiled from the same Cython
source (``_kernels_<level>``); this loader imports the best level that was
compiled and that the CPU (and OS) can run.  ``SIGFAST_SIMD=baseline|avx2|
avx512`` forces a level; a level the CPU lacks, or one not compiled in, falls
back to the best available with a warning instead of crashing with SIGILL.
"""
import importlib
import os
import warnings

from . import _openmp
from ._build_info import simd_levels as COMPILED

#: Levels from the best to the most portable.
ORDER = ("avx512", "avx2", "baseline")


def runnable_levels():
    """Compiled levels this CPU can run, best first."""
    return [lv for lv in ORDER if lv in COMPILED and _openmp.cpu_supports(lv)]


def load(level):
    """Import and return the kernel module of ``level``.

    Raises ``RuntimeError`` for a level that is not compiled in or that this
    CPU cannot run (importing it would crash with an illegal instruction).
    """
    if level not in COMPILED:
        raise RuntimeError(f"SIMD level {level!r} is not compiled in this build "
                           f"(compiled: {', '.join(COMPILED)})")
    if not _openmp.cpu_supports(level):
        raise RuntimeError(f"this CPU cannot run SIMD level {level!r}")
    return importlib.import_module(f"sigfast._kernels_{level}")


def select():
    """Return (module, reason) for the level to use."""
    runnable = runnable_levels()
    forced = os.environ.get("SIGFAST_SIMD", "").strip().lower()
    if forced:
        if forced in runnable:
            return load(forced), "forced by SIGFAST_SIMD"
        warnings.warn(
            f"SIGFAST_SIMD={forced!r} is not available here (runnable: "
            f"{', '.join(runnable)}); using {runnable[0]!r}",
            RuntimeWarning, stacklevel=3)
    return load(runnable[0]), "best the CPU supports"
