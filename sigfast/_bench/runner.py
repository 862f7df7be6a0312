"""Grids of measurements: sigfast, the NumPy expression and the peers per
(function, dtype, size, threads), in this process or in one fresh worker
process per thread count (JAX's CPU thread pool is fixed at import).

Outputs are preallocated and written with ``out=`` wherever the candidate
supports it.  Nothing here asserts on speed.
"""
import json
import math
import os
import shutil
import subprocess
import sys
import time

import numpy as np

from .._testing.inputs import bench_inputs
from . import peers as P
from .timer import time_interleaved

#: XLA flags that make JAX's CPU backend single-threaded (set before import).
JAX_SINGLE_THREAD_FLAGS = ("--xla_cpu_multi_thread_eigen=false "
                           "intra_op_parallelism_threads=1")

#: glibc malloc settings for benchmark processes ("tuned" mode).  With glibc's
#: defaults, whether NumPy's (and torch's) temporaries of ~1e5..1e6 elements
#: come from fresh mmap'd pages (a page fault per 4 KiB, every call) or from
#: reused heap memory depends on the process's allocation history, even on
#: whether torch was imported: NumPy's float64 1/(1+np.exp(-x)) at n = 1e5
#: ran 6x slower in a plain process than after `import torch` here.  With a
#: 32 MiB mmap threshold and a 1 GiB trim threshold temporaries below 32 MiB
#: are always reused: reproducible numbers, and NumPy at its best.
TUNED_MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": "33554432",
                    "MALLOC_TRIM_THRESHOLD_": "1073741824"}

DTYPES = ("float32", "float64")


def fmt_n(n):
    """1e+05-style sizes as '1e5' (or the plain number when not a power of 10)."""
    n = int(n)
    e = round(math.log10(n)) if n > 0 else 0
    return f"1e{e}" if 10 ** e == n else str(n)


class Progress:
    """A single updating progress line on stderr (silent when stderr is not
    a terminal, unless ``force``).

    Every update is cut and padded to one column less than the terminal's
    width (``columns``; default ``shutil.get_terminal_size``, which honours
    ``COLUMNS``): a longer line wraps, and ``\r`` then returns only to the
    start of the wrapped part, leaving fragments; a shorter one must
    overwrite what the previous, longer label left."""

    def __init__(self, force=False, stream=None, columns=None):
        self.stream = stream or sys.stderr
        self.enabled = force or self.stream.isatty()
        self.t0 = time.perf_counter()
        cols = columns or shutil.get_terminal_size(fallback=(80, 24)).columns
        self.width = max(cols - 1, 20)

    def __call__(self, done, total, label):
        if not self.enabled:
            return
        bar = 24
        fill = int(bar * done / max(total, 1))
        line = (f"[{'#' * fill}{'.' * (bar - fill)}] {done}/{total} "
                f"{time.perf_counter() - self.t0:5.1f}s {label}")
        self.stream.write("\r" + line[:self.width].ljust(self.width))
        if done >= total:
            self.stream.write("\r" + " " * self.width + "\r")
        self.stream.flush()

_INPUT_CACHE = {}


def make_inputs(func, dtype, n):
    """Benchmark inputs (:func:`sigfast._testing.inputs.bench_inputs`), cached."""
    key = (func, np.dtype(dtype).str, int(n))
    if key not in _INPUT_CACHE:
        if len(_INPUT_CACHE) > 8:
            _INPUT_CACHE.clear()
        _INPUT_CACHE[key] = bench_inputs(func, dtype, n)
    return _INPUT_CACHE[key]


def malloc_config(env=None):
    """A line telling how glibc malloc is configured for this process."""
    env = os.environ if env is None else env
    set_ = {k: env[k] for k in TUNED_MALLOC_ENV if k in env}
    if not set_:
        return "glibc malloc defaults"
    return "glibc malloc " + ", ".join(f"{k}={v}" for k, v in set_.items())


def with_malloc(env, mode):
    """``env`` with the malloc settings of ``mode`` ('tuned' | 'default');
    variables the user already set are kept."""
    env = dict(env)
    if mode == "tuned":
        for k, v in TUNED_MALLOC_ENV.items():
            env.setdefault(k, v)
    elif mode != "default":
        raise ValueError(f"malloc mode must be 'tuned' or 'default', not {mode!r}")
    return env


def set_threads(n):
    """Set sigfast's and PyTorch's thread counts (JAX's is fixed at import)."""
    import sigfast
    sigfast.set_num_threads(n)
    torch = P.loaded_peer("torch")
    if torch is not None:
        torch.set_num_threads(n)


def sigfast_candidate(func, args, out, module=None):
    """Zero-argument callable for sigfast's ``func`` (from kernel ``module``,
    a ``_ufuncs_<level>`` module, when given)."""
    import sigfast
    if P.COMPARE[func].reduce:
        fn = getattr(sigfast, func)
        return lambda: fn(*args)
    fn = getattr(module if module is not None else sigfast, func)
    return lambda: fn(*args, out=out)


