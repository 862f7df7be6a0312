# Layer 4 (beside the ufunc loops): the gradient blocks of the fused loss pass
# (sigfast/_fused.pyx.tp), shared by its gradient-only and its one-exp
# loss-and-gradient loops.  Each turns one block of logits, targets,
# weights and pos_weight into gradient terms, scaled and rounded once to the
# output; the float32 path gives the bce_with_logits_grad ufunc's values bit
# for bit where w = scale = 1.

from sigfast._core.platform cimport real
from sigfast._core.vec cimport *
from sigfast._core.bce cimport (
    bce_grad_term_f64, bce_with_logits_grad_f64, bce_grad_words_f32, bce_grad_deep_f32,
    bce_grad_not_zero_f32)


cdef inline sf_vf grad_scaled_f32(sf_vf hi, sf_vf lo, sf_vf vw, sf_vd vs) noexcept nogil:
    # (hi + lo) w scale in float64, rounded once to float32
    return sf_vf_narrow(
        sf_vd_mul(sf_vd_mul(sf_vd_add(sf_vd_widen_lo(hi), sf_vd_widen_lo(lo)),
                            sf_vd_widen_lo(vw)), vs),
        sf_vd_mul(sf_vd_mul(sf_vd_add(sf_vd_widen_hi(hi), sf_vd_widen_hi(lo)),
                            sf_vd_widen_hi(vw)), vs))


cdef inline sf_vf grad_unit_f32(sf_vf hi, sf_vf lo, sf_vd vs) noexcept nogil:
    # grad_scaled_f32 for w = 1 (its product by w is exact: skipped)
    return sf_vf_narrow(sf_vd_mul(sf_vd_add(sf_vd_widen_lo(hi), sf_vd_widen_lo(lo)), vs),
                        sf_vd_mul(sf_vd_add(sf_vd_widen_hi(hi), sf_vd_widen_hi(lo)), vs))


cdef inline sf_vf grad_hard_f32(sf_vf vz, sf_vf vy, sf_vf vw, sf_vd vs, double scale, sf_vf hi,
                                sf_vfm hard, sf_vf v) noexcept nogil:
    # v with its hard lanes (pos_weight 1) recomputed as the ufunc does
    cdef sf_vd dlo, dhi
    if sf_vfm_any(hard):
        hard = bce_grad_not_zero_f32(vz, hi, hard)
    if sf_vfm_any(hard):
        dlo = bce_with_logits_grad_f64(sf_vd_widen_lo(vz), sf_vd_widen_lo(vy))
        dhi = bce_with_logits_grad_f64(sf_vd_widen_hi(vz), sf_vd_widen_hi(vy))
        v = sf_vf_sel(hard, sf_vf_narrow(
            sf_vd_mul(sf_vd_mul(dlo, sf_vd_widen_lo(vw)), vs),
            sf_vd_mul(sf_vd_mul(dhi, sf_vd_widen_hi(vw)), vs)), v)
        v = bce_grad_deep_f32(vz, vy, sf_vf_narrow(dlo, dhi), hard, v, vw, scale)
    return v


