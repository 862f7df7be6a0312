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
stays accurate where sigma(z) ~ y'.

Determinism: the n elements are cut into fixed blocks of LBLOCK; each
block's terms (exactly widened to float64) go to a buffer and are summed
with 8 interleaved accumulators in a fixed order; the block sums are then
combined in block order with Neumaier compensation.  The thread count only
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
from sigfast._core.platform cimport real, fabs, SF_LEVEL_NAME, FE_ALL_EXCEPT, fetestexcept
from sigfast._core.eft cimport fast_two_sum_err
from sigfast._core.vec cimport *
from sigfast._core.bce cimport (
    bce_with_logits_f32, bce_with_logits_f64, bce_term_f32, bce_term_f64, bce_grad_term_f64)
from sigfast._core.loops cimport plan_threads, restore_fpflags
from sigfast._openmp cimport sf_parallel_started

cnp.import_array()

LEVEL = SF_LEVEL_NAME.decode()

cdef enum:
    LBLOCK = 2048
# One thread's block buffers, in doubles: the loss and gradient terms
# (double) and the spread weight and pos_weight (real, given a double's room
# each so that one layout serves both dtypes).  64 KiB: a multiple of the
# 64-byte alignment below, so slabs of neighbouring threads never share a
# cache line.
cdef enum:
    WS_DOUBLES = 4 * LBLOCK


cdef inline void load_pad_f(const float* src, Py_ssize_t k, float fill, float* buf) noexcept nogil:
    # k < SF_VF_LANES elements into buf, the rest set to fill
    cdef Py_ssize_t j
    for j in range(SF_VF_LANES):
        buf[j] = src[j] if j < k else fill


cdef inline void load_pad_d(const double* src, Py_ssize_t k, double fill, double* buf) noexcept nogil:
    cdef Py_ssize_t j
    for j in range(SF_VD_LANES):
        buf[j] = src[j] if j < k else fill


cdef void terms_f32(const float* z, const float* y, const float* w, const float* pw,
                    double ls, Py_ssize_t m, bint plain, double* out) noexcept nogil:
    # The loss terms of one block, in float32 arithmetic (the ufunc's), widened
    # into out.  plain: w = pw = 1 and no smoothing, i.e. the ufunc itself.
    cdef float tz[SF_VF_LANES]
    cdef float ty[SF_VF_LANES]
    cdef float tw[SF_VF_LANES]
    cdef float tp[SF_VF_LANES]
    cdef float tr[SF_VF_LANES]
    cdef sf_vf keep = sf_vf_set(<float>(1.0 - ls)), half = sf_vf_set(<float>(0.5 * ls)), v
    cdef Py_ssize_t i = 0, j, k
    while i < m:
        k = SF_VF_LANES if m - i >= SF_VF_LANES else m - i
        load_pad_f(z + i, k, 0, tz)
        load_pad_f(y + i, k, 0, ty)
        if plain:
            v = bce_with_logits_f32(sf_vf_load(tz), sf_vf_load(ty))
        else:
            load_pad_f(w + i, k, 0, tw)
            load_pad_f(pw + i, k, 1, tp)
            v = sf_vf_mul(bce_term_f32(sf_vf_load(tz), sf_vf_fma(sf_vf_load(ty), keep, half),
                                       sf_vf_load(tp)), sf_vf_load(tw))
        sf_vf_store(tr, v)
        for j in range(k):
            out[i + j] = tr[j]
        i += k


cdef void terms_f64(const double* z, const double* y, const double* w, const double* pw,
                    double ls, Py_ssize_t m, bint plain, double* out) noexcept nogil:
    cdef double tz[SF_VD_LANES]
    cdef double ty[SF_VD_LANES]
    cdef double tw[SF_VD_LANES]
    cdef double tp[SF_VD_LANES]
    cdef sf_vd keep = sf_vd_set(1.0 - ls), half = sf_vd_set(0.5 * ls), v
    cdef Py_ssize_t i = 0, j, k
    while i < m:
        k = SF_VD_LANES if m - i >= SF_VD_LANES else m - i
        load_pad_d(z + i, k, 0, tz)
        load_pad_d(y + i, k, 0, ty)
        if plain:
            v = bce_with_logits_f64(sf_vd_load(tz), sf_vd_load(ty))
        else:
            load_pad_d(w + i, k, 0, tw)
            load_pad_d(pw + i, k, 1, tp)
            v = sf_vd_mul(bce_term_f64(sf_vd_load(tz), sf_vd_fma(sf_vd_load(ty), keep, half),
                                       sf_vd_load(tp)), sf_vd_load(tw))
        if k == SF_VD_LANES:
            sf_vd_store(out + i, v)
        else:
            sf_vd_store(tz, v)
            for j in range(k):
                out[i + j] = tz[j]
        i += k


