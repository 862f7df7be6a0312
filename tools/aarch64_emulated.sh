#!/usr/bin/env bash
# Build sigfast for Linux aarch64 on an x86-64 Debian/Ubuntu machine and run
# its tests under user-mode emulation (qemu-aarch64), against an arm64
# CPython and NumPy's manylinux aarch64 wheel: the NEON level, end to end,
# with no arm64 hardware.
#
#   bash tools/aarch64_emulated.sh            # install, build, test (~N min)
#   bash tools/aarch64_emulated.sh --counts   # also instructions per element
#                                             # (bench/aarch64_counts.py gate)
#
# Steps (each skipped when its result is already there, in $SIGFAST_AARCH64_DEPS,
# default ${TMPDIR:-/tmp}/sigfast-aarch64):
#   1. apt-get: qemu-user, the aarch64 cross GCC and its libc headers/libgomp
#      (sudo -n when not root); dpkg --add-architecture arm64.
#   2. an arm64 CPython 3.11 without a chroot: apt-get download python3.11:arm64,
#      python3.11-dev:arm64 (headers), libgomp1:arm64 and their recursive
#      dependencies, dpkg -x into one folder ROOT; it runs as
#      `qemu-aarch64 -L ROOT ROOT/usr/bin/python3.11`.
#   3. pip download (aarch64 wheels for CPython 3.11) NumPy and the test
#      dependencies, unpacked into one folder on PYTHONPATH.
#   4. meson cross build (tools/cross-aarch64.ini plus a generated cross file
#      whose python is the emulated one, so meson reads the arm64 sysconfig,
#      EXT_SUFFIX and NumPy include directory), installed into a folder.
#   5. the tests under qemu-aarch64 -cpu neoverse-n1 (tools/aarch64_tests.py
#      lists them): accuracy, special values, API, strides, threads.
set -euo pipefail

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT_DIR"
PY=${PYTHON:-python3}
WORK=${SIGFAST_AARCH64_DEPS:-${TMPDIR:-/tmp}/sigfast-aarch64}
BUILD=$ROOT_DIR/build/aarch64-emulated
NUMPY_VERSION=${NUMPY_VERSION:-2.4.6}
# meson runs tools/tempita.py with the (emulated) target python: it needs
# Cython there too, the same version as the host's cython compiler.
CYTHON_VERSION=$("$PY" -c 'import Cython; print(Cython.__version__)')
CPU=${SIGFAST_QEMU_CPU:-neoverse-n1}
COUNTS=0
[ "${1:-}" = "--counts" ] && COUNTS=1
T0=$(date +%s)
step() { printf '=== %s (%ds)\n' "$1" "$(( $(date +%s) - T0 ))"; }

