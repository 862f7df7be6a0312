"""MSVC builds the three x86-64 levels (checked here without cl.exe).

* The backend sf_vec_select.h picks under exactly the macros each compiler
  predefines (cl.exe /arch:..., clang-cl, GCC -march=...): any C
  compiler's preprocessor.
* tools/msvc_check.py with clang in MSVC mode (skipped without clang and
  llvm-objdump): the kernel headers compile for the Windows target at each
  level with no GNU extension, and the objects use the registers of their
  level.
* The CPUID/XCR0 decision MSVC builds use for the loader
  (sf_x86_level_ok), fed register values.
"""
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

from sigfast import _cpu

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools" / "msvc_check.py"
needs_tree = pytest.mark.skipif(not SCRIPT.exists(), reason="needs the source tree (tools/)")


@needs_tree
def test_backend_selection_per_compiler():
    cc = next((c for c in ("clang", "gcc", "cc") if shutil.which(c)), None)
    if cc is None:
        pytest.skip("no C compiler to preprocess with")
    r = subprocess.run([sys.executable, str(SCRIPT), "--selection", "--cc", cc],
                       capture_output=True, text=True, timeout=120)
    rows = re.findall(r"^\s+(ok|FAIL)\s+(.+?)\s+-> (\S+)", r.stdout, re.M)
    got = {case: name for _, case, name in rows}
    assert len(rows) >= 19 and r.returncode == 0, r.stdout + r.stderr
    assert got["cl.exe x64, no /arch"] == "sse4.2"
    assert got["cl.exe x64 /arch:AVX2"] == "avx2"
    assert got["cl.exe x64 /arch:AVX512"] == "avx512"
    # GCC and Clang keep the choice they made before
    assert got["gcc -march=x86-64-v2"] == "sse4.2"
    assert got["gcc -march=x86-64-v3"] == "avx2"
    assert got["gcc -march=x86-64-v3 -mno-fma"] == "sse4.2"
    assert got["gcc -march=x86-64-v4"] == "avx512"
    assert got["gcc -march=x86-64"] == "portable"
    assert got["clang-cl x64, no flags"] == "portable"
    assert got["cl.exe ARM64EC /arch:AVX2"] == "portable"
    assert [case for ok, case, _ in rows if ok != "ok"] == []


@needs_tree
@pytest.mark.skipif(not (shutil.which("clang") and shutil.which("llvm-objdump")),
                    reason="needs clang and llvm-objdump (apt-get install clang llvm)")
def test_msvc_mode_compiles_every_level():
    r = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    rows = [line.split() for line in r.stdout.splitlines()
            if line.strip().startswith(("msvc ", "clang-cl "))]
    table = {(row[0], row[1]): row for row in rows}
    assert len(table) == 6
    for mode in ("msvc", "clang-cl"):
        base, avx2, avx512 = (table[mode, lv] for lv in ("baseline", "avx2", "avx512"))
        assert [base[2], avx2[2], avx512[2]] == ["sse4.2", "avx2", "avx512"]
        # columns: kernel insns, xmm, ymm, zmm; object ymm, zmm; result
        assert base[5:9] == ["0", "0", "0", "0"] and int(base[4]) > 0
        assert int(avx2[5]) > 0 and avx2[6] == "0" and avx2[8] == "0"
        assert int(avx512[6]) > 0
        assert [base[-1], avx2[-1], avx512[-1]] == ["ok", "ok", "ok"]
    # the real kernels (Cython's C from a build folder, when there is one):
    # every one uses its level's registers and FMA, no formula out of line
    if "generated kernels (" in r.stdout:
        part = r.stdout.split("generated kernels (", 1)[1]
        n = int(re.search(r": (\d+) contiguous kernels", part).group(1))
        gen = {m[0]: [int(x) for x in m[1:5]] + [m[5]] for m in re.findall(
            r"^\s+(baseline|avx2|avx512)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s.*?(ok|FAIL)$",
            part, re.M)}
        assert n >= 20
        assert gen["baseline"] == [n, 0, 0, 0, "ok"]
        assert gen["avx2"][1:] == [n, 0, n, "ok"]
        assert gen["avx512"][2:] == [n, n, "ok"]


# CPUID leaf 1 ecx, leaf 7 ebx, leaf 0x80000001 ecx of an x86-64-v3 CPU
# (FMA, MOVBE, OSXSAVE, AVX, F16C; BMI1, AVX2, BMI2; LZCNT) and the
# AVX-512 F/DQ/CD/BW/VL bits of leaf 7 ebx.
V3_ECX1 = (1 << 12) | (1 << 22) | (1 << 27) | (1 << 28) | (1 << 29)
V3_EBX7 = (1 << 3) | (1 << 5) | (1 << 8)
LZCNT = 1 << 5
V4_EBX7 = V3_EBX7 | (1 << 16) | (1 << 17) | (1 << 28) | (1 << 30) | (1 << 31)
XCR0_AVX, XCR0_AVX512 = 0x7, 0xE7


@pytest.mark.parametrize("regs, avx2, avx512", [
    ((V3_ECX1, V3_EBX7, LZCNT, XCR0_AVX), True, False),            # Haswell .. Zen 3
    ((V3_ECX1, V4_EBX7, LZCNT, XCR0_AVX512), True, True),          # Skylake-X, Zen 4
    ((V3_ECX1, V4_EBX7, LZCNT, XCR0_AVX), True, False),            # OS without zmm state
    ((V3_ECX1, V3_EBX7, LZCNT, 0x3), False, False),                # OS without ymm state
    ((V3_ECX1 & ~(1 << 27), V4_EBX7, LZCNT, 0), False, False),     # no OSXSAVE
    ((V3_ECX1 & ~(1 << 12), V3_EBX7, LZCNT, XCR0_AVX), False, False),  # no FMA
    ((V3_ECX1, V3_EBX7 & ~(1 << 8), LZCNT, XCR0_AVX), False, False),   # no BMI2
    ((V3_ECX1, V3_EBX7, 0, XCR0_AVX), False, False),               # no LZCNT
    ((V3_ECX1, V4_EBX7 & ~(1 << 30), LZCNT, XCR0_AVX512), True, False),  # no AVX512BW
    ((V3_ECX1 & ~(1 << 28), V4_EBX7, LZCNT, XCR0_AVX512), False, False),  # no AVX
    ((0, 0, 0, 0), False, False),
])
def test_cpuid_decision(regs, avx2, avx512):
    assert _cpu._x86_level_ok("baseline", *regs) is True
    assert _cpu._x86_level_ok("avx2", *regs) is avx2
    assert _cpu._x86_level_ok("avx512", *regs) is avx512
