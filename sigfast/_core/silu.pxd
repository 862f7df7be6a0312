# Layer 3, family: silu(x) = x sigma(x) and its derivative.
from sigfast._core.vec cimport *
from sigfast._core.eft cimport two_sum_f64, fast_two_sum_f64
from sigfast._core.engine32 cimport Logistic32, clamp_f32, logistic_f32, SF_F_XHI

cdef extern from "sf_consts.h" nogil:
    const float SF_F_TWOM32
from sigfast._core.engine64 cimport Logistic64, clamp_f64, logistic_f64, SF_XHI, SF_TWOM128

cdef extern from "sf_poly.h" nogil:
    const double SF_SILU_X0_HI, SF_SILU_X0_LO, SF_SILU_T1_HI, SF_SILU_T1_LO
    const double SF_SILU_T2, SF_SILU_T3, SF_SILU_T4, SF_SILU_T5, SF_SILU_T6
    const double SF_SILU_T7, SF_SILU_T8, SF_SILU_T9, SF_SILU_T10


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
    xp = sf_vd_mul(xc, c.P64)
    xq = sf_vd_mul(xp, c.q0)
    m = sf_vd_add(xq, sf_vd_mad(xq, c.h, sf_vd_fms(xp, c.q0, xq)))
    r = sf_vd_mul(m, sf_vd_set(SF_TWOM128))
    r = sf_vdi_asd(sf_vdi_or(sf_vd_bits(r), sf_vdi_and(sf_vd_bits(x),
                                                       sf_vdi_set(-0x8000000000000000))))
    return sf_vd_sel(sf_vd_lt(sf_vd_set(SF_XHI), x), x, r)


# ---- silu_grad -------------------------------------------------------------------
# One float64 formula (the float32 loop widens, wide32): near the zero x0
# of silu' the float32 result needs float64's bits.
#
# silu'(x) = sigma(x) (1 + x sigma(-x)).  On the logistic core at -|x|:
# small = sigma(-|x|) = P/D and big = sigma(|x|) = (u2 + eu2)/D, each as
# two words.  x >= 0: big (1 + x small); x < 0: small (1 + x big), where
# 1 + x big cancels near x0 = -1.2785, so T = x big is kept as two words
# and 1 + T is a TwoSum.  small's 2**(K+1) is applied last (via 2**128,
# so subnormal results round once).  Within 1e-2 of x0 the cancellation
# still costs relative accuracy (2**-62 absolute is 19 ulp at x0 + 8e-6):
# there the Taylor series of silu' about x0 (sf_poly.h, degree 10,
# truncation below 2e-6 ulp) is used instead.

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


cdef inline sf_vd silu_grad_f64(sf_vd x) noexcept nogil:
    cdef sf_vd one = sf_vd_set(1.0)
    cdef sf_vd xc = clamp_f64(x)
    cdef sf_vd a = sf_vd_min(xc, sf_vd_sub(sf_vd_set(0.0), xc))
    cdef Logistic64 c = logistic_f64(a)
    cdef sf_vd qh, bh, bl, oh, ol, ih, il, Th, Te, Uh, Ul, gh, g
    cdef sf_vdm neg = sf_vd_lt(x, sf_vd_set(0.0))
    qh = sf_vd_mul(c.q0, c.h)
    bh = sf_vd_mul(c.u2, c.q0)
    bl = sf_vd_mad(c.q0, sf_vd_mad(c.u2, c.h, c.eu2), sf_vd_fms(c.u2, c.q0, bh))
    oh = sf_vd_sel(neg, c.q0, bh)
    ol = sf_vd_sel(neg, qh, bl)
    ih = sf_vd_sel(neg, bh, sf_vd_mul(c.q0, c.P))
    il = sf_vd_sel(neg, bl, sf_vd_mul(qh, c.P))
    Th = sf_vd_mul(xc, ih)
    Te = sf_vd_mad(xc, il, sf_vd_fms(xc, ih, Th))
    Uh = two_sum_f64(one, Th, &Ul)
    Ul = sf_vd_add(Ul, Te)
    gh = sf_vd_mul(oh, Uh)
    g = sf_vd_add(gh, sf_vd_mad(oh, Ul, sf_vd_mad(ol, Uh, sf_vd_fms(oh, Uh, gh))))
    g = sf_vd_mul(sf_vd_mul(g, sf_vd_sel(neg, c.P64, one)), sf_vd_sel(neg, sf_vd_set(SF_TWOM128), one))
    g = sf_vd_sel(sf_vd_lt(sf_vd_max(sf_vd_sub(x, sf_vd_set(SF_SILU_X0_HI)),
                                     sf_vd_sub(sf_vd_set(SF_SILU_X0_HI), x)), sf_vd_set(1e-2)),
                  silu_grad_near_zero_f64(x), g)
    return sf_vd_sel(sf_vd_ne(x, x), x, g)
