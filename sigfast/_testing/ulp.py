"""The one ulp metric.

The exact value is given as a double-word pair ``(hi, lo)`` (hi = the exact
value rounded to the working type, lo = the rest): float64 pairs (about 107
bits on every platform) for float16/32/64 and bfloat16 results, long double
pairs for long double results (whose range and precision float64 cannot
hold).  The error of ``got`` is ``|got - (hi + lo)|`` in ulps of the exact
value in the output dtype; where the exact value is subnormal the ulp is the
subnormal spacing (2**-149 / 2**-1074 / 2**-16445 for x87 extended), so a
result flushed to 0 counts as millions of ulps, as it should.
"""
import numpy as np

#: ml_dtypes.bfloat16 (a NumPy user dtype whose np.finfo fails): precision,
#: minimum normal exponent, largest finite value.
BFLOAT16 = (8, -126, 3.3895313892515355e38)


def float_format(dtype):
    """(precision p, minimum exponent emin, largest finite) of a floating
    dtype: the ulp of x is 2**(max(floor(log2|x|), emin) - p + 1)."""
    dt = np.dtype(dtype)
    if dt.name == "bfloat16":
        return BFLOAT16
    fi = np.finfo(dt)
    return fi.nmant + 1, int(fi.minexp), fi.max


def work_type(dtype):
    """The type a pair (hi, lo) and the metric use for results of ``dtype``."""
    return np.longdouble if np.dtype(dtype) == np.longdouble else np.float64


def longdouble_is_double():
    """True where long double is IEEE double (MSVC, macOS arm64)."""
    return np.finfo(np.longdouble).nmant == np.finfo(np.float64).nmant


def split_longdouble(x):
    """(hi, lo) float64 arrays of a long-double array (exact when long double
    has at most 106 bits; where it is plain double, lo is 0)."""
    x = np.asarray(x, dtype=np.longdouble)
    with np.errstate(invalid="ignore", over="ignore"):
        hi = x.astype(np.float64)
        lo = np.where(np.isfinite(hi), (x - hi).astype(np.float64), 0.0)
    return hi, lo


def ulp_errors(got, hi, lo, dtype, allowance=None):
    """Error of ``got`` in ulps of the exact ``hi + lo`` in ``dtype``.

    Both NaN, or the same infinity: 0.  An infinite ``got`` for a finite
    exact value beyond the dtype's largest finite number (of the same sign):
    0.  Any other mismatch of NaN/inf: inf.  ``allowance``: an absolute
    error (array or scalar) forgiven on top, e.g. for a result that cancels.
    """
    W = work_type(dtype)
    p, emin, fmax = float_format(dtype)
    g = np.asarray(got).astype(W)
    hi = np.asarray(hi, W)
    lo = np.asarray(lo, W)
    with np.errstate(all="ignore"):
        mag = np.abs(hi)
        e = np.floor(np.log2(np.where(mag > 0, mag, W(1))))
        # log2 can round up to the next binade just below a power of two,
        # and an exact value just below a power of two has hi == 2**e, lo < 0
        e = np.where(np.exp2(e) > mag, e - 1, e)
        e = np.where((np.exp2(e) == mag) & (lo * np.sign(hi) < 0), e - 1, e)
        ulp = np.exp2(np.maximum(e, emin) - p + 1)
        diff = np.abs((g - hi) - lo)
        if allowance is not None:
            diff = np.maximum(diff - np.asarray(allowance, W), W(0))
        err = diff / ulp
    both_nan = np.isnan(g) & np.isnan(hi)
    same_inf = np.isinf(hi) & (g == hi)
    overflow = (np.isinf(g) & np.isfinite(hi) & (np.abs(hi) > fmax)
                & (np.sign(g) == np.sign(hi)))
    err = np.where(both_nan | same_inf | overflow, 0.0, err)
    bad = (np.isnan(g) | np.isnan(hi) | np.isinf(g) | np.isinf(hi)) & ~(
        both_nan | same_inf | overflow)
    return np.where(bad, np.inf, err)
