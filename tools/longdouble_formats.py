"""Check the long double kernels in the formats this machine's long double
is not: IEEE quad (aarch64 Linux) and IEEE double (MSVC, macOS arm64).

    python tools/longdouble_formats.py [--n 2000] [--formats quad,double]

x86-64 Linux with GCC and glibc >= 2.26 only.  sigfast/_core/longdouble.pxd
is compiled through a small Cython harness whose generated C is rewritten
from ``long double`` to ``_Float128`` (software quad, glibc's *f128
functions) or ``double``, against a copy of sigfast/src/sf_longdouble.h
whose <float.h> facts and ``L`` literals are those of the target format.
Inputs travel as hex strings (exact); every function is checked against
mpmath on whole-range inputs with all of the format's bits in play, the
format's own overflow/underflow cut-offs and the registry's special values.

The error is measured here with mpmath, in ulps of the target format (what
sigfast._testing.ulp does for NumPy dtypes, which cannot hold a quad).
Exits 1 if any function exceeds the registry's long double bound.
"""
import argparse
import importlib.util
import pathlib
import random
import re
import subprocess
import sys
import sysconfig
import tempfile

import mpmath
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _load(name, rel):
    # the source files themselves (plain Python that imports nothing of
    # sigfast): this tool needs no built or installed package
    spec = importlib.util.spec_from_file_location(name, ROOT / rel)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_registry = _load("sf_registry", "sigfast/_registry.py")
mpref = _load("sf_mpref", "sigfast/_testing/mpref.py")

#: name -> (C type, literal suffix, <float.h> facts, C function renames)
FORMATS = {
    "quad": ("_Float128", "Q",
             {"LDBL_MANT_DIG": "113", "LDBL_MIN_EXP": "(-16381)", "LDBL_MAX": "__FLT128_MAX__"},
             {"ldexpl": "ldexpf128", "frexpl": "frexpf128", "fabsl": "fabsf128",
              "strtold": "strtof128", "strfroml": "strfromf128"}),
    "double": ("double", "",
               {"LDBL_MANT_DIG": "53", "LDBL_MIN_EXP": "(-1021)", "LDBL_MAX": "__DBL_MAX__"},
               {"ldexpl": "ldexp", "frexpl": "frexp", "fabsl": "fabs",
                "strtold": "strtod", "strfroml": "strfromd"}),
}
PARAMS = {"quad": (113, -16382, 16383), "double": (53, -1022, 1023)}   # p, emin, emax
with mpmath.mp.workprec(300):
    X0 = mpmath.findroot(mpref.EXACT["silu_grad"], mpmath.mpf("-1.2784645427610738"))


def harness_source():
    names = _registry.NAMES
    lines = [
        "# cython: language_level=3",
        "from libc.stdlib cimport strtold",
        'cdef extern from "<stdlib.h>":',
        "    int strfroml(char* s, size_t n, const char* fmt, long double x)",
        "from sigfast._core.longdouble cimport " + ", ".join(n + "_ld" for n in names),
        "",
        "cdef str fmt(long double v):",
        "    cdef char buf[96]",
        '    strfroml(buf, 96, b"%a", v)',
        "    return buf.decode()",
        "",
        "cdef long double parse(str s):",
        "    b = s.encode()",
        "    return strtold(b, NULL)",
        "",
        "def run(str name, list xs, list ys=None):",
        "    out = []",
        "    cdef long double x, y",
        "    for i in range(len(xs)):",
        "        x = parse(xs[i])",
        "        y = parse(ys[i]) if ys is not None else 0",
    ]
    for k, n in enumerate(names):
        call = f"{n}_ld(x)" if n in _registry.UNARY else f"{n}_ld(x, y)"
        lines.append(f"        {'if' if k == 0 else 'elif'} name == {n!r}:")
        lines.append(f"            out.append(fmt({call}))")
    lines.append("    return out")
    return "\n".join(lines) + "\n"


