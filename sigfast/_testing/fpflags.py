"""The calling thread's floating-point exception flags, read and set through
libm's <fenv.h> functions with ctypes, for the tests that check that a call
leaves them as it found them (the ufunc loops, the fused loss).

The flags are handled as opaque bits: ``ALL`` is every bit feraiseexcept
accepts here, ``SENTINELS`` the states set before a call (none, the lowest
flag, all of them).  ``LIBM`` is None where no such functions can be called.
"""
import ctypes
import ctypes.util
import sys
import warnings

import numpy as np


def _libm():
    names = [ctypes.util.find_library("m"), ctypes.util.find_library("c")]
    if sys.platform == "win32":
        names = ["ucrtbase"]
    for name in names:
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
            lib.fetestexcept, lib.feclearexcept, lib.feraiseexcept  # noqa: B018
            return lib
        except (OSError, AttributeError):
            continue
    return None


LIBM = _libm()
#: every bit that feraiseexcept / fetestexcept accept, whatever their meaning
ANY = 0x7FFFFFFF


def _all_flags():
    LIBM.feclearexcept(ANY)
    LIBM.feraiseexcept(ANY)
    every = LIBM.fetestexcept(ANY)
    LIBM.feclearexcept(ANY)
    return every


ALL = _all_flags() if LIBM is not None else 0
SENTINELS = (0, ALL & -ALL, ALL)        # none, the lowest flag, all of them


def flags_after(call, sentinel):
    """(the flags left by ``call()``, its result), run under
    np.errstate(all="raise") with warnings as errors, when exactly
    ``sentinel`` was raised before it; the flags are cleared afterwards."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            LIBM.feclearexcept(ANY)
            LIBM.feraiseexcept(sentinel)
            result = call()
            got = LIBM.fetestexcept(ANY)
    LIBM.feclearexcept(ANY)
    return got, result

