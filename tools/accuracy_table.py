"""Max error in ulp against mpmath for sigfast and the peers, same inputs.

    python tools/accuracy_table.py [--n 4000] [--levels]

Inputs cover each dtype's whole finite range
(sigfast._testing.inputs.whole_range), including subnormal results and the
overflow cut-offs.  Prints two markdown tables over the same inputs: the max
error where the exact result is in the normal range, and where it is
subnormal (there the peers' flush to 0 dominates: 9e14 ulp in float64, while
on normal-range results they are within a few ulp).
"""
import argparse
import warnings

import numpy as np

import sigfast
from sigfast import _bench, _dispatch, _registry
from sigfast._bench.peers import peer_candidate
from sigfast._testing import ulp_errors, whole_range
from sigfast._testing.mpref import exact


#: the peer columns after sigfast's, in order
PEERS = ("numpy", "scipy", "torch")


def peer(which, name, xs):
    """``which``'s result for ``name`` on ``xs`` (None when it has none): the
    NumPy expression and the SciPy/PyTorch calls that ``python -m sigfast``
    benchmarks (sigfast._bench.peers.COMPARE, one entry per ufunc)."""
    out = np.empty_like(xs)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if which == "numpy":
            r = _bench.COMPARE[name].numpy(xs, out)
        else:
            fn = peer_candidate(which, name, (xs,), out)
            if fn is None:
                return None
            r = fn()
    # a peer without out= returns its own array (a torch tensor: .numpy())
    return np.asarray(r.numpy() if hasattr(r, "numpy") else r, dtype=xs.dtype)


def split_max(err, hi, dtype):
    """(max error where the exact result is in the normal range (or 0, inf),
    max error where it is subnormal in ``dtype``); None for an empty part."""
    tiny = float(np.finfo(dtype).tiny)
    sub = (hi != 0) & (np.abs(hi) < tiny)
    parts = (err[~sub], err[sub])
    return tuple(float(p.max()) if p.size else None for p in parts)


def _cell(v):
    return "-" if v is None else (f"{v:.3g}" if v < 1e4 else f"{v:.1e}")


def rows(n, levels):
    """Yield (name, dtype, subnormal count, [(normal, subnormal) per column])."""
    for name in _registry.UNARY:
        for dt in (np.float32, np.float64):
            xs = whole_range(name, dt, n, seed=1)
            hi, lo = exact(name, xs)
            row = []
            for lv in levels:
                got = getattr(_dispatch.load(lv), name)(xs)
                row.append(split_max(ulp_errors(got, hi, lo, dt), hi, dt))
            for which in PEERS:
                got = peer(which, name, xs)
                row.append((None, None) if got is None else
                           split_max(ulp_errors(got, hi, lo, dt), hi, dt))
            tiny = float(np.finfo(dt).tiny)
            nsub = int(np.count_nonzero((hi != 0) & (np.abs(hi) < tiny)))
            yield name, np.dtype(dt).name, nsub, row


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--levels", action="store_true", help="one column per SIMD level")
    a = ap.parse_args(argv)
    levels = _dispatch.runnable_levels() if a.levels else [sigfast.simd_level]
    cols = [f"sigfast ({lv})" for lv in levels] + ["NumPy expr", "SciPy", "PyTorch"]
    table = list(rows(a.n, levels))
    titles = ("Normal-range results (exact value 0, normal or beyond the largest "
              "finite number)",
              "Subnormal results (exact value below the smallest normal; a result "
              "flushed to 0 counts as 1e6 (float32) / 1e15 (float64) ulp)")
    for part, title in enumerate(titles):
        print(f"\n{title}\n")
        extra = ["inputs"] if part else []
        print("| function | dtype | " + " | ".join(extra + cols) + " |")
        print("|---|---|" + "---|" * (len(cols) + len(extra)))
        for name, dt, nsub, row in table:
            if part and not nsub:
                continue
            cells = ([str(nsub)] if part else []) + [_cell(v[part]) for v in row]
            print(f"| {name} | {dt} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
