"""Typed usage of the public sigfast API.

tests/test_typing.py runs mypy (``--strict``) on this file, which must pass
with no error: every ``assert_type`` below is checked by mypy against
sigfast/__init__.pyi.  The same file is also executed as plain Python
(``assert_type`` is a no-op at run time), and its ``assert`` statements check
the values, so the sample cannot drift from what the API really does.
"""
import io
from typing import Any, Literal, assert_type

import numpy as np
from numpy.typing import NDArray

import sigfast


def main() -> None:
    x64: NDArray[np.float64] = np.linspace(-4.0, 4.0, 9)
    x32: NDArray[np.float32] = x64.astype(np.float32)
    x16: NDArray[np.float16] = x64.astype(np.float16)
    y64: NDArray[np.float64] = np.linspace(0.0, 1.0, 9)

    # ufuncs: dtype in -> dtype out
    s64 = sigfast.sigmoid(x64)
    assert_type(s64, NDArray[np.float64])
    s32 = sigfast.sigmoid(x32)
    assert_type(s32, NDArray[np.float32])
    assert_type(sigfast.silu(x16), NDArray[np.float16])
    assert_type(sigfast.expit([0.0, 1.0]), NDArray[np.float64])
    assert s64.dtype == np.float64 and s32.dtype == np.float32
    assert sigfast.silu(x16).dtype == np.float16
    xld: NDArray[np.longdouble] = x64.astype(np.longdouble)
    assert_type(sigfast.expit(xld), NDArray[np.longdouble])
    assert_type(sigfast.bce_with_logits(xld, xld), NDArray[np.longdouble])
    assert sigfast.expit(xld).dtype == np.longdouble

    # scalars
    h = sigfast.sigmoid(0.0)
    assert_type(h, np.float64)
    assert h == 0.5
    assert_type(sigfast.softplus(np.float32(0.0)), np.float32)
    assert_type(sigfast.log_expit(np.float64(0.0)), np.float64)
    assert_type(sigfast.bce_with_logits(0.0, 1.0), np.float64)
    assert sigfast.bce_with_logits_grad(0.0, 1.0) == -0.5

    # out= returns the out array, typed as such
    buf = np.empty_like(x32)
    r = sigfast.sigmoid(x32, out=buf)
    assert_type(r, NDArray[np.float32])
    assert r is buf
    r2 = sigfast.log_sigmoid(x64, where=x64 > 0, out=np.zeros_like(x64))
    assert_type(r2, NDArray[np.float64])
    assert r2[0] == 0.0

    # binary ufuncs, and the ufunc object itself
    g = sigfast.bce_with_logits_grad(x64, y64)
    assert_type(g, NDArray[np.float64])
    assert_type(sigfast.bce_with_logits(x32, x32), NDArray[np.float32])
    uf: np.ufunc = sigfast.logit
    assert uf.nin == 1 and sigfast.bce_with_logits.nin == 2
    assert_type(sigfast.sigmoid.nin, Literal[1])
    assert_type(sigfast.bce_with_logits.nin, Literal[2])
    assert sigfast.sigmoid.types == ["e->e", "f->f", "d->d", "g->g"]
    assert all(isinstance(f, np.ufunc) for f in sigfast.UFUNCS.values())

    # losses
    m = sigfast.binary_cross_entropy_with_logits(x64, y64)
    assert_type(m, np.floating[Any])
    assert float(m) > 0
    per = sigfast.binary_cross_entropy_with_logits(x64, y64, reduction="none", pos_weight=2.0)
    assert_type(per, NDArray[np.floating[Any]])
    assert per.shape == (9,)
    rows = sigfast.binary_cross_entropy_with_logits(
        x64.reshape(3, 3), y64.reshape(3, 3), reduction="sum", axis=-1,
        weight=np.ones(3), label_smoothing=0.1)
    assert_type(rows, NDArray[np.floating[Any]])
    assert rows.shape == (3,)
    into: NDArray[np.float64] = np.empty(())
    assert_type(sigfast.binary_cross_entropy_with_logits(x64, y64, out=into), NDArray[np.float64])
    gr = sigfast.binary_cross_entropy_with_logits_grad(x64, y64, reduction="sum")
    assert_type(gr, NDArray[np.floating[Any]])
    loss, grad = sigfast.binary_cross_entropy_with_logits_loss_and_grad(x64, y64)
    assert_type(loss, np.floating[Any])
    assert_type(grad, NDArray[np.floating[Any]])
    assert loss == m and grad.shape == x64.shape
    bce = sigfast.binary_cross_entropy(sigfast.sigmoid(x64), y64, eps=1e-7)
    assert_type(bce, np.floating[Any])
    fl = sigfast.sigmoid_focal_loss(x64, y64, alpha=-1, gamma=0.0)
    assert_type(fl, NDArray[np.floating[Any]])
    assert_type(sigfast.sigmoid_focal_loss(x64, y64, reduction="mean"), np.floating[Any])

    # threads and configuration
    before = sigfast.set_num_threads(1)
    assert_type(before, int)
    assert sigfast.get_num_threads() == 1
    with sigfast.num_threads(2):
        assert sigfast.get_num_threads() == 2
    sigfast.set_num_threads(None)
    assert_type(sigfast.get_num_threads(), int)
    text = io.StringIO()
    sigfast.show_config(file=text)
    assert "sigfast" in text.getvalue()
    level: str = sigfast.simd_level
    assert level in ("baseline", "avx2", "avx512")
    version: str = sigfast.__version__
    assert version


if __name__ == "__main__":
    main()
