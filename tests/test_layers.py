"""The import layering of the sigfast package, checked on its sources.

Data flows downward: the registry and build facts at the bottom; the thread
state and the kernel loader above them; the reference twin, the test
utilities and the loss layer above those; the package face; and on top the
tools that use the public API (self-check, benchmarks, CLI).  No module
below the face imports ``sigfast`` itself, and there are no import cycles.
Lazy imports inside functions count too.
"""
import ast
import pathlib

import sigfast

PKG = pathlib.Path(sigfast.__file__).parent

#: module -> the sigfast modules it may import ("sigfast" is the face).
ALLOWED = {
    "sigfast._registry": set(),
    "sigfast._build_info": set(),
    "sigfast._threads": {"sigfast._openmp"},
    "sigfast._dispatch": {"sigfast._openmp", "sigfast._cpu", "sigfast._build_info"},
    "sigfast._dd": set(),
    "sigfast._ref": {"sigfast._registry", "sigfast._dd"},
    "sigfast._testing": {"sigfast._testing.inputs", "sigfast._testing.ulp"},
    "sigfast._testing.inputs": {"sigfast._registry"},
    "sigfast._testing.ulp": set(),
    "sigfast._testing.mpref": set(),
    "sigfast._testing.fpflags": set(),
    "sigfast._fpenv": set(),
    "sigfast.losses._validate": {"sigfast._dispatch", "sigfast._fpenv"},
    "sigfast.losses._reduction": {"sigfast.losses._validate"},
    "sigfast.losses._dask": {"sigfast.losses._validate", "sigfast.losses._reduction"},
    "sigfast.losses._logits": {"sigfast.losses._validate", "sigfast.losses._reduction"},
    "sigfast.losses._probs": {"sigfast._dispatch", "sigfast.losses._validate",
                              "sigfast.losses._reduction"},
    # container adapters: each imports its library (xarray, pandas, dask) lazily
    "sigfast.losses._masked": {"sigfast.losses._validate", "sigfast.losses._reduction"},
    "sigfast.losses._dask_probs": {"sigfast.losses._dask", "sigfast.losses._validate",
                                   "sigfast.losses._reduction"},
    "sigfast.losses._xarray": set(),
    "sigfast.losses._pandas": set(),
    "sigfast.losses._containers": {"sigfast.losses._validate", "sigfast.losses._masked",
                                   "sigfast.losses._dask", "sigfast.losses._dask_probs",
                                   "sigfast.losses._xarray", "sigfast.losses._pandas"},
    # _validate: plain_first, the compiled entry for plain calls
    "sigfast.losses": {"sigfast.losses._logits", "sigfast.losses._probs",
                       "sigfast.losses._containers", "sigfast.losses._validate"},
    # compiled from cython_api.pyx.tp (its Python-level imports)
    "sigfast.cython_api": {"sigfast._dispatch", "sigfast._registry"},
    "sigfast._split": {"sigfast._dispatch"},
    "sigfast": {"sigfast._dispatch", "sigfast._build_info", "sigfast._registry",
                "sigfast._threads", "sigfast.losses", "sigfast._openmp", "sigfast._split"},
    # above the face: tools built on the public API
    "sigfast._selfcheck": {"sigfast", "sigfast._dispatch", "sigfast._ref",
                           "sigfast._registry", "sigfast._testing.inputs",
                           "sigfast._testing.ulp"},
    "sigfast._bench.timer": set(),
    "sigfast._bench.peers": {"sigfast._registry"},
    "sigfast._bench.runner": {"sigfast", "sigfast._dispatch", "sigfast._testing.inputs",
                              "sigfast._bench.peers", "sigfast._bench.timer"},
    "sigfast._bench.report": {"sigfast", "sigfast._openmp", "sigfast._bench.peers",
                              "sigfast._bench.runner"},
    "sigfast._bench": {"sigfast._bench.peers", "sigfast._bench.report",
                       "sigfast._bench.runner", "sigfast._bench.timer"},
    "sigfast._bench.__main__": {"sigfast._bench.runner"},
    "sigfast.__main__": {"sigfast", "sigfast._bench", "sigfast._dispatch",
                         "sigfast._selfcheck"},
}
#: The modules below the face (they must never import the face).
BELOW_FACE = {m for m in ALLOWED if "sigfast" not in ALLOWED[m] and m != "sigfast"
              and not m.startswith(("sigfast._bench", "sigfast._selfcheck", "sigfast.__main__"))}


def module_name(path):
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


#: Compiled or generated modules (in the build folder of an editable install).
BUILT = {"sigfast._openmp", "sigfast._cpu", "sigfast._build_info", "sigfast.cython_api"}


def is_module(name):
    rel = pathlib.Path(*name.split("."))
    base = PKG.parent / rel
    return (base.with_suffix(".py").exists() or (base / "__init__.py").exists()
            or name in BUILT or name in ALLOWED)


def imports_of(path):
    """The sigfast modules a source file imports (resolved, lazy ones too)."""
    mod = module_name(path)
    package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "sigfast"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "sigfast":
                continue
            for a in node.names:
                sub = f"{target}.{a.name}"
                out.add(sub if is_module(sub) else target)
    out.discard(mod)
    return out


def graph():
    return {module_name(p): imports_of(p) for p in PKG.rglob("*.py")}


def test_every_module_is_placed_in_a_layer():
    assert set(graph()) - {"sigfast._build_info"} <= set(ALLOWED), \
        set(graph()) - set(ALLOWED)


def test_imports_follow_the_layers():
    bad = {m: sorted(deps - ALLOWED[m]) for m, deps in graph().items()
           if m in ALLOWED and deps - ALLOWED[m]}
    assert not bad


def test_nothing_below_the_face_imports_sigfast():
    g = graph()
    assert not [m for m in BELOW_FACE if "sigfast" in g.get(m, ())]


def test_no_import_cycles():
    g = graph()
    state = {}

    def visit(m, stack):
        state[m] = 1
        for d in g.get(m, ()):
            if state.get(d) == 1:
                raise AssertionError("cycle: " + " -> ".join(stack + [m, d]))
            if d not in state:
                visit(d, stack + [m])
        state[m] = 2

    for m in g:
        if m not in state:
            visit(m, [])


def test_cython_api_template_imports_follow_the_layers():
    """The compiled sigfast.cython_api is generated from a template that
    ast cannot read: check its Python-level imports by pattern."""
    import re
    import pytest
    src = PKG / "cython_api.pyx.tp"
    if not src.exists():
        pytest.skip("sources not installed (not an editable install)")
    found = set()
    for m in re.finditer(r"^from (sigfast[\w.]*) import (.+)$", src.read_text(), re.M):
        found |= {f"{m.group(1)}.{n.strip()}" for n in m.group(2).split(",")}
    assert found and found <= ALLOWED["sigfast.cython_api"], found
