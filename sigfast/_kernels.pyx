# cython: freethreading_compatible = True
"""sigfast kernels: the sigmoid family as NumPy ufuncs.

Design
------
* One source, several SIMD levels.  meson copies this file to
  ``_kernels_<level>.pyx`` and compiles each copy with that level's ``-march``
  (x86-64-v2 / v3 / v4).  ``sigfast._dispatch`` imports the best level the CPU
  runs.  Nothing here uses intrinsics: every element function is a
  branch-free ``cdef inline ... noexcept nogil`` function of one element,
  written so GCC's loop vectorizer turns the contiguous loops into SIMD code
  (checked by tests/test_simd.py with objdump).  Selects are ternaries on
  plain values (GCC if-converts them into blends); there is no libm call in a
  hot loop.
* float32 sigmoid, log_sigmoid, softplus and BCE run in float32 arithmetic
  with the rounding errors of their critical steps kept as extra float32
  words (max 0.93 / 1.22 ulp over all 2**32 inputs); the other float32
  kernels evaluate plain stable formulas in float64, whose error (~2**-30)
  vanishes in the final rounding to float32 (the other ``f_*`` kernels).
* float64 gets accuracy by error-free transformations (the ``d_*`` kernels
  and their double-double building blocks).  exp(-a) is returned
  unevaluated as ``2**k * (eh + el)``, and
  each formula carries the rounding error of its critical step (``1 + e``,
  the reciprocal, a product) as a second word, so the result is rounded
  essentially once.  Results that are subnormal are produced by one final
  scaling, so they are rounded once as well (NumPy, SciPy, PyTorch and JAX
  flush them to 0).
* Two float32 kernels (sigmoid_grad_from_output, bce_with_logits_grad)
  evaluate the float64 algorithm and round: sigma(z) - y cancels where
  sigma(z) ~ y and needs float64's compensated sigma.
* ufunc plumbing: a ufunc's per-dtype ``data`` pointer holds the contiguous
  kernel ``k(x, y, n)`` for that dtype.  One generic inner loop per arity
  calls it directly for contiguous data (split across OpenMP threads above
  ``PAR_MIN`` elements) and, for any other strides, gathers blocks of
  ``BLOCK`` elements into stack buffers and calls the *same* kernel, so
  strided and contiguous results are bit-identical by construction.
  Element-wise work on disjoint blocks is bit-identical for any thread count.

Cut-offs
--------
AMAX = 110 (float32, ``lclamp``) / 760 (float64, ``amax``): |x| is clamped
    there before exp.  e**-110 < 2**-150 and 110*e**-110 < 2**-150
    (e**-760 < 2**-1075), so sigmoid(-x), silu(-x) and log1p(exp(-x)) already
    round to 0 at the clamp and the clamp changes no result; it keeps
    k = round(a/ln2) in range for the 2**k construction.
KDEN = -200 (float64): below this, e = 2**k*(...) is invisible in 1 + e (it
    is under 2**-200) and the denominator uses 2**KDEN instead, which keeps
    2**k a normal number.
KSPLIT = -1000 (float64): 2**k for k down to -1100 is applied as two normal
    powers of two, 2**KSPLIT then the rest, so only the last multiply rounds
    (into the subnormal range when the result is subnormal).
KSERIES = -20 (float64): for e < 2**-20, log1p(e) = e - e**2/2 + e**3/3 has
    relative truncation error below 2**-60; the log branch needs
    1 + e > 1 + 2**-21.
"""
cimport cython
from cython.parallel cimport prange
from libc.stdlib cimport malloc, free
cimport numpy as cnp
from numpy cimport npy_intp
from sigfast._openmp cimport sf_num_threads

cnp.import_array()
cnp.import_ufunc()

cdef extern from "<fenv.h>" nogil:
    int FE_ALL_EXCEPT
    int fetestexcept(int excepts)
    int feclearexcept(int excepts)
    int feraiseexcept(int excepts)

cdef extern from "numpy/halffloat.h" nogil:
    ctypedef unsigned short npy_half
    float npy_half_to_float(npy_half h)
    npy_half npy_float_to_half(float f)

cdef extern from "sf_simd.h" nogil:
    const char* SF_LEVEL_NAME
    int SF_HAS_FMA
    double sf_pow2d(double k)
    double sf_logbd(double x)
    double sf_mantd(double x)
    double sf_prod_errd(double a, double b, double p)
    double sf_fmad(double a, double b, double c)
    float sf_fmaf(float a, float b, float c)
    float sf_pow2f_64(float k)
    float sf_negabsf(float x)
    double fabs(double x)
    const double INFINITY
    const double NAN

ctypedef fused real:
    float
    double

LEVEL = SF_LEVEL_NAME.decode()
HAS_FMA = bool(SF_HAS_FMA)

# ---------------------------------------------------------------------------
# Scalar building blocks
# ---------------------------------------------------------------------------

cdef inline double amax(double x) noexcept nogil:
    # |x| clamp (see AMAX in the module docstring); NaN compares false and passes.
    return 760.0 if x > 760.0 else x


cdef inline double pow2(double k) noexcept nogil:
    return sf_pow2d(k)


cdef inline double fma(double a, double b, double c) noexcept nogil:
    # a*b + c, fused on FMA hardware; used in polynomial evaluation only,
    # where one rounding more or less is far below the result's ulp.
    return sf_fmad(a, b, c)


cdef inline double prod_err(double a, double b, double p) noexcept nogil:
    # a*b - p, exact when p is (within an ulp of) fl(a*b).
    return sf_prod_errd(a, b, p)


cdef inline double scale(double y, double k) noexcept nogil:
    # y * 2**k for integer k in [-1100, 0], rounded once: the first factor is
    # at least 2**KSPLIT, so y*2**k1 stays normal and exact.
    cdef double k1 = -1000.0 if k < -1000.0 else k
    return (y * pow2(k1)) * pow2(k - k1)


cdef inline double exp_neg(double a, double* el, double* k) noexcept nogil:
    # exp(-a) = 2**k * (eh + el) for 0 <= a <= AMAX, eh in [0.70, 1.42].
    #
    # Cody-Waite reduction: kf = round(a/ln2) by the 1.5*2**52 shifter,
    # rh = kf*LN2_HI - a is exact (LN2_HI has 21 trailing zero bits and
    # Sterbenz applies), rl = kf*LN2_LO carries the rest of ln2.  Then
    # exp(rh + rl) = 1 + rh + c with c = rl + r**2 * P(r), P the Taylor series
    # of (e**r - 1 - r)/r**2 to r**11 (truncation 2**-57.7 on |r| <= ln2/2).
    # 1 + (rh + c) is split with two Fast2Sums so eh + el holds it to about
    # 2**-106.
    cdef double t, kf, rh, rl, r, c, s, eh
    t = a * 1.4426950408889634
    kf = (t + 6755399441055744.0) - 6755399441055744.0
    rh = kf * 6.93147180369123816490e-01 - a
    rl = kf * 1.90821492927058770002e-10
    r = rh + rl
    c = fma(r * r, fma(r, fma(r, fma(r, fma(r, fma(r, fma(r, fma(r, fma(r, fma(r, fma(r, fma(r, 1.0 / 6227020800.0, 1.0 / 479001600), 1.0 / 39916800), 1.0 / 3628800), 1.0 / 362880), 1.0 / 40320), 1.0 / 5040), 1.0 / 720), 1.0 / 120), 1.0 / 24), 1.0 / 6), 0.5), rl)
    s = rh + c
    eh = 1 + s
    el[0] = ((1 - eh) + s) + ((rh - s) + c)
    k[0] = -kf
    return eh


cdef inline double sig_parts(double a, double* res, double* eh, double* el, double* k) noexcept nogil:
    # For a >= 0: e = exp(-a) = 2**k (eh + el) and q = fl(1/(1+e)) with
    # 1/(1+e) = q*(1 + res) up to O(2**-106).
    #
    # d + dl = 1 + e exactly-ish (Fast2Sum, 1 >= e); res is the relative
    # residual 1 - (d + dl)*q, where d*q - 1 is exact by prod_err.
    cdef double ks, sc, e1, e2, d, dl, q
    eh[0] = exp_neg(a, el, k)
    ks = -200.0 if k[0] < -200.0 else k[0]
    sc = pow2(ks)
    e1 = eh[0] * sc
    e2 = el[0] * sc
    d = 1 + e1
    dl = ((1 - d) + e1) + e2
    q = 1 / d
    res[0] = -prod_err(d, q, 1.0) - dl * q
    return q


