"""Predicted cycles per element of the NEON kernels' hot loops (llvm-mca).

    python tools/llvm_mca_aarch64.py [SO] [--mcpu neoverse-n1,apple-m1]

SO: the aarch64 _ufuncs_baseline module tools/aarch64_emulated.sh built
(default: $SIGFAST_AARCH64_DEPS/install/sigfast/_ufuncs_baseline*.so).  For
each contiguous kernel k_<name>_<f32|f64>, the largest loop (the code between
a backward branch and its target) is disassembled with
aarch64-linux-gnu-objdump and given to llvm-mca, which simulates it in a
steady state (--iterations 200) on each CPU model: cycles per iteration
divided by the lanes of one vector (8 floats / 4 doubles: two q registers).  These are a model's predictions, not
measurements: llvm-mca assumes every load hits L1 and knows nothing of
the memory system or of branch prediction.
"""
import argparse
import glob
import os
import re
import subprocess
import sys

LINE = re.compile(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$")
BRANCH = re.compile(r"^b\.\w+$|^b$|^cbn?z$|^tbn?z$")


def functions(so):
    out = subprocess.run(["aarch64-linux-gnu-objdump", "-d", "--no-show-raw-insn", so],
                         check=True, capture_output=True, text=True).stdout
    funcs, cur = {}, None
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if m:
            cur = m.group(1)
            funcs[cur] = []
            continue
        m = LINE.match(line)
        if m and cur:
            addr, op, args = int(m.group(1), 16), m.group(2), m.group(3)
            funcs[cur].append((addr, op, args.split("//")[0].strip()))
    return funcs


def vector_io(body):
    """Whether a loop body loads and stores whole q registers (a vector
    loop) and calls nothing (not the tail's padded-buffer path)."""
    ld = any(op.startswith("ld") and re.match(r"q\d|\{v", args) for _, op, args in body)
    st = any(op.startswith("st") and re.match(r"q\d|\{v", args) for _, op, args in body)
    return ld and st and not any(op == "bl" for _, op, _ in body)


def hot_loop(insns):
    """The innermost vector loop: the shortest span from a backward
    branch's target to the branch that loads and stores q registers."""
    best = None
    for i, (addr, op, args) in enumerate(insns):
        if BRANCH.match(op):
            t = re.match(r"([0-9a-f]+) <", args.split(",")[-1].strip())
            if t and int(t.group(1), 16) < addr:
                start = int(t.group(1), 16)
                body = [x for x in insns if start <= x[0] <= addr]
                if vector_io(body) and (best is None or len(body) < len(best)):
                    best = body
    return best


def mca(body, mcpu):
    # the closing branch is left out: llvm-mca repeats the body anyway
    asm = "\n".join(f"{op} {args}" for _, op, args in body if not BRANCH.match(op)) + "\n"
    out = subprocess.run(["llvm-mca", "-mtriple=aarch64", f"-mcpu={mcpu}", "--iterations=200"],
                         input=asm, capture_output=True, text=True)
    m = re.search(r"Total Cycles:\s+(\d+)", out.stdout)
    return int(m.group(1)) / 200 if m else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("so", nargs="?")
    ap.add_argument("--mcpu", default="neoverse-n1,apple-m1")
    a = ap.parse_args()
    so = a.so or (glob.glob(os.path.join(
        os.environ.get("SIGFAST_AARCH64_DEPS") or os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                                             "sigfast-aarch64"),
        "install", "sigfast", "_ufuncs_baseline*.so")) or [None])[0]
    if not so:
        sys.exit("no aarch64 _ufuncs_baseline module: run bash tools/aarch64_emulated.sh")
    cpus = a.mcpu.split(",")
    # one kernel-loop iteration is one sf_vf / sf_vd vector: one or two q
    # registers of 4 floats / 2 doubles (SF_VEC_PAIRED of the NEON header)
    hdr = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sigfast",
                            "src", "sf_vec_neon.h")).read()
    pairs = 2 if re.search(r"#define SF_VEC_PAIRED 1", hdr) else 1
    print("Predicted by llvm-mca (not measured): cycles per element of each kernel's hot loop")
    print(f"| kernel | instructions/iteration | lanes | {' | '.join(cpus)} |")
    print("|---|---:|---:|" + "---:|" * len(cpus))
    for name, insns in sorted(functions(so).items()):
        m = re.search(r"k_(\w+)_(f32|f64)$", name)
        if not m:
            continue
        body = hot_loop(insns)
        if not body:
            continue
        lanes = (4 if m.group(2) == "f32" else 2) * pairs
        cyc = [mca(body, c) for c in cpus]
        print(f"| {m.group(1)} {m.group(2)} | {len(body)} | {lanes} | "
              + " | ".join(f"{c / lanes:.2f}" if c else "?" for c in cyc) + " |")


if __name__ == "__main__":
    main()
