"""Packaging facts that must agree across files: the distribution name and
every install line, the single version, the NumPy floor, the development
requirements; and the two install-time guards (the pickle hook for old NumPy,
the check that refuses an editable build in a throw-away environment)."""
import importlib.metadata
import io
import importlib.util
import pathlib
import pickle
import re
import subprocess
import tomllib

import numpy as np
import pytest

import sigfast
from sigfast._testing import PYTHON

ROOT = pathlib.Path(__file__).resolve().parent.parent
DIST = "sigfast-ufuncs"

pytestmark = pytest.mark.skipif(not (ROOT / "pyproject.toml").is_file(),
                                reason="needs the source tree next to tests/")


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def load_tool(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def meson_version():
    text = (ROOT / "meson.build").read_text()
    return re.search(r"project\([^)]*?version:\s*'([^']+)'", text, re.S).group(1)


# ---------------------------------------------------------------- name, version

def test_distribution_name_and_single_version():
    proj = pyproject()["project"]
    assert proj["name"] == DIST
    assert "version" not in proj and "version" in proj["dynamic"]
    assert sigfast.__version__ == meson_version()
    try:
        assert importlib.metadata.version(DIST) == meson_version()
    except importlib.metadata.PackageNotFoundError:    # pragma: no cover
        pass                                            # e.g. a bare build dir


def test_citation_and_changelog_follow_the_version():
    v = meson_version()
    cff = (ROOT / "CITATION.cff").read_text()
    assert re.search(rf"^version: {re.escape(v)}$", cff, re.M)
    assert re.search(rf"^## {re.escape(v)}\b", (ROOT / "CHANGELOG.md").read_text(), re.M)
    repo = re.search(r'^repository-code: "([^"]+)"', cff, re.M).group(1)
    assert pyproject()["project"]["urls"]["Source"] == repo


def _install_commands():
    """Every `pip install ...` command in the docs (code blocks and inline code)."""
    out = []
    for path in [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for cmd in re.findall(r"pip install [^`\n#&;|]*", path.read_text()):
            out.append((path.name, cmd.strip()))
    return out


def test_install_lines_name_the_distribution_not_the_pypi_squatter():
    cmds = _install_commands()
    assert any(DIST in c for _, c in cmds)
    for where, cmd in cmds:
        for arg in cmd.split()[2:]:
            arg = arg.strip("\"'")
            # `sigfast` or `sigfast[extra]` would install the unrelated PyPI project
            assert not re.fullmatch(r"sigfast(\[.*\])?", arg), (where, cmd)
            assert not re.match(r"(.*/)?sigfast-[^u]", arg), (where, cmd)  # old file names


# ------------------------------------------------------------------ NumPy floor

def test_numpy_floor_agrees_everywhere():
    oldest_numpy = load_tool("oldest_numpy")
    low = oldest_numpy.floor()
    major, minor = low.split(".")[:2]
    meson = (ROOT / "sigfast" / "meson.build").read_text()
    assert f"-DNPY_TARGET_VERSION=NPY_{major}_{minor}_API_VERSION" in meson
    assert f"NumPy >= {major}.{minor}" in (ROOT / "docs" / "wheels.md").read_text()
    assert f"NumPy >= {major}.{minor}" in (ROOT / "README.md").read_text()
    # the build itself needs NumPy 2 (its headers target the floor)
    assert "numpy>=2.0" in pyproject()["build-system"]["requires"]


def test_oldest_numpy_picks_the_first_release_with_a_wheel():
    oldest = load_tool("oldest_numpy").oldest
    versions = ["2.1.0", "2.0.2", "1.26.4", "1.26.0", "2.1.0rc1", "1.25.0"]
    assert oldest(versions, "1.25") == "1.25.0"
    assert oldest([v for v in versions if v != "1.25.0"], "1.25") == "1.26.0"
    assert oldest(versions, "2.1") == "2.1.0"
    assert oldest([], "1.25") is None


# ------------------------------------------------------------- development set-up

def _req_names(reqs):
    return {re.split(r"[<>=!~\[; ]", r.strip(), maxsplit=1)[0].lower()
            for r in reqs if r.strip() and not r.strip().startswith("#")}


def test_requirements_dev_has_the_build_and_test_dependencies():
    lines = (ROOT / "requirements-dev.txt").read_text().splitlines()
    have = {ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")}
    toml = pyproject()
    for req in toml["build-system"]["requires"] + toml["project"]["optional-dependencies"]["test"]:
        assert req.replace(" ", "") in have, req
    assert "ninja" in _req_names(have)


def test_build_env_check_refuses_isolated_environments(tmp_path):
    check = load_tool("check_build_env")
    iso = "/tmp/pip-build-env-x1y2/overlay/lib/python3.11/site-packages/numpy/_core/include"
    assert check.isolated(iso)
    assert check.isolated("/tmp/build-env-abc/lib/python3.12/site-packages/numpy/_core/include")
    assert not check.isolated(str(tmp_path / "venv" / "lib" / "numpy" / "_core" / "include"))
    proc = subprocess.run([*PYTHON, str(ROOT / "tools" / "check_build_env.py"), iso],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "pip install --no-build-isolation -e ." in proc.stdout
    assert "requirements-dev.txt" in proc.stdout
    ok = subprocess.run([*PYTHON, str(ROOT / "tools" / "check_build_env.py"),
                         np.get_include()], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stdout


# ------------------------------------------------------------------ pickling

def test_pickle_hook_for_numpy_without_ufunc_module():
    """The copyreg path NumPy < 2.2 takes (there a ufunc's __module__ cannot
    be set), forced here on any NumPy in a subprocess."""
    code = (
        "import pickle, numpy as np, sigfast\n"
        "sigfast._install_pickle_hook(); sigfast._install_pickle_hook()\n"
        "for name, uf in sigfast.UFUNCS.items():\n"
        "    b = pickle.dumps(uf)\n"
        "    assert b'_unpickle_ufunc' in b and pickle.loads(b) is uf, name\n"
        "assert pickle.loads(pickle.dumps(np.exp)) is np.exp\n"
        "assert b'_unpickle_ufunc' not in pickle.dumps(np.add)\n"
        "print('ok', len(sigfast.UFUNCS))\n")
    proc = subprocess.run([*PYTHON, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["ok", str(len(sigfast.UFUNCS))]


def test_ufuncs_pickle_by_name_in_this_process():
    for name, uf in sigfast.UFUNCS.items():
        assert pickle.loads(pickle.dumps(uf)) is uf
        assert b"sigfast" in pickle.dumps(uf)


# ------------------------------------------------------------------ licences in the wheel

#: sha256 of the GPLv3 text as gnu.org and Debian's base-files
#: (/usr/share/common-licenses/GPL-3) ship it.
GPL3_SHA256 = "3972dc9744f6499f0f9b2dbf76696f2ae7ad8af9b23dde66d6af86c9dfb36986"
GCC_TEXTS = ("GCC_RUNTIME_LIBRARY_EXCEPTION.txt", "GPL-3.0.txt")


def test_gpl3_text_is_the_complete_license():
    import hashlib
    data = (ROOT / "tools" / "GPL-3.0.txt").read_bytes()
    assert hashlib.sha256(data).hexdigest() == GPL3_SHA256
    text = data.decode()
    for mark in ("GNU GENERAL PUBLIC LICENSE", "Version 3, 29 June 2007", "TERMS AND CONDITIONS",
                 "7. Additional Terms.", "17. Interpretation of Sections 15 and 16.",
                 "END OF TERMS AND CONDITIONS", "How to Apply These Terms to Your New Programs"):
        assert mark in text, mark
    debian = pathlib.Path("/usr/share/common-licenses/GPL-3")
    if debian.is_file():
        assert debian.read_bytes() == data
    # the exception names the license it modifies
    assert "GNU General Public License" in (ROOT / "tools" / GCC_TEXTS[0]).read_text()


def _wheel_cmds():
    """The add_wheel_license.py commands of cibuildwheel's Linux repair step."""
    cmds = pyproject()["tool"]["cibuildwheel"]["linux"]["repair-wheel-command"]
    return [c for c in cmds if "add_wheel_license.py" in c]


def test_wheel_builds_add_both_gcc_texts():
    # cibuildwheel (pyproject.toml) and tools/build_wheel.sh add both files,
    # only to wheels that bundle libgomp
    cmds = _wheel_cmds()
    for name in GCC_TEXTS:
        assert [c for c in cmds if f"tools/{name} " in c and "--if-bundled '*.libs/libgomp*'" in c]
    sh = (ROOT / "tools" / "build_wheel.sh").read_text()
    assert 'for lic_txt in "$EXCEPTION_TXT" "$GPL_TXT"; do' in sh
    assert sh.count('for lic_txt in "$EXCEPTION_TXT" "$GPL_TXT"; do') == 2   # add, then verify
    assert "GPL_TXT=$ROOT/tools/GPL-3.0.txt" in sh


def _fake_wheel(path, members):
    import zipfile
    add = load_tool("add_wheel_license")
    di = "sigfast_ufuncs-0.1.0.dist-info"
    files = {f"{di}/METADATA": b"Metadata-Version: 2.4\nName: sigfast-ufuncs\nVersion: 0.1.0\n"
                               b"License-Expression: BSD-3-Clause\nLicense-File: LICENSE\n\nbody\n",
             f"{di}/licenses/LICENSE": b"BSD\n", **{m: b"x" for m in members}}
    record = "".join(f"{n},{add._record_hash(d)},{len(d)}\n" for n, d in files.items())
    files[f"{di}/RECORD"] = (record + f"{di}/RECORD,,\n").encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, d in files.items():
            z.writestr(n, d)
    return di


def test_wheel_with_libgomp_gets_the_exception_and_the_gpl(tmp_path):
    import csv
    import zipfile
    add = load_tool("add_wheel_license")
    whl = tmp_path / "sigfast_ufuncs-0.1.0-cp311-cp311-manylinux_2_28_x86_64.whl"
    di = _fake_wheel(whl, ["sigfast/_openmp.so", "sigfast_ufuncs.libs/libgomp-a34b3233.so.1.0.0"])
    plain = tmp_path / "plain" / "sigfast_ufuncs-0.1.0-cp311-cp311-macosx_11_0_arm64.whl"
    plain.parent.mkdir()
    _fake_wheel(plain, ["sigfast/_openmp.so"])
    # the two commands cibuildwheel runs, on the folder holding the wheel
    for cmd in _wheel_cmds():
        lic = cmd.split()[2].replace("{project}", str(ROOT))
        for folder in (tmp_path, plain.parent):
            assert add.main([lic, str(folder), "--if-bundled", "*.libs/libgomp*"]) == 0
    with zipfile.ZipFile(whl) as z:
        for name in GCC_TEXTS:
            assert z.read(f"{di}/licenses/{name}") == (ROOT / "tools" / name).read_bytes()
        meta = z.read(f"{di}/METADATA").decode()
        head = meta.split("\n\n")[0].splitlines()
        assert [ln for ln in head if ln.startswith("License-File:")] == [
            "License-File: LICENSE", f"License-File: {GCC_TEXTS[0]}", f"License-File: {GCC_TEXTS[1]}"]
        assert meta.endswith("\n\nbody\n")
        rows = list(csv.reader(io.StringIO(z.read(f"{di}/RECORD").decode())))
        listed = {r[0] for r in rows}
        assert listed == set(z.namelist())
        for name, digest, size in rows:
            if name.endswith("RECORD"):
                continue
            data = z.read(name)
            assert digest == add._record_hash(data) and int(size) == len(data), name
    with zipfile.ZipFile(plain) as z:                   # no libgomp: left alone
        assert not [n for n in z.namelist() if n.endswith(GCC_TEXTS)]


# ------------------------------------------------------------------ README as the index page

def test_readme_is_the_short_index_page():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 300
    # the two commands .ci/run and users copy, verbatim
    assert "```bash\npip install . && python -P -m sigfast\n```" in text
    assert "```bash\npip install \".[test]\" && pytest\n```" in text
    assert "python3 -m venv .venv && . .venv/bin/activate" in text
    # PyPI renders the README away from the repository: links and the
    # image point at the project's source URL
    source = pyproject()["project"]["urls"]["Source"]
    links = re.findall(r"\]\(([^)]+)\)", text)
    assert links and all(u.startswith(("https://", "#")) for u in links), links
    assert any(u.startswith(f"{source}/blob/main/docs/") for u in links)
    for u in links:
        if u.startswith(f"{source}/blob/main/"):
            assert (ROOT / u[len(f"{source}/blob/main/"):]).is_file(), u
    # the full measurements live in docs/
    assert "<details><summary>Full table, 1 thread</summary>" in (ROOT / "docs" / "speed.md").read_text()
    assert "**float32 over all 2**32 inputs**" in (ROOT / "docs" / "accuracy.md").read_text()


def test_every_extension_module_declares_freethreading_compatible():
    # README, docs/wheels.md and pyproject.toml say every compiled module
    # declares it (what cp314t wheels would rely on); a new .pyx must too
    sources = sorted((ROOT / "sigfast").glob("*.pyx")) + sorted(
        (ROOT / "sigfast").glob("*.pyx.tp"))
    assert len(sources) >= 4
    missing = [p.name for p in sources
               if p.read_text().splitlines()[0] != "# cython: freethreading_compatible = True"]
    assert missing == []