cdef inline double sig_core(double x, double* yl, double* kk) noexcept nogil:
    # sigma(x) = 2**kk * (yh + yl), yh in the normal range.
    #
    # sigma(|x|) = 1/(1+e) and sigma(-|x|) = e/(1+e) with e = exp(-|x|): never
    # exp(+|x|), so nothing overflows.  Both are m*q*(1+res) with m = 1 or
    # m = eh + el; the product's rounding error is kept (prod_err) so yh is
    # the once-rounded value.  The 2**k of the negative side is applied by
    # the caller, so subnormal results are rounded once too.
    cdef double a, q, res, eh, el, k, m, ml, p, corr, yh
    cdef bint neg = x < 0
    a = amax(fabs(x))
    q = sig_parts(a, &res, &eh, &el, &k)
    m = eh if neg else 1.0
    ml = el if neg else 0.0
    kk[0] = k if neg else 0.0
    p = m * q
    corr = prod_err(m, q, p) + (ml * q + p * res)
    yh = p + corr
    yl[0] = (p - yh) + corr
    return yh


cdef inline double log1p_exp_neg(double a, double* Ll) noexcept nogil:
    # L = log(1 + exp(-a)) for a >= 0, returned as Lh + Ll.
    #
    # Log branch (e >= 2**-20): d + dl = 1 + e, scaled by 1/2 when d > sqrt2 so
    # m = 1 + f lies in [0.707, 1.414] and f = m - 1 is exact.  Then fdlibm's
    # form log(1+f) = f - hfsq + s*(hfsq + R(s*s)), s = f/(2+f), whose
    # correction terms are small next to f, plus dl/m for the low word
    # (1/m = (1-s)/(1+s) ~ 1 - 2s + 2s^2 - 2s^3, ample for a 2**-53 term).
    # R: fdlibm's Lg1..Lg7 minimax (error < 2**-58.45 on |s| <= 0.1716;
    # fdlibm e_log.c).
    # Series branch (e < 2**-20): L = e - e**2/2 + e**3/3 computed as
    # 2**k * (eh + el - eh*e*(1/2 - e/3)) and scaled once, so a subnormal L
    # (softplus(-x), -log_sigmoid(x) for x > 708) is rounded once.
    cdef double eh, el, k, ks, sc, e1, e2, d, dl, m, ml, j, f, s, z, R, hfsq
    cdef double c, lo, jh, h, bb, he, Lh, Llog, esc, Ls
    cdef bint big, small
    eh = exp_neg(a, &el, &k)
    small = k < -20.0
    ks = -30.0 if k < -30.0 else k
    sc = pow2(ks)
    e1 = eh * sc
    e2 = el * sc
    d = 1 + e1
    dl = ((1 - d) + e1) + e2
    big = d > 1.4142135623730951
    m = d * 0.5 if big else d
    ml = dl * 0.5 if big else dl
    j = 1.0 if big else 0.0
    f = m - 1
    s = f / (2 + f)
    z = s * s
    R = z * fma(z, fma(z, fma(z, fma(z, fma(z, fma(z, 1.479819860511658591e-01, 1.531383769920937332e-01), 1.818357216161805012e-01), 2.222219843214978396e-01), 2.857142874366239149e-01), 3.999999999940941908e-01), 6.666666666666735130e-01)
    jh = j * 6.93147180369123816490e-01
    lo = j * 1.90821492927058770002e-10
    hfsq = 0.5 * f * f
    c = ml * (1 + s * (-2.0 + s * (2 - 2 * s)))
    lo = (lo + c) + (s * (hfsq + R) - hfsq)
    h = jh + f
    bb = h - jh
    he = (jh - (h - bb)) + (f - bb)
    lo = lo + he
    Lh = h + lo
    Llog = (h - Lh) + lo
    # series branch
    esc = eh * pow2(-200.0 if k < -200.0 else k)
    Ls = eh + (el - eh * (esc * (0.5 - esc * (1.0 / 3))))
    Ll[0] = 0.0 if small else Llog
    return scale(Ls, k) if small else Lh


# ---------------------------------------------------------------------------
# float32 kernels, evaluated in float64
# ---------------------------------------------------------------------------
# float64 carries 29 bits more than float32, so plain stable formulas whose
# float64 relative error is ~2**-30 round to float32 essentially once
# (measured max 0.50-0.51 ulp), at about 58 AVX-512 instructions per 16
# elements for sigmoid.  The speed-critical functions use the float32
# kernels further down instead (about 44 for sigmoid, 0.93 ulp); the ones
# here are the functions without a float32-arithmetic version.
# Subnormal float32 results are normal numbers in float64, so the final
# conversion rounds them once as well.

cdef inline double lexp_neg(double a) noexcept nogil:
    # exp(-a) for 0 <= a <= 110 (float32's AMAX), relative error < 2**-32.
    # k = round(-a/ln2) by the 1.5*2**52 shifter; r = -a - k*ln2 (single ln2:
    # |k| <= 159 gives an error below 2**-46); e**r = 1 + r(1 + r Q(r)) with Q
    # a degree-5 Chebyshev fit of (e**r - 1 - r)/r**2 on |r| <= ln2/2
    # (mpmath.chebyfit; max relative error of e**r 2**-32.1).
    cdef double t, kf, r, q
    t = sf_fmad(a, -1.4426950408889634, 6755399441055744.0)
    kf = t - 6755399441055744.0
    r = sf_fmad(kf, -0.6931471805599453, -a)
    q = sf_fmad(r, sf_fmad(r, sf_fmad(r, sf_fmad(r, sf_fmad(
        r, 0.00019890980869750327, 0.0013933641031986701), 0.008333310934448869),
        0.04166646500604005), 0.16666666681614256), 0.5000000013457727)
    return sf_fmad(r, sf_fmad(r, q, 1.0), 1.0) * sf_pow2d(kf)


cdef inline double lclamp(double x) noexcept nogil:
    # |x| clamped at float32's AMAX (110); NaN passes.
    cdef double a = fabs(x)
    return 110.0 if a > 110.0 else a


cdef inline double llog1p(double e) noexcept nogil:
    # log(1 + e) for 0 <= e <= 1 to ~2**-30.  d = fl(1+e) and its rounding
    # error c = (1 - d) + e (exact); m = d or d/2 in [0.707, 1.414], f = m - 1
    # exact; log(1+f) = f - s(f - R), s = f/(2+f), R = 2z/3 + 2z^2/5 + 2z^3/7 +
    # 2z^4/9 (z = s*s <= 0.0295, truncation < 2**-30); + c/d ~ c(1-f)/2**j,
    # which keeps log1p(e) ~ e for e below 2**-53.
    cdef double d, c, m, j, f, s, z, R
    cdef bint big
    d = 1.0 + e
    c = (1.0 - d) + e
    big = d > 1.4142135623730951
    m = d * 0.5 if big else d
    j = 1.0 if big else 0.0
    f = m - 1.0
    s = f / (2.0 + f)
    z = s * s
    R = z * sf_fmad(z, sf_fmad(z, sf_fmad(z, 0.2222222222222222, 0.2857142857142857),
                               0.4), 0.6666666666666666)
    return sf_fmad(j, 0.6931471805599453, f - s * (f - R)) + c * (1.0 - f) * (0.5 if big else 1.0)


cdef inline float f_sigmoid_grad(float xf) noexcept nogil:
    cdef double e, q
    e = lexp_neg(lclamp(xf))
    q = 1.0 / (1.0 + e)
    return <float>(e * q * q)


cdef inline float f_silu(float xf) noexcept nogil:
    cdef double x = xf, e
    e = lexp_neg(lclamp(x))
    return <float>(x if x != x else
                   (-110.0 if x < -110.0 else x) * ((e if x < 0 else 1.0) / (1.0 + e)))


