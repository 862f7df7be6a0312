"""The partial last vector of a contiguous call.

Where input and output do not overlap, the kernels compute the last whole
vector again, ending at n, instead of going through a zero-padded buffer;
in place, or below one vector, they use the buffer.  Either way every
element must be the value its own input gives, bit for bit (the kernels'
lanes are independent), at every SIMD level.
"""
import numpy as np
import pytest

from sigfast._registry import UFUNCS

SIZES = list(range(1, 70)) + [97, 100, 127, 129, 1000, 1001]


def bits(a):
    return np.ascontiguousarray(a).view(np.uint32 if a.dtype == np.float32 else np.uint64)


@pytest.mark.parametrize("u", UFUNCS, ids=lambda u: u.name)
def test_tail_elements_match_single_element_calls(kern, u, dtype):
    f = getattr(kern, u.name)
    rng = np.random.default_rng(5)
    xmax = max(SIZES)
    args = [rng.uniform(-3, 3, xmax).astype(dtype)]
    if u.name == "logit" or u.name == "sigmoid_grad_from_output":
        args = [rng.uniform(0, 1, xmax).astype(dtype)]
    if u.nin == 2:
        args.append(rng.uniform(0, 1, xmax).astype(dtype))
    single = np.array([f(*[a[i:i + 1] for a in args])[0] for i in range(xmax)], dtype)
    for n in SIZES:
        ins = [a[:n].copy() for a in args]
        out = np.full(n, np.nan, dtype)
        f(*ins, out=out)
        assert np.array_equal(bits(out), bits(single[:n])), (u.name, n, "out of place")
        # in place: the first input is the output
        f(*ins, out=ins[0])
        assert np.array_equal(bits(ins[0]), bits(single[:n])), (u.name, n, "in place")
