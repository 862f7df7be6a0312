# Layer 3, family: binary cross-entropy with logits and its gradient.
# bce_term_f32/_f64 is the one BCE term: the ufunc bce_with_logits and the
# fused loss (sigfast/_fused.pyx) both use it, so bce_with_logits(z, y)
# equals binary_cross_entropy_with_logits(z, y, reduction="none") bit for
# bit.
#
# -(pw y log sigma(z) + (1 - y) log sigma(-z)) as a sum of non-negative
# terms for y in [0, 1]:
#     (1 - y) relu(z) + pw y relu(-z) + c L,   c = (1 - y) + pw y,
# L = log(1 + e**-|z|) = hi + lo (log1pexp).  The textbook
# max(z,0) - z*y + L cancels (29 ulp in float32).  A zero weight selects an
# exact 0, so z = +-inf with its matching target gives 0 instead of
# inf*0 = NaN; with pw = 1, c is exactly 1 and the term is the ufunc's.
# The same rule the other way round for pos_weight = inf (or pw y
# overflowing): y = 0 has no positive term (pw y = 0, not 0*inf), a positive
# term whose factor relu(-z) + L is 0 (z = +inf) is 0, and any other is
# +inf, as PyTorch gives it (issue 23, item 8); pw = 0 makes the positive
# term 0 at z = -inf too; a NaN pw stays NaN.
from libc.math cimport ldexp, nearbyint
from sigfast._core.vec cimport *
from sigfast._core.eft cimport two_sum_f32, two_sum_f64, _dd_add, _dd_mul, _dd_div, _dd_two_prod, _dd_two_sum
from sigfast._core.engine32 cimport (OnePlusExp32, one_plus_exp_f32, log1p_words_f32,
                                     SF_F_ALOG)
from sigfast._core.engine64 cimport (Logistic64, clamp_f64, logistic_f64, OnePlusExp64,
                                     one_plus_exp_f64, log1p_words_f64, SF_ALOG)


cdef inline sf_vf bce_parts_f32(sf_vf z, sf_vf y, sf_vf* omy, sf_vf* a1, sf_vf* a2, sf_vf* lo,
                               OnePlusExp32* d) noexcept nogil:
    # L = hi + *lo, and the relu factors: a1 = relu(z) (0 where 1 - y = 0),
    # a2 = relu(-z) (0 where y = 0), so that a zero weight gives an exact 0;
    # *d: e**-|z| and 1 + e**-|z|, which the gradient reuses
    cdef sf_vf zero = sf_vf_set(0.0)
    omy[0] = sf_vf_sub(sf_vf_set(1.0), y)
    a1[0] = sf_vf_sel(sf_vf_eq(omy[0], zero), zero, sf_vf_max(zero, z))
    a2[0] = sf_vf_sel(sf_vf_eq(y, zero), zero, sf_vf_max(zero, sf_vf_sub(zero, z)))
    d[0] = one_plus_exp_f32(abs_e_f32(z))
    return log1p_words_f32(d[0], lo)


cdef inline sf_vf abs_e_f32(sf_vf z) noexcept nogil:
    # |z| clamped to the log's range (ALOG, beyond which e**-|z| is 0); NaN passes
    return sf_vf_min(sf_vf_set(SF_F_ALOG), sf_vf_max(z, sf_vf_sub(sf_vf_set(0.0), z)))


# The sum: T = X W, X = a1 or a2 (one of them is 0: the one of the other
# sign of z), W = 1 - y or y (pw y), kept as T + Te (FMA); hi + T exactly
# by TwoSum (T < 0 for targets outside [0, 1]); the low words added last,
# so the result is rounded once.  For y = 0 (1) this is softplus(z)
# (softplus(-z)) operation for operation (Te = +0, and TwoSum and softplus's
# sorted Fast2Sum give the same exact S + err): hard-label BCE equals
# softplus bit for bit (it differed at 16 % of float32 inputs by up to
# 2 ulp when the products were folded into FMAs with hi).  Where T or the
# sum is infinite, TwoSum's inf - inf is NaN: those lanes (and NaN inputs)
# take the products folded into FMAs with hi (special), whose 0 * inf for
# an infinite target is NaN, as in the long double twin.

