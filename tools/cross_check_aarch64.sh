#!/usr/bin/env bash
# Cross-compile sigfast for Linux aarch64 on an x86-64 Debian machine, to check
# that a non-x86 configure picks only the baseline kernel level and that the
# Cython-generated C compiles and links for aarch64. Nothing is run.
#
#   apt-get install -y gcc-aarch64-linux-gnu
#   bash tools/cross_check_aarch64.sh
#
# The build needs NumPy's headers and static libnpymath.a *for aarch64*:
# meson.build asks `python -c "import numpy; print(numpy.get_include())"`,
# so a second cross file swaps in a python wrapper whose `numpy` is a stub
# pointing at NumPy's aarch64 wheel from PyPI. Python's own headers are the
# build machine's (x86-64; close enough for a compile check), which is also
# why the modules are named with the x86_64 EXT_SUFFIX.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PY=${PYTHON:-python3}
# outside the source tree: meson refuses include dirs from inside it
WORK=${SIGFAST_CROSS_DEPS:-${TMPDIR:-/tmp}/sigfast-cross-aarch64-deps}
BUILD=$ROOT/build/cross-aarch64
PYVER=$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
NUMPY_VERSION=${NUMPY_VERSION:-$("$PY" -c 'import numpy; print(numpy.__version__)')}

command -v aarch64-linux-gnu-gcc >/dev/null ||
    { echo "aarch64-linux-gnu-gcc missing: apt-get install -y gcc-aarch64-linux-gnu" >&2; exit 1; }

if [ ! -f "$WORK/numpy/numpy/_core/lib/libnpymath.a" ]; then
    rm -rf "$WORK" && mkdir -p "$WORK/dl" "$WORK/stub/numpy"
    "$PY" -m pip download -q --no-deps --only-binary :all: \
        --platform manylinux_2_28_aarch64 --python-version "$PYVER" \
        -d "$WORK/dl" "numpy==$NUMPY_VERSION"
    "$PY" -m zipfile -e "$WORK"/dl/numpy-*.whl "$WORK/numpy"
fi
cat > "$WORK/stub/numpy/__init__.py" <<EOF
# stand-in for meson.build's numpy.get_include() in the aarch64 cross build
def get_include():
    return "$WORK/numpy/numpy/_core/include"
EOF
cat > "$WORK/python" <<EOF
#!/bin/sh
PYTHONPATH="$WORK/stub" exec "$(command -v "$PY")" "\$@"
EOF
chmod +x "$WORK/python"
printf "[binaries]\npython = '%s'\n" "$WORK/python" > "$WORK/numpy-aarch64.ini"

rm -rf "$BUILD"
meson setup "$BUILD" --cross-file tools/cross-aarch64.ini --cross-file "$WORK/numpy-aarch64.ini" > "$BUILD.log" 2>&1 ||
    { tail -n 30 "$BUILD.log"; exit 1; }
grep -E "Host machine cpu family|OpenMP|npymath" "$BUILD.log"
ninja -C "$BUILD" -j1

echo "--- result"
grep -E "simd_levels" "$BUILD/sigfast/_build_info.py"
[ -z "$(ls "$BUILD"/sigfast/_ufuncs_avx* "$BUILD"/sigfast/_fused_avx* 2>/dev/null)" ] || { echo "x86 SIMD levels built for aarch64" >&2; exit 1; }
for so in "$BUILD"/sigfast/*.so; do
    file -b "$so" | grep -q 'ARM aarch64' || { echo "$so is not aarch64" >&2; exit 1; }
    printf '%s: aarch64, max %s\n' "$(basename "$so")" \
        "$(aarch64-linux-gnu-objdump -T "$so" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n1)"
done
