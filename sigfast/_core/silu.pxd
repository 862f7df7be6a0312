# Layer 3, family: silu(x) = x sigma(x) and its derivative, float32 and
# float64 side by side.

from sigfast._core.platform cimport fabs, SF_AMAX, SF_F_AMAX, SF_SILU_X0_HI, SF_SILU_X0_LO, SF_SILU_WINDOW
from sigfast._core.eft cimport fast_two_sum, two_sum, two_prod_err
from sigfast._core.engine64 cimport amax, scale, sig_parts, sig_core
from sigfast._core.engine32 cimport exp_neg_wide, clamp_wide


cdef inline float silu_f32(float xf) noexcept nogil:
    # x * sigma(x) in float64, rounded once; x clamped at -AMAX, where the
    # exact result already rounds to -0.
    cdef double x = xf, e
    e = exp_neg_wide(clamp_wide(x))
    return <float>(x if x != x else
                   (-SF_F_AMAX if x < -SF_F_AMAX else x) * ((e if x < 0 else 1.0) / (1.0 + e)))


cdef inline double silu_f64(double x) noexcept nogil:
    # silu(x) = 2**kk * x (yh + yl); x*yh's rounding error is kept so the
    # product rounds once.  x is clamped at -AMAX, where the exact result
    # already rounds to -0.  Above |p| = 1e300 the correction is 0 anyway
    # (sigma = 1 exactly) and inf*1 - inf would make it NaN.
    cdef double yl, kk, yh, xc, p, corr
    yh = sig_core(x, &yl, &kk)
    xc = -SF_AMAX if x < -SF_AMAX else x
    p = xc * yh
    corr = two_prod_err(xc, yh, p) + xc * yl
    corr = corr if fabs(p) < 1e300 else 0.0
    # p alone when there is nothing to add keeps silu(-0.0) = -0.0; a NaN
    # input is returned as is (its sign would otherwise depend on which
    # operand order the vector body or the scalar tail used)
    p = scale(p + corr if corr != 0 else p, kk)
    return x if x != x else p


# silu' has a simple zero at x0 (SF_SILU_X0_HI + SF_SILU_X0_LO).  Within
# SF_SILU_WINDOW = 1e-2 of it the general formula cancels (1 + x sigma(-x)
# -> 0) and keeps only ~2**-62 absolute accuracy (19 ulp at x0 + 8e-6, above
# 1 ulp out to |x - x0| ~ 5e-3); there the Taylor series of silu' about x0
# (coefficients from mpmath.taylor at 300 bits; degree 9, truncation below
# 2e-6 ulp) is used instead, with delta = x - x0 and the leading
# coefficient kept as two words.

cdef inline double silu_grad_near_zero(double x) noexcept nogil:
    cdef double d0, dh, dl, p, tail
    d0 = x - SF_SILU_X0_HI                 # exact (Sterbenz)
    dh = fast_two_sum(d0, -SF_SILU_X0_LO, &dl)
    p = dh * 0.2178117057198001
    tail = dh * (0.1466487969969469 + dh * (0.018874814223782312 + dh * (
        -0.015222655223188032 + dh * (-0.006606589138356696 + dh * (
            0.000126627410081122 + dh * (0.0007985218818397998 + dh * (
                0.00018570724361186496 + dh * -4.090534237428612e-05)))))))
    return p + ((two_prod_err(dh, 0.2178117057198001, p) + 0.2178117057198001 * dl)
                + dh * (-3.974332795880862e-18 + tail))


cdef inline float silu_grad_f32(float xf) noexcept nogil:
    # sigma(x)(1 + x sigma(-x)) in float64; near the zero x0 the Taylor
    # patch keeps the relative accuracy.
    cdef double x = xf, e, q, big, small, sx, smx, xc, g
    e = exp_neg_wide(clamp_wide(x))
    q = 1.0 / (1.0 + e)
    big = q
    small = e * q
    sx = small if x < 0 else big
    smx = big if x < 0 else small
    xc = -SF_F_AMAX if x < -SF_F_AMAX else (SF_F_AMAX if x > SF_F_AMAX else x)
    g = sx * (1.0 + xc * smx)
    g = silu_grad_near_zero(x) if fabs(x - SF_SILU_X0_HI) < SF_SILU_WINDOW else g
    return <float>(x if x != x else g)      # NaN in, the same NaN out


cdef inline double silu_grad_f64(double x) noexcept nogil:
    # silu'(x) = sigma(x) (1 + x sigma(-x)).  With e = exp(-|x|):
    # big = sigma(|x|) = q(1+res), small = sigma(-|x|) = 2**k e'q(1+res).
    # x >= 0: big * (1 + x*small);  x < 0: small * (1 + x*big), where 1 + x*big
    # cancels near the zero x0 = -1.2785, so T = x*big is kept as two words
    # and 1 + T is a TwoSum.
    cdef double a, q, res, eh, el, k, p1, c1, sh, sl, bh, bl
    cdef double oh, ol, ko, ih, il, ki, xc, Th, Te, Uh, Ul, gh, ge
    cdef bint neg = x < 0
    a = amax(fabs(x))
    q = sig_parts(a, &res, &eh, &el, &k)
    p1 = eh * q
    c1 = two_prod_err(eh, q, p1) + (el * q + p1 * res)
    sh = fast_two_sum(p1, c1, &sl)
    bh = q
    bl = q * res
    oh = sh if neg else bh
    ol = sl if neg else bl
    ko = k if neg else 0.0
    ih = bh if neg else sh
    il = bl if neg else sl
    ki = 0.0 if neg else k
    xc = -SF_AMAX if x < -SF_AMAX else (SF_AMAX if x > SF_AMAX else x)
    Th = xc * ih
    Te = two_prod_err(xc, ih, Th) + xc * il
    Th = scale(Th, ki)
    Te = scale(Te, ki)
    Uh = two_sum(1.0, Th, &Ul)
    Ul = Ul + Te
    gh = oh * Uh
    ge = two_prod_err(oh, Uh, gh) + (oh * Ul + ol * Uh)
    gh = scale(gh + ge, ko)
    gh = silu_grad_near_zero(x) if fabs(x - SF_SILU_X0_HI) < SF_SILU_WINDOW else gh
    return x if x != x else gh              # NaN in, the same NaN out
