"""Max error in ulp against mpmath for sigfast and the peers, same inputs.

    python bench/accuracy_table.py [--n 4000] [--levels]

Inputs cover each dtype's whole finite range
(sigfast._testing.inputs.whole_range), including subnormal results and the
overflow cut-offs.  Prints a markdown table.
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--levels", action="store_true", help="one column per SIMD level")
    a = ap.parse_args()
    levels = _dispatch.runnable_levels() if a.levels else [sigfast.simd_level]
    cols = [f"sigfast ({lv})" for lv in levels] + ["NumPy expr", "SciPy", "PyTorch"]
    print("| function | dtype | " + " | ".join(cols) + " |")
    print("|---|---|" + "---|" * len(cols))
    for name in _registry.UNARY:
        for dt in (np.float32, np.float64):
            xs = whole_range(name, dt, a.n, seed=1)
            hi, lo = exact(name, xs)
            row = []
            for lv in levels:
                got = getattr(_dispatch.load(lv), name)(xs)
                row.append(ulp_errors(got, hi, lo, dt).max())
            for peer in (numpy_peers(name), scipy_peer(name), torch_peer(name)):
                if peer is None:
                    row.append(None)
                    continue
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    got = np.asarray(peer(xs), dtype=dt)
                row.append(ulp_errors(got, hi, lo, dt).max())
            cells = ["-" if v is None else (f"{v:.3g}" if v < 1e4 else f"{v:.1e}") for v in row]
            print(f"| {name} | {np.dtype(dt).name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
