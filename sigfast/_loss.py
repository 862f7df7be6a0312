"""Loss functions (placeholder, filled by the loss API work)."""
def binary_cross_entropy_with_logits(*a, **k): raise NotImplementedError
binary_cross_entropy_with_logits_grad = binary_cross_entropy_with_logits
binary_cross_entropy_with_logits_loss_and_grad = binary_cross_entropy_with_logits
binary_cross_entropy = binary_cross_entropy_with_logits
sigmoid_focal_loss = binary_cross_entropy_with_logits
