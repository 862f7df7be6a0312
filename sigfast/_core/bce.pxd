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
from sigfast._core.vec cimport *
from sigfast._core.eft cimport two_sum_f64
from sigfast._core.engine32 cimport log1pexp_f32, SF_F_ALOG
from sigfast._core.engine64 cimport Logistic64, clamp_f64, logistic_f64, log1pexp_f64, SF_ALOG


cdef inline sf_vf bce_parts_f32(sf_vf z, sf_vf y, sf_vf* omy, sf_vf* a1, sf_vf* a2, sf_vf* lo) noexcept nogil:
    # L = hi + *lo, and the relu factors: a1 = relu(z) (0 where 1 - y = 0),
    # a2 = relu(-z) (0 where y = 0), so that a zero weight gives an exact 0
    cdef sf_vf zero = sf_vf_set(0.0), a
    omy[0] = sf_vf_sub(sf_vf_set(1.0), y)
    a1[0] = sf_vf_sel(sf_vf_eq(omy[0], zero), zero, sf_vf_max(zero, z))
    a2[0] = sf_vf_sel(sf_vf_eq(y, zero), zero, sf_vf_max(zero, sf_vf_sub(zero, z)))
    a = sf_vf_min(sf_vf_set(SF_F_ALOG), sf_vf_max(z, sf_vf_sub(zero, z)))
    return log1pexp_f32(a, lo)


cdef inline sf_vf bce_with_logits_f32(sf_vf z, sf_vf y) noexcept nogil:
    # a1 (1 - y) + a2 y + hi + lo: the products are added to L's high word
    # inside FMAs, so a target outside [0, 1], where the terms cancel, still
    # gives a once-rounded result
    cdef sf_vf omy, a1, a2, lo, hi
    hi = bce_parts_f32(z, y, &omy, &a1, &a2, &lo)
    return sf_vf_add(sf_vf_fma(a1, omy, sf_vf_fma(a2, y, hi)), lo)


cdef inline sf_vf bce_term_f32(sf_vf z, sf_vf y, sf_vf pw) noexcept nogil:
    # bce_with_logits_f32 with the positive term weighted by pw; for pw = 1
    # every extra operation is exact (a product by 1), so the value is the
    # ufunc's bit for bit
    cdef sf_vf omy, a1, a2, lo, hi, c, one = sf_vf_set(1.0)
    hi = bce_parts_f32(z, y, &omy, &a1, &a2, &lo)
    c = sf_vf_sel(sf_vf_eq(pw, one), one, sf_vf_mad(y, pw, omy))
    return sf_vf_mad(c, lo, sf_vf_fma(a1, omy, sf_vf_fma(a2, sf_vf_mul(y, pw), sf_vf_mul(c, hi))))


cdef inline sf_vd bce_parts_f64(sf_vd z, sf_vd y, sf_vd* omy, sf_vd* a1, sf_vd* a2, sf_vd* lo) noexcept nogil:
    # L = hi + *lo, and the relu factors: a1 = relu(z) (0 where 1 - y = 0),
    # a2 = relu(-z) (0 where y = 0), so that a zero weight gives an exact 0
    cdef sf_vd zero = sf_vd_set(0.0), a
    omy[0] = sf_vd_sub(sf_vd_set(1.0), y)
    a1[0] = sf_vd_sel(sf_vd_eq(omy[0], zero), zero, sf_vd_max(zero, z))
    a2[0] = sf_vd_sel(sf_vd_eq(y, zero), zero, sf_vd_max(zero, sf_vd_sub(zero, z)))
    a = sf_vd_min(sf_vd_set(SF_ALOG), sf_vd_max(z, sf_vd_sub(zero, z)))
    return log1pexp_f64(a, lo)


cdef inline sf_vd bce_with_logits_f64(sf_vd z, sf_vd y) noexcept nogil:
    # a1 (1 - y) + a2 y + hi + lo: the products are added to L's high word
    # inside FMAs, so a target outside [0, 1], where the terms cancel, still
    # gives a once-rounded result
    cdef sf_vd omy, a1, a2, lo, hi
    hi = bce_parts_f64(z, y, &omy, &a1, &a2, &lo)
    return sf_vd_add(sf_vd_fma(a1, omy, sf_vd_fma(a2, y, hi)), lo)


