"""mpmath references (160 bits) for every ufunc of the registry.

Each reference takes the *exact* binary value of a float input (mpmath.mpf
of a Python float is exact) and returns the exact result, delivered as a
double-double pair (hi, lo) of float64 arrays for :func:`.ulp.ulp_errors`.
Needs mpmath (a test extra); import this module only where it is used.
"""
import mpmath
import numpy as np

mp = mpmath.mp
PREC = 160


def _sig(x):
    return 1 / (1 + mpmath.exp(-x))


def _logsig(x):
    # log(1/(1+e^-x)) = -log1p(e^-x); mpmath evaluates exp of huge arguments exactly.
    return -mpmath.log1p(mpmath.exp(-x))


def _logit(p):
    if p == 0:
        return -mpmath.inf
    if p == 1:
        return mpmath.inf
    if p < 0 or p > 1:
        return mpmath.nan
    return mpmath.log(p / (1 - p))


def _bce(z, y):
    return max(z, 0) * (1 - y) + max(-z, 0) * y + mpmath.log1p(mpmath.exp(-abs(z)))


def _bce_grad(z, y):
    # sigma(z) - y.  For z > 0 as (1 - y) - sigma(-z): 1 - y is exact, and
    # sigma(z) rounded to PREC bits would lose sigma(-z) < 2**-PREC entirely
    # (sigma(100) - 1 came out as 0 instead of -3.7e-44).
    if z > 0:
        return (1 - y) - _sig(-z)
    return _sig(z) - y


#: registry name -> exact formula on mpf arguments
EXACT = {
    "sigmoid": _sig,
    "sigmoid_grad": lambda x: _sig(x) * _sig(-x),
    "sigmoid_grad_from_output": lambda y: y * (1 - y),
    "log_sigmoid": _logsig,
    "softplus": lambda x: -_logsig(-x),
    "logit": _logit,
    "silu": lambda x: x * _sig(x),
    "silu_grad": lambda x: _sig(x) * (1 + x * _sig(-x)),
    "bce_with_logits": _bce,
    "bce_with_logits_grad": _bce_grad,
}


def _to_pair(v):
    if mpmath.isnan(v):
        return np.nan, 0.0
    if mpmath.isinf(v):
        return float(v), 0.0
    hi = float(v)
    return hi, float(v - hi) if np.isfinite(hi) else 0.0


def exact(name, *args):
    """(hi, lo) float64 arrays of the exact ``name(*args)``.  Non-finite
    inputs of the unary functions are passed through as they are (their
    expected results are the registry's special values)."""
    f = EXACT[name]
    cols = [np.asarray(a).ravel() for a in args]
    hi = np.empty(cols[0].size)
    lo = np.empty(cols[0].size)
    with mp.workprec(PREC):
        for i, vals in enumerate(zip(*cols)):
            xs = [float(v) for v in vals]
            if len(xs) == 1 and not np.isfinite(xs[0]):
                hi[i], lo[i] = xs[0], 0.0
                continue
            hi[i], lo[i] = _to_pair(f(*[mpmath.mpf(x) for x in xs]))
    return hi, lo
