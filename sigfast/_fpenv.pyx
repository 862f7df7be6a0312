# cython: freethreading_compatible = True
"""The calling thread's floating-point exception flags, for the loss layer.

The loss layer's Python code (casts, axis reductions, the long double and
probability losses) runs NumPy operations whose flags mean as little as the
kernels' intermediate ones; sigfast.losses._validate.fp_quiet brackets a
whole loss call with these two, as the ufunc loops bracket their work.  One
module for every SIMD level: a loss saves its flags without loading a
level's fused module.
"""
from sigfast._core.platform cimport FE_ALL_EXCEPT, fetestexcept, feclearexcept, feraiseexcept


def fp_flags():
    """Internal: the calling thread's raised floating-point exception flags
    (``fetestexcept(FE_ALL_EXCEPT)``), to hand to :func:`restore_fp_flags`."""
    return fetestexcept(FE_ALL_EXCEPT)


def restore_fp_flags(int flags):
    """Internal: make the calling thread's raised flags exactly ``flags``
    (the same as sigfast._core.loops.restore_fpflags)."""
    feclearexcept(FE_ALL_EXCEPT)
    if flags:
        feraiseexcept(flags)
