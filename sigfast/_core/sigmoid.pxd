# Layer 3, family: sigmoid and its derivatives, float32 and float64 side by
# side, on the logistic core (engine32/engine64): sigma(x) = P/D with
# P = 2**(K+1), D = P + 2 T e**-r, 1/D = q0 (1 + h).  Never exp(+|x|), and
# both tails keep full relative accuracy, subnormal results included (NumPy,
# SciPy, PyTorch and JAX flush them to 0).
from sigfast._core.vec cimport *
from sigfast._core.eft cimport two_sum_f32, two_sum_f64
from sigfast._core.engine32 cimport Logistic32, clamp_f32, logistic_f32
from sigfast._core.engine64 cimport Logistic64, clamp_f64, logistic_f64, scale_once_f64

cdef extern from "sf_consts.h" nogil:
    const double SF_TWOM1019


# ---- sigmoid ---------------------------------------------------------------
# sigma = P (q0 + q0 h): the parenthesis is 1/D to ~2**-46 (2**-104), the
# product by P is exact or, for a subnormal result, rounded once.
# Measured: float32 <= 0.77 ulp over all 2**32 inputs (the maximum at a
# subnormal result, where q0 + q0 h and the product round twice).

cdef inline sf_vf sigmoid_f32(sf_vf x) noexcept nogil:
    cdef Logistic32 c = logistic_f32(clamp_f32(x))
    return sf_vf_mul(sf_vf_mad(c.q0, c.h, c.q0), c.P)


cdef inline sf_vd sigmoid_f64(sf_vd x) noexcept nogil:
    cdef Logistic64 c = logistic_f64(clamp_f64(x))
    return sf_vd_mul(sf_vd_mad(c.q0, c.h, c.q0), c.P)


# ---- sigmoid_grad ------------------------------------------------------------
# sigma'(x) = sigma(x) sigma(-x) is even: evaluate at a = -|x| (K <= 0),
# where sigma(a) = P/D and sigma(-a) = (u2 + eu2)/D, so
#     sigma' = P (u2 + eu2) q0**2 (1 + h)**2
#            = P (p2 + [e2 + q0 (e1 + eu2 q0) + 2 h p2]),
# p1 = fl(u2 q0), p2 = fl(p1 q0) and e1, e2 their exact rounding errors.
# Never s (1 - s): 1 - sigma(x) rounds to 0 for x > 17 (f32) / 37 (f64).

cdef inline sf_vf sigmoid_grad_f32(sf_vf x) noexcept nogil:
    cdef sf_vf a = sf_vf_min(x, sf_vf_sub(sf_vf_set(0.0), x))     # -|x|, NaN passes
    cdef Logistic32 c = logistic_f32(clamp_f32(a))
    cdef sf_vf p1, e1, p2, e2, corr
    p1 = sf_vf_mul(c.u2, c.q0)
    e1 = sf_vf_fms(c.u2, c.q0, p1)
    p2 = sf_vf_mul(p1, c.q0)
    e2 = sf_vf_fms(p1, c.q0, p2)
    corr = sf_vf_mad(c.q0, sf_vf_mad(c.eu2, c.q0, e1), e2)
    corr = sf_vf_mad(sf_vf_add(c.h, c.h), p2, corr)
    return sf_vf_mul(sf_vf_add(p2, corr), c.P)


cdef inline sf_vd sigmoid_grad_f64(sf_vd x) noexcept nogil:
    cdef sf_vd a = sf_vd_min(x, sf_vd_sub(sf_vd_set(0.0), x))
    cdef Logistic64 c = logistic_f64(clamp_f64(a))
    cdef sf_vd p1, e1, p2, e2, corr
    p1 = sf_vd_mul(c.u2, c.q0)
    e1 = sf_vd_fms(c.u2, c.q0, p1)
    p2 = sf_vd_mul(p1, c.q0)
    e2 = sf_vd_fms(p1, c.q0, p2)
    corr = sf_vd_mad(c.q0, sf_vd_mad(c.eu2, c.q0, e1), e2)
    corr = sf_vd_mad(sf_vd_add(c.h, c.h), p2, corr)
    # p2 + corr < 1.1: only where P < 2**-1019 can the result be subnormal;
    # there the vector takes scale_once_f64 (the same values elsewhere)
    if sf_vdm_any(sf_vd_lt(c.P, sf_vd_set(SF_TWOM1019))):
        return scale_once_f64(p2, corr, c.P128)
    return sf_vd_mul(sf_vd_add(p2, corr), c.P)


# ---- sigmoid_grad_from_output ---------------------------------------------------
# y (1 - y) with 1 - y = w + wl (TwoSum: exact for every y; a Fast2Sum
# would need |y| <= 1 and lost up to 1.2 ulp for float32 |y| >= 2**24) and
# the product's rounding error kept, so the result rounds once.  Where the
# correction is 0 the product alone is returned (keeps -0.0 at y = -0.0),
# and where the sum is NaN (y = +-inf: inf - inf inside) the product is
# the answer (-inf).

cdef inline sf_vf sigmoid_grad_from_output_f32(sf_vf y) noexcept nogil:
    cdef sf_vf w, wl, p, corr, r
    w = two_sum_f32(sf_vf_set(1.0), sf_vf_sub(sf_vf_set(0.0), y), &wl)
    p = sf_vf_mul(y, w)
    corr = sf_vf_mad(y, wl, sf_vf_fms(y, w, p))
    r = sf_vf_add(p, corr)
    return sf_vf_sel(sf_vfm_or(sf_vf_eq(corr, sf_vf_set(0.0)), sf_vf_ne(r, r)), p, r)


cdef inline sf_vd sigmoid_grad_from_output_f64(sf_vd y) noexcept nogil:
    cdef sf_vd w, wl, p, corr, r
    w = two_sum_f64(sf_vd_set(1.0), sf_vd_sub(sf_vd_set(0.0), y), &wl)
    p = sf_vd_mul(y, w)
    corr = sf_vd_mad(y, wl, sf_vd_fms(y, w, p))
    r = sf_vd_add(p, corr)
    return sf_vd_sel(sf_vdm_or(sf_vd_eq(corr, sf_vd_set(0.0)), sf_vd_ne(r, r)), p, r)
