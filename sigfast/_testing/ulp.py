"""The one ulp metric.

The exact value is given as a double-double pair ``(hi, lo)`` of float64
arrays (hi = the exact value rounded to float64, lo = the rest), which
carries about 107 bits on every platform.  The error of ``got`` is
``|got - (hi + lo)|`` in ulps of the exact value in the output dtype; where
the exact value is subnormal the ulp is the subnormal spacing (2**-149 /
2**-1074), so a result flushed to 0 counts as millions of ulps, as it should.
"""
import numpy as np


def ulp_errors(got, hi, lo, dtype, allowance=None):
    """Error of ``got`` in ulps of the exact ``hi + lo`` in ``dtype``.

    Both NaN, or the same infinity: 0.  An infinite ``got`` for a finite
    exact value beyond the dtype's largest finite number (of the same sign):
    0.  Any other mismatch of NaN/inf: inf.  ``allowance``: an absolute
    error (array or scalar) forgiven on top, e.g. for a result that cancels.
    """
    dt = np.dtype(dtype)
    fi = np.finfo(dt)
    g = np.asarray(got).astype(np.float64)
    hi = np.asarray(hi, np.float64)
    lo = np.asarray(lo, np.float64)
    p = fi.nmant + 1
    emin = int(fi.minexp)
    with np.errstate(all="ignore"):
        mag = np.abs(hi)
        e = np.floor(np.log2(np.where(mag > 0, mag, 1.0)))
        # log2 can round up to the next binade just below a power of two,
        # and an exact value just below a power of two has hi == 2**e, lo < 0
        e = np.where(np.exp2(e) > mag, e - 1, e)
        e = np.where((np.exp2(e) == mag) & (lo * np.sign(hi) < 0), e - 1, e)
        ulp = np.exp2(np.maximum(e, emin) - p + 1)
        diff = np.abs((g - hi) - lo)
        if allowance is not None:
            diff = np.maximum(diff - np.asarray(allowance, np.float64), 0.0)
        err = diff / ulp
    both_nan = np.isnan(g) & np.isnan(hi)
    same_inf = np.isinf(hi) & (g == hi)
    overflow = (np.isinf(g) & np.isfinite(hi) & (np.abs(hi) > float(fi.max))
                & (np.sign(g) == np.sign(hi)))
    err = np.where(both_nan | same_inf | overflow, 0.0, err)
    bad = (np.isnan(g) | np.isnan(hi) | np.isinf(g) | np.isinf(hi)) & ~(
        both_nan | same_inf | overflow)
    return np.where(bad, np.inf, err)
