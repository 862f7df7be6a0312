#!/usr/bin/env python
"""Regenerate sigfast/src/sf_poly.h: every table and polynomial coefficient
set of the kernels, from mpmath; and sigfast/_core/poly.pxd, Cython's
declarations of everything the header defines (so a new constant is
declared where it is generated, never by hand).

    python tools/precompute/kernel_tables.py            # rewrite both
    python tools/precompute/kernel_tables.py --check    # exit 1 if one is stale

Each set is written as exact hex-float literals with the fit that produced
it and the measured error of the rounded coefficients.  Fits are minimax
(tools/precompute/remez.py), relative to the function where that is what
the kernel needs.  tests/test_precompute.py runs --check.
"""
import argparse
import math
import os
import re
import sys

import mpmath as mp
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import remez  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "sigfast", "src", "sf_poly.h")
PXD = os.path.join(HERE, "..", "..", "sigfast", "_core", "poly.pxd")
mp.mp.prec = 256


def f32(x):
    return float(np.float32(float(x)))


def hexf(x, single):
    return (float(x).hex() + "f") if single else float(x).hex()


def array(name, values, single):
    ctype = "float" if single else "double"
    body = ",\n    ".join(", ".join(hexf(v, single) for v in values[i:i + 4])
                          for i in range(0, len(values), 4))
    return f"static const {ctype} {name}[{len(values)}] = {{\n    {body}}};\n"


def define(name, value, single):
    return f"#define {name} {hexf(value, single)}\n"


def split_hi(x, bits, single):
    """x rounded to `bits` significant bits (so small multiples are exact)."""
    m, e = math.frexp(float(x))
    return math.ldexp(round(m * 2 ** bits) / 2 ** bits, e)


def exp_tables():
    out = ["/* ---- exp: 16-entry table of 2 * 2**(-j/16), hi and lo words ------------\n"
           " * sigma(x) = 2**(K+1) / (2**(K+1) + 2 T_j e**-r), x = (16K + j) ln2/16 + r.\n"
           " * hi = the value rounded to the type; lo = the rest, rounded. */\n"]
    for single, tag in ((True, "F"), (False, "D")):
        hi, lo = [], []
        for j in range(16):
            v = 2 * mp.power(2, mp.mpf(-j) / 16)
            h = f32(v) if single else float(v)
            hi.append(h)
            lo.append(f32(v - mp.mpf(h)) if single else float(v - mp.mpf(h)))
        out.append(array(f"SF_T16{tag}_HI", hi, single))
        out.append(array(f"SF_T16{tag}_LO", lo, single))
    return "".join(out)


def reduction():
    out = ["/* ---- ln2/16 for the reduction r = x - n ln2/16 ----------------------------\n"
           " * HI has few enough bits that n*HI is exact for every n the clamped\n"
           " * arguments give (|n| < 2**12 in float32: 12 bits; |n| < 2**15 in\n"
           " * float64: 38 bits); HI + LO is ln2/16 to the type's precision. */\n"]
    L = mp.log(2) / 16
    hi = split_hi(L, 12, True)
    out += [define("SF_L16F_INV", f32(1 / L), True), define("SF_L16F_HI", hi, True),
            define("SF_L16F_LO", f32(L - mp.mpf(hi)), True)]
    hi = split_hi(L, 38, False)
    out += [define("SF_L16D_INV", float(1 / L), False), define("SF_L16D_HI", hi, False),
            define("SF_L16D_LO", float(L - mp.mpf(hi)), False)]
    return "".join(out)


def fitted(name, f, powers, a, b, weight, single, what):
    c, _ = remez.fit(f, powers, a, b, weight=weight)
    cr = remez.round_to(c, "f" if single else "d")
    err = remez.max_error(f, cr, powers, a, b, weight=weight, grid=3000)
    head = (f"/* {name}: {what}\n * minimax on [{float(a):.6g}, {float(b):.6g}], powers "
            f"{powers[0]}..{powers[-1]}; max error of the rounded coefficients "
            f"2**{math.log2(err):.1f} */\n")
    return head + "".join(define(f"{name}_C{k}", v, single) for k, v in zip(powers, cr))


