"""Measurement engine shared by ``python -m sigfast``, ``bench/compare_peers.py``
and ``bench/check_ratios.py``.

Rules the engine enforces
-------------------------
* Candidates are timed **interleaved in one process**: round r times A, B, C,
  ... back to back, then round r + 1, so slow drift of a shared machine (other
  jobs, frequency changes) hits every candidate alike.
* One sample = a calibrated inner loop of at least ``min_time`` (2 ms by
  default) divided by its call count; the reported time of a candidate is the
  median of its ``rounds`` samples.
* Speed-ups are medians of the *per-round* ratios (t_other[r] / t_sigfast[r]),
  so each ratio compares samples taken side by side.
* Outputs are preallocated and written with ``out=`` wherever the candidate
  supports it.  Nothing here asserts on speed.

The registry (:data:`FUNCS`) describes, per sigfast function, the inputs it
is benchmarked on, the plain NumPy expression a user would otherwise write,
and the peer libraries' equivalents (SciPy, PyTorch, JAX), each used only when
importable.

``python -m sigfast._bench`` is the worker behind :func:`measure_isolated`: it
reads a JSON spec on stdin and writes JSON records on stdout.  Each thread
count runs in its own process because JAX's CPU thread pool is fixed when JAX
is imported (``XLA_FLAGS``).
"""
import gc
import json
import math
import os
import statistics
import subprocess
import sys
import time

import numpy as np

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

PEERS = ("scipy", "torch", "jax")
DTYPES = ("float32", "float64")
SEED = 20240531

# ---------------------------------------------------------------------------
# Interleaved timer
# ---------------------------------------------------------------------------


class Timing:
    """Result of :func:`time_interleaved`.

    ``samples[name]`` holds one per-call time (seconds) per round; ``seconds``
    and ``gelems`` are medians; :meth:`speedup` is a median of paired ratios.
    """

    def __init__(self, samples, numbers, n_elems):
        self.samples = samples
        self.numbers = numbers
        self.n_elems = n_elems
        self.seconds = {k: statistics.median(v) for k, v in samples.items()}
        self.gelems = {k: n_elems / t / 1e9 for k, t in self.seconds.items()}

    def speedup(self, fast, slow):
        """How many times faster ``fast`` ran than ``slow``: the median over
        rounds of t_slow[r] / t_fast[r]."""
        return statistics.median(
            b / a for a, b in zip(self.samples[fast], self.samples[slow]))

    def ratios(self, ref):
        """``{name: speedup(ref, name)}`` for every other candidate."""
        return {k: self.speedup(ref, k) for k in self.samples if k != ref}

    def as_dict(self):
        return {"seconds": self.seconds, "gelems": self.gelems,
                "numbers": self.numbers, "samples": self.samples}


def _calibrate(fn, min_time, timer):
    """Smallest call count (1, 2, 5, 10, 20, ...) whose loop takes ``min_time``."""
    fn()  # warm-up: first-call costs (JIT compile, page faults) stay out
    number = 1
    while True:
        t0 = timer()
        for _ in range(number):
            fn()
        dt = timer() - t0
        if dt >= min_time:
            return number
        # jump close to the target in one step, then round up to 1-2-5
        want = number * min_time / max(dt, 1e-9) * 1.1
        step = 10 ** math.floor(math.log10(want))
        for m in (1, 2, 5, 10):
            if m * step >= want:
                number = max(number + 1, int(m * step))
                break


def time_interleaved(candidates, n_elems=1, *, rounds=7, min_time=2e-3,
                     timer=time.perf_counter):
    """Time zero-argument callables interleaved (A, B, C, A, B, C, ...).

    ``candidates``: ``{name: fn}``.  Each sample is a loop of a calibrated
    number of calls lasting at least ``min_time`` seconds; there are
    ``rounds`` samples per candidate.  ``n_elems`` (elements per call) turns
    times into Gelem/s.  Returns a :class:`Timing`.
    """
    if not candidates:
        raise ValueError("no candidates")
    names = list(candidates)
    numbers = {k: _calibrate(candidates[k], min_time, timer) for k in names}
    samples = {k: [] for k in names}
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for _ in range(rounds):
            for k in names:
                fn, number = candidates[k], numbers[k]
                t0 = timer()
                for _ in range(number):
                    fn()
                samples[k].append((timer() - t0) / number)
    finally:
        if gc_was:
            gc.enable()
    return Timing(samples, numbers, n_elems)


