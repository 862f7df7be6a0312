# Layer 2, float32 engine (vectors of float32, sigfast/src/sf_vec.h).
#
# logistic_f32(x): the parts of sigma(x) = P / D with
#     x = (16K + j) ln2/16 + r,   |r| <= ln2/32,
#     P = 2**(K+1),   D = 2**(K+1) + 2 T_j e**-r,   T_j = 2**(-j/16)
# (multiply 1/(1 + e**-x) above and below by 2**(K+1) e**-x... the same
# formula serves both signs of x, never overflows, and only the final
# scaling by P can produce a subnormal result).  D is carried as Dh + Dl
# exactly enough (Fast2Sum of P and 2 T e**-r, whose rounding error and
# the table's lo word go to Dl), 1/D = q0 (1 + h) with q0 = fl(1/Dh) and
# the residual h = 1 - q0 (Dh + Dl) from two FMAs.  No double-word type.
# exp_f32(x) is the part up to 2 T e**-r = u2 + eu2, which log1pexp_f32
# uses for log(1 + e**-a).
#
# Cut-offs (callers clamp): x in [-110, 43].  e**-110 < 2**-158, so every
# result built from it (sigmoid, silu, their tails) has rounded to its
# limit; 2**(K+1+64) stays a normal float for K in [-160, 62].
from sigfast._core.vec cimport *
from sigfast._core.eft cimport sorted_two_sum_f32

cdef extern from "sf_poly.h" nogil:
    const float SF_T16F_HI[16]
    const float SF_T16F_LO[16]
    const float SF_L16F_INV, SF_L16F_HI, SF_L16F_LO
    const float SF_EXPF_C2, SF_EXPF_C3
    const float SF_LOGF_C1, SF_LOGF_C2, SF_LOGF_C3, SF_LOGF_C4

cdef extern from "sf_consts.h" nogil:
    const float SF_F_SHIFT23, SF_F_TWOM64, SF_F_SQRT2, SF_F_LN2_HI, SF_F_LN2_LO
    const float SF_F_XLO, SF_F_XHI, SF_F_ALOG, SF_F_SERIES
    const int SF_F_SHIFT23_BITS

cdef struct Exp32:
    sf_vfi tb           # bits of the shifter sum: n in the low bits, j = n & 15
    sf_vf u2, eu2       # 2 T_j e**-r = u2 + eu2


cdef struct OnePlusExp32:
    sf_vf u, el         # e**-a = u + el
    sf_vf Dh, Dl        # 1 + e**-a = Dh + Dl


cdef struct Logistic32:
    sf_vf P64           # 2**(K+1+64), always normal
    sf_vf P             # 2**(K+1): exact, subnormal, or 0 below 2**-149
    sf_vf u2, eu2       # 2 T_j e**-r = u2 + eu2
    sf_vf Dh, Dl        # D = P + u2 + eu2
    sf_vf q0, h         # 1/D = q0 (1 + h), to ~2**-46


cdef inline sf_vf clamp_f32(sf_vf x) noexcept nogil:
    # x into [XLO, XHI]; x is the second operand of min/max, so NaN passes.
    return sf_vf_min(sf_vf_set(SF_F_XHI), sf_vf_max(sf_vf_set(SF_F_XLO), x))


