# Layer 3, family: silu(x) = x sigma(x) and its derivative.
from sigfast._core.vec cimport *
from sigfast._core.eft cimport fast_two_sum_f64
from sigfast._core.engine32 cimport Logistic32, clamp_f32, logistic_f32, SF_F_XHI, SF_F_TWOM64

cdef extern from "sf_consts.h" nogil:
    const float SF_F_TWOM32, SF_SILU_F_XRARE, SF_SILU_F_XZERO
from sigfast._core.engine64 cimport Logistic64, clamp_f64, logistic_f64, SF_XHI, SF_TWOM128, SF_TWO128
# the series about the zero of silu' and its windows (generated with sf_poly.h)
from sigfast._core.poly cimport (
    SF_SILU_X0_HI, SF_SILU_X0_LO, SF_SILU_T1_HI, SF_SILU_T1_LO, SF_SILU_T2, SF_SILU_T3,
    SF_SILU_T4, SF_SILU_T5, SF_SILU_T6, SF_SILU_T7, SF_SILU_T8, SF_SILU_T9, SF_SILU_T10,
    SF_SILU_F_X0_HI, SF_SILU_F_X0_LO, SF_SILU_F_X0_LO2, SF_SILU_F_T1_HI, SF_SILU_F_T1_LO,
    SF_SILU_F_T2, SF_SILU_F_T3, SF_SILU_F_T4, SF_SILU_F_T5, SF_SILU_F_T6,
    SF_SILU_NEAR, SF_SILU_F_NEAR)


# ---- silu ----------------------------------------------------------------------
# x sigma(x) = ((x 2**(K+1+b)) q0 (1 + h)) 2**-b: the first product is
# exact, the second keeps its rounding error (FMA), and the last scaling
# rounds once, into the subnormals if need be.  b = 32 (float32) / 128
# (float64) keeps x 2**(K+1+b) normal for the tiniest subnormal x and for
# x at the lower clamp, and finite at the upper one.  x is the clamped
# argument (below XLO the result has rounded to -0); above XHI silu(x) is x
# (inf included).  silu has the sign of x: the sign bit is put back last,
# which keeps silu(-0.0) = -0.0.

cdef inline sf_vf silu_f32(sf_vf x) noexcept nogil:
    cdef sf_vf xc = clamp_f32(x), xp, xq, m, r
    cdef Logistic32 c = logistic_f32(xc)
    xp = sf_vf_mul(xc, sf_vf_mul(c.P64, sf_vf_set(SF_F_TWOM32)))
    xq = sf_vf_mul(xp, c.q0)
    m = sf_vf_add(xq, sf_vf_mad(xq, c.h, sf_vf_fms(xp, c.q0, xq)))
    r = sf_vf_mul(m, sf_vf_set(SF_F_TWOM32))
    r = sf_vfi_asf(sf_vfi_or(sf_vf_bits(r), sf_vfi_and(sf_vf_bits(x), sf_vfi_set(-0x80000000))))
    return sf_vf_sel(sf_vf_lt(sf_vf_set(SF_F_XHI), x), x, r)


cdef inline sf_vd silu_f64(sf_vd x) noexcept nogil:
    cdef sf_vd xc = clamp_f64(x), xp, xq, m, r
    cdef Logistic64 c = logistic_f64(xc)
    xp = sf_vd_mul(xc, c.P128)
    xq = sf_vd_mul(xp, c.q0)
    m = sf_vd_add(xq, sf_vd_mad(xq, c.h, sf_vd_fms(xp, c.q0, xq)))
    r = sf_vd_mul(m, sf_vd_set(SF_TWOM128))
    r = sf_vdi_asd(sf_vdi_or(sf_vd_bits(r), sf_vdi_and(sf_vd_bits(x),
                                                       sf_vdi_set(-0x8000000000000000))))
    return sf_vd_sel(sf_vd_lt(sf_vd_set(SF_XHI), x), x, r)


