# cython: freethreading_compatible = True
"""Thread-count state for the sigfast kernels, and the fork handler that
keeps it valid in a child (the two share the state below).  Which SIMD
levels the CPU runs is :mod:`sigfast._cpu`'s.

One rule for every source of a thread count (the spirit of scikit-learn's
``_openmp_helpers``):

* The *available CPUs* are the CPUs this process may run on: its affinity
  mask (``os.sched_getaffinity``), capped by a cgroup CPU quota
  (``/sys/fs/cgroup/cpu.max``, or cgroup v1's ``cpu.cfs_quota_us``), which
  ``os.cpu_count()`` and ``omp_get_num_procs()`` ignore.  With
  ``OMP_PROC_BIND``, ``OMP_PLACES`` or ``GOMP_CPU_AFFINITY`` set, libgomp
  pins the initial thread to one place when it loads, before this module
  runs; the mask it saw before that (``omp_get_num_procs()``) counts then.
* ``OMP_THREAD_LIMIT`` caps every count, the default included.
* A team whose threads the OS cannot create (an address-space limit, a pids
  limit) is not started: libgomp would end the process.  Each calling
  thread probes once per larger team size (see ``sf_team_start``), and the
  kernel runs with the team the probe could create, down to one thread.
* A count ``n >= 1`` means n threads; ``-1`` means the available CPUs and
  ``-k`` that number minus ``k - 1`` (at least 1), as in joblib; ``0`` and
  non-integers are errors.  A count above :func:`max_threads` (4 x the
  available CPUs) is clamped there with a RuntimeWarning.
* ``set_num_threads(n)`` wins over everything; ``None`` goes back to the
  default.
* Otherwise ``SIGFAST_NUM_THREADS``, then ``OMP_NUM_THREADS``, both read at
  import under the same rule (a bad value warns and is ignored: importing
  never fails because of an environment variable).
* Otherwise the available CPUs.
* OpenMP's own limit changed after import (``omp_set_num_threads``, which
  ``threadpoolctl.threadpool_limits`` calls) is followed while
  ``omp_get_max_threads()`` differs from its value at import (clamped).
  That limit is an OpenMP per-thread setting: it reaches only the sigfast
  calls made from the thread that changed it.
* fork: libgomp's thread pool does not survive ``fork()``: a child forked
  while the forking thread owned a pool would wait forever in its first
  parallel region.  The pool may belong to any library sharing the OpenMP
  runtime (PyTorch's libgomp has the same soname, numba's omp layer uses
  it), so sigfast does not try to know who started it: a ``pthread_atfork``
  prepare handler frees the forking thread's pool in the parent
  (``omp_pause_resource_all``), and children keep their threads.  Where
  that is impossible (fork from inside a parallel region, a runtime without
  pause) the child and its descendants run every kernel serially, with one
  RuntimeWarning when threads are asked for: always after a failed pause,
  and without pause support when a sigfast parallel region had run.

The state is a few C ints written at import and by set/reset calls, read and
written with relaxed atomics: readers see either the old or the new value,
which is all a thread count needs, with no data race on free-threaded builds.
"""
import os

# CPU features live in sigfast._cpu; their old names here keep working
from sigfast._cpu import _x86_level_ok, cpu_supports  # noqa: F401

cdef extern from "sf_omp.h":
    int sf_omp_max_threads() noexcept nogil

cdef extern from "sf_platform.h":
    int SF_OPENMP

cdef extern from "sf_omp.h" nogil:
    double sf_omp_wtime "sf_wtime" ()
    long long sf_load_ll(long long* p)
    void sf_store_ll(long long* p, long long v)
    int sf_register_atfork(void (*prepare)() noexcept nogil, void (*child)() noexcept nogil)
    int sf_omp_release_pool()
    int sf_omp_num_procs()
    int sf_omp_thread_limit()
    int sf_probe_threads(int k)
    int sf_load_int(int* p)
    void sf_store_int(int* p, int v)

