#!/usr/bin/env python
"""The fused loss against itself and its peers, option by option.

    python bench/loss_options.py                       # n = 1e5, 1e7; both dtypes
    python bench/loss_options.py --sizes 1e6 --dtypes float32 --rounds 9

One table per (dtype, n); each row is a ratio of medians of candidates timed
interleaved in one process (sigfast._bench.timer), 1 thread unless said:

* jax / torch: a `jax.jit`-compiled stable BCE (mean and sum: XLA fuses it
  into one pass) and `F.binary_cross_entropy_with_logits`, each over
  sigfast's loss with the same reduction (> 1: sigfast is faster);
* weight + pos_weight / plain: the loss with an elementwise `weight` and a
  per-class `pos_weight` (100 classes) over the plain call (< 1.3 wanted);
* separate / loss_and_grad: loss then gradient as two calls over
  `binary_cross_entropy_with_logits_loss_and_grad` (one pass; > 1.5 wanted);
* none / ufunc: `reduction="none"` over the `bce_with_logits` ufunc, which
  like it returns a new array (< 1.1 wanted); and over the ufunc writing into
  a preallocated array (out=), which at 1e7 saves the page faults of a fresh
  40-80 MB result that any call returning a new array pays;
* 1 thread / 2 threads: the mean loss (n >= 1e6 only; needs an idle machine).

JAX's thread pool runs on one CPU and the rest of the process on the others
(sigfast._bench.peers.load_jax_on_one_cpu, which says what that costs JAX);
PyTorch runs 1 thread.

Peers that are not installed are left out.  Never part of the unit tests.
"""
import argparse
import os

# JAX's CPU thread pool is fixed at import: single-threaded, as sigfast's 1.
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                                   "intra_op_parallelism_threads=1")

import numpy as np  # noqa: E402

import sigfast  # noqa: E402
from sigfast._bench import peers as P  # noqa: E402
from sigfast._bench.runner import set_threads  # noqa: E402
from sigfast._bench.timer import time_interleaved  # noqa: E402
from sigfast._testing.inputs import bench_inputs  # noqa: E402

BCE = sigfast.binary_cross_entropy_with_logits
BCE_GRAD = sigfast.binary_cross_entropy_with_logits_grad
BCE_LG = sigfast.binary_cross_entropy_with_logits_loss_and_grad
CLASSES = 100


def jax_loss(jax, reduce):
    jnp = jax.numpy

    def f(z, y):
        t = jnp.maximum(z, 0) - z * y + jnp.log1p(jnp.exp(-jnp.abs(z)))
        return jnp.mean(t) if reduce == "mean" else jnp.sum(t)
    return jax.jit(f)


def rows_for(dtype, n, rounds):
    z, y = bench_inputs("binary_cross_entropy_with_logits", dtype, n)
    n = z.size - z.size % CLASSES
    z, y = z[:n].reshape(-1, CLASSES), y[:n].reshape(-1, CLASSES)
    rng = np.random.default_rng(1)
    w = rng.uniform(0.5, 2, z.shape).astype(dtype)
    pw = rng.uniform(0.5, 3, CLASSES).astype(dtype)
    out = np.empty_like(z)
    rows = []

    def add(label, fast, slow, t, want=None):
        rows.append((label, t.speedup(fast, slow), want))

    jax, torch = P.load_peer("jax"), P.load_peer("torch")
    for red in ("mean", "sum"):
        c = {"sigfast": lambda red=red: BCE(z, y, reduction=red)}
        if jax is not None:
            f = jax_loss(jax, red)
            jz, jy = jax.device_put(z), jax.device_put(y)
            c["jax"] = lambda f=f, jz=jz, jy=jy: f(jz, jy).block_until_ready()
        if torch is not None:
            F = torch.nn.functional
            tz, ty = torch.from_numpy(z), torch.from_numpy(y)
            c["torch"] = lambda red=red: F.binary_cross_entropy_with_logits(tz, ty, reduction=red)
        t = time_interleaved(c, z.size, rounds=rounds)
        for peer in ("jax", "torch"):
            if peer in c:
                add(f"{peer} / sigfast ({red})", "sigfast", peer, t,
                    ">= 1.3" if peer == "jax" else ">= 5")
    t = time_interleaved({
        "plain": lambda: BCE(z, y),
        "weighted": lambda: BCE(z, y, weight=w, pos_weight=pw),
    }, z.size, rounds=rounds)
    add("weight + pos_weight / plain (mean)", "plain", "weighted", t, "<= 1.3")
    t = time_interleaved({
        "fused": lambda: BCE_LG(z, y),
        "separate": lambda: (BCE(z, y), BCE_GRAD(z, y)),
    }, z.size, rounds=rounds)
    add("separate / loss_and_grad", "fused", "separate", t, ">= 1.5")
    t = time_interleaved({
        "ufunc": lambda: sigfast.bce_with_logits(z, y),
        "ufunc_out": lambda: sigfast.bce_with_logits(z, y, out=out),
        "none": lambda: BCE(z, y, reduction="none"),
    }, z.size, rounds=rounds)
    add("none / ufunc", "ufunc", "none", t, "<= 1.1")
    add("none / ufunc(out=)", "ufunc_out", "none", t, "")
    if z.size >= 1_000_000:
        P.release_cpus()        # sigfast alone, on every CPU

        def threads(k):
            def run():
                with sigfast.num_threads(k):
                    return BCE(z, y)
            return run
        t = time_interleaved({"1": threads(1), "2": threads(2)}, z.size, rounds=rounds)
        add("1 thread / 2 threads (mean)", "2", "1", t, ">= 1.8")
        P.keep_off_jax_cpu()
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e5,1e7")
    ap.add_argument("--dtypes", default="float32,float64")
    ap.add_argument("--rounds", type=int, default=7)
    a = ap.parse_args()
    # JAX on one CPU (JAX 0.10 runs jitted code on one thread per CPU
    # whatever XLA_FLAGS say)
    P.load_jax_on_one_cpu()
    for peer in ("jax", "torch"):
        P.load_peer(peer)          # before set_threads, which sets torch's too
    set_threads(1)
    from sigfast import _dispatch
    print(f"sigfast {sigfast.__version__} ({_dispatch.active().level}); 1 thread unless said; "
          f"median of {a.rounds} interleaved rounds")
    print("| dtype | n | ratio | measured | wanted |")
    print("|---|---:|---|---:|---|")
    for dt in a.dtypes.split(","):
        for n in (int(float(s)) for s in a.sizes.split(",")):
            for label, r, want in rows_for(np.dtype(dt), n, a.rounds):
                print(f"| {dt} | {n:.0e} | {label} | {r:.2f} | {want or ''} |", flush=True)
            set_threads(1)


if __name__ == "__main__":
    main()