cdef inline sf_vd bce_term_f64(sf_vd z, sf_vd y, sf_vd pw) noexcept nogil:
    # bce_with_logits_f64 with the positive term weighted by pw; for pw = 1
    # every extra operation is exact (a product by 1), so the value is the
    # ufunc's bit for bit
    cdef sf_vd omy, a1, a2, lo, hi, c, one = sf_vd_set(1.0)
    hi = bce_parts_f64(z, y, &omy, &a1, &a2, &lo)
    c = sf_vd_sel(sf_vd_eq(pw, one), one, sf_vd_mad(y, pw, omy))
    return sf_vd_mad(c, lo, sf_vd_fma(a1, omy, sf_vd_fma(a2, sf_vd_mul(y, pw), sf_vd_mul(c, hi))))


# ---- the gradient: sigma(z) - y ------------------------------------------------
# One float64 formula (the float32 loop widens, wide32): sigma(z) ~ y
# cancels all the leading bits, so sigma needs the extra word float64
# carries.  With s = sigma(-|z|) = P q0 (1 + h) as two words sh + sl:
#   z < 0:  (sh - y) + sl   (sh - y exact where they are close);
#   z >= 0: ((1 - y) - sh) - sl with 1 - y = w + wl by TwoSum,
# so the tail sigma(z) - 1 = -sigma(-z) keeps full accuracy for large z
# (and is exactly 0 at z = +inf, y = 1).  With pos_weight (the fused loss):
# (1 - y) sigma(z) - pw y sigma(-z), where pw = 1 takes the form above.

cdef inline sf_vd bce_with_logits_grad_f64(sf_vd z, sf_vd y) noexcept nogil:
    cdef sf_vd one = sf_vd_set(1.0), zero = sf_vd_set(0.0)
    cdef sf_vd a = sf_vd_min(z, sf_vd_sub(zero, z))
    cdef Logistic64 c = logistic_f64(clamp_f64(a))
    cdef sf_vd sh, sl, gneg, w, wl, gpos
    sh = sf_vd_mul(c.q0, c.P)
    sl = sf_vd_mul(sf_vd_mul(c.q0, c.h), c.P)
    gneg = sf_vd_add(sf_vd_sub(sh, y), sl)
    w = two_sum_f64(one, sf_vd_sub(zero, y), &wl)
    wl = sf_vd_sel(sf_vd_ne(wl, wl), zero, wl)        # y = +-inf: TwoSum's inf - inf
    gpos = sf_vd_sub(sf_vd_add(sf_vd_sub(w, sh), wl), sl)
    return sf_vd_sel(sf_vd_lt(z, zero), gneg, gpos)


cdef inline sf_vd bce_grad_term_f64(sf_vd z, sf_vd y, sf_vd pw) noexcept nogil:
    cdef sf_vd one = sf_vd_set(1.0), zero = sf_vd_set(0.0)
    cdef sf_vd a = sf_vd_min(z, sf_vd_sub(zero, z))
    cdef Logistic64 c = logistic_f64(clamp_f64(a))
    cdef sf_vd s_neg, s_pos, sz, smz, general
    s_neg = sf_vd_mul(sf_vd_fma(c.q0, c.h, c.q0), c.P)       # sigma(-|z|)
    s_pos = sf_vd_sub(one, s_neg)                              # sigma(|z|)
    sz = sf_vd_sel(sf_vd_lt(z, zero), s_neg, s_pos)
    smz = sf_vd_sel(sf_vd_lt(z, zero), s_pos, s_neg)
    general = sf_vd_nmad(sf_vd_mul(pw, y), smz, sf_vd_mul(sf_vd_sub(one, y), sz))
    return sf_vd_sel(sf_vd_eq(pw, one), bce_with_logits_grad_f64(z, y), general)