# ---------------------------------------------------------------------------
# float32 kernels in float32 arithmetic: sigmoid, log_sigmoid, softplus, BCE
# ---------------------------------------------------------------------------
# These are the speed-critical float32 functions.  Evaluating them in float64
# (above) costs two float64 vectors per float32 vector; here exp(-|x|) is
# carried as 2**k * (1 + r1 + tt) in float32 and each formula keeps the
# rounding errors of its critical steps (1 + q, 1 + e, the reciprocal) as
# extra float32 terms, so no result is rounded more than about twice.
# Max error over all 2**32 inputs (tools/exhaustive_f32.py, against the float64
# kernels): sigmoid 0.93 ulp, log_sigmoid and softplus 1.22 ulp (the
# float64-evaluated versions were 0.50; the bound is 1.5).  Subnormal results
# are produced by one rounding multiply (2**(k+64), then 2**-64).
# Every constant is cast to float: a bare literal is a C double and would
# silently turn the arithmetic into float64.

cdef inline float fclamp(float x) noexcept nogil:
    # -|x| clamped at -104 (NaN passes).  e**-104 < 2**-150, so every result
    # built from exp(-|x|) has already rounded to its limit there; the clamp
    # keeps k >= -150 for sf_pow2f_64 and turns -inf into a finite argument.
    cdef float na = sf_negabsf(x)
    return <float>-104.0 if na < <float>-104.0 else na


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
    t = sf_fmaf(na, <float>1.4426950408889634, <float>12582912.0)
    k = t - <float>12582912.0
    a1 = sf_fmaf(k, <float>-0.693147182464599609375, na)
    a2 = k * <float>1.9046542999577e-09
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
    ul = (<float>1.0 - u[0]) + q
    P2[0] = sf_pow2f_64(k)
    P2s = P2[0] * <float>5.421010862427522e-20          # 2**k (0 for k = -150)
    s = sf_fmaf(u[0], P2s, <float>1.0)
    c[0] = sf_fmaf(ul, P2s, sf_fmaf(u[0], P2s, <float>1.0 - s))
    return s


cdef inline float f_sigmoid(float x) noexcept nogil:
    # sigma(|x|) = 1/(1+e) and sigma(-|x|) = e/(1+e), e = exp(-|x|) = 2**k u.
    # s + c = 1 + e exactly (fone_plus_e).  r0 = fl(1/s) and
    # h = 1 - r0*(s + c) by two FMAs (nearly exact), so 1/(1+e) = r0 (1 + h).
    #   x >= 0:  r0 + r0*h, rounded once;
    #   x <  0:  (r0 + r0*g) * 2**k with 1 + g = (1 + r1 + tt)(1 + h): g's
    #            rounding (<= 2**-26) is the only error besides the last one.
    # 2**k is applied as 2**(k+64) then 2**-64, so a subnormal result (x below
    # -87.3, where NumPy/SciPy/PyTorch/JAX return 0) is rounded once.
    cdef float r1, tt, u, P2, s, c, r0, h, yp, g, yn
    s = fone_plus_e(x, &P2, &c, &u, &r1, &tt)
    r0 = <float>1.0 / s
    h = sf_fmaf(-r0, c, sf_fmaf(-r0, s, <float>1.0))
    yp = sf_fmaf(r0, h, r0)
    g = r1 + sf_fmaf(h, u, tt)
    yn = sf_fmaf(r0, g, r0) * P2 * <float>5.421010862427522e-20
    return yn if x < 0 else yp


cdef inline float f_log1p_exp_neg(float x, float* lo) noexcept nogil:
    # log(1 + e) = hi + lo for e = exp(-|x|).
    #
    # s + c = 1 + e exactly (fone_plus_e); m = s or s/2 in [0.707, 1.414]
    # (j = 0 or 1) and f = m - 1 exact.  fdlibm's form
    # log(1+f) = f - hfsq + sd*(hfsq + R(sd**2)), sd = f/(2+f), puts all
    # rounding in terms small next to f; R: degree 4 in z = sd**2 (z <= 0.0295),
    # fitted like P above to the series 2z/3 + 2z**2/5 + ... (max error
    # 4.4e-10 relative to 2sd).  c/s ~ c*(1 - 2sd) adds the part of e lost in
    # s, which is all of log1p(e) = e once e < 2**-24.  hi = j*LN2_HI + f is
    # exact (LN2_HI has 16 bits; the sum's last bit is f's, 2**-24).
    cdef float r1, tt, u, P2, s, c, m, cs, j, f, sd, z, R, hfsq, inner
    cdef bint big
    s = fone_plus_e(x, &P2, &c, &u, &r1, &tt)
    big = s > <float>1.4142135623730951
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
    lo[0] = sf_fmaf(j, <float>1.428606765330187045e-06,
                    inner + sf_fmaf(<float>-2.0 * sd, cs, cs))
    return sf_fmaf(j, <float>0.693145751953125, f)


cdef inline float f_log_sigmoid(float x) noexcept nogil:
    # log sigma(x) = min(x, 0) - L, L = log1p(exp(-|x|)) = hi + lo.  L is
    # rounded before the subtraction: ulp(L) <= ulp(result), so the two
    # roundings stay within one ulp (hi - min(x,0) first could cross a
    # binade and cost 1.5).  Negated last: log_sigmoid(+inf) = -(+0) = -0.0.
    # Below -104, L < ulp(x)/2 and the result is x (also -inf at -inf).
    cdef float lo, hi, mx
    hi = f_log1p_exp_neg(x, &lo)
    mx = x if x < 0 else <float>0.0
    return x if x < <float>-104.0 else -((hi + lo) - mx)


cdef inline float f_bce(float z, float y) noexcept nogil:
    # relu(z)(1-y) + relu(-z) y + log1p(exp(-|z|)), a sum of non-negative
    # terms for y in [0, 1] (see d_bce), in float32.  A zero weight selects an
    # exact 0, so z = +-inf with its matching target gives 0, not inf*0.
    cdef float lo, hi, omy, t1, t2
    hi = f_log1p_exp_neg(z, &lo)
    omy = <float>1.0 - y
    t1 = <float>0.0 if omy == 0 else (z if z > 0 else <float>0.0) * omy
    t2 = <float>0.0 if y == 0 else (-z if z < 0 else <float>0.0) * y
    return (t1 + t2) + (hi + lo)


# silu' has a simple zero at x0 = -1.27846454276107379510935873902 (mpmath,
# 300 bits), stored as X0H + X0L.  Within |x - x0| < 1e-2 the general formula
# above cancels (1 + x sigma(-x) -> 0) and keeps only ~2**-62 absolute
# accuracy (19 ulp at x0 + 8e-6, above 1 ulp out to |x - x0| ~ 5e-3); within
# 1e-2 the Taylor series of silu' about x0 (coefficients from mpmath.taylor
# at 300 bits; degree 9, truncation below 2e-6 ulp) is used instead, with delta = x - x0 and the leading
# coefficient kept as two words.
cdef double X0H = -1.2784645427610737
cdef double X0L = -1.0946994183093437e-16


cdef inline double silu_grad_near_zero(double x) noexcept nogil:
    cdef double d0, dh, dl, p, tail
    d0 = x - X0H                       # exact (Sterbenz)
    dh = d0 - X0L
    dl = (d0 - dh) - X0L
    p = dh * 0.2178117057198001
    tail = dh * (0.1466487969969469 + dh * (0.018874814223782312 + dh * (
        -0.015222655223188032 + dh * (-0.006606589138356696 + dh * (
            0.000126627410081122 + dh * (0.0007985218818397998 + dh * (
                0.00018570724361186496 + dh * -4.090534237428612e-05)))))))
    return p + ((prod_err(dh, 0.2178117057198001, p) + 0.2178117057198001 * dl)
                + dh * (-3.974332795880862e-18 + tail))


