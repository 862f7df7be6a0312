#!/usr/bin/env bash
# cibuildwheel before-all on macOS: fetch an OpenMP runtime (libomp) that the
# wheels can vendor, the way scikit-learn's wheel scripts do it.
#
# Apple clang has no OpenMP runtime. We take conda-forge's llvm-openmp build
# (not Homebrew's libomp: a bottle is built for the runner's own macOS, so
# delocate would refuse to vendor it into a wheel for older macOS) and unpack
# one copy per architecture:
#
#   $SIGFAST_OPENMP_ROOT/osx-64     x86_64  (built for macOS >= 10.9)
#   $SIGFAST_OPENMP_ROOT/osx-arm64  arm64   (built for macOS >= 11.0)
#
# pyproject.toml ([[tool.cibuildwheel.overrides]] for *-macosx_*) points
# CC/CFLAGS/LDFLAGS at these prefixes and sets MACOSX_DEPLOYMENT_TARGET to a
# value no lower than the libomp build's (checked below), so delocate can copy
# libomp.dylib into sigfast/.dylibs.
set -euo pipefail

ROOT=${SIGFAST_OPENMP_ROOT:-/tmp/sigfast-openmp}
# The same llvm-openmp 11.1.0 packages scikit-learn's wheels have used.
# (No associative arrays: macOS's /bin/bash is 3.2.)
LLVM_OPENMP_VERSION=11.1.0
BASE_URL=https://anaconda.org/conda-forge/llvm-openmp/${LLVM_OPENMP_VERSION}/download
url_for() {
    case "$1" in
        osx-64) echo "$BASE_URL/osx-64/llvm-openmp-${LLVM_OPENMP_VERSION}-hda6cdc1_1.tar.bz2" ;;
        osx-arm64) echo "$BASE_URL/osx-arm64/llvm-openmp-${LLVM_OPENMP_VERSION}-hf3c4609_1.tar.bz2" ;;
    esac
}
# Must match MACOSX_DEPLOYMENT_TARGET in pyproject.toml's overrides.
target_for() {
    case "$1" in
        osx-64) echo 10.13 ;;
        osx-arm64) echo 11.0 ;;
    esac
}

# version_le A B: dotted A <= B (awk, not `sort -V`: portable to macOS)
version_le() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        na = split(a, x, "."); nb = split(b, y, "."); n = na > nb ? na : nb
        for (i = 1; i <= n; i++) {
            if (x[i] + 0 < y[i] + 0) exit 0
            if (x[i] + 0 > y[i] + 0) exit 1
        }
        exit 0 }'
}

# minos of a Mach-O file: LC_BUILD_VERSION (newer) or LC_VERSION_MIN_MACOSX
minos() {
    otool -l "$1" | awk '
        /LC_BUILD_VERSION/ {b=1} b && $1=="minos" {print $2; exit}
        /LC_VERSION_MIN_MACOSX/ {v=1} v && $1=="version" {print $2; exit}'
}

for sub in osx-64 osx-arm64; do
    prefix=$ROOT/$sub
    if [ ! -f "$prefix/lib/libomp.dylib" ]; then
        rm -rf "$prefix" && mkdir -p "$prefix"
        curl -fsSL --retry 3 "$(url_for "$sub")" | tar -xj -C "$prefix"
    fi
    lib=$prefix/lib/libomp.dylib
    [ -f "$lib" ] && [ -f "$prefix/include/omp.h" ] || { echo "libomp missing in $prefix" >&2; exit 1; }
    v=$(minos "$lib")
    [ -n "$v" ] || { echo "cannot read the minimum macOS version of $lib" >&2; exit 1; }
    echo "$sub: $(lipo -archs "$lib" 2>/dev/null || true) libomp $LLVM_OPENMP_VERSION, minos $v, install name $(otool -D "$lib" | tail -n1)"
    t=$(target_for "$sub")
    version_le "$v" "$t" || {
        echo "libomp for $sub needs macOS $v > MACOSX_DEPLOYMENT_TARGET $t" >&2
        exit 1
    }
done