# ---- silu_grad -------------------------------------------------------------------
# silu'(x) = sigma(x) (1 + x sigma(-x)).  On the logistic core at -|x|:
# small = sigma(-|x|) = P/D and big = sigma(|x|) = 1 - small, each as two
# words.  x >= 0: big (1 + x small); x < 0: small (1 + x big), where
# 1 + x big cancels near the zero x0 = -1.2785 of silu', so T = x big is
# kept as two words and 1 + T is exact as two words (Fast2Sum of 1 and T:
# |T| <= 1, or T <= -1 where 1 + T itself is exact).
#
# float64: big = (u2 + eu2)/D, small's 2**(K+1) applied last (via 2**128,
# so subnormal results round once).  Within 1e-2 of x0 the cancellation
# still costs relative accuracy (2**-62 absolute is 19 ulp at x0 + 8e-6):
# there the Taylor series of silu' about x0 (sf_poly.h, degree 10,
# truncation below 2e-6 ulp) is used instead, evaluated only for a vector
# with such a lane: its 17 operations per register are a quarter of the
# kernel.
#
# float32 (16 lanes per zmm; it used to widen to the float64 formula, wide32):
# the same form in float32 words, on engine32.  The float32 core's sigma is
# good to ~2**-28 relative (its e**-r polynomial and reduction), so T is
# good to ~2**-30 absolute and 1 + T loses it near x0: max 0.61 ulp for
# |x - x0| >= 1/16, 0.79 at 0.02, 1.09 at 0.01.  Where any lane is within
# 1/16 of x0 that vector also evaluates the Taylor series about x0 in
# float32 (x0 in three words: the float32 nearest x0 is 1.3e-8 from it;
# C1 in two; degree 6, truncation 2**-32 relative at 1/16) and takes it for
# those lanes.  big = 1 - small by Fast2Sum (3 adds instead of 4 products:
# the multiplier pipe limits this kernel).  For x >= 0 the factor P of
# small goes into x (x P exact).  The x < 0 result's 2**(K+1) is added to
# the exponent field (an integer add: exact while the result is normal,
# i.e. for x >= -85); for x < -85 (subnormal results from about -92) the
# two words and 2**(K+1) are widened and multiplied in float64, exactly,
# so the result is rounded once (x clamped at XLO = -110, where it has
# rounded to -0).  These lanes used to take the whole float64 formula:
# silu_grad was 5-13x slower on x < -88 and -inf.  NaN returns x.  Every
# lane's value depends on its own input only.
# Measured, all 2**32 inputs against the float64 formula: 0.629 ulp at
# avx512 and avx2 (x = -1.3401136), 0.640 at baseline (x = -1.3395925,
# unfused products), both inside the series' interval near its edge
# (|x - x0| = 0.0616, 0.0611); no input above 1 ulp.

cdef inline sf_vd silu_grad_near_zero_f64(sf_vd x) noexcept nogil:
    cdef sf_vd d0, dh, dl, p, tail
    d0 = sf_vd_sub(x, sf_vd_set(SF_SILU_X0_HI))               # exact (Sterbenz)
    dh = fast_two_sum_f64(d0, sf_vd_set(-SF_SILU_X0_LO), &dl)
    p = sf_vd_mul(dh, sf_vd_set(SF_SILU_T1_HI))
    tail = sf_vd_mad(dh, sf_vd_set(SF_SILU_T10), sf_vd_set(SF_SILU_T9))
    tail = sf_vd_mad(dh, tail, sf_vd_set(SF_SILU_T8))
    tail = sf_vd_mad(dh, tail, sf_vd_set(SF_SILU_T7))
    tail = sf_vd_mad(dh, tail, sf_vd_set(SF_SILU_T6))
    tail = sf_vd_mad(dh, tail, sf_vd_set(SF_SILU_T5))
    tail = sf_vd_mad(dh, tail, sf_vd_set(SF_SILU_T4))
    tail = sf_vd_mad(dh, tail, sf_vd_set(SF_SILU_T3))
    tail = sf_vd_mad(dh, tail, sf_vd_set(SF_SILU_T2))
    tail = sf_vd_mad(dh, tail, sf_vd_set(SF_SILU_T1_LO))
    return sf_vd_add(p, sf_vd_mad(dh, tail, sf_vd_mad(
        dl, sf_vd_set(SF_SILU_T1_HI), sf_vd_fms(dh, sf_vd_set(SF_SILU_T1_HI), p))))