cdef inline float f_logit(float pf) noexcept nogil:
    # log(p/(1-p)) in float64 for float32 p: w = 1 - p and 2p - 1 are exact
    # (or, for p < 2**-29, off by a relative 2**-53); r = p/w = 2**j m with m
    # in [0.707, 1.414] from r's exponent and significand; log(m) = log1p(f)
    # with f = m - 1, except for j = 0 where f = (2p - 1)/w keeps full
    # relative accuracy near p = 1/2.
    cdef double p = pf, w, r, ep, mr, m, j, f, s, z, R, out
    cdef bint big
    w = 1.0 - p
    r = p / w
    ep = sf_logbd(r)
    mr = sf_mantd(r)
    big = mr > 1.4142135623730951
    m = mr * 0.5 if big else mr
    j = ep + 1.0 if big else ep
    f = (2.0 * p - 1.0) / w if j == 0.0 else m - 1.0
    s = f / (2.0 + f)
    z = s * s
    R = z * sf_fmad(z, sf_fmad(z, sf_fmad(z, 0.2222222222222222, 0.2857142857142857),
                               0.4), 0.6666666666666666)
    out = sf_fmad(j, 0.6931471805599453, f - s * (f - R))
    out = -INFINITY if p == 0.0 else out
    out = INFINITY if p == 1.0 else out
    return <float>(out if (p >= 0.0 and p <= 1.0) else NAN)


cdef inline float f_silu_grad(float xf) noexcept nogil:
    # sigma(x)(1 + x sigma(-x)) in float64; within 1e-2 of the zero x0 the
    # Taylor patch (silu_grad_near_zero) keeps the relative accuracy.
    cdef double x = xf, e, q, big, small, sx, smx, xc, g
    e = lexp_neg(lclamp(x))
    q = 1.0 / (1.0 + e)
    big = q
    small = e * q
    sx = small if x < 0 else big
    smx = big if x < 0 else small
    xc = -110.0 if x < -110.0 else (110.0 if x > 110.0 else x)
    g = sx * (1.0 + xc * smx)
    g = silu_grad_near_zero(x) if fabs(x - X0H) < 1e-2 else g
    return <float>(x if x != x else g)      # NaN in, the same NaN out


# ---------------------------------------------------------------------------
# Element functions (the public formulas)
# ---------------------------------------------------------------------------

cdef inline double d_sigmoid(double x) noexcept nogil:
    # sigma(x) = 1/(1+e) for x >= 0, e/(1+e) for x < 0, e = exp(-|x|).
    cdef double yl, kk, yh
    yh = sig_core(x, &yl, &kk)
    return scale(yh, kk)


cdef inline double d_sigmoid_grad(double x) noexcept nogil:
    # sigma'(x) = sigma(x) sigma(-x) = e/(1+e)**2, e = exp(-|x|) (even in x).
    # Never s*(1-s): 1 - sigma(x) rounds to 0 for x > 17 / 37, while e/(1+e)**2
    # keeps full relative accuracy down to the subnormal range.
    cdef double a, q, res, eh, el, k, p1, c1, uh, ul, p2, c2
    a = amax(fabs(x))
    q = sig_parts(a, &res, &eh, &el, &k)
    p1 = eh * q
    c1 = prod_err(eh, q, p1) + (el * q + p1 * res)
    uh = p1 + c1
    ul = (p1 - uh) + c1
    p2 = uh * q
    c2 = prod_err(uh, q, p2) + (ul * q + p2 * res)
    return scale(p2 + c2, k)


cdef inline double d_grad_from_output(double y) noexcept nogil:
    # y(1-y) with 1 - y = w + wl exactly (TwoSum) and the product's error kept.
    cdef double w, bb, wl, p, corr
    w = 1.0 - y
    bb = w - 1.0
    wl = (1.0 - (w - bb)) + (-y - bb)
    p = y * w
    corr = prod_err(y, w, p) + y * wl
    corr = corr if fabs(p) < 1e300 else 0.0
    return p + corr if corr != 0 else p      # keeps -0.0 at y = -0.0


cdef inline float f_grad_from_output(float yf) noexcept nogil:
    # 1 - y is exact in double and the product carries 49+ bits: one
    # effective rounding, to float.
    return <float>(<double>yf * (1.0 - <double>yf))


cdef inline double d_log_sigmoid(double x) noexcept nogil:
    # log sigma(x) = min(x, 0) - log1p(exp(-|x|)) = -(L - min(x, 0)), with
    # L - min(x,0) summed by TwoSum so the result is rounded once.  Written as
    # a negation so log_sigmoid(+inf) = -(+0) = -0.0; for x < -AMAX the exact
    # result rounds to x (L < ulp(x)/2), which also gives -inf at -inf.
    cdef double Ll, Lh, mx, h, bb, he, out
    mx = x if x < 0 else 0.0
    Lh = log1p_exp_neg(amax(fabs(x)), &Ll)
    h = Lh - mx
    bb = h - Lh
    he = (Lh - (h - bb)) + (-mx - bb)
    out = -(h + (he + Ll))
    return x if x < -760.0 else out


cdef inline double d_silu(double x) noexcept nogil:
    # silu(x) = x sigma(x) = 2**kk * x (yh + yl); x*yh's rounding error is kept
    # so the product rounds once.  x is clamped at -AMAX, where the exact
    # result already rounds to -0.  Above |p| = 1e300 the correction is 0
    # anyway (sigma = 1 exactly) and inf*1 - inf would make it NaN.
    cdef double yl, kk, yh, xc, p, corr
    yh = sig_core(x, &yl, &kk)
    xc = -760.0 if x < -760.0 else x
    p = xc * yh
    corr = prod_err(xc, yh, p) + xc * yl
    corr = corr if fabs(p) < 1e300 else 0.0
    # p alone when there is nothing to add keeps silu(-0.0) = -0.0; a NaN
    # input is returned as is (its sign would otherwise depend on which
    # operand order the vector body or the scalar tail used)
    p = scale(p + corr if corr != 0 else p, kk)
    return x if x != x else p


cdef inline double d_silu_grad(double x) noexcept nogil:
    # silu'(x) = sigma(x) (1 + x sigma(-x)).  With e = exp(-|x|):
    # big = sigma(|x|) = q(1+res), small = sigma(-|x|) = 2**k e'q(1+res).
    # x >= 0: big * (1 + x*small);  x < 0: small * (1 + x*big), where 1 + x*big
    # cancels near the zero x0 = -1.2785, so T = x*big is kept as two words
    # and 1 + T is a TwoSum.  Relative accuracy near x0 is limited by the
    # ~2**-57 accuracy of e (see the README's accuracy table).
    cdef double a, q, res, eh, el, k, p1, c1, sh, sl, bh, bl
    cdef double oh, ol, ko, ih, il, ki, xc, Th, Te, Uh, bb, Ul, gh, ge
    cdef bint neg = x < 0
    a = amax(fabs(x))
    q = sig_parts(a, &res, &eh, &el, &k)
    p1 = eh * q
    c1 = prod_err(eh, q, p1) + (el * q + p1 * res)
    sh = p1 + c1
    sl = (p1 - sh) + c1
    bh = q
    bl = q * res
    oh = sh if neg else bh
    ol = sl if neg else bl
    ko = k if neg else 0.0
    ih = bh if neg else sh
    il = bl if neg else sl
    ki = 0.0 if neg else k
    xc = -760.0 if x < -760.0 else (760.0 if x > 760.0 else x)
    Th = xc * ih
    Te = prod_err(xc, ih, Th) + xc * il
    Th = scale(Th, ki)
    Te = scale(Te, ki)
    Uh = 1.0 + Th
    bb = Uh - 1.0
    Ul = ((1.0 - (Uh - bb)) + (Th - bb)) + Te
    gh = oh * Uh
    ge = prod_err(oh, Uh, gh) + (oh * Ul + ol * Uh)
    gh = scale(gh + ge, ko)
    gh = silu_grad_near_zero(x) if fabs(x - X0H) < 1e-2 else gh
    return x if x != x else gh              # NaN in, the same NaN out




