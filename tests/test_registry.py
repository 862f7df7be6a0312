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


@pytest.mark.parametrize("name", NAMES)
def test_entry_states_every_fact_its_checks_need(name):
    # the lists that used to sit in the tests and tools (dense-sweep maxima,
    # NaN-iff-NaN, subnormal tails, values at +-inf) are registry facts now;
    # an entry that leaves one out fails here, not silently elsewhere
    missing = BY_NAME[name].missing_facts()
    assert not missing, (f"sigfast/_registry.py: the entry {name!r} does not state "
                         f"{', '.join(missing)} (see the Ufunc docstring)")


def test_missing_facts_are_named():
    bare = _registry.Ufunc("hard_sigmoid", 1, "sigmoid", "doc")
    assert bare.missing_facts() == ["nan_iff_nan", "subnormal_tail", "dense_max32",
                                    "special value at inf", "special value at -inf"]
    assert _registry.Ufunc("b", 2, "bce", "doc").missing_facts() == []


def test_tools_and_benchmarks_take_their_lists_from_the_registry():
    import importlib.util

    root = pathlib.Path(__file__).resolve().parent.parent
    if not (root / "tools").is_dir():
        pytest.skip("needs the source tree next to tests/")

    def load(rel):
        spec = importlib.util.spec_from_file_location(pathlib.Path(rel).stem, root / rel)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod

    assert tuple(load("tools/exhaustive_f32.py").FUNCS) == _registry.UNARY
    hashes = load("tools/output_hashes.py")
    assert set(hashes.UNARY + hashes.BINARY) == set(NAMES)
    mono = load("tools/monotone_f32.py")
    assert {mono.TARGETS[k][0] for k in mono.PIECES} == {u.name for u in _registry.UFUNCS
                                                         if u.monotone}
    # the accuracy table's peers are the benchmark's (one Compare per ufunc)
    assert set(_bench.COMPARE) >= set(NAMES)
