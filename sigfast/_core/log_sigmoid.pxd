# Layer 3, family: log_sigmoid and softplus, float32 and float64 side by
# side.  softplus(x) = max(x, 0) + L and log_sigmoid(x) = -softplus(-x),
# L = log(1 + e**-|x|) = hi + lo from log1pexp (engine32/engine64): a sum
# of two non-negative terms, never exp(+|x|).  The sum pos + hi is done by
# Fast2Sum (both are >= 0, so max/min order them), so the result is rounded
# once: float32 <= 1.0 ulp over all 2**32 inputs where the earlier kernel,
# which rounded L first, reached 1.22.
#
# Where pos + hi overflows or an operand is infinite (softplus(+inf),
# log_sigmoid(-inf)), the Fast2Sum's inf - inf is NaN: those lanes, and NaN
# inputs, return x itself.  log_sigmoid(+inf) = -(+0) = -0.0.
from sigfast._core.vec cimport *
from sigfast._core.eft cimport sorted_two_sum_f32, sorted_two_sum_f64
from sigfast._core.engine32 cimport log1pexp_f32, SF_F_ALOG
from sigfast._core.engine64 cimport log1pexp_f64, SF_ALOG


cdef inline sf_vf softplus_parts_f32(sf_vf x, sf_vf pos) noexcept nogil:
    # pos + log(1 + e**-|x|), pos = max(x, 0) or max(-x, 0)
    cdef sf_vf a, lo, hi, S, err
    a = sf_vf_min(sf_vf_set(SF_F_ALOG), sf_vf_max(x, sf_vf_sub(sf_vf_set(0.0), x)))
    hi = log1pexp_f32(a, &lo)
    S = sorted_two_sum_f32(hi, pos, &err)
    return sf_vf_add(S, sf_vf_add(err, lo))


cdef inline sf_vf softplus_f32(sf_vf x) noexcept nogil:
    cdef sf_vf r = softplus_parts_f32(x, sf_vf_max(sf_vf_set(0.0), x))
    return sf_vf_sel(sf_vf_ne(r, r), x, r)


cdef inline sf_vf log_sigmoid_f32(sf_vf x) noexcept nogil:
    cdef sf_vf r = sf_vf_mul(
        softplus_parts_f32(x, sf_vf_max(sf_vf_set(0.0), sf_vf_sub(sf_vf_set(0.0), x))),
        sf_vf_set(-1.0))
    return sf_vf_sel(sf_vf_ne(r, r), x, r)


cdef inline sf_vd softplus_parts_f64(sf_vd x, sf_vd pos) noexcept nogil:
    cdef sf_vd a, lo, hi, S, err
    a = sf_vd_min(sf_vd_set(SF_ALOG), sf_vd_max(x, sf_vd_sub(sf_vd_set(0.0), x)))
    hi = log1pexp_f64(a, &lo)
    S = sorted_two_sum_f64(hi, pos, &err)
    return sf_vd_add(S, sf_vd_add(err, lo))


cdef inline sf_vd softplus_f64(sf_vd x) noexcept nogil:
    cdef sf_vd r = softplus_parts_f64(x, sf_vd_max(sf_vd_set(0.0), x))
    return sf_vd_sel(sf_vd_ne(r, r), x, r)


cdef inline sf_vd log_sigmoid_f64(sf_vd x) noexcept nogil:
    cdef sf_vd r = sf_vd_mul(
        softplus_parts_f64(x, sf_vd_max(sf_vd_set(0.0), sf_vd_sub(sf_vd_set(0.0), x))),
        sf_vd_set(-1.0))
    return sf_vd_sel(sf_vd_ne(r, r), x, r)
