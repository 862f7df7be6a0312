# Layer 3, family: logit(p) = log(p/(1-p)).  Two formulas of one design,
# logit_f64 in double and logit_f32 in float lanes (16 per zmm); both keep
# full relative accuracy near p = 1/2, where logit ~ 4(p - 1/2) and the
# textbook log(p/(1-p)) cancels.  logit(0) = -inf, logit(1) = inf, NaN
# outside [0, 1] and for NaN.
#
# logit_f64 (<= 0.7 float64 ulp; tools/exhaustive_f32.py uses it as the
# reference): 1 - p = w + wl exactly (Fast2Sum).  p/w = 2**J m with m in
# [0.707, 1.414] is taken from exponents and significands (no division):
# m = A/(B + Bl), A = p's significand * 2**-adj, B = w's significand.  Then
# log(m) = 2 atanh(s) = 2s + s R(s**2) with s = (A - B - Bl)/(A + B + Bl);
# A - B is exact (Sterbenz), so s keeps full relative accuracy near
# p = 1/2, and s's rounding error sl comes from the exact residual.
# logit = J ln2 + 2s + (2 sl + s R).  p below 2**-1000 is scaled by 2**54
# first so its significand is exact.
#
# logit_f32: the same split in float32, cheaper where float32 allows it
# (see logit_core_f32).  Max error over all 2**32 inputs 0.62 ulp at every
# level (tools/exhaustive_f32.py: avx512/avx2 0.619, baseline 0.616; about
# 405 000 of the 1.07e9 inputs in (0, 1) are above 0.5 ulp).
from sigfast._core.vec cimport *
from sigfast._core.eft cimport two_sum_f64, fast_two_sum_f64, sorted_two_sum_f64
from sigfast._core.engine64 cimport log_poly_f64, SF_SQRT2, SF_LN2_HI, SF_LN2_LO

from sigfast._core.platform cimport INFINITY, NAN

cdef extern from "sf_consts.h" nogil:
    const double SF_TWO54, SF_TWOM1000


cdef inline sf_vd logb_f64(sf_vdi u) noexcept nogil:
    # unbiased exponent of a positive normal double with bits u, as a double
    return sf_vd_sub(sf_vdi_asd(sf_vdi_or(sf_vdi_srl(u, 52), sf_vdi_set(0x4330000000000000))),
                     sf_vd_set(4503599627371519.0))      # 2**52 + 1023


cdef inline sf_vd mant_f64(sf_vdi u) noexcept nogil:
    # significand of a positive normal double with bits u, in [1, 2)
    return sf_vdi_asd(sf_vdi_or(sf_vdi_and(u, sf_vdi_set(0x000FFFFFFFFFFFFF)),
                                sf_vdi_set(0x3FF0000000000000)))


cdef inline sf_vd log_ratio_f64(sf_vd A, sf_vd B, sf_vd Bl, sf_vd J) noexcept nogil:
    # log(2**J A/(B + Bl)) for A/B in [0.707, 1.414] (so A - B is exact,
    # Sterbenz) and |Bl| < 2**-52: 2 atanh(s) + J ln2 with
    # s = (A - B - Bl)/(A + B + Bl) (logit_f64 below; log1mexp_f64 with A = 1).
    cdef sf_vd zero = sf_vd_set(0.0)
    cdef sf_vd n0, nh, nl, dh, dl, s, sl, z, R, Jh, h, he
    # numerator A - B - Bl and denominator A + B + Bl as double words.  A and
    # B are multiples of 2**-53 and |Bl| < 2**-52 (at most 2**-53 in logit),
    # so n0 = A - B (exact) is 0 or of an exponent at least Bl's: Fast2Sum;
    # A, B > 0: Fast2Sum on max/min.
    n0 = sf_vd_sub(A, B)
    nh = fast_two_sum_f64(n0, sf_vd_sub(zero, Bl), &nl)
    dh = sorted_two_sum_f64(A, B, &dl)
    dl = sf_vd_add(dl, Bl)
    s = sf_vd_div(nh, dh)
    sl = sf_vd_div(sf_vd_nmad(s, dl, sf_vd_sub(nl, sf_vd_fms(s, dh, nh))), dh)
    z = sf_vd_mul(s, s)
    R = log_poly_f64(z)
    # J ln2 + 2s: TwoSum, then the small terms
    Jh = sf_vd_mul(J, sf_vd_set(SF_LN2_HI))
    h = two_sum_f64(Jh, sf_vd_add(s, s), &he)
    return sf_vd_add(h, sf_vd_add(he, sf_vd_mad(J, sf_vd_set(SF_LN2_LO),
                                                sf_vd_mad(sl, sf_vd_set(2.0), sf_vd_mul(s, R)))))