cdef extern from *:
    """
    /* The largest team the calling thread's probe showed the OS can create
     * (1: none yet).  Thread-local because libgomp keeps one pool per
     * calling thread. */
    #if defined(_MSC_VER)
    static __declspec(thread) int sf_team_ok_tls = 1;
    #else
    static _Thread_local int sf_team_ok_tls = 1;
    #endif
    static int sf_team_ok(void) { return sf_team_ok_tls; }
    static void sf_set_team_ok(int n) { sf_team_ok_tls = n; }
    """
    int sf_team_ok() noexcept nogil
    void sf_set_team_ok(int n) noexcept nogil

cdef int _user_threads = 0      # 0: not set by set_num_threads
cdef int _env_threads = 0       # 0: SIGFAST_NUM_THREADS not set (or ignored)
cdef int _parallel_ran = 0      # 1: a sigfast parallel region ran here or in an ancestor
cdef int _fork_release = 0      # the prepare handler's sf_omp_release_pool() (1, 0, -1)
cdef int _fork_serial = 0       # 1: forked with a pool that could not be freed: serial only
cdef int _fork_warned = 0       # 1: this process has warned about it
cdef int _max_threads = 1       # the clamp: 4 x the available CPUs
cdef int _omp_initial = 0       # omp_get_max_threads() at import
cdef int _omp_default = 1       # the count used while OpenMP's limit is unchanged
cdef int _team_cold = 1         # the next parallel call is not judged (load awareness)
cdef int _release_disabled = 0  # tests: act as a runtime without pause


cdef void _before_fork() noexcept nogil:
    # A serial process may hold a pool inherited without its threads: pausing
    # it would wait for them forever, so it is left alone (its children stay
    # serial too).
    if sf_load_int(&_fork_serial):
        sf_store_int(&_fork_release, -1)
    elif sf_load_int(&_release_disabled):
        sf_store_int(&_fork_release, 0)
    else:
        sf_store_int(&_fork_release, sf_omp_release_pool())
        # the parent's next team is a new pool too, and so is the child's:
        # their threads are created again, so probed again
        sf_store_int(&_team_cold, 1)
        sf_set_team_ok(1)


cdef void _after_fork_child() noexcept nogil:
    cdef int released = sf_load_int(&_fork_release)
    if released < 0 or (released == 0 and sf_load_int(&_parallel_ran)):
        sf_store_int(&_fork_serial, 1)
    sf_store_int(&_fork_warned, 0)
    # the child's first team is a new pool: its start-up is not a late thread
    sf_store_int(&_team_cold, 1)


cdef int sf_team_start(int nt) noexcept nogil:
    cdef int ok
    # read first: after the first parallel region this is a load, and the
    # cache line stays shared between the threads calling kernels
    if not sf_load_int(&_parallel_ran):
        sf_store_int(&_parallel_ran, 1)
    ok = sf_team_ok()
    if nt <= ok:
        return nt
    # A failed probe is not remembered: memory freed later brings the
    # threads back, at the cost of one failed thread creation per call
    # until then.
    ok = 1 + sf_probe_threads(nt - 1)
    if ok == nt:
        sf_set_team_ok(ok)
    return ok


sf_register_atfork(_before_fork, _after_fork_child)


# ---------------------------------------------------------------------------
# Load awareness
# ---------------------------------------------------------------------------
# A team thread that the OS does not schedule (another process holds its
# core) makes the master wait at the join: measured here, one spinning
# process made 2 threads 1.6-2.9x slower than 1 (and up to 100x at 1e5 in
# python -m sigfast's loops).  Two measures: the kernels hand out work in
# dynamic chunks, so the master takes the chunks a late thread has not
# started; and when a call's master still waited at the join longer than
# LATE_MIN and than a quarter of the estimated serial time (its working time
# divided by the share of the chunks it did), kernels run serially for a
# while (50 ms, doubling on each repeat up to 1.6 s; a call that runs clean
# halves the next period instead of forgetting it: under a load that makes
# every other team late, a reset let the team start again after each short
# period, and the late calls, each waiting a scheduler slice, made the
# default thread count slower than one thread).  A worker woken late on an idle machine (tens of
# microseconds) only shifts chunks to the master, whose estimate then grows
# with them, so it does not count as late.  The first parallel call of the
# process and the first after a serial period are not judged: their workers
# may have been asleep long enough for the OS (or a hypervisor) to park
# their CPU, and waking it took milliseconds here even on an idle machine.

