"""Pick the compiled kernels for this CPU.

Every SIMD level is a pair of extension modules compiled from the same
sources: ``_ufuncs_<level>`` (the ufuncs) and ``_fused_<level>`` (the fused
loss).  This loader imports the best level that was compiled and that the
CPU (and OS) can run.  ``SIGFAST_SIMD=baseline|avx2|avx512`` forces a level;
a level the CPU lacks, or one not compiled in, falls back to the best
available with a warning instead of crashing with SIGILL.

The package face (``sigfast/__init__.py``) and the loss layer
(``sigfast.losses``) both reach the kernels through :func:`active`, never
through each other.

bfloat16: when ``ml_dtypes`` can be imported (about 6 ms), every loaded
ufunc module gets a bfloat16 loop for its ufuncs; without it nothing
changes (the kernel modules never import it themselves).
"""
import importlib
import os
import warnings

#: libgomp's spin count while sigfast loads it (see _load_openmp).
SPIN_COUNT = "10000"


def _load_openmp():
    """Import ``_openmp``, which loads the OpenMP runtime, with a short spin.

    libgomp's team threads spin after every parallel region before they
    sleep: 300,000 rounds of ``pause`` by default (``GOMP_SPINCOUNT``), which
    measured here 4-10 ms of CPU per 2-thread call, burnt after the call
    returned.  On a busy machine that spinning takes a core from the caller
    and from other processes.  libgomp reads the count once, when it loads,
    so it is set for the duration of this import only, and only when the
    user chose neither ``GOMP_SPINCOUNT`` nor ``OMP_WAIT_POLICY``.  A
    runtime already loaded by another library keeps its own setting; one
    loaded here is shared with libraries that link the same libgomp later
    (PyTorch's has the same soname).
    """
    if any(k in os.environ for k in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY")):
        from . import _openmp
        return _openmp
    os.environ["GOMP_SPINCOUNT"] = SPIN_COUNT
    try:
        from . import _openmp
    finally:
        os.environ.pop("GOMP_SPINCOUNT", None)
    return _openmp


_openmp = _load_openmp()
from ._build_info import simd_levels as COMPILED  # noqa: E402

#: Levels from the best to the most portable.
ORDER = ("avx512", "avx2", "baseline")


def runnable_levels():
    """Compiled levels this CPU can run, best first."""
    return [lv for lv in ORDER if lv in COMPILED and _openmp.cpu_supports(lv)]


def _check(level):
    if level not in COMPILED:
        raise RuntimeError(f"SIMD level {level!r} is not compiled in this build "
                           f"(compiled: {', '.join(COMPILED)})")
    if not _openmp.cpu_supports(level):
        raise RuntimeError(f"this CPU cannot run SIMD level {level!r}")


def load(level):
    """Import and return the ufunc module of ``level``.

    Raises ``RuntimeError`` for a level that is not compiled in or that this
    CPU cannot run (importing it would crash with an illegal instruction).
    """
    _check(level)
    mod = importlib.import_module(f"sigfast._ufuncs_{level}")
    _add_bfloat16(mod)
    return mod


def bfloat16_dtype():
    """ml_dtypes.bfloat16 as a NumPy dtype, or None without ml_dtypes."""
    try:
        import ml_dtypes
    except ImportError:
        return None
    import numpy as np
    return np.dtype(ml_dtypes.bfloat16)


def _add_bfloat16(mod):
    # NumPy needs the user dtype's type number to register a loop for it.
    # A broken ml_dtypes install must not break sigfast: it only loses the
    # bfloat16 loops, with a warning.
    try:
        dt = bfloat16_dtype()
        if dt is not None:
            mod.register_bfloat16(dt.num)
    except Exception as exc:  # pragma: no cover - depends on the environment
        warnings.warn(f"sigfast: bfloat16 loops not registered ({exc!r})",
                      RuntimeWarning, stacklevel=3)


def load_fused(level):
    """Import and return the fused-loss module of ``level`` (see :func:`load`)."""
    _check(level)
    return importlib.import_module(f"sigfast._fused_{level}")


def select():
    """Return (level, reason) for the level to use."""
    runnable = runnable_levels()
    forced = os.environ.get("SIGFAST_SIMD", "").strip().lower()
    if forced:
        if forced in runnable:
            return forced, "forced by SIGFAST_SIMD"
        warnings.warn(
            f"SIGFAST_SIMD={forced!r} is not available here (runnable: "
            f"{', '.join(runnable)}); using {runnable[0]!r}",
            RuntimeWarning, stacklevel=3)
    return runnable[0], "best the CPU supports"


class Kernels:
    """The modules of the level in use: ``ufuncs``, ``fused``, ``level``, ``reason``."""

    def __init__(self, level, reason):
        self.level = level
        self.reason = reason
        self.ufuncs = load(level)
        self.fused = load_fused(level)


_ACTIVE = None


def active():
    """The :class:`Kernels` of the selected level (chosen once per process)."""
    global _ACTIVE
    if _ACTIVE is None:
        _ACTIVE = Kernels(*select())
    return _ACTIVE