# ---------------------------------------------------------------------------
# Registry: inputs, NumPy expressions, peers
# ---------------------------------------------------------------------------

def _np_sigmoid(x, out):
    return np.divide(1, 1 + np.exp(-x), out=out)


def _np_sigmoid_grad(x, out):
    s = 1 / (1 + np.exp(-x))
    return np.multiply(s, 1 - s, out=out)


def _np_silu_grad(x, out):
    s = 1 / (1 + np.exp(-x))
    return np.multiply(s, 1 + x * (1 - s), out=out)


def _np_log_sigmoid(x, out):
    np.logaddexp(0, -x, out=out)
    return np.negative(out, out=out)


def _np_bce(z, y, out):
    return np.add(np.maximum(z, 0) - z * y, np.log1p(np.exp(-np.abs(z))),
                  out=out)


class Func:
    """One benchmarked function.

    ``inputs``: ``'logits'`` (x), ``'probs'`` (p in (0, 1)) or
    ``'logits,targets'`` (z, y in {0, 1}).  ``numpy(*args, out)`` is the NumPy
    expression (shown as ``numpy_src``).  ``peers``: ``{peer: spec}`` understood
    by :func:`peer_candidate`.  ``ufunc``: whether the sigfast callable takes
    ``out=`` (loss functions reduce and do not).
    """

    def __init__(self, name, inputs, numpy_fn, numpy_src, peers=None,
                 ufunc=True, reduce=False):
        self.name = name
        self.inputs = inputs
        self.numpy = numpy_fn
        self.numpy_src = numpy_src
        self.peers = peers or {}
        self.ufunc = ufunc
        self.reduce = reduce

    @property
    def nin(self):
        return 2 if self.inputs == "logits,targets" else 1

    def sigfast(self, module=None):
        """The sigfast callable (from kernel ``module`` when given)."""
        if module is not None and self.ufunc:
            return getattr(module, self.name)
        import sigfast
        return getattr(sigfast, self.name)


FUNCS = {f.name: f for f in [
    Func("sigmoid", "logits", _np_sigmoid, "1/(1+np.exp(-x))",
         {"scipy": "expit", "torch": "sigmoid", "jax": "sigmoid"}),
    Func("sigmoid_grad", "logits", _np_sigmoid_grad,
         "s=1/(1+np.exp(-x)); s*(1-s)"),
    Func("sigmoid_grad_from_output", "probs",
         lambda y, out: np.multiply(y, 1 - y, out=out), "y*(1-y)"),
    Func("log_sigmoid", "logits", _np_log_sigmoid, "-np.logaddexp(0, -x)",
         {"scipy": "log_expit", "torch": "log_sigmoid", "jax": "log_sigmoid"}),
    Func("softplus", "logits", lambda x, out: np.logaddexp(0, x, out=out),
         "np.logaddexp(0, x)", {"torch": "softplus", "jax": "softplus"}),
    Func("logit", "probs", lambda p, out: np.log(p / (1 - p), out=out),
         "np.log(p/(1-p))", {"scipy": "logit", "torch": "logit"}),
    Func("silu", "logits",
         lambda x, out: np.divide(x, 1 + np.exp(-x), out=out),
         "x/(1+np.exp(-x))", {"torch": "silu", "jax": "silu"}),
    Func("silu_grad", "logits", _np_silu_grad,
         "s=1/(1+np.exp(-x)); s*(1+x*(1-s))"),
    Func("bce_with_logits", "logits,targets", _np_bce,
         "np.maximum(z,0) - z*y + np.log1p(np.exp(-np.abs(z)))",
         {"torch": "bce_none"}),
    Func("bce_with_logits_grad", "logits,targets",
         lambda z, y, out: np.subtract(1 / (1 + np.exp(-z)), y, out=out),
         "1/(1+np.exp(-z)) - y"),
    # Loss API (reducing, no out=); skipped while it raises NotImplementedError.
    Func("binary_cross_entropy_with_logits", "logits,targets",
         lambda z, y, out: np.mean(np.maximum(z, 0) - z * y
                                   + np.log1p(np.exp(-np.abs(z)))),
         "np.mean(<bce expression>)", {"torch": "bce_mean"},
         ufunc=False, reduce=True),
]}