cdef inline void grad_block_f32(const float* z, const float* y, const float* w, const float* pw,
                         bint unit_pw, double scale, Py_ssize_t m, float* gout) noexcept nogil:
    # float32 without label smoothing (y' = y): the bce_with_logits_grad
    # ufunc's float32 formula.  Its two words hi + lo are added in float64
    # (exact, or, where lo is far below ulp(hi), close enough that the one
    # rounding to float32 is still the float32 sum's), scaled there and
    # rounded once, so w = 1 and scale = 1 give the ufunc's values bit for
    # bit.  The lanes it flags as hard (and those with pw != 1) take the
    # float64 formula on widened inputs, as the ufunc's hard lanes do
    # (bce_grad_term_f64 selects bce_with_logits_grad_f64 where pw = 1).
    cdef float tz[SF_VF_LANES]
    cdef float ty[SF_VF_LANES]
    cdef float tw[SF_VF_LANES]
    cdef float tp[SF_VF_LANES]
    cdef sf_vd vs = sf_vd_set(scale), dlo, dhi
    cdef sf_vf vz, vy, vw, vp, hi, lo, v
    cdef sf_vfm hard, hard1
    cdef Py_ssize_t i = 0, j, k
    while i < m:
        k = SF_VF_LANES if m - i >= SF_VF_LANES else m - i
        if k == SF_VF_LANES:
            vz = sf_vf_load(z + i)
            vy = sf_vf_load(y + i)
            vw = sf_vf_load(w + i)
        else:
            for j in range(SF_VF_LANES):
                tz[j] = z[i + j] if j < k else 0
                ty[j] = y[i + j] if j < k else 0
                tw[j] = w[i + j] if j < k else 0
            vz = sf_vf_load(tz)
            vy = sf_vf_load(ty)
            vw = sf_vf_load(tw)
        hi = bce_grad_words_f32(vz, vy, &lo, &hard)
        v = grad_scaled_f32(hi, lo, vw, vs)
        if unit_pw:
            v = grad_hard_f32(vz, vy, vw, vs, scale, hi, hard, v)
        else:
            if k == SF_VF_LANES:
                vp = sf_vf_load(pw + i)
            else:
                for j in range(SF_VF_LANES):
                    tp[j] = pw[i + j] if j < k else 1
                vp = sf_vf_load(tp)
            hard1 = sf_vfm_and(hard, sf_vf_eq(vp, sf_vf_set(1.0)))
            hard = sf_vfm_or(hard, sf_vf_ne(vp, sf_vf_set(1.0)))
            if sf_vfm_any(hard):
                dlo = bce_grad_term_f64(sf_vd_widen_lo(vz), sf_vd_widen_lo(vy), sf_vd_widen_lo(vp))
                dhi = bce_grad_term_f64(sf_vd_widen_hi(vz), sf_vd_widen_hi(vy), sf_vd_widen_hi(vp))
                v = sf_vf_sel(hard, sf_vf_narrow(
                    sf_vd_mul(sf_vd_mul(dlo, sf_vd_widen_lo(vw)), vs),
                    sf_vd_mul(sf_vd_mul(dhi, sf_vd_widen_hi(vw)), vs)), v)
                v = bce_grad_deep_f32(vz, vy, sf_vf_narrow(dlo, dhi), hard1, v, vw, scale)
        if k == SF_VF_LANES:
            sf_vf_store(gout + i, v)
        else:
            sf_vf_store(tz, v)
            for j in range(k):
                gout[i + j] = tz[j]
        i += k


cdef inline void grad_block(const real* z, const real* y, const real* w, const real* pw,
                     bint unit_pw, double ls, double scale, Py_ssize_t m,
                     real* gout) noexcept nogil:
    # The gradient terms of one block, scaled, rounded once to the output.
    # float32 with label smoothing: y' = y (1 - ls) + ls/2 is not a
    # float32, so the float64 formula runs on widened inputs with y' in
    # float64; float32 without it: grad_block_f32.  unit_pw: pos_weight is 1
    # everywhere, so the term is the ufunc's bce_with_logits_grad_f64 itself
    # (what bce_grad_term_f64 selects for such lanes, without evaluating its
    # general form beside it: 1.5x the ufunc's time otherwise).
    cdef double tz[SF_VD_LANES]
    cdef double ty[SF_VD_LANES]
    cdef double tw[SF_VD_LANES]
    cdef double tp[SF_VD_LANES]
    cdef sf_vd keep = sf_vd_set(<real>(1.0 - ls)), half = sf_vd_set(<real>(0.5 * ls))
    cdef sf_vd vs = sf_vd_set(scale), vz, vy, vw, vp, v, g
    cdef Py_ssize_t i = 0, j, k
    if real is float:
        if ls == 0.0:
            grad_block_f32(z, y, w, pw, unit_pw, scale, m, gout)
            return
    while i < m:
        k = SF_VD_LANES if m - i >= SF_VD_LANES else m - i
        if k == SF_VD_LANES:
            if real is float:
                vz = sf_vd_load_f32(z + i)
                vy = sf_vd_load_f32(y + i)
                vw = sf_vd_load_f32(w + i)
            else:
                vz = sf_vd_load(z + i)
                vy = sf_vd_load(y + i)
                vw = sf_vd_load(w + i)
        else:
            for j in range(SF_VD_LANES):
                tz[j] = z[i + j] if j < k else 0
                ty[j] = y[i + j] if j < k else 0
                tw[j] = w[i + j] if j < k else 0
            vz = sf_vd_load(tz)
            vy = sf_vd_load(ty)
            vw = sf_vd_load(tw)
        vy = sf_vd_mad(vy, keep, half)
        if unit_pw:
            g = bce_with_logits_grad_f64(vz, vy)
        else:
            if k == SF_VD_LANES:
                if real is float:
                    vp = sf_vd_load_f32(pw + i)
                else:
                    vp = sf_vd_load(pw + i)
            else:
                for j in range(SF_VD_LANES):
                    tp[j] = pw[i + j] if j < k else 1
                vp = sf_vd_load(tp)
            g = bce_grad_term_f64(vz, vy, vp)
        v = sf_vd_mul(sf_vd_mul(g, vw), vs)
        if k == SF_VD_LANES:
            if real is float:
                sf_vd_store_f32(gout + i, v)
            else:
                sf_vd_store(gout + i, v)
        else:
            sf_vd_store(tz, v)
            for j in range(k):
                gout[i + j] = <real>tz[j]
        i += k
