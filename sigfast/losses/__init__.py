"""sigfast's loss functions (re-exported by the package face).

* :mod:`._logits`: binary cross-entropy from logits, its gradient and both
  at once, over the fused compiled pass; dask inputs go to :mod:`._dask`.
* :mod:`._probs`: binary cross-entropy from probabilities, focal loss.
* :mod:`._validate`: argument checking and broadcasting, shared by all.
* :mod:`._reduction`: the sum/mean/axis/empty rule every path follows.
* :mod:`._containers`: the public functions are the NumPy ones wrapped for
  xarray (:mod:`._xarray`), pandas (:mod:`._pandas`), ``np.ma``
  (:mod:`._masked`) and dask (:mod:`._dask_probs` for the :mod:`._probs`
  functions).
"""
from . import _logits, _probs
from ._containers import adapt
from ._validate import plain_first

binary_cross_entropy_with_logits = plain_first(adapt(
    _logits.binary_cross_entropy_with_logits, kind="loss", names=("logits", "targets"),
    fused=True), 0)
binary_cross_entropy_with_logits_grad = plain_first(adapt(
    _logits.binary_cross_entropy_with_logits_grad, kind="grad", names=("logits", "targets"),
    fused=True), 1)
binary_cross_entropy_with_logits_loss_and_grad = plain_first(adapt(
    _logits.binary_cross_entropy_with_logits_loss_and_grad, kind="loss_and_grad",
    names=("logits", "targets"), fused=True), 2)
binary_cross_entropy = adapt(_probs.binary_cross_entropy, kind="loss",
                             names=("probs", "targets"), fused=False)
sigmoid_focal_loss = adapt(_probs.sigmoid_focal_loss, kind="loss",
                           names=("logits", "targets"), fused=False)

__all__ = [
    "binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits_grad",
    "binary_cross_entropy_with_logits_loss_and_grad", "binary_cross_entropy",
    "sigmoid_focal_loss",
]
