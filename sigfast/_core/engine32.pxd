# Layer 2, float32 engine.  Two kinds of building blocks:
#
# * float32 arithmetic (fexp_neg, fone_plus_e, log1p_exp_neg_f32): exp(-|x|)
#   carried as 2**k * (1 + r1 + tt), the rounding errors of the critical
#   steps (1 + q, 1 + e) kept as extra float32 words; 16 lanes per AVX-512
#   register.  Every constant is a float (SF_F_*): a bare literal is a C
#   double and would silently turn the arithmetic into float64.
# * float64 evaluation for float32 results (exp_neg_wide, clamp_wide):
#   float64 carries 29 bits more than float32, so plain stable formulas
#   whose float64 error is ~2**-30 round to float32 essentially once.

from sigfast._core.platform cimport (
    sf_fmad, sf_fmaf, sf_pow2d, sf_pow2f_64, sf_negabsf, fabs, SF_SHIFT52, SF_LN2, SF_INV_LN2,
    SF_F_AMAX, SF_F_NACLAMP, SF_F_INV_LN2, SF_F_SHIFT23, SF_F_LN2, SF_F_LN2_ERR,
    SF_F_LN2_HI, SF_F_LN2_LO, SF_F_SQRT2, SF_F_TWOM64)
from sigfast._core.eft cimport fast_two_sum_errf


# ---- float64 evaluation for float32 results ----

cdef inline double exp_neg_wide(double a) noexcept nogil:
    # exp(-a) for 0 <= a <= 110 (float32's AMAX), relative error < 2**-32.
    # k = round(-a/ln2) by the 1.5*2**52 shifter; r = -a - k*ln2 (single ln2:
    # |k| <= 159 gives an error below 2**-46); e**r = 1 + r(1 + r Q(r)) with Q
    # a degree-5 Chebyshev fit of (e**r - 1 - r)/r**2 on |r| <= ln2/2
    # (mpmath.chebyfit; max relative error of e**r 2**-32.1).
    cdef double t, kf, r, q
    t = sf_fmad(a, -SF_INV_LN2, SF_SHIFT52)
    kf = t - SF_SHIFT52
    r = sf_fmad(kf, -SF_LN2, -a)
    q = sf_fmad(r, sf_fmad(r, sf_fmad(r, sf_fmad(r, sf_fmad(
        r, 0.00019890980869750327, 0.0013933641031986701), 0.008333310934448869),
        0.04166646500604005), 0.16666666681614256), 0.5000000013457727)
    return sf_fmad(r, sf_fmad(r, q, 1.0), 1.0) * sf_pow2d(kf)


cdef inline double clamp_wide(double x) noexcept nogil:
    # |x| clamped at float32's AMAX (110); NaN passes.
    cdef double a = fabs(x)
    return SF_F_AMAX if a > SF_F_AMAX else a


# ---- float32 arithmetic ----

cdef inline float fclamp(float x) noexcept nogil:
    # -|x| clamped at -104 (NaN passes).  e**-104 < 2**-150, so every result
    # built from exp(-|x|) has already rounded to its limit there; the clamp
    # keeps k >= -150 for sf_pow2f_64 and turns -inf into a finite argument.
    cdef float na = sf_negabsf(x)
    return SF_F_NACLAMP if na < SF_F_NACLAMP else na


cdef inline float fexp_neg(float na, float* kf, float* r1, float* tt) noexcept nogil:
    # exp(na) = 2**kf * (1 + r1 + tt) for na in [-104, 0]; returns q = fl(r1 + tt).
    #
    # kf = round(na/ln2) by the 1.5*2**23 shifter.  r1 = na - kf*L, L = fl(ln2),
    # is exact with one FMA: kf*L is exact inside it, and for kf != 0 both na
    # (|na| > 0.34) and kf*L have their last bit at or above 2**-25 while
    # |r1| < 1/2, so r1 fits in 24 bits.  a2 = kf*(L - ln2) (|a2| < 3e-7) is
    # the rest of the reduction.  e**r - 1 - r = r**2 P(r) on |r| <= ln2/2,
    # P degree 4, fitted by iteratively reweighted least squares on the
    # relative error of e**r (max 0.065 * 2**-24 with these float32
    # coefficients).  The cross term r1*a2 is inside r**2 P(r) through r.
    cdef float t, k, a1, a2, r, p
    t = sf_fmaf(na, SF_F_INV_LN2, SF_F_SHIFT23)
    k = t - SF_F_SHIFT23
    a1 = sf_fmaf(k, -SF_F_LN2, na)
    a2 = k * SF_F_LN2_ERR
    r = a1 + a2
    p = sf_fmaf(sf_fmaf(sf_fmaf(sf_fmaf(
        <float>0.0013814536331395119, r, <float>0.008368701244110637), r,
        <float>0.04166838778190079), r, <float>0.16666520763786927), r,
        <float>0.4999999345341975)
    kf[0] = k
    r1[0] = a1
    tt[0] = sf_fmaf(r * r, p, a2)
    return a1 + tt[0]


