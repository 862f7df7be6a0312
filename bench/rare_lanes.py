#!/usr/bin/env python
"""Performance floors on the inputs that send float32 lanes to a rare-lane
fallback (issue 23, item 9).

    python bench/rare_lanes.py            # measure, exit 1 if a floor fails
    python bench/rare_lanes.py --rounds 15

Each family is timed interleaved (sigfast._bench.time_interleaved, 1
thread, n = 1e6, the active SIMD level) against the same function on its
benchmark inputs (sigfast._testing.inputs.bench_inputs: the "uniform" case)
and against the NumPy expression of sigfast._bench.peers.  A family with a
floor must be within MAX_VS_UNIFORM of the uniform time and at least
MIN_VS_NUMPY times NumPy's speed (the loss gradient rows: the uniform
bound only, since the loss API allocates its result and NumPy's expression
writes into out=).  Families listed in NO_FLOOR are shown
but not checked: they are not there yet (the reason is beside them).

Measured on a shared 2-core AMD EPYC (Zen 4), avx512, n = 1e6, before ->
after the fix (ms): bce_with_logits_grad z=0, y=1/2: 599 -> 0.74
(uniform 0.74, NumPy 0.87); silu_grad x < -88: 4.19 -> 1.5-1.6, x = -inf:
4.61 -> 1.30 (uniform 0.82, NumPy 1.1-1.8: it moves with the load).
"""
import argparse
import sys

import numpy as np

import sigfast
from sigfast._bench import peers, time_interleaved
from sigfast._testing.inputs import bench_inputs

N = 1_000_000
MIN_VS_NUMPY = 1.0
MAX_VS_UNIFORM = 2.0


def _loss_grad(a, out):
    # the fused gradient (sigfast/_fused.pyx.tp) through the loss API
    return sigfast.binary_cross_entropy_with_logits_grad(*a, reduction="sum")


def _families():
    """{label: (function name, callable(args, out), args)}; the callable is
    sigfast's, the NumPy expression is the function's in peers.COMPARE."""
    rng = np.random.default_rng(23)
    z = (rng.standard_normal(N) * 4).astype(np.float32)
    zero = np.zeros(N, np.float32)
    half = np.full(N, 0.5, np.float32)
    soft = rng.random(N).astype(np.float32)
    own = sigfast.sigmoid(z)
    below = (-88.0 - 30.0 * rng.random(N)).astype(np.float32)
    ninf = np.full(N, -np.inf, np.float32)
    grad = sigfast.bce_with_logits_grad
    fam = {}
    for tag, args in (("z=0,y=1/2", (zero, half)), ("y=sigmoid32(z)", (z, own)),
                      ("soft y", (z, soft))):
        fam[f"bce_with_logits_grad {tag}"] = (
            "bce_with_logits_grad", lambda a, out: grad(*a, out=out), args)
        fam[f"loss gradient {tag}"] = ("bce_with_logits_grad", _loss_grad, args)
    for name in ("silu", "silu_grad"):
        f = getattr(sigfast, name)
        for tag, x in (("x<-88", below), ("x=-inf", ninf)):
            fam[f"{name} {tag}"] = (name, lambda a, out, f=f: f(*a, out=out), (x,))
    return fam


#: Families not yet at the floor, and why (numbers in the issue's report).
NO_FLOOR = {
    # every lane cancels to within ~2**-24 sigma(z): float64 on every lane
    # and double-double (scalar) on ~1/4 of them
    "bce_with_logits_grad y=sigmoid32(z)": "cancellation needs ~2**-80 sigma",
    "loss gradient y=sigmoid32(z)": "cancellation needs ~2**-80 sigma",
    # |sigma(z) - y| < sigma/2 on ~40 % of lanes: float64 on every vector
    "bce_with_logits_grad soft y": "float32 core good to 2**-28 only",
    "loss gradient soft y": "float32 core good to 2**-28 only",
    # 1.9-2.0x uniform: the float64 rescaling of subnormal results (x in
    # (-109, -92)) and subnormal P in the float32 engine (shared by sigmoid:
    # 0.35 -> 0.63 ms below x = -87.3)
    "silu_grad x<-88": "float64 rescaling, subnormal operands in engine32",
}


def measure(rounds):
    sigfast.set_num_threads(1)
    rows = []
    for label, (name, fn, args) in _families().items():
        out = np.empty(N, np.float32)
        uni = tuple(bench_inputs(name, np.float32, N))
        npf = peers.COMPARE[name].numpy
        with np.errstate(all="ignore"):
            t = time_interleaved({
                "family": lambda: fn(args, out),
                "uniform": lambda: fn(uni, out),
                "numpy": lambda: npf(*args, out),
            }, N, rounds=rounds)
        rows.append((label, t.seconds["family"] * 1e3, t.speedup("uniform", "family"),
                     t.speedup("family", "numpy")))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=9)
    a = ap.parse_args(argv)
    failed = []
    print(f"sigfast {sigfast.__version__}, level {sigfast._dispatch.active().level}, "
          f"n = {N}, 1 thread")
    print(f"{'family':40s} {'ms':>8s} {'/uniform':>9s} {'vs numpy':>9s}  floor")
    for label, ms, vs_uni, vs_np in measure(a.rounds):
        if label in NO_FLOOR:
            status = f"none ({NO_FLOOR[label]})"
        elif vs_uni <= MAX_VS_UNIFORM and (vs_np >= MIN_VS_NUMPY or label.startswith("loss")):
            status = "ok"
        else:
            status = f"FAILED (<= {MAX_VS_UNIFORM}x uniform, >= {MIN_VS_NUMPY}x numpy)"
            failed.append(label)
        print(f"{label:40s} {ms:8.2f} {vs_uni:8.2f}x {vs_np:8.2f}x  {status}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
