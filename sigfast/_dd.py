"""Double-double arithmetic on float64 NumPy arrays, for the reference twin.

A double-double is a pair ``(hi, lo)`` of float64 arrays whose exact sum
is the value, with ``hi`` the sum rounded to float64: about 106 bits on
every platform, whatever ``numpy.longdouble`` is (plain double on Windows
and macOS arm64).  The building blocks are the classical error-free
transformations (Knuth's TwoSum, Dekker's splitting and product: NumPy has
no fused multiply-add), and on them ``exp`` (argument reduction by ln 2 and
by 2**10, a Taylor polynomial, squaring back) and ``log1p`` (one Newton
step from NumPy's float64 ``log1p``, which doubles its 53 bits).

Slow and allocation-heavy on purpose: clarity over speed.  Call everything
under ``np.errstate(all="ignore")``; NaN and infinite operands give
meaningless ``lo`` parts, which callers replace (see ``sigfast._ref``).
"""
from fractions import Fraction

import numpy as np

#: ln 2 to 110 digits (any 35 would do); split below into three doubles.
_LN2 = Fraction("0.69314718055994530941723212145817656807550013436025525412068000"
                "949339362196969471560586332699641868754200148102")
# LN2_1 keeps 40 bits, so k * LN2_1 is exact for |k| < 2**13.
LN2_1 = float(Fraction(round(_LN2 * 2**40), 2**40))
LN2_2 = float(_LN2 - Fraction(LN2_1))
LN2_3 = float(_LN2 - Fraction(LN2_1) - Fraction(LN2_2))

_SPLITTER = 134217729.0          # 2**27 + 1
_SPLIT_LIMIT = 2.0 ** 996        # beyond it the splitter's product overflows
#: Smallest positive normal and subnormal float64.
TINY = 2.0 ** -1022
SUB = 2.0 ** -1074


def _dd_of(q):
    hi = float(q)
    return hi, float(q - Fraction(hi))


#: 1/k! as double-doubles, k = 0..12 (exact rationals rounded twice).
_INV_FACT = []
_f = 1
for _k in range(13):
    _f *= max(_k, 1)
    _INV_FACT.append(_dd_of(Fraction(1, _f)))
del _f, _k

#: Taylor degree of expm1 on |s| <= 2**-10 (|arg| <= 1 before halving):
#: the first omitted term is below 2**-110 relative.
_EXPM1_DEGREE = 10
_EXPM1_HALVINGS = 10


def _coef(k, like):
    """1/k! as a double-double array shaped like ``like``."""
    hi, lo = _INV_FACT[k]
    return np.full(np.shape(like), hi), np.full(np.shape(like), lo)


# ----------------------------------------------------------- error-free steps

