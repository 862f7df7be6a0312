"""sigfast's loss functions (re-exported by the package face).

* :mod:`._logits`: binary cross-entropy from logits, its gradient and both
  at once, over the fused compiled pass; dask inputs go to :mod:`._dask`.
* :mod:`._probs`: binary cross-entropy from probabilities, focal loss.
* :mod:`._validate`: argument checking and broadcasting, shared by all.
"""
from ._logits import (
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_grad,
    binary_cross_entropy_with_logits_loss_and_grad,
)
from ._probs import binary_cross_entropy, sigmoid_focal_loss

__all__ = [
    "binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits_grad",
    "binary_cross_entropy_with_logits_loss_and_grad", "binary_cross_entropy",
    "sigmoid_focal_loss",
]
