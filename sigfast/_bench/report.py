"""Presenting measurements: number formats, the progress line, the
speed-up table, the throughput plot and the metadata stored beside results."""
import os
import sys
import time

import numpy as np

from . import peers as P
from .runner import Progress, fmt_n, measure_isolated  # noqa: F401 (re-exported)


def fmt_ratio(r):
    if r is None:
        return "—"
    return f"{r:.2f}x" if r < 10 else f"{r:.1f}x"


def metadata(peers=P.PEERS):
    """Versions and machine facts to store next to results."""
    import platform

    import sigfast
    from .. import _openmp
    return {
        "sigfast": sigfast.__version__,
        "simd_level": sigfast.simd_level,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": _openmp.cpu_count(),
        "default_threads": sigfast.get_num_threads(),
        "peers": P.available_peers(peers),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


def print_table(records, peers, stream=None, busy=()):
    """One line per record: sigfast's Gelem/s and its speed-up over NumPy
    and each peer; rows of a thread count in ``busy`` end in ``!``."""
    stream = stream or sys.stdout
    cols = ["numpy"] + [p for p in P.PEERS if p in peers]
    head = (f"{'function':<26} {'dtype':<8} {'n':>4} {'thr':>3} "
            f"{'sigfast':>8} " + " ".join(f"{'x' + c:>7}" for c in cols))
    print(head, file=stream)
    print("-" * len(head), file=stream)
    for r in records:
        ratios = [fmt_ratio(r["speedup"].get(c)) for c in cols]
        print(f"{r['func']:<26} {r['dtype']:<8} {fmt_n(r['n']):>4} "
              f"{r['threads']:>3} {r['gelems']['sigfast']:>8.3f} "
              + " ".join(f"{x:>7}" for x in ratios)
              + (" !" if r["threads"] in busy else ""), file=stream)


def markdown_table(records, peers, levels=()):
    """The records as a markdown table: every candidate's Gelem/s, then the
    ``xNAME`` speed-ups (``sigfast:<level>`` columns for ``levels``)."""
    cand = ["sigfast"] + [f"sigfast:{lv}" for lv in levels] + ["numpy"] + \
        [p for p in P.PEERS if p in peers]
    others = cand[1:]
    head = ["function", "dtype", "n", "threads"] + [f"{c} Gelem/s" for c in cand] + \
        [f"x{c}" for c in others]
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---" if i < 2 else "---:" for i in range(len(head))) + "|"]
    for r in records:
        g = [f"{r['gelems'][c]:.3f}" if c in r["gelems"] else "—" for c in cand]
        x = [fmt_ratio(r["speedup"].get(c)) for c in others]
        lines.append("| " + " | ".join(
            [r["func"], r["dtype"], fmt_n(r["n"]), str(r["threads"])] + g + x) + " |")
    return "\n".join(lines)


def load_average():
    """The 1-minute load average, or None where the OS keeps none (Windows)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def busy_threads(before, after, cpus, threads):
    """The thread counts whose timings other work on the machine spoiled.

    The other processes' load is taken as the larger of the 1-minute load
    average before the benchmark and the one after it less the benchmark's
    own threads (the average still counts them).  A run with T threads is
    flagged when that load plus T exceeds the CPUs by more than half a CPU:
    its threads, and the multi-threaded peers' (PyTorch, JAX), then shared
    cores, which once showed as 55-340x "speed-ups" over PyTorch at 2
    threads on a loaded 2-core machine.  Without a load average: none.
    """
    if before is None or after is None:
        return []
    others = max(before, after - max(threads))
    return [t for t in threads if others + t > cpus + 0.5]


def busy_warning(before, after, cpus, busy):
    """The line printed under a table measured on a busy machine."""
    rows = ", ".join(str(t) for t in busy)
    return (f"WARNING: busy machine: load average {before:.2f} before and "
            f"{after:.2f} after the benchmark, on {cpus} CPUs.  Rows marked '!' "
            f"(threads = {rows}) shared cores with other work: their timings, "
            "and above all the speed-ups over multi-threaded peers, are "
            "unreliable.  Rerun on an idle machine.")


#: Fixed colour per candidate, so every panel of the plot matches.
COLORS = {"sigfast": "tab:blue", "numpy": "tab:orange", "scipy": "tab:green",
          "torch": "tab:red", "jax": "tab:purple"}


def plot(path, peers, threads, rounds, stream=sys.stdout, progress=False,
         malloc="tuned"):
    """Throughput against size (1e3..1e7, float32) for sigmoid, log_sigmoid
    and bce_with_logits; returns the records, or None without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("--plot needs matplotlib, which is not installed "
              "(pip install matplotlib)", file=sys.stderr)
        return None
    sizes = [int(v) for v in np.logspace(3, 7, 9).round()]
    funcs = ["sigmoid", "log_sigmoid", "bce_with_logits"]
    recs = measure_isolated(funcs, ["float32"], sizes, [threads],
                            peers=peers, rounds=rounds, progress=progress,
                            malloc=malloc)
    fig, axes = plt.subplots(1, len(funcs), figsize=(5 * len(funcs), 4), sharey=True)
    for ax, func in zip(axes, funcs):
        rs = [r for r in recs if r["func"] == func]
        names = [c for c in rs[0]["gelems"]]
        for c in names:
            ax.plot([r["n"] for r in rs], [r["gelems"][c] for r in rs],
                    marker="o", label=c, color=COLORS.get(c),
                    lw=2.5 if c == "sigfast" else 1.2)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"{func} (float32, {threads} thread{'s' if threads > 1 else ''})")
        ax.set_xlabel("array size")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("throughput [Gelem/s]")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"plot written to {path}", file=stream)
    return recs
