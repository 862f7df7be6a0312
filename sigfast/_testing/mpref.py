"""mpmath references (160 bits) for every ufunc of the registry.

Each reference takes the *exact* binary value of a float input (mpmath.mpf
of a Python float is exact; a long double goes through its integer ratio)
and returns the exact result, delivered as a double-word pair (hi, lo) for
:func:`.ulp.ulp_errors`: float64 pairs, or long double pairs when an input
is long double (its range and precision exceed float64's).
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


def _log1mexp(x):
    if x > 0:
        return mpmath.nan
    if x == 0:
        return -mpmath.inf
    if x < -mpmath.log(2):
        # 1 - e**x at PREC bits would drop e**x < 2**-PREC
        return mpmath.log1p(-mpmath.exp(x))
    return mpmath.log(-mpmath.expm1(x))


def _logit_eps(p, eps):
    # PyTorch's clamp (exact() has done it in the computing type, see
    # _clamped_in_type; here for direct calls), 1 - eps rounded to float64;
    # a NaN eps gives NaN (sigfast's rule for every argument)
    if mpmath.isnan(eps):
        return mpmath.nan
    if eps >= 0:
        hi = mpmath.mpf(float(1 - eps))
        p = eps if p < eps else (hi if p > hi else p)
    return _logit(p)


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
    "log1mexp": _log1mexp,
    "bce_with_logits": _bce,
    "bce_with_logits_grad": _bce_grad,
    "glu": lambda a, b: a * _sig(b),
    "swiglu": lambda a, b: a * _sig(a) * b,
    "logit_eps": _logit_eps,
}


def _float(v):
    # float(mpf) rounds to 53 bits and then again into the subnormals
    # (float(3.5 * 2**-1074 - tiny) is 4 * 2**-1074): round those once.
    if v != 0 and abs(v) < 2 ** -1022:
        return float(mpmath.nint(mpmath.ldexp(v, 1074))) * 2.0 ** -1074
    return float(v)


def _to_pair(v):
    if mpmath.isnan(v):
        return np.nan, 0.0
    if mpmath.isinf(v):
        return float(v), 0.0
    hi = _float(v)
    return hi, _float(v - hi) if np.isfinite(hi) else 0.0


_LD = np.finfo(np.longdouble)


def round_longdouble(v):
    """mpf ``v`` rounded to the nearest long double (ties to even, subnormals
    and overflow as IEEE rounding gives them), for any long double format."""
    if not mpmath.isfinite(v) or v == 0:
        return np.longdouble(float(v))
    p, emin = _LD.nmant + 1, int(_LD.minexp)
    _, e = mpmath.frexp(v)                      # |v| in [2**(e-1), 2**e)
    q = max(e - p, emin - p + 1)                # the ulp's exponent
    n = int(mpmath.nint(mpmath.ldexp(v, -q)))   # nint: ties to even
    neg, n = n < 0, abs(n)
    # n < 2**(p+1): exact in long double, built from 32-bit pieces
    m, shift = np.longdouble(0), 0
    while n:
        m += np.ldexp(np.longdouble(n & 0xFFFFFFFF), shift)
        n >>= 32
        shift += 32
    with np.errstate(over="ignore"):
        r = np.ldexp(m, q)
    return -r if neg else r


def _to_pair_ld(v):
    if mpmath.isnan(v) or mpmath.isinf(v):
        return np.longdouble(float(v)), np.longdouble(0)
    hi = round_longdouble(v)
    if not np.isfinite(hi):
        return hi, np.longdouble(0)
    return hi, round_longdouble(v - mpf_of(hi))


def mpf_of(x):
    """The exact value of a float16/32/64 or long double number as an mpf."""
    if isinstance(x, np.longdouble):
        if not np.isfinite(x):
            return mpmath.mpf(float(x))
        n, d = x.as_integer_ratio()
        return mpmath.mpf(n) / d                # d is a power of two: exact
    return mpmath.mpf(float(x))


def _clamped_in_type(args):
    # logit_eps as its kernels see it: PyTorch's clamp in the computing type
    # (float32 for float16/float32 input, 1 - eps rounded there; this module
    # imports nothing of sigfast, so not sigfast._ref.prepare_args); the
    # exact formula then takes the clamped p with eps = -1 (no clamp)
    dt = np.result_type(*[np.asarray(a).dtype for a in args], np.float32)
    p, eps = np.broadcast_arrays(*[np.asarray(a).astype(dt) for a in args])
    top = (dt.type(1) - eps).astype(dt)
    with np.errstate(invalid="ignore"):
        z = np.where(eps < 0, p, np.where(np.isnan(eps), eps,
                                          np.where(p < eps, eps, np.minimum(p, top))))
    return z, np.full_like(p, -1.0)


def exact(name, *args):
    """(hi, lo) arrays of the exact ``name(*args)``: float64 pairs, or long
    double pairs when an argument is long double.  Non-finite inputs of the
    unary functions are passed through as they are (their expected results
    are the registry's special values)."""
    f = EXACT[name]
    if name == "logit_eps":
        args = _clamped_in_type(args)
    cols = [np.asarray(a).ravel() for a in args]
    ld = any(c.dtype == np.longdouble for c in cols)
    W = np.longdouble if ld else np.float64
    pair = _to_pair_ld if ld else _to_pair
    hi = np.empty(cols[0].size, W)
    lo = np.empty(cols[0].size, W)
    with mp.workprec(PREC):
        for i, vals in enumerate(zip(*cols)):
            xs = [W(v) for v in vals]
            if len(xs) == 1 and not np.isfinite(xs[0]):
                hi[i], lo[i] = xs[0], 0.0
                continue
            hi[i], lo[i] = pair(f(*[mpf_of(x) for x in xs]))
    return hi, lo
