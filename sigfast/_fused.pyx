# cython: freethreading_compatible = True
"""Fused binary cross-entropy: loss terms, their sum and the gradient in one
pass, compiled once per SIMD level (``_fused_<level>``).

The loss term is ``bce_term_f32/_f64`` (sigfast/_core/bce.pxd), the same formula as
the ``bce_with_logits`` ufunc, so ``reduction="none"`` reproduces the ufunc
bit for bit:

    loss = w * bce_term(z, y', pw),   y' = y (1 - ls) + ls/2,

evaluated in the inputs' precision.  The gradient is

    dloss/dz = w * ((1 - y') sigma(z) - pw y' sigma(-z)),

which for pw = 1 is sigma(z) - y' taken from ``bce_with_logits_grad`` so it
stays accurate where sigma(z) ~ y' (float32 without label smoothing: the
ufunc's float32 formula, so w = 1 gives the ufunc's values bit for bit).

Determinism: the n elements are cut into fixed blocks of LBLOCK; each
block's terms are summed by one fixed computation of that block alone (each
vector of terms widened exactly into float64 lane accumulators, the lanes
added in order at the end); the block sums are then combined in block order
with Neumaier compensation.  The thread count only
decides which thread computes a block, never how it is summed, so the result
is bit-identical for every thread count.

Stack: a call may run on a thread with a small stack (64 KiB is common for
threads other programs create, and OMP_STACKSIZE can shrink OpenMP's), so
the block buffers (WS_DOUBLES doubles, 64 KiB, per thread) live in one heap
workspace that :func:`bce_fused_pass` allocates per call, one slab per
thread of the team, indexed by OpenMP thread number.

Floating-point flags: the terms evaluate both sides of their selects, so
overflow, invalid, underflow and inexact are raised on the way to correct
values; the calling thread's flags are put back as they were on entry, as
the ufunc loops do (restore_fpflags).  OpenMP workers keep their own flags.
"""
from cython.parallel cimport prange, threadid
from libc.stdlib cimport malloc, free
cimport numpy as cnp
import numpy as np
from sigfast._core.platform cimport real, fabs, SF_LEVEL_NAME, FE_ALL_EXCEPT, fetestexcept
from sigfast._core.eft cimport fast_two_sum_err
from sigfast._core.vec cimport *
from sigfast._core.engine32 cimport OnePlusExp32
from sigfast._core.engine64 cimport OnePlusExp64
from sigfast._core.bce cimport (
    bce_with_logits_f32, bce_with_logits_f64, bce_term_f32, bce_term_f64, bce_grad_term_f64,
    bce_with_logits_grad_f64, bce_grad_words_f32, bce_grad_deep_f32, bce_grad_not_zero_f32,
    bce_logits_d_f32, bce_logits_d_f64, bce_grad_words_d_f32, bce_grad_d_f64)
from sigfast._core.loops cimport plan_threads, restore_fpflags
from sigfast._openmp cimport sf_team_start, sf_team_report, sf_wtime

cnp.import_array()

LEVEL = SF_LEVEL_NAME.decode()

cdef enum:
    LBLOCK = 2048
# One thread's block buffers, in doubles: the spread target (a scalar
# target), a spare block, and the spread weight and pos_weight (real, given
# a double's room each so that one layout serves both dtypes).  64 KiB: a multiple of the
# 64-byte alignment below, so slabs of neighbouring threads never share a
# cache line.
cdef enum:
    WS_DOUBLES = 4 * LBLOCK


# Vectors per chunk of the loss loops' term buffer, which sits on the stack:
# 32 vectors are at most 2 KiB (float64 at AVX-512), far inside the 16 KiB
# a thread may spend there.
cdef enum:
    CHUNK = 32

cdef double lanes_sum(sf_vd acc) noexcept nogil:
    # The lanes of a float64 accumulator, added in lane order.
    cdef double t[SF_VD_LANES]
    cdef double total = 0.0
    cdef Py_ssize_t j
    sf_vd_store(t, acc)
    for j in range(SF_VD_LANES):
        total += t[j]
    return total


