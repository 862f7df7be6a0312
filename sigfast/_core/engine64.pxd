# Layer 2, float64 engine (vectors of float64, sigfast/src/sf_vec.h): the
# design of the float32 engine (engine32.pxd) in double precision, with a
# longer exp polynomial and a 2**128 bias where float32 has 2**64.
#
# logistic_f64(x): the parts of sigma(x) = P / D with
#     x = (16K + j) ln2/16 + r,   |r| <= ln2/32,
#     P = 2**(K+1),   D = 2**(K+1) + 2 T_j e**-r,   T_j = 2**(-j/16)
# (1/(1 + e**-x) multiplied above and below by 2**(K+1) e**-x: the same
# formula serves both signs of x, never overflows, and only the final
# scaling by P can produce a subnormal result).  D is carried as Dh + Dl
# (Fast2Sum of P and 2 T e**-r, whose rounding error and the table's lo
# word go to Dl), 1/D = q0 (1 + h) with q0 = fl(1/Dh) and the residual
# h = 1 - q0 (Dh + Dl) from two FMAs (~2**-104).  No double-word type.
# P128 = 2**(K+1+128) is always normal; results that may be subnormal are
# formed against it and scaled by 2**-128 last (scale_once_f64 where the
# result has two words).  exp_f64(x) is the part up to 2 T e**-r = u2 + eu2,
# which log1pexp_f64 uses for log(1 + e**-a).
#
# Cut-offs (callers clamp): x in [-760, 44].  e**-760 < 2**-1096, so every
# result built from it has rounded to its limit; 2**(K+1+128) stays a
# normal double for K in [-1097, 63].  e**-r - 1: degree 7 (SF_EXPD,
# 2**-65.3); log: R of degree 7 (SF_LOGD, 2**-57.8).
from sigfast._core.vec cimport *
from sigfast._core.eft cimport sorted_two_sum_f64, fast_two_sum_f64

cdef extern from "sf_poly.h" nogil:
    const double SF_T16D_HI[16]
    const double SF_T16D_LO[16]
    const double SF_L16D_INV, SF_L16D_HI, SF_L16D_LO
    const double SF_EXPD_C2, SF_EXPD_C3, SF_EXPD_C4, SF_EXPD_C5, SF_EXPD_C6, SF_EXPD_C7
    const double SF_LOGD_C1, SF_LOGD_C2, SF_LOGD_C3, SF_LOGD_C4, SF_LOGD_C5, SF_LOGD_C6
    const double SF_LOGD_C7

cdef extern from "sf_consts.h" nogil:
    const double SF_SHIFT52, SF_TWOM128, SF_TWO128, SF_SQRT2, SF_LN2_HI, SF_LN2_LO
    const double SF_XLO, SF_XHI, SF_ALOG, SF_SERIES
    const long long SF_SHIFT52_BITS

cdef struct Exp64:
    sf_vdi tb           # bits of the shifter sum: n in the low bits, j = n & 15
    sf_vd u2, eu2       # 2 T_j e**-r = u2 + eu2


cdef struct OnePlusExp64:
    sf_vd u, el         # e**-a = u + el
    sf_vd Dh, Dl        # 1 + e**-a = Dh + Dl


cdef struct Logistic64:
    sf_vd P128          # 2**(K+1+128), always normal
    sf_vd P             # 2**(K+1): exact, subnormal, or 0 below 2**-1074
    sf_vd u2, eu2       # 2 T_j e**-r = u2 + eu2
    sf_vd Dh, Dl        # D = P + u2 + eu2
    sf_vd q0, h         # 1/D = q0 (1 + h), to ~2**-104


cdef inline sf_vd clamp_f64(sf_vd x) noexcept nogil:
    # x into [XLO, XHI]; x is the second operand of min/max, so NaN passes.
    return sf_vd_min(sf_vd_set(SF_XHI), sf_vd_max(sf_vd_set(SF_XLO), x))


cdef inline Exp64 exp_f64(sf_vd x) noexcept nogil:
    # 1. n = round(16 x/ln2) by the 1.5*2**52 shifter (its low bits hold n).
    # 2. r = x - n ln2/16 in two FMA steps (n*HI exact: HI has 36 bits,
    #    |n| < 2**15).
    # 3. e**-r - 1 = s = r (-1 + r (C2 + ... + C7 r**5)) (minimax, 2**-65.3).
    # 4. 2 T e**-r = u2 + eu2: u2 = fl(2T_hi (1 + s)), eu2 its rounding
    #    error (exact by FMA: 2T_hi - u2 is exact) plus the table's lo word.
    cdef Exp64 e
    cdef sf_vd t, nf, r, s, Th, Tl
    t = sf_vd_mad(x, sf_vd_set(SF_L16D_INV), sf_vd_set(SF_SHIFT52))
    nf = sf_vd_sub(t, sf_vd_set(SF_SHIFT52))
    r = sf_vd_nmad(nf, sf_vd_set(SF_L16D_HI), x)
    r = sf_vd_nmad(nf, sf_vd_set(SF_L16D_LO), r)
    e.tb = sf_vd_bits(t)
    Th = sf_vd_lookup16(sf_vd_tab16_load(SF_T16D_HI), e.tb)
    Tl = sf_vd_lookup16(sf_vd_tab16_load(SF_T16D_LO), e.tb)
    s = sf_vd_mad(r, sf_vd_set(SF_EXPD_C7), sf_vd_set(SF_EXPD_C6))
    s = sf_vd_mad(r, s, sf_vd_set(SF_EXPD_C5))
    s = sf_vd_mad(r, s, sf_vd_set(SF_EXPD_C4))
    s = sf_vd_mad(r, s, sf_vd_set(SF_EXPD_C3))
    s = sf_vd_mad(r, s, sf_vd_set(SF_EXPD_C2))
    s = sf_vd_mul(r, sf_vd_mad(r, s, sf_vd_set(-1.0)))
    e.u2 = sf_vd_mad(Th, s, Th)
    e.eu2 = sf_vd_fma(Th, s, sf_vd_add(sf_vd_sub(Th, e.u2), Tl))
    return e


