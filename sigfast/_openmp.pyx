# cython: freethreading_compatible = True
"""Thread-count state for the sigfast kernels.

Rules (the same spirit as scikit-learn's ``_openmp_helpers``):

* ``set_num_threads(n)`` wins over everything; ``n <= 0`` means
  ``cpu_count + 1 + n`` (so ``-1`` is every core); ``None`` drops back to
  the default.
* Otherwise ``SIGFAST_NUM_THREADS`` (read at import) is used.
* Otherwise OpenMP's own current limit, ``omp_get_max_threads()``, read at
  every call, so ``OMP_NUM_THREADS`` and ``threadpoolctl.threadpool_limits``
  are honoured.
* In a child process created by ``fork()`` the kernels run serially until
  ``set_num_threads`` is called in the child: libgomp's thread pool does not
  survive ``fork`` and a parallel region in the child can hang.

The state is a few C ints written only by set/reset calls, read and written
with relaxed atomics: readers see either the old or the new value, which is
all a thread count needs, with no data race on free-threaded builds.
"""
import os

cdef extern from "sf_omp.h":
    int sf_omp_max_threads() noexcept nogil
    int sf_omp_num_procs() noexcept nogil

cdef extern from "sf_platform.h":
    int SF_OPENMP
    int sf_cpu_has(int level) noexcept nogil

cdef extern from "sf_omp.h" nogil:
    int sf_register_atfork_child(void (*child)() noexcept nogil)
    int sf_load_int(int* p)
    void sf_store_int(int* p, int v)

cdef int _user_threads = 0      # 0: not set by set_num_threads
cdef int _env_threads = 0       # 0: SIGFAST_NUM_THREADS not set
cdef int _forked = 0            # 1: we are in a fork() child


cdef void _after_fork_child() noexcept nogil:
    sf_store_int(&_forked, 1)
    sf_store_int(&_user_threads, 0)


sf_register_atfork_child(_after_fork_child)


cdef int sf_num_threads() noexcept nogil:
    cdef int n, user = sf_load_int(&_user_threads)
    if not SF_OPENMP:
        return 1            # a serial build runs every kernel on the caller's thread
    if sf_load_int(&_forked):
        return 1 if user == 0 else user
    if user > 0:
        return user
    n = sf_load_int(&_env_threads)
    if n > 0:
        return n
    n = sf_omp_max_threads()
    return n if n > 0 else 1


def _parse_count(value):
    n = int(value)
    if n <= 0:
        n = max(1, (os.cpu_count() or 1) + 1 + n)
    return n


def _read_env():
    raw = os.environ.get("SIGFAST_NUM_THREADS", "").strip()
    if not raw:
        sf_store_int(&_env_threads, 0)
        return
    try:
        sf_store_int(&_env_threads, _parse_count(raw))
    except ValueError:
        import warnings
        warnings.warn(f"ignoring SIGFAST_NUM_THREADS={raw!r}: not an integer",
                      RuntimeWarning, stacklevel=2)
        sf_store_int(&_env_threads, 0)


_read_env()


def get_num_threads():
    """Number of threads the next sigfast call will use (>= 1; always 1 in a
    build without OpenMP)."""
    return sf_num_threads()


def set_num_threads(n):
    """Set the number of threads sigfast kernels use; return the previous value.

    Parameters
    ----------
    n : int or None
        ``n >= 1``: use exactly ``n`` threads.  ``n <= 0``: use
        ``os.cpu_count() + 1 + n`` (``-1`` is all cores).  ``None``: go back
        to the default (``SIGFAST_NUM_THREADS``, else OpenMP's limit).
    """
    prev = sf_num_threads()
    if n is None:
        sf_store_int(&_user_threads, 0)
        return prev
    if isinstance(n, bool) or not isinstance(n, (int,)) and not hasattr(n, "__index__"):
        raise TypeError(f"n must be an int or None, got {type(n).__name__}")
    sf_store_int(&_user_threads, _parse_count(n.__index__()))
    return prev


def openmp_enabled():
    """True when the kernels were compiled with OpenMP."""
    return bool(SF_OPENMP)


def cpu_supports(level):
    """Whether this CPU (and OS) can run a SIMD level: 'baseline', 'avx2', 'avx512'."""
    idx = {"baseline": 0, "avx2": 1, "avx512": 2}[level]
    return bool(sf_cpu_has(idx))


def cpu_count():
    return sf_omp_num_procs() if SF_OPENMP else (os.cpu_count() or 1)


def _user_setting():
    """The value given to set_num_threads (0 when unset); for context managers."""
    return sf_load_int(&_user_threads)
