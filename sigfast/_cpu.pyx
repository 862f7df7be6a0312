# cython: freethreading_compatible = True
"""Which SIMD levels this CPU, and its OS, can run.

The loader's one question (:mod:`sigfast._dispatch` asks it before it
imports a level's modules, so a CPU that lacks a level never executes a
byte of it).  The answer comes from ``sf_cpu_has`` in ``src/sf_platform.h``:
``__builtin_cpu_supports`` with GCC and Clang (which includes the OS's
XSAVE support), CPUID and XCR0 decided by ``sf_x86_level_ok`` with MSVC.
Thread counts and the fork handler are :mod:`sigfast._openmp`'s.
"""

cdef extern from "sf_platform.h":
    int sf_cpu_has(int level) noexcept nogil
    int sf_x86_level_ok(int level, unsigned int ecx1, unsigned int ebx7, unsigned int ecx81,
                        unsigned long long xcr0) noexcept nogil

_LEVELS = {"baseline": 0, "avx2": 1, "avx512": 2}


def cpu_supports(level):
    """Whether this CPU (and OS) can run a SIMD level: 'baseline', 'avx2', 'avx512'."""
    return bool(sf_cpu_has(_LEVELS[level]))


def _x86_level_ok(level, ecx1, ebx7, ecx81, xcr0):
    """Internal, for tests: the CPUID/XCR0 decision MSVC builds make for
    :func:`cpu_supports` (GCC and Clang builds ask __builtin_cpu_supports)."""
    return bool(sf_x86_level_ok(_LEVELS[level], ecx1, ebx7, ecx81, xcr0))
