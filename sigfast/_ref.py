"""Pure-NumPy reference twin of every sigfast ufunc.

Readable, stable formulas evaluated in ``numpy.longdouble`` (80-bit extended
on x86-64) and rounded to the input dtype.  Slow and allocation-heavy on
purpose: it is what the compiled kernels are checked against in the tests
(the mpmath tests measure ulps; this twin checks layouts, dtypes and
broadcasting over many shapes quickly).
"""
import numpy as np

_L = np.longdouble


def _out_dtype(*arrays):
    return np.result_type(*[np.asarray(a) for a in arrays], np.float32)


def _lift(*arrays):
    return [np.asarray(a, dtype=_L) for a in arrays]


def _sig(x):
    # sigma(x) = 1/(1+e) or e/(1+e), e = exp(-|x|): never exp(+|x|).
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _log1pexp_neg_abs(x):
    return np.log1p(np.exp(-np.abs(x)))


def sigmoid(x):
    dt = _out_dtype(x)
    (x,) = _lift(x)
    return _sig(x).astype(dt)


def sigmoid_grad(x):
    dt = _out_dtype(x)
    (x,) = _lift(x)
    e = np.exp(-np.abs(x))
    return (e / ((1 + e) * (1 + e))).astype(dt)


def sigmoid_grad_from_output(y):
    dt = _out_dtype(y)
    (y,) = _lift(y)
    return (y * (1 - y)).astype(dt)


def log_sigmoid(x):
    dt = _out_dtype(x)
    (x,) = _lift(x)
    with np.errstate(invalid="ignore"):
        return (np.minimum(x, 0) - _log1pexp_neg_abs(x)).astype(dt)


def softplus(x):
    dt = _out_dtype(x)
    (x,) = _lift(x)
    with np.errstate(invalid="ignore"):
        return (np.maximum(x, 0) + _log1pexp_neg_abs(x)).astype(dt)


def logit(p):
    dt = _out_dtype(p)
    (p,) = _lift(p)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(p) - np.log1p(-p)
        out = np.where((p < 0) | (p > 1), np.nan, out)
    return out.astype(dt)


def silu(x):
    dt = _out_dtype(x)
    (x,) = _lift(x)
    with np.errstate(invalid="ignore"):
        out = x * _sig(x)
        out = np.where(np.isneginf(x), -0.0, out)
    return out.astype(dt)


def silu_grad(x):
    dt = _out_dtype(x)
    (x,) = _lift(x)
    with np.errstate(invalid="ignore", over="ignore"):
        out = _sig(x) * (1 + x * _sig(-x))
        out = np.where(np.isposinf(x), 1.0, np.where(np.isneginf(x), -0.0, out))
    return out.astype(dt)


def bce_with_logits(z, y):
    dt = _out_dtype(z, y)
    z, y = _lift(z, y)
    with np.errstate(invalid="ignore"):
        t1 = np.where(y == 1, 0, np.maximum(z, 0) * (1 - y))
        t2 = np.where(y == 0, 0, np.maximum(-z, 0) * y)
        return (t1 + t2 + _log1pexp_neg_abs(z)).astype(dt)


def bce_with_logits_grad(z, y):
    dt = _out_dtype(z, y)
    z, y = _lift(z, y)
    return (_sig(z) - y).astype(dt)


UNARY = {
    "sigmoid": sigmoid,
    "sigmoid_grad": sigmoid_grad,
    "sigmoid_grad_from_output": sigmoid_grad_from_output,
    "log_sigmoid": log_sigmoid,
    "softplus": softplus,
    "logit": logit,
    "silu": silu,
    "silu_grad": silu_grad,
}
BINARY = {
    "bce_with_logits": bce_with_logits,
    "bce_with_logits_grad": bce_with_logits_grad,
}