cdef long long _serial_until_us = 0   # kernels run serially until then
cdef long long _backoff_us = 0        # the current serial period (0: none)
cdef double LATE_MIN = 50e-6


cdef double sf_wtime() noexcept nogil:
    return sf_omp_wtime()


cdef int sf_team_allowed() noexcept nogil:
    cdef long long until = sf_load_ll(&_serial_until_us)
    return until == 0 or <long long>(sf_omp_wtime() * 1e6) >= until


cdef long long _last_wait_ns = 0, _last_work_ns = 0, _late_calls = 0


cdef void sf_team_report(double start, double master_done, double end, double share) noexcept nogil:
    # share: the fraction of the work the master did (0 < share <= 1)
    cdef double wait = end - master_done
    cdef double serial = (master_done - start) / (share if share > 0 else 1.0)
    cdef long long b
    sf_store_ll(&_last_wait_ns, <long long>(wait * 1e9))
    sf_store_ll(&_last_work_ns, <long long>(serial * 1e9))
    if sf_load_int(&_team_cold):
        sf_store_int(&_team_cold, 0)
        return
    if wait > LATE_MIN and wait > 0.25 * serial:
        sf_store_ll(&_late_calls, sf_load_ll(&_late_calls) + 1)
        b = sf_load_ll(&_backoff_us)
        b = 50000 if b < 50000 else (2 * b if b < 1600000 else b)
        sf_store_ll(&_backoff_us, b)
        sf_store_ll(&_serial_until_us, <long long>(end * 1e6) + b)
        sf_store_int(&_team_cold, 1)
    elif sf_load_ll(&_backoff_us) != 0:
        b = sf_load_ll(&_backoff_us) // 2
        sf_store_ll(&_backoff_us, b if b >= 25000 else 0)
        sf_store_ll(&_serial_until_us, 0)


def _report_for_test(double wait, double serial):
    """Feed one simulated parallel call (join wait and serial time, seconds,
    the master having done all the work) to the load-awareness state; for
    tests.  Returns whether kernels would now start a team."""
    cdef double now = sf_omp_wtime()
    sf_team_report(now - serial - wait, now - wait, now, 1.0)
    return bool(sf_team_allowed())


def _reset_load_state():
    """Forget the load-awareness state (the next call is again 'cold')."""
    global _team_cold
    sf_store_ll(&_serial_until_us, 0)
    sf_store_ll(&_backoff_us, 0)
    sf_store_int(&_team_cold, 1)


def _load_state():
    """The load-awareness state, for tests: (serial-until time and backoff
    in microseconds of omp_get_wtime; the last parallel call's join wait
    and its estimated serial time, in nanoseconds; the number of calls
    found late so far)."""
    return (sf_load_ll(&_serial_until_us), sf_load_ll(&_backoff_us),
            sf_load_ll(&_last_wait_ns), sf_load_ll(&_last_work_ns),
            sf_load_ll(&_late_calls))


cdef int sf_num_threads() noexcept nogil:
    cdef int n, cap, user = sf_load_int(&_user_threads)
    if not SF_OPENMP:
        return 1            # a serial build runs every kernel on the caller's thread
    if sf_load_int(&_fork_serial):
        return 1
    if user > 0:
        return user
    n = sf_load_int(&_env_threads)
    if n > 0:
        return n
    n = sf_omp_max_threads()
    if n == sf_load_int(&_omp_initial):
        return sf_load_int(&_omp_default)
    cap = sf_load_int(&_max_threads)
    return 1 if n < 1 else (n if n <= cap else cap)


# ---------------------------------------------------------------------------
# The CPUs available to this process
# ---------------------------------------------------------------------------

def _words(path):
    try:
        with open(path) as f:
            return f.read().split()
    except (OSError, UnicodeDecodeError):
        return None