# 1. host packages
step "host packages"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
need=()
command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu)
[ -f /usr/aarch64-linux-gnu/include/stdio.h ] || need+=(libc6-dev-arm64-cross)
ls /usr/lib/gcc-cross/aarch64-linux-gnu/*/libgomp.so >/dev/null 2>&1 \
    || ls /usr/aarch64-linux-gnu/lib/libgomp.so* >/dev/null 2>&1 || need+=(libgomp1-arm64-cross)
dpkg --print-foreign-architectures | grep -qx arm64 || { $SUDO dpkg --add-architecture arm64; need+=(update); }
if [ ${#need[@]} -gt 0 ]; then
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    pk=("${need[@]/update/}")
    pk=(${pk[@]})
    [ ${#pk[@]} -eq 0 ] || $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${pk[@]}" </dev/null >/dev/null
fi
apt-cache show python3.11:arm64 >/dev/null 2>&1 ||
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq

# 2. arm64 CPython
step "arm64 CPython"
SYSROOT=$WORK/root
if [ ! -x "$SYSROOT/usr/bin/python3.11" ]; then
    rm -rf "$WORK/debs" "$SYSROOT" && mkdir -p "$WORK/debs" "$SYSROOT"
    # Runtime dependencies only: no dpkg/perl/tar, no -dev packages other
    # than Python's own headers (the cross compiler has its own libc).
    pkgs=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
             --no-breaks --no-replaces --no-enhances \
             python3.11:arm64 python3.11-dev:arm64 libgomp1:arm64 libstdc++6:arm64 \
             libgcc-s1:arm64 2>/dev/null |
           grep -E '^[a-z0-9][^ ]*:arm64$' |
           grep -vE '^(dpkg|tar|install-info|perl|libperl|libc6-dev|libc-dev-bin|linux-libc-dev|libcrypt-dev|libnsl-dev|libtirpc-dev|zlib1g-dev|libexpat1-dev|rpcsvc-proto)' |
           sort -u)
    (cd "$WORK/debs" && apt-get download $pkgs >/dev/null 2>&1)
    for d in "$WORK"/debs/*.deb; do dpkg -x "$d" "$SYSROOT"; done
fi
# The interpreter as a host script: with argv[0] set to the script (-0),
# sys.executable is the script, so the tests' subprocesses (sys.executable
# -c ...) run emulated too (there is no binfmt_misc to do it), and Python
# still finds its prefix next to it, in ROOT/usr.
APY=$SYSROOT/usr/bin/python3.11-qemu
printf '#!/bin/sh\nexec qemu-aarch64 -cpu %s -L "%s" -0 "$0" "%s" "$@"\n' \
    "$CPU" "$SYSROOT" "$SYSROOT/usr/bin/python3.11" > "$APY"
chmod +x "$APY"

# 3. NumPy and the test dependencies for aarch64
step "aarch64 wheels"
SITE=$WORK/site
STAMP=$SITE/.numpy-$NUMPY_VERSION-cython-$CYTHON_VERSION
if [ ! -f "$STAMP" ]; then
    rm -rf "$SITE" "$WORK/wheels" && mkdir -p "$SITE" "$WORK/wheels"
    "$PY" -m pip download -q --only-binary :all: --platform manylinux_2_28_aarch64 \
        --python-version 3.11 -d "$WORK/wheels" \
        "numpy==$NUMPY_VERSION" "cython==$CYTHON_VERSION" "pytest>=7" "hypothesis>=6" "mpmath>=1.3" "threadpoolctl>=3.1"
    for w in "$WORK"/wheels/*.whl; do "$PY" -m zipfile -e "$w" "$SITE"; done
    touch "$STAMP"
fi

# 4. cross build
step "cross build"
cat > "$WORK/python" <<EOF
#!/bin/sh
PYTHONPATH="$SITE" exec "$APY" "\$@"
EOF
chmod +x "$WORK/python"
printf "[binaries]\npython = '%s'\n[built-in options]\nc_args = ['-I%s/usr/include']\n" \
    "$WORK/python" "$SYSROOT" > "$WORK/python-aarch64.ini"
INST=$WORK/install
rm -rf "$BUILD" "$INST"
mkdir -p "$(dirname "$BUILD")"
meson setup "$BUILD" --cross-file tools/cross-aarch64.ini --cross-file "$WORK/python-aarch64.ini" \
    -Dpython.platlibdir="$INST" -Dpython.purelibdir="$INST" > "$BUILD.log" 2>&1 ||
    { tail -n 30 "$BUILD.log"; exit 1; }
grep -E "Host machine cpu family|Run-time dependency openmp" "$BUILD.log" || true
ninja -C "$BUILD" -j"$(nproc)" >> "$BUILD.log" 2>&1 || { tail -n 40 "$BUILD.log"; exit 1; }
meson install -C "$BUILD" --no-rebuild >> "$BUILD.log" 2>&1 || { tail -n 20 "$BUILD.log"; exit 1; }
file -b "$INST"/sigfast/_ufuncs_baseline*.so | grep -q 'ARM aarch64' ||
    { echo "_ufuncs_baseline is not an aarch64 module" >&2; exit 1; }

# 5. tests under emulation
step "tests under qemu-aarch64 -cpu $CPU"
export PYTHONPATH="$INST:$SITE"
export PYTHONHASHSEED=0 CI=1
"$APY" -P -c "import sigfast, numpy, platform; print(platform.machine(), 'NumPy', numpy.__version__); sigfast.show_config()"
"$APY" -P tools/aarch64_tests.py
if [ "$COUNTS" = 1 ]; then
    # 6. the counting plugin, built against qemu-plugin.h from the source
    #    package of the installed QEMU (apt-get source with a private
    #    deb-src list and state folder: the system's apt setup is untouched)
    step "instruction counts"
    if [ ! -f "$WORK/insn_marks.so" ]; then
        A=$WORK/apt
        mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/src"
        printf 'deb-src http://deb.debian.org/debian %s main\n' bookworm bookworm-updates > "$A/src.list"
        printf 'deb-src http://deb.debian.org/debian-security bookworm-security main\n' >> "$A/src.list"
        O=(-o "Dir::Etc::SourceList=$A/src.list" -o "Dir::Etc::SourceParts=/nonexistent"
           -o "Dir::State::Lists=$A/lists" -o "Dir::Cache=$A/cache" -o "APT::Sandbox::User=root")
        apt-get "${O[@]}" update -qq
        V=$(dpkg-query -W -f='${source:Version}' qemu-user)
        (cd "$A/src" && apt-get "${O[@]}" source --download-only -qq "qemu=$V" >/dev/null)
        tar -xJf "$A"/src/qemu_*.orig.tar.xz -C "$A/src" --wildcards '*/include/qemu/qemu-plugin.h'
        H=$(dirname "$(find "$A/src" -name qemu-plugin.h | head -n1)")
        gcc -O2 -shared -fPIC -Wall -I"$H" tools/qemu_insn_marks.c -o "$WORK/insn_marks.so"
    fi
    SIGFAST_AARCH64_DEPS=$WORK SIGFAST_QEMU_CPU=$CPU PYTHONPATH= "$PY" bench/instruction_counts_aarch64.py
fi
step "done"