cdef inline sf_vd logit_f64(sf_vd p) noexcept nogil:
    cdef sf_vd one = sf_vd_set(1.0), zero = sf_vd_set(0.0)
    cdef sf_vd w, wl, ps, ep, mp, ew, mw, A, B, Bl, J, out
    cdef sf_vdi uw
    cdef sf_vdm tiny, up, down
    w = sf_vd_sub(one, p)
    wl = sf_vd_sub(sf_vd_sub(one, w), p)
    tiny = sf_vd_lt(p, sf_vd_set(SF_TWOM1000))
    ps = sf_vd_sel(tiny, sf_vd_mul(p, sf_vd_set(SF_TWO54)), p)
    ep = logb_f64(sf_vd_bits(ps))
    mp = mant_f64(sf_vd_bits(ps))
    uw = sf_vd_bits(w)
    ew = logb_f64(uw)
    mw = mant_f64(uw)
    up = sf_vd_lt(sf_vd_mul(sf_vd_set(SF_SQRT2), mw), mp)       # m > sqrt2: halve A
    down = sf_vd_lt(sf_vd_mul(sf_vd_set(SF_SQRT2), mp), mw)     # m < 1/sqrt2: double A
    A = sf_vd_mul(mp, sf_vd_sel(up, sf_vd_set(0.5), sf_vd_sel(down, sf_vd_set(2.0), one)))
    B = mw
    # wl * 2**-ew: w is a normal double (1 - p >= 2**-53 for p < 1)
    Bl = sf_vd_mul(wl, sf_vdi_asd(sf_vdi_sll(
        sf_vdi_sub(sf_vdi_set(2046), sf_vdi_srl(uw, 52)), 52)))
    J = sf_vd_sub(sf_vd_sub(ep, ew), sf_vd_sel(tiny, sf_vd_set(54.0), zero))
    J = sf_vd_add(J, sf_vd_sel(up, one, sf_vd_sel(down, sf_vd_set(-1.0), zero)))
    out = log_ratio_f64(A, B, Bl, J)
    out = sf_vd_sel(sf_vd_eq(p, zero), sf_vd_set(-INFINITY), out)
    out = sf_vd_sel(sf_vd_eq(p, one), sf_vd_set(INFINITY), out)
    # NaN outside [0, 1]; a NaN p gives NaN through the formula
    return sf_vd_sel(sf_vdm_or(sf_vd_lt(p, zero), sf_vd_lt(one, p)), sf_vd_set(NAN), out)


cdef extern from "sf_poly.h" nogil:
    const float SF_LOGITF_C1, SF_LOGITF_C2, SF_LOGITF_C3

cdef extern from "sf_consts.h" nogil:
    const float SF_F_TWO24, SF_F_TWOM23, SF_F_TWOM24, SF_F_TWOM126, SF_F_LN2_HI, SF_F_LN2_LO