cdef inline sf_vf bce_sum_f32(sf_vf T, sf_vf Te, sf_vf hi, sf_vf lo, sf_vf special) noexcept nogil:
    cdef sf_vf err, S, r
    S = two_sum_f32(hi, T, &err)
    r = sf_vf_add(S, sf_vf_add(err, sf_vf_add(lo, Te)))
    return sf_vf_sel(sf_vf_ne(r, r), special, r)


cdef inline sf_vf bce_with_logits_f32(sf_vf z, sf_vf y) noexcept nogil:
    cdef OnePlusExp32 d
    return bce_logits_d_f32(z, y, &d)


cdef inline sf_vf bce_logits_d_f32(sf_vf z, sf_vf y, OnePlusExp32* d) noexcept nogil:
    # bce_with_logits_f32, handing its exp to the gradient (*d)
    cdef sf_vf omy, a1, a2, lo, hi, X, W, T
    cdef sf_vfm neg = sf_vf_lt(z, sf_vf_set(0.0))
    hi = bce_parts_f32(z, y, &omy, &a1, &a2, &lo, d)
    X = sf_vf_sel(neg, a2, a1)
    W = sf_vf_sel(neg, y, omy)
    T = sf_vf_mul(X, W)
    return bce_sum_f32(T, sf_vf_fms(X, W, T), hi, lo, sf_vf_fma(a1, omy, sf_vf_fma(a2, y, hi)))


cdef inline sf_vf bce_term_f32(sf_vf z, sf_vf y, sf_vf pw) noexcept nogil:
    # bce_with_logits_f32 with the positive term weighted by pw and
    # L by c = (1 - y) + pw y; for pw = 1, c = 1, c hi = hi with error +0,
    # and every other extra operation is exact (a product by 1), so the
    # value is the ufunc's bit for bit.  A zero factor wins against an
    # infinite one (y = 0 with pw = inf; pw = 0 at z = -inf); lanes whose
    # pw y is infinite (hi + lo would be inf - inf) take the value that
    # rule gives.
    cdef sf_vf omy, a1, a2, lo, hi, c, ypw, X, W, T, H, v, one = sf_vf_set(1.0), zero = sf_vf_set(0.0)
    cdef sf_vfm neg = sf_vf_lt(z, zero)
    cdef sf_vfm y0 = sf_vfm_and(sf_vf_eq(y, zero), sf_vf_eq(pw, pw))
    cdef OnePlusExp32 d
    hi = bce_parts_f32(z, y, &omy, &a1, &a2, &lo, &d)
    ypw = sf_vf_sel(y0, zero, sf_vf_mul(y, pw))
    a2 = sf_vf_sel(sf_vf_eq(ypw, zero), zero, a2)          # pw = 0 at z = -inf
    c = sf_vf_sel(sf_vf_eq(pw, one), one, sf_vf_sel(y0, omy, sf_vf_mad(y, pw, omy)))
    X = sf_vf_sel(neg, a2, a1)
    W = sf_vf_sel(neg, ypw, omy)
    T = sf_vf_mul(X, W)
    H = sf_vf_mul(c, hi)
    v = bce_sum_f32(T, sf_vf_add(sf_vf_fms(X, W, T), sf_vf_fms(c, hi, H)), H,
                    sf_vf_mul(c, lo), sf_vf_fma(a1, omy, sf_vf_fma(a2, ypw, H)))
    # pw y = +-inf: the only lanes where ypw - ypw is NaN while ypw is not
    return sf_vf_sel(sf_vfm_and(sf_vf_eq(ypw, ypw), sf_vf_ne(sf_vf_sub(ypw, ypw), zero)),
                     sf_vf_sel(sf_vf_lt(zero, sf_vf_add(a2, hi)), ypw, sf_vf_mul(a1, omy)), v)


