"""Print the oldest NumPy release sigfast supports on this Python.

That is the floor in pyproject.toml's ``dependencies`` (``numpy>=X``), or,
where that release has no wheel for this interpreter (NumPy 1.25 predates
CPython 3.12), the first later release that has one, as ``pip index
versions --only-binary=:all:`` lists them.  .ci/run installs it and runs the
test suite against it.

    python tools/oldest_numpy.py            # e.g. 1.25.0
    python tools/oldest_numpy.py --floor    # the floor as written, e.g. 1.25
"""
import pathlib
import re
import subprocess
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def floor(pyproject=ROOT / "pyproject.toml"):
    """The X of ``numpy>=X`` in [project] dependencies."""
    deps = tomllib.loads(pathlib.Path(pyproject).read_text())["project"]["dependencies"]
    for dep in deps:
        m = re.fullmatch(r"numpy\s*>=\s*([0-9][0-9.]*)", dep.strip())
        if m:
            return m.group(1)
    raise SystemExit(f"no 'numpy>=X' in the dependencies of {pyproject}: {deps}")


def _key(version):
    return tuple(int(p) for p in version.split("."))


def _padded(version):
    parts = version.split(".")
    return ".".join(parts + ["0"] * (3 - len(parts)))


def oldest(versions, low):
    """The smallest final release in ``versions`` that is >= ``low``."""
    finals = [v for v in versions if re.fullmatch(r"\d+\.\d+\.\d+", v)]
    ok = sorted((v for v in finals if _key(v) >= _key(_padded(low))), key=_key)
    return ok[0] if ok else None


def available():
    """NumPy versions with a wheel for this interpreter, or [] if pip cannot say."""
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", "numpy", "--only-binary=:all:"],
        capture_output=True, text=True)
    m = re.search(r"^Available versions:\s*(.+)$", proc.stdout, re.M)
    return [v.strip() for v in m.group(1).split(",")] if m else []


def main(argv):
    low = floor()
    if "--floor" in argv:
        print(low)
        return 0
    print(oldest(available(), low) or _padded(low))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