cdef inline sf_vf logit_core_f32(sf_vf w, sf_vf wl, sf_vf ps, int shift) noexcept nogil:
    # logit(p) for p in (0, 1), given 1 - p = w + wl exactly and
    # ps = p * 2**shift a normal float (shift 0, or 24 for subnormal p).
    #
    # 1. J: p/w = 2**J m with J rounded from the difference of the bit
    #    patterns (Mitchell: log2(1+f) ~ f within E = 0.0861), so
    #    |log2 m| <= 1/2 + E, m in [0.666, 1.502].  The integers give
    #    J * 2**23 (exact as float: |J| <= 150) and A = p 2**-J, 2A exactly
    #    (their exponent field moved), no division and no select.
    # 2. s = (A - w)/(A + w): n0 = A - w is exact (Sterbenz, m in
    #    [1/2, 2]), so s is accurate to its last bit near p = 1/2, where
    #    J = 0 and A = p.  dh + dl = A + w exactly (Fast2Sum of 2A and -n0:
    #    |2A| >= |n0|).  One division, q = 1/dh; s = n0 q.
    # 3. The exact quotient s* = (n0 - wl)/(dh + dl + wl) (wl enters here,
    #    not in n0, which would lose exactness) is s + (r - e) q with
    #    r = n0 - s dh (one FMA, exact to 2**-47 n0 however s was rounded)
    #    and e = wl + s (dl + wl).  The correction is at most
    #    2**-23 |s| + |wl|/dh, so q's own 2**-24 error in it stays below
    #    2**-48.
    # 4. log m = 2 atanh(s*) = 2s + 2 (s z P(z) + (r - e) q), z = s**2,
    #    P = C1 + C2 z + C3 z**2 (SF_LOGITF, minimax on |s| <= 0.2004,
    #    2**-28.2 relative).  The correction's own derivative term
    #    2 s**2 (r - e) q is left out: it is up to 0.08 ulp of the 0.12
    #    above 0.5 (measured in a float32 emulation), and would cost one
    #    more multiply-add per vector.
    # 5. J ln2 + 2s: J ln2_hi is exact (SF_F_LN2_HI has 15 bits, J 8), and
    #    h = fl(J ln2_hi + 2s) has its error (J ln2_hi - h) + 2s exact
    #    (Fast2Sum: |J ln2_hi| >= 0.69 > |2s| unless J = 0).  The small
    #    terms (that error, J ln2_lo, the polynomial, the correction) are
    #    summed at half scale in x (so the 2 of 2s folds into 0.5 and 2**-24
    #    constants) and the result is h + 2x, rounded once.
    # Pre-rounding error about 0.12 ulp at most, where J = -1 and
    # y = -ln2 + 2 atanh(s) ~ -0.34 cancels by half.
    cdef sf_vf A, A2, Jf, n0, dh, dl, q, s, r, e, z, x, Jh, h
    cdef sf_vfi ip, ks, ia
    ip = sf_vf_bits(ps)
    ks = sf_vfi_and(sf_vfi_sub(sf_vfi_add(ip, sf_vfi_set(0x400000)), sf_vf_bits(w)),
                    sf_vfi_set(-0x800000))
    ia = sf_vfi_sub(ip, ks)
    A = sf_vfi_asf(ia)
    A2 = sf_vfi_asf(sf_vfi_add(ia, sf_vfi_set(0x800000)))
    if shift:
        ks = sf_vfi_sub(ks, sf_vfi_set(shift << 23))
    Jf = sf_vfi_cvtf(ks)
    n0 = sf_vf_sub(A, w)
    dh = sf_vf_add(A, w)
    dl = sf_vf_sub(sf_vf_sub(A2, dh), n0)
    q = sf_vf_div(sf_vf_set(1.0), dh)
    s = sf_vf_mul(n0, q)
    z = sf_vf_mul(s, s)
    r = sf_vf_fnma(s, dh, n0)
    e = sf_vf_mad(s, sf_vf_add(dl, wl), wl)
    Jh = sf_vf_mul(Jf, sf_vf_set(SF_F_LN2_HI * SF_F_TWOM23))
    h = sf_vf_mad(s, sf_vf_set(2.0), Jh)
    x = sf_vf_mad(sf_vf_sub(Jh, h), sf_vf_set(0.5), s)
    x = sf_vf_mad(Jf, sf_vf_set(SF_F_LN2_LO * SF_F_TWOM24), x)
    x = sf_vf_mad(sf_vf_mul(s, z),
                  sf_vf_mad(z, sf_vf_mad(z, sf_vf_set(SF_LOGITF_C3), sf_vf_set(SF_LOGITF_C2)),
                            sf_vf_set(SF_LOGITF_C1)), x)
    x = sf_vf_mad(sf_vf_sub(r, e), q, x)
    return sf_vf_mad(x, sf_vf_set(2.0), h)


