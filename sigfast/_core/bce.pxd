# Layer 3, family: binary cross-entropy with logits and its gradient, float32
# and float64 side by side.  bce_term is the one BCE term: the ufunc
# bce_with_logits and the fused loss (sigfast/_fused.pyx) both call it, so
# bce_with_logits(z, y) equals binary_cross_entropy_with_logits(z, y,
# reduction="none") bit for bit.

from sigfast._core.platform cimport real, fabs
from sigfast._core.eft cimport two_sum
from sigfast._core.engine64 cimport amax, scale, sig_core, log1p_exp_neg
from sigfast._core.engine32 cimport log1p_exp_neg_f32


cdef inline real bce_term(real z, real y, real pw) noexcept nogil:
    # -(pw y log sigma(z) + (1 - y) log sigma(-z)) as a sum of non-negative
    # terms for y in [0, 1]:
    #   (1 - y) relu(z) + pw y relu(-z) + c L,   c = (1 - y) + pw y,
    # L = log1p(exp(-|z|)), in the input's precision (float32 arithmetic for
    # float32).  The textbook max(z,0) - z*y + L cancels (29 ulp in float32).
    # A zero weight selects an exact 0, so z = +-inf with its matching target
    # gives 0 instead of inf*0 = NaN; with pw = 1, c is exactly 1.
    cdef real omy, t1, t2, c, L
    cdef float lof
    cdef double lod
    if real is float:
        L = log1p_exp_neg_f32(z, &lof)
        L = L + lof
    else:
        L = log1p_exp_neg(amax(fabs(z)), &lod)
        L = L + lod
    omy = 1 - y
    t1 = 0 if omy == 0 else (z if z > 0 else 0) * omy
    t2 = 0 if y == 0 else ((-z if z < 0 else 0) * y) * pw
    c = 1 if pw == 1 else omy + y * pw
    return (t1 + t2) + c * L


cdef inline float bce_with_logits_f32(float z, float y) noexcept nogil:
    return bce_term[float](z, y, 1)


cdef inline double bce_with_logits_f64(double z, double y) noexcept nogil:
    return bce_term[double](z, y, 1)


cdef inline double bce_with_logits_grad_f64(double z, double y) noexcept nogil:
    # d/dz BCE = sigma(z) - y.  With s = sigma(-|z|) = 2**kk (yh + yl):
    #   z < 0:  s - y,             yh's part first (exact when s ~ y), then yl;
    #   z >= 0: (1 - y) - s,       1 - y = w + wl by TwoSum,
    # so the tail sigma(z) - 1 = -sigma(-z) keeps full accuracy for large z
    # (and is exactly 0 at z = +inf, y = 1).
    cdef double yl, kk, yh, sh, sl, w, wl, gneg, gpos
    yh = sig_core(-fabs(z), &yl, &kk)
    sh = scale(yh, kk)
    sl = scale(yl, kk)
    gneg = (sh - y) + sl
    w = two_sum(1.0, -y, &wl)
    wl = 0.0 if wl != wl else wl             # y = +-inf: TwoSum's inf - inf
    gpos = ((w - sh) + wl) - sl
    return gneg if z < 0 else gpos


cdef inline float bce_with_logits_grad_f32(float z, float y) noexcept nogil:
    # float32 goes through the float64 algorithm: sigma(z) ~ y cancels all the
    # leading bits, so sigma needs float64's compensated low word.
    return <float>bce_with_logits_grad_f64(z, y)


cdef inline double bce_grad_term(double z, double y, double pw) noexcept nogil:
    # The fused loss's gradient term (1 - y) sigma(z) - pw y sigma(-z);
    # pw == 1 is the ufunc's cancellation-free sigma(z) - y.
    cdef double yl, kk, yh, s_neg, s_pos, general
    yh = sig_core(-fabs(z), &yl, &kk)
    s_neg = scale(yh, kk) + scale(yl, kk)     # sigma(-|z|)
    s_pos = 1.0 - s_neg                         # sigma(|z|), exact enough here
    general = (1.0 - y) * (s_pos if z >= 0 else s_neg) - pw * y * (s_neg if z >= 0 else s_pos)
    return bce_with_logits_grad_f64(z, y) if pw == 1.0 else general
