"""Check on Linux, as far as a compiler here can, that MSVC builds sigfast's
three x86-64 levels: the kernel headers (sigfast/src) compiled for the
Windows target by clang in MSVC mode.

    python tools/msvc_check.py                 # everything (needs clang, llvm-objdump)
    python tools/msvc_check.py --selection     # the backend choice only (any cc)

1. Selection (any C compiler, ``cc -E -undef``): sf_vec_select.h under
   exactly the macros each compiler and flag set predefines (cl.exe x64
   with no /arch, /arch:SSE4.2, AVX2, AVX512; ARM64EC; 32-bit x86;
   clang-cl; GCC -march=x86-64, -v2, -v3, -v4, aarch64) picks the
   expected backend.  GCC and Clang keep the choice they made before
   cl.exe was taught.
2. Compilation (clang --target=x86_64-pc-windows-msvc, -fms-compatibility
   -fms-extensions, _MSC_VER 1940, -Werror=gnu -Werror=vla): the
   tools/msvc_check/check.c translation unit, which calls every
   sf_vf_/sf_vd_ primitive, the sf_platform.h helpers and a kernel-shaped
   loop, for each level in two modes: "msvc" (tools/msvc_check/
   msvc_predefs.h removes __clang__ and every feature macro cl.exe does
   not define, so the headers take cl.exe's branches) and "clang-cl"
   (clang's own macros).  -ffp-contract=off stands for /fp:precise
   (VS 2022: no contraction).  The Windows SDK is not here:
   tools/msvc_check/include has stand-ins for the few CRT headers used.
3. The code cl.exe would see from sigfast/src (the preprocessed output,
   lines attributed to those headers by the line markers) has no
   __builtin_, __attribute__, statement expression, asm, typeof.
4. llvm-objdump of each object: baseline has no ymm/zmm and no VEX
   instruction, and the SSE4.1 instructions of the SSE backend
   (blendvps, pextrq); avx2 has ymm in the kernel loop and no zmm
   anywhere; avx512 has zmm in the kernel loop; every level's kernel
   loop has no call, and sf_cpu_has runs CPUID and XGETBV.

5. The real kernels: Cython's C for a _ufuncs_<level> module (from a
   build folder; the same C for every level) minus the Python module
   around them: the structs, formula functions and contiguous kernels,
   compiled in msvc mode per level; every kernel uses ymm (avx2) / zmm
   (avx512) / neither (baseline), and FMA on the AVX levels.

What this cannot check (needs cl.exe): cl.exe's own front end (its C11
dialect, its intrinsic headers), its code generation and inlining, and
the CPUID path at run time on Windows.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "sigfast", "src")
HERE = os.path.join(ROOT, "tools", "msvc_check")

MSVC = ["-D_MSC_VER=1940", "-D_M_X64=100", "-D_M_AMD64=100", "-D_WIN32=1", "-D_WIN64=1"]
AVX512 = ["-D__AVX512F__=1", "-D__AVX512CD__=1", "-D__AVX512BW__=1", "-D__AVX512DQ__=1",
          "-D__AVX512VL__=1"]
GCC = ["-D__GNUC__=12", "-D__x86_64__=1", "-D__SSE__=1", "-D__SSE2__=1"]
V2 = GCC + ["-D__SSE3__=1", "-D__SSSE3__=1", "-D__SSE4_1__=1", "-D__SSE4_2__=1", "-D__POPCNT__=1"]
V3 = V2 + ["-D__AVX__=1", "-D__AVX2__=1", "-D__FMA__=1", "-D__BMI__=1", "-D__BMI2__=1",
           "-D__F16C__=1", "-D__LZCNT__=1", "-D__MOVBE__=1"]
CLANG_CL = ["-D_MSC_VER=1940", "-D_M_X64=100", "-D__clang__=1", "-D__x86_64__=1",
            "-D__SSE__=1", "-D__SSE2__=1"]

#: (case, predefined macros, expected SF_VEC_NAME)
SELECTION = [
    ("cl.exe x64, no /arch", MSVC, "sse4.2"),
    ("cl.exe x64 /arch:SSE4.2", MSVC + ["-D__SSE4_2__=1"], "sse4.2"),
    ("cl.exe x64 /arch:AVX", MSVC + ["-D__AVX__=1"], "sse4.2"),
    ("cl.exe x64 /arch:AVX2", MSVC + ["-D__AVX__=1", "-D__AVX2__=1"], "avx2"),
    ("cl.exe x64 /arch:AVX512", MSVC + ["-D__AVX__=1", "-D__AVX2__=1"] + AVX512, "avx512"),
    ("cl.exe ARM64EC /arch:AVX2", MSVC + ["-D_M_ARM64EC=1", "-D__AVX__=1", "-D__AVX2__=1"],
     "portable"),
    ("cl.exe x86 (32-bit) /arch:AVX2", ["-D_MSC_VER=1940", "-D_M_IX86=600", "-D__AVX__=1",
                                        "-D__AVX2__=1"], "portable"),
    ("cl.exe arm64", ["-D_MSC_VER=1940", "-D_M_ARM64=1"], "portable"),
    ("clang-cl x64, no flags", CLANG_CL, "portable"),
    ("clang-cl x64 -msse4.2", CLANG_CL + ["-D__SSE4_1__=1", "-D__SSE4_2__=1"], "sse4.2"),
    ("clang-cl x64 /arch:AVX2 (no FMA)", CLANG_CL + ["-D__SSE4_2__=1", "-D__AVX__=1",
                                                     "-D__AVX2__=1"], "sse4.2"),
    ("clang-cl x64 -mavx2 -mfma", CLANG_CL + ["-D__SSE4_2__=1", "-D__AVX__=1", "-D__AVX2__=1",
                                              "-D__FMA__=1"], "avx2"),
    ("gcc -march=x86-64", GCC, "portable"),
    ("gcc -march=x86-64-v2", V2, "sse4.2"),
    ("gcc -march=x86-64-v3", V3, "avx2"),
    ("gcc -march=x86-64-v3 -mno-fma", [f for f in V3 if "FMA" not in f], "sse4.2"),
    ("gcc -march=x86-64-v4", V3 + AVX512, "avx512"),
    ("gcc aarch64", ["-D__GNUC__=12", "-D__aarch64__=1"], "neon"),
    ("gcc aarch64_be", ["-D__GNUC__=12", "-D__aarch64__=1", "-D__AARCH64EB__=1"], "portable"),
]

LEVEL_FLAGS = {
    "baseline": ["-msse4.2"],
    # cl.exe /arch:AVX2 may emit FMA, BMI1/2, LZCNT, F16C, MOVBE
    "avx2": ["-mavx2", "-mfma", "-mbmi", "-mbmi2", "-mlzcnt", "-mf16c", "-mmovbe"],
    "avx512": ["-mavx512f", "-mavx512cd", "-mavx512bw", "-mavx512dq", "-mavx512vl",
               "-mfma", "-mbmi", "-mbmi2", "-mlzcnt", "-mf16c", "-mmovbe"],
}
EXPECTED = {"baseline": "sse4.2", "avx2": "avx2", "avx512": "avx512"}
#: what cl.exe defines for each level (msvc mode must be left with these only)
MSVC_FEATURES = {
    "baseline": set(),
    "avx2": {"__AVX__", "__AVX2__"},
    "avx512": {"__AVX__", "__AVX2__", "__AVX512F__", "__AVX512CD__", "__AVX512BW__",
               "__AVX512DQ__", "__AVX512VL__"},
}
FEATURE_RE = re.compile(r"#define (__(?:SSE\w*|AVX\w*|FMA\w*|BMI\w*|F16C|LZCNT|MOVBE|POPCNT|MMX|"
                        r"XSAVE|x86_64|amd64|clang|GNUC)__) ")
# __builtin_ia32_*: clang's intrinsics that are macros (cl.exe's are functions)
GNU_ONLY = re.compile(r"__builtin_(?!ia32_)|__attribute__|\(\{|__asm|\btypeof\b|__typeof|__int128|"
                      r"_Thread_local|__extension__")
KERNEL = "t_kernel_sigmoid_f64"


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def check_selection(cc):
    """[(case, expected, got)] for every SELECTION case."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "sel.c")
        with open(src, "w") as f:
            f.write('#include "sf_vec_select.h"\nSF_VEC_NAME\n')
        for case, macros, want in SELECTION:
            r = run([cc, "-E", "-P", "-undef", "-I", SRC] + macros + [src])
            got = r.stdout.strip().strip('"') if r.returncode == 0 else "error: " + r.stderr.strip()
            out.append((case, want, got))
    return out