cdef inline double d_logit(double p) noexcept nogil:
    # logit(p) = log(p/(1-p)) for p in [0, 1].
    #
    # 1 - p = w + wl exactly (Fast2Sum).  p/w = 2**J * m with m in
    # [0.707, 1.414] is found from exponents and significands (no division):
    # m = A/(B + Bl) with A = p's significand * 2**-adj, B = w's significand.
    # Then log(m) = 2 atanh(s) = 2s + s R(s*s) with s = (A - B - Bl)/(A + B + Bl);
    # A - B is exact (Sterbenz), so s keeps full relative accuracy near
    # p = 1/2 where logit ~ 4(p - 1/2); s's rounding error sl is recovered
    # from the exact residual.  logit = J ln2 + 2s + (2 sl + s R).
    cdef double w, wl, ps, ep, mp, ew, mw, adj, A, B, Bl, J, n0, nh, bb, nl
    cdef double dh, dl, s, sl, z, R, Jh, Jl, h, he, out
    cdef bint tiny = p < 9.332636185032189e-302   # 2**-1000
    w = 1.0 - p
    wl = (1.0 - w) - p
    ps = p * 18014398509481984.0 if tiny else p    # * 2**54
    ep = sf_logbd(ps)
    mp = sf_mantd(ps)
    ew = sf_logbd(w)
    mw = sf_mantd(w)
    adj = (1.0 if mp > 1.4142135623730951 * mw else 0.0) - (
        1.0 if mw > 1.4142135623730951 * mp else 0.0)
    A = mp * pow2(-adj)
    B = mw
    Bl = wl * pow2(-ew)
    J = (ep - ew + adj) - (54.0 if tiny else 0.0)
    n0 = A - B
    nh = n0 - Bl
    bb = nh - n0
    nl = (n0 - (nh - bb)) + (-Bl - bb)
    dh = A + B
    bb = dh - A
    dl = ((A - (dh - bb)) + (B - bb)) + Bl
    s = nh / dh
    sl = ((nl - prod_err(s, dh, nh)) - s * dl) / dh
    z = s * s
    R = z * fma(z, fma(z, fma(z, fma(z, fma(z, fma(z, 1.479819860511658591e-01, 1.531383769920937332e-01), 1.818357216161805012e-01), 2.222219843214978396e-01), 2.857142874366239149e-01), 3.999999999940941908e-01), 6.666666666666735130e-01)
    Jh = J * 6.93147180369123816490e-01
    Jl = J * 1.90821492927058770002e-10
    h = Jh + 2.0 * s
    bb = h - Jh
    he = (Jh - (h - bb)) + (2.0 * s - bb)
    out = h + (he + (Jl + (2.0 * sl + s * R)))
    out = -INFINITY if p == 0.0 else out
    out = INFINITY if p == 1.0 else out
    return out if (p >= 0.0 and p <= 1.0) else NAN




cdef inline double d_bce(double z, double y) noexcept nogil:
    # BCE with logits, elementwise, as a sum of non-negative terms (y in [0,1]):
    #   relu(z)(1-y) + relu(-z) y + log1p(exp(-|z|)).
    # The textbook max(z,0) - z*y + log1p(...) cancels (29 ulp in float32).
    # A zero weight selects an exact 0, so z = +-inf with its matching target
    # gives 0 instead of inf*0 = NaN.
    cdef double Ll, L, omy, t1, t2
    L = log1p_exp_neg(amax(fabs(z)), &Ll)
    L = L + Ll
    omy = 1 - y
    t1 = 0.0 if omy == 0 else (z if z > 0 else 0.0) * omy
    t2 = 0.0 if y == 0 else (-z if z < 0 else 0.0) * y
    return (t1 + t2) + L


cdef inline double d_bce_grad(double z, double y) noexcept nogil:
    # d/dz BCE = sigma(z) - y.  With s = sigma(-|z|) = 2**kk (yh + yl):
    #   z < 0:  s - y,             yh's part first (exact when s ~ y), then yl;
    #   z >= 0: (1 - y) - s,       1 - y = w + wl by TwoSum,
    # so the tail sigma(z) - 1 = -sigma(-z) keeps full accuracy for large z
    # (and is exactly 0 at z = +inf, y = 1).
    cdef double yl, kk, yh, sh, sl, w, bb, wl, gneg, gpos
    yh = sig_core(-fabs(z), &yl, &kk)
    sh = scale(yh, kk)
    sl = scale(yl, kk)
    gneg = (sh - y) + sl
    w = 1.0 - y
    bb = w - 1.0
    wl = (1.0 - (w - bb)) + (-y - bb)
    wl = 0.0 if wl != wl else wl             # y = +-inf: TwoSum's inf - inf
    gpos = ((w - sh) + wl) - sl
    return gneg if z < 0 else gpos


cdef inline float f_bce_grad(float z, float y) noexcept nogil:
    # float32 goes through the float64 algorithm: sigma(z) ~ y cancels all the
    # leading bits, so sigma needs float64's compensated low word.
    return <float>d_bce_grad(z, y)


# The element functions of the ufuncs: float32 -> f_*, float64 -> d_*.

cdef inline real e_sigmoid(real x) noexcept nogil:
    return f_sigmoid(x) if real is float else d_sigmoid(x)

cdef inline real e_sigmoid_grad(real x) noexcept nogil:
    return f_sigmoid_grad(x) if real is float else d_sigmoid_grad(x)

cdef inline real e_sigmoid_grad_from_output(real y) noexcept nogil:
    return f_grad_from_output(y) if real is float else d_grad_from_output(y)

cdef inline real e_log_sigmoid(real x) noexcept nogil:
    return f_log_sigmoid(x) if real is float else d_log_sigmoid(x)

cdef inline real e_softplus(real x) noexcept nogil:
    # softplus(x) = log(1 + e**x) = -log_sigmoid(-x); the negation is exact.
    return -e_log_sigmoid(-x)

cdef inline real e_logit(real p) noexcept nogil:
    return f_logit(p) if real is float else d_logit(p)

cdef inline real e_silu(real x) noexcept nogil:
    return f_silu(x) if real is float else d_silu(x)

cdef inline real e_silu_grad(real x) noexcept nogil:
    return f_silu_grad(x) if real is float else d_silu_grad(x)

cdef inline real e_bce(real z, real y) noexcept nogil:
    return f_bce(z, y) if real is float else d_bce(z, y)

cdef inline real e_bce_grad(real z, real y) noexcept nogil:
    return f_bce_grad(z, y) if real is float else d_bce_grad(z, y)


# ---------------------------------------------------------------------------
# Contiguous kernels: one vectorizable loop per function and dtype
# ---------------------------------------------------------------------------

ctypedef void (*ukern_t)(const char*, char*, Py_ssize_t) noexcept nogil
ctypedef void (*bkern_t)(const char*, const char*, char*, Py_ssize_t) noexcept nogil


