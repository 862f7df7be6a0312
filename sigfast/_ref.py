"""Pure-NumPy reference twin of every sigfast ufunc.

Readable, stable formulas evaluated in double-double arithmetic
(:mod:`sigfast._dd`, about 106 bits), so the reference is the same on every
platform: it never uses ``numpy.longdouble``, which is 80-bit extended on
x86-64 Linux but plain double on Windows and macOS arm64.

``EXACT`` maps each ufunc name to its formula: float arrays in (any float
dtype; they are widened to float64, which is exact), the exact result out as
a double-double pair ``(hi, lo)`` of float64 arrays (the reference of
``python -m sigfast``'s ulp check, see :func:`sigfast._testing.ulp.ulp_errors`).
Where the exact result is subnormal, ``hi`` is still it correctly rounded:
the exponential is carried as ``m * 2**k`` and scaled only at the end.
The module-level functions (``TWINS``) round the exact result once to the
input dtype (float16 inputs: float32, as sigfast computes them); tests compare
layouts, dtypes and broadcasting against them.

Non-finite inputs, and the rare finite inputs whose result overflows, take
the plain float64 formula (``_naive``), whose IEEE special values (inf, NaN,
signed zeros) are those of the same formula in any precision; every zero
result takes its sign from it too.  Slow and allocation-heavy on purpose; the
mpmath tests measure the real ulps (and tests/test_ref.py measures this twin
against mpmath).
"""
import numpy as np

from . import _dd, _registry

#: exp(-|x|) below 2**-865 (|x| > 600): results proportional to it are
#: formed as m * 2**k and scaled once at the end (they may be subnormal).
_TINY_ARG = 600.0
#: |x| beyond this gives exp(-|x|) * |x| far below the smallest subnormal.
_X_CLIP = 1e4
_LN2 = 0.6931471805599453


def _pair(a):
    """A float64 array as a double-double."""
    return a, np.zeros_like(a)


def _where(c, x, y):
    return np.where(c, x[0], y[0]), np.where(c, x[1], y[1])


class _Exp:
    """e = exp(-|x|) as the double-double ``e`` and as ``m * 2**k``
    (``tiny``: where e < 2**-865 and only the scaled form is accurate)."""

    def __init__(self, x):
        self.m, self.k = _dd.exp_parts(-np.abs(x))
        self.e = _dd.ldexp(self.m, self.k)
        self.tiny = np.abs(x) > _TINY_ARG
        self.d = _dd.add_d(self.e, 1.0)           # 1 + e


def _sig_pair(x, ex):
    """(sigma(x), sigma(-x)) as double-doubles: 1/(1+e) on the side of the
    sign of x, e/(1+e) on the other, e = exp(-|x|) (never exp(+|x|))."""
    one = _dd.div(_pair(np.ones_like(x)), ex.d)
    small = _dd.div(ex.e, ex.d)
    small = _where(ex.tiny, _dd.ldexp(ex.m, ex.k), small)   # e/(1+e) = e there
    pos = x >= 0
    return _where(pos, one, small), _where(pos, small, one)


def _log1pexp(ex):
    """log(1 + e), e = exp(-|x|); log1p(e) = e where e is tiny."""
    return _where(ex.tiny, _dd.ldexp(ex.m, ex.k), _dd.log1p(ex.e))


def _sigmoid(x):
    return _sig_pair(x, _Exp(x))[0]


def _sigmoid_grad(x):
    ex = _Exp(x)
    g = _dd.div(ex.e, _dd.mul(ex.d, ex.d))                   # e / (1+e)**2
    return _where(ex.tiny, _dd.ldexp(ex.m, ex.k), g)


def _sigmoid_grad_from_output(y):
    return _dd.mul_d(_dd.two_sum(np.ones_like(y), -y), y)     # y (1 - y)


def _log_sigmoid(x):
    l = _dd.neg(_log1pexp(_Exp(x)))
    return _where(x <= 0, _dd.add_d(l, np.minimum(x, 0)), l)  # min(x, 0) - log1p(e)


def _softplus(x):
    l = _log1pexp(_Exp(x))
    return _where(x >= 0, _dd.add_d(l, np.maximum(x, 0)), l)  # max(x, 0) + log1p(e)


def _logit(p):
    # log(p) - log1p(-p) for small p; log1p((2p - 1)/(1 - p)) elsewhere, which
    # keeps relative accuracy near p = 1/2 (2p - 1 is exact for p >= 1/4).
    inside = (p > 0) & (p < 1)
    q = np.where(inside, p, 0.5)
    a = _dd.add(_dd.log(_pair(np.where(q < 0.3, q, 0.1))),
                _dd.neg(_dd.log1p(_pair(-np.minimum(q, 0.3)))))
    b = _dd.log1p(_dd.div(_pair(2 * q - 1), _dd.two_sum(np.ones_like(q), -q)))
    return _where(q < 0.3, a, b)


