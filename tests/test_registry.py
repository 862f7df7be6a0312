"""One registry (sigfast/_registry.py) names every ufunc; everything else
that lists them must agree with it."""
import ast
import pathlib

import numpy as np
import pytest

import sigfast
from sigfast import _bench, _dispatch, _ref, _registry
from sigfast._registry import BY_NAME, NAMES

STUB = pathlib.Path(sigfast.__file__).with_name("__init__.pyi")


def stub_declarations():
    """name -> annotation text of the module-level declarations in the stub."""
    tree = ast.parse(STUB.read_text())
    return {n.target.id: ast.unparse(n.annotation) for n in tree.body
            if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}


def test_every_list_names_the_same_functions():
    names = set(NAMES)
    assert set(sigfast.UFUNCS) == names
    assert list(sigfast.UFUNCS) == list(NAMES)          # registry order
    assert set(_ref.TWINS) == names == set(_ref.EXACT)
    assert set(_bench.UFUNC_NAMES) == names
    pytest.importorskip("mpmath")
    from sigfast._testing import mpref
    assert set(mpref.EXACT) == names
    aliases = set(_registry.ALIASES)
    assert set(sigfast.__all__) >= names | aliases | set(_registry.LOSSES)
    decl = stub_declarations()
    for u in _registry.UFUNCS:
        kind = "_UnaryUFunc" if u.nin == 1 else "_BinaryUFunc"
        for n in (u.name,) + u.aliases:
            assert decl.get(n) == f"Final[{kind}]", n
    stub_funcs = {n.name for n in ast.parse(STUB.read_text()).body
                  if isinstance(n, ast.FunctionDef)}
    assert set(_registry.LOSSES) <= stub_funcs


@pytest.mark.parametrize("name", NAMES)
def test_ufunc_matches_its_entry(name):
    u = BY_NAME[name]
    uf = getattr(sigfast, name)
    assert uf.__name__ == name and uf.nin == u.nin and uf.nout == 1
    assert u.doc.splitlines()[0] in uf.__doc__
    for alias in u.aliases:
        if alias == u.scipy:    # its own ufunc (SciPy's integer rule)
            a = getattr(sigfast, alias)
            assert a.__name__ == alias and a.nin == u.nin and u.doc.splitlines()[0] in a.__doc__
        else:
            assert getattr(sigfast, alias) is uf


@pytest.mark.parametrize("name", NAMES)
def test_special_values_hold_at_every_level(kern, name):
    for dt in (np.float16, np.float32, np.float64):
        f = getattr(kern, name)
        for args, want in BY_NAME[name].special:
            with np.errstate(all="ignore"):
                got = f(*[dt(a) for a in args])
            w = dt(want)
            assert (np.isnan(got) and np.isnan(w)) or got.tobytes() == w.tobytes(), \
                (name, args, dt, got, w)


@pytest.mark.parametrize("name", NAMES)
def test_special_values_are_exact(name):
    """The registry's finite special values are the exact results (mpmath)."""
    pytest.importorskip("mpmath")
    from sigfast._testing.mpref import exact
    for args, want in BY_NAME[name].special:
        if not all(np.isfinite(args)) or not np.isfinite(want):
            continue
        hi, lo = exact(name, *[np.array([a]) for a in args])
        assert hi[0] == want or (want == 0 and hi[0] == 0), (name, args, hi[0], want)


def test_every_family_file_is_compiled_in():
    for lv in _dispatch.runnable_levels():
        mod = _dispatch.load(lv)
        assert list(mod.UFUNCS) == list(NAMES)