#: The ten elementwise ufuncs, in display order.
UFUNC_NAMES = [k for k, f in FUNCS.items() if f.ufunc]
LOSS_NAMES = [k for k, f in FUNCS.items() if not f.ufunc]

#: What each peer candidate calls, for tables and docs.
PEER_SRC = {
    ("scipy", "expit"): "scipy.special.expit(x, out=y)",
    ("scipy", "log_expit"): "scipy.special.log_expit(x, out=y)",
    ("scipy", "logit"): "scipy.special.logit(p, out=y)",
    ("torch", "sigmoid"): "torch.sigmoid(x, out=y)",
    ("torch", "log_sigmoid"): "F.logsigmoid(x) (as torch._C._nn.log_sigmoid(x, out=y))",
    ("torch", "softplus"): "F.softplus(x) (as torch._C._nn.softplus(x, 1, 20, out=y))",
    ("torch", "logit"): "torch.logit(p, out=y)",
    ("torch", "silu"): "F.silu(x) (as torch._C._nn.silu(x, out=y))",
    ("torch", "bce_none"): "F.binary_cross_entropy_with_logits(z, y, reduction='none')",
    ("torch", "bce_mean"): "F.binary_cross_entropy_with_logits(z, y)",
    ("jax", "sigmoid"): "jax.jit(jax.nn.sigmoid)",
    ("jax", "log_sigmoid"): "jax.jit(jax.nn.log_sigmoid)",
    ("jax", "softplus"): "jax.jit(jax.nn.softplus)",
    ("jax", "silu"): "jax.jit(jax.nn.silu)",
}

_INPUT_CACHE = {}


def make_inputs(func, dtype, n, seed=SEED):
    """Input arrays for ``func`` (a name or :class:`Func`), fixed seed.

    logits: standard normal x 4; probabilities: uniform in (0.001, 0.999);
    targets: 0 or 1 with probability 1/2.
    """
    f = FUNCS[func] if isinstance(func, str) else func
    dtype = np.dtype(dtype)
    key = (f.inputs, dtype.str, int(n), seed)
    if key not in _INPUT_CACHE:
        if len(_INPUT_CACHE) > 8:
            _INPUT_CACHE.clear()
        rng = np.random.default_rng(seed)
        if f.inputs == "probs":
            args = ((rng.random(n) * 0.998 + 0.001).astype(dtype),)
        else:
            z = (rng.standard_normal(n) * 4).astype(dtype)
            args = (z,)
            if f.inputs == "logits,targets":
                args = (z, (rng.random(n) < 0.5).astype(dtype))
        _INPUT_CACHE[key] = args
    return _INPUT_CACHE[key]


# ---------------------------------------------------------------------------
# Peers
# ---------------------------------------------------------------------------

_PEER_MODULES = {}


def load_peer(name):
    """Import peer ``name`` ('scipy' | 'torch' | 'jax'); None when unavailable.

    JAX is put in 64-bit mode (float64 inputs would silently be computed in
    float32 otherwise).
    """
    if name in _PEER_MODULES:
        return _PEER_MODULES[name]
    mod = None
    try:
        if name == "scipy":
            import scipy.special as mod  # noqa: F401
        elif name == "torch":
            import torch as mod
        elif name == "jax":
            import jax as mod
            mod.config.update("jax_enable_x64", True)
        else:
            raise ValueError(f"unknown peer {name!r}")
    except ImportError:
        mod = None
    _PEER_MODULES[name] = mod
    return mod


def peer_version(name):
    mod = load_peer(name)
    if mod is None:
        return None
    if name == "scipy":
        import scipy
        return scipy.__version__
    return mod.__version__


def available_peers(wanted=PEERS):
    """``{peer: version}`` of the importable peers among ``wanted``."""
    out = {}
    for p in wanted:
        v = peer_version(p)
        if v is not None:
            out[p] = v
    return out


