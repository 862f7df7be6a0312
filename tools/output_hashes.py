"""Output fingerprints of every ufunc and the loss API, for refactors.

    python -P tools/output_hashes.py OUT.json        # record
    python -P tools/output_hashes.py --compare A.json B.json

A refactor that must not change any result records the hashes before and
after and compares them.  The corpus is fixed: the whole finite range of
each dtype (random bit patterns), subnormal inputs and results, the special
values and cut-offs, contiguous and strided (negative, step 3) layouts; each
ufunc x dtype (float16, float32, float64) x SIMD level gets one SHA-256 of
its output bytes, and each loss call (every reduction, weights, pos_weight,
smoothing, axis, gradient) one more.
"""
import argparse
import hashlib
import json
import sys

import numpy as np

import sigfast
from sigfast import _dispatch
from sigfast._registry import BINARY, UNARY


def corpus(dtype, n=1 << 16, seed=7):
    dt = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    ui = {2: np.uint16, 4: np.uint32, 8: np.uint64}[dt.itemsize]
    bits = rng.integers(0, np.iinfo(ui).max, n, dtype=ui, endpoint=True).view(dt)
    lim = {2: 12.0, 4: 120.0, 8: 760.0}[dt.itemsize]
    with np.errstate(over="ignore"):
        dense = np.linspace(-lim, lim, n).astype(dt)
        unit = np.concatenate([rng.random(n // 2), np.logspace(-320, 0, n // 2)]).astype(dt)
    fi = np.finfo(dt)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, 0.5, 0.25, -1.2785,
                        float(fi.tiny), float(fi.smallest_subnormal), float(fi.max),
                        -float(fi.max), 88, 89, -88, -89, 709, 710, -709, -710,
                        -87.3, -100, -104, -708.4, -740, -745, 17, 37, 40], dtype=np.float64)
    with np.errstate(over="ignore"):
        special = special.astype(dt)
    return np.concatenate([bits, dense, unit, special])


def h(a):
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:16]


def ufunc_hashes():
    out = {}
    for lv in _dispatch.runnable_levels():
        mod = _dispatch.load(lv)
        for dt in (np.float16, np.float32, np.float64):
            x = corpus(dt)
            y = np.random.default_rng(3).permutation(corpus(dt, seed=9))
            with np.errstate(all="ignore"):
                for name in UNARY + BINARY:
                    f = getattr(mod, name)
                    args = (x,) if name in UNARY else (x, y)
                    r1 = f(*args)
                    r2 = f(*[a[::-3] for a in args])
                    out[f"{name}/{np.dtype(dt).name}/{lv}/contig"] = h(r1)
                    out[f"{name}/{np.dtype(dt).name}/{lv}/strided"] = h(r2)
    return out


def loss_hashes():
    out = {}
    rng = np.random.default_rng(11)
    for dt in (np.float32, np.float64):
        z = (rng.standard_normal((257, 7)) * 8).astype(dt)
        z[0, :4] = [np.inf, -np.inf, 100, -100]
        y = (rng.random((257, 7)) < 0.5).astype(dt)
        ys = rng.random((257, 7)).astype(dt)
        w = rng.random((257, 1)).astype(dt)
        pw = rng.random(7) * 3
        cases = {
            "mean": dict(), "sum": dict(reduction="sum"), "none": dict(reduction="none"),
            "w": dict(weight=w), "pw": dict(pos_weight=pw), "ls": dict(label_smoothing=0.1),
            "axis": dict(axis=-1), "all": dict(weight=w, pos_weight=pw, label_smoothing=0.2,
                                                reduction="sum"),
        }
        for tname, tgt in (("hard", y), ("soft", ys)):
            for cname, kw in cases.items():
                key = f"{np.dtype(dt).name}/{tname}/{cname}"
                with np.errstate(all="ignore"):
                    out["loss/" + key] = h(np.asarray(
                        sigfast.binary_cross_entropy_with_logits(z, tgt, **kw)))
                    out["grad/" + key] = h(np.asarray(
                        sigfast.binary_cross_entropy_with_logits_grad(z, tgt, **kw)))
                    l2, g2 = sigfast.binary_cross_entropy_with_logits_loss_and_grad(z, tgt, **kw)
                    out["lg/" + key] = h(np.asarray(l2)) + h(np.asarray(g2))
        p = np.clip(rng.random((257, 7)), 0, 1).astype(dt)
        out[f"bce_probs/{np.dtype(dt).name}"] = h(np.asarray(
            sigfast.binary_cross_entropy(p, y, reduction="none")))
        out[f"focal/{np.dtype(dt).name}"] = h(np.asarray(
            sigfast.sigmoid_focal_loss(z, y, reduction="none")))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--compare", action="store_true")
    a = ap.parse_args(argv)
    if a.compare:
        old, new = (json.load(open(p)) for p in a.paths[:2])
        diff = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
        for k in diff:
            print(f"{k}: {old.get(k)} -> {new.get(k)}")
        print(f"{len(diff)} of {len(old.keys() | new.keys())} differ")
        return 1 if diff else 0
    res = {**ufunc_hashes(), **loss_hashes()}
    with open(a.paths[0], "w") as fh:
        json.dump(res, fh, indent=1, sort_keys=True)
    print(f"{len(res)} hashes written to {a.paths[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