cdef void k_sigmoid(const real* x, real* y, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        y[i] = e_sigmoid(x[i])

cdef void k_sigmoid_grad(const real* x, real* y, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        y[i] = e_sigmoid_grad(x[i])

cdef void k_sigmoid_grad_from_output(const real* x, real* y, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        y[i] = e_sigmoid_grad_from_output(x[i])

cdef void k_log_sigmoid(const real* x, real* y, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        y[i] = e_log_sigmoid(x[i])

cdef void k_softplus(const real* x, real* y, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        y[i] = e_softplus(x[i])

cdef void k_logit(const real* x, real* y, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        y[i] = e_logit(x[i])

cdef void k_silu(const real* x, real* y, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        y[i] = e_silu(x[i])

cdef void k_silu_grad(const real* x, real* y, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        y[i] = e_silu_grad(x[i])

cdef void k_bce(const real* z, const real* t, real* y, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        y[i] = e_bce(z[i], t[i])

cdef void k_bce_grad(const real* z, const real* t, real* y, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        y[i] = e_bce_grad(z[i], t[i])


# ---------------------------------------------------------------------------
# Generic ufunc inner loops
# ---------------------------------------------------------------------------

# Contiguous calls shorter than PAR_MIN elements stay on the calling thread:
# below it the OpenMP fork/join (a few microseconds) costs more than the
# second core saves (measured in bench/bench_threads.py).  Each thread then
# gets at least PAR_MIN // 2 elements.
cdef enum:
    PAR_MIN = 32768
# Strided data is processed in blocks of BLOCK elements through stack buffers.
cdef enum:
    BLOCK = 512


cdef inline int plan_threads(Py_ssize_t n) noexcept nogil:
    cdef int nt
    if n < PAR_MIN:
        return 1
    nt = sf_num_threads()
    if nt > 1 and n // nt < PAR_MIN // 2:
        nt = <int>(n // (PAR_MIN // 2))
    return nt if nt > 1 else 1


cdef inline bint partial_overlap(const char* a, const char* y, Py_ssize_t nbytes) noexcept nogil:
    # NumPy does not copy an input that overlaps the output when a sequential
    # element loop is safe (e.g. out=a[:-1] for input a[1:]); split across
    # threads it is not, so such calls stay on one thread.  Exact aliasing
    # (in place) is safe in any order.
    return a != y and a < y + nbytes and y < a + nbytes


cdef void run_unary(ukern_t kern, const char* x, char* y, Py_ssize_t n,
                    Py_ssize_t isz) noexcept nogil:
    cdef int nt = plan_threads(n)
    cdef Py_ssize_t chunk, t, start, cnt
    if nt > 1 and partial_overlap(x, y, n * isz):
        nt = 1
    if nt <= 1:
        kern(x, y, n)
        return
    # Equal static chunks, multiples of 64 elements so every chunk but the
    # last starts on a cache line when the array does.
    chunk = ((n + nt - 1) // nt + 63) & ~(<Py_ssize_t>63)
    for t in prange(nt, nogil=True, num_threads=nt, schedule='static'):
        start = t * chunk
        if start < n:
            cnt = chunk if n - start > chunk else n - start
            kern(x + start * isz, y + start * isz, cnt)


cdef void run_binary(bkern_t kern, const char* a, const char* b, char* y,
                     Py_ssize_t n, Py_ssize_t isz) noexcept nogil:
    cdef int nt = plan_threads(n)
    cdef Py_ssize_t chunk, t, start, cnt
    if nt > 1 and (partial_overlap(a, y, n * isz) or partial_overlap(b, y, n * isz)):
        nt = 1
    if nt <= 1:
        kern(a, b, y, n)
        return
    chunk = ((n + nt - 1) // nt + 63) & ~(<Py_ssize_t>63)
    for t in prange(nt, nogil=True, num_threads=nt, schedule='static'):
        start = t * chunk
        if start < n:
            cnt = chunk if n - start > chunk else n - start
            kern(a + start * isz, b + start * isz, y + start * isz, cnt)


cdef inline void gather(char* dst, const char* src, npy_intp step, Py_ssize_t m,
                        Py_ssize_t isz) noexcept nogil:
    # isz == 2: float16 in, float32 in the buffer (exact widening).
    cdef Py_ssize_t j
    if isz == 2:
        for j in range(m):
            (<float*>dst)[j] = npy_half_to_float((<const npy_half*>(src + j * step))[0])
    elif isz == 4:
        for j in range(m):
            (<float*>dst)[j] = (<const float*>(src + j * step))[0]
    else:
        for j in range(m):
            (<double*>dst)[j] = (<const double*>(src + j * step))[0]


cdef inline void scatter(char* dst, npy_intp step, const char* src, Py_ssize_t m,
                         Py_ssize_t isz) noexcept nogil:
    # isz == 2: the float32 result is rounded once to float16.
    cdef Py_ssize_t j
    if isz == 2:
        for j in range(m):
            (<npy_half*>(dst + j * step))[0] = npy_float_to_half((<const float*>src)[j])
    elif isz == 4:
        for j in range(m):
            (<float*>(dst + j * step))[0] = (<const float*>src)[j]
    else:
        for j in range(m):
            (<double*>(dst + j * step))[0] = (<const double*>src)[j]


cdef inline void restore_fpflags(int flags) noexcept nogil:
    # The kernels evaluate both sides of every select, so intermediate
    # overflow/invalid flags are normal and meaningless; NumPy would turn them
    # into RuntimeWarnings.  Put the calling thread's flags back as they were
    # (flags raised before this loop, e.g. by NumPy's casts, survive).
    feclearexcept(FE_ALL_EXCEPT)
    if flags:
        feraiseexcept(flags)


cdef inline void unary_loop(char** args, const npy_intp* dims, const npy_intp* steps,
                            ukern_t kern, Py_ssize_t isz) noexcept nogil:
    # isz: 2 (float16, run through the float32 kernel), 4 or 8.
    cdef Py_ssize_t n = dims[0], off, m
    cdef double bx[BLOCK]
    cdef double by[BLOCK]
    cdef int flags = fetestexcept(FE_ALL_EXCEPT)
    if isz != 2 and steps[0] == isz and steps[1] == isz:
        run_unary(kern, args[0], args[1], n, isz)
    else:
        off = 0
        while off < n:
            m = BLOCK if n - off > BLOCK else n - off
            gather(<char*>bx, args[0] + off * steps[0], steps[0], m, isz)
            kern(<const char*>bx, <char*>by, m)
            scatter(args[1] + off * steps[1], steps[1], <const char*>by, m, isz)
            off += m
    restore_fpflags(flags)


cdef inline void binary_loop(char** args, const npy_intp* dims, const npy_intp* steps,
                             bkern_t kern, Py_ssize_t isz) noexcept nogil:
    cdef Py_ssize_t n = dims[0], off, m
    cdef double ba[BLOCK]
    cdef double bb[BLOCK]
    cdef double by[BLOCK]
    cdef int flags = fetestexcept(FE_ALL_EXCEPT)
    if isz != 2 and steps[0] == isz and steps[1] == isz and steps[2] == isz:
        run_binary(kern, args[0], args[1], args[2], n, isz)
    else:
        off = 0
        while off < n:
            m = BLOCK if n - off > BLOCK else n - off
            gather(<char*>ba, args[0] + off * steps[0], steps[0], m, isz)
            gather(<char*>bb, args[1] + off * steps[1], steps[1], m, isz)
            kern(<const char*>ba, <const char*>bb, <char*>by, m)
            scatter(args[2] + off * steps[2], steps[2], <const char*>by, m, isz)
            off += m
    restore_fpflags(flags)


# The ufunc entry points: one per arity and dtype; the kernel comes in `data`.
cdef void loop_unary_h(char** args, const npy_intp* dims, const npy_intp* steps,
                       void* data) noexcept nogil:
    unary_loop(args, dims, steps, <ukern_t>data, 2)

cdef void loop_unary_f(char** args, const npy_intp* dims, const npy_intp* steps,
                       void* data) noexcept nogil:
    unary_loop(args, dims, steps, <ukern_t>data, 4)

cdef void loop_unary_d(char** args, const npy_intp* dims, const npy_intp* steps,
                       void* data) noexcept nogil:
    unary_loop(args, dims, steps, <ukern_t>data, 8)

cdef void loop_binary_h(char** args, const npy_intp* dims, const npy_intp* steps,
                        void* data) noexcept nogil:
    binary_loop(args, dims, steps, <bkern_t>data, 2)

cdef void loop_binary_f(char** args, const npy_intp* dims, const npy_intp* steps,
                        void* data) noexcept nogil:
    binary_loop(args, dims, steps, <bkern_t>data, 4)

cdef void loop_binary_d(char** args, const npy_intp* dims, const npy_intp* steps,
                        void* data) noexcept nogil:
    binary_loop(args, dims, steps, <bkern_t>data, 8)


# ---------------------------------------------------------------------------
# ufunc objects
# ---------------------------------------------------------------------------

# Loop order matters: NumPy takes the first loop the inputs cast to safely,
# so bool/int8 -> float16, int16 -> float32, int32/int64 -> float64, as np.exp.
cdef char _types1[6]
cdef char _types2[9]
cdef int _i
for _i, _t in enumerate((23, cnp.NPY_FLOAT, cnp.NPY_DOUBLE)):   # 23 = NPY_HALF
    _types1[2 * _i] = _t
    _types1[2 * _i + 1] = _t
    _types2[3 * _i] = _t
    _types2[3 * _i + 1] = _t
    _types2[3 * _i + 2] = _t

# NumPy keeps the name and doc pointers: the bytes must live as long as the ufunc.
_keepalive = []


cdef object _make_ufunc(str name, str doc, int nin, void* kf, void* kd):
    cdef cnp.PyUFuncGenericFunction* funcs = <cnp.PyUFuncGenericFunction*>malloc(
        3 * sizeof(cnp.PyUFuncGenericFunction))
    cdef void** data = <void**>malloc(3 * sizeof(void*))
    cdef char* types = &_types1[0] if nin == 1 else &_types2[0]
    if funcs == NULL or data == NULL:
        raise MemoryError()
    if nin == 1:
        funcs[0] = <cnp.PyUFuncGenericFunction>loop_unary_h
        funcs[1] = <cnp.PyUFuncGenericFunction>loop_unary_f
        funcs[2] = <cnp.PyUFuncGenericFunction>loop_unary_d
    else:
        funcs[0] = <cnp.PyUFuncGenericFunction>loop_binary_h
        funcs[1] = <cnp.PyUFuncGenericFunction>loop_binary_f
        funcs[2] = <cnp.PyUFuncGenericFunction>loop_binary_d
    data[0] = kf        # float16 runs the float32 kernel
    data[1] = kf
    data[2] = kd
    bname = name.encode()
    bdoc = doc.encode()
    _keepalive.append((bname, bdoc))
    return cnp.PyUFunc_FromFuncAndData(
        funcs, data, types, 3, nin, 1, cnp.PyUFunc_None, bname, bdoc, 0)


_DOC_TAIL = """
float32 and float64 loops compute natively in that precision; float16 is
computed in float32 and rounded once to float16; integer and bool inputs
follow NumPy's casting rules (as np.exp).  Supports ``out=``, ``where=``,
broadcasting and every other ufunc keyword.
"""

sigmoid = _make_ufunc(
    "sigmoid",
    "Logistic sigmoid, 1 / (1 + exp(-x)).\n\n"
    "Stable for all x (no overflow), correctly rounded to within about one ulp,\n"
    "including subnormal results for x < -87.3 (float32) / -708.4 (float64).\n"
    "sigmoid(-inf) = 0, sigmoid(inf) = 1.\n\n"
    ">>> sigfast.sigmoid([0.0, 2.0])\narray([0.5       , 0.88079708])\n" + _DOC_TAIL,
    1, <void*>k_sigmoid[float], <void*>k_sigmoid[double])

sigmoid_grad = _make_ufunc(
    "sigmoid_grad",
    "Derivative of the sigmoid from its input: sigma(x) * sigma(-x).\n\n"
    "Computed as e / (1 + e)**2 with e = exp(-|x|), so it keeps full relative\n"
    "accuracy for large |x| where sigma*(1-sigma) collapses to 0.\n" + _DOC_TAIL,
    1, <void*>k_sigmoid_grad[float], <void*>k_sigmoid_grad[double])

sigmoid_grad_from_output = _make_ufunc(
    "sigmoid_grad_from_output",
    "Derivative of the sigmoid from its output y = sigmoid(x): y * (1 - y).\n\n"
    "The cheap backward pass when y is already stored; rounded once.\n" + _DOC_TAIL,
    1, <void*>k_sigmoid_grad_from_output[float], <void*>k_sigmoid_grad_from_output[double])

log_sigmoid = _make_ufunc(
    "log_sigmoid",
    "Logarithm of the sigmoid, log(1 / (1 + exp(-x))) = -softplus(-x).\n\n"
    "log_sigmoid(+inf) = -0.0, log_sigmoid(-inf) = -inf.\n" + _DOC_TAIL,
    1, <void*>k_log_sigmoid[float], <void*>k_log_sigmoid[double])

softplus = _make_ufunc(
    "softplus",
    "Softplus, log(1 + exp(x)), stable for all x.\n\n"
    "softplus(+inf) = inf, softplus(-inf) = 0.\n" + _DOC_TAIL,
    1, <void*>k_softplus[float], <void*>k_softplus[double])

logit = _make_ufunc(
    "logit",
    "Logit, log(p / (1 - p)), the inverse of the sigmoid.\n\n"
    "logit(0) = -inf, logit(1) = inf, NaN outside [0, 1].\n" + _DOC_TAIL,
    1, <void*>k_logit[float], <void*>k_logit[double])

silu = _make_ufunc(
    "silu",
    "SiLU (swish), x * sigmoid(x).\n" + _DOC_TAIL,
    1, <void*>k_silu[float], <void*>k_silu[double])

silu_grad = _make_ufunc(
    "silu_grad",
    "Derivative of SiLU: sigmoid(x) * (1 + x * sigmoid(-x)).\n" + _DOC_TAIL,
    1, <void*>k_silu_grad[float], <void*>k_silu_grad[double])

bce_with_logits = _make_ufunc(
    "bce_with_logits",
    "Elementwise binary cross-entropy from logits z and targets y:\n"
    "-(y log sigma(z) + (1 - y) log sigma(-z)).\n\n"
    "Computed as relu(z)(1-y) + relu(-z) y + log1p(exp(-|z|)), a sum of\n"
    "non-negative terms for y in [0, 1]; finite for every finite input and 0\n"
    "for z = +-inf with the matching target.\n" + _DOC_TAIL,
    2, <void*>k_bce[float], <void*>k_bce[double])

bce_with_logits_grad = _make_ufunc(
    "bce_with_logits_grad",
    "Gradient of bce_with_logits with respect to z: sigmoid(z) - y.\n" + _DOC_TAIL,
    2, <void*>k_bce_grad[float], <void*>k_bce_grad[double])



# ---------------------------------------------------------------------------
# Fused binary cross-entropy: loss / sum / gradient in one pass
# ---------------------------------------------------------------------------
# Terms are computed in float64 (float32 inputs widen exactly) as a sum of
# non-negative parts:
#   loss = w * ((1 - y') softplus(z) + pw y' softplus(-z)),
#   y' = y (1 - ls) + ls/2,  softplus(+-z) = relu(+-z) + log1p(exp(-|z|)),
# with a zero factor selecting an exact 0 (so z = +-inf with its matching
# target gives 0, not inf*0).  The gradient is
#   dloss/dz = w * ((1 - y') sigma(z) - pw y' sigma(-z)),
# which for pw = 1 is sigma(z) - y', taken from d_bce_grad so it stays
# accurate where sigma(z) ~ y'.
#
# Determinism: the n elements are cut into fixed blocks of LBLOCK; each
# block's terms go to a stack buffer and are summed with 8 interleaved
# accumulators in a fixed order; the block sums are then combined in block
# order with Neumaier compensation.  The thread count only decides which
# thread computes a block, never how it is summed, so the result is
# bit-identical for every thread count.

cdef enum:
    LBLOCK = 2048


cdef inline double grad_term(double z, double yy, double pw) noexcept nogil:
    # (1 - y') sigma(z) - pw y' sigma(-z); pw == 1 takes the cancellation-free path.
    cdef double yl, kk, yh, s_neg, s_pos, general
    yh = sig_core(-fabs(z), &yl, &kk)
    s_neg = scale(yh, kk) + scale(yl, kk)     # sigma(-|z|)
    s_pos = 1.0 - s_neg                         # sigma(|z|), exact enough here
    general = (1.0 - yy) * (s_pos if z >= 0 else s_neg) - pw * yy * (s_neg if z >= 0 else s_pos)
    return d_bce_grad(z, yy) if pw == 1.0 else general


cdef inline double loss_L(real z) noexcept nogil:
    # log1p(exp(-|z|)) as a float64 sum of its two words, not rounded to the
    # input dtype (float32: about 2**-28 relative).
    cdef float hf, lf
    cdef double hd, ld
    if real is float:
        hf = f_log1p_exp_neg(z, &lf)
        return <double>hf + lf
    hd = log1p_exp_neg(amax(fabs(z)), &ld)
    return hd + ld


cdef void bce_block(const real* z, const real* y, const real* w,
                    const double* pw, double ls, Py_ssize_t m,
                    double* lbuf, double* gbuf, bint want_grad) noexcept nogil:
    # Loss terms of one block into lbuf (float64); gradients into gbuf.
    # Every operand is a contiguous block here, so the loop vectorizes.
    cdef Py_ssize_t i
    cdef double zz, yy, L, omy, t1, t2
    for i in range(m):
        zz = z[i]
        L = loss_L(z[i])
        yy = y[i] * (1.0 - ls) + 0.5 * ls
        omy = 1.0 - yy
        t1 = 0.0 if omy == 0 else ((zz if zz > 0 else 0.0) + L) * omy
        t2 = 0.0 if yy == 0 else ((-zz if zz < 0 else 0.0) + L) * (yy * pw[i])
        lbuf[i] = (t1 + t2) * w[i]
    if want_grad:
        for i in range(m):
            yy = y[i] * (1.0 - ls) + 0.5 * ls
            gbuf[i] = grad_term(z[i], yy, pw[i]) * w[i]


cdef void bce_block_plain(const real* z, const real* y, Py_ssize_t m,
                          double* lbuf) noexcept nogil:
    # bce_block's terms with w = pw = 1 and no smoothing, operation for
    # operation (multiplying by 1 is exact), so the loss is bit-identical to
    # the one the gradient path returns.
    cdef Py_ssize_t i
    cdef double zz, yy, L, omy, t1, t2
    for i in range(m):
        zz = z[i]
        yy = y[i]
        L = loss_L(z[i])
        omy = 1.0 - yy
        t1 = 0.0 if omy == 0 else ((zz if zz > 0 else 0.0) + L) * omy
        t2 = 0.0 if yy == 0 else ((-zz if zz < 0 else 0.0) + L) * yy
        lbuf[i] = t1 + t2


cdef inline double block_sum(const double* b, Py_ssize_t m) noexcept nogil:
    # 8 interleaved accumulators (vectorizes as one SIMD register without any
    # reassociation), combined in a fixed order.
    cdef double a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0
    cdef Py_ssize_t i = 0
    while i + 8 <= m:
        a0 += b[i]
        a1 += b[i + 1]
        a2 += b[i + 2]
        a3 += b[i + 3]
        a4 += b[i + 4]
        a5 += b[i + 5]
        a6 += b[i + 6]
        a7 += b[i + 7]
        i += 8
    while i < m:
        a0 += b[i]
        i += 1
    return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))


cdef void bce_one_block(const real* z, const real* y, const real* w, Py_ssize_t wstep,
                        const double* pw, Py_ssize_t C, double ls, Py_ssize_t n,
                        real* loss_out, real* grad_out, double grad_scale,
                        double* block_sums, Py_ssize_t b) noexcept nogil:
    # One block; its buffers live on this call's stack, so threads never share them.
    cdef Py_ssize_t s = b * LBLOCK, m, i, j, k, c
    cdef double lbuf[LBLOCK]
    cdef double gbuf[LBLOCK]
    cdef double pwb[LBLOCK]
    cdef real wb[LBLOCK]
    cdef const real* wp
    cdef bint want_grad = grad_out != NULL
    m = LBLOCK if n - s > LBLOCK else n - s
    # The plain loss (no weight, pos_weight or smoothing, no gradient) is the
    # common case: its term loop reads only z and y.
    if (not want_grad and wstep == 0 and w[0] == 1 and C == 1 and pw[0] == 1.0
            and ls == 0.0):
        bce_block_plain(z + s, y + s, m, lbuf)
        block_sums[b] = block_sum(lbuf, m)
        if loss_out != NULL:
            for i in range(m):
                loss_out[s + i] = <real>lbuf[i]
        return
    # A scalar weight is spread over the block; an array is used in place.
    if wstep == 0:
        for i in range(m):
            wb[i] = w[0]
        wp = wb
    else:
        wp = w + s
    # pos_weight has period C along the flattened array (the class axis is
    # the last one): copy whole runs of it so the term loop reads one
    # contiguous block.
    if C == 1:
        for i in range(m):
            pwb[i] = pw[0]
    else:
        j = s % C
        i = 0
        while i < m:
            c = C - j if C - j < m - i else m - i
            for k in range(c):
                pwb[i + k] = pw[j + k]
            i += c
            j = 0
    bce_block(z + s, y + s, wp, pwb, ls, m, lbuf, gbuf, want_grad)
    block_sums[b] = block_sum(lbuf, m)
    if loss_out != NULL:
        for i in range(m):
            loss_out[s + i] = <real>lbuf[i]
    if want_grad:
        for i in range(m):
            grad_out[s + i] = <real>(gbuf[i] * grad_scale)


cdef void bce_fused(const real* z, const real* y, const real* w, Py_ssize_t wstep,
                    const double* pw, Py_ssize_t C, double ls, Py_ssize_t n,
                    real* loss_out, real* grad_out, double grad_scale,
                    double* block_sums, int nt) noexcept nogil:
    cdef Py_ssize_t nblocks = (n + LBLOCK - 1) // LBLOCK, b
    if nt <= 1:
        for b in range(nblocks):
            bce_one_block(z, y, w, wstep, pw, C, ls, n, loss_out, grad_out, grad_scale, block_sums, b)
        return
    for b in prange(nblocks, nogil=True, num_threads=nt, schedule='static'):
        bce_one_block(z, y, w, wstep, pw, C, ls, n, loss_out, grad_out, grad_scale, block_sums, b)


cdef double neumaier(const double* v, Py_ssize_t n) noexcept nogil:
    cdef double s = 0.0, c = 0.0, t
    cdef Py_ssize_t i
    for i in range(n):
        t = s + v[i]
        if fabs(s) >= fabs(v[i]):
            c += (s - t) + v[i]
        else:
            c += (v[i] - t) + s
        s = t
    # an infinite total (an infinite term, or overflow) makes c NaN: keep s
    return s + c if fabs(s) <= 1.7976931348623157e308 else s


def _bce_fused(cnp.ndarray z, cnp.ndarray y, cnp.ndarray w, cnp.ndarray pw,
               double label_smoothing, cnp.ndarray loss_out, cnp.ndarray grad_out,
               double grad_scale):
    """Internal: one fused pass (see sigfast._loss).

    z, y: C-contiguous, same shape and dtype (float32 or float64).
    w: same dtype, either size 1 (scalar) or z.size elements, contiguous.
    pw: float64, contiguous, period C = pw.size along the flattened array.
    loss_out / grad_out: None or contiguous arrays like z.
    Returns the float64 sum of the loss terms.
    """
    cdef Py_ssize_t n = z.size, nblocks, wstep, C = pw.size
    cdef double total
    cdef double* sums
    cdef int nt
    if n == 0:
        return 0.0
    nblocks = (n + LBLOCK - 1) // LBLOCK
    wstep = 0 if w.size == 1 else 1
    sums = <double*>malloc(nblocks * sizeof(double))
    if sums == NULL:
        raise MemoryError()
    nt = plan_threads(n)
    try:
        if z.dtype.num == cnp.NPY_FLOAT:
            with nogil:
                bce_fused[float](<const float*>cnp.PyArray_DATA(z), <const float*>cnp.PyArray_DATA(y),
                                 <const float*>cnp.PyArray_DATA(w), wstep,
                                 <const double*>cnp.PyArray_DATA(pw), C, label_smoothing, n,
                                 NULL if loss_out is None else <float*>cnp.PyArray_DATA(loss_out),
                                 NULL if grad_out is None else <float*>cnp.PyArray_DATA(grad_out),
                                 grad_scale, sums, nt)
        else:
            with nogil:
                bce_fused[double](<const double*>cnp.PyArray_DATA(z), <const double*>cnp.PyArray_DATA(y),
                                  <const double*>cnp.PyArray_DATA(w), wstep,
                                  <const double*>cnp.PyArray_DATA(pw), C, label_smoothing, n,
                                  NULL if loss_out is None else <double*>cnp.PyArray_DATA(loss_out),
                                  NULL if grad_out is None else <double*>cnp.PyArray_DATA(grad_out),
                                  grad_scale, sums, nt)
        total = neumaier(sums, nblocks)
    finally:
        free(sums)
    return total
