"""Max error in ulp against mpmath for sigfast and the peers, same inputs.

    python bench/accuracy_table.py [--n 4000] [--levels]

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
from sigfast import _dispatch, _registry
from sigfast._testing import ulp_errors, whole_range
from sigfast._testing.mpref import exact


def numpy_peers(name):
    s = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    return {
        "sigmoid": s,
        "sigmoid_grad": lambda x: s(x) * (1 - s(x)),
        "sigmoid_grad_from_output": lambda y: y * (1 - y),
        "log_sigmoid": lambda x: -np.logaddexp(0, -x),
        "softplus": lambda x: np.logaddexp(0, x),
        "logit": lambda p: np.log(p / (1 - p)),
        "silu": lambda x: x / (1 + np.exp(-x)),
        "silu_grad": lambda x: s(x) * (1 + x * (1 - s(x))),
    }[name]


def scipy_peer(name):
    try:
        import scipy.special as sp
    except ImportError:
        return None
    return {"sigmoid": sp.expit, "log_sigmoid": sp.log_expit, "logit": sp.logit}.get(name)


def torch_peer(name):
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    f = {"sigmoid": torch.sigmoid, "log_sigmoid": F.logsigmoid, "softplus": F.softplus,
         "logit": torch.logit, "silu": F.silu}.get(name)
    if f is None:
        return None
    return lambda x: f(torch.from_numpy(np.ascontiguousarray(x))).numpy()


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
            for peer in (numpy_peers(name), scipy_peer(name), torch_peer(name)):
                if peer is None:
                    row.append((None, None))
                    continue
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    got = np.asarray(peer(xs), dtype=dt)
                row.append(split_max(ulp_errors(got, hi, lo, dt), hi, dt))
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
