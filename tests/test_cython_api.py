"""sigfast.cython_api: the scalar functions for downstream compiled code.

Checked three ways against the ufuncs, bit for bit, over the whole finite
range and the registry's special values: through ctypes (every function),
from a Cython extension compiled here that cimports sigfast.cython_api
(skipped without a C compiler, Cython or setuptools), and from numba.njit
code (skipped without numba).
"""
import importlib.util
import os
import pathlib
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap

import numpy as np
import pytest

import sigfast
from sigfast import _registry, cython_api
from sigfast._testing import PYTHON, bce_pairs, whole_range

SUFFIX = {"f32": np.float32, "f64": np.float64}
#: every public scalar function: (name, registry name, dtype)
FUNCS = [(f"{n}_{s}", u.name, dt) for u in _registry.UFUNCS for n in (u.name,) + u.aliases
         for s, dt in SUFFIX.items()]
IDS = [f for f, _, _ in FUNCS]


def inputs(name, dtype):
    """Whole-range inputs plus the registry's special values, as arrays."""
    u = _registry.BY_NAME[name]
    if u.nin == 2:
        z, y = bce_pairs(dtype, 3000, seed=1)
    else:
        z = whole_range(name, dtype, 3000, seed=1)
    special = [[dtype(a) for a in args] for args, _ in u.special]
    if u.nin == 2:
        return (np.concatenate([z, [s[0] for s in special]]).astype(dtype),
                np.concatenate([y, [s[1] for s in special]]).astype(dtype))
    return (np.concatenate([z, [s[0] for s in special]]).astype(dtype),)