def build(fmt, work):
    ctype, suffix, facts, renames = FORMATS[fmt]
    inc = work / f"inc_{fmt}"
    inc.mkdir()
    head = (ROOT / "sigfast" / "src" / "sf_longdouble.h").read_text()
    head = re.sub(r"(?<=[0-9.])L\b", suffix, head)
    head = head.replace("long double", ctype)
    over = "\n".join(f"#undef {k}\n#define {k} {v}" for k, v in facts.items())
    head = head.replace("#include <math.h>\n", "#include <math.h>\n" + over + "\n", 1)
    (inc / "sf_longdouble.h").write_text(head)
    c = (work / "harness.c").read_text().replace("long double", ctype)
    for a, b in renames.items():
        c = re.sub(rf"\b{a}\b", b, c)
    src = work / f"harness_{fmt}.c"
    src.write_text(c)
    so = work / f"harness_{fmt}{sysconfig.get_config_var('EXT_SUFFIX')}"
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-O2", "-ffp-contract=off", "-fno-math-errno",
         "-D__STDC_WANT_IEC_60559_TYPES_EXT__", "-Wno-unused-function",
         f"-I{inc}", f"-I{ROOT / 'sigfast' / 'src'}", f"-I{np.get_include()}",
         f"-I{sysconfig.get_paths()['include']}", str(src), "-o", str(so), "-lm"],
        check=True)
    spec = importlib.util.spec_from_file_location("harness", so)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def to_hex(v):
    """A Python float (signed zeros, inf, NaN included) or a finite mpf that
    the format represents, as a string strtold reads exactly."""
    if isinstance(v, float):
        return v.hex() if np.isfinite(v) else str(v)
    if v == 0:
        return "0x0p+0"
    sign, man, exp, _ = mpmath.mpf(v)._mpf_
    return f"{'-' if sign else ''}0x{man:x}p{exp:+d}"


def from_hex(s):
    s = s.strip()
    if "nan" in s:
        return mpmath.nan
    if "inf" in s:
        return -mpmath.inf if s.startswith("-") else mpmath.inf
    m = re.fullmatch(r"(-?)0x([0-9a-f]+)(?:\.([0-9a-f]*))?p([+-]\d+)", s)
    assert m, s
    frac = m.group(3) or ""
    man = int(m.group(2) + frac, 16)
    v = mpmath.ldexp(mpmath.mpf(man), int(m.group(4)) - 4 * len(frac))
    return -v if m.group(1) else v


def round_to(v, fmt):
    """mpf rounded to the format (subnormals included, no overflow care)."""
    p, emin, _ = PARAMS[fmt]
    if v == 0 or not mpmath.isfinite(v):
        return v
    _, e = mpmath.frexp(v)
    q = max(e - p, emin - p + 1)
    return mpmath.ldexp(mpmath.nint(mpmath.ldexp(v, -q)), q)


def ulp_error(got, want, fmt, allowance=0):
    p, emin, emax = PARAMS[fmt]
    if mpmath.isnan(want) or mpmath.isnan(got):
        return 0.0 if mpmath.isnan(want) and mpmath.isnan(got) else float("inf")
    if mpmath.isinf(want) or mpmath.isinf(got):
        big = mpmath.ldexp(1, emax + 1)
        ok = got == want or (mpmath.isinf(got) and abs(want) >= big and got * want > 0)
        return 0.0 if ok else float("inf")
    e = emin if want == 0 else max(int(mpmath.floor(mpmath.log(abs(want), 2))), emin)
    return float(max(abs(got - want) - allowance, 0) / mpmath.ldexp(1, e - p + 1))