cdef inline sf_vd bce_parts_f64(sf_vd z, sf_vd y, sf_vd* omy, sf_vd* a1, sf_vd* a2, sf_vd* lo,
                               OnePlusExp64* d) noexcept nogil:
    # bce_parts_f32 in float64
    cdef sf_vd zero = sf_vd_set(0.0)
    omy[0] = sf_vd_sub(sf_vd_set(1.0), y)
    a1[0] = sf_vd_sel(sf_vd_eq(omy[0], zero), zero, sf_vd_max(zero, z))
    a2[0] = sf_vd_sel(sf_vd_eq(y, zero), zero, sf_vd_max(zero, sf_vd_sub(zero, z)))
    d[0] = one_plus_exp_f64(abs_e_f64(z))
    return log1p_words_f64(d[0], lo)


cdef inline sf_vd abs_e_f64(sf_vd z) noexcept nogil:
    return sf_vd_min(sf_vd_set(SF_ALOG), sf_vd_max(z, sf_vd_sub(sf_vd_set(0.0), z)))


cdef inline sf_vd bce_sum_f64(sf_vd T, sf_vd Te, sf_vd hi, sf_vd lo, sf_vd special) noexcept nogil:
    cdef sf_vd err, S, r
    S = two_sum_f64(hi, T, &err)
    r = sf_vd_add(S, sf_vd_add(err, sf_vd_add(lo, Te)))
    return sf_vd_sel(sf_vd_ne(r, r), special, r)


cdef inline sf_vd bce_with_logits_f64(sf_vd z, sf_vd y) noexcept nogil:
    cdef OnePlusExp64 d
    return bce_logits_d_f64(z, y, &d)


cdef inline sf_vd bce_logits_d_f64(sf_vd z, sf_vd y, OnePlusExp64* d) noexcept nogil:
    cdef sf_vd omy, a1, a2, lo, hi, X, W, T
    cdef sf_vdm neg = sf_vd_lt(z, sf_vd_set(0.0))
    hi = bce_parts_f64(z, y, &omy, &a1, &a2, &lo, d)
    X = sf_vd_sel(neg, a2, a1)
    W = sf_vd_sel(neg, y, omy)
    T = sf_vd_mul(X, W)
    return bce_sum_f64(T, sf_vd_fms(X, W, T), hi, lo, sf_vd_fma(a1, omy, sf_vd_fma(a2, y, hi)))


cdef inline sf_vd bce_term_f64(sf_vd z, sf_vd y, sf_vd pw) noexcept nogil:
    # bce_term_f32 in float64
    cdef sf_vd omy, a1, a2, lo, hi, c, ypw, X, W, T, H, v, one = sf_vd_set(1.0), zero = sf_vd_set(0.0)
    cdef sf_vdm neg = sf_vd_lt(z, zero)
    cdef sf_vdm y0 = sf_vdm_and(sf_vd_eq(y, zero), sf_vd_eq(pw, pw))
    cdef OnePlusExp64 d
    hi = bce_parts_f64(z, y, &omy, &a1, &a2, &lo, &d)
    ypw = sf_vd_sel(y0, zero, sf_vd_mul(y, pw))
    a2 = sf_vd_sel(sf_vd_eq(ypw, zero), zero, a2)          # pw = 0 at z = -inf
    c = sf_vd_sel(sf_vd_eq(pw, one), one, sf_vd_sel(y0, omy, sf_vd_mad(y, pw, omy)))
    X = sf_vd_sel(neg, a2, a1)
    W = sf_vd_sel(neg, ypw, omy)
    T = sf_vd_mul(X, W)
    H = sf_vd_mul(c, hi)
    v = bce_sum_f64(T, sf_vd_add(sf_vd_fms(X, W, T), sf_vd_fms(c, hi, H)), H,
                    sf_vd_mul(c, lo), sf_vd_fma(a1, omy, sf_vd_fma(a2, ypw, H)))
    # pw y = +-inf: the only lanes where ypw - ypw is NaN while ypw is not
    return sf_vd_sel(sf_vdm_and(sf_vd_eq(ypw, ypw), sf_vd_ne(sf_vd_sub(ypw, ypw), zero)),
                     sf_vd_sel(sf_vd_lt(zero, sf_vd_add(a2, hi)), ypw, sf_vd_mul(a1, omy)), v)