cdef double loss_block_f32(const float* z, const float* y, const float* w, const float* pw,
                           double ls, Py_ssize_t m, bint plain, float* lout,
                           bint want_sum) noexcept nogil:
    # The loss terms of one block in float32 arithmetic (plain: w = pw = 1 and
    # no smoothing, i.e. the bce_with_logits ufunc itself), written to lout
    # when given, and their sum: each vector of terms widened into float64
    # lane accumulators, the lanes added in order.  A fixed computation of
    # the block alone, so the total does not depend on the thread count.
    # Full vectors first, then one zero-padded tail: the per-vector loop
    # carries no length test (it is the whole cost at the baseline level).
    cdef float tz[SF_VF_LANES]
    cdef float ty[SF_VF_LANES]
    cdef float tw[SF_VF_LANES]
    cdef float tp[SF_VF_LANES]
    cdef float tr[SF_VF_LANES]
    cdef sf_vf keep = sf_vf_set(<float>(1.0 - ls)), half = sf_vf_set(<float>(0.5 * ls)), v
    cdef sf_vf vz, vy, vw, vp
    cdef sf_vd acc = sf_vd_set(0.0)
    cdef float tb[CHUNK * SF_VF_LANES]
    cdef float* dst
    cdef Py_ssize_t i = 0, j, k, c, q, mfull = m - m % SF_VF_LANES
    while i < mfull:
        # A chunk of terms stored (to lout, or a small buffer), then summed:
        # the compute loop is the ufunc's loop (load, evaluate, store), so
        # the compiler keeps the same registers for it, and the sum is a
        # second short loop over L1-resident terms, in the same order.
        c = mfull - i if mfull - i < CHUNK * SF_VF_LANES else CHUNK * SF_VF_LANES
        dst = lout + i if lout != NULL else tb
        q = 0
        # one loop per case (not a test inside one loop): the weighted
        # term's registers and constants must not cost the plain loop
        if plain:
            while q < c:
                sf_vf_store(dst + q, bce_with_logits_f32(sf_vf_load(z + i + q),
                                                         sf_vf_load(y + i + q)))
                q += SF_VF_LANES
        else:
            while q < c:
                v = sf_vf_mul(bce_term_f32(sf_vf_load(z + i + q),
                                           sf_vf_mad(sf_vf_load(y + i + q), keep, half),
                                           sf_vf_load(pw + i + q)), sf_vf_load(w + i + q))
                sf_vf_store(dst + q, v)
                q += SF_VF_LANES
        if want_sum:
            q = 0
            while q < c:
                acc = sf_vd_add(acc, sf_vd_load_f32(dst + q))
                q += SF_VD_LANES
        i += c
    k = m - mfull
    if k > 0:
        for j in range(SF_VF_LANES):
            tz[j] = z[i + j] if j < k else 0
            ty[j] = y[i + j] if j < k else 0
            tw[j] = 0
            tp[j] = 1
            if not plain and j < k:
                tw[j] = w[i + j]
                tp[j] = pw[i + j]
        vz = sf_vf_load(tz)
        vy = sf_vf_load(ty)
        vw = sf_vf_load(tw)
        vp = sf_vf_load(tp)
        if plain:
            v = bce_with_logits_f32(vz, vy)
        else:
            v = sf_vf_mul(bce_term_f32(vz, sf_vf_mad(vy, keep, half), vp), vw)
        sf_vf_store(tr, v)
        for j in range(k, SF_VF_LANES):
            tr[j] = 0
        if lout != NULL:
            for j in range(k):
                lout[i + j] = tr[j]
        if want_sum:
            j = 0
            while j < SF_VF_LANES:
                acc = sf_vd_add(acc, sf_vd_load_f32(tr + j))
                j += SF_VD_LANES
    return lanes_sum(acc)