cdef inline sf_vf silu_grad_near_zero_f32(sf_vf x) noexcept nogil:
    cdef sf_vf d0, dh, dl, p, q
    d0 = sf_vf_sub(x, sf_vf_set(SF_SILU_F_X0_HI))             # exact (Sterbenz)
    dh = sf_vf_sub(d0, sf_vf_set(SF_SILU_F_X0_LO))
    dl = sf_vf_sub(sf_vf_sub(sf_vf_sub(d0, dh), sf_vf_set(SF_SILU_F_X0_LO)),
                   sf_vf_set(SF_SILU_F_X0_LO2))
    p = sf_vf_mul(dh, sf_vf_set(SF_SILU_F_T1_HI))
    q = sf_vf_mad(dh, sf_vf_set(SF_SILU_F_T6), sf_vf_set(SF_SILU_F_T5))
    q = sf_vf_mad(dh, q, sf_vf_set(SF_SILU_F_T4))
    q = sf_vf_mad(dh, q, sf_vf_set(SF_SILU_F_T3))
    q = sf_vf_mad(dh, q, sf_vf_set(SF_SILU_F_T2))
    return sf_vf_add(p, sf_vf_mad(dh, sf_vf_mad(dh, q, sf_vf_set(SF_SILU_F_T1_LO)), sf_vf_mad(
        dl, sf_vf_set(SF_SILU_F_T1_HI), sf_vf_fms(dh, sf_vf_set(SF_SILU_F_T1_HI), p))))


cdef inline sf_vd silu_grad_f64(sf_vd x) noexcept nogil:
    cdef sf_vd one = sf_vd_set(1.0)
    cdef sf_vd xc = clamp_f64(x)
    cdef sf_vd a = sf_vd_min(xc, sf_vd_sub(sf_vd_set(0.0), xc))
    cdef Logistic64 c = logistic_f64(a)
    cdef sf_vd qh, bh, bl, oh, ol, ih, il, Th, Te, Uh, Ul, gh, g
    cdef sf_vdm neg = sf_vd_lt(x, sf_vd_set(0.0)), near
    qh = sf_vd_mul(c.q0, c.h)
    bh = sf_vd_mul(c.u2, c.q0)
    bl = sf_vd_mad(c.q0, sf_vd_mad(c.u2, c.h, c.eu2), sf_vd_fms(c.u2, c.q0, bh))
    oh = sf_vd_sel(neg, c.q0, bh)
    ol = sf_vd_sel(neg, qh, bl)
    ih = sf_vd_sel(neg, bh, sf_vd_mul(c.q0, c.P))
    il = sf_vd_sel(neg, bl, sf_vd_mul(qh, c.P))
    Th = sf_vd_mul(xc, ih)
    Te = sf_vd_mad(xc, il, sf_vd_fms(xc, ih, Th))
    Uh = fast_two_sum_f64(one, Th, &Ul)
    Ul = sf_vd_add(Ul, Te)
    gh = sf_vd_mul(oh, Uh)
    g = sf_vd_add(gh, sf_vd_mad(oh, Ul, sf_vd_mad(ol, Uh, sf_vd_fms(oh, Uh, gh))))
    # x < 0: times 2**(K+1), rounded once; x >= 0: times 2**128 2**-128, exact
    g = sf_vd_mul(sf_vd_mul(g, sf_vd_sel(neg, c.P128, sf_vd_set(SF_TWO128))), sf_vd_set(SF_TWOM128))
    near = sf_vd_lt(sf_vd_max(sf_vd_sub(x, sf_vd_set(SF_SILU_X0_HI)),
                              sf_vd_sub(sf_vd_set(SF_SILU_X0_HI), x)), sf_vd_set(SF_SILU_NEAR))
    if sf_vdm_any(near):        # the series only for a vector that needs it
        g = sf_vd_sel(near, silu_grad_near_zero_f64(x), g)
    return sf_vd_sel(sf_vd_ne(x, x), x, g)