# ---- the gradient: sigma(z) - y ------------------------------------------------
# float64: sigma(z) ~ y cancels all the leading bits, so sigma needs an
# extra word beyond the result's precision.  s = sigma(-|z|) = e/(1 + e)
# from the loss's own exp, e = e**-|z| = u + el and 1 + e = Dh + Dl
# (one_plus_exp: loss_and_grad evaluates one exp for both, issue 21), as
# two words sh + sl (sigma_words):
#   z < 0:  (sh - y) + sl   (sh - y exact where they are close);
#   z >= 0: ((1 - y) - sh) - sl with 1 - y = w + wl by TwoSum,
# so the tail sigma(z) - 1 = -sigma(-z) keeps full accuracy for large z
# (and is exactly 0 at z = +inf, y = 1).  With pos_weight (the fused loss):
# (1 - y) sigma(z) - pw y sigma(-z), where pw = 1 takes the form above.

cdef inline sf_vd sigma_words_f64(OnePlusExp64 d, sf_vd* sl) noexcept nogil:
    # sh + *sl = (u + el)/(Dh + Dl): 1/D = q0 (1 + h), q0 = fl(1/Dh) and the
    # residual h = 1 - q0 (Dh + Dl) by FMAs; sh = fl(u q0), its rounding
    # error exact by FMA, plus sh h and el q0 (the dropped el q0 h is
    # below 2**-100 s)
    cdef sf_vd q0 = sf_vd_div(sf_vd_set(1.0), d.Dh), h, sh
    h = sf_vd_nmad(q0, d.Dl, sf_vd_fnma(q0, d.Dh, sf_vd_set(1.0)))
    sh = sf_vd_mul(d.u, q0)
    sl[0] = sf_vd_mad(d.el, q0, sf_vd_mad(sh, h, sf_vd_fms(d.u, q0, sh)))
    return sh


cdef inline sf_vd bce_with_logits_grad_f64(sf_vd z, sf_vd y) noexcept nogil:
    return bce_grad_d_f64(z, y, one_plus_exp_f64(abs_e_f64(z)))


cdef inline sf_vd bce_grad_d_f64(sf_vd z, sf_vd y, OnePlusExp64 d) noexcept nogil:
    # d: one_plus_exp_f64 of abs_e_f64(z), the loss's (bce_logits_d_f64)
    cdef sf_vd one = sf_vd_set(1.0), zero = sf_vd_set(0.0)
    cdef sf_vd sh, sl, gneg, w, wl, gpos
    sh = sigma_words_f64(d, &sl)
    gneg = sf_vd_add(sf_vd_sub(sh, y), sl)
    w = two_sum_f64(one, sf_vd_sub(zero, y), &wl)
    wl = sf_vd_sel(sf_vd_ne(wl, wl), zero, wl)        # y = +-inf: TwoSum's inf - inf
    gpos = sf_vd_sub(sf_vd_add(sf_vd_sub(w, sh), wl), sl)
    return sf_vd_sel(sf_vd_lt(z, zero), gneg, gpos)


cdef inline sf_vd bce_grad_term_f64(sf_vd z, sf_vd y, sf_vd pw) noexcept nogil:
    cdef sf_vd one = sf_vd_set(1.0), zero = sf_vd_set(0.0)
    cdef sf_vd a = sf_vd_min(z, sf_vd_sub(zero, z))
    cdef Logistic64 c = logistic_f64(clamp_f64(a))
    cdef sf_vd s_neg, s_pos, sz, smz, ypw, general
    s_neg = sf_vd_mul(sf_vd_fma(c.q0, c.h, c.q0), c.P)       # sigma(-|z|)
    s_pos = sf_vd_sub(one, s_neg)                              # sigma(|z|)
    sz = sf_vd_sel(sf_vd_lt(z, zero), s_neg, s_pos)
    smz = sf_vd_sel(sf_vd_lt(z, zero), s_pos, s_neg)
    # pw y sigma(-z) with bce_term's rule for pw = inf: 0 where y = 0 or
    # sigma(-z) = 0 (z = +inf), -inf otherwise; a NaN pw stays NaN
    ypw = sf_vd_mul(pw, y)
    ypw = sf_vd_sel(sf_vdm_and(sf_vdm_or(sf_vd_eq(y, zero), sf_vd_eq(smz, zero)),
                               sf_vd_eq(pw, pw)), zero, ypw)
    general = sf_vd_nmad(ypw, smz, sf_vd_mul(sf_vd_sub(one, y), sz))
    return sf_vd_sel(sf_vd_eq(pw, one), bce_with_logits_grad_f64(z, y), general)