def jax_config():
    """A line telling how JAX's CPU backend is configured in this process."""
    flags = os.environ.get("XLA_FLAGS")
    return f"XLA_FLAGS={flags!r}" if flags else "default XLA flags (multi-threaded)"


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
    torch = _PEER_MODULES.get("torch")
    if torch is not None:
        torch.set_num_threads(n)


def peer_candidate(peer, func, args, out):
    """Zero-argument callable running ``peer``'s version of ``func`` on
    ``args`` (NumPy arrays), writing into ``out`` where the peer has ``out=``;
    None when the peer lacks the function or is not installed."""
    f = FUNCS[func] if isinstance(func, str) else func
    what = f.peers.get(peer)
    mod = load_peer(peer) if what else None
    if mod is None:
        return None
    if peer == "scipy":
        uf = getattr(mod, what)
        return lambda: uf(*args, out=out)
    if peer == "torch":
        torch = mod
        F = torch.nn.functional
        ta = [torch.from_numpy(a) for a in args]
        to = torch.from_numpy(out) if out is not None else None
        x = ta[0]
        if what == "sigmoid":
            return lambda: torch.sigmoid(x, out=to)
        if what == "logit":
            return lambda: torch.logit(x, out=to)
        if what in ("log_sigmoid", "softplus", "silu"):
            nn = torch._C._nn
            try:  # the out= variants behind F.*; fall back to the public call
                if what == "log_sigmoid":
                    nn.log_sigmoid(x, out=to)
                    return lambda: nn.log_sigmoid(x, out=to)
                if what == "softplus":
                    nn.softplus(x, 1, 20, out=to)
                    return lambda: nn.softplus(x, 1, 20, out=to)
                nn.silu(x, out=to)
                return lambda: nn.silu(x, out=to)
            except (AttributeError, TypeError, RuntimeError):
                pub = {"log_sigmoid": F.logsigmoid, "softplus": F.softplus,
                       "silu": F.silu}[what]
                return lambda: pub(x)
        if what == "bce_none":
            y = ta[1]
            return lambda: F.binary_cross_entropy_with_logits(x, y, reduction="none")
        if what == "bce_mean":
            y = ta[1]
            return lambda: F.binary_cross_entropy_with_logits(x, y)
        return None
    if peer == "jax":
        jax = mod
        fn = jax.jit(getattr(jax.nn, what))
        ja = [jax.device_put(a) for a in args]
        return lambda: fn(*ja).block_until_ready()
    return None


# ---------------------------------------------------------------------------
# Grids of measurements
# ---------------------------------------------------------------------------

def sigfast_candidate(func, args, out, module=None):
    """Zero-argument callable for sigfast (None if the function is not
    implemented yet: loss functions may raise NotImplementedError)."""
    f = FUNCS[func] if isinstance(func, str) else func
    fn = f.sigfast(module)
    if f.ufunc:
        return lambda: fn(*args, out=out)
    try:
        fn(*args)
    except NotImplementedError:
        return None
    return lambda: fn(*args)


def numpy_candidate(func, args, out):
    f = FUNCS[func] if isinstance(func, str) else func
    return lambda: f.numpy(*args, out)


def measure_one(func, dtype, n, *, peers=PEERS, levels=(), rounds=7,
                min_time=2e-3):
    """Time sigfast, NumPy and the peers on one (func, dtype, n) in the
    current thread settings.  Returns a record dict, or None when sigfast
    does not implement ``func`` yet.

    Candidates are named 'sigfast', 'numpy', the peers, and 'sigfast:<level>'
    for each SIMD level in ``levels`` (kernel modules from
    ``sigfast._dispatch.load``).
    """
    from sigfast import _dispatch
    f = FUNCS[func]
    args = make_inputs(f, dtype, n)
    outs = {}

    def out_for(name):
        if f.reduce:
            return None
        outs[name] = np.empty(n, dtype)
        return outs[name]

    cands = {}
    c = sigfast_candidate(f, args, out_for("sigfast"))
    if c is None:
        return None
    cands["sigfast"] = c
    cands["numpy"] = numpy_candidate(f, args, out_for("numpy"))
    for p in peers:
        c = peer_candidate(p, f, args, out_for(p))
        if c is not None:
            cands[p] = c
    for lv in levels:
        if f.ufunc:
            cands[f"sigfast:{lv}"] = sigfast_candidate(
                f, args, out_for(f"sigfast:{lv}"), module=_dispatch.load(lv))
    with np.errstate(all="ignore"):
        t = time_interleaved(cands, n, rounds=rounds, min_time=min_time)
    return {
        "func": f.name, "dtype": np.dtype(dtype).name, "n": int(n),
        "gelems": t.gelems, "seconds": t.seconds,
        "speedup": t.ratios("sigfast"),
        "rounds": rounds,
    }


