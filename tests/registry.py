"""One registry drives every ufunc through dtypes, layouts and threads."""
import numpy as np

from sigfast import _ref

UNARY = list(_ref.UNARY)
BINARY = list(_ref.BINARY)
ALL = UNARY + BINARY


def sample(name, dtype, n, seed=0):
    """Typical-range inputs for ``name`` (a tuple of arrays)."""
    rng = np.random.default_rng(seed)
    if name in ("logit", "sigmoid_grad_from_output"):
        return (rng.uniform(0, 1, n).astype(dtype),)
    x = (rng.standard_normal(n) * 6).astype(dtype)
    if name in BINARY:
        y = rng.uniform(0, 1, n).astype(dtype)
        y[: n // 3] = np.round(y[: n // 3])
        return x, y
    return (x,)


def tolerance(dtype):
    """rtol for the longdouble twin on typical inputs (a few ulp)."""
    return 4 * float(np.finfo(dtype).eps)
