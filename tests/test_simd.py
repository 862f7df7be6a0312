"""The SIMD levels really are what they claim (checked in the binaries).

* _ufuncs_baseline, _fused_baseline: no AVX register anywhere (run on any
  x86-64-v2 CPU).
* _ufuncs_avx2: the hot loops use ymm registers and never zmm.
* _ufuncs_avx512: the hot loops use zmm registers.
* Within a level, tail elements (the scalar epilogue) are bit-identical to
  the vector body.
"""
import glob
import os
import platform
import re
import shutil
import subprocess

import numpy as np
import pytest

import sigfast
from sigfast import _dispatch
from sigfast._registry import NAMES as ALL
from sigfast._testing import typical as sample

OBJDUMP = shutil.which("objdump")
# platform.machine(): os.uname() does not exist on Windows
X86 = platform.machine() in ("x86_64", "AMD64")
#: every ufunc's contiguous kernel, from the registry
HOT = ["k_" + n for n in ALL]
#: libm calls allowed in a hot loop: the rare lanes that take a scalar path
#: (bce_with_logits_grad float32: the lanes that cancel below 2**-26 |y|
#: finish in scalar double-double, which scales with ldexp; sigfast/_core/bce.pxd)
RARE_LANE_CALLS = {"k_bce_with_logits_grad_f32": ("ldexp",)}


def module_path(level, part="ufuncs"):
    d = os.path.dirname(sigfast.__file__)
    hits = glob.glob(os.path.join(d, f"_{part}_{level}*.so")) or \
        glob.glob(os.path.join(d, f"_{part}_{level}*.pyd"))
    if not hits and level in _dispatch.runnable_levels():
        # editable installs keep the binaries in the build folder
        mod = (_dispatch.load if part == "ufuncs" else _dispatch.load_fused)(level)
        hits = [mod.__file__]
    return hits[0] if hits else None


def disassemble(path):
    out = subprocess.run([OBJDUMP, "-d", "--no-show-raw-insn", path],
                         capture_output=True, text=True, check=True).stdout
    funcs, name = {}, None
    for line in out.splitlines():
        m = re.match(r"[0-9a-f]+ <(.+)>:$", line)
        if m:
            name = m.group(1)
            funcs[name] = []
        elif name and "\t" in line:
            funcs[name].append(line)
    return funcs


def hot_loops(funcs, level, kernel):
    """Instructions of the backward-branch loops of a contiguous kernel."""
    name = next((f for f in funcs if f.endswith(f"_ufuncs_{level}_{kernel}")), None)
    if name is None:
        return None
    lines = funcs[name]
    addr = [int(line.split(":")[0], 16) for line in lines]
    loops = []
    for i, line in enumerate(lines):
        m = re.search(r"\sj\w+\s+([0-9a-f]+)\b", line)
        if m and int(m.group(1), 16) < addr[i]:
            lo = int(m.group(1), 16)
            loops.append([x for x, a in zip(lines, addr) if lo <= a <= addr[i]])
    return loops


needs_objdump = pytest.mark.skipif(not (OBJDUMP and X86), reason="x86-64 objdump needed")


@needs_objdump
@pytest.mark.parametrize("part", ["ufuncs", "fused"])
def test_baseline_has_no_avx(part):
    path = module_path("baseline", part)
    text = subprocess.run([OBJDUMP, "-d", "--no-show-raw-insn", path],
                          capture_output=True, text=True, check=True).stdout
    assert not re.search(r"%[yz]mm\d", text)
    assert not re.search(r"\bv(fmadd|fnmadd|fmsub|broadcast|perm|gather)", text)


@needs_objdump
@pytest.mark.parametrize("level,reg,forbidden", [("avx2", "ymm", "zmm"), ("avx512", "zmm", None)])
def test_hot_loops_use_the_level_width(level, reg, forbidden):
    path = module_path(level)
    if path is None:
        pytest.skip(f"{level} not compiled")
    funcs = disassemble(path)
    for kernel in HOT:
        for suffix in ("_f32", "_f64"):
            loops = hot_loops(funcs, level, kernel + suffix)
            if loops is None:
                pytest.skip("kernel symbols stripped from the binary")
            wide = [lp for lp in loops if any(f"%{reg}" in x for x in lp)]
            assert wide, f"{level}:{kernel}{suffix} has no {reg} loop"
            if forbidden:
                assert not any(f"%{forbidden}" in x for lp in loops for x in lp)
            # no libm call in the vector body (the padded tail may copy with
            # memcpy/memset and call the formula out of line)
            calls = [x for lp in wide for x in lp if "call" in x]
            allowed = "|".join(("memcpy", "memset") + RARE_LANE_CALLS.get(kernel + suffix, ()))
            assert not [c for c in calls
                        if not re.search(rf"<({allowed})@plt>|<__pyx_f_", c)], calls


def test_finite_math_is_off():
    # The header #errors under __FINITE_MATH_ONLY__; at run time NaN and inf
    # must still flow through every level.
    for lv in _dispatch.runnable_levels():
        k = _dispatch.load(lv)
        r = k.sigmoid(np.array([np.nan, np.inf, -np.inf]))
        assert np.isnan(r[0]) and r[1] == 1 and r[2] == 0


@pytest.mark.parametrize("name", ALL)
def test_tail_elements_bit_identical_to_vector_body(kern, name, dtype):
    args = sample(name, dtype, 1003)
    full = getattr(kern, name)(*args)
    # one element at a time goes through the scalar epilogue only
    single = np.array([getattr(kern, name)(*(a[i:i + 1] for a in args))[0] for i in range(0, 1003, 7)])
    assert full[::7].tobytes() == single.astype(dtype).tobytes()
    # a length that leaves a tail of every size 1..63 in turn
    for n in range(1, 64, 5):
        part = getattr(kern, name)(*(a[:n] for a in args))
        assert part.tobytes() == full[:n].tobytes()


# What each x86-64 level's flags must give sf_vec.h, on every compiler
# (GCC, Clang, MSVC): a failure here means a level built the portable
# one-lane path (as MSVC did before sf_vec_select.h knew its macros).
X86_VECTOR = {"baseline": ("sse4.2", (8, 4)), "avx2": ("avx2", (16, 8)),
              "avx512": ("avx512", (32, 16))}


@pytest.mark.skipif(not X86, reason="x86-64 levels")
def test_levels_built_on_their_vector_backend():
    for lv in _dispatch.runnable_levels():
        k = _dispatch.load(lv)
        assert (k.VECTOR, k.LANES) == X86_VECTOR[lv], lv


def test_expected_levels_compiled():
    # CI sets SIGFAST_EXPECT_LEVELS where a wheel must carry every level
    # (win_amd64: MSVC builds all three); the CPU may run fewer of them.
    want = os.environ.get("SIGFAST_EXPECT_LEVELS")
    if not want:
        pytest.skip("SIGFAST_EXPECT_LEVELS not set")
    assert _dispatch.COMPILED == tuple(want.split(","))


def test_level_reported():
    assert sigfast.simd_level in _dispatch.runnable_levels()
    assert sigfast.simd_level == _dispatch.runnable_levels()[0] or os.environ.get("SIGFAST_SIMD")