cdef inline Exp32 exp_f32(sf_vf x, bint comp) noexcept nogil:
    # 1. n = round(16 x/ln2) by the 1.5*2**23 shifter (its low bits hold n).
    # 2. r = x - n ln2/16 in two FMA steps (n*HI exact: HI has 12 bits).
    # 3. e**-r - 1 = s = r (-1 + r (C2 + C3 r))  (minimax, 2**-29.2 relative;
    #    comp: s + es, es = r times the rounding error of -1 + p).
    # 4. 2 T e**-r = u2 + eu2: u2 = fl(2T_hi (1 + s)), eu2 its rounding
    #    error (exact by FMA: 2T_hi - u2 is exact) plus the table's lo word.
    cdef Exp32 e
    cdef sf_vf t, nf, r, s, Th, Tl, p, q, es
    t = sf_vf_mad(x, sf_vf_set(SF_L16F_INV), sf_vf_set(SF_F_SHIFT23))
    nf = sf_vf_sub(t, sf_vf_set(SF_F_SHIFT23))
    r = sf_vf_nmad(nf, sf_vf_set(SF_L16F_HI), x)
    r = sf_vf_nmad(nf, sf_vf_set(SF_L16F_LO), r)
    e.tb = sf_vf_bits(t)
    Th = sf_vf_lookup16(sf_vf_tab16_load(SF_T16F_HI), e.tb)
    Tl = sf_vf_lookup16(sf_vf_tab16_load(SF_T16F_LO), e.tb)
    if not comp:
        s = sf_vf_mul(r, sf_vf_mad(r, sf_vf_mad(r, sf_vf_set(SF_EXPF_C3), sf_vf_set(SF_EXPF_C2)),
                                   sf_vf_set(-1.0)))
        e.u2 = sf_vf_mad(Th, s, Th)
        e.eu2 = sf_vf_fma(Th, s, sf_vf_add(sf_vf_sub(Th, e.u2), Tl))
        return e
    p = sf_vf_mul(r, sf_vf_mad(r, sf_vf_set(SF_EXPF_C3), sf_vf_set(SF_EXPF_C2)))
    q = sf_vf_sub(p, sf_vf_set(1.0))
    s = sf_vf_mul(r, q)
    # es: r times the rounding error of q = p - 1 (Fast2Sum of -1 and p).
    # Of the roundings of r, q and s it is the one that reversed softplus
    # (carrying s's alone left 44 of the 55 reversed pairs above x = ln2/32,
    # q's alone none); the others stay noise below the result's steps.
    es = sf_vf_mul(r, sf_vf_add(sf_vf_sub(sf_vf_set(-1.0), q), p))
    e.u2 = sf_vf_mad(Th, s, Th)
    e.eu2 = sf_vf_mad(Th, es, sf_vf_fma(Th, s, sf_vf_add(sf_vf_sub(Th, e.u2), Tl)))
    return e


cdef inline sf_vf pow2_bits_f32(sf_vfi tb, int bias) noexcept nogil:
    # 2**(K + bias) from the shifter bits (K = n >> 4): the exponent field
    # (K + bias + 127) * 16 = n + (bias + 127)*16 - j, masked and shifted.
    return sf_vfi_asf(sf_vfi_sll(sf_vfi_and(
        sf_vfi_add(tb, sf_vfi_set((bias + 127) * 16 - SF_F_SHIFT23_BITS)),
        sf_vfi_set(-16)), 19))


cdef inline Logistic32 logistic_f32(sf_vf xc) noexcept nogil:
    # xc: x clamped (clamp_f32).  See the top of this file.
    cdef Logistic32 c
    cdef Exp32 e = exp_f32(xc, False)
    c.u2 = e.u2
    c.eu2 = e.eu2
    c.P64 = pow2_bits_f32(e.tb, 1 + 64)
    c.P = sf_vf_mul(c.P64, sf_vf_set(SF_F_TWOM64))
    # Fast2Sum of P and u2 (both positive; the larger first)
    c.Dh = sorted_two_sum_f32(c.P, c.u2, &c.Dl)
    c.Dl = sf_vf_add(c.Dl, c.eu2)
    c.q0 = sf_vf_div(sf_vf_set(1.0), c.Dh)
    c.h = sf_vf_fnma(c.q0, c.Dh, sf_vf_set(1.0))
    c.h = sf_vf_nmad(c.q0, c.Dl, c.h)
    return c


cdef inline sf_vf log1pexp_f32(sf_vf a, sf_vf* lo) noexcept nogil:
    # log(1 + e**-a) = hi + *lo for a in [0, ALOG] (ALOG = 104: beyond, the
    # value is below 2**-150 and rounds to 0).
    #
    # 1. e**-a = (u2 + eu2) 2**-(K+1) from exp_f32 with comp (K >= 0 here):
    #    there eu2 also carries r times the rounding error of the
    #    polynomial's last sum (4 operations), noise of ~2**-30 that made
    #    softplus run backwards at 55 pairs of
    #    neighbouring inputs (0.0217 < x < 0.0264, table index 1; 59 in
    #    all at avx512, 11 left, see tools/monotone_f32.py); sigmoid's core
    #    does not need it.  The power
    #    of two applied as 2**(64-K-1) * 2**-64 so it is exact down to the
    #    subnormals (where the product rounds once).
    # 2. 1 + e = Dh + Dl: Dh = fl(1 + e), its rounding error by FMA.
    # 3. log(Dh) by fdlibm's reduction: m = Dh or Dh/2 in [0.707, 1.414]
    #    (j = 0 or 1), f = m - 1 exact, log(1+f) = f - hfsq + s(hfsq + R),
    #    s = f/(2+f), R minimax (SF_LOGF, 2**-30); Dl/m ~ Dl (1 - 2s + 2s**2) adds
    #    the low part, which is all of the result once e < 2**-24.
    # 4. hi = j ln2_hi + f is exact (ln2_hi has 16 bits).
    return log1p_words_f32(one_plus_exp_f32(a), lo)