cdef double loss_block_f64(const double* z, const double* y, const double* w, const double* pw,
                           double ls, Py_ssize_t m, bint plain, double* lout,
                           bint want_sum) noexcept nogil:
    # loss_block_f32 in float64
    cdef double tz[SF_VD_LANES]
    cdef double ty[SF_VD_LANES]
    cdef double tw[SF_VD_LANES]
    cdef double tp[SF_VD_LANES]
    cdef sf_vd keep = sf_vd_set(1.0 - ls), half = sf_vd_set(0.5 * ls), v
    cdef sf_vd vz, vy, vw, vp
    cdef sf_vd acc = sf_vd_set(0.0)
    cdef double tb[CHUNK * SF_VD_LANES]
    cdef double* dst
    cdef Py_ssize_t i = 0, j, k, c, q, mfull = m - m % SF_VD_LANES
    while i < mfull:
        c = mfull - i if mfull - i < CHUNK * SF_VD_LANES else CHUNK * SF_VD_LANES
        dst = lout + i if lout != NULL else tb
        q = 0
        # one loop per case (not a test inside one loop): the weighted
        # term's registers and constants must not cost the plain loop
        if plain:
            while q < c:
                sf_vd_store(dst + q, bce_with_logits_f64(sf_vd_load(z + i + q),
                                                         sf_vd_load(y + i + q)))
                q += SF_VD_LANES
        else:
            while q < c:
                v = sf_vd_mul(bce_term_f64(sf_vd_load(z + i + q),
                                           sf_vd_mad(sf_vd_load(y + i + q), keep, half),
                                           sf_vd_load(pw + i + q)), sf_vd_load(w + i + q))
                sf_vd_store(dst + q, v)
                q += SF_VD_LANES
        if want_sum:
            q = 0
            while q < c:
                acc = sf_vd_add(acc, sf_vd_load(dst + q))
                q += SF_VD_LANES
        i += c
    k = m - mfull
    if k > 0:
        for j in range(SF_VD_LANES):
            tz[j] = z[i + j] if j < k else 0
            ty[j] = y[i + j] if j < k else 0
            tw[j] = 0
            tp[j] = 1
            if not plain and j < k:
                tw[j] = w[i + j]
                tp[j] = pw[i + j]
        vz = sf_vd_load(tz)
        vy = sf_vd_load(ty)
        vw = sf_vd_load(tw)
        vp = sf_vd_load(tp)
        if plain:
            v = bce_with_logits_f64(vz, vy)
        else:
            v = sf_vd_mul(bce_term_f64(vz, sf_vd_mad(vy, keep, half), vp), vw)
        sf_vd_store(tz, v)
        for j in range(SF_VD_LANES):
            if j < k and lout != NULL:
                lout[i + j] = tz[j]
            if j >= k:
                tz[j] = 0
        if want_sum:
            acc = sf_vd_add(acc, sf_vd_load(tz))
    return lanes_sum(acc)


cdef inline sf_vf grad_scaled_f32(sf_vf hi, sf_vf lo, sf_vf vw, sf_vd vs) noexcept nogil:
    # (hi + lo) w scale in float64, rounded once to float32
    return sf_vf_narrow(
        sf_vd_mul(sf_vd_mul(sf_vd_add(sf_vd_widen_lo(hi), sf_vd_widen_lo(lo)),
                            sf_vd_widen_lo(vw)), vs),
        sf_vd_mul(sf_vd_mul(sf_vd_add(sf_vd_widen_hi(hi), sf_vd_widen_hi(lo)),
                            sf_vd_widen_hi(vw)), vs))


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


