"""Refuse a kept build directory configured inside a throw-away build environment.

Run by meson.build (``check_build_env.py NUMPY_INCLUDE_DIR``) when the build
directory is not one of meson-python's temporary ``.mesonpy-*`` folders,
i.e. for an editable install (``pip install -e .``, which keeps ``build/cp3XX``
and rebuilds from it at every import) or an explicit ``-Cbuild-dir``.  Such a
directory outlives the isolated environment pip (or ``build``, or uv) made for
the build: its numpy headers, libnpymath and Cython are deleted when the
install ends, so the first ``import sigfast`` would fail with "ninja:
error: .../libnpymath.a missing".  Exit status 1 with the fix on stdout.
"""
import os
import re
import sys

#: Folder names of the temporary build environments of pip
#: (pip-build-env-*), pypa/build (build-env-*) and uv (builds-v0).
ISOLATED = re.compile(r"^(pip-build-env-|build-env-|builds-v0$)")


def isolated(path):
    parts = os.path.realpath(path).split(os.sep)
    return any(ISOLATED.match(p) for p in parts)


def main(numpy_include):
    if not (isolated(numpy_include) or isolated(sys.prefix)):
        return 0
    print(
        "this build directory is kept (an editable install, or -Cbuild-dir), but "
        f"NumPy ({numpy_include}) comes from a temporary isolated build environment "
        "that is deleted when the install ends; the rebuild at the first "
        "'import sigfast' would then fail. Install the build dependencies into "
        "your environment and build without isolation:\n"
        "    pip install -r requirements-dev.txt\n"
        "    pip install --no-build-isolation -e . -Cbuild-dir=build/dev\n"
        "(for a regular install, `pip install .`, no build directory is kept).")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
