# Layer 2, float64 engine: exp(-a) and log(1 + exp(-a)) as unevaluated
# double words, and the sigmoid core every float64 formula builds on.
#
# exp(-a) is returned as 2**k * (eh + el); each caller carries the rounding
# error of its critical step (1 + e, the reciprocal, a product) as a second
# word and applies 2**k last (scale), so results -- subnormal ones included
# -- are rounded essentially once.  Cut-offs (SF_AMAX, SF_KDEN, SF_KSPLIT,
# SF_KSERIES) are explained in sigfast/src/sf_consts.h.

from sigfast._core.platform cimport (
    sf_pow2d, sf_fmad, fabs, SF_LN2_HI, SF_LN2_LO, SF_INV_LN2, SF_SQRT2, SF_SHIFT52,
    SF_AMAX, SF_KDEN, SF_KSPLIT, SF_KSERIES, SF_KLOG)
from sigfast._core.eft cimport (
    two_sum, fast_two_sum, fast_two_sum_err, two_prod_err)


cdef inline double amax(double x) noexcept nogil:
    # |x| clamp at AMAX; NaN compares false and passes.
    return SF_AMAX if x > SF_AMAX else x


cdef inline double pow2(double k) noexcept nogil:
    return sf_pow2d(k)


cdef inline double fma(double a, double b, double c) noexcept nogil:
    # a*b + c, fused on FMA hardware; used in polynomial evaluation only,
    # where one rounding more or less is far below the result's ulp.
    return sf_fmad(a, b, c)


cdef inline double scale(double y, double k) noexcept nogil:
    # y * 2**k for integer k in [-1100, 0], rounded once: the first factor is
    # at least 2**KSPLIT, so y*2**k1 stays normal and exact.
    cdef double k1 = SF_KSPLIT if k < SF_KSPLIT else k
    return (y * pow2(k1)) * pow2(k - k1)


cdef inline double exp_taylor_tail(double r) noexcept nogil:
    # (e**r - 1 - r)/r**2 to r**11: the Taylor series 1/2! + r/3! + ... +
    # r**11/13! (truncation 2**-57.7 relative to e**r on |r| <= ln2/2).
    return fma(r, fma(r, fma(r, fma(r, fma(r, fma(r, fma(r, fma(r, fma(r, fma(r, fma(r, 1.0 / 6227020800.0, 1.0 / 479001600), 1.0 / 39916800), 1.0 / 3628800), 1.0 / 362880), 1.0 / 40320), 1.0 / 5040), 1.0 / 720), 1.0 / 120), 1.0 / 24), 1.0 / 6), 0.5)


cdef inline double exp_neg(double a, double* el, double* k) noexcept nogil:
    # exp(-a) = 2**k * (eh + el) for 0 <= a <= AMAX, eh in [0.70, 1.42].
    #
    # 1. kf = round(a/ln2) by the 1.5*2**52 shifter.
    # 2. Cody-Waite: rh = kf*LN2_HI - a is exact (LN2_HI has 21 trailing zero
    #    bits and Sterbenz applies); rl = kf*LN2_LO carries the rest of ln2.
    # 3. exp(rh + rl) = 1 + rh + c, c = rl + r**2 * exp_taylor_tail(r).
    # 4. 1 + (rh + c) is split with two Fast2Sums, so eh + el holds it to
    #    about 2**-106.
    cdef double t, kf, rh, rl, r, c, s, eh
    t = a * SF_INV_LN2
    kf = (t + SF_SHIFT52) - SF_SHIFT52
    rh = kf * SF_LN2_HI - a
    rl = kf * SF_LN2_LO
    r = rh + rl
    c = fma(r * r, exp_taylor_tail(r), rl)
    s = rh + c
    eh = 1 + s
    el[0] = fast_two_sum_err(1, s, eh) + fast_two_sum_err(rh, c, s)
    k[0] = -kf
    return eh


cdef inline double sig_parts(double a, double* res, double* eh, double* el, double* k) noexcept nogil:
    # For a >= 0: e = exp(-a) = 2**k (eh + el) and q = fl(1/(1+e)) with
    # 1/(1+e) = q*(1 + res) up to O(2**-106).
    #
    # d + dl = 1 + e (Fast2Sum, 1 >= e); res is the relative residual
    # 1 - (d + dl)*q, where d*q - 1 is exact (two_prod_err).
    cdef double ks, sc, e1, e2, d, dl, q
    eh[0] = exp_neg(a, el, k)
    ks = SF_KDEN if k[0] < SF_KDEN else k[0]
    sc = pow2(ks)
    e1 = eh[0] * sc
    e2 = el[0] * sc
    d = 1 + e1
    dl = fast_two_sum_err(1, e1, d) + e2
    q = 1 / d
    res[0] = -two_prod_err(d, q, 1.0) - dl * q
    return q