def _cgroup_cpus(root="/sys/fs/cgroup"):
    """The CPUs a cgroup CPU quota allows, rounded up; None without a quota.

    The quota is ``quota / period`` CPU-seconds per second: cgroup v2's
    ``cpu.max`` holds "quota period" ("max period": none); cgroup v1 has
    ``cpu/cpu.cfs_quota_us`` (-1: none) and ``cpu/cpu.cfs_period_us``.
    These are the files and the rounding loky (joblib) uses.
    """
    v2 = _words(os.path.join(root, "cpu.max"))
    if v2 is not None:
        pair = v2[:2]
    else:
        pair = ((_words(os.path.join(root, "cpu", "cpu.cfs_quota_us")) or [])[:1]
                + (_words(os.path.join(root, "cpu", "cpu.cfs_period_us")) or [])[:1])
    # (the module is compiled without bounds checks: test lengths, never
    # rely on IndexError)
    if len(pair) < 2:
        return None
    try:
        quota, period = int(pair[0]), int(pair[1])
    except ValueError:
        return None
    if quota <= 0 or period <= 0:
        return None
    return max(1, (quota + period - 1) // period)


_BINDING_VARS = ("OMP_PROC_BIND", "OMP_PLACES", "GOMP_CPU_AFFINITY")


def _binding_set(environ=os.environ):
    """Whether an OpenMP binding variable made the runtime pin the initial
    thread when it loaded (OMP_PROC_BIND=false does not)."""
    bind = environ.get("OMP_PROC_BIND", "").strip().lower()
    return (bind not in ("", "false")
            or any(environ.get(v, "").strip() for v in _BINDING_VARS[1:]))


def _affinity_cpus():
    count = getattr(os, "process_cpu_count", None)      # Python 3.13+: affinity aware
    if count is not None:
        n = count() or 1
    elif hasattr(os, "sched_getaffinity"):
        n = len(os.sched_getaffinity(0)) or 1
    else:
        n = os.cpu_count() or 1
    if _binding_set():
        # this thread's mask is the one place it was pinned to by now
        n = max(n, sf_omp_num_procs())
    return n


def _available_cpus():
    n = _affinity_cpus()
    quota = _cgroup_cpus()
    return n if quota is None else max(1, min(n, quota))


# Measured once, at import: every kernel call reads the result.
_AVAILABLE = _available_cpus()
# Why 4x: an element-wise kernel never gains from more threads than CPUs (a
# 1e8-element sigmoid asked for 10**9 threads started 6103 OS threads and
# ran 45x slower), but a few times more is a legitimate way to check that
# results do not depend on the thread count on a small machine.  The clamp
# also keeps every count far below INT_MAX, so no request overflows the C int.
# OMP_THREAD_LIMIT (INT_MAX when unset) caps that too.
_THREAD_LIMIT = max(1, sf_omp_thread_limit())
_MAX = min(4 * _AVAILABLE, _THREAD_LIMIT)


def cpu_count():
    """The CPUs available to this process (affinity and cgroup quota aware):
    what ``-1`` and the default thread count mean."""
    return _AVAILABLE


def max_threads():
    """The largest thread count sigfast uses: 4 x :func:`cpu_count`, or
    ``OMP_THREAD_LIMIT`` when that is smaller."""
    return _MAX


def _resolve(n, what, stacklevel):
    """The thread count the int ``n`` asks for under the rule (``what`` names
    the request in messages)."""
    if n == 0:
        raise ValueError(f"{what}: 0 is not a thread count (-1: every available CPU; "
                         "None: the default)")
    if n < 0:
        n = max(1, _AVAILABLE + 1 + n)
    if n > _MAX:
        import warnings
        why = (f"more than OMP_THREAD_LIMIT={_THREAD_LIMIT}" if _MAX == _THREAD_LIMIT
               else f"more than 4 x the {_AVAILABLE} CPUs available to this process")
        warnings.warn(f"{what}: {why}; using {_MAX} threads", RuntimeWarning,
                      stacklevel=stacklevel)
        n = _MAX
    return n


def _read_env(var):
    """The count the environment variable ``var`` asks for; 0 when it is unset
    or ignored (with a warning).  OMP_NUM_THREADS may be a list, one count
    per nesting level: the first applies."""
    raw = os.environ.get(var, "")
    text = raw.split(",")[0].strip() if var == "OMP_NUM_THREADS" else raw.strip()
    if not text:
        return 0
    import warnings
    try:
        n = int(text, 10)
    except ValueError:
        warnings.warn(f"ignoring {var}={raw!r}: not an integer", RuntimeWarning)
        return 0
    try:
        return _resolve(n, f"{var}={raw!r}", 1)
    except ValueError as e:
        warnings.warn(f"ignoring {e}", RuntimeWarning)
        return 0


def _configure():
    sf_store_int(&_max_threads, _MAX)
    sf_store_int(&_omp_initial, sf_omp_max_threads())
    sf_store_int(&_omp_default, min(_AVAILABLE, _MAX))
    # Importing never fails because of the environment: whatever goes wrong
    # here leaves the defaults in place, with a warning.
    try:
        sf_store_int(&_env_threads, _read_env("SIGFAST_NUM_THREADS"))
        omp = _read_env("OMP_NUM_THREADS")
        if omp > 0:
            sf_store_int(&_omp_default, omp)
    except Exception as e:      # pragma: no cover - defensive
        import warnings
        warnings.warn(f"sigfast ignores its thread settings: {e!r}", RuntimeWarning)


_configure()


# ---------------------------------------------------------------------------
# Public API (re-exported by sigfast._threads)
# ---------------------------------------------------------------------------

def get_num_threads():
    """Number of threads the next sigfast call will use (>= 1; always 1 in a
    build without OpenMP)."""
    return sf_num_threads()


def set_num_threads(n):
    """Set the number of threads sigfast kernels use; return the previous value.

    Parameters
    ----------
    n : int or None
        ``n >= 1``: use ``n`` threads (at most :func:`max_threads`, 4 x the
        available CPUs; more is clamped there with a RuntimeWarning).
        ``-1``: every CPU available to this process (affinity and cgroup
        quota aware); ``-k``: that number minus ``k - 1``, at least 1.
        ``None``: go back to the default (``SIGFAST_NUM_THREADS``, else
        ``OMP_NUM_THREADS``, else the available CPUs).

    Raises
    ------
    ValueError
        For 0 and for anything that is not an integer (bool, float and str
        included).
    """
    return _set_num_threads(n, 1)


def _set_num_threads(n, stacklevel):
    # stacklevel counts Python frames only: this compiled module adds none
    prev = sf_num_threads()
    if n is None:
        sf_store_int(&_user_threads, 0)
        return prev
    if isinstance(n, bool) or not hasattr(type(n), "__index__"):
        raise ValueError(f"set_num_threads({n!r}): the thread count must be an integer "
                         f"or None, not {type(n).__name__}")
    n = _resolve(n.__index__(), f"set_num_threads({n!r})", stacklevel)
    sf_store_int(&_user_threads, n)
    if n > 1 and sf_load_int(&_fork_serial) and not sf_load_int(&_fork_warned):
        sf_store_int(&_fork_warned, 1)
        import warnings
        warnings.warn(
            f"set_num_threads({n}) has no effect: this process was forked while "
            "OpenMP threads could not be released (fork from inside a parallel region, "
            "or an OpenMP runtime without omp_pause_resource_all), and a parallel "
            "region here would hang (libgomp's thread pool does not survive fork), so "
            "sigfast runs serially in it.  Use the 'spawn' or 'forkserver' start "
            "method (multiprocessing.get_context('spawn')) for threads in workers.",
            RuntimeWarning, stacklevel=stacklevel)
    return prev


def _disable_pool_release_for_test():
    """Make this process (and its fork children) behave as under an OpenMP
    runtime without pause: fork no longer frees the pool, and a child of a
    process whose sigfast kernels ran threads is serial.  For tests."""
    sf_store_int(&_release_disabled, 1)


def fork_serial():
    """True in a process forked while its OpenMP threads could not be
    released (or from such a process): sigfast runs serially there."""
    return bool(sf_load_int(&_fork_serial))


def openmp_enabled():
    """True when the kernels were compiled with OpenMP."""
    return bool(SF_OPENMP)



def _user_setting():
    """The value given to set_num_threads (0 when unset); for context managers."""
    return sf_load_int(&_user_threads)
