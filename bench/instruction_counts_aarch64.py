#!/usr/bin/env python
"""Instructions per element of sigfast's NEON level and of the NumPy
expression, counted under qemu-aarch64, against a committed table and floors.

    bash tools/aarch64_emulated.sh --counts                 # builds, then runs this
    python bench/instruction_counts_aarch64.py              # check (exit 1 on growth)
    python bench/instruction_counts_aarch64.py --update     # re-record the table

Run on the x86-64 host after tools/aarch64_emulated.sh has built the arm64
CPython and sigfast (it reads the same $SIGFAST_AARCH64_DEPS folder).  This
script starts the emulated interpreter once, with the counting plugin
tools/qemu_insn_marks.c, running itself with ``--guest``: every function of
sigfast._bench.peers.COMPARE (the ufuncs and the fused mean loss), float32
and float64, is called on sigfast._testing.inputs.bench_inputs at N1 and N2
elements, into preallocated outputs, one thread, first a warm-up call and
then the measured one between two marks; the NumPy expression of each the
same way.  The per-element figure is (I(N2) - I(N1)) / (N2 - N1): whatever a
call costs once (Python, the ufunc machinery, NumPy's temporaries' headers)
cancels; NumPy's temporaries' elements are part of the expression's cost.

Checks:
  * growth (exit 1): a sigfast count more than --tolerance percent (3) above
    the table's (skipped, with a note, when the cross compiler differs from
    the one that recorded the table);
  * floors (listed; exit 1 only with --floors, as not all are met yet): every
    sigfast count below the NumPy expression's; float32 sigmoid, silu and
    bce_with_logits at most 0.6x it; at most 2.2x the AVX2 kernel's count
    per element (bench/instruction_counts.json).
Counts are QEMU's guest instructions (TCG): exact and load-independent, but
instructions, not cycles: tools/llvm_mca_aarch64.sh gives predicted cycles.
"""
import argparse
import json
import os
import pathlib
import platform
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent
TABLE = HERE / "instruction_counts_aarch64.json"
X86_TABLE = HERE / "instruction_counts.json"
N1, N2 = 4096, 102400
DTYPES = ("float32", "float64")
TOLERANCE = 3.0
MARK_WHENCE = 0x5167
#: float32 functions whose count must be at most this fraction of NumPy's.
F32_RATIO = {"sigmoid": 0.6, "silu": 0.6, "bce_with_logits": 0.6}
AVX2_RATIO = 2.2


# ---------------------------------------------------------------------------
# Inside the emulator
# ---------------------------------------------------------------------------

def guest():
    import numpy as np

    import sigfast
    from sigfast._bench.peers import COMPARE
    from sigfast._testing.inputs import bench_inputs

    sigfast.set_num_threads(1)

    def mark(tag):
        try:
            os.lseek(-1, tag, MARK_WHENCE)
        except OSError:
            pass

    labels = []
    for dt in DTYPES:
        for name, c in COMPARE.items():
            args = bench_inputs(name, dt, N2)
            out = np.empty(N2, dt)
            fn = getattr(sigfast, name)
            impls = {
                "sigfast": (lambda a, o: fn(*a)) if c.reduce else (lambda a, o: fn(*a, out=o)),
                "numpy": lambda a, o: c.numpy(*a, o),
            }
            for impl, call in impls.items():
                for n in (N1, N2):
                    a = [x[:n] for x in args]
                    o = out[:n]
                    with np.errstate(all="ignore"):
                        call(a, o)
                        tag = len(labels)
                        labels.append((impl, name, dt, n))
                        mark(2 * tag)
                        call(a, o)
                        mark(2 * tag + 1)
    json.dump({"labels": labels, "numpy": np.__version__,
               "machine": platform.machine()}, sys.stdout)


# ---------------------------------------------------------------------------
# On the host
# ---------------------------------------------------------------------------

def deps_dir():
    return pathlib.Path(os.environ.get("SIGFAST_AARCH64_DEPS")
                        or pathlib.Path(os.environ.get("TMPDIR", "/tmp")) / "sigfast-aarch64")