def disassemble(objdump, path):
    return disassemble_reloc(run([objdump, "-d", "--no-show-raw-insn", path], check=True).stdout)


def disassemble_reloc(text):
    """{function: [instruction or relocation line]} from llvm-objdump -d[r]."""
    funcs, name = {}, None
    for line in text.splitlines():
        m = re.match(r"[0-9a-f]+ <(.+)>:$", line)
        if m:
            name = m.group(1)
            funcs[name] = []
        elif name and re.match(r"\s+[0-9a-f]+:", line):
            body = line.split(":", 1)[1].strip()
            if "IMAGE_REL" in body and funcs[name]:
                funcs[name][-1] += " " + body.split()[-1]   # the call's target
            else:
                funcs[name].append(body)
    return funcs


def check_object(objdump, path, level):
    """Problems found in the disassembly of one level's object ([] if none)."""
    funcs = disassemble(objdump, path)
    allins = [i for body in funcs.values() for i in body]
    text = "\n".join(allins)
    kern = "\n".join(funcs.get(KERNEL, []))
    bad = []
    if not kern:
        return [f"{KERNEL} not found"]
    if re.search(r"\bcall", kern):
        bad.append("a call in the kernel")
    cpu = "\n".join(funcs.get("t_cpu_has", []))
    if "cpuid" not in cpu or "xgetbv" not in cpu:
        bad.append("sf_cpu_has does not read CPUID and XCR0")
    if level == "baseline":
        if re.search(r"[yz]mm", text):
            bad.append("ymm/zmm in the baseline object")
        vex = sorted({i.split()[0] for i in allins if i.split() and i.split()[0].startswith("v")})
        if vex:
            bad.append(f"VEX/EVEX instructions at baseline: {vex[:5]}")
        if not re.search(r"blendvp[sd]", text) or "pextrq" not in text:
            bad.append("no SSE4.1 blendvps/pextrq: not the SSE backend")
    elif level == "avx2":
        if "ymm" not in kern:
            bad.append("no ymm in the avx2 kernel")
        if "zmm" in text:
            bad.append("zmm in the avx2 object")
        if not re.search(r"vf(n?m(add|sub))", kern):
            bad.append("no FMA instruction in the avx2 kernel")
    else:
        if "zmm" not in kern:
            bad.append("no zmm in the avx512 kernel")
    return bad