cdef inline double sig_core(double x, double* yl, double* kk) noexcept nogil:
    # sigma(x) = 2**kk * (yh + yl), yh in the normal range.
    #
    # sigma(|x|) = 1/(1+e) and sigma(-|x|) = e/(1+e) with e = exp(-|x|): never
    # exp(+|x|), so nothing overflows.  Both are m*q*(1+res) with m = 1 or
    # m = eh + el; the product's rounding error is kept so yh is the
    # once-rounded value.  The caller applies 2**kk (scale), so subnormal
    # results are rounded once too.
    cdef double a, q, res, eh, el, k, m, ml, p, corr, yh
    cdef bint neg = x < 0
    a = amax(fabs(x))
    q = sig_parts(a, &res, &eh, &el, &k)
    m = eh if neg else 1.0
    ml = el if neg else 0.0
    kk[0] = k if neg else 0.0
    p = m * q
    corr = two_prod_err(m, q, p) + (ml * q + p * res)
    return fast_two_sum(p, corr, yl)


cdef inline double log_poly_lg(double z) noexcept nogil:
    # R(z) of fdlibm's log(1+f) = f - hfsq + s*(hfsq + R), z = s*s:
    # fdlibm's Lg1..Lg7 minimax (error < 2**-58.45 on |s| <= 0.1716;
    # fdlibm e_log.c).
    return z * fma(z, fma(z, fma(z, fma(z, fma(z, fma(z, 1.479819860511658591e-01, 1.531383769920937332e-01), 1.818357216161805012e-01), 2.222219843214978396e-01), 2.857142874366239149e-01), 3.999999999940941908e-01), 6.666666666666735130e-01)


cdef inline double log1p_exp_neg(double a, double* Ll) noexcept nogil:
    # L = log(1 + exp(-a)) for a >= 0, returned as Lh + Ll.
    #
    # Log branch (e >= 2**KSERIES): d + dl = 1 + e, scaled by 1/2 when
    # d > sqrt2 so m = 1 + f lies in [0.707, 1.414] and f = m - 1 is exact.
    # Then fdlibm's form log(1+f) = f - hfsq + s*(hfsq + R(s*s)),
    # s = f/(2+f), whose correction terms are small next to f, plus dl/m for
    # the low word (1/m = (1-s)/(1+s) ~ 1 - 2s + 2s^2 - 2s^3, ample for a
    # 2**-53 term).
    # Series branch (e < 2**KSERIES): L = e - e**2/2 + e**3/3 computed as
    # 2**k * (eh + el - eh*e*(1/2 - e/3)) and scaled once, so a subnormal L
    # (softplus(-x), -log_sigmoid(x) for x > 708) is rounded once.
    cdef double eh, el, k, ks, sc, e1, e2, d, dl, m, ml, j, f, s, z, R, hfsq
    cdef double c, lo, jh, h, he, Lh, Llog, esc, Ls
    cdef bint big, small
    eh = exp_neg(a, &el, &k)
    small = k < SF_KSERIES
    ks = SF_KLOG if k < SF_KLOG else k
    sc = pow2(ks)
    e1 = eh * sc
    e2 = el * sc
    d = 1 + e1
    dl = fast_two_sum_err(1, e1, d) + e2
    big = d > SF_SQRT2
    m = d * 0.5 if big else d
    ml = dl * 0.5 if big else dl
    j = 1.0 if big else 0.0
    f = m - 1
    s = f / (2 + f)
    z = s * s
    R = log_poly_lg(z)
    jh = j * SF_LN2_HI
    lo = j * SF_LN2_LO
    hfsq = 0.5 * f * f
    c = ml * (1 + s * (-2.0 + s * (2 - 2 * s)))
    lo = (lo + c) + (s * (hfsq + R) - hfsq)
    h = two_sum(jh, f, &he)
    lo = lo + he
    Lh = fast_two_sum(h, lo, &Llog)
    # series branch
    esc = eh * pow2(SF_KDEN if k < SF_KDEN else k)
    Ls = eh + (el - eh * (esc * (0.5 - esc * (1.0 / 3))))
    Ll[0] = 0.0 if small else Llog
    return scale(Ls, k) if small else Lh
