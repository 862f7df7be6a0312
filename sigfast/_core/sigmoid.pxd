# Layer 3, family: sigmoid and its derivatives, float32 and float64 side by
# side.  sigma(|x|) = 1/(1+e) and sigma(-|x|) = e/(1+e) with e = exp(-|x|):
# never exp(+|x|), so nothing overflows, and both tails keep full relative
# accuracy (NumPy/SciPy/PyTorch/JAX flush subnormal results to 0).

from sigfast._core.platform cimport sf_fmaf, fabs, SF_F_TWOM64
from sigfast._core.eft cimport fast_two_sum, two_sum, two_prod_err
from sigfast._core.engine64 cimport amax, scale, sig_parts, sig_core
from sigfast._core.engine32 cimport fone_plus_e, exp_neg_wide, clamp_wide


cdef inline float sigmoid_f32(float x) noexcept nogil:
    # float32 arithmetic.  s + c = 1 + e exactly (fone_plus_e), e = 2**k u.
    # r0 = fl(1/s) and h = 1 - r0*(s + c) by two FMAs (nearly exact), so
    # 1/(1+e) = r0 (1 + h).
    #   x >= 0:  r0 + r0*h, rounded once;
    #   x <  0:  (r0 + r0*g) * 2**k with 1 + g = (1 + r1 + tt)(1 + h): g's
    #            rounding (<= 2**-26) is the only error besides the last one.
    # 2**k is applied as 2**(k+64) then 2**-64, so a subnormal result (x below
    # -87.3) is rounded once.  Max 0.93 ulp over all 2**32 inputs.
    cdef float r1, tt, u, P2, s, c, r0, h, yp, g, yn
    s = fone_plus_e(x, &P2, &c, &u, &r1, &tt)
    r0 = <float>1.0 / s
    h = sf_fmaf(-r0, c, sf_fmaf(-r0, s, <float>1.0))
    yp = sf_fmaf(r0, h, r0)
    g = r1 + sf_fmaf(h, u, tt)
    yn = sf_fmaf(r0, g, r0) * P2 * SF_F_TWOM64
    return yn if x < 0 else yp


cdef inline double sigmoid_f64(double x) noexcept nogil:
    # sigma(x) = 2**kk (yh + yl) from sig_core, scaled once.
    cdef double yl, kk, yh
    yh = sig_core(x, &yl, &kk)
    return scale(yh, kk)


cdef inline float sigmoid_grad_f32(float xf) noexcept nogil:
    # e/(1+e)**2 in float64 (see sigmoid_grad_f64), rounded once.
    cdef double e, q
    e = exp_neg_wide(clamp_wide(xf))
    q = 1.0 / (1.0 + e)
    return <float>(e * q * q)


cdef inline double sigmoid_grad_f64(double x) noexcept nogil:
    # sigma'(x) = sigma(x) sigma(-x) = e/(1+e)**2, e = exp(-|x|) (even in x).
    # Never s*(1-s): 1 - sigma(x) rounds to 0 for x > 17 / 37, while
    # e/(1+e)**2 keeps full relative accuracy down to the subnormal range.
    # Two products by q = fl(1/(1+e)), each with its rounding error kept.
    cdef double a, q, res, eh, el, k, p1, c1, uh, ul, p2, c2
    a = amax(fabs(x))
    q = sig_parts(a, &res, &eh, &el, &k)
    p1 = eh * q
    c1 = two_prod_err(eh, q, p1) + (el * q + p1 * res)
    uh = fast_two_sum(p1, c1, &ul)
    p2 = uh * q
    c2 = two_prod_err(uh, q, p2) + (ul * q + p2 * res)
    return scale(p2 + c2, k)


cdef inline float sigmoid_grad_from_output_f32(float yf) noexcept nogil:
    # 1 - y is exact in double and the product carries 49+ bits: one
    # effective rounding, to float.
    return <float>(<double>yf * (1.0 - <double>yf))


cdef inline double sigmoid_grad_from_output_f64(double y) noexcept nogil:
    # y(1-y) with 1 - y = w + wl exactly (TwoSum) and the product's error
    # kept.  Above |p| = 1e300 the correction is 0 anyway and would be NaN.
    cdef double w, wl, p, corr
    w = two_sum(1.0, -y, &wl)
    p = y * w
    corr = two_prod_err(y, w, p) + y * wl
    corr = corr if fabs(p) < 1e300 else 0.0
    return p + corr if corr != 0 else p      # keeps -0.0 at y = -0.0