def two_sum(a, b):
    """s + e == a + b exactly, s = fl(a + b)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def fast_two_sum(a, b):
    """Like :func:`two_sum`, for |a| >= |b| (or a == 0)."""
    s = a + b
    return s, b - (s - a)


def split(a):
    """a == hi + lo with hi, lo of at most 26 significant bits each."""
    big = np.abs(a) > _SPLIT_LIMIT
    a2 = np.where(big, a * 2.0 ** -28, a)
    t = _SPLITTER * a2
    hi = t - (t - a2)
    lo = a2 - hi
    return np.where(big, hi * 2.0 ** 28, hi), np.where(big, lo * 2.0 ** 28, lo)


def two_prod(a, b):
    """p + e == a * b exactly (barring underflow), p = fl(a * b)."""
    p = a * b
    ah, al = split(a)
    bh, bl = split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, np.where(np.isfinite(p), e, 0.0)


# -------------------------------------------------------------- arithmetic

def neg(x):
    return -x[0], -x[1]


def add(x, y):
    """x + y (double-double + double-double)."""
    s, e = two_sum(x[0], y[0])
    t, f = two_sum(x[1], y[1])
    s, e = fast_two_sum(s, e + t)
    return fast_two_sum(s, e + f)


def add_d(x, b):
    """x + b (double-double + double)."""
    s, e = two_sum(x[0], b)
    return fast_two_sum(s, e + x[1])


def mul(x, y):
    """x * y (double-double * double-double)."""
    p, e = two_prod(x[0], y[0])
    return fast_two_sum(p, e + (x[0] * y[1] + x[1] * y[0]))


def mul_d(x, b):
    """x * b (double-double * double)."""
    p, e = two_prod(x[0], b)
    return fast_two_sum(p, e + x[1] * b)


def div(x, y):
    """x / y: three quotient digits, each from the remainder of the last."""
    q1 = x[0] / y[0]
    r = add(x, neg(mul_d(y, q1)))
    q2 = r[0] / y[0]
    r = add(r, neg(mul_d(y, q2)))
    q3 = r[0] / y[0]
    return add_d(fast_two_sum(q1, q2), q3)


def ldexp(x, k):
    """x * 2**k with int32 ``k``; where the result is subnormal its ``hi``
    is still the correctly rounded value of the exact product (``lo`` is then
    the rest, rounded to the subnormal grid)."""
    hi, lo = x
    r = np.ldexp(hi, k)                  # rounds hi alone where subnormal
    sub = np.abs(r) < TINY
    if not np.any(sub):
        return r, np.ldexp(lo, k)
    back = np.ldexp(r, -k)               # exact: r scaled back
    d = hi - back                        # exact: what rounding hi dropped
    step = np.ldexp(np.ones_like(hi), -1074 - k)   # one subnormal, unscaled
    half = 0.5 * step
    up = lo > half - d                   # the dropped part + lo passes a half step
    down = lo < -half - d
    r2 = np.where(up, r + SUB, np.where(down, r - SUB, r))
    rest = np.where(up, (d - step) + lo, np.where(down, (d + step) + lo, d + lo))
    return np.where(sub, r2, r), np.where(sub, np.ldexp(rest, k), np.ldexp(lo, k))


# ---------------------------------------------------------------- exp, log

def expm1(x):
    """e**x - 1 for a double-double |x| <= 1, with full relative accuracy
    near 0: Taylor on x / 2**10, then expm1(2s) = expm1(s) (expm1(s) + 2)."""
    s = x[0] * 2.0 ** -_EXPM1_HALVINGS           # exact
    p = _coef(_EXPM1_DEGREE, s)
    for k in range(_EXPM1_DEGREE - 1, 0, -1):
        p = add(mul_d(p, s), _coef(k, s))
    e = mul_d(p, s)
    for _ in range(_EXPM1_HALVINGS):
        e = mul(e, add_d(e, 2.0))
    # expm1(hi + lo) = expm1(hi) + e**hi * expm1(lo), expm1(lo) = lo to 2**-106
    return add(e, mul_d(add_d(e, 1.0), x[1]))


#: Arguments of :func:`exp_parts` are clamped to this range: exp(-2000) is far
#: below the smallest subnormal, exp(710) above the largest double.
EXP_MIN, EXP_MAX = -2000.0, 710.0


def exp_parts(a):
    """(m, k): e**a == m * 2**k for a float64 array ``a`` (clamped to
    [EXP_MIN, EXP_MAX]), m a double-double in [0.7, 1.42], k int32."""
    a = np.clip(a, EXP_MIN, EXP_MAX)
    k = np.rint(a / LN2_1)
    # r = a - k ln2, with ln2 in three pieces: a - k*LN2_1 is exact
    r = add((a - k * LN2_1, np.zeros_like(a)), neg(two_prod(k, LN2_2)))
    r = add_d(r, -k * LN2_3)
    return add_d(expm1(r), 1.0), k.astype(np.int32)


def log1p(x):
    """log(1 + x) for a double-double x > -1.

    |x| <= 1/2: y0 = log1p(x) in float64, then one Newton step for
    exp(y) = 1 + x written without cancellation: y = y0 + (x + M + x M),
    M = expm1(-y0) (quadratic convergence: 53 -> 106 bits).  Elsewhere
    log(1 + x) by :func:`log`.
    """
    near = log1p_small(x)
    small = np.abs(x[0]) <= 0.5
    if np.all(small):
        return near
    far = log(add_d(x, 1.0))
    return np.where(small, near[0], far[0]), np.where(small, near[1], far[1])


def log(x):
    """log(x) for a double-double x > 0 not within a factor 1.5 of 1
    (where log(x) itself is small use :func:`log1p`): x = f 2**j with f in
    [1/2, 1), log x = j ln2 + log1p(f - 1)."""
    f, j = np.frexp(x[0])
    jj = j.astype(np.int32)
    fdd = add_d((f, np.ldexp(x[1], -jj)), -1.0)
    lf = log1p_small(fdd)
    jf = j.astype(np.float64)
    jl = add((jf * LN2_1, np.zeros_like(jf)), two_prod(jf, LN2_2))
    jl = add_d(jl, jf * LN2_3)
    return add(jl, lf)


def log1p_small(x):
    """:func:`log1p` for |x| <= 1/2 only (the Newton step)."""
    y0 = np.log1p(x[0] + x[1])
    m = expm1((-y0, np.zeros_like(y0)))
    return add_d(add(add(x, m), mul(x, m)), y0)


def to_float32(x):
    """The double-double ``x`` rounded once to float32 (not via float64)."""
    hi, lo = x
    r = hi.astype(np.float32)
    d = hi - r.astype(np.float64)        # exact
    r_up = np.nextafter(r, np.float32(np.inf))
    r_dn = np.nextafter(r, np.float32(-np.inf))
    half_up = 0.5 * (r_up.astype(np.float64) - r)
    half_dn = 0.5 * (r.astype(np.float64) - r_dn)
    finite = np.isfinite(r) & np.isfinite(lo)
    up = finite & (lo > half_up - d)
    down = finite & (lo < -half_dn - d)
    return np.where(up, r_up, np.where(down, r_dn, r))
