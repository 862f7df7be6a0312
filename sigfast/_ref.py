"""Pure-NumPy reference twin of every sigfast ufunc.

Readable, stable formulas evaluated in ``numpy.longdouble`` (80-bit extended
on x86-64).  ``EXACT`` maps each ufunc name to its long-double formula (long
double in, long double out: the reference of ``python -m sigfast``'s ulp
check); the module-level functions round it to the input dtype (the twin the
tests compare layouts, dtypes and broadcasting against).  Slow and
allocation-heavy on purpose; the mpmath tests measure the real ulps.
"""
import numpy as np

from . import _registry

_L = np.longdouble


def _sig(x):
    # sigma(x) = 1/(1+e) or e/(1+e), e = exp(-|x|): never exp(+|x|).
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _log1pexp_neg_abs(x):
    return np.log1p(np.exp(-np.abs(x)))


def _sigmoid_grad(x):
    e = np.exp(-np.abs(x))
    return e / ((1 + e) * (1 + e))


def _log_sigmoid(x):
    return np.minimum(x, 0) - _log1pexp_neg_abs(x)


def _softplus(x):
    return np.maximum(x, 0) + _log1pexp_neg_abs(x)


def _logit(p):
    # log(p) - log1p(-p) for small p; log1p((2p - 1)/(1 - p)) elsewhere, which
    # keeps relative accuracy near p = 1/2 (2p - 1 and 1 - p are exact).
    a = np.log(p) - np.log1p(-p)
    b = np.log1p((2 * p - 1) / (1 - p))
    return np.where((p < 0) | (p > 1), np.nan, np.where(p < 0.3, a, b))


def _silu(x):
    return np.where(np.isneginf(x), -0.0, x * _sig(x))


def _silu_grad(x):
    out = _sig(x) * (1 + x * _sig(-x))
    return np.where(np.isposinf(x), 1.0, np.where(np.isneginf(x), -0.0, out))


def _bce(z, y):
    t1 = np.where(y == 1, 0, np.maximum(z, 0) * (1 - y))
    t2 = np.where(y == 0, 0, np.maximum(-z, 0) * y)
    return t1 + t2 + _log1pexp_neg_abs(z)


def _bce_grad(z, y):
    # sigma(z) - y; for y = 1 as -sigma(-z), which does not cancel.
    s = _sig(z)
    return np.where(y == 1, -_sig(-z), np.where(y == 0, s, s - y))


#: name -> formula on long-double arrays, returning long double.
EXACT = {
    "sigmoid": _sig,
    "sigmoid_grad": _sigmoid_grad,
    "sigmoid_grad_from_output": lambda y: y * (1 - y),
    "log_sigmoid": _log_sigmoid,
    "softplus": _softplus,
    "logit": _logit,
    "silu": _silu,
    "silu_grad": _silu_grad,
    "bce_with_logits": _bce,
    "bce_with_logits_grad": _bce_grad,
}


def _twin(name):
    exact = EXACT[name]

    def f(*args):
        dt = np.result_type(*[np.asarray(a) for a in args], np.float32)
        with np.errstate(all="ignore"):
            return exact(*[np.asarray(a, dtype=_L) for a in args]).astype(dt)

    f.__name__ = name
    f.__doc__ = f"Reference twin of sigfast.{name}, rounded to the input dtype."
    return f


#: name -> twin, for every ufunc of the registry
TWINS = {name: _twin(name) for name in _registry.NAMES}
globals().update(TWINS)
UNARY = {name: TWINS[name] for name in _registry.UNARY}
BINARY = {name: TWINS[name] for name in _registry.BINARY}