cdef double loss_grad_block_f32(const float* z, const float* y, const float* w, bint wvec,
                                double scale, Py_ssize_t m, float* lout, float* gout,
                                bint want_sum) noexcept nogil:
    # Loss and gradient of one block (pos_weight 1, no smoothing) from one
    # exp per element: the loss is bce_with_logits_f32 times w (the loss
    # blocks' values), the gradient grad_block_f32's, the sum loss_block's
    # (the same terms added in the same order), so loss_and_grad gives what
    # the loss and the gradient give alone, bit for bit.  w: one value
    # (wvec False) or one per element.
    cdef float tz[SF_VF_LANES]
    cdef float ty[SF_VF_LANES]
    cdef float tw[SF_VF_LANES]
    cdef OnePlusExp32 d
    cdef sf_vf vz, vy, vw, loss, hi, lo, g
    cdef sf_vfm hard
    cdef sf_vd vs = sf_vd_set(scale), acc = sf_vd_set(0.0)
    cdef Py_ssize_t i = 0, j, k
    vw = sf_vf_set(w[0])
    while i < m:
        k = SF_VF_LANES if m - i >= SF_VF_LANES else m - i
        if k == SF_VF_LANES:
            vz = sf_vf_load(z + i)
            vy = sf_vf_load(y + i)
            if wvec:
                vw = sf_vf_load(w + i)
        else:
            for j in range(SF_VF_LANES):
                tz[j] = z[i + j] if j < k else 0
                ty[j] = y[i + j] if j < k else 0
                tw[j] = (w[i + j] if wvec else w[0]) if j < k else 0
            vz = sf_vf_load(tz)
            vy = sf_vf_load(ty)
            vw = sf_vf_load(tw)
        loss = sf_vf_mul(bce_logits_d_f32(vz, vy, &d), vw)
        hi = bce_grad_words_d_f32(vz, vy, d, &lo, &hard)
        g = grad_hard_f32(vz, vy, vw, vs, scale, hi, hard, grad_scaled_f32(hi, lo, vw, vs))
        if k == SF_VF_LANES:
            if lout != NULL:
                sf_vf_store(lout + i, loss)
            sf_vf_store(gout + i, g)
        else:
            sf_vf_store(tz, loss)
            sf_vf_store(ty, g)
            for j in range(SF_VF_LANES):
                if j < k:
                    gout[i + j] = ty[j]
                    if lout != NULL:
                        lout[i + j] = tz[j]
                else:
                    tz[j] = 0
            loss = sf_vf_load(tz)
        if want_sum:
            acc = sf_vd_add(sf_vd_add(acc, sf_vd_widen_lo(loss)), sf_vd_widen_hi(loss))
        i += k
    return lanes_sum(acc)


cdef double loss_grad_block_f64(const double* z, const double* y, const double* w, bint wvec,
                                double scale, Py_ssize_t m, double* lout, double* gout,
                                bint want_sum) noexcept nogil:
    # loss_grad_block_f32 in float64 (the gradient grad_block's)
    cdef double tz[SF_VD_LANES]
    cdef double ty[SF_VD_LANES]
    cdef double tw[SF_VD_LANES]
    cdef OnePlusExp64 d
    cdef sf_vd vz, vy, vw, loss, g
    cdef sf_vd vs = sf_vd_set(scale), acc = sf_vd_set(0.0)
    cdef Py_ssize_t i = 0, j, k
    vw = sf_vd_set(w[0])
    while i < m:
        k = SF_VD_LANES if m - i >= SF_VD_LANES else m - i
        if k == SF_VD_LANES:
            vz = sf_vd_load(z + i)
            vy = sf_vd_load(y + i)
            if wvec:
                vw = sf_vd_load(w + i)
        else:
            for j in range(SF_VD_LANES):
                tz[j] = z[i + j] if j < k else 0
                ty[j] = y[i + j] if j < k else 0
                tw[j] = (w[i + j] if wvec else w[0]) if j < k else 0
            vz = sf_vd_load(tz)
            vy = sf_vd_load(ty)
            vw = sf_vd_load(tw)
        loss = sf_vd_mul(bce_logits_d_f64(vz, vy, &d), vw)
        g = sf_vd_mul(sf_vd_mul(bce_grad_d_f64(vz, vy, d), vw), vs)
        if k == SF_VD_LANES:
            if lout != NULL:
                sf_vd_store(lout + i, loss)
            sf_vd_store(gout + i, g)
        else:
            sf_vd_store(tz, loss)
            sf_vd_store(ty, g)
            for j in range(SF_VD_LANES):
                if j < k:
                    gout[i + j] = ty[j]
                    if lout != NULL:
                        lout[i + j] = tz[j]
                else:
                    tz[j] = 0
            loss = sf_vd_load(tz)
        if want_sum:
            acc = sf_vd_add(acc, loss)
        i += k
    return lanes_sum(acc)


