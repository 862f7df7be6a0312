# Layer 3, family: log1mexp(x) = log(1 - e**x) for x <= 0 (NaN for x > 0,
# -inf at x = 0, -0.0 at -inf: the limit is approached from below).
#
# Maechler's two regimes ("Accurately computing log(1 - exp(-|a|))", 2012)
# without a branch: a = -x, e**-a = u + el from the float64 engine, and
#   a < 0.0216 (n = 0 in exp_f64's reduction): 1 - e**-a = a - a (a Q(a))
#     (Q: exp_f64's polynomial, e**-a - 1 = a (-1 + a Q)), the product and
#     the difference kept as two words: this is -expm1(-a), whose relative
#     error stays ~2**-60 however small a is;
#   otherwise 1 - u - el by Fast2Sum (u <= 1): for a >= ln2 the log1p(-e)
#     branch, where 1 - e cannot cancel; between 0.0216 and ln2 it cancels
#     at most 46-fold, so e's ~2**-58 error stays below 2**-52.5 of W;
#   u < 2**-20: -(u + u**2/2 + u**3/3) directly, summed before the last
#     scaling by 2**-128 so that subnormal results are rounded once.
# W = wh + wl = 2**J (B + Bl) with B in [0.707, 1.414] from the exponent
# bits, and -log W = log(2**-J / (B + Bl)) is logit's log of a ratio
# (log_ratio_f64, A = 1: 1 - B exact by Sterbenz), so log W keeps W's
# relative accuracy.  float32 runs this formula on widened inputs
# (registry wide32) and rounds once.
from sigfast._core.vec cimport *
from sigfast._core.eft cimport fast_two_sum_f64
from sigfast._core.engine64 cimport (
    Exp64, exp_f64, SF_ALOG, SF_SERIES, SF_SQRT2, SF_TWOM128, SF_SHIFT52_BITS,
    SF_EXPD_C2, SF_EXPD_C3, SF_EXPD_C4, SF_EXPD_C5, SF_EXPD_C6, SF_EXPD_C7)
from sigfast._core.logit cimport logb_f64, mant_f64, log_ratio_f64, SF_TWO54, SF_TWOM1000
from sigfast._core.platform cimport INFINITY, NAN


cdef inline sf_vd log1mexp_f64(sf_vd x) noexcept nogil:
    cdef sf_vd zero = sf_vd_set(0.0), one = sf_vd_set(1.0)
    cdef sf_vd a, Pinv, us, els, u, el, wh, wl, q, c, p, pl, sh, sl, ew, mw, B, Bl, J, out, ser
    cdef sf_vdi uw
    cdef sf_vdm near, tiny, up
    cdef Exp64 e
    a = sf_vd_min(sf_vd_set(SF_ALOG), sf_vd_sub(zero, x))      # NaN passes
    e = exp_f64(a)
    # e**-a = u + el: 2**-(K+1) applied as 2**(128-K-1) * 2**-128, exact
    # down to the subnormals (log1pexp_f64's scaling)
    Pinv = sf_vdi_asd(sf_vdi_sll(sf_vdi_and(
        sf_vdi_sub(sf_vdi_set((1022 + 128) * 16 + 15 + SF_SHIFT52_BITS), e.tb),
        sf_vdi_set(-16)), 48))
    us = sf_vd_mul(e.u2, Pinv)
    els = sf_vd_mul(e.eu2, Pinv)
    u = sf_vd_mul(us, sf_vd_set(SF_TWOM128))
    el = sf_vd_mul(els, sf_vd_set(SF_TWOM128))
    wh = fast_two_sum_f64(one, sf_vd_sub(zero, u), &wl)
    wl = sf_vd_sub(wl, el)
    # -expm1(-a) = a - a (a Q(a)) near 0
    q = sf_vd_mad(a, sf_vd_set(SF_EXPD_C7), sf_vd_set(SF_EXPD_C6))
    q = sf_vd_mad(a, q, sf_vd_set(SF_EXPD_C5))
    q = sf_vd_mad(a, q, sf_vd_set(SF_EXPD_C4))
    q = sf_vd_mad(a, q, sf_vd_set(SF_EXPD_C3))
    q = sf_vd_mad(a, q, sf_vd_set(SF_EXPD_C2))
    c = sf_vd_mul(a, q)
    p = sf_vd_mul(a, c)
    pl = sf_vd_fms(a, c, p)
    sh = fast_two_sum_f64(a, sf_vd_sub(zero, p), &sl)
    near = sf_vd_lt(a, sf_vd_set(0.0216))
    wh = sf_vd_sel(near, sh, wh)
    wl = sf_vd_sel(near, sf_vd_sub(sl, pl), wl)
    # W below 2**-1000 (a subnormal or tiny a) is scaled so its bits are a
    # normal double's
    tiny = sf_vd_lt(wh, sf_vd_set(SF_TWOM1000))
    wh = sf_vd_sel(tiny, sf_vd_mul(wh, sf_vd_set(SF_TWO54)), wh)
    wl = sf_vd_sel(tiny, sf_vd_mul(wl, sf_vd_set(SF_TWO54)), wl)
    uw = sf_vd_bits(wh)
    ew = logb_f64(uw)
    mw = mant_f64(uw)
    up = sf_vd_lt(sf_vd_set(SF_SQRT2), mw)
    B = sf_vd_mul(mw, sf_vd_sel(up, sf_vd_set(0.5), one))
    Bl = sf_vd_mul(sf_vd_mul(wl, sf_vdi_asd(sf_vdi_sll(
        sf_vdi_sub(sf_vdi_set(2046), sf_vdi_srl(uw, 52)), 52))),
        sf_vd_sel(up, sf_vd_set(0.5), one))
    J = sf_vd_add(ew, sf_vd_sub(sf_vd_sel(up, one, zero), sf_vd_sel(tiny, sf_vd_set(54.0), zero)))
    out = sf_vd_mul(log_ratio_f64(one, B, Bl, sf_vd_sub(zero, J)), sf_vd_set(-1.0))
    # (a product by -1, not 0 - s: -inf gives -0.0)
    # summed at the 2**128 scale, so a subnormal result is rounded once
    ser = sf_vd_mul(sf_vd_mul(sf_vd_add(us, sf_vd_mad(
        sf_vd_mul(us, u), sf_vd_mad(u, sf_vd_set(1.0 / 3), sf_vd_set(0.5)), els)),
        sf_vd_set(SF_TWOM128)), sf_vd_set(-1.0))
    out = sf_vd_sel(sf_vd_lt(u, sf_vd_set(SF_SERIES)), ser, out)
    out = sf_vd_sel(sf_vd_eq(x, zero), sf_vd_set(-INFINITY), out)
    out = sf_vd_sel(sf_vd_lt(zero, x), sf_vd_set(NAN), out)
    return sf_vd_sel(sf_vd_ne(x, x), x, out)
