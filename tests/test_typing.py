"""The type stubs (sigfast/__init__.pyi) under mypy.

* tests/typing_sample.py (typed use of every public name, with
  ``assert_type`` checks) passes ``mypy --strict``, stub included;
* snippets with a deliberate type error each make mypy fail, on the line
  of the error;
* the sample also runs as plain Python, so its assertions check values;
* the stub declares exactly the runtime ``__all__``.
"""
import ast
import os
import runpy
import subprocess
import sys
import sysconfig

import pytest

import sigfast

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "typing_sample.py")
PKG_DIR = os.path.dirname(os.path.abspath(sigfast.__file__))
STUB = os.path.join(PKG_DIR, "__init__.pyi")


def _site_dirs():
    paths = {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
    return {os.path.realpath(p) for p in paths}


@pytest.fixture(scope="module")
def mypy_run(tmp_path_factory):
    """Run mypy --strict on files (isolated config, shared cache); return (rc, output)."""
    pytest.importorskip("mypy")
    work = tmp_path_factory.mktemp("mypy")
    config = work / "mypy.ini"
    config.write_text("[mypy]\n")
    env = dict(os.environ)
    env.pop("MYPYPATH", None)
    parent = os.path.dirname(PKG_DIR)
    # Check the sigfast that the tests import: an editable/in-tree checkout
    # is put on MYPYPATH; an installed wheel is found in site-packages
    # (mypy refuses site-packages on MYPYPATH).
    if os.path.realpath(parent) not in _site_dirs():
        env["MYPYPATH"] = parent

    def run(*files):
        proc = subprocess.run(
            [sys.executable, "-m", "mypy", "--strict", "--no-error-summary",
             "--show-error-codes", "--config-file", str(config),
             "--cache-dir", str(work / "cache"), *map(str, files)],
            cwd=work, env=env, capture_output=True, text=True, timeout=300)
        return proc.returncode, proc.stdout + proc.stderr

    return run


def test_stub_exists_and_is_shipped():
    assert os.path.isfile(STUB)
    assert os.path.isfile(os.path.join(PKG_DIR, "py.typed"))


def test_stub_declares_every_public_name():
    # the stub has no __all__ (every public name in it is exported); the
    # runtime __all__ is built from the registry
    tree = ast.parse(open(STUB).read())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        assert not (isinstance(node, ast.Assign) and node.targets[0].id == "__all__")
    assert set(sigfast.__all__) <= names
    for name in sigfast.__all__:
        assert hasattr(sigfast, name)


def test_sample_runs():
    """The typed sample is real code: run it (its asserts check values)."""
    runpy.run_path(SAMPLE, run_name="__main__")


def test_sample_passes_mypy_strict(mypy_run):
    rc, out = mypy_run(SAMPLE)
    assert rc == 0, out
    assert "error" not in out, out


NEGATIVE = {
    "thread_count_str": 'sigfast.set_num_threads("x")',
    "context_manager_str": 'with sigfast.num_threads("2"):\n    pass',
    "wrong_result_dtype": "r: NDArray[np.float32] = sigfast.sigmoid(np.zeros(3))",
    "bad_reduction": 'sigfast.binary_cross_entropy_with_logits(z, z, reduction="avg")',
    "unknown_keyword": "sigfast.binary_cross_entropy_with_logits(z, z, weights=z)",
    "positional_option": "sigfast.binary_cross_entropy_with_logits(z, z, None)",
    "scalar_is_not_array": "s: NDArray[np.float64] = sigfast.binary_cross_entropy_with_logits(z, z)",
    "unknown_name": "sigfast.sigmoidd(z)",
    "show_config_file": "sigfast.show_config(file=1)",
    "simd_level_final": 'sigfast.simd_level = "avx2"',
}

HEADER = (
    "import numpy as np\n"
    "from numpy.typing import NDArray\n"
    "import sigfast\n"
    "z: NDArray[np.float64] = np.zeros(3)\n"
)


def test_deliberate_errors_fail_mypy(mypy_run, tmp_path):
    files = {}
    for name, body in NEGATIVE.items():
        f = tmp_path / f"neg_{name}.py"
        f.write_text(HEADER + body + "\n")
        files[name] = f
    # the header alone is clean, so each error below comes from its body line
    clean = tmp_path / "neg_header_only.py"
    clean.write_text(HEADER)
    rc, out = mypy_run(clean)
    assert rc == 0, out
    rc, out = mypy_run(*files.values())
    assert rc == 1, out
    err_line = HEADER.count("\n") + 1
    for name, f in files.items():
        hits = [ln for ln in out.splitlines()
                if ln.startswith(f"{f.name}:") or ln.startswith(f"{f}:")]
        assert any(f":{err_line}: error:" in ln for ln in hits), (name, out)


def test_set_num_threads_str_is_a_type_error_at_runtime_too():
    with pytest.raises((TypeError, ValueError)):
        sigfast.set_num_threads("x")
    assert sigfast.set_num_threads(None) >= 1
