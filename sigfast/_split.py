"""glu_split: PyTorch's ``F.glu(x, dim)`` layout over the ``glu`` ufunc."""
import numpy as np

from . import _dispatch

try:                                    # NumPy >= 2.0
    from numpy.lib.array_utils import normalize_axis_index as _normalize_axis
except ImportError:                     # NumPy 1.x
    from numpy.core.multiarray import normalize_axis_index as _normalize_axis


def glu_split(x, axis=-1, out=None):
    """Gated linear unit of one array split in halves along ``axis``:
    ``glu(first, second) = first * sigmoid(second)``, as
    ``torch.nn.functional.glu(x, dim=axis)`` and ``jax.nn.glu(x, axis)``.

    The halves are views (nothing is copied) and the product is the ``glu``
    ufunc's (within 1 ulp, finite wherever the exact value is); ``out``, if
    given, must have ``x``'s shape with ``axis`` halved.  An odd length along
    ``axis`` raises ValueError naming the axis and its size (as PyTorch
    does); a bad axis raises numpy's AxisError.
    """
    glu = _dispatch.active().ufuncs.glu
    x = np.asanyarray(x)
    ax = _normalize_axis(axis, x.ndim)
    n = x.shape[ax]
    if n % 2:
        raise ValueError(f"glu_split: the halved axis must have an even size, "
                         f"but axis {axis} has size {n}")
    lo = [slice(None)] * x.ndim
    hi = [slice(None)] * x.ndim
    lo[ax] = slice(0, n // 2)
    hi[ax] = slice(n // 2, n)
    return glu(x[tuple(lo)], x[tuple(hi)], out=out)
