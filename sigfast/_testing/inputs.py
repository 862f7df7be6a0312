"""Input generators, one family, keyed by registry name.

Functions whose registry domain is ``"unit"`` (logit,
sigmoid_grad_from_output, logit_eps with eps = 1e-6) get probabilities;
every other unary function gets real numbers (log1mexp, domain
``"nonpositive"``: mostly -|x|); binary functions get (logits, targets).
"""
import numpy as np

from .. import _registry


def _unit(name):
    return _registry.BY_NAME[name].domain == "unit"


def _binary(name):
    return _registry.BY_NAME[name].nin == 2


def _nonpositive(name):
    return _registry.BY_NAME[name].domain == "nonpositive"


def typical(name, dtype, n, seed=0):
    """Typical-range inputs (a tuple of arrays): standard normal x 6 (or
    uniform [0, 1) probabilities); targets uniform in [0, 1) with a third
    rounded to {0, 1}."""
    rng = np.random.default_rng(seed)
    if _unit(name):
        p = rng.uniform(0, 1, n).astype(dtype)
        # logit_eps: the clamp's eps, a typical 1e-6
        return (p, np.full(n, 1e-6, dtype)) if _binary(name) else (p,)
    x = (rng.standard_normal(n) * 6).astype(dtype)
    if _binary(name):
        y = rng.uniform(0, 1, n).astype(dtype)
        y[: n // 3] = np.round(y[: n // 3])
        return x, y
    return (-np.abs(x),) if _nonpositive(name) else (x,)


#: Points where the family's formulas switch, saturate or go subnormal.
CUTOFFS = (0.0, -0.0, 88, 89, -88, -89, 709, 710, -709, -710, 1e30, -1e30,
           -87.3, -100, -103.9, -104, -708.4, -740, -745, 17, 37, 40, -1.2785)


def longdouble_cutoffs():
    """Where long double's exp overflows and its results go subnormal or to
    0 (ln of the largest, smallest normal and smallest subnormal number),
    each +-1 and both signs, as long doubles."""
    fi = np.finfo(np.longdouble)
    pts = [np.log(fi.max), -np.log(fi.smallest_normal), -np.log(fi.smallest_subnormal)]
    out = [c + d for c in pts for d in (-1, 0, 1)]
    return np.array(out + [-c for c in out], np.longdouble)


def _random_low_bits(xs, rng):
    """Long double values with random bits below float64's 53 (the values
    built from float64 draws have them all zero)."""
    L = np.longdouble
    eps = L(np.finfo(np.float64).eps)
    return xs * (1 + rng.uniform(-1, 1, xs.size).astype(L) * eps)


def whole_range(name, dtype, n, seed=0):
    """Inputs over the whole finite range of ``dtype`` for a unary function:
    random magnitudes from the smallest subnormal to the largest finite
    number of both signs, dense [-120, 120] (float32) / [-760, 760]
    (float64) / [-L, L] (long double, L 20 past where its results reach 0),
    [-20, 20], and :data:`CUTOFFS` (long double: also
    :func:`longdouble_cutoffs`); for probabilities, [0, 1] with both ends
    down to the smallest subnormal distance.  Long double values get random
    low bits in all of their precision."""
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    fi = np.finfo(dt)
    ld = dt == np.longdouble
    # long double magnitudes go beyond float64's range: draw exponents in
    # float64, take the powers in long double
    W = np.longdouble if ld else np.float64
    ten = W(10)
    if _unit(name):
        lo = float(np.log10(W(fi.smallest_subnormal)))
        near0 = ten ** rng.uniform(lo, 0, n // 3).astype(W)
        near1 = 1 - ten ** rng.uniform(float(np.log10(W(fi.eps))) - 0.3, 0, n // 3).astype(W)
        mid = rng.uniform(0, 1, n - 2 * (n // 3)).astype(W)
        if ld:
            near0, mid = _random_low_bits(near0, rng), _random_low_bits(mid, rng)
        xs = np.concatenate([near0, near1, mid, np.array([0.0, 1.0, 0.5, 0.25, 0.75], W)])
        xs = xs.astype(dtype)
        return xs[(xs >= 0) & (xs <= 1)]
    big = float(np.log10(W(fi.max)))
    lo = float(np.log10(W(fi.smallest_subnormal)))
    mag = ten ** rng.uniform(lo, big, n // 3).astype(W)
    wide = mag * rng.choice([-1.0, 1.0], mag.size)
    if ld:
        lim = float(-np.log(fi.smallest_subnormal)) + 20
    else:
        lim = 120.0 if dt == np.float32 else 760.0
    mid = rng.uniform(-lim, lim, n // 3).astype(W)
    core = rng.uniform(-20, 20, n - 2 * (n // 3)).astype(W)
    parts = [wide, mid, core, np.array(CUTOFFS, W)]
    if ld:
        parts = [_random_low_bits(a, rng) for a in parts[:3]] + [parts[3], longdouble_cutoffs()]
    xs = np.concatenate(parts)
    if _nonpositive(name):          # one input in 16 stays positive (NaN)
        xs = np.where(np.arange(xs.size) % 16 == 0, xs, -np.abs(xs))
    with np.errstate(over="ignore"):
        xs = xs.astype(dtype)
    return xs[np.isfinite(xs)]


def bce_pairs(dtype, n, seed):
    """(z, y) for the BCE functions: whole-range z, once with targets in
    {0, 1} and once uniform in [0, 1)."""
    rng = np.random.default_rng(seed)
    xs = whole_range("sigmoid", dtype, n, seed)
    y01 = rng.integers(0, 2, xs.size).astype(dtype)
    yu = rng.uniform(0, 1, xs.size).astype(dtype)
    return np.concatenate([xs, xs]), np.concatenate([y01, yu])


def check_points(name, dtype, seed=12345):
    """A few hundred finite points for the self-check: random, a dense grid
    to the saturation limits, [-20, 20], and the tiniest normals; for
    probabilities, both ends and the neighbourhood of 1/2."""
    dt = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    if _unit(name):
        tiny = np.finfo(dt).tiny
        p = np.concatenate([
            rng.random(150),
            np.logspace(np.log10(tiny), -1, 60),
            1 - np.logspace(-15 if dt == np.float64 else -7, -1, 40),
            0.5 + np.linspace(-1e-3, 1e-3, 41),
            [0.0, 0.5, 1.0],
        ]).astype(dt)
        if _binary(name):      # logit_eps: eps none, tiny, typical, 1/4
            eps = rng.choice(np.array([-1.0, 0.0, 1e-6, 1e-3, 0.25]), p.size).astype(dt)
            return (p, eps)
        return (p,)
    lim = 105.0 if dt == np.float32 else 750.0
    x = np.concatenate([
        rng.standard_normal(200) * 8,
        np.linspace(-lim, lim, 121),
        np.linspace(-20, 20, 81),
        [0.0, -0.0, np.finfo(dt).tiny, -np.finfo(dt).tiny, 1e-30, -1e-30],
    ]).astype(dt)
    if _binary(name):
        y = (rng.random(x.size) < 0.5).astype(dt)
        y[::7] = rng.random(y[::7].size)   # some soft targets too
        return (x, y)
    return (x,)


#: Seed of the benchmark inputs.
BENCH_SEED = 20240531


def bench_inputs(name, dtype, n, seed=BENCH_SEED):
    """Benchmark inputs: logits standard normal x 4 (both inputs of a gate);
    probabilities uniform in (0.001, 0.999) (logit_eps: with eps = 1e-6);
    targets 0 or 1 with probability 1/2.  ``name`` may also
    be a loss from the registry (logits and targets)."""
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    if name in _registry.BY_NAME and _unit(name):
        p = (rng.random(n) * 0.998 + 0.001).astype(dtype)
        return (p, np.full(n, 1e-6, dtype)) if _binary(name) else (p,)   # logit_eps
    z = (rng.standard_normal(n) * 4).astype(dtype)
    if name in _registry.BY_NAME and _registry.BY_NAME[name].family == "gate":
        return (z, (rng.standard_normal(n) * 4).astype(dtype))     # two logits
    if name in _registry.LOSSES or _binary(name):
        return (z, (rng.random(n) < 0.5).astype(dtype))
    return (z,)