# float32 (it used to widen to the float64 formula, wide32): the same form
# in float32 words on engine32.  s = sigma(-|z|) = sh + sl from the loss's
# exp as in float64 (sigma_words_f32); the float32 exp's e**-r polynomial
# makes it good to ~2**-28 relative (sl's own rounding adds 2**-48), so
#   z < 0:  G = sh - y,        lo = e + sl,
#   z >= 0: G = w - sh,        lo = e + (wl - sl),   1 - y = w + wl,
# with e the exact error of G (TwoSum, 6 operations: neither operand is
# known to be the larger), and g = G + lo rounded once.  wl = (1 - w) - y
# is exact for |y| <= 2**24 (Fast2Sum holds while 1 is a multiple of
# ulp(y)).  lo is within about ulp(G) of 0, so its own rounding is below
# 2**-47 |g|; the error that matters is sigma's, eps |s| with eps ~ 2**-28,
# i.e. eps |s|/|g| relative.  Hard lanes are those where that ratio could
# spend the budget, and they take the float64 formula on widened inputs
# (rounded once), as rarely as such inputs occur:
#   - |G| < sh/2 (or NaN): sigma(z) - y cancels more than one bit; outside
#     them the error is at most 2 eps |g| ~ 2**-27 |g| (0.125 ulp), so
#     every other lane is within 0.5 + 0.125 ulp;
#   - |z| > 80: s < 2**-115 and sl is subnormal (and e**-|z| itself is
#     subnormal beyond 87.3);
#   - |y| > 2**24 (and y = +-inf): wl no longer exact.
# z or y NaN gives G NaN, hence hard, and the float64 formula's NaN.
# Every lane's value depends on its own inputs only.

cdef inline sf_vf sigma_words_f32(OnePlusExp32 d, sf_vf* sl) noexcept nogil:
    # sigma_words_f64 in float32
    cdef sf_vf q0 = sf_vf_div(sf_vf_set(1.0), d.Dh), h, sh
    h = sf_vf_nmad(q0, d.Dl, sf_vf_fnma(q0, d.Dh, sf_vf_set(1.0)))
    sh = sf_vf_mul(d.u, q0)
    sl[0] = sf_vf_mad(d.el, q0, sf_vf_mad(sh, h, sf_vf_fms(d.u, q0, sh)))
    return sh


cdef inline sf_vf bce_grad_words_f32(sf_vf z, sf_vf y, sf_vf* lo, sf_vfm* hard) noexcept nogil:
    return bce_grad_words_d_f32(z, y, one_plus_exp_f32(abs_e_f32(z)), lo, hard)


