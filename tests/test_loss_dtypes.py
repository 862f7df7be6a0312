"""dtype of the losses: NumPy's promotion rules with Python scalars weak
(NEP 50), as the ufuncs follow them (issue 13, item 9).

A float32 loss with a Python float target (``bce(z32, 1.0)``) used to
return float64 and make float64 copies of the inputs, and so did a float64
``weight=`` in ``binary_cross_entropy``.  Now:

* the loss dtype is the promotion of the logits (or probabilities) and the
  targets, Python scalars weak, NumPy scalars and arrays strong;
* weights never change it (PyTorch keeps the input's dtype);
* integer and bool inputs promote as the ufuncs' loops do (int8 -> float16,
  int16 -> float32, wider -> float64); float16 is computed in float32 and
  the result stays float32;
* long double computes in long double, through the ufuncs' long double loops.
"""
import tracemalloc

import numpy as np
import pytest

import sigfast

BCE = {
    "bce": sigfast.binary_cross_entropy_with_logits,
    "bce_grad": sigfast.binary_cross_entropy_with_logits_grad,
    "bce_loss_and_grad": sigfast.binary_cross_entropy_with_logits_loss_and_grad,
}
ALL = dict(BCE, focal=sigfast.sigmoid_focal_loss, probs=sigfast.binary_cross_entropy)


def dtypes_of(result):
    parts = result if isinstance(result, tuple) else (result,)
    return {np.asarray(r).dtype for r in parts}


def inputs(name, dtype, n=64):
    rng = np.random.default_rng(0)
    z = (rng.standard_normal(n) * 3).astype(dtype)
    if name == "probs":
        z = rng.uniform(0.01, 0.99, n).astype(dtype)
    y = (rng.random(n) > 0.5).astype(dtype)
    return z, y


# (target, expected loss dtype) for float32 logits
TARGETS_F32 = [
    (1.0, np.float32), (0, np.float32), (True, np.float32),          # weak Python scalars
    (np.float32(1.0), np.float32), (np.float64(1.0), np.float64),    # strong NumPy scalars
    (np.array(1.0), np.float64), (np.array(1.0, np.float32), np.float32),
]


@pytest.mark.parametrize("target,want", TARGETS_F32, ids=repr)
@pytest.mark.parametrize("name", list(ALL))
@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_float32_with_scalar_targets(name, reduction, target, want):
    z, _ = inputs(name, np.float32)
    got = ALL[name](z, target, reduction=reduction)
    assert dtypes_of(got) == {np.dtype(want)}
    # the values: those of the equal-dtype call
    full = np.full(z.shape, target, want)
    ref = ALL[name](z.astype(want), full, reduction=reduction)
    for g, r in zip(got if isinstance(got, tuple) else (got,),
                    ref if isinstance(ref, tuple) else (ref,)):
        np.testing.assert_array_equal(g, r)


@pytest.mark.parametrize("name", list(ALL))
def test_promotion_of_arrays(name):
    f = ALL[name]
    z32, y32 = inputs(name, np.float32)
    assert dtypes_of(f(z32, y32)) == {np.dtype(np.float32)}
    assert dtypes_of(f(z32, y32.astype(np.float64))) == {np.dtype(np.float64)}
    assert dtypes_of(f(z32.astype(np.float64), y32)) == {np.dtype(np.float64)}
    assert dtypes_of(f(z32.astype(np.float16), y32.astype(np.float16))) \
        == {np.dtype(np.float32)}                   # float16: computed in float32
    yi = y32.astype(np.int8)
    assert dtypes_of(f(z32, yi)) == {np.dtype(np.float32)}
    assert dtypes_of(f(z32.astype(np.float16), yi)) == {np.dtype(np.float32)}
    assert dtypes_of(f(z32, y32.astype(np.int64))) == {np.dtype(np.float64)}
    if name != "probs":
        assert dtypes_of(f(np.array([0, 1, -2]), np.array([1, 0, 1]))) \
            == {np.dtype(np.float64)}
    # two Python scalars: NumPy's default float
    assert dtypes_of(f(0.25 if name == "probs" else 0.5, 1.0)) == {np.dtype(np.float64)}


@pytest.mark.parametrize("name", list(ALL))
def test_weights_never_change_the_dtype(name):
    z, y = inputs(name, np.float32)
    kws = [{"weight": np.full(z.shape, 0.5)}, {"weight": 0.5}, {"weight": np.float64(2)}]
    if name in BCE:
        kws += [{"pos_weight": np.float64(2.0)}, {"pos_weight": np.full(1, 2.0)}]
    if name == "focal":
        kws = [{"alpha": np.float64(0.5), "gamma": np.float64(1.5)}]
    for kw in kws:
        for reduction in ("none", "sum"):
            assert dtypes_of(ALL[name](z, y, reduction=reduction, **kw)) \
                == {np.dtype(np.float32)}, kw


@pytest.mark.parametrize("name", list(ALL))
def test_longdouble_computes_in_longdouble_like_the_ufuncs(name):
    z, y = inputs(name, np.float64)
    assert sigfast.sigmoid(z.astype(np.longdouble)).dtype == np.longdouble
    for args in ((z.astype(np.longdouble), y), (z, y.astype(np.longdouble))):
        got = ALL[name](*args)
        got = got[0] if isinstance(got, tuple) else got
        assert np.asarray(got).dtype == np.longdouble


@pytest.mark.parametrize("name", list(ALL))
def test_no_float64_copies_of_float32_inputs(name):
    # 2**20 float32 elements = 4 MiB.  A float64 copy of the logits alone
    # is 8 MiB; the float32 computation needs the targets broadcast (4 MiB)
    # and a few float32 temporaries.  NumPy reports its data buffers to
    # tracemalloc.
    n = 1 << 20
    z, _ = inputs(name, np.float32, n)
    kw = {"reduction": "mean"}
    if name != "focal":
        kw["weight"] = np.float64(0.5)
    ALL[name](z[:10], 1.0, **kw)                            # warm up imports
    tracemalloc.start()
    try:
        result = ALL[name](z, 1.0, **kw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert dtypes_of(result) == {np.dtype(np.float32)}
    # measured here: 1, 2, 2, 4, 4 x the input (before: 4, 6, 6, 10, 12)
    limit = {"bce": 2, "bce_grad": 3, "bce_loss_and_grad": 3, "probs": 5, "focal": 6}[name]
    assert peak <= limit * z.nbytes + (1 << 16), (peak / z.nbytes)