def polys():
    R = mp.log(2) / 32
    expm1 = lambda r: mp.exp(-r) - 1 + r                     # noqa: E731
    rel = lambda r: 1 / mp.exp(-r)                            # noqa: E731
    S2 = mp.mpf("0.1716") ** 2                                # |s| <= (sqrt2-1)/(sqrt2+1)

    def logR(z):
        s = mp.sqrt(z)
        return (2 * mp.atanh(s) - 2 * s) / s if z != 0 else mp.mpf(0)
    return "\n".join([
        fitted("SF_EXPF", expm1, [2, 3], -R, R, rel, True,
               "e**-r - 1 + r = r**2 (C2 + C3 r), relative to e**-r"),
        fitted("SF_EXPD", expm1, [2, 3, 4, 5, 6, 7], -R, R, rel, False,
               "e**-r - 1 + r = r**2 (C2 + ... + C7 r**5), relative to e**-r"),
        fitted("SF_LOGF", logR, [1, 2, 3, 4], 0, S2, None, True,
               "log1p(f) = 2s + s R(s**2), s = f/(2+f): R(z) = C1 z + ... + C4 z**4"),
        fitted("SF_LOGD", logR, [1, 2, 3, 4, 5, 6, 7], 0, S2, None, False,
               "log1p(f) = 2s + s R(s**2), s = f/(2+f): R(z) = C1 z + ... + C7 z**7"),
        logit_f32_poly(),
    ])


def logit_f32_poly():
    """float32 logit: log m = 2 atanh(s) = 2s + 2s R(s**2), s = (m-1)/(m+1).

    logit_f32 reduces p/(1-p) = 2**J m with J rounded from the difference
    of the two numbers' bit patterns (Mitchell's log2(1+f) ~ f), so m is
    within 2**(1/2 + E) of 1, E = max(log2(1+f) - f) = log2(1/ln2) - 1/ln2
    + 1 = 0.0861; |s| <= 0.2004.  R's absolute error is the relative error
    of the 2 atanh(s) it gives."""
    E = mp.log(1 / mp.log(2), 2) - 1 / mp.log(2) + 1
    M = mp.power(2, mp.mpf(1) / 2 + E)
    smax = (M - 1) / (M + 1)

    def R(z):
        s = mp.sqrt(z)
        return mp.atanh(s) / s - 1 if z != 0 else mp.mpf(0)
    return fitted("SF_LOGITF", R, [1, 2, 3], 0, smax ** 2, None, True,
                  "2 atanh(s) = 2s (1 + R(s**2)): R(z) = C1 z + C2 z**2 + C3 z**3")