def same_bits(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype
    # NaN payloads aside, every bit (signed zeros included)
    nan = np.isnan(want)
    np.testing.assert_array_equal(np.isnan(got), nan)
    bad = ~nan & (got.view(np.uint8).reshape(got.size, -1)
                  != want.view(np.uint8).reshape(want.size, -1)).any(axis=1)
    assert not bad.any(), (got[bad][:5], want[bad][:5])


# ---------------------------------------------------------------------------
# the declarations
# ---------------------------------------------------------------------------

PXD = pathlib.Path(cython_api.get_include()) / "sigfast" / "cython_api.pxd"
DECL = re.compile(r"^cdef (float|double) (\w+)\(([^)]*)\) noexcept nogil$", re.M)


def test_pxd_declares_every_function_with_its_signature():
    found = {}
    for ret, name, args in DECL.findall(PXD.read_text()):
        types = [a.split()[0] for a in args.split(",")]
        found[name] = f"{ret} ({', '.join(types)})"
    assert found == cython_api.SIGNATURES
    assert set(cython_api.SIGNATURES) == {f for f, _, _ in FUNCS}
    for name, sig in cython_api.SIGNATURES.items():
        ct = "double" if name.endswith("_f64") else "float"
        base = name[:-4]
        nin = _registry.BY_NAME[_registry.ALIASES.get(base, base)].nin
        assert sig == f"{ct} ({', '.join([ct] * nin)})"


def test_cython_sees_the_exported_functions():
    # Cython's own export table, which `cimport` reads at import time
    capi = cython_api.__pyx_capi__
    assert set(capi) >= set(cython_api.SIGNATURES)
    assert cython_api.LEVEL == sigfast.simd_level


def test_unknown_name_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown function 'sigmoid'.*sigmoid_f64"):
        cython_api.address("sigmoid")
    with pytest.raises(ValueError, match="sigmoid_f16"):
        cython_api.ctypes_function("sigmoid_f16")


# ---------------------------------------------------------------------------
# through their addresses (ctypes): every function
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("func, name, dtype", FUNCS, ids=IDS)
def test_address_is_bit_identical_to_the_ufunc(func, name, dtype):
    f = cython_api.ctypes_function(func)
    assert isinstance(cython_api.address(func), int) and cython_api.address(func) != 0
    args = inputs(name, dtype)
    got = np.array([f(*map(float, a)) for a in zip(*args)], dtype=dtype)
    with np.errstate(all="ignore"):
        want = getattr(sigfast, name)(*args)
    same_bits(got, want)


def test_aliases_share_the_kernel():
    for alias, name in _registry.ALIASES.items():
        for s in SUFFIX:
            assert cython_api.address(f"{alias}_{s}") == cython_api.address(f"{name}_{s}")


def test_level_follows_sigfast_simd():
    """A process that forces the portable level gets its kernels in
    cython_api too (the pointers follow sigfast._dispatch)."""
    code = ("import sigfast, sigfast.cython_api as c; "
            "f = c.ctypes_function('silu_f32'); "
            "import numpy as np; x = np.float32(-3.7); "
            "print(c.LEVEL, sigfast.simd_level, f(x) == sigfast.silu(x))")
    env = dict(os.environ, SIGFAST_SIMD="baseline")
    out = subprocess.run([*PYTHON, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["baseline", "baseline", "True"]


# ---------------------------------------------------------------------------
# from Cython: compile an extension that cimports sigfast.cython_api
# ---------------------------------------------------------------------------

def ext_source():
    """A Cython module with one nogil loop per scalar function:
    ``run_<func>(x[, y], out)`` fills ``out``."""
    lines = ["# cython: language_level=3, boundscheck=False, wraparound=False",
             "from sigfast.cython_api cimport " + ", ".join(IDS), ""]
    for func, name, dtype in FUNCS:
        ct = "double" if dtype is np.float64 else "float"
        if _registry.BY_NAME[name].nin == 1:
            lines += [f"def run_{func}(const {ct}[::1] x, {ct}[::1] out):",
                      "    cdef Py_ssize_t i",
                      "    with nogil:",
                      "        for i in range(x.shape[0]):",
                      f"            out[i] = {func}(x[i])", ""]
        else:
            lines += [f"def run_{func}(const {ct}[::1] z, const {ct}[::1] y, {ct}[::1] out):",
                      "    cdef Py_ssize_t i",
                      "    with nogil:",
                      "        for i in range(z.shape[0]):",
                      f"            out[i] = {func}(z[i], y[i])", ""]
    return "\n".join(lines)


SETUP = textwrap.dedent("""
    import sys
    from setuptools import Extension, setup
    from Cython.Build import cythonize
    setup(name="sf_cimport_check", script_args=["build_ext", "--inplace", "-q"],
          ext_modules=cythonize([Extension("sf_cimport_check", ["sf_cimport_check.pyx"])],
                                include_path=[sys.argv[1]], quiet=True))
""")


def have_compiler():
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    return shutil.which(cc) is not None


@pytest.fixture(scope="module")
def cimported(tmp_path_factory):
    pytest.importorskip("Cython")
    pytest.importorskip("setuptools")
    if not have_compiler():
        pytest.skip("no C compiler")
    d = tmp_path_factory.mktemp("cimport")
    (d / "sf_cimport_check.pyx").write_text(ext_source())
    (d / "setup.py").write_text(SETUP)
    nice = ["nice", "-n", "19"] if shutil.which("nice") else []
    r = subprocess.run([*nice, sys.executable, "setup.py", cython_api.get_include()], cwd=d,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    path = next(d.glob("sf_cimport_check*" + sysconfig.get_config_var("EXT_SUFFIX")))
    spec = importlib.util.spec_from_file_location("sf_cimport_check", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("func, name, dtype", FUNCS, ids=IDS)
def test_cimport_is_bit_identical_to_the_ufunc(cimported, func, name, dtype):
    args = inputs(name, dtype)
    out = np.full(args[0].shape, 7, dtype)
    getattr(cimported, "run_" + func)(*args, out)
    with np.errstate(all="ignore"):
        want = getattr(sigfast, name)(*args)
    same_bits(out, want)


# ---------------------------------------------------------------------------
# from numba.njit code
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("func", ["sigmoid_f64", "log_sigmoid_f32", "logit_f64",
                                  "bce_with_logits_f64", "bce_with_logits_grad_f32"])
def test_numba_njit_calls_the_scalar_functions(func):
    numba = pytest.importorskip("numba")
    name = next(n for f, n, _ in FUNCS if f == func)
    dtype = SUFFIX[func[-3:]]
    f = cython_api.ctypes_function(func)
    if _registry.BY_NAME[name].nin == 1:
        @numba.njit(nogil=True)
        def loop(x, out):
            for i in range(x.size):
                out[i] = f(x[i])
    else:
        @numba.njit(nogil=True)
        def loop(z, y, out):
            for i in range(z.size):
                out[i] = f(z[i], y[i])
    args = inputs(name, dtype)
    out = np.full(args[0].shape, 7, dtype)
    loop(*args, out)
    with np.errstate(all="ignore"):
        want = getattr(sigfast, name)(*args)
    same_bits(out, want)