def counts(objdump, path):
    funcs = disassemble(objdump, path)
    kern = funcs.get(KERNEL, [])
    allins = [i for body in funcs.values() for i in body]
    reg = lambda ins, r: sum(1 for i in ins if r in i)  # noqa: E731
    return (len(kern), reg(kern, "xmm"), reg(kern, "ymm"), reg(kern, "zmm"),
            reg(allins, "ymm"), reg(allins, "zmm"))


def gnu_lines(cc_cmd, src):
    """Lines from sigfast/src in the preprocessed output that use GNU C."""
    r = run(cc_cmd + ["-E", src], check=True)
    hits, cur = [], ""
    for line in r.stdout.splitlines():
        m = re.match(r'# \d+ "(.*)"', line)
        if m:
            cur = m.group(1)
            continue
        if os.path.abspath(cur).startswith(SRC + os.sep) and GNU_ONLY.search(line):
            hits.append(f"{os.path.basename(cur)}: {line.strip()[:100]}")
    return hits


#: the Cython-generated functions taken from a _ufuncs_<level>.pyx.c: the
#: formula layers (sigfast/_core pxd files) and the contiguous kernels
FORMULA = r"__pyx_f_7sigfast_5_core_\d+(?:engine32|engine64|sigmoid|log_sigmoid|logit|silu|bce|gate|log1mexp|eft|vec|platform)_\w+"
KERNEL_FN = r"__pyx_f_\d+_ufuncs_\w+?_k_\w+"
PRELUDE = """#include <stddef.h>
#include "sf_vec.h"
#include "sf_platform.h"
#include "sf_consts.h"
#include "sf_poly.h"
#include "sf_longdouble.h"
typedef ptrdiff_t Py_ssize_t;
#ifndef CYTHON_INLINE
#define CYTHON_INLINE __inline
#endif
"""
#: what sigfast/meson.build gives MSVC for the kernel modules
MESON_MSVC = ["-DCYTHON_INLINE=__forceinline"]