cdef inline float fone_plus_e(float x, float* P2, float* c, float* u, float* r1,
                              float* tt) noexcept nogil:
    # 1 + e = s + c exactly (s returned), e = exp(-|x|) = 2**k (1 + r1 + tt).
    # u = fl(1 + q) and its rounding error ul (Fast2Sum, |q| < 1); c is s's
    # rounding error (one FMA) plus ul*2**k.  P2 = 2**(k+64).
    cdef float k, q, ul, P2s, s
    q = fexp_neg(fclamp(x), &k, r1, tt)
    u[0] = <float>1.0 + q
    ul = fast_two_sum_errf(<float>1.0, q, u[0])
    P2[0] = sf_pow2f_64(k)
    P2s = P2[0] * SF_F_TWOM64          # 2**k (0 for k = -150)
    s = sf_fmaf(u[0], P2s, <float>1.0)
    c[0] = sf_fmaf(ul, P2s, sf_fmaf(u[0], P2s, <float>1.0 - s))
    return s


cdef inline float log1p_exp_neg_f32(float x, float* lo) noexcept nogil:
    # log(1 + e) = hi + lo for e = exp(-|x|).
    #
    # s + c = 1 + e exactly (fone_plus_e); m = s or s/2 in [0.707, 1.414]
    # (j = 0 or 1) and f = m - 1 exact.  fdlibm's form
    # log(1+f) = f - hfsq + sd*(hfsq + R(sd**2)), sd = f/(2+f), puts all
    # rounding in terms small next to f; R: degree 4 in z = sd**2 (z <= 0.0295),
    # fitted like fexp_neg's P to the series 2z/3 + 2z**2/5 + ... (max error
    # 4.4e-10 relative to 2sd).  c/s ~ c*(1 - 2sd) adds the part of e lost in
    # s, which is all of log1p(e) = e once e < 2**-24.  hi = j*LN2_HI + f is
    # exact (LN2_HI has 16 bits; the sum's last bit is f's, 2**-24).
    cdef float r1, tt, u, P2, s, c, m, cs, j, f, sd, z, R, hfsq, inner
    cdef bint big
    s = fone_plus_e(x, &P2, &c, &u, &r1, &tt)
    big = s > SF_F_SQRT2
    m = s * <float>0.5 if big else s
    cs = c * <float>0.5 if big else c
    j = <float>1.0 if big else <float>0.0
    f = m - <float>1.0
    sd = f / (<float>2.0 + f)
    z = sd * sd
    R = z * sf_fmaf(z, sf_fmaf(z, sf_fmaf(
        z, <float>0.23584845663214124, <float>0.2853717493798677),
        <float>0.400003371522687), <float>0.6666666563747282)
    hfsq = <float>0.5 * f * f
    inner = sf_fmaf(sd, hfsq + R, -hfsq)
    lo[0] = sf_fmaf(j, SF_F_LN2_LO, inner + sf_fmaf(<float>-2.0 * sd, cs, cs))
    return sf_fmaf(j, SF_F_LN2_HI, f)


cdef inline double log_poly_wide(double z) noexcept nogil:
    # R(z) of log(1+f) = f - s(f - R), z = s*s, s = f/(2+f): the series
    # 2z/3 + 2z**2/5 + 2z**3/7 + 2z**4/9 (z <= 0.0295, truncation < 2**-30),
    # enough for float32 results evaluated in float64.
    return z * sf_fmad(z, sf_fmad(z, sf_fmad(z, 0.2222222222222222, 0.2857142857142857),
                                  0.4), 0.6666666666666666)