def _clamp_eps(p, eps):
    # PyTorch's clamp of torch.logit(p, eps), 1 - eps in p's type
    hi = (np.ones_like(eps) - eps).astype(eps.dtype)
    z = np.where(p < eps, eps, np.where(p > hi, hi, p))
    return np.where(eps < 0, p, np.where(np.isnan(eps), eps, z))


def _silu(x):
    ex = _Exp(x)
    s = _sig_pair(x, ex)[0]
    xc = np.clip(x, -_X_CLIP, _X_CLIP)
    far = _dd.ldexp(_dd.mul_d(ex.m, xc), ex.k)               # x e for x << 0
    return _where(ex.tiny & (x < 0), far, _dd.mul_d(s, x))


def _silu_grad(x):
    ex = _Exp(x)
    s, sn = _sig_pair(x, ex)
    g = _dd.mul(s, _dd.add_d(_dd.mul_d(sn, x), 1.0))          # s (1 + x sigma(-x))
    xc = np.clip(x, -_X_CLIP, _X_CLIP)
    far = _dd.ldexp(_dd.mul_d(ex.m, xc + 1.0), ex.k)          # e (1 + x) for x << 0
    return _where(ex.tiny & (x < 0), far, g)


def _bce(z, y):
    t1 = _dd.mul_d(_dd.two_sum(np.ones_like(y), -y), np.maximum(z, 0))   # max(z, 0) (1 - y)
    t2 = _dd.two_prod(np.maximum(-z, 0), y)                            # max(-z, 0) y
    t1 = _where(y == 1, _pair(np.zeros_like(y)), t1)
    t2 = _where(y == 0, _pair(np.zeros_like(y)), t2)
    return _dd.add(_dd.add(t1, t2), _log1pexp(_Exp(z)))


def _bce_grad(z, y):
    # sigma(z) - y; for y = 1 as -sigma(-z), which does not cancel.
    s, sn = _sig_pair(z, _Exp(z))
    return _where(y == 1, _dd.neg(sn), _dd.add_d(s, -y))


def _gate(A, s, e0=0):
    """A sigma(s) for a double-double A: A's exponent (frexp) and sigma's
    (m 2**k where tiny) are applied by one ldexp, so neither a huge A nor
    an s far below -708 over- or underflows on the way."""
    m, e = np.frexp(A[0])
    Am = (m, np.ldexp(A[1], -e))
    ex = _Exp(s)
    sig = _sig_pair(s, ex)[0]
    far = ex.tiny & (s < 0)
    v = _where(far, _dd.mul(Am, ex.m), _dd.mul(Am, sig))
    return _dd.ldexp(v, np.where(far, ex.k, 0) + e + e0)


def _glu(a, b):
    return _gate(_pair(a), b)


def _swiglu(a, b):
    m, e = np.frexp(b)                          # a b cannot overflow as a m
    return _gate(_dd.two_prod(a, m), a, e)
def _log1mexp(x):
    # Maechler's two branches: log(-expm1(x)) for x > -ln2, log1p(-e**x)
    # below; -e**x itself (scaled once) where e**x < 2**-865.
    xc = np.minimum(x, 0.0)
    near = np.where(xc > -_LN2, xc, -1.0)
    m, k = _dd.exp_parts(np.where(xc > -_LN2, -1.0, xc))
    # -expm1(x) = -x to 2**-500 for |x| < 2**-500 (_dd.expm1 scales its
    # argument by 2**-10, which would drop a subnormal x's bits)
    w = _dd.neg(_dd.expm1(_pair(near)))
    w = _where(near > -2.0 ** -500, _pair(-near), w)
    a = _dd.log(w)
    b = _dd.log1p(_dd.neg(_dd.ldexp(m, k)))
    far = _dd.neg(_dd.ldexp(m, k))
    return _where(xc > -_LN2, a, _where(xc < -_TINY_ARG, far, b))


