# sigfast's scalar functions for Cython code, in the manner of
# scipy.special.cython_special:
#
#     from sigfast.cython_api cimport sigmoid_f64, log_sigmoid_f32
#
# Every function is nogil and never raises.  Each returns the bits the
# ufunc of the same name returns for that dtype at the SIMD level sigfast
# selected at import (sigfast.simd_level).  These names are stable: a name
# is never removed or changed in meaning; new functions are only added.
# The list must match sigfast/_registry.py (tests/test_cython_api.py checks
# it): "<name>_f64" (double) and "<name>_f32" (float) for every ufunc and alias.

# sigmoid family
cdef double sigmoid_f64(double x) noexcept nogil
cdef float sigmoid_f32(float x) noexcept nogil
cdef double expit_f64(double x) noexcept nogil
cdef float expit_f32(float x) noexcept nogil
cdef double sigmoid_grad_f64(double x) noexcept nogil
cdef float sigmoid_grad_f32(float x) noexcept nogil
cdef double sigmoid_grad_from_output_f64(double p) noexcept nogil
cdef float sigmoid_grad_from_output_f32(float p) noexcept nogil

# log-sigmoid family
cdef double log_sigmoid_f64(double x) noexcept nogil
cdef float log_sigmoid_f32(float x) noexcept nogil
cdef double log_expit_f64(double x) noexcept nogil
cdef float log_expit_f32(float x) noexcept nogil
cdef double softplus_f64(double x) noexcept nogil
cdef float softplus_f32(float x) noexcept nogil

# logit
cdef double logit_f64(double p) noexcept nogil
cdef float logit_f32(float p) noexcept nogil

# SiLU
cdef double silu_f64(double x) noexcept nogil
cdef float silu_f32(float x) noexcept nogil
cdef double silu_grad_f64(double x) noexcept nogil
cdef float silu_grad_f32(float x) noexcept nogil

# log(1 - exp(x)), x <= 0
cdef double log1mexp_f64(double x) noexcept nogil
cdef float log1mexp_f32(float x) noexcept nogil

# binary cross-entropy from logits z and targets y (elementwise)
cdef double bce_with_logits_f64(double z, double y) noexcept nogil
cdef float bce_with_logits_f32(float z, float y) noexcept nogil
cdef double bce_with_logits_grad_f64(double z, double y) noexcept nogil
cdef float bce_with_logits_grad_f32(float z, float y) noexcept nogil
cdef double glu_f64(double a, double b) noexcept nogil
cdef float glu_f32(float a, float b) noexcept nogil
cdef double swiglu_f64(double a, double b) noexcept nogil
cdef float swiglu_f32(float a, float b) noexcept nogil

# torch.logit(p, eps): logit of p clamped to [eps, 1 - eps] (eps < 0: none)
cdef double logit_eps_f64(double p, double eps) noexcept nogil
cdef float logit_eps_f32(float p, float eps) noexcept nogil