def measure_one(func, dtype, n, *, peers=P.PEERS, levels=(), rounds=7,
                min_time=2e-3):
    """Time sigfast, NumPy and the peers on one (func, dtype, n) in the
    current thread settings.  Returns a record dict.

    Candidates are named 'sigfast', 'numpy', the peers, and 'sigfast:<level>'
    for each SIMD level in ``levels`` (kernel modules from
    ``sigfast._dispatch.load``).
    """
    from .. import _dispatch
    c = P.COMPARE[func]
    args = make_inputs(func, dtype, n)

    def out_for():
        return None if c.reduce else np.empty(n, dtype)

    cands = {"sigfast": sigfast_candidate(func, args, out_for())}
    numpy_out = out_for()
    cands["numpy"] = lambda: c.numpy(*args, numpy_out)
    for p in peers:
        cand = P.peer_candidate(p, func, args, out_for())
        if cand is not None:
            cands[p] = cand
    if not c.reduce:
        for lv in levels:
            cands[f"sigfast:{lv}"] = sigfast_candidate(func, args, out_for(),
                                                       module=_dispatch.load(lv))
    with np.errstate(all="ignore"):
        t = time_interleaved(cands, n, rounds=rounds, min_time=min_time)
    return {
        "func": func, "dtype": np.dtype(dtype).name, "n": int(n),
        "gelems": t.gelems, "seconds": t.seconds,
        "speedup": t.ratios("sigfast"),
        "rounds": rounds,
    }


def measure(funcs, dtypes, sizes, threads, *, peers=P.PEERS, levels=(),
            rounds=7, min_time=2e-3, progress=None, progress_offset=0,
            progress_total=None):
    """Measure every (func, dtype, size) for each thread count in
    ``threads``, in this process.  ``progress(done, total, label)`` is called
    before each item.  Returns a list of records (see :func:`measure_one`)
    with 'threads', 'jax_config' and 'malloc' added."""
    import sigfast
    peers = [p for p in peers if P.load_peer(p) is not None]
    total = progress_total or len(funcs) * len(dtypes) * len(sizes) * len(threads)
    done = progress_offset
    records = []
    before = sigfast.get_num_threads()
    try:
        for th in threads:
            set_threads(th)
            for func in funcs:
                for dt in dtypes:
                    for n in sizes:
                        if progress:
                            progress(done, total, f"{func} {dt} n={fmt_n(n)} threads={th}")
                        done += 1
                        r = measure_one(func, dt, int(n), peers=peers,
                                        levels=levels, rounds=rounds,
                                        min_time=min_time)
                        r["threads"] = th
                        r["jax_config"] = P.jax_config() if "jax" in peers else None
                        r["malloc"] = malloc_config()
                        records.append(r)
    finally:
        set_threads(before)
    if progress:
        progress(done, total, "")
    return records


def measure_isolated(funcs, dtypes, sizes, threads, *, peers=P.PEERS, levels=(),
                     rounds=7, min_time=2e-3, progress=False, malloc="tuned"):
    """Like :func:`measure`, but each thread count runs in a fresh worker
    process (``python -m sigfast._bench``), so JAX gets a matching CPU
    configuration: for 1 thread, single-threaded XLA flags (unless XLA_FLAGS
    is already set) and JAX's thread pool confined to one CPU
    (peers.load_jax_on_one_cpu: JAX 0.10 ignores the flags), JAX's default
    otherwise.  ``malloc``: 'tuned' runs the
    workers with :data:`TUNED_MALLOC_ENV`, 'default' with glibc's defaults
    (as inherited).  ``progress``: draw a progress line on stderr."""
    per = len(funcs) * len(dtypes) * len(sizes)
    total = per * len(threads)
    records = []
    for i, th in enumerate(threads):
        env = with_malloc(os.environ, malloc)
        if th == 1 and "XLA_FLAGS" not in env:
            env["XLA_FLAGS"] = JAX_SINGLE_THREAD_FLAGS
        spec = {"funcs": list(funcs), "dtypes": list(dtypes),
                "sizes": [int(n) for n in sizes], "threads": [th],
                "peers": list(peers), "levels": list(levels),
                "rounds": rounds, "min_time": min_time, "jax_on_one_cpu": th == 1,
                "progress": bool(progress), "progress_offset": i * per,
                "progress_total": total}
        proc = subprocess.run(
            # -P: the worker must not import a sigfast/ source folder that
            # happens to be the current directory (the installed one is meant)
            [sys.executable, "-P", "-m", "sigfast._bench"], input=json.dumps(spec),
            stdout=subprocess.PIPE, text=True, env=env)
        if proc.returncode != 0:
            raise RuntimeError(f"benchmark worker failed (threads={th}, "
                               f"exit {proc.returncode})")
        records += json.loads(proc.stdout)
    return records


def worker():
    """``python -m sigfast._bench``: read a JSON spec on stdin, write JSON
    records on stdout (see :func:`measure_isolated`)."""
    spec = json.loads(sys.stdin.read())
    if spec.pop("jax_on_one_cpu", False) and "jax" in spec["peers"]:
        # before anything else loads JAX (see its docstring)
        P.load_jax_on_one_cpu()
    prog = Progress() if spec.pop("progress", False) else None
    records = measure(spec.pop("funcs"), spec.pop("dtypes"), spec.pop("sizes"),
                      spec.pop("threads"), peers=spec.pop("peers"),
                      levels=spec.pop("levels"), rounds=spec.pop("rounds"),
                      min_time=spec.pop("min_time"), progress=prog, **spec)
    json.dump(records, sys.stdout)
