# Layer 3, family: logit(p) = log(p/(1-p)), float32 and float64 side by
# side.  The ratio p/(1-p) = 2**J m (m in [0.707, 1.414]) is taken apart
# from exponents and significands, and log(m) is evaluated where it keeps
# full relative accuracy near p = 1/2 (logit ~ 4(p - 1/2)).

from sigfast._core.platform cimport (
    sf_logbd, sf_mantd, sf_fmad, INFINITY, NAN, SF_LN2, SF_LN2_HI, SF_LN2_LO, SF_SQRT2,
    SF_TWO54, SF_TWOM1000)
from sigfast._core.eft cimport two_sum, fast_two_sum_err, two_prod_err
from sigfast._core.engine64 cimport pow2, log_poly_lg
from sigfast._core.engine32 cimport log_poly_wide


cdef inline float logit_f32(float pf) noexcept nogil:
    # In float64 for float32 p: w = 1 - p and 2p - 1 are exact (or, for
    # p < 2**-29, off by a relative 2**-53); r = p/w = 2**j m with m in
    # [0.707, 1.414] from r's exponent and significand; log(m) = log1p(f)
    # with f = m - 1, except for j = 0 where f = (2p - 1)/w keeps full
    # relative accuracy near p = 1/2.
    cdef double p = pf, w, r, ep, mr, m, j, f, s, z, R, out
    cdef bint big
    w = 1.0 - p
    r = p / w
    ep = sf_logbd(r)
    mr = sf_mantd(r)
    big = mr > SF_SQRT2
    m = mr * 0.5 if big else mr
    j = ep + 1.0 if big else ep
    f = (2.0 * p - 1.0) / w if j == 0.0 else m - 1.0
    s = f / (2.0 + f)
    z = s * s
    R = log_poly_wide(z)
    out = sf_fmad(j, SF_LN2, f - s * (f - R))
    out = -INFINITY if p == 0.0 else out
    out = INFINITY if p == 1.0 else out
    return <float>(out if (p >= 0.0 and p <= 1.0) else NAN)


cdef inline double logit_f64(double p) noexcept nogil:
    # 1 - p = w + wl exactly (Fast2Sum).  p/w = 2**J * m with m in
    # [0.707, 1.414] is found from exponents and significands (no division):
    # m = A/(B + Bl) with A = p's significand * 2**-adj, B = w's significand.
    # Then log(m) = 2 atanh(s) = 2s + s R(s*s) with s = (A - B - Bl)/(A + B + Bl);
    # A - B is exact (Sterbenz), so s keeps full relative accuracy near
    # p = 1/2; s's rounding error sl is recovered from the exact residual.
    # logit = J ln2 + 2s + (2 sl + s R).  p below 2**-1000 is scaled by 2**54
    # first, so its significand is exact.
    cdef double w, wl, ps, ep, mp, ew, mw, adj, A, B, Bl, J, n0, nh, nl
    cdef double dh, dl, s, sl, z, R, Jh, Jl, h, he, out
    cdef bint tiny = p < SF_TWOM1000
    w = 1.0 - p
    wl = fast_two_sum_err(1.0, -p, w)
    ps = p * SF_TWO54 if tiny else p
    ep = sf_logbd(ps)
    mp = sf_mantd(ps)
    ew = sf_logbd(w)
    mw = sf_mantd(w)
    adj = (1.0 if mp > SF_SQRT2 * mw else 0.0) - (
        1.0 if mw > SF_SQRT2 * mp else 0.0)
    A = mp * pow2(-adj)
    B = mw
    Bl = wl * pow2(-ew)
    J = (ep - ew + adj) - (54.0 if tiny else 0.0)
    n0 = A - B
    nh = two_sum(n0, -Bl, &nl)
    dh = two_sum(A, B, &dl)
    dl = dl + Bl
    s = nh / dh
    sl = ((nl - two_prod_err(s, dh, nh)) - s * dl) / dh
    z = s * s
    R = log_poly_lg(z)
    Jh = J * SF_LN2_HI
    Jl = J * SF_LN2_LO
    h = two_sum(Jh, 2.0 * s, &he)
    out = h + (he + (Jl + (2.0 * sl + s * R)))
    out = -INFINITY if p == 0.0 else out
    out = INFINITY if p == 1.0 else out
    return out if (p >= 0.0 and p <= 1.0) else NAN
