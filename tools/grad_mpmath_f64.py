"""Max ulp error of the float64 bce_with_logits_grad against mpmath.

    python tools/grad_mpmath_f64.py [--level avx2] [--n 4000] [--seed 1]

The gradient sigma(z) - y of every SIMD level (default: all that run here)
over 4 x N logits (normal at two scales, log-uniform up to 745 with both
signs, tiny) and five target sets: 0, 1, 0.5, uniform random, and
sigma(z) itself (the cancelling case: known to go beyond 1 ulp, since the
float64 sigma carries ~2**-65 relative and sigma(z) - y cancels more bits
than that).  The reference is sigfast._testing.mpref's exact formula at
its working precision.  About 10 s per level and target set at N = 4000.
"""
import argparse
import time

import numpy as np

from sigfast import _dispatch
from sigfast._testing.mpref import exact
from sigfast._testing.ulp import ulp_errors


def logits(n, seed):
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.standard_normal(n) * 5, rng.standard_normal(n) * 40,
                           np.exp(rng.uniform(-40, np.log(745), n)) * rng.choice([-1, 1], n),
                           rng.uniform(-1e-3, 1e-3, n)])


def targets(name, z, seed):
    if name == "random":
        return np.random.default_rng(seed + 1).random(z.size)
    if name == "sigma(z)":
        with np.errstate(over="ignore"):
            return 1 / (1 + np.exp(-z))
    return np.full(z.size, float(name))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--level", action="append", help="SIMD level (repeatable; default: all)")
    ap.add_argument("--n", type=int, default=4000, help="logits per family (4 families)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    z = logits(a.n, a.seed)
    print(f"bce_with_logits_grad float64 vs mpmath, {z.size} logits per target set")
    print("| level | targets | max ulp | at z | at y | > 1 ulp |")
    print("|---|---|---|---|---|---|")
    for name in ("0", "1", "0.5", "random", "sigma(z)"):
        y = targets(name, z, a.seed)
        t0 = time.time()
        hi, lo = exact("bce_with_logits_grad", z, y)
        for lv in a.level or _dispatch.runnable_levels():
            err = ulp_errors(_dispatch.load(lv).bce_with_logits_grad(z, y), hi, lo, np.float64)
            i = int(np.argmax(err))
            print(f"| {lv} | {name} | {err[i]:.3f} | {z[i]!r} | {y[i]!r} | "
                  f"{int(np.count_nonzero(err > 1))} |  ({time.time() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