cdef void grads(const real* z, const real* y, const real* w, const real* pw,
                double ls, Py_ssize_t m, double* out) noexcept nogil:
    # The gradient terms of one block, through the float64 formula (float32
    # inputs widened, as the float32 bce_with_logits_grad ufunc does).
    cdef double tz[SF_VD_LANES]
    cdef double ty[SF_VD_LANES]
    cdef double tw[SF_VD_LANES]
    cdef double tp[SF_VD_LANES]
    cdef sf_vd keep = sf_vd_set(<real>(1.0 - ls)), half = sf_vd_set(<real>(0.5 * ls)), v
    cdef Py_ssize_t i = 0, j, k
    while i < m:
        k = SF_VD_LANES if m - i >= SF_VD_LANES else m - i
        for j in range(SF_VD_LANES):
            tz[j] = z[i + j] if j < k else 0
            ty[j] = y[i + j] if j < k else 0
            tw[j] = w[i + j] if j < k else 0
            tp[j] = pw[i + j] if j < k else 1
        v = sf_vd_mul(bce_grad_term_f64(sf_vd_load(tz), sf_vd_fma(sf_vd_load(ty), keep, half),
                                        sf_vd_load(tp)), sf_vd_load(tw))
        sf_vd_store(tz, v)
        for j in range(k):
            out[i + j] = tz[j]
        i += k


cdef void bce_block(const real* z, const real* y, const real* w,
                    const real* pw, double ls, Py_ssize_t m,
                    double* lbuf, double* gbuf, bint want_grad) noexcept nogil:
    # Loss terms of one block into lbuf (the element values, widened);
    # gradients into gbuf.
    if real is float:
        terms_f32(z, y, w, pw, ls, m, False, lbuf)
    else:
        terms_f64(z, y, w, pw, ls, m, False, lbuf)
    if want_grad:
        grads(z, y, w, pw, ls, m, gbuf)


cdef void bce_block_plain(const real* z, const real* y, Py_ssize_t m,
                          double* lbuf) noexcept nogil:
    # bce_block's terms with w = pw = 1 and no smoothing: the ufunc's values.
    if real is float:
        terms_f32(z, y, NULL, NULL, 0.0, m, True, lbuf)
    else:
        terms_f64(z, y, NULL, NULL, 0.0, m, True, lbuf)


cdef inline double block_sum(const double* b, Py_ssize_t m) noexcept nogil:
    # 8 interleaved accumulators (vectorizes as one SIMD register without any
    # reassociation), combined in a fixed order.
    cdef double a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0
    cdef Py_ssize_t i = 0
    while i + 8 <= m:
        a0 += b[i]
        a1 += b[i + 1]
        a2 += b[i + 2]
        a3 += b[i + 3]
        a4 += b[i + 4]
        a5 += b[i + 5]
        a6 += b[i + 6]
        a7 += b[i + 7]
        i += 8
    while i < m:
        a0 += b[i]
        i += 1
    return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))


cdef void bce_one_block(const real* z, const real* y, const real* w, Py_ssize_t wstep,
                        const real* pw, Py_ssize_t C, double ls, Py_ssize_t n,
                        real* loss_out, real* grad_out, double grad_scale,
                        double* block_sums, Py_ssize_t b, double* ws) noexcept nogil:
    # One block; ws is the calling thread's own slab of WS_DOUBLES (never
    # shared between threads), so no buffer sits on the stack.
    cdef Py_ssize_t s = b * LBLOCK, m, i, j, k, c
    cdef double* lbuf = ws
    cdef double* gbuf = ws + LBLOCK
    cdef real* pwb = <real*>(ws + 2 * LBLOCK)
    cdef real* wb = <real*>(ws + 3 * LBLOCK)
    cdef const real* wp
    cdef bint want_grad = grad_out != NULL
    m = LBLOCK if n - s > LBLOCK else n - s
    # The plain loss (no weight, pos_weight or smoothing, no gradient) is the
    # common case: its term loop reads only z and y.
    if (not want_grad and wstep == 0 and w[0] == 1 and C == 1 and pw[0] == 1
            and ls == 0.0):
        bce_block_plain(z + s, y + s, m, lbuf)
        block_sums[b] = block_sum(lbuf, m)
        if loss_out != NULL:
            for i in range(m):
                loss_out[s + i] = <real>lbuf[i]
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
    bce_block(z + s, y + s, wp, pwb, ls, m, lbuf, gbuf, want_grad)
    block_sums[b] = block_sum(lbuf, m)
    if loss_out != NULL:
        for i in range(m):
            loss_out[s + i] = <real>lbuf[i]
    if want_grad:
        for i in range(m):
            grad_out[s + i] = <real>(gbuf[i] * grad_scale)


