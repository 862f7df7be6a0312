"""float64 results in the subnormal range are rounded once (issue 20, item 3).

The (hi, lo) pairs of sigfast._testing.mpref cannot measure this: below
2**-1022 a float64 lo word has no bits under the result's last place, so
the error is measured here in mpmath itself, |got - exact| / 2**-1074.

Bound: 0.5 ulp (the one rounding into the subnormals) plus the kernel's
normal-range error before its last rounding, NORMAL[name] - 0.5 ulps of a
53-bit significand at the result's magnitude (NORMAL: the float64
normal-range maxima of docs/accuracy.md, rounded up).  Where the kernel
rounded its result to 53 bits and then again into the subnormals (the
earlier kernels), a result that lands on a midpoint of the subnormal grid
was rounded a second time: up to 0.93 ulp, which this bound catches.
"""
import mpmath
import numpy as np
import pytest

from sigfast._testing.mpref import EXACT

NORMAL = {"sigmoid_grad": 0.55, "log_sigmoid": 0.63, "softplus": 0.70}
#: x whose float64 result is subnormal (and a little beyond each end)
RANGE = {"sigmoid_grad": (-746.0, -708.0), "softplus": (-746.0, -708.0),
         "log_sigmoid": (708.0, 746.0)}
U = mpmath.ldexp(1, -1074)
TINY = mpmath.ldexp(1, -1022)


def inputs(name):
    lo, hi = RANGE[name]
    rng = np.random.default_rng(20)
    xs = [rng.uniform(lo, hi, 1500),
          # the top binades of the subnormals, where a 53-bit result lands
          # on a midpoint of the subnormal grid most often
          rng.uniform(lo, lo + 3, 500) if lo > 0 else rng.uniform(hi - 3, hi, 500)]
    return np.concatenate(xs)


@pytest.mark.parametrize("name", sorted(NORMAL))
def test_subnormal_results_rounded_once(kern, name):
    xs = inputs(name)
    got = getattr(kern, name)(xs)
    worst, n_sub = (0.0, None), 0
    with mpmath.workprec(200):
        for x, g in zip(xs, got):
            v = EXACT[name](mpmath.mpf(float(x)))
            if abs(v) >= TINY or v == 0:
                continue
            n_sub += 1
            err = abs(mpmath.mpf(float(g)) - v) / U
            # the normal-range error, in ulps of a 53-bit significand at |v|
            ulp53 = mpmath.ldexp(1, int(mpmath.floor(mpmath.log(abs(v), 2))) - 52)
            excess = err - (0.5 + (NORMAL[name] - 0.5) * ulp53 / U)
            if excess > worst[0]:
                worst = (float(excess), (float(x), float(g), float(err)))
    assert n_sub > 1500
    assert worst[0] <= 0, (name, worst)


def test_reference_rounds_subnormals_once():
    # mpref's pairs: float(mpf) rounded 3.5 units - tiny to 4 units (53 bits,
    # then the subnormal grid), which made correct results read 1 ulp off.
    from sigfast._testing.mpref import _to_pair
    with mpmath.workprec(200):
        tiny = mpmath.ldexp(1, -60)
        assert _to_pair(U * (mpmath.mpf(3.5) - tiny))[0] == 3 * 2.0 ** -1074
        assert _to_pair(U * (mpmath.mpf(2.5) + tiny))[0] == 3 * 2.0 ** -1074
        assert _to_pair(-U * mpmath.mpf(2.5))[0] == -2 * 2.0 ** -1074
        assert _to_pair(mpmath.mpf(0.1)) == (0.1, float(mpmath.mpf(0.1) - 0.1))