cdef inline sf_vf logit_f32(sf_vf p) noexcept nogil:
    # One vector test sends the rare lanes (p subnormal, p <= 0, p >= 1, or
    # +-inf) to a fix-up: the ordinary lanes pay a min and a compare instead
    # of four compares and three selects (those took 18 % of the kernel's
    # time, measured).  min(w, p) < 2**-126 exactly for the rare lanes; a NaN
    # p is not caught (min returns its second operand, p; the compare is
    # false) and gives NaN through the formula.  Subnormal p is recomputed
    # from p 2**24, whose bit pattern the integer step can read.
    cdef sf_vf one = sf_vf_set(1.0), zero = sf_vf_set(0.0)
    cdef sf_vf w, wl, out
    cdef sf_vfm bad, sub
    w = sf_vf_sub(one, p)
    wl = sf_vf_sub(sf_vf_sub(one, w), p)
    out = logit_core_f32(w, wl, p, 0)
    bad = sf_vf_lt(sf_vf_min(w, p), sf_vf_set(SF_F_TWOM126))
    if sf_vfm_any(bad):
        sub = sf_vfm_and(sf_vf_lt(zero, p), sf_vf_lt(p, sf_vf_set(SF_F_TWOM126)))
        if sf_vfm_any(sub):
            out = sf_vf_sel(sub, logit_core_f32(w, wl, sf_vf_mul(p, sf_vf_set(SF_F_TWO24)), 24), out)
        out = sf_vf_sel(sf_vf_eq(p, zero), sf_vf_set(-INFINITY), out)
        out = sf_vf_sel(sf_vf_eq(p, one), sf_vf_set(INFINITY), out)
        out = sf_vf_sel(sf_vfm_or(sf_vf_lt(p, zero), sf_vf_lt(one, p)), sf_vf_set(NAN), out)
    return out


# ---- logit_eps: PyTorch's torch.logit(p, eps) ------------------------------------
# z = p < eps ? eps : (p > 1 - eps ? 1 - eps : p), 1 - eps rounded in the
# lane's type, then logit(z) (exact: the clamp moves no bits).  eps < 0
# means no clamp (PyTorch's eps=None).  A NaN eps gives NaN, as a NaN in
# any argument of a sigfast ufunc does (PyTorch, whose eps is a Python
# float, clamps nothing then).  The order of the two tests is PyTorch's:
# for eps > 1/2 (lo > hi) every p below eps gives eps.

cdef inline sf_vd clamp_eps_f64(sf_vd p, sf_vd eps) noexcept nogil:
    cdef sf_vd hi = sf_vd_sub(sf_vd_set(1.0), eps)
    cdef sf_vd z = sf_vd_sel(sf_vd_lt(p, eps), eps, sf_vd_sel(sf_vd_lt(hi, p), hi, p))
    z = sf_vd_sel(sf_vd_ne(eps, eps), eps, z)
    return sf_vd_sel(sf_vd_lt(eps, sf_vd_set(0.0)), p, z)


cdef inline sf_vd logit_eps_f64(sf_vd p, sf_vd eps) noexcept nogil:
    return logit_f64(clamp_eps_f64(p, eps))


cdef inline sf_vf logit_eps_f32(sf_vf p, sf_vf eps) noexcept nogil:
    cdef sf_vf hi = sf_vf_sub(sf_vf_set(1.0), eps)
    cdef sf_vf z = sf_vf_sel(sf_vf_lt(p, eps), eps, sf_vf_sel(sf_vf_lt(hi, p), hi, p))
    z = sf_vf_sel(sf_vf_ne(eps, eps), eps, z)
    return logit_f32(sf_vf_sel(sf_vf_lt(eps, sf_vf_set(0.0)), p, z))