def silu_taylor():
    """Taylor series of silu' about its zero x0 (silu_grad's patch)."""
    with mp.workprec(400):
        sig = lambda x: 1 / (1 + mp.exp(-x))                   # noqa: E731
        g = lambda x: sig(x) * (1 + x * sig(-x))               # noqa: E731
        x0 = mp.findroot(g, mp.mpf("-1.2784645427610738"))
        c = mp.taylor(g, x0, 10)
        x0h = float(x0)
        x0l = float(x0 - mp.mpf(x0h))
        c1h = float(c[1])
        c1l = float(c[1] - mp.mpf(c1h))
    out = ["/* ---- silu' near its zero x0: x0 = X0_HI + X0_LO and the Taylor\n"
           " * coefficients of silu' about x0 (mpmath.taylor, 400 bits), C1 as two\n"
           " * words (hi, lo). */\n",
           define("SF_SILU_X0_HI", x0h, False), define("SF_SILU_X0_LO", x0l, False),
           define("SF_SILU_T1_HI", c1h, False), define("SF_SILU_T1_LO", c1l, False)]
    out += [define(f"SF_SILU_T{k}", float(c[k]), False) for k in range(2, 11)]
    # float32: x0 in three words (the float32 nearest x0 is only 1.3e-8 from
    # it, so two words would leave d = x - x0 there with 2**-22 relative
    # error), C1 in two, C2..C6 rounded (degree 6 leaves 2**-32 relative
    # truncation at |d| = 1/16).
    with mp.workprec(400):
        xh = f32(x0)
        xl = f32(x0 - mp.mpf(xh))
        xl2 = f32(x0 - mp.mpf(xh) - mp.mpf(xl))
        t1h = f32(c[1])
        t1l = f32(c[1] - mp.mpf(t1h))
    out += ["/* float32: x0 = X0_HI + X0_LO + X0_LO2, C1 = T1_HI + T1_LO, C2..C6. */\n",
            define("SF_SILU_F_X0_HI", xh, True), define("SF_SILU_F_X0_LO", xl, True),
            define("SF_SILU_F_X0_LO2", xl2, True),
            define("SF_SILU_F_T1_HI", t1h, True), define("SF_SILU_F_T1_LO", t1l, True)]
    out += [define(f"SF_SILU_F_T{k}", f32(c[k]), True) for k in range(2, 7)]
    # the windows |x - x0| < NEAR where the kernels take these series: the
    # degree above is chosen for them (float64: truncation below 2e-6 ulp
    # at 1e-2; float32: 2**-32 relative at 1/16)
    out += ["/* silu_grad takes the series where |x - x0| < NEAR (float64) /\n"
            " * F_NEAR (float32), the windows the degrees are chosen for. */\n",
            define("SF_SILU_NEAR", 1e-2, False), define("SF_SILU_F_NEAR", 0.0625, True)]
    return "".join(out)


def render():
    return ("/* Generated by tools/precompute/kernel_tables.py -- do not edit.\n"
            " * Tables and polynomial coefficients of the kernels (sigfast/_core). */\n"
            "#ifndef SF_POLY_H\n#define SF_POLY_H\n\n"
            + exp_tables() + "\n" + reduction() + "\n" + polys() + "\n\n" + silu_taylor()
            + "\n#endif /* SF_POLY_H */\n")


def declarations(header):
    """poly.pxd: a Cython declaration of every name ``header`` defines (a
    float constant for an ``f``-suffixed literal, arrays with their length)."""
    lines = ["# Generated by tools/precompute/kernel_tables.py -- do not edit.\n",
             "# Cython's declarations of sigfast/src/sf_poly.h (values and their\n",
             "# fits: there).\n",
             'cdef extern from "sf_poly.h" nogil:\n']
    for m in re.finditer(r"^#define (SF_\w+) (\S+)$|^static const (\w+) (SF_\w+)\[(\d+)\]",
                         header, re.M):
        if m.group(1):
            ctype = "float" if m.group(2).endswith("f") else "double"
            lines.append(f"    const {ctype} {m.group(1)}\n")
        else:
            lines.append(f"    const {m.group(3)} {m.group(4)}[{m.group(5)}]\n")
    return "".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true",
                    help="compare with the files instead of writing them")
    ap.add_argument("--out", default=OUT, help="the header (default: %(default)s)")
    ap.add_argument("--pxd", default=PXD, help="the declarations (default: %(default)s)")
    a = ap.parse_args(argv)
    text = render()
    files = {a.out: text, a.pxd: declarations(text)}
    if a.check:
        stale = [p for p, t in files.items()
                 if (open(p).read() if os.path.exists(p) else None) != t]
        for p in stale:
            print(f"{p} is stale: run python tools/precompute/kernel_tables.py")
        if stale:
            return 1
        print(f"{a.out} is current")
        return 0
    for p, t in files.items():
        with open(p, "w") as fh:
            fh.write(t)
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
