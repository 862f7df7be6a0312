"""Per-call time of the BCE-with-logits loss API at mini-batch sizes against
PyTorch (issue 21, item 2): ``python bench/loss_per_call.py``.

n = 10, 100, 1000; float32 and float64; the loss (mean), the gradient and
loss_and_grad, against ``torch.nn.functional.binary_cross_entropy_with_logits``
(for the gradient and both: the loss, then ``torch.autograd.grad`` of it),
with ``torch.set_num_threads(1)`` and ``sigfast.set_num_threads(1)``.
Each figure is the best of 5 repeats of a calibrated loop, candidates
interleaved, 3 rounds; the row gives the median round.  Floor: sigfast at
most half of PyTorch's time (ratio torch / sigfast >= 2).  Exit 1 if a row
misses it.
"""
import sys
import timeit

import numpy as np

import sigfast


def per_call(f, target=0.02):
    number = 1
    while True:
        t = timeit.timeit(f, number=number)
        if t > target:
            break
        number *= 4
    return min(timeit.repeat(f, number=number, repeat=5)) / number


def main():
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(1)
    sigfast.set_num_threads(1)
    L = sigfast.binary_cross_entropy_with_logits
    G = sigfast.binary_cross_entropy_with_logits_grad
    LG = sigfast.binary_cross_entropy_with_logits_loss_and_grad
    rng = np.random.default_rng(0)
    rows, ok = [], True
    for dt in (np.float32, np.float64):
        for n in (10, 100, 1000):
            z = (rng.standard_normal(n) * 3).astype(dt)
            y = (rng.random(n) < 0.5).astype(dt)
            tz, ty = torch.from_numpy(z), torch.from_numpy(y)
            tzg = tz.clone().requires_grad_(True)

            def t_grad():
                return torch.autograd.grad(F.binary_cross_entropy_with_logits(tzg, ty), tzg)[0]

            def t_lg():
                loss = F.binary_cross_entropy_with_logits(tzg, ty)
                return loss, torch.autograd.grad(loss, tzg)[0]

            pairs = {"loss": (lambda: L(z, y), lambda: F.binary_cross_entropy_with_logits(tz, ty)),
                     "grad": (lambda: G(z, y), t_grad),
                     "loss_and_grad": (lambda: LG(z, y), t_lg)}
            for what, (s, t) in pairs.items():
                rounds = sorted((per_call(t) / per_call(s), per_call(s), per_call(t))
                                for _ in range(3))
                ratio, ts, tt = rounds[1]
                ok &= ratio >= 2
                rows.append((np.dtype(dt).name, n, what, ts * 1e6, tt * 1e6, ratio))
    print("| dtype | n | call | sigfast us | torch us | torch / sigfast |")
    print("|---|---:|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]:.2f} | {r[4]:.2f} | {r[5]:.2f}x |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
