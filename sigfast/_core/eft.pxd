# Layer 1: error-free transformations (Knuth, Dekker; Muller et al.,
# "Handbook of Floating-Point Arithmetic", ch. 4).  Each returns the
# rounded result and stores its exact rounding error in *err, so that
# result + err equals the exact value.  The kernels keep these errors as
# second words instead of using double-double types.
#
# They are written once here; -ffp-contract=off (meson) keeps every a*b+c in
# them rounded as written.

from sigfast._core.platform cimport sf_prod_errd


cdef inline double two_sum(double a, double b, double* err) noexcept nogil:
    # s + err = a + b exactly, for any a, b (Knuth's TwoSum, 6 operations).
    cdef double s = a + b
    cdef double bb = s - a
    err[0] = (a - (s - bb)) + (b - bb)
    return s


cdef inline double fast_two_sum(double a, double b, double* err) noexcept nogil:
    # s + err = a + b exactly when |a| >= |b| (or a = 0) (Dekker's Fast2Sum).
    cdef double s = a + b
    err[0] = (a - s) + b
    return s


cdef inline double fast_two_sum_err(double a, double b, double s) noexcept nogil:
    # The error of a Fast2Sum whose sum s = fl(a + b) is already known.
    return (a - s) + b


cdef inline double two_prod_err(double a, double b, double p) noexcept nogil:
    # a*b - p exactly, where p = fl(a*b): one FMA, or Dekker's product
    # without hardware FMA (sf_prod_errd).
    return sf_prod_errd(a, b, p)


cdef inline float fast_two_sum_errf(float a, float b, float s) noexcept nogil:
    # float32 Fast2Sum error, as fast_two_sum_err.
    return (a - s) + b
