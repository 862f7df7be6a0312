# Layer 3, family: log_sigmoid and softplus, float32 and float64 side by
# side.  log sigma(x) = min(x, 0) - L with L = log1p(exp(-|x|)): a sum of
# same-sign terms, never exp(+|x|).  softplus(x) = -log_sigmoid(-x) (the
# negations are exact).

from sigfast._core.platform cimport fabs, SF_F_NACLAMP, SF_AMAX
from sigfast._core.eft cimport two_sum
from sigfast._core.engine64 cimport amax, log1p_exp_neg
from sigfast._core.engine32 cimport log1p_exp_neg_f32


cdef inline float log_sigmoid_f32(float x) noexcept nogil:
    # float32 arithmetic: L = hi + lo is rounded before the subtraction:
    # ulp(L) <= ulp(result), so the two roundings stay within one ulp
    # (hi - min(x,0) first could cross a binade and cost 1.5).  Negated last:
    # log_sigmoid(+inf) = -(+0) = -0.0.  Below -104, L < ulp(x)/2 and the
    # result is x (also -inf at -inf).  Max 1.22 ulp over all 2**32 inputs.
    cdef float lo, hi, mx
    hi = log1p_exp_neg_f32(x, &lo)
    mx = x if x < 0 else <float>0.0
    return x if x < SF_F_NACLAMP else -((hi + lo) - mx)


cdef inline double log_sigmoid_f64(double x) noexcept nogil:
    # -(L - min(x, 0)), with L - min(x,0) summed by TwoSum so the result is
    # rounded once.  For x < -AMAX the exact result rounds to x (L < ulp(x)/2),
    # which also gives -inf at -inf.
    cdef double Ll, Lh, mx, h, he, out
    mx = x if x < 0 else 0.0
    Lh = log1p_exp_neg(amax(fabs(x)), &Ll)
    h = two_sum(Lh, -mx, &he)
    out = -(h + (he + Ll))
    return x if x < -SF_AMAX else out


cdef inline float softplus_f32(float x) noexcept nogil:
    return -log_sigmoid_f32(-x)


cdef inline double softplus_f64(double x) noexcept nogil:
    return -log_sigmoid_f64(-x)