def extract_kernels(generated):
    """A C file of the formulas and kernels of a generated _ufuncs module:
    its structs, every formula function, every contiguous kernel (kept by a
    table of their addresses), with none of the Python module around them;
    (source, kernel names)."""
    lines = open(generated).read().splitlines()
    name_re = re.compile(f"{FORMULA}|{KERNEL_FN}")
    structs, defs, i = [], [], 0
    while i < len(lines):
        line = lines[i]
        struct = re.match(r"struct __pyx_t_7sigfast_5_core_\w+ \{$", line)
        func = (line.startswith("static") and line.rstrip().endswith("{")
                and name_re.search(line.split("(")[0]))
        if struct or func:
            j = i
            while lines[j] not in ("}", "};"):
                j += 1
            (structs if struct else defs).append("\n".join(lines[i:j + 1]))
            i = j
        i += 1
    kernels = sorted({m for d in defs for m in re.findall(rf"^static void ({KERNEL_FN})\(", d)})
    protos = [d.split("\n", 1)[0].rstrip(" {") + ";" for d in defs]
    table = ",\n".join(f"    (void*){k}" for k in kernels)
    src = "\n\n".join([PRELUDE] + structs + ["\n".join(protos)] + defs
                      + [f"__declspec(dllexport) void* sf_check_kernels[] = {{\n{table}\n}};\n"])
    return src, kernels


def check_generated(base, objdump, generated, a_meson=MESON_MSVC):
    """Step 5: the real kernels, from Cython's output, in msvc mode, with
    the flags meson gives MSVC (a_meson)."""
    src, kernels = extract_kernels(generated)
    print(f"\ngenerated kernels ({os.path.relpath(generated, ROOT)}: {len(kernels)} "
          f"contiguous kernels and the formulas they inline, msvc mode):")
    print(f"  {'level':9s} {'kernels with: xmm':18s} {'ymm':>4} {'zmm':>4} {'FMA':>4}  "
          f"{'calls (all functions)':34s} result")
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        c = os.path.join(tmp, "kernels.c")
        with open(c, "w") as f:
            f.write(src)
        for level in ("baseline", "avx2", "avx512"):
            obj = os.path.join(tmp, f"kernels_{level}.obj")
            cmd = base + LEVEL_FLAGS[level] + a_meson + [
                "-include", os.path.join(HERE, "msvc_predefs.h"), "-Wno-unknown-pragmas",
                "-c", c, "-o", obj]
            r = run(cmd)
            if r.returncode != 0:
                failures += 1
                print(f"  {level:9s} compile failed:\n{r.stderr[-3000:]}")
                continue
            funcs = disassemble(objdump, obj)
            ks = {n: "\n".join(b) for n, b in funcs.items() if re.search(r"_k_\w+$", n)}
            has = {reg: sum(1 for b in ks.values() if reg in b) for reg in ("xmm", "ymm", "zmm")}
            fma = sum(1 for b in ks.values() if re.search(r"vfn?m(add|sub)", b))
            reloc = run([objdump, "-dr", obj], check=True).stdout
            ks = {n: "\n".join(b) for n, b in disassemble_reloc(reloc).items()
                  if re.search(r"_k_\w+$", n)}
            calls = sorted(set(re.findall(r"IMAGE_REL_AMD64_REL32\s+(\w+)", reloc))
                           & {"memcpy", "memset", "ldexp", "nearbyint", "fma", "fmaf"})
            outline = sorted(n for n, b in ks.items()
                             if re.search(r"call.*__pyx_f_7sigfast_5_core", b))
            bad = []
            if outline:
                bad.append(f"formula called out of line in {outline}")
            if len(ks) != len(kernels):
                bad.append(f"{len(ks)} of {len(kernels)} kernels in the object")
            if level == "baseline" and (has["ymm"] or has["zmm"] or fma):
                bad.append("AVX registers or FMA at baseline")
            if level == "avx2" and (has["ymm"] != len(ks) or has["zmm"]):
                bad.append("an avx2 kernel without ymm, or with zmm")
            if level == "avx512" and has["zmm"] != len(ks):
                bad.append("an avx512 kernel without zmm")
            if level != "baseline" and fma != len(ks):
                bad.append("a kernel without FMA")
            failures += bool(bad)
            print(f"  {level:9s} {has['xmm']:>17} {has['ymm']:>5} {has['zmm']:>4} {fma:>4}  "
                  f"{', '.join(calls):34s} {'ok' if not bad else 'FAIL'}")
            for b in bad:
                print("      " + b)
    return failures


