"""mpmath references (>= 120 bits) and ulp error measurement.

Each reference takes the *exact* binary value of a float input (mpmath.mpf of
a Python float is exact) and returns the mathematically exact result rounded
to the working precision, far beyond float64's 53 bits.

Errors are measured in ulps of the exact result in the output dtype; where
the exact result is subnormal the ulp is the subnormal spacing (2**-149 /
2**-1074), so a flushed-to-zero result counts as millions of ulps, as it
should.
"""
import numpy as np
import mpmath

mp = mpmath.mp
PREC = 160


def _sig(x):
    return 1 / (1 + mpmath.exp(-x))


def _logsig(x):
    # log(1/(1+e^-x)) = -log1p(e^-x); mpmath evaluates exp of huge arguments exactly.
    return -mpmath.log1p(mpmath.exp(-x))


REF1 = {
    "sigmoid": _sig,
    "sigmoid_grad": lambda x: _sig(x) * _sig(-x),
    "sigmoid_grad_from_output": lambda y: y * (1 - y),
    "log_sigmoid": _logsig,
    "softplus": lambda x: -_logsig(-x),
    "logit": lambda p: (-mpmath.inf if p == 0 else mpmath.inf if p == 1
                        else mpmath.log(p / (1 - p))),
    "silu": lambda x: x * _sig(x),
    "silu_grad": lambda x: _sig(x) * (1 + x * _sig(-x)),
}


def _bce(z, y):
    return max(z, 0) * (1 - y) + max(-z, 0) * y + mpmath.log1p(mpmath.exp(-abs(z)))


REF2 = {
    "bce_with_logits": _bce,
    "bce_with_logits_grad": lambda z, y: _sig(z) - y,
}


def finfo_bits(dtype):
    fi = np.finfo(dtype)
    return fi.nmant + 1, int(fi.minexp)   # precision p, min normal exponent


def ulp_errors(got, exact, dtype):
    """|got - exact| in ulps of exact (list of mpf exact values)."""
    p, emin = finfo_bits(dtype)
    out = np.empty(len(exact))
    with mp.workprec(PREC):
        for i, (g, e) in enumerate(zip(got, exact)):
            g = float(g)
            if mpmath.isnan(e):
                out[i] = 0.0 if np.isnan(g) else np.inf
                continue
            if mpmath.isinf(e):
                out[i] = 0.0 if g == float(e) else np.inf
                continue
            if np.isnan(g) or np.isinf(g):
                # an overflowing exact value may round to inf
                big = float(np.finfo(dtype).max)
                out[i] = 0.0 if (np.isinf(g) and abs(e) > big and np.sign(g) == mpmath.sign(e)) else np.inf
                continue
            if e == 0:
                ulp = mpmath.ldexp(1, emin - p + 1)
            else:
                ex = int(mpmath.floor(mpmath.log(abs(e), 2)))
                ulp = mpmath.ldexp(1, max(ex, emin) - p + 1)
            out[i] = float(abs(mpmath.mpf(g) - e) / ulp)
    return out


def exact1(name, xs):
    f = REF1[name]
    with mp.workprec(PREC):
        return [f(mpmath.mpf(float(x))) if np.isfinite(x) else mpmath.mpf(float(x)) for x in xs]


def exact2(name, zs, ys):
    f = REF2[name]
    with mp.workprec(PREC):
        return [f(mpmath.mpf(float(z)), mpmath.mpf(float(y))) for z, y in zip(zs, ys)]


def unary_inputs(name, dtype, n, seed=0):
    """Inputs covering the whole finite range plus the interesting cut-offs."""
    rng = np.random.default_rng(seed)
    fi = np.finfo(dtype)
    if name in ("logit", "sigmoid_grad_from_output"):
        lo = np.log10(float(fi.smallest_subnormal))
        near0 = 10.0 ** rng.uniform(lo, 0, n // 3)
        near1 = 1 - 10.0 ** rng.uniform(np.log10(float(fi.eps)) - 0.3, 0, n // 3)
        mid = rng.uniform(0, 1, n - 2 * (n // 3))
        xs = np.concatenate([near0, near1, mid, [0.0, 1.0, 0.5, 0.25, 0.75]])
        xs = xs.astype(dtype)
        return xs[(xs >= 0) & (xs <= 1)]
    big = np.log10(float(fi.max))
    lo = np.log10(float(fi.smallest_subnormal))
    mag = 10.0 ** rng.uniform(lo, big, n // 3)
    wide = mag * rng.choice([-1.0, 1.0], mag.size)
    lim = 120.0 if dtype == np.float32 else 760.0
    mid = rng.uniform(-lim, lim, n // 3)
    core = rng.uniform(-20, 20, n - 2 * (n // 3))
    special = [0.0, -0.0, 88, 89, -88, -89, 709, 710, -709, -710, 1e30, -1e30,
               -87.3, -100, -103.9, -104, -708.4, -740, -745, 17, 37, 40, -1.2785]
    xs = np.concatenate([wide, mid, core, special])
    with np.errstate(over="ignore"):
        xs = xs.astype(dtype)
    return xs[np.isfinite(xs)]
