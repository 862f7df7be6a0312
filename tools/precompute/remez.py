"""Minimax polynomial fits (Remez exchange) in mpmath, for the kernel
coefficient sets of sigfast (tools/precompute/*.py).

    fit(f, powers, a, b, weight=None, prec=256) -> (coefficients, max error)

finds c minimising max over [a, b] of |weight(x) * (f(x) - sum c_k x**k)|
for the given list of powers k (e.g. [2, 3] for e**-r - 1 + r ~ r**2 (c2 +
c3 r)), by the classical exchange: solve on len(powers) + 1 reference
points with alternating error, move the points to the extrema of the new
error curve, repeat until the extrema are level.  ``round_to`` then rounds
the coefficients to float32/float64 and reports the error of the rounded
polynomial, which is what the kernel evaluates.
"""
import mpmath as mp


def _alternating(cands):
    """Merge neighbouring candidates of one sign, keeping the larger |e|."""
    out = []
    for x, e in cands:
        if out and (out[-1][1] >= 0) == (e >= 0):
            if abs(e) > abs(out[-1][1]):
                out[-1] = (x, e)
        else:
            out.append((x, e))
    return out


def _extrema(err, a, b, m, grid=4000):
    """Abscissas of m alternating extrema of err on [a, b], the largest ones."""
    xs = [a + (b - a) * mp.mpf(i) / grid for i in range(grid + 1)]
    cands = _alternating([(x, err(x)) for x in xs])
    # refine each by golden-section on |err| around its grid point
    h = (b - a) / grid
    refined = []
    for x, e in cands:
        lo, hi = max(a, x - h), min(b, x + h)
        for _ in range(60):
            m1 = lo + (hi - lo) * mp.mpf("0.381966011250105151795")
            m2 = lo + (hi - lo) * mp.mpf("0.618033988749894848205")
            if abs(err(m1)) > abs(err(m2)):
                hi = m2
            else:
                lo = m1
        t = (lo + hi) / 2
        refined.append((t, err(t)))
    # drop the smallest extremum (and re-merge same-sign neighbours) until m remain
    pts = _alternating(refined)
    while len(pts) > m:
        i = min(range(len(pts)), key=lambda k: abs(pts[k][1]))
        if 0 < i < len(pts) - 1:
            # removing an inner point joins two of one sign: drop it with the
            # smaller of its neighbours so the rest still alternates
            j = i - 1 if abs(pts[i - 1][1]) < abs(pts[i + 1][1]) else i + 1
            pts = [p for k, p in enumerate(pts) if k not in (i, j)]
            pts = _alternating(pts)
        else:
            pts.pop(i)
    return [x for x, _ in pts]


def fit(f, powers, a, b, weight=None, prec=256, iterations=30):
    """Minimax coefficients (mpf, in the order of ``powers``) and the max
    weighted error.

    ``powers`` must be consecutive (s, s+1, ..., s+n-1).  The fit is done on
    g(x) = f(x)/x**s with the basis 1, x, ..., x**(n-1) and weight
    weight(x)*|x|**s, which is the same problem but satisfies the Haar
    condition when s > 0 (x**s vanishes at 0, where the exchange would
    otherwise stall).
    """
    weight = weight or (lambda x: 1)
    n = len(powers)
    s = powers[0]
    if list(powers) != list(range(s, s + n)):
        raise ValueError("powers must be consecutive")
    if s:
        tiny = mp.mpf(2) ** -(prec // 2)

        def g(x):
            x = x if x != 0 else tiny
            return f(x) / x ** s
        c, e = fit(g, list(range(n)), a, b,
                   weight=lambda x: weight(x) * abs(x) ** s, prec=prec, iterations=iterations)
        return c, e
    with mp.workprec(prec):
        a, b = mp.mpf(a), mp.mpf(b)
        # start from Chebyshev nodes (never exactly a zero of the weight)
        pts = [(a + b) / 2 - (b - a) / 2 * mp.cos(mp.pi * (i + mp.mpf(1) / 2) / (n + 1))
               for i in range(n + 1)]
        best = None
        for _ in range(iterations):
            # weight(x) (f(x) - sum c_k x^k) = (-1)^i E at the points
            A = mp.matrix(n + 1, n + 1)
            rhs = mp.matrix(n + 1, 1)
            for i, x in enumerate(pts):
                w = weight(x)
                for j, k in enumerate(powers):
                    A[i, j] = w * x ** k
                A[i, n] = (-1) ** i
                rhs[i] = w * f(x)
            sol = mp.lu_solve(A, rhs)
            c = [sol[j] for j in range(n)]

            def err(x, c=c):
                return weight(x) * (f(x) - sum(ck * x ** k for ck, k in zip(c, powers)))
            new = _extrema(err, a, b, n + 1)
            emax = max(abs(err(x)) for x in new)
            emin = min(abs(err(x)) for x in new)
            best = (c, emax)
            if len(new) == n + 1:
                pts = new
            if emax - emin < emax * mp.mpf("1e-6"):
                break
        return best


def max_error(f, c, powers, a, b, weight=None, grid=20000, prec=256):
    """Max weighted error of sum c_k x^k (any numbers) on a fine grid."""
    weight = weight or (lambda x: 1)
    with mp.workprec(prec):
        a, b = mp.mpf(a), mp.mpf(b)
        worst = mp.mpf(0)
        for i in range(grid + 1):
            x = a + (b - a) * mp.mpf(i) / grid
            e = abs(weight(x) * (f(x) - sum(mp.mpf(ck) * x ** k for ck, k in zip(c, powers))))
            worst = max(worst, e)
        return worst


def round_to(c, dtype):
    """Round mpf coefficients to float32 ('f') or float64 ('d') Python floats."""
    import numpy as np
    t = np.float32 if dtype == "f" else np.float64
    return [float(t(float(x))) if dtype == "d" else float(t(float(mp.mpf(x)))) for x in c]
