"""What sigfast is compared with: the NumPy expression a user would write,
and the peer libraries' equivalents (SciPy, PyTorch, JAX), each used only
when importable.

:data:`COMPARE` has one :class:`Compare` per ufunc of the registry (a test
checks the two lists agree) plus the mean BCE loss.
"""
import os

import numpy as np

from .. import _registry

PEERS = ("scipy", "torch", "jax")


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


def _np_log1mexp(x, out):
    # Maechler's two branches, as NumPy users write them (both evaluated)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(x > -0.6931471805599453, np.log(-np.expm1(x)), np.log1p(-np.exp(x)))
    if out is None:
        return r
    np.copyto(out, r)
    return out


def _np_logit_eps(p, eps, out):
    z = np.clip(p, eps, 1 - eps)
    return np.log(z / (1 - z), out=out)


class Compare:
    """The comparisons of one sigfast function.

    ``numpy(*args, out)`` is the NumPy expression (shown as ``numpy_src``);
    ``peers``: ``{peer: what}`` understood by :func:`peer_candidate`;
    ``reduce``: the sigfast callable is a loss (returns a scalar, no ``out=``).
    """

    def __init__(self, name, numpy_fn, numpy_src, peers=None, reduce=False):
        self.name = name
        self.numpy = numpy_fn
        self.numpy_src = numpy_src
        self.peers = peers or {}
        self.reduce = reduce

    @property
    def nin(self):
        return 2 if self.reduce else _registry.BY_NAME[self.name].nin


COMPARE = {c.name: c for c in [
    Compare("sigmoid", _np_sigmoid, "1/(1+np.exp(-x))",
            {"scipy": "expit", "torch": "sigmoid", "jax": "sigmoid"}),
    Compare("sigmoid_grad", _np_sigmoid_grad, "s=1/(1+np.exp(-x)); s*(1-s)"),
    Compare("sigmoid_grad_from_output", lambda y, out: np.multiply(y, 1 - y, out=out),
            "y*(1-y)"),
    Compare("log_sigmoid", _np_log_sigmoid, "-np.logaddexp(0, -x)",
            {"scipy": "log_expit", "torch": "log_sigmoid", "jax": "log_sigmoid"}),
    Compare("softplus", lambda x, out: np.logaddexp(0, x, out=out),
            "np.logaddexp(0, x)", {"torch": "softplus", "jax": "softplus"}),
    Compare("logit", lambda p, out: np.log(p / (1 - p), out=out),
            "np.log(p/(1-p))", {"scipy": "logit", "torch": "logit"}),
    Compare("silu", lambda x, out: np.divide(x, 1 + np.exp(-x), out=out),
            "x/(1+np.exp(-x))", {"torch": "silu", "jax": "silu"}),
    Compare("silu_grad", _np_silu_grad, "s=1/(1+np.exp(-x)); s*(1+x*(1-s))"),
    Compare("log1mexp", _np_log1mexp,
            "np.where(x > -ln2, np.log(-np.expm1(x)), np.log1p(-np.exp(x)))"),
    Compare("bce_with_logits", _np_bce,
            "np.maximum(z,0) - z*y + np.log1p(np.exp(-np.abs(z)))",
            {"torch": "bce_none"}),
    Compare("bce_with_logits_grad",
            lambda z, y, out: np.subtract(1 / (1 + np.exp(-z)), y, out=out),
            "1/(1+np.exp(-z)) - y"),
    Compare("glu", lambda a, b, out: np.divide(a, 1 + np.exp(-b), out=out),
            "a/(1+np.exp(-b))", {"torch": "glu"}),
    Compare("swiglu", lambda a, b, out: np.multiply(a / (1 + np.exp(-a)), b, out=out),
            "a/(1+np.exp(-a))*b", {"torch": "swiglu"}),
    Compare("logit_eps", _np_logit_eps, "z = np.clip(p, eps, 1-eps); np.log(z/(1-z))",
            {"torch": "logit_eps"}),
    Compare("binary_cross_entropy_with_logits",
            lambda z, y, out: np.mean(np.maximum(z, 0) - z * y
                                      + np.log1p(np.exp(-np.abs(z)))),
            "np.mean(<bce expression>)", {"torch": "bce_mean", "jax": "bce_mean"},
            reduce=True),
]}

#: The ufuncs, in registry order, and the benchmarked losses.
UFUNC_NAMES = [n for n in _registry.NAMES if n in COMPARE]
LOSS_NAMES = [n for n, c in COMPARE.items() if c.reduce]

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


def loaded_peer(name):
    """The peer module if :func:`load_peer` already imported it, else None."""
    return _PEER_MODULES.get(name)


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


#: The CPUs this process could use before load_jax_on_one_cpu (None: not
#: changed, or no affinity control on this OS).
ALL_CPUS = None