cdef inline sf_vd pow2_bits_f64(sf_vdi tb, int bias) noexcept nogil:
    # 2**(K + bias) from the shifter bits (K = n >> 4): the exponent field
    # (K + bias + 1023) * 16 = n + (bias + 1023)*16 - j, masked and shifted.
    return sf_vdi_asd(sf_vdi_sll(sf_vdi_and(
        sf_vdi_add(tb, sf_vdi_set((bias + 1023) * 16 - SF_SHIFT52_BITS)),
        sf_vdi_set(-16)), 48))


cdef inline Logistic64 logistic_f64(sf_vd xc) noexcept nogil:
    # xc: x clamped (clamp_f64).  See the top of this file.
    cdef Logistic64 c
    cdef Exp64 e = exp_f64(xc)
    c.u2 = e.u2
    c.eu2 = e.eu2
    c.P128 = pow2_bits_f64(e.tb, 1 + 128)
    c.P = sf_vd_mul(c.P128, sf_vd_set(SF_TWOM128))
    # Fast2Sum of P and u2 (both positive; the larger first)
    c.Dh = sorted_two_sum_f64(c.P, c.u2, &c.Dl)
    c.Dl = sf_vd_add(c.Dl, c.eu2)
    c.q0 = sf_vd_div(sf_vd_set(1.0), c.Dh)
    c.h = sf_vd_fnma(c.q0, c.Dh, sf_vd_set(1.0))
    c.h = sf_vd_nmad(c.q0, c.Dl, c.h)
    return c


cdef inline sf_vd scale_once_f64(sf_vd hi, sf_vd lo, sf_vd P128) noexcept nogil:
    # (hi + lo) 2**(K+1) rounded once (|hi| >= |lo|, P128 = 2**(K+1+128)).
    # fl(hi + lo) 2**(K+1) rounds twice where the result is subnormal, and
    # the second rounding goes the wrong way where the first one landed on
    # a midpoint of the subnormal grid: up to 0.62 ulp for sigmoid_grad.
    # So s = fl(hi + lo) with its error e (Fast2Sum), r = s 2**(K+1) (one
    # rounding; exact where normal) and d = (s - r 2**-(K+1)) 2**(K+1+128),
    # what that rounding dropped (exact; |d| <= half a unit of the grid).
    # e can only decide at a tie, |d| = half a unit, so it enters at half
    # weight: r moves by one unit exactly where |d + e/2| (scaled) exceeds
    # half a unit, and a normal r never moves (|e/2| 2**(K+1) <= ulp(r)/4),
    # which keeps normal results bit-identical.
    cdef sf_vd e, ss, r, d2
    cdef sf_vd s = fast_two_sum_f64(hi, lo, &e)
    ss = sf_vd_mul(s, P128)
    r = sf_vd_mul(ss, sf_vd_set(SF_TWOM128))
    d2 = sf_vd_nmad(r, sf_vd_set(2 * SF_TWO128), sf_vd_add(ss, ss))
    return sf_vd_add(r, sf_vd_mul(sf_vd_mad(e, P128, d2), sf_vd_set(SF_TWOM128 / 2)))


cdef inline sf_vd log_poly_f64(sf_vd z) noexcept nogil:
    # R(z) of log(1+f) = 2s + s R(s**2), z = s**2 <= 0.0295 (SF_LOGD, 2**-57.8)
    cdef sf_vd R = sf_vd_mad(z, sf_vd_set(SF_LOGD_C7), sf_vd_set(SF_LOGD_C6))
    R = sf_vd_mad(z, R, sf_vd_set(SF_LOGD_C5))
    R = sf_vd_mad(z, R, sf_vd_set(SF_LOGD_C4))
    R = sf_vd_mad(z, R, sf_vd_set(SF_LOGD_C3))
    R = sf_vd_mad(z, R, sf_vd_set(SF_LOGD_C2))
    return sf_vd_mul(z, sf_vd_mad(z, R, sf_vd_set(SF_LOGD_C1)))


