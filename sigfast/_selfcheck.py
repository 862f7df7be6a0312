"""The self-check of ``python -m sigfast``, driven by the registry.

For every ufunc of ``sigfast._registry``, every dtype and every SIMD level
this CPU runs:

1. its special values (the registry's ``special``), compared bit for bit;
2. its error in ulps against the reference twin (``sigfast._ref.EXACT``)
   at a few hundred points (:func:`sigfast._testing.inputs.check_points`),
   within :data:`TOL_ULPS` (plus the registry's cancellation allowance);
3. bit-identical results for 1 thread vs the default, and contiguous vs
   strided input.

Then the mean BCE loss against the reference.  Prints one PASS/FAIL line per
function; :func:`self_check` returns (ok, results).
"""
import math
import sys

import numpy as np

import sigfast
from . import _dispatch, _ref, _registry
from ._testing.inputs import check_points
from ._testing.ulp import ulp_errors

DTYPES = ("float32", "float64")
#: Allowed error in ulps of the result's dtype against the reference twin.
TOL_ULPS = 4.0
#: name -> exact formula: float arrays in, double-double (hi, lo) of float64
#: arrays out (replaceable, e.g. by a test).  Double-double, not long double:
#: the same reference on every platform.
REFS = dict(_ref.EXACT)


def _same_bits(a, b):
    a = np.asarray(a)
    b = np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def special_value_failures(mod, entry, dt):
    """Descriptions of the registry special values ``mod`` gets wrong."""
    t = np.dtype(dt).type
    fails = []
    f = getattr(mod, entry.name)
    with np.errstate(all="ignore"):
        for args, want in entry.special:
            got = f(*[t(a) for a in args])
            w = t(want)
            ok = (np.isnan(got) and np.isnan(w)) or _same_bits(got, w)
            if not ok:
                fails.append(f"{entry.name}{tuple(args)} = {got!r}, want {w!r}")
    return fails


def ulp_failures(mod, entry, dt):
    """(max ulp, [failure descriptions]) of ``mod``'s ``entry`` at the
    check points of ``dt``."""
    args = check_points(entry.name, dt)
    with np.errstate(all="ignore"):
        got = getattr(mod, entry.name)(*args)
        hi, lo = REFS[entry.name](*args)
    allowance = None
    c = (entry.cancellation or {}).get(dt)
    if c is not None:
        allowance = c * np.abs(args[-1].astype(np.float64))
    err = ulp_errors(got, hi, lo, dt, allowance)
    worst = float(err.max())
    fails = []
    if worst > TOL_ULPS:
        i = int(np.argmax(err))
        inp = ", ".join(repr(a[i].item()) for a in args)
        fails.append(f"{worst:.3g} ulp > {TOL_ULPS:g} at ({inp}): got {got[i].item()!r}, "
                     f"ref {float(hi[i])!r}")
    return worst, fails


def consistency_failures(name, dt):
    """Bit-identical results: 1 thread vs the default thread count, and
    contiguous vs strided input, on an array large enough to be threaded."""
    uf = sigfast.UFUNCS[name]
    args = [np.resize(a, 1 << 17) for a in check_points(name, dt)]
    with np.errstate(all="ignore"):
        with sigfast.num_threads(1):
            one = uf(*args)
        many = uf(*args)
        strided = uf(*[np.repeat(a, 2)[::2] for a in args])
    out = []
    if not _same_bits(one, many):
        out.append(f"threads 1 vs {sigfast.get_num_threads()} not bit-identical")
    if not _same_bits(one, strided):
        out.append("strided vs contiguous not bit-identical")
    return out


def loss_status():
    """PASS/FAIL of the mean BCE loss against the reference twin."""
    z, y = check_points("bce_with_logits", "float64")
    try:
        got = sigfast.binary_cross_entropy_with_logits(z, y)
    except Exception as exc:  # report, do not crash the self-check
        return f"FAIL ({type(exc).__name__}: {exc})"
    hi, lo = REFS["bce_with_logits"](z, y)
    ref = math.fsum(np.concatenate([hi, lo])) / hi.size
    ok = np.ndim(got) == 0 and abs(float(got) - ref) <= 1e-12 * max(abs(ref), 1)
    return "PASS" if ok else f"FAIL (got {got!r}, ref {ref!r})"


def self_check(stream=sys.stdout, levels=None):
    """Run the self-check; print one PASS/FAIL line per function (details for
    failures) and return (ok, results dict)."""
    levels = levels or _dispatch.runnable_levels()
    mods = {lv: _dispatch.load(lv) for lv in levels}
    results = {u.name: {"failures": [], "max_ulps": {}} for u in _registry.UFUNCS}
    for lv, mod in mods.items():
        for dt in DTYPES:
            for entry in _registry.UFUNCS:
                r = results[entry.name]
                r["failures"] += [f"[{lv} {dt}] {m}"
                                  for m in special_value_failures(mod, entry, dt)]
                worst, fails = ulp_failures(mod, entry, dt)
                r["max_ulps"][dt] = max(worst, r["max_ulps"].get(dt, 0.0))
                r["failures"] += [f"[{lv} {dt}] {m}" for m in fails]
    for entry in _registry.UFUNCS:
        for dt in DTYPES:
            results[entry.name]["failures"] += [
                f"[{dt}] {m}" for m in consistency_failures(entry.name, dt)]
    losses = {"binary_cross_entropy_with_logits": loss_status()}

    all_ok = True
    w = max(len(n) for n in results)
    print(f"self-check (levels: {', '.join(levels)}; tolerance {TOL_ULPS:g} ulp "
          f"vs the reference twin):", file=stream)
    for name, r in results.items():
        ok = not r["failures"]
        all_ok &= ok
        ulps = "  ".join(f"{dt}: {u:.2f} ulp" for dt, u in r["max_ulps"].items())
        print(f"  {'PASS' if ok else 'FAIL'}  {name:<{w}}  max err {ulps}", file=stream)
        for msg in r["failures"][:8]:
            print(f"        {msg}", file=stream)
        r["ok"] = ok
    for name, st in losses.items():
        all_ok &= not st.startswith("FAIL")
        print(f"  {st}  {name}", file=stream)
    return all_ok, {"functions": results, "losses": losses}
