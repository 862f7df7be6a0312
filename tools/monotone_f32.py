"""Reversed adjacent pairs of sigfast's float32 kernels over every float32
input, on each interval where the exact function is monotone.

    python tools/monotone_f32.py [--level avx512] [--stride 1] [FUNC ...]

x runs through the float32 values in increasing order (-inf .. -0, then
+0 .. +inf; NaN left out); a pair of neighbours (x, x') inside one monotone
interval is reversed when f(x') < f(x) on an increasing piece (> on a
decreasing one).  Pairs that straddle an extremum are not counted.
FUNC is a unary ufunc or bce<y> / bce_grad<y> (bce_with_logits(z, y) and its
gradient at a fixed target y); the intervals are the registry's ``monotone``
pieces.
With --stride k only every k-th value is taken (neighbours at distance k).
Prints the count per interval and the first few reversed pairs.
"""
import argparse

import numpy as np

from sigfast import _dispatch, _registry

#: binary ufunc -> the prefix of its fixed-target names here (default: its name)
BINARY_PREFIX = {"bce_with_logits": "bce", "bce_with_logits_grad": "bce_grad",
                 "glu": "glu", "swiglu": "swiglu"}
#: {name: [(lo, hi, +1 increasing / -1 decreasing), ...]}: the registry's
#: monotone pieces; a binary function's per target y as "<prefix><y>"
PIECES = {}
#: name -> (ufunc name, fixed target or None)
TARGETS = {}
for _u in _registry.UFUNCS:
    if _u.nin == 1:
        PIECES[_u.name], TARGETS[_u.name] = list(_u.monotone), (_u.name, None)
        continue
    for _y, _pieces in _u.monotone:
        _key = f"{BINARY_PREFIX.get(_u.name, _u.name)}{_y:g}"
        PIECES[_key], TARGETS[_key] = list(_pieces), (_u.name, _y)
del _u


def ordered_chunks(stride, chunk):
    """float32 values in increasing order, in chunks."""
    neg = np.uint64(0xFF800000)
    for hi in range(int(neg), 0x80000000 - 1, -chunk):       # -inf .. -0
        lo = max(hi - chunk + 1, 0x80000000)
        yield np.arange(hi, lo - 1, -stride, dtype=np.int64).astype(np.uint32).view(np.float32)
    for lo in range(0, 0x7F800001, chunk):                    # +0 .. +inf
        hi = min(lo + chunk, 0x7F800001)
        yield np.arange(lo, hi, stride, dtype=np.int64).astype(np.uint32).view(np.float32)


def function(mod, name):
    uname, y = TARGETS[name]
    f = mod.UFUNCS[uname]
    return f if y is None else (lambda x: f(x, np.float32(y)))


def scan(mod, name, stride=1, chunk=1 << 24, show=5):
    f = function(mod, name)
    pieces = PIECES[name]
    counts = [0] * len(pieces)
    first = []
    px = py = None
    with np.errstate(all="ignore"):
        for x in ordered_chunks(stride, chunk):
            y = f(x).astype(np.float64)
            if px is not None:
                x = np.concatenate([[px], x])
                y = np.concatenate([[py], y])
            px, py = x[-1], y[-1]
            xs = x.astype(np.float64)
            for k, (lo, up, sign) in enumerate(pieces):
                # both ends of the pair inside [lo, up]
                a, b = xs[:-1], xs[1:]
                inside = (a >= lo) & (b <= up)
                bad = inside & (sign * (y[1:] - y[:-1]) < 0)
                n = int(bad.sum())
                if n:
                    counts[k] += n
                    for i in np.flatnonzero(bad)[:max(0, show - len(first))]:
                        first.append((float(x[i]), float(x[i + 1]), float(y[i]), float(y[i + 1])))
    return counts, first


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("funcs", nargs="*", default=list(PIECES))
    ap.add_argument("--level", default=None)
    ap.add_argument("--stride", type=int, default=1)
    a = ap.parse_args(argv)
    level = a.level or _dispatch.active().level
    mod = _dispatch.load(level)
    for name in a.funcs:
        counts, first = scan(mod, name, a.stride)
        print(f"{level} {name}: {sum(counts)} reversed pairs "
              f"(per piece {counts}); first: {first}", flush=True)


if __name__ == "__main__":
    main()
