# Layer 3, family: logit(p) = log(p/(1-p)).  One float64 formula; the
# float32 loop evaluates it on widened inputs and rounds once (the registry
# marks logit wide32): near p = 1/2 the result ~ 4(p - 1/2) needs the
# difference of two nearly equal logs, which float32 arithmetic cannot give
# to an ulp without float64's extra bits.
#
# 1 - p = w + wl exactly (Fast2Sum).  p/w = 2**J m with m in [0.707, 1.414]
# is taken from exponents and significands (no division): m = A/(B + Bl),
# A = p's significand * 2**-adj, B = w's significand.  Then
# log(m) = 2 atanh(s) = 2s + s R(s**2) with s = (A - B - Bl)/(A + B + Bl);
# A - B is exact (Sterbenz), so s keeps full relative accuracy near
# p = 1/2, and s's rounding error sl comes from the exact residual.
# logit = J ln2 + 2s + (2 sl + s R).  p below 2**-1000 is scaled by 2**54
# first so its significand is exact.  logit(0) = -inf, logit(1) = inf, NaN
# outside [0, 1].
from sigfast._core.vec cimport *
from sigfast._core.eft cimport two_sum_f64
from sigfast._core.engine64 cimport log_poly_f64, SF_SQRT2, SF_LN2_HI, SF_LN2_LO

from sigfast._core.platform cimport INFINITY, NAN, SF_TWO54, SF_TWOM1000


cdef inline sf_vd logb_f64(sf_vdi u) noexcept nogil:
    # unbiased exponent of a positive normal double with bits u, as a double
    return sf_vd_sub(sf_vdi_asd(sf_vdi_or(sf_vdi_srl(u, 52), sf_vdi_set(0x4330000000000000))),
                     sf_vd_set(4503599627371519.0))      # 2**52 + 1023


cdef inline sf_vd mant_f64(sf_vdi u) noexcept nogil:
    # significand of a positive normal double with bits u, in [1, 2)
    return sf_vdi_asd(sf_vdi_or(sf_vdi_and(u, sf_vdi_set(0x000FFFFFFFFFFFFF)),
                                sf_vdi_set(0x3FF0000000000000)))


cdef inline sf_vd logit_f64(sf_vd p) noexcept nogil:
    cdef sf_vd one = sf_vd_set(1.0), zero = sf_vd_set(0.0)
    cdef sf_vd w, wl, ps, ep, mp, ew, mw, A, B, Bl, J, n0, nh, nl, dh, dl, s, sl, z, R
    cdef sf_vd Jh, h, he, out
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
    # numerator A - B - Bl and denominator A + B + Bl as double words (TwoSum)
    n0 = sf_vd_sub(A, B)
    nh = two_sum_f64(n0, sf_vd_sub(zero, Bl), &nl)
    dh = two_sum_f64(A, B, &dl)
    dl = sf_vd_add(dl, Bl)
    s = sf_vd_div(nh, dh)
    sl = sf_vd_div(sf_vd_nmad(s, dl, sf_vd_sub(nl, sf_vd_fms(s, dh, nh))), dh)
    z = sf_vd_mul(s, s)
    R = log_poly_f64(z)
    # J ln2 + 2s: TwoSum, then the small terms
    Jh = sf_vd_mul(J, sf_vd_set(SF_LN2_HI))
    h = two_sum_f64(Jh, sf_vd_add(s, s), &he)
    out = sf_vd_add(h, sf_vd_add(he, sf_vd_mad(J, sf_vd_set(SF_LN2_LO),
                                                sf_vd_mad(sl, sf_vd_set(2.0), sf_vd_mul(s, R)))))
    out = sf_vd_sel(sf_vd_eq(p, zero), sf_vd_set(-INFINITY), out)
    out = sf_vd_sel(sf_vd_eq(p, one), sf_vd_set(INFINITY), out)
    # NaN outside [0, 1]; a NaN p gives NaN through the formula
    return sf_vd_sel(sf_vdm_or(sf_vd_lt(p, zero), sf_vd_lt(one, p)), sf_vd_set(NAN), out)