def inputs(name, fmt, n, rng):
    """Whole-range inputs with every bit of the format random, and the
    format's cut-offs (ln of max, smallest normal, smallest subnormal +-1)."""
    p, emin, emax = PARAMS[fmt]
    mp = mpmath.mp
    ss = mpmath.ldexp(1, emin - p + 1)
    out = []
    if _registry.BY_NAME[name].domain == "unit":
        for _ in range(n // 3):
            out.append(mpmath.mpf(10) ** rng.uniform(float(mpmath.log10(ss)), 0))
            out.append(1 - mpmath.mpf(10) ** rng.uniform(-p * 0.301 - 0.3, 0))
            out.append(mpmath.mpf(rng.random()))
        out += [mpmath.mpf(v) for v in (0, 1, 0.5, 0.25, 0.75)]
        # logit near 1/2, where it has to keep full relative accuracy
        out += [mpmath.mpf(0.5) + rng.choice((-1, 1)) * mpmath.mpf(10) ** rng.uniform(-30, -2)
                for _ in range(n // 20)]
    else:
        lim = float(-mpmath.log(ss)) + 20
        for _ in range(n // 3):
            out.append(rng.choice((-1, 1)) * mpmath.mpf(10) ** rng.uniform(
                float(mpmath.log10(ss)), (emax + 1) * 0.30103 - 0.01))
            out.append(mpmath.mpf(rng.uniform(-lim, lim)))
            out.append(mpmath.mpf(rng.uniform(-20, 20)))
        cuts = [mpmath.log(mpmath.ldexp(1, emax + 1)) - mpmath.mpf(2) ** -60,
                -mpmath.log(mpmath.ldexp(1, emin)), -mpmath.log(ss)]
        out += [s * (c + d) for c in cuts for d in (-1, 0, 1) for s in (1, -1)]
        out += [mpmath.mpf(v) for v in (0.0, 88, -88, 709, -709, 745, -745, 37, -1.2785, 1e-30)]
        # around the zero of silu' (its Taylor window and beyond)
        out += [X0 + rng.choice((-1, 1)) * mpmath.mpf(10) ** rng.uniform(-30, -1)
                for _ in range(n // 20)]
    with mp.workprec(p + 64):
        # random low bits below float64's, then rounded to the format
        out = [round_to(v * (1 + mpmath.mpf(rng.uniform(-1, 1)) * mpmath.mpf(2) ** -52), fmt)
               for v in out]
    return out


def check(fmt, mod, n, seed):
    rng = random.Random(seed)
    worst = {}
    with mpmath.mp.workprec(300):
        for name in _registry.NAMES:
            u = _registry.BY_NAME[name]
            if name in _registry.UNARY:
                xs = inputs(name, fmt, n, rng)
                ys = None
            else:
                zs = inputs("sigmoid", fmt, n, rng)
                xs = zs + zs
                ys = [mpmath.mpf(rng.randint(0, 1)) for _ in zs] + [
                    round_to(mpmath.mpf(rng.random()), fmt) for _ in zs]
            got = mod.run(name, [to_hex(x) for x in xs], None if ys is None else [to_hex(y) for y in ys])
            args = [xs] if ys is None else [xs, ys]
            err = 0.0
            where = None
            c = (u.cancellation or {}).get("longdouble")
            for i, g in enumerate(got):
                a = [col[i] for col in args]
                want = mpref.EXACT[name](*a)
                # the registry's allowance: c * eps * |y| (long double units)
                slack = 0 if c is None else c * mpmath.ldexp(1, 1 - PARAMS[fmt][0]) * abs(a[1])
                e = ulp_error(from_hex(g), want, fmt, slack)
                if e > err:
                    err, where = e, (a, g)
            # special values, bit for bit (signed zeros included)
            for sargs, want in u.special:
                g = mod.run(name, [to_hex(float(sargs[0]))],
                            None if len(sargs) == 1 else [to_hex(float(sargs[1]))])[0]
                gv = from_hex(g)
                same = (mpmath.isnan(gv) and want != want) or (
                    gv == want and g.startswith("-") == (np.copysign(1.0, want) < 0))
                if not same:
                    err, where = float("inf"), (sargs, g)
            worst[name] = (err, where)
    return worst


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--formats", default="quad,double")
    a = ap.parse_args(argv)
    bad = False
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        (work / "harness.pyx").write_text(harness_source())
        subprocess.run([sys.executable, "-m", "cython", "-3", "-I", str(ROOT),
                        str(work / "harness.pyx"), "-o", str(work / "harness.c")], check=True)
        for fmt in a.formats.split(","):
            mod = build(fmt, work)
            for name, (err, where) in check(fmt, mod, a.n, a.seed).items():
                b = _registry.BY_NAME[name].max_ulp["longdouble"]
                flag = "" if err <= b else f"   FAIL (bound {b}) at {where}"
                bad |= err > b
                print(f"{fmt:6s} {name:26s} max {err:.3f} ulp{flag}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