def load_jax_on_one_cpu():
    """Load JAX so that its CPU client computes on one CPU, and keep the
    rest of the process (sigfast, NumPy, PyTorch: 1 thread each) on the
    other CPUs; returns the JAX module (None when JAX is not installed).

    From jax 0.10 the CPU client runs a jitted computation on a pool of one
    thread per CPU whatever XLA_FLAGS say (measured here: CPU time / wall
    time 1.78-1.93 at n = 1e7 with the single-threaded flags).  The pool is
    made when the client starts and its threads keep the CPU mask of the
    thread that started it: so the process is restricted to one CPU while
    JAX starts, and the calling thread then moves to the other CPUs.

    Why not the whole process on one CPU: after a JAX call its pool keeps
    that CPU busy for a while, and the candidate timed next ran up to 45 %
    slower (float64 sigmoid at 1e7: 0.85 instead of 1.48 Gelem/s).  The cost
    of this split, measured here: JAX itself runs 12-25 % slower than with
    everything on one CPU (a cross-CPU wake-up per call; float64 sigmoid
    0.549 vs 0.732 Gelem/s at 1e5, 0.206 vs 0.233 at 1e7), so JAX's figures
    are on the low side by that much.  With a single CPU the process keeps
    it (no split)."""
    global ALL_CPUS
    if "jax" in _PEER_MODULES:
        return _PEER_MODULES["jax"]
    if not hasattr(os, "sched_setaffinity"):
        return load_peer("jax")
    cpus = sorted(os.sched_getaffinity(0))
    ALL_CPUS = set(cpus)
    os.sched_setaffinity(0, {cpus[-1]})
    try:
        jax = load_peer("jax")
        if jax is not None:
            jax.jit(lambda v: v + 1)(jax.numpy.ones(4)).block_until_ready()
    finally:
        os.sched_setaffinity(0, set(cpus[:-1]) or {cpus[-1]})
    return jax


def keep_off_jax_cpu():
    """Move the calling thread off JAX's CPU again (after release_cpus)."""
    if ALL_CPUS is not None and len(ALL_CPUS) > 1:
        os.sched_setaffinity(0, set(sorted(ALL_CPUS)[:-1]))


def release_cpus():
    """Give the calling thread every CPU back (after load_jax_on_one_cpu),
    e.g. before timing sigfast with more threads: OpenMP's threads inherit
    the mask of the thread that creates them."""
    if ALL_CPUS is not None:
        os.sched_setaffinity(0, ALL_CPUS)


def jax_config():
    """A line telling how JAX's CPU backend is configured in this process."""
    flags = os.environ.get("XLA_FLAGS")
    split = (ALL_CPUS is not None and len(ALL_CPUS) > 1
             and _PEER_MODULES.get("jax") is not None)
    return ((f"XLA_FLAGS={flags!r}" if flags else "default XLA flags")
            + ("; its thread pool on 1 CPU, the other candidates on the others"
               if split else ""))


def _torch_candidate(torch, what, args, out):
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
    if what == "glu":                   # a*torch.sigmoid(b), as users write it
        return lambda: torch.mul(x, torch.sigmoid(ta[1]), out=to)
    if what == "swiglu":                # F.silu(a)*b
        return lambda: torch.mul(F.silu(x), ta[1], out=to)
    if what == "logit_eps":
        # PyTorch's eps is one number; the bench's second operand is an array
        eps = float(args[1].flat[0]) if args[1].size else 1e-6
        return lambda: torch.logit(x, eps, out=to)
    if what == "bce_none":
        y = ta[1]
        return lambda: F.binary_cross_entropy_with_logits(x, y, reduction="none")
    if what == "bce_mean":
        y = ta[1]
        return lambda: F.binary_cross_entropy_with_logits(x, y)
    return None


def _jax_bce_mean(jax):
    """The stable BCE-with-logits mean as a JAX user writes it; under
    ``jax.jit`` XLA fuses it into one pass."""
    jnp = jax.numpy

    def bce_mean(z, y):
        return jnp.mean(jnp.maximum(z, 0) - z * y + jnp.log1p(jnp.exp(-jnp.abs(z))))
    return bce_mean


def peer_candidate(peer, func, args, out):
    """Zero-argument callable running ``peer``'s version of ``func`` on
    ``args`` (NumPy arrays), writing into ``out`` where the peer has ``out=``;
    None when the peer lacks the function or is not installed."""
    what = COMPARE[func].peers.get(peer)
    mod = load_peer(peer) if what else None
    if mod is None:
        return None
    if peer == "scipy":
        uf = getattr(mod, what)
        return lambda: uf(*args, out=out)
    if peer == "torch":
        return _torch_candidate(mod, what, args, out)
    if peer == "jax":
        fn = mod.jit(_jax_bce_mean(mod) if what == "bce_mean" else getattr(mod.nn, what))
        ja = [mod.device_put(a) for a in args]
        return lambda: fn(*ja).block_until_ready()
    return None