cdef inline sf_vd silu_grad_scale_f64(sf_vd gh, sf_vd gl, sf_vd P64) noexcept nogil:
    # (gh + gl) 2**(K+1) in float64 (the sum exact, or within 2**-53 of
    # it; the scalings exact), so that narrowing rounds once, into the
    # float32 subnormals if need be
    return sf_vd_mul(sf_vd_mul(sf_vd_add(gh, gl), P64), sf_vd_set(<double>SF_F_TWOM64))


cdef inline sf_vf silu_grad_f32(sf_vf x) noexcept nogil:
    cdef sf_vf one = sf_vf_set(1.0), zero = sf_vf_set(0.0)
    cdef sf_vf xc = clamp_f32(x)
    cdef Logistic32 c = logistic_f32(sf_vfi_asf(sf_vfi_or(sf_vf_bits(xc), sf_vfi_set(-0x80000000))))
    cdef sf_vf qh, sh, bh, bl, xs, oh, ol, ih, il, Th, Te, Uh, Ul, gh, gl, g
    cdef sf_vfm neg = sf_vf_lt(x, zero), near, rare
    qh = sf_vf_mul(c.q0, c.h)
    sh = sf_vf_mul(c.P, c.q0)
    bh = sf_vf_sub(one, sh)
    bl = sf_vf_nmad(c.P, qh, sf_vf_sub(sf_vf_sub(one, bh), sh))
    xs = sf_vf_mul(xc, sf_vf_sel(neg, one, c.P))
    oh = sf_vf_sel(neg, c.q0, bh)
    ol = sf_vf_sel(neg, qh, bl)
    ih = sf_vf_sel(neg, bh, c.q0)
    il = sf_vf_sel(neg, bl, qh)
    Th = sf_vf_mul(xs, ih)
    Te = sf_vf_mad(xs, il, sf_vf_fms(xs, ih, Th))
    Uh = sf_vf_add(one, Th)
    Ul = sf_vf_add(sf_vf_add(sf_vf_sub(one, Uh), Th), Te)
    gh = sf_vf_mul(oh, Uh)
    gl = sf_vf_mad(oh, Ul, sf_vf_mad(ol, Uh, sf_vf_fms(oh, Uh, gh)))
    g = sf_vfi_asf(sf_vfi_add(sf_vf_bits(sf_vf_add(gh, gl)), sf_vf_bits(sf_vf_sel(
        neg, sf_vfi_asf(sf_vfi_sub(sf_vf_bits(c.P), sf_vf_bits(one))), zero))))
    near = sf_vf_lt(sf_vfi_asf(sf_vfi_and(sf_vf_bits(sf_vf_sub(x, sf_vf_set(SF_SILU_F_X0_HI))),
                                          sf_vfi_set(0x7fffffff))), sf_vf_set(SF_SILU_F_NEAR))
    rare = sf_vf_nge(x, sf_vf_set(SF_SILU_F_XRARE))        # or NaN
    if sf_vfm_any(sf_vfm_or(near, rare)):
        g = sf_vf_sel(near, silu_grad_near_zero_f32(x), g)
        if sf_vfm_any(rare):
            # x <= -109: |silu'(x)| < 2**-150, -0 (and NaN: x)
            g = sf_vf_sel(rare, sf_vf_sel(sf_vf_ne(x, x), x, sf_vf_set(-0.0)), g)
            rare = sf_vfm_and(rare, sf_vf_lt(sf_vf_set(SF_SILU_F_XZERO), x))
            if sf_vfm_any(rare):
                g = sf_vf_sel(rare, sf_vf_narrow(
                    silu_grad_scale_f64(sf_vd_widen_lo(gh), sf_vd_widen_lo(gl), sf_vd_widen_lo(c.P64)),
                    silu_grad_scale_f64(sf_vd_widen_hi(gh), sf_vd_widen_hi(gl), sf_vd_widen_hi(c.P64))),
                    g)
    return g
