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

bfloat16: every loaded ufunc module gets a bfloat16 loop for its ufuncs
once ``ml_dtypes`` is imported, never by sigfast itself: importing
ml_dtypes costs 0.9-1.6 s here (it initialises its own ufuncs and finfo),
six times all of sigfast's import.  When ml_dtypes is already in
``sys.modules`` the loops are added at once; otherwise a one-shot import
hook (:class:`_Bfloat16Hook`) adds them the moment a later ``import
ml_dtypes`` finishes, before any bfloat16 array can exist.  Without
ml_dtypes nothing changes (the kernel modules never import it themselves).
"""
import importlib
import importlib.abc
import importlib.util
import os
import sys
import threading
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
from . import _cpu  # noqa: E402
from ._build_info import simd_levels as COMPILED  # noqa: E402

#: Levels from the best to the most portable.
ORDER = ("avx512", "avx2", "baseline")


def runnable_levels():
    """Compiled levels this CPU can run, best first."""
    return [lv for lv in ORDER if lv in COMPILED and _cpu.cpu_supports(lv)]


def _check(level):
    if level not in COMPILED:
        raise RuntimeError(f"SIMD level {level!r} is not compiled in this build "
                           f"(compiled: {', '.join(COMPILED)})")
    if not _cpu.cpu_supports(level):
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
    """ml_dtypes.bfloat16 as a NumPy dtype, or None without ml_dtypes.

    Imports ml_dtypes (which registers the loops through the hook)."""
    try:
        import ml_dtypes
    except ImportError:
        return None
    import numpy as np
    return np.dtype(ml_dtypes.bfloat16)


#: Kernel modules loaded so far, for loops added when ml_dtypes arrives.
_LOADED = []
_bf16_lock = threading.Lock()


def _register_loaded():
    """Add the bfloat16 loops to every loaded kernel module (ml_dtypes is
    fully imported).  A broken ml_dtypes install must not break sigfast: it
    only loses the bfloat16 loops, with a warning."""
    try:
        import numpy as np
        num = np.dtype(sys.modules["ml_dtypes"].bfloat16).num
        with _bf16_lock:
            for mod in _LOADED:
                mod.register_bfloat16(num)      # a second call is a no-op
    except Exception as exc:  # pragma: no cover - depends on the environment
        warnings.warn(f"sigfast: bfloat16 loops not registered ({exc!r})",
                      RuntimeWarning, stacklevel=2)


class _Bfloat16Hook(importlib.abc.MetaPathFinder):
    """Meta-path finder that answers for ``ml_dtypes`` only, once.

    It lets the other finders locate the module, then wraps that spec's
    ``exec_module`` (an attribute of this one loader instance; the module
    keeps its own loader, so ``importlib.resources`` and the like see no
    difference) so that the loops are registered right after ml_dtypes'
    code has run, and the hook takes itself off ``sys.meta_path``.  If the
    import fails the hook stays, for a later attempt.
    """

    def __init__(self):
        self._busy = False

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "ml_dtypes" or self._busy:
            return None
        self._busy = True           # importlib.util.find_spec re-enters us
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            self._busy = False
        loader = getattr(spec, "loader", None)
        if loader is None or not hasattr(loader, "exec_module"):
            return None             # let the import system report it
        run = loader.exec_module

        def exec_module(module):
            run(module)
            self.remove()
            _register_loaded()

        loader.exec_module = exec_module
        return spec

    def remove(self):
        try:
            sys.meta_path.remove(self)
        except ValueError:
            pass


_HOOK = None


def _add_bfloat16(mod):
    global _HOOK
    with _bf16_lock:
        if mod not in _LOADED:
            _LOADED.append(mod)
    ml = sys.modules.get("ml_dtypes")
    if ml is not None and hasattr(ml, "bfloat16"):
        _register_loaded()
    elif _HOOK is None:
        # Never import ml_dtypes here (0.9-1.6 s); wait for the user's import.
        _HOOK = _Bfloat16Hook()
        sys.meta_path.insert(0, _HOOK)


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