def measure(deps, plugin):
    root = deps / "root"
    env = dict(os.environ, PYTHONPATH=f"{deps / 'install'}:{deps / 'site'}",
               PYTHONHASHSEED="0", OMP_NUM_THREADS="1")
    with tempfile.TemporaryDirectory() as tmp:
        marks = pathlib.Path(tmp) / "marks.txt"
        cmd = ["qemu-aarch64", "-cpu", os.environ.get("SIGFAST_QEMU_CPU", "neoverse-n1"),
               "-L", str(root), "-plugin", f"{plugin},out={marks}",
               str(root / "usr/bin/python3.11"), "-P", str(pathlib.Path(__file__).resolve()),
               "--guest"]
        res = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=tmp)
        if res.returncode:
            sys.exit(f"emulated run failed:\n{res.stderr[-3000:]}")
        meta = json.loads(res.stdout)
        at = {}
        for line in marks.read_text().splitlines():
            tag, count = line.split()
            if tag != "exit":
                at[int(tag)] = int(count)
    calls = {}
    for i, (impl, name, dt, n) in enumerate(meta["labels"]):
        calls[impl, name, dt, n] = at[2 * i + 1] - at[2 * i]
    table = {}
    for (impl, name, dt, n), c in calls.items():
        if n == N2:
            per = (c - calls[impl, name, dt, N1]) / (N2 - N1)
            table.setdefault(impl, {}).setdefault(name, {})[dt] = round(per, 4)
    return table, meta


def compiler():
    out = subprocess.run(["aarch64-linux-gnu-gcc", "-dumpfullversion"],
                         capture_output=True, text=True)
    return "gcc " + out.stdout.strip() if out.returncode == 0 else "unknown"


def floors(table):
    avx2 = json.loads(X86_TABLE.read_text())["per_element"]["avx2"]
    bad, rows = [], []
    for name, per in table["sigfast"].items():
        for dt, s in per.items():
            npy = table["numpy"][name][dt]
            a = avx2.get(name, {}).get(dt)
            rows.append((name, dt, s, npy, s / npy, a, s / a if a else None))
            if s >= npy:
                bad.append(f"{name} {dt}: {s} >= NumPy's {npy}")
            if dt == "float32" and name in F32_RATIO and s > F32_RATIO[name] * npy:
                bad.append(f"{name} {dt}: {s / npy:.2f}x NumPy's count, floor {F32_RATIO[name]}x")
            if a and s > AVX2_RATIO * a:
                bad.append(f"{name} {dt}: {s / a:.2f}x the AVX2 kernel's {a}, floor {AVX2_RATIO}x")
    return rows, bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--guest", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--update", action="store_true", help="re-record the table")
    ap.add_argument("--tolerance", type=float, default=TOLERANCE)
    ap.add_argument("--plugin", help="built tools/qemu_insn_marks.c "
                    "(default: $SIGFAST_AARCH64_DEPS/insn_marks.so)")
    ap.add_argument("--json", help="also write the measured table here")
    ap.add_argument("--floors", action="store_true", help="fail on a missed floor too")
    args = ap.parse_args()
    if args.guest:
        return guest()
    deps = deps_dir()
    plugin = pathlib.Path(args.plugin or deps / "insn_marks.so")
    if not plugin.exists():
        sys.exit(f"{plugin} missing: run bash tools/aarch64_emulated.sh --counts")
    table, meta = measure(deps, plugin)
    rec = {"_meta": {"compiler": compiler(), "qemu": subprocess.run(
               ["qemu-aarch64", "--version"], capture_output=True, text=True).stdout.split("\n")[0],
               "cpu": os.environ.get("SIGFAST_QEMU_CPU", "neoverse-n1"), "numpy": meta["numpy"],
               "sizes": [N1, N2], "threads": 1},
           "per_element": table}
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(rec, indent=1) + "\n")
    rows, missed = floors(table)
    bad = []
    print(f"{'function':34} {'dtype':8} {'NEON':>8} {'NumPy':>8} {'ratio':>6} {'AVX2':>8} {'NEON/AVX2':>9}")
    for name, dt, s, npy, r, a, ra in rows:
        print(f"{name:34} {dt:8} {s:8.2f} {npy:8.2f} {r:6.2f} {a if a else '-':>8} "
              f"{f'{ra:.2f}' if ra else '-':>9}")
    if args.update:
        TABLE.write_text(json.dumps(rec, indent=1) + "\n")
        print(f"recorded {TABLE.relative_to(REPO)}")
    elif TABLE.exists():
        old = json.loads(TABLE.read_text())
        if old["_meta"]["compiler"] != rec["_meta"]["compiler"]:
            print(f"note: table recorded with {old['_meta']['compiler']}, this build "
                  f"{rec['_meta']['compiler']}: growth check skipped")
        else:
            for name, per in table["sigfast"].items():
                for dt, s in per.items():
                    o = old["per_element"]["sigfast"].get(name, {}).get(dt)
                    if o and s > o * (1 + args.tolerance / 100):
                        bad.append(f"{name} {dt}: {s} per element, table {o} "
                                   f"(+{100 * (s / o - 1):.1f} %)")
    for m in missed:
        print("below floor:", m)
    for b in bad:
        print("FAIL", b)
    return 1 if bad or (args.floors and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
