# Layer 1: error-free transformations (Knuth, Dekker; Muller et al.,
# "Handbook of Floating-Point Arithmetic", ch. 4), on the vectors of
# sf_vec.h and, for the loss's scalar Neumaier sum, on doubles.  Each
# returns the rounded result and stores its exact rounding error in *err,
# so that result + err equals the exact value.  The kernels keep such
# errors as second words instead of using double-double types.  Products:
# the error of p = fl(a*b) is one FMA, fms(a, b, p), written where used.
#
# -ffp-contract=off (meson) keeps every a*b+c in them rounded as written.
from sigfast._core.vec cimport *


cdef inline sf_vf two_sum_f32(sf_vf a, sf_vf b, sf_vf* err) noexcept nogil:
    # s + err = a + b exactly, for any a, b (Knuth's TwoSum, 6 operations)
    cdef sf_vf s = sf_vf_add(a, b)
    cdef sf_vf bb = sf_vf_sub(s, a)
    err[0] = sf_vf_add(sf_vf_sub(a, sf_vf_sub(s, bb)), sf_vf_sub(b, bb))
    return s


cdef inline sf_vd two_sum_f64(sf_vd a, sf_vd b, sf_vd* err) noexcept nogil:
    cdef sf_vd s = sf_vd_add(a, b)
    cdef sf_vd bb = sf_vd_sub(s, a)
    err[0] = sf_vd_add(sf_vd_sub(a, sf_vd_sub(s, bb)), sf_vd_sub(b, bb))
    return s


cdef inline sf_vf fast_two_sum_f32(sf_vf a, sf_vf b, sf_vf* err) noexcept nogil:
    # s + err = a + b exactly when a's exponent >= b's (Dekker's Fast2Sum)
    cdef sf_vf s = sf_vf_add(a, b)
    err[0] = sf_vf_add(sf_vf_sub(a, s), b)
    return s


cdef inline sf_vd fast_two_sum_f64(sf_vd a, sf_vd b, sf_vd* err) noexcept nogil:
    cdef sf_vd s = sf_vd_add(a, b)
    err[0] = sf_vd_add(sf_vd_sub(a, s), b)
    return s


cdef inline sf_vf sorted_two_sum_f32(sf_vf a, sf_vf b, sf_vf* err) noexcept nogil:
    # Fast2Sum of two non-negative numbers in either order: max/min put the
    # larger first (5 operations, one fewer than TwoSum on the pipe that
    # limits these kernels)
    return fast_two_sum_f32(sf_vf_max(a, b), sf_vf_min(a, b), err)


cdef inline sf_vd sorted_two_sum_f64(sf_vd a, sf_vd b, sf_vd* err) noexcept nogil:
    return fast_two_sum_f64(sf_vd_max(a, b), sf_vd_min(a, b), err)


cdef inline double fast_two_sum_err(double a, double b, double s) noexcept nogil:
    # The error of a scalar Fast2Sum whose sum s = fl(a + b) is already known.
    return (a - s) + b


# ---- scalar double-double (bce.pxd's rare-lane gradient, bce_grad_dd) -------
# Dekker's products without FMA, so every level computes the same bits.

cdef inline double _dd_two_sum(double a, double b, double* e) noexcept nogil:
    cdef double s = a + b, bb = s - a
    e[0] = (a - (s - bb)) + (b - bb)
    return s


cdef inline double _dd_two_prod(double a, double b, double* e) noexcept nogil:
    # Dekker (no FMA, so every level computes the same bits)
    cdef double p = a * b, c, ah, al, bh, bl
    c = 134217729.0 * a
    ah = c - (c - a)
    al = a - ah
    c = 134217729.0 * b
    bh = c - (c - b)
    bl = b - bh
    e[0] = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p


cdef inline double _dd_add(double ah, double al, double bh, double bl, double* l) noexcept nogil:
    cdef double e, f, s
    s = _dd_two_sum(ah, bh, &e)
    e = e + (al + bl)
    s = _dd_two_sum(s, e, &f)
    l[0] = f
    return s


cdef inline double _dd_mul(double ah, double al, double bh, double bl, double* l) noexcept nogil:
    cdef double e, p
    p = _dd_two_prod(ah, bh, &e)
    e = e + (ah * bl + al * bh)
    p = _dd_two_sum(p, e, &e)
    l[0] = e
    return p


cdef inline double _dd_div(double ah, double al, double bh, double bl, double* l) noexcept nogil:
    # three quotient digits: ~2**-104
    cdef double q1, q2, q3, ph, pl, rh, rl, s, e
    q1 = ah / bh
    ph = _dd_mul(q1, 0.0, bh, bl, &pl)
    rh = _dd_add(ah, al, -ph, -pl, &rl)
    q2 = rh / bh
    ph = _dd_mul(q2, 0.0, bh, bl, &pl)
    rh = _dd_add(rh, rl, -ph, -pl, &rl)
    q3 = rh / bh
    s = _dd_two_sum(q1, q2, &e)
    return _dd_add(s, e, q3, 0.0, l)