cdef inline sf_vf bce_grad_words_d_f32(sf_vf z, sf_vf y, OnePlusExp32 d, sf_vf* lo,
                                       sf_vfm* hard) noexcept nogil:
    # g = G + *lo (G returned); *hard: the lanes to recompute in float64.
    # d: one_plus_exp_f32 of abs_e_f32(z), the loss's (bce_logits_d_f32)
    cdef sf_vf one = sf_vf_set(1.0), zero = sf_vf_set(0.0)
    cdef sf_vfi absm = sf_vfi_set(0x7fffffff)
    cdef sf_vf sh, sl, w, wl, X, Y, t, G, Gb, Ge
    cdef sf_vfm neg = sf_vf_lt(z, zero)
    sh = sigma_words_f32(d, &sl)
    w = sf_vf_sub(one, y)
    wl = sf_vf_sub(sf_vf_sub(one, w), y)
    X = sf_vf_sel(neg, sh, w)
    Y = sf_vf_sel(neg, y, sh)
    t = sf_vf_sel(neg, sl, sf_vf_sub(wl, sl))
    G = sf_vf_sub(X, Y)
    Gb = sf_vf_sub(G, X)
    Ge = sf_vf_sub(sf_vf_sub(X, sf_vf_sub(G, Gb)), sf_vf_add(Y, Gb))
    lo[0] = sf_vf_add(Ge, t)
    # sh/2 by the exponent field (sh >= 2**-115 is normal in non-hard lanes)
    hard[0] = sf_vfm_or(
        sf_vf_nge(sf_vfi_asf(sf_vfi_and(sf_vf_bits(G), absm)),
                  sf_vfi_asf(sf_vfi_sub(sf_vf_bits(sh), sf_vfi_set(1 << 23)))),
        sf_vfm_or(sf_vf_lt(sf_vf_set(80.0), sf_vfi_asf(sf_vfi_and(sf_vf_bits(z), absm))),
                  sf_vf_lt(sf_vf_set(16777216.0), sf_vfi_asf(sf_vfi_and(sf_vf_bits(y), absm)))))
    return G


cdef inline sf_vfm bce_grad_not_zero_f32(sf_vf z, sf_vf G, sf_vfm hard) noexcept nogil:
    # hard without the lanes z = +-0 (unless G is NaN): there sh = 1/2 and
    # sl = 0 exactly, so G + lo is sigma(z) - y rounded (twice at most,
    # within 2**-24 ulp of once).  A zero-initialised head with targets near
    # 1/2 (label smoothing) took the float64 and the scalar double-double
    # formulas on every lane (599 ms per 1e6 elements instead of 0.74).
    # Applied only once some lane is hard, so the common path pays nothing.
    return sf_vfm_and(hard, sf_vfm_or(sf_vf_ne(z, sf_vf_set(0.0)), sf_vf_ne(G, G)))


# The float64 formula itself is good only to ~2**-54 |y| absolute (its
# sigma has ~54 bits), and float32 inputs can cancel further: with y the
# float32 nearest sigma(z), |g| goes down to ~2**-55 sigma(z) (the closest
# approach of 2**31 values of sigma to the float32 grid), where 2**-54 |y|
# is over 100 float32 ulps.  So a hard lane whose float64 value is below
# 2**-26 |y| (and |z| <= 104, finite: beyond, sigma(-|z|) has underflowed
# in float32) is recomputed once more, in scalar double-double arithmetic
# (bce_grad_dd: sigma to ~2**-95 relative, so g to ~2**-95 |y| absolute:
# 2**-16 ulp at |g| = 2**-55 |y|, 1 ulp only below 2**-71 |y|), and rounded
# from its float64 high word (double rounding: at most 2**-29 ulp beyond
# the correctly rounded value).  Such lanes need sigma(z) and y to agree
# in 26 bits: practically never in real data, so the scalar loop costs
# nothing there.