# The same formulas in plain float64: the special values (non-finite inputs,
# overflow, signs of zero results).
def _n_sig(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _n_log1pexp(x):
    return np.log1p(np.exp(-np.abs(x)))


def _n_logit(p):
    a = np.log(p) - np.log1p(-p)
    b = np.log1p((2 * p - 1) / (1 - p))
    return np.where((p < 0) | (p > 1), np.nan, np.where(p < 0.3, a, b))


def _n_bce(z, y):
    t1 = np.where(y == 1, 0, np.maximum(z, 0) * (1 - y))
    t2 = np.where(y == 0, 0, np.maximum(-z, 0) * y)
    return t1 + t2 + _n_log1pexp(z)


def _n_bce_grad(z, y):
    s = _n_sig(z)
    return np.where(y == 1, -_n_sig(-z), np.where(y == 0, s, s - y))


_NAIVE = {
    "sigmoid": _n_sig,
    "sigmoid_grad": lambda x: np.exp(-np.abs(x)) / ((1 + np.exp(-np.abs(x))) ** 2),
    "sigmoid_grad_from_output": lambda y: y * (1 - y),
    "log_sigmoid": lambda x: np.minimum(x, 0) - _n_log1pexp(x),
    "softplus": lambda x: np.maximum(x, 0) + _n_log1pexp(x),
    "logit": _n_logit,
    "silu": lambda x: np.where(np.isneginf(x), -0.0, x * _n_sig(x)),
    "silu_grad": lambda x: np.where(
        np.isposinf(x), 1.0, np.where(np.isneginf(x), -0.0,
                                      _n_sig(x) * (1 + x * _n_sig(-x)))),
    "log1mexp": lambda x: np.where(x > 0, np.nan, np.where(
        x > -_LN2, np.log(-np.expm1(x)), np.log1p(-np.exp(x)))),
    "bce_with_logits": _n_bce,
    "bce_with_logits_grad": _n_bce_grad,
    # sigma(b) > 0 for finite b: never 0 (glu(inf, -800) = inf)
    "glu": lambda a, b: a * np.where(np.isneginf(b), 0.0, np.maximum(_n_sig(b), 5e-324)),
    "swiglu": lambda a, b: np.where(np.isneginf(a), -0.0,
                                    a * np.maximum(_n_sig(a), 5e-324)) * b,
    "logit_eps": lambda p, eps: _n_logit(_clamp_eps(p, eps)),
}

_DD_FORMULAS = {
    "sigmoid": _sigmoid,
    "sigmoid_grad": _sigmoid_grad,
    "sigmoid_grad_from_output": _sigmoid_grad_from_output,
    "log_sigmoid": _log_sigmoid,
    "softplus": _softplus,
    "logit": _logit,
    "silu": _silu,
    "silu_grad": _silu_grad,
    "log1mexp": _log1mexp,
    "bce_with_logits": _bce,
    "bce_with_logits_grad": _bce_grad,
    "glu": _glu,
    "swiglu": _swiglu,
    "logit_eps": lambda p, eps: _logit(_clamp_eps(p, eps)),
}


def prepare_args(name, args):
    """The arguments as the kernels see them: logit_eps's clamp is done in
    the computing type (float32 for float16/float32 input, 1 - eps rounded
    there), the exact formula then takes the clamped p with eps = -1."""
    if name != "logit_eps":
        return args
    arrays = [np.asarray(a) for a in args]
    dt = np.result_type(*[a.dtype for a in arrays], np.float32)
    p, eps = np.broadcast_arrays(*[a.astype(dt) for a in arrays])
    with np.errstate(invalid="ignore"):
        return _clamp_eps(p, eps), np.full_like(p, -1.0)


def _exact(name):
    formula = _DD_FORMULAS[name]
    naive = _NAIVE[name]

    def f(*args):
        args = prepare_args(name, args)
        args = np.broadcast_arrays(*[np.asarray(a, dtype=np.float64) for a in args])
        with np.errstate(all="ignore"):
            finite = np.logical_and.reduce([np.isfinite(a) for a in args])
            safe = [np.where(finite, a, 0.0) for a in args]
            hi, lo = formula(*safe)
            plain = np.asarray(naive(*args), dtype=np.float64)
            # non-finite inputs, poles (logit(0)) and overflow
            use_plain = ~finite | ~np.isfinite(plain) | ~np.isfinite(hi)
            hi = np.where(use_plain, plain, np.where(hi == 0, np.copysign(0.0, plain), hi))
            lo = np.where(use_plain | (hi == 0) | ~np.isfinite(lo), 0.0, lo)
        return hi, lo

    f.__name__ = name
    f.__doc__ = f"Exact sigfast.{name} as a double-double (hi, lo) of float64 arrays."
    return f


#: name -> exact formula: float arrays in, double-double (hi, lo) out.
EXACT = {name: _exact(name) for name in _registry.NAMES}


def round_to(hi, lo, dtype):
    """The double-double ``hi + lo`` rounded once to float32, or ``hi`` (the
    float64 rounding) cast to any other dtype."""
    if np.dtype(dtype) == np.float32:
        with np.errstate(all="ignore"):
            return _dd.to_float32((hi, lo))
    return hi.astype(dtype)


def _twin(name):
    exact = EXACT[name]

    def f(*args):
        arrays = [np.asarray(a) for a in args]
        # dtypes, not values: NumPy 1.x would let a 0-d float64 array follow
        # the float32 here (value-based casting)
        dt = np.result_type(*[a.dtype for a in arrays], np.float32)
        hi, lo = exact(*arrays)
        return round_to(hi, lo, dt)

    f.__name__ = name
    f.__doc__ = f"Reference twin of sigfast.{name}, rounded to the input dtype."
    return f


#: name -> twin, for every ufunc of the registry
TWINS = {name: _twin(name) for name in _registry.NAMES}
globals().update(TWINS)
UNARY = {name: TWINS[name] for name in _registry.UNARY}
BINARY = {name: TWINS[name] for name in _registry.BINARY}