def find_generated():
    """The newest _ufuncs_<level>.pyx.c in a build folder of this tree."""
    import glob
    hits = glob.glob(os.path.join(ROOT, "build", "*", "sigfast", "_ufuncs_*.p", "_ufuncs_*.pyx.c"))
    return max(hits, key=os.path.getmtime) if hits else None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--selection", action="store_true",
                    help="only the backend choice (works with any C compiler)")
    ap.add_argument("--cc", default=None, help="compiler for --selection (default: clang or cc)")
    ap.add_argument("--clang", default="clang")
    ap.add_argument("--objdump", default=None, help="default: llvm-objdump")
    ap.add_argument("--generated", default=None,
                    help="a Cython-generated _ufuncs_<level>.pyx.c (default: the newest "
                         "under build/*/)")
    ap.add_argument("--src", default=None, help="sigfast/src to check (default: this tree's)")
    a = ap.parse_args(argv)
    global SRC
    SRC = os.path.abspath(a.src or SRC)
    failures = 0

    cc = a.cc or (a.clang if shutil.which(a.clang) else "cc")
    print(f"selection ({cc} -E -undef, sf_vec_select.h):")
    for case, want, got in check_selection(cc):
        ok = want == got
        failures += not ok
        note = "" if ok else f" (want {want})"
        print(f"  {'ok  ' if ok else 'FAIL'} {case:36s} -> {got}{note}")
    if a.selection:
        return 1 if failures else 0

    objdump = a.objdump or shutil.which("llvm-objdump") or "llvm-objdump"
    if not shutil.which(a.clang) or not shutil.which(objdump):
        print("clang or llvm-objdump not found", file=sys.stderr)
        return 2
    version = run([a.clang, "--version"]).stdout.splitlines()[0]
    base = [a.clang, "--target=x86_64-pc-windows-msvc", "-fms-compatibility", "-fms-extensions",
            "-fms-compatibility-version=19.40", "-std=c11", "-O2", "-ffp-contract=off",
            "-isystem", os.path.join(HERE, "include"), "-I", SRC,
            "-Wall", "-Werror", "-Werror=gnu", "-Werror=vla", "-Wno-unused-function",
            # cl.exe's _xgetbv needs no flag; clang's needs the feature
            "-mxsave"]
    src = os.path.join(HERE, "check.c")
    print(f"\ncompilation ({version}; check.c, -Werror=gnu):")
    print(f"  {'mode':9s} {'level':9s} {'SF_VEC_NAME':12s} "
          f"{'kernel: insns xmm ymm zmm':28s} {'object: ymm zmm':16s} result")
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("msvc", "clang-cl"):
            for level in ("baseline", "avx2", "avx512"):
                cmd = base + LEVEL_FLAGS[level] + [f"-DSF_LEVEL_NAME=\"{level}\""]
                if mode == "msvc":
                    # clang does not know cl.exe's #pragma fp_contract(off)
                    # (sf_platform.h); -ffp-contract=off stands for it
                    cmd += ["-include", os.path.join(HERE, "msvc_predefs.h"),
                            "-Wno-unknown-pragmas"]
                bad = []
                macros = run(cmd + ["-dM", "-E", src], check=True).stdout
                name = re.search(r'#define SF_VEC_NAME "(\w+(?:\.\d)?)"', macros).group(1)
                if name != EXPECTED[level]:
                    bad.append(f"SF_VEC_NAME {name}, want {EXPECTED[level]}")
                if mode == "msvc":
                    left = set(FEATURE_RE.findall(macros)) - MSVC_FEATURES[level]
                    if left:
                        bad.append(f"macros cl.exe does not define: {sorted(left)}")
                    if "#define SF_VEC_MSVC_X64 1" not in macros:
                        bad.append("SF_VEC_MSVC_X64 is not 1")
                    bad += gnu_lines(cmd, src)
                obj = os.path.join(tmp, f"{mode}_{level}.obj")
                r = run(cmd + ["-c", src, "-o", obj])
                if r.returncode != 0:
                    bad.append("compile failed:\n" + r.stderr[-3000:])
                    c = ("-",) * 6
                else:
                    bad += check_object(objdump, obj, level)
                    c = counts(objdump, obj)
                failures += bool(bad)
                print(f"  {mode:9s} {level:9s} {name:12s} {c[0]:>5} {c[1]:>4} {c[2]:>4} {c[3]:>4}"
                      f"{'':10s} {c[4]:>6} {c[5]:>4}     {'ok' if not bad else 'FAIL'}")
                for b in bad:
                    print("      " + b)

    generated = a.generated or find_generated()
    if not generated:
        print("\ngenerated kernels: no build folder with a _ufuncs_<level>.pyx.c here "
              "(pass --generated); skipped")
    else:
        failures += check_generated(base, objdump, generated)
    print("\nall checks passed" if not failures else f"\n{failures} check(s) failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