cdef void grad_block_f32(const float* z, const float* y, const float* w, const float* pw,
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


cdef void grad_block(const real* z, const real* y, const real* w, const real* pw,
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


cdef void bce_one_block(const real* z, const real* y, Py_ssize_t ystep, const real* w,
                        Py_ssize_t wstep, const real* pw, Py_ssize_t C, double ls, Py_ssize_t n,
                        real* loss_out, real* grad_out, double grad_scale,
                        double* block_sums, bint want_sum, Py_ssize_t b,
                        double* ws) noexcept nogil:
    # One block; ws is the calling thread's own slab of WS_DOUBLES (never
    # shared between threads), so no buffer sits on the stack.
    cdef Py_ssize_t s = b * LBLOCK, m, i, j, k, c
    cdef real* yb = <real*>ws
    cdef real* pwb = <real*>(ws + 2 * LBLOCK)
    cdef real* wb = <real*>(ws + 3 * LBLOCK)
    cdef const real* wp
    cdef const real* yp
    cdef bint want_grad = grad_out != NULL
    cdef bint plain, unit_pw = C == 1 and pw[0] == 1
    m = LBLOCK if n - s > LBLOCK else n - s
    # A scalar target is spread over the block as a scalar weight is: the
    # caller never makes a full-size copy of it
    if ystep == 0:
        for i in range(m):
            yb[i] = y[0]
        yp = yb
    else:
        yp = y + s
    # The plain loss (no weight, pos_weight or smoothing) reads only z and y.
    plain = wstep == 0 and w[0] == 1 and C == 1 and pw[0] == 1 and ls == 0.0
    if plain and not want_grad:
        if real is float:
            block_sums[b] = loss_block_f32(z + s, yp, NULL, NULL, 0.0, m, True,
                                           NULL if loss_out == NULL else loss_out + s, want_sum)
        else:
            block_sums[b] = loss_block_f64(z + s, yp, NULL, NULL, 0.0, m, True,
                                           NULL if loss_out == NULL else loss_out + s, want_sum)
        return
    # Loss and gradient without pos_weight or smoothing: one exp for both
    if want_grad and unit_pw and C == 1 and ls == 0.0 and (want_sum or loss_out != NULL):
        if real is float:
            block_sums[b] = loss_grad_block_f32(
                z + s, yp, w if wstep == 0 else w + s, wstep != 0, grad_scale, m,
                NULL if loss_out == NULL else loss_out + s, grad_out + s, want_sum)
        else:
            block_sums[b] = loss_grad_block_f64(
                z + s, yp, w if wstep == 0 else w + s, wstep != 0, grad_scale, m,
                NULL if loss_out == NULL else loss_out + s, grad_out + s, want_sum)
        return
    # A scalar weight is spread over the block; an array is used in place.
    if wstep == 0:
        for i in range(m):
            wb[i] = w[0]
        wp = wb
    else:
        wp = w + s
    # pos_weight has period C along the flattened array (the class axis is
    # the last one): copy whole runs of it so the term loop reads one
    # contiguous block.
    if C == 1:
        if not (unit_pw and loss_out == NULL and not want_sum):
            for i in range(m):
                pwb[i] = pw[0]
    else:
        j = s % C
        i = 0
        while i < m:
            c = C - j if C - j < m - i else m - i
            for k in range(c):
                pwb[i + k] = pw[j + k]
            i += c
            j = 0
    if not want_sum and loss_out == NULL:
        block_sums[b] = 0.0                 # the gradient alone
    elif real is float:
        block_sums[b] = loss_block_f32(z + s, yp, wp, pwb, ls, m, False,
                                       NULL if loss_out == NULL else loss_out + s, want_sum)
    else:
        block_sums[b] = loss_block_f64(z + s, yp, wp, pwb, ls, m, False,
                                       NULL if loss_out == NULL else loss_out + s, want_sum)
    if want_grad:
        grad_block(z + s, yp, wp, pwb, unit_pw, ls, grad_scale, m, grad_out + s)


cdef void bce_fused(const real* z, const real* y, Py_ssize_t ystep, const real* w,
                    Py_ssize_t wstep,
                    const real* pw, Py_ssize_t C, double ls, Py_ssize_t n,
                    real* loss_out, real* grad_out, double grad_scale,
                    double* block_sums, bint want_sum, int nt, double* ws) noexcept nogil:
    # ws: nt slabs of WS_DOUBLES.  A team never has more threads than asked
    # for, so threadid() < nt indexes a slab of its own.
    cdef Py_ssize_t nblocks = (n + LBLOCK - 1) // LBLOCK, b
    cdef double t0, done
    cdef double* pdone = &done
    cdef Py_ssize_t nmaster = 0
    cdef Py_ssize_t* pnm = &nmaster
    if nt > 1:
        nt = sf_team_start(nt)
    if nt <= 1:
        for b in range(nblocks):
            bce_one_block(z, y, ystep, w, wstep, pw, C, ls, n, loss_out, grad_out, grad_scale,
                          block_sums, want_sum, b, ws)
        return
    # Blocks are handed out dynamically, 8 at a time, so a thread the OS does
    # not schedule leaves its blocks to the others (see "Load awareness" in
    # sigfast/_openmp.pyx); each block's sum does not depend on who computes it.
    t0 = sf_wtime()
    done = t0
    for b in prange(nblocks, nogil=True, num_threads=nt, schedule='dynamic', chunksize=8):
        bce_one_block(z, y, ystep, w, wstep, pw, C, ls, n, loss_out, grad_out, grad_scale,
                      block_sums, want_sum, b, ws + <Py_ssize_t>threadid() * WS_DOUBLES)
        if threadid() == 0:
            pdone[0] = sf_wtime()
            pnm[0] += 1
    sf_team_report(t0, done, sf_wtime(), nmaster / <double>nblocks)


cdef double neumaier(const double* v, Py_ssize_t n) noexcept nogil:
    cdef double s = 0.0, c = 0.0, t
    cdef Py_ssize_t i
    for i in range(n):
        t = s + v[i]
        if fabs(s) >= fabs(v[i]):
            c += fast_two_sum_err(s, v[i], t)
        else:
            c += fast_two_sum_err(v[i], s, t)
        s = t
    # an infinite total (an infinite term, or overflow) makes c NaN: keep s
    return s + c if fabs(s) <= 1.7976931348623157e308 else s


cdef int run_pass(cnp.ndarray z, cnp.ndarray y, cnp.ndarray w, cnp.ndarray pw, double ls,
                  void* loss_out, void* grad_out, double grad_scale, bint want_total,
                  double* total) except -1:
    # The pass over pointers, for bce_fused_pass and bce_plain: *total is the
    # float64 sum (0.0 unless want_total).  The caller keeps the flags.
    cdef Py_ssize_t n = z.size, nblocks = (n + LBLOCK - 1) // LBLOCK
    cdef Py_ssize_t ystep = 0 if y.size == 1 else 1, wstep = 0 if w.size == 1 else 1
    cdef Py_ssize_t C = pw.size
    cdef int nt = plan_threads(n)
    cdef double* sums = <double*>malloc(nblocks * sizeof(double))
    # + 63: room to start the slabs on a cache line (malloc promises 16 bytes)
    cdef void* raw = malloc(<size_t>nt * WS_DOUBLES * sizeof(double) + 63)
    cdef double* ws
    if sums == NULL or raw == NULL:
        free(sums)
        free(raw)
        raise MemoryError(f"sigfast: no memory for the loss pass's workspace "
                          f"({nt} thread(s) x {WS_DOUBLES * sizeof(double) // 1024} KiB)")
    ws = <double*>((<size_t>raw + 63) & ~(<size_t>63))
    if z.dtype.num == cnp.NPY_FLOAT:
        with nogil:
            bce_fused[float](<const float*>cnp.PyArray_DATA(z), <const float*>cnp.PyArray_DATA(y),
                             ystep, <const float*>cnp.PyArray_DATA(w), wstep,
                             <const float*>cnp.PyArray_DATA(pw), C, ls, n, <float*>loss_out,
                             <float*>grad_out, grad_scale, sums, want_total, nt, ws)
    else:
        with nogil:
            bce_fused[double](<const double*>cnp.PyArray_DATA(z), <const double*>cnp.PyArray_DATA(y),
                              ystep, <const double*>cnp.PyArray_DATA(w), wstep,
                              <const double*>cnp.PyArray_DATA(pw), C, ls, n, <double*>loss_out,
                              <double*>grad_out, grad_scale, sums, want_total, nt, ws)
    total[0] = neumaier(sums, nblocks) if want_total else 0.0
    free(sums)
    free(raw)
    return 0


def bce_fused_pass(cnp.ndarray z, cnp.ndarray y, cnp.ndarray w, cnp.ndarray pw,
                   double label_smoothing, cnp.ndarray loss_out, cnp.ndarray grad_out,
                   double grad_scale, bint want_total=True):
    """Internal: one fused pass (see sigfast.losses).

    z, y, w, pw: C-contiguous and aligned, all of one dtype (float32 or
    float64); z of size n; y and w of size 1 (a scalar) or n; pw of size
    C, repeating with period C along the flattened array.
    loss_out / grad_out: None or contiguous arrays like z.
    Returns the float64 sum of the loss terms (0.0 when want_total is
    False: reduction="none" skips the summation).  MemoryError (before
    anything is written) if the workspace cannot be allocated; the calling
    thread's floating-point flags are left as they were.
    """
    cdef double total = 0.0
    cdef int flags
    if z.size == 0:
        return 0.0
    # before plan_threads: its clock arithmetic raises inexact
    flags = fetestexcept(FE_ALL_EXCEPT)
    try:
        run_pass(z, y, w, pw, label_smoothing,
                 NULL if loss_out is None else cnp.PyArray_DATA(loss_out),
                 NULL if grad_out is None else cnp.PyArray_DATA(grad_out),
                 grad_scale, want_total, &total)
    finally:
        # after neumaier too: an infinite total makes its compensation NaN
        restore_fpflags(flags)
    return total


cdef inline bint plain_array(object a, int typenum) noexcept:
    # a float32/float64 ndarray (not a subclass) the pass reads as it is
    return (type(a) is np.ndarray and cnp.PyArray_TYPE(<cnp.ndarray>a) == typenum
            and cnp.PyArray_ISNOTSWAPPED(<cnp.ndarray>a)
            and cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray>a)
            and cnp.PyArray_ISALIGNED(<cnp.ndarray>a))


cdef inline bint same_shape(cnp.ndarray a, cnp.ndarray b) noexcept:
    cdef int i
    if cnp.PyArray_NDIM(a) != cnp.PyArray_NDIM(b):
        return False
    for i in range(cnp.PyArray_NDIM(a)):
        if cnp.PyArray_DIMS(a)[i] != cnp.PyArray_DIMS(b)[i]:
            return False
    return True


cdef object _ONE32 = None
cdef object _ONE64 = None


def bce_plain(logits, targets, int kind, reduction, weight, pos_weight, label_smoothing,
              axis, out):
    """Internal: the loss (kind 0), its gradient (1) or both (2) for the
    plain call, or None where the call is not one (the caller then takes
    the general route, with its checks and messages).

    Plain: float32 or float64 logits as a C-contiguous ndarray, targets an
    ndarray just like it or a Python float, no weight, pos_weight, axis or
    out, no smoothing, reduction "mean", "sum" or "none", n > 0.  Values are
    those of the general route bit for bit (the same pass on the same
    operands); the calling thread's floating-point flags are kept.
    """
    global _ONE32, _ONE64
    cdef cnp.ndarray z, y, loss = None, grad = None, one
    cdef object result = None
    cdef int typenum, flags, red
    cdef double total = 0.0, value
    cdef Py_ssize_t n
    if (weight is not None or pos_weight is not None or axis is not None or out is not None
            or type(logits) is not np.ndarray):
        return None
    if not ((type(label_smoothing) is float or type(label_smoothing) is int)
            and label_smoothing == 0):
        return None
    if reduction == "mean" and type(reduction) is str:
        red = 0
    elif reduction == "sum" and type(reduction) is str:
        red = 1
    elif reduction == "none" and type(reduction) is str:
        red = 2
    else:
        return None
    z = <cnp.ndarray>logits
    typenum = cnp.PyArray_TYPE(z)
    if (typenum != cnp.NPY_FLOAT and typenum != cnp.NPY_DOUBLE) or not plain_array(z, typenum):
        return None
    n = cnp.PyArray_SIZE(z)
    if n == 0:
        return None
    if type(targets) is float:
        # one value, read like a scalar weight (NEP 50: it takes z's dtype)
        y = cnp.PyArray_EMPTY(1, [1], typenum, 0)
        if typenum == cnp.NPY_FLOAT:
            (<float*>cnp.PyArray_DATA(y))[0] = <float><double>targets
        else:
            (<double*>cnp.PyArray_DATA(y))[0] = <double>targets
    elif plain_array(targets, typenum) and same_shape(<cnp.ndarray>targets, z):
        y = <cnp.ndarray>targets
    else:
        return None
    if _ONE32 is None:
        _ONE32 = np.ones(1, np.float32)
        _ONE64 = np.ones(1, np.float64)
    one = _ONE32 if typenum == cnp.NPY_FLOAT else _ONE64
    if red == 2 and kind != 1:
        loss = cnp.PyArray_EMPTY(z.ndim, z.shape, typenum, 0)
    if kind != 0:
        grad = cnp.PyArray_EMPTY(z.ndim, z.shape, typenum, 0)
    flags = fetestexcept(FE_ALL_EXCEPT)
    try:
        run_pass(z, y, one, one, 0.0, NULL if loss is None else cnp.PyArray_DATA(loss),
                 NULL if grad is None else cnp.PyArray_DATA(grad),
                 1.0 / n if (red == 0 and kind != 0) else 1.0,
                 red != 2 and kind != 1, &total)
        if red != 2 and kind != 1:
            value = total / n if red == 0 else total
            if typenum == cnp.NPY_FLOAT:
                result = np.float32(<float>value)
            else:
                result = np.float64(value)
        else:
            result = loss
    finally:
        restore_fpflags(flags)
    if kind == 0:
        return result
    if kind == 1:
        return grad
    return result, grad


# The loss layer's Python code (casts, axis reductions, the long double and
# probability losses) runs NumPy operations whose flags mean as little as the
# kernels' intermediate ones; sigfast.losses._validate.fp_quiet brackets a
# whole loss call with these two, as the ufunc loops bracket their work.

def fp_flags():
    """Internal: the calling thread's raised floating-point exception flags
    (``fetestexcept(FE_ALL_EXCEPT)``), to hand to :func:`restore_fp_flags`."""
    return fetestexcept(FE_ALL_EXCEPT)


def restore_fp_flags(int flags):
    """Internal: make the calling thread's raised flags exactly ``flags``."""
    restore_fpflags(flags)