cdef inline OnePlusExp32 one_plus_exp_f32(sf_vf a) noexcept nogil:
    # Steps 1 and 2 of log1pexp_f32: e**-a and 1 + e**-a, each in two words
    # (the fused loss's gradient takes sigma from them: one exp for both).
    cdef Exp32 e = exp_f32(a, True)
    cdef OnePlusExp32 d
    cdef sf_vf Pinv
    Pinv = sf_vfi_asf(sf_vfi_sll(sf_vfi_and(
        sf_vfi_sub(sf_vfi_set((126 + 64) * 16 + 15 + SF_F_SHIFT23_BITS), e.tb),
        sf_vfi_set(-16)), 19))
    d.u = sf_vf_mul(sf_vf_mul(e.u2, Pinv), sf_vf_set(SF_F_TWOM64))
    d.el = sf_vf_mul(sf_vf_mul(e.eu2, Pinv), sf_vf_set(SF_F_TWOM64))
    d.Dh = sf_vf_add(sf_vf_set(1.0), d.u)
    d.Dl = sf_vf_add(sf_vf_add(sf_vf_sub(sf_vf_set(1.0), d.Dh), d.u), d.el)
    return d


cdef inline sf_vf log1p_words_f32(OnePlusExp32 d, sf_vf* lo) noexcept nogil:
    # Steps 3 to 5 of log1pexp_f32.
    cdef sf_vf u = d.u, el = d.el, Dh = d.Dh, Dl = d.Dl
    cdef sf_vf m, cl, f, s, z, R, hfsq, inner, j, hi
    cdef sf_vfm small
    cdef sf_vfm big
    big = sf_vf_lt(sf_vf_set(SF_F_SQRT2), Dh)
    m = sf_vf_sel(big, sf_vf_mul(Dh, sf_vf_set(0.5)), Dh)
    cl = sf_vf_sel(big, sf_vf_mul(Dl, sf_vf_set(0.5)), Dl)
    j = sf_vf_sel(big, sf_vf_set(1.0), sf_vf_set(0.0))
    f = sf_vf_sub(m, sf_vf_set(1.0))
    s = sf_vf_div(f, sf_vf_add(sf_vf_set(2.0), f))
    z = sf_vf_mul(s, s)
    R = sf_vf_mul(z, sf_vf_mad(z, sf_vf_mad(z, sf_vf_mad(
        z, sf_vf_set(SF_LOGF_C4), sf_vf_set(SF_LOGF_C3)), sf_vf_set(SF_LOGF_C2)),
        sf_vf_set(SF_LOGF_C1)))
    hfsq = sf_vf_mul(sf_vf_mul(sf_vf_set(0.5), f), f)
    inner = sf_vf_sub(sf_vf_mul(s, sf_vf_add(hfsq, R)), hfsq)
    hi = sf_vf_mad(j, sf_vf_set(SF_F_LN2_HI), f)
    # Dl/m = Dl (1 - s)/(1 + s) ~ Dl (1 - 2s + 2s**2): without the s**2
    # term the error is 2 s**2 Dl, 0.12 ulp of the result at f = 0.41 (Dh
    # next to sqrt(2)), which took softplus to 1.024 ulp at x = -0.8913268
    # once the exp's rounding errors were carried (step 1)
    lo[0] = sf_vf_mad(j, sf_vf_set(SF_F_LN2_LO),
                      sf_vf_add(inner, sf_vf_mad(sf_vf_add(z, z), cl,
                                                 sf_vf_nmad(sf_vf_add(s, s), cl, cl))))
    # 5. e < SERIES: log(1 + e) = e - e**2/2 + e**3/3 on e = u + el instead
    #    (truncation e**3/4 relative): there 1 + e keeps too few of e's bits
    #    in Dh and the low word's roundings cost up to 0.6 ulp.
    small = sf_vf_lt(u, sf_vf_set(SF_F_SERIES))
    lo[0] = sf_vf_sel(small, sf_vf_mad(sf_vf_mul(u, u), sf_vf_mad(
        u, sf_vf_set(1.0 / 3), sf_vf_set(-0.5)), el), lo[0])
    return sf_vf_sel(small, u, hi)