cdef void bce_fused(const real* z, const real* y, const real* w, Py_ssize_t wstep,
                    const real* pw, Py_ssize_t C, double ls, Py_ssize_t n,
                    real* loss_out, real* grad_out, double grad_scale,
                    double* block_sums, int nt, double* ws) noexcept nogil:
    # ws: nt slabs of WS_DOUBLES.  A team never has more threads than asked
    # for, so threadid() < nt indexes a slab of its own.
    cdef Py_ssize_t nblocks = (n + LBLOCK - 1) // LBLOCK, b
    if nt <= 1:
        for b in range(nblocks):
            bce_one_block(z, y, w, wstep, pw, C, ls, n, loss_out, grad_out, grad_scale,
                          block_sums, b, ws)
        return
    sf_parallel_started()
    for b in prange(nblocks, nogil=True, num_threads=nt, schedule='static'):
        bce_one_block(z, y, w, wstep, pw, C, ls, n, loss_out, grad_out, grad_scale,
                      block_sums, b, ws + <Py_ssize_t>threadid() * WS_DOUBLES)


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


def bce_fused_pass(cnp.ndarray z, cnp.ndarray y, cnp.ndarray w, cnp.ndarray pw,
                   double label_smoothing, cnp.ndarray loss_out, cnp.ndarray grad_out,
                   double grad_scale):
    """Internal: one fused pass (see sigfast.losses).

    z, y, w, pw: C-contiguous and aligned, all of one dtype (float32 or
    float64); z and y of one size n; w of size 1 (a scalar) or n; pw of size
    C, repeating with period C along the flattened array.
    loss_out / grad_out: None or contiguous arrays like z.
    Returns the float64 sum of the loss terms.  MemoryError (before
    anything is written) if the workspace cannot be allocated; the calling
    thread's floating-point flags are left as they were.
    """
    cdef Py_ssize_t n = z.size, nblocks, wstep, C = pw.size
    cdef double total
    cdef double* sums
    cdef void* raw
    cdef double* ws
    cdef int nt, flags
    if n == 0:
        return 0.0
    nblocks = (n + LBLOCK - 1) // LBLOCK
    wstep = 0 if w.size == 1 else 1
    nt = plan_threads(n)
    sums = <double*>malloc(nblocks * sizeof(double))
    # + 63: room to start the slabs on a cache line (malloc promises 16 bytes)
    raw = malloc(<size_t>nt * WS_DOUBLES * sizeof(double) + 63)
    if sums == NULL or raw == NULL:
        free(sums)
        free(raw)
        raise MemoryError(f"sigfast: no memory for the loss pass's workspace "
                          f"({nt} thread(s) x {WS_DOUBLES * sizeof(double) // 1024} KiB)")
    ws = <double*>((<size_t>raw + 63) & ~(<size_t>63))
    flags = fetestexcept(FE_ALL_EXCEPT)
    try:
        if z.dtype.num == cnp.NPY_FLOAT:
            with nogil:
                bce_fused[float](<const float*>cnp.PyArray_DATA(z), <const float*>cnp.PyArray_DATA(y),
                                 <const float*>cnp.PyArray_DATA(w), wstep,
                                 <const float*>cnp.PyArray_DATA(pw), C, label_smoothing, n,
                                 NULL if loss_out is None else <float*>cnp.PyArray_DATA(loss_out),
                                 NULL if grad_out is None else <float*>cnp.PyArray_DATA(grad_out),
                                 grad_scale, sums, nt, ws)
        else:
            with nogil:
                bce_fused[double](<const double*>cnp.PyArray_DATA(z), <const double*>cnp.PyArray_DATA(y),
                                  <const double*>cnp.PyArray_DATA(w), wstep,
                                  <const double*>cnp.PyArray_DATA(pw), C, label_smoothing, n,
                                  NULL if loss_out is None else <double*>cnp.PyArray_DATA(loss_out),
                                  NULL if grad_out is None else <double*>cnp.PyArray_DATA(grad_out),
                                  grad_scale, sums, nt, ws)
        total = neumaier(sums, nblocks)
    finally:
        free(sums)
        free(raw)
        # after neumaier too: an infinite total makes its compensation NaN
        restore_fpflags(flags)
    return total


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