cdef inline double bce_grad_dd(double z, double y) noexcept nogil:
    # sigma(z) - y in double-double for finite |z| <= 104, finite y:
    # E = e**-|z| = 2**k e**r (ln2 in three words, k ln2 exact by TwoProduct),
    # e**r = (e**(r/256))**256 with a degree-9 Taylor series (|r/256| <
    # 2**-9.5, truncation 2**-117; the squarings make ~2**-96), s = E/(1+E)
    # = sigma(-|z|); then s - y (z < 0) or (1 - y) - s.
    cdef double x = -z if z >= 0 else z
    cdef double k = nearbyint(x * 1.4426950408889634)
    cdef double rh, rl, e, ph, pl, th, tl, Eh, El, Dh, Dl, sh, sl, wh, wl
    cdef int n, ki = <int>k
    ph = _dd_two_prod(k, 0.6931471805599453, &pl)
    rh = _dd_add(x, 0.0, -ph, -pl, &rl)
    ph = _dd_two_prod(k, 2.3190468138462996e-17, &pl)
    rh = _dd_add(rh, rl, -ph, -(pl + k * 5.707708438416212e-34), &rl)
    rh = rh * 0.00390625
    rl = rl * 0.00390625
    th = 1.0
    tl = 0.0
    for n in range(9, 0, -1):
        th = _dd_mul(th, tl, rh, rl, &tl)
        e = th / n
        ph = _dd_two_prod(e, <double>n, &pl)
        tl = ((th - ph) - pl + tl) / n
        th = _dd_two_sum(e, tl, &tl)
        th = _dd_add(1.0, 0.0, th, tl, &tl)
    for n in range(8):
        th = _dd_mul(th, tl, th, tl, &tl)
    Eh = ldexp(th, ki)
    El = ldexp(tl, ki)
    Dh = _dd_add(1.0, 0.0, Eh, El, &Dl)
    sh = _dd_div(Eh, El, Dh, Dl, &sl)
    if z < 0:
        sh = _dd_add(sh, sl, -y, 0.0, &sl)
        return sh + sl
    wh = _dd_two_sum(1.0, -y, &wl)
    wh = _dd_add(wh, wl, -sh, -sl, &wl)
    return wh + wl


cdef inline sf_vf bce_grad_deep_f32(sf_vf z, sf_vf y, sf_vf g, sf_vfm hard, sf_vf v,
                                    sf_vf w, double scale) noexcept nogil:
    # v with the hard lanes whose gradient g cancels below 2**-26 |y| set to
    # bce_grad_dd * w * scale (the fused loss's weights; 1 for the ufunc)
    cdef float tw[SF_VF_LANES]
    cdef float tz[SF_VF_LANES]
    cdef float ty[SF_VF_LANES]
    cdef float tg[SF_VF_LANES]
    cdef float tm[SF_VF_LANES]
    cdef sf_vfi absm = sf_vfi_set(0x7fffffff)
    cdef sf_vfm deep
    cdef int j
    deep = sf_vfm_and(hard, sf_vfm_and(
        sf_vf_lt(sf_vf_mul(sf_vfi_asf(sf_vfi_and(sf_vf_bits(g), absm)), sf_vf_set(67108864.0)),
                 sf_vfi_asf(sf_vfi_and(sf_vf_bits(y), absm))),
        sf_vfm_and(sf_vf_lt(sf_vfi_asf(sf_vfi_and(sf_vf_bits(z), absm)), sf_vf_set(104.0)),
                   sf_vf_lt(sf_vfi_asf(sf_vfi_and(sf_vf_bits(y), absm)), sf_vf_set(16777216.0)))))
    if not sf_vfm_any(deep):
        return v
    sf_vf_store(tz, z)
    sf_vf_store(ty, y)
    sf_vf_store(tg, v)
    sf_vf_store(tw, w)
    sf_vf_store(tm, sf_vf_sel(deep, sf_vf_set(1.0), sf_vf_set(0.0)))
    for j in range(SF_VF_LANES):
        if tm[j] != 0:
            tg[j] = <float>(bce_grad_dd(tz[j], ty[j]) * <double>tw[j] * scale)
    return sf_vf_load(tg)


cdef inline sf_vf bce_with_logits_grad_f32(sf_vf z, sf_vf y) noexcept nogil:
    cdef sf_vf lo, g
    cdef sf_vfm hard
    g = sf_vf_add(bce_grad_words_f32(z, y, &lo, &hard), lo)
    if sf_vfm_any(hard):
        hard = bce_grad_not_zero_f32(z, g, hard)
    if sf_vfm_any(hard):
        g = sf_vf_sel(hard, sf_vf_narrow(
            bce_with_logits_grad_f64(sf_vd_widen_lo(z), sf_vd_widen_lo(y)),
            bce_with_logits_grad_f64(sf_vd_widen_hi(z), sf_vd_widen_hi(y))), g)
        g = bce_grad_deep_f32(z, y, g, hard, g, sf_vf_set(1.0), 1.0)
    return g