def measure(funcs, dtypes, sizes, threads, *, peers=PEERS, levels=(),
            rounds=7, min_time=2e-3, progress=None, progress_offset=0,
            progress_total=None):
    """Measure every (func, dtype, size) for each thread count in
    ``threads``, in this process.  ``progress(done, total, label)`` is called
    before each item.  Returns a list of records (see :func:`measure_one`)
    with 'threads' and 'jax_config' added; functions not implemented yet are
    skipped."""
    import sigfast
    peers = [p for p in peers if load_peer(p) is not None]
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
                        if r is None:
                            continue
                        r["threads"] = th
                        r["jax_config"] = jax_config() if "jax" in peers else None
                        r["malloc"] = malloc_config()
                        records.append(r)
    finally:
        set_threads(before)
    if progress:
        progress(done, total, "")
    return records


def measure_isolated(funcs, dtypes, sizes, threads, *, peers=PEERS, levels=(),
                     rounds=7, min_time=2e-3, progress=False, malloc="tuned"):
    """Like :func:`measure`, but each thread count runs in a fresh worker
    process (``python -m sigfast._bench``), so JAX gets a matching CPU
    configuration: single-threaded XLA flags for 1 thread (unless XLA_FLAGS
    is already set), JAX's default otherwise.  ``malloc``: 'tuned' runs the
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
                "rounds": rounds, "min_time": min_time,
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


class Progress:
    """A single updating progress line on stderr (silent when stderr is not
    a terminal, unless ``force``)."""

    def __init__(self, force=False, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = force or self.stream.isatty()
        self.t0 = time.perf_counter()

    def __call__(self, done, total, label):
        if not self.enabled:
            return
        width = 24
        fill = int(width * done / max(total, 1))
        line = (f"\r[{'#' * fill}{'.' * (width - fill)}] {done}/{total} "
                f"{time.perf_counter() - self.t0:5.1f}s {label}")
        self.stream.write(line.ljust(78)[:100])
        if done >= total:
            self.stream.write("\r" + " " * 100 + "\r")
        self.stream.flush()


# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------

def fmt_n(n):
    """1e+05-style sizes as '1e5' (or the plain number when not a power of 10)."""
    n = int(n)
    e = round(math.log10(n)) if n > 0 else 0
    return f"1e{e}" if 10 ** e == n else str(n)


def fmt_ratio(r):
    if r is None:
        return "—"
    return f"{r:.2f}x" if r < 10 else f"{r:.1f}x"


def metadata(peers=PEERS):
    """Versions and machine facts to store next to results."""
    import platform

    import sigfast
    from sigfast import _openmp
    return {
        "sigfast": sigfast.__version__,
        "simd_level": sigfast.simd_level,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": _openmp.cpu_count(),
        "default_threads": sigfast.get_num_threads(),
        "peers": available_peers(peers),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


def _worker():
    spec = json.loads(sys.stdin.read())
    prog = Progress() if spec.pop("progress", False) else None
    records = measure(spec.pop("funcs"), spec.pop("dtypes"), spec.pop("sizes"),
                      spec.pop("threads"), peers=spec.pop("peers"),
                      levels=spec.pop("levels"), rounds=spec.pop("rounds"),
                      min_time=spec.pop("min_time"), progress=prog, **spec)
    json.dump(records, sys.stdout)


if __name__ == "__main__":
    _worker()