cdef inline sf_vd log1pexp_f64(sf_vd a, sf_vd* lo) noexcept nogil:
    # log(1 + e**-a) = hi + *lo for a in [0, ALOG] (ALOG = 760: beyond, the
    # value is below 2**-1075 and rounds to 0).
    #
    # 1. e**-a = (u2 + eu2) 2**-(K+1) from exp_f64 (K >= 0 here), the power
    #    of two applied as 2**(128-K-1) * 2**-128 so it is exact down to the
    #    subnormals (where the product rounds once).
    # 2. 1 + e = Dh + Dl: Dh = fl(1 + e), its rounding error by Fast2Sum
    #    (1 >= e), plus el.
    # 3. log(Dh) by fdlibm's reduction: m = Dh or Dh/2 in [0.707, 1.414]
    #    (j = 0 or 1), f = m - 1 exact, log(1+f) = f - hfsq + s(hfsq + R),
    #    s = f/(2+f), R minimax (SF_LOGD, 2**-57.8); Dl/m ~ Dl (1 - 2s)
    #    adds the low part, which is all of the result once e < 2**-53.
    # 4. hi = j ln2_hi + f is exact (ln2_hi has 32 bits, f's last bit is
    #    at 2**-53).
    return log1p_words_f64(one_plus_exp_f64(a), lo)


cdef inline OnePlusExp64 one_plus_exp_f64(sf_vd a) noexcept nogil:
    # Steps 1 and 2 of log1pexp_f64: e**-a and 1 + e**-a, each in two words
    # (the gradient takes sigma from them: one exp for loss and gradient).
    cdef Exp64 e = exp_f64(a)
    cdef OnePlusExp64 d
    cdef sf_vd Pinv, us
    Pinv = sf_vdi_asd(sf_vdi_sll(sf_vdi_and(
        sf_vdi_sub(sf_vdi_set((1022 + 128) * 16 + 15 + SF_SHIFT52_BITS), e.tb),
        sf_vdi_set(-16)), 48))
    us = sf_vd_mul(e.u2, Pinv)
    d.u = sf_vd_mul(us, sf_vd_set(SF_TWOM128))
    # el: eu2 2**-(K+1) plus what the rounding of u lost (us - u 2**128,
    # exact, 0 unless u is subnormal): where u is subnormal, u**2 is 0 and
    # el rounds to the one correction (-1, 0 or +1 unit) that makes u + el
    # the value rounded once, where separate roundings of u and el were up
    # to 0.93 ulp off; where u is normal, el is what it was.
    d.el = sf_vd_mul(sf_vd_add(sf_vd_nmad(d.u, sf_vd_set(SF_TWO128), us),
                               sf_vd_mul(e.eu2, Pinv)), sf_vd_set(SF_TWOM128))
    d.Dh = sf_vd_add(sf_vd_set(1.0), d.u)
    d.Dl = sf_vd_add(sf_vd_add(sf_vd_sub(sf_vd_set(1.0), d.Dh), d.u), d.el)
    return d


cdef inline sf_vd log1p_words_f64(OnePlusExp64 d, sf_vd* lo) noexcept nogil:
    # Steps 3 to 5 of log1pexp_f64.
    cdef sf_vd u = d.u, el = d.el, Dh = d.Dh, Dl = d.Dl
    cdef sf_vd m, cl, f, s, z, R, hfsq, inner, j, hi
    cdef sf_vdm small
    cdef sf_vdm big
    big = sf_vd_lt(sf_vd_set(SF_SQRT2), Dh)
    m = sf_vd_sel(big, sf_vd_mul(Dh, sf_vd_set(0.5)), Dh)
    cl = sf_vd_sel(big, sf_vd_mul(Dl, sf_vd_set(0.5)), Dl)
    j = sf_vd_sel(big, sf_vd_set(1.0), sf_vd_set(0.0))
    f = sf_vd_sub(m, sf_vd_set(1.0))
    s = sf_vd_div(f, sf_vd_add(sf_vd_set(2.0), f))
    z = sf_vd_mul(s, s)
    R = log_poly_f64(z)
    hfsq = sf_vd_mul(sf_vd_mul(sf_vd_set(0.5), f), f)
    inner = sf_vd_sub(sf_vd_mul(s, sf_vd_add(hfsq, R)), hfsq)
    hi = sf_vd_mad(j, sf_vd_set(SF_LN2_HI), f)
    lo[0] = sf_vd_mad(j, sf_vd_set(SF_LN2_LO),
                      sf_vd_add(inner, sf_vd_nmad(sf_vd_add(s, s), cl, cl)))
    # 5. e < SERIES: log(1 + e) = e - e**2/2 + e**3/3 on e = u + el instead
    #    (truncation e**3/4 relative).
    small = sf_vd_lt(u, sf_vd_set(SF_SERIES))
    lo[0] = sf_vd_sel(small, sf_vd_mad(sf_vd_mul(u, u), sf_vd_mad(
        u, sf_vd_set(1.0 / 3), sf_vd_set(-0.5)), el), lo[0])
    return sf_vd_sel(small, u, hi)
