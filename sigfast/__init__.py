"""sigfast: the sigmoid family as fast, accurate NumPy ufuncs.

Ufuncs (float16, float32, float64 and long double loops, bfloat16 when
ml_dtypes is installed; broadcasting, ``out=``, ``where=``):

* ``sigmoid`` (SciPy's ``expit``), ``sigmoid_grad``, ``sigmoid_grad_from_output``
* ``log_sigmoid`` (SciPy's ``log_expit``), ``softplus``, ``logit``

``expit``, ``log_expit`` and ``logit`` resolve integer and bool inputs to
float64 as scipy.special does (``expit`` and ``log_expit`` are separate
ufunc objects for that); the other names follow NumPy's rule, as np.exp.
* ``silu``, ``silu_grad``, ``log1mexp`` (log(1 - exp(x)), x <= 0)
* ``bce_with_logits(z, y)``, ``bce_with_logits_grad(z, y)``
* ``logit_eps(p, eps)``: PyTorch's ``torch.logit(p, eps)``

Losses: ``binary_cross_entropy_with_logits`` (and ``_grad``,
``_loss_and_grad``), ``binary_cross_entropy``, ``sigmoid_focal_loss``.

Threads: ``set_num_threads``, ``get_num_threads``, ``num_threads`` (context
manager), environment ``SIGFAST_NUM_THREADS`` then ``OMP_NUM_THREADS``.
SIMD: the best compiled level the CPU runs, or ``SIGFAST_SIMD``.

This module is the package face: it binds the names; the ufunc list is
``sigfast._registry``, the kernels come from ``sigfast._dispatch``.
"""
try:
    from . import _dispatch
    from ._build_info import version as __version__
except ImportError as _exc:  # pragma: no cover - depends on how Python was started
    import os as _os
    raise ImportError(
        f"sigfast was imported from its source folder ({_os.path.dirname(__file__)}), "
        "which holds no compiled modules. Install it (pip install .) and run Python "
        "from another directory, or with `python -P` so the current directory is "
        "not searched first (e.g. `python -P -m sigfast`).") from _exc
from . import _registry
from ._threads import get_num_threads, set_num_threads, num_threads
from ._split import glu_split
from .losses import (  # noqa: F401 (re-exported; __all__ is built below)
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_grad,
    binary_cross_entropy_with_logits_loss_and_grad,
    binary_cross_entropy,
    sigmoid_focal_loss,
)

_active = _dispatch.active()

#: SIMD level of the kernels in use ("baseline", "avx2" or "avx512").
simd_level = _active.level

#: name -> ufunc, in registry order (aliases not included).
UFUNCS = dict(_active.ufuncs.UFUNCS)

# Every ufunc object by the name it is bound to: the aliases, where the
# SciPy-named ones (expit, log_expit) are ufuncs of their own whose integer
# inputs give float64 as in scipy.special.
_BOUND = dict(UFUNCS)
_BOUND.update({_alias: _active.ufuncs.SCIPY.get(_alias, UFUNCS[_name])
               for _alias, _name in _registry.ALIASES.items()})


def _unpickle_ufunc(name):
    """Unpickle ``sigfast.<name>`` (the ufunc of this process's SIMD level)."""
    return _BOUND[name]


def _install_pickle_hook():
    """Make pickle save our ufuncs as ``sigfast._unpickle_ufunc(name)``.

    NumPy registers one copyreg reducer for all ufuncs; it returns the name
    and pickle then looks it up in ``ufunc.__module__``.  NumPy < 2.2 has no
    per-ufunc ``__module__`` (every ufunc reports the type's "numpy"), so
    there pickle would look for ``numpy.sigmoid``.  The reducer installed
    here answers for sigfast's ufuncs and hands every other ufunc to NumPy's.
    """
    import copyreg

    import numpy as np

    numpy_reduce = copyreg.dispatch_table.get(np.ufunc, lambda uf: uf.__name__)
    if getattr(numpy_reduce, "_sigfast", False):   # already installed (reload)
        numpy_reduce = numpy_reduce._numpy_reduce

    def reduce_ufunc(uf):
        name = uf.__name__
        if _BOUND.get(name) is uf:
            return _unpickle_ufunc, (name,)
        return numpy_reduce(uf)

    reduce_ufunc._sigfast = True
    reduce_ufunc._numpy_reduce = numpy_reduce
    copyreg.pickle(np.ufunc, reduce_ufunc)


# The ufuncs are created inside the kernel module of one SIMD level; pickle
# must find them as sigfast.<name>, which any process can import (whatever
# level it picks), so that dask.distributed, joblib and multiprocessing work.
try:
    for _uf in _BOUND.values():
        _uf.__module__ = "sigfast"
except AttributeError:      # NumPy < 2.2: ufuncs have no writable __module__
    _install_pickle_hook()
del _uf
globals().update(_BOUND)


def show_config(file=None):
    """Print the build and runtime configuration: version, compiler, OpenMP,
    threads and SIMD levels (compiled, runnable, active)."""
    import platform
    import sys

    import numpy

    from . import _build_info, _openmp

    omp = "yes" if _openmp.openmp_enabled() else "no (kernels run serially)"
    why = ("; serial: forked while OpenMP threads could not be released, see docs/design.md"
           if _openmp.fork_serial() else "")
    lines = [
        f"sigfast {__version__}",
        f"  python      : {sys.version.split()[0]} ({platform.machine()})",
        f"  numpy       : {numpy.__version__}",
        f"  compiler    : {_build_info.compiler}",
        f"  OpenMP      : {omp}",
        f"  threads     : {get_num_threads()} (of {_openmp.cpu_count()} CPUs{why})",
        f"  SIMD compiled: {', '.join(_build_info.simd_levels)}",
        f"  SIMD runnable: {', '.join(_dispatch.runnable_levels())}",
        f"  SIMD active : {simd_level} ({_active.reason})",
    ]
    print("\n".join(lines), file=file)


__all__ = (
    [n for u in _registry.UFUNCS for n in (u.name,) + u.aliases]
    + list(_registry.LOSSES)
    + ["glu_split", "get_num_threads", "set_num_threads", "num_threads", "show_config",
       "simd_level", "__version__"]
)
