#!/usr/bin/env python
"""Deterministic performance gate: instructions per element of every
contiguous kernel, counted under valgrind, against a committed table.

    python bench/instruction_counts.py             # check (CI): exit 1 on growth
    python bench/instruction_counts.py --update    # re-record the table
    python bench/instruction_counts.py --tolerance 5 --keep /tmp/cg

What is counted: the contiguous kernels ``k_<name>_f32`` / ``k_<name>_f64``
of ``sigfast._ufuncs_<level>`` (every registry ufunc, float32 and float64)
and the fused mean loss pass (``binary_cross_entropy_with_logits``, from
``bce_plain`` of ``sigfast._fused_<level>``, the compiled entry a plain call
takes), at the
``avx2`` and ``baseline`` levels (valgrind cannot run AVX-512 code).

How: one callgrind process per level runs every kernel on fixed inputs
(``sigfast._testing.inputs.bench_inputs``, 64-byte aligned copies, 1
thread): a warm-up pass, a pass at N1 elements, one at N2, and N1 again.
Collection is switched on only inside the kernel's C function
(``--toggle-collect`` on its exact symbol, read with ``nm``: everything it
calls counts too, however the compiler inlined or split it) and the count is
dumped when the function returns, so Python and NumPy never count.  The
per-element figure is (I(N2) - I(N1)) / (N2 - N1): the kernel's fixed cost
per call (prologue, the loss pass's argument handling and allocation)
cancels.  N1 and N2 are multiples of the loss pass's block (2048 elements),
so both calls end on whole vectors.  The ufunc kernels' counts repeat to the
instruction (the last pass checks it); the loss pass's fixed cost moves by
a few hundred instructions with the heap's state, < 0.01 per element.

The table (bench/instruction_counts.json) holds instructions per element
per level, function and dtype, with the compiler, Cython, valgrind and
sigfast versions it was recorded with.  The check fails (exit 1) when a
kernel's count grows by more than --tolerance percent (default 3); a count
that shrank by more than that is reported, with a hint to re-record, but
passes.  Counts depend on the code the compiler emits: when the installed
build's compiler (or the machine architecture) differs from the recorded
one the comparison is skipped with a note (exit 0).  Exit 2: nothing could
be measured (no valgrind, no nm, no level to measure, no table).
"""
import argparse
import importlib.util
import json
import os
import pathlib
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
TABLE = HERE / "instruction_counts.json"
#: Levels valgrind can run (it has no AVX-512).
LEVELS = ("avx2", "baseline")
DTYPES = ("float32", "float64")
SUFFIX = {"float32": "f32", "float64": "f64"}
#: The fused loss pass that is counted (reduction="mean").
LOSS = "binary_cross_entropy_with_logits"
#: The two sizes: multiples of the fused pass's LBLOCK (2048), so both end
#: on whole blocks and whole vectors, and far enough apart that the loss
#: pass's fixed cost (Python's argument handling and a malloc, which vary by
#: ~200 instructions with the heap's state) moves its figure by < 0.01
#: instructions per element.  The worker runs one thread at every size.
N1, N2 = 4096, 36864
#: A call's count may differ between repeats by this fraction of its
#: per-element figure before the repeat check says so.
REPEAT_SLACK = 1e-3
TOLERANCE = 3.0     # percent
ALIGN = 64          # bytes

TRIGGER = re.compile(r"^desc: Trigger: --dump-after=(.+)$", re.M)
TOTALS = re.compile(r"^totals: (\d+)", re.M)


# ---------------------------------------------------------------------------
# What is measured, in which order
# ---------------------------------------------------------------------------

def rows():
    """(function, dtype) of every counted kernel, in measuring order: the
    float32 ufuncs and the float32 loss, then the same in float64.  Two
    neighbours never share a C function (the loss pass of both dtypes is
    one function), which parse_dumps relies on."""
    from sigfast import _registry
    return [(f, dt) for dt in DTYPES for f in (*_registry.NAMES, LOSS)]


#: Passes over every kernel: a warm-up (first calls fill Python's caches),
#: the two measured sizes, and N1 again to check that the counts repeat.
PASSES = (N1, N1, N2, N1)


def plan():
    """[(n, function, dtype)] in calling order: PASSES x rows()."""
    rs = rows()
    return [(n, f, dt) for n in PASSES for f, dt in rs]


# ---------------------------------------------------------------------------
# Symbols
# ---------------------------------------------------------------------------

def _module_file(name):
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.origin:
        raise LookupError(f"module {name} not found (level not compiled?)")
    return spec.origin


def function_symbols(path):
    """Names of the functions defined in the shared library at ``path``
    (its symbol table, read with nm)."""
    out = subprocess.run(["nm", "--defined-only", path], check=True,
                         capture_output=True, text=True).stdout
    return {parts[2] for parts in (line.split() for line in out.splitlines())
            if len(parts) == 3 and parts[1] in "tTwW"}


def pick_symbol(symbols, pattern, what):
    """The one symbol that matches the regex ``pattern`` (fully)."""
    found = sorted(s for s in symbols if re.fullmatch(pattern, s))
    if len(found) != 1:
        raise LookupError(f"{what}: expected one function symbol matching "
                          f"{pattern!r}, found {found or 'none'} (a stripped "
                          "build? a renamed kernel?)")
    return found[0]


def kernel_symbols(level):
    """{(function, dtype): C symbol} of every counted kernel of ``level``.

    Cython names a cdef function ``__pyx_f_<module>_<name>`` and a def
    function's wrapper ``__pyx_pw_<module>_<index><name>``; GCC's clones
    (``.part.0``, ``.constprop.0``) have a suffix and are left out: they are
    called from the function counted."""
    from sigfast import _registry
    ufuncs = function_symbols(_module_file(f"sigfast._ufuncs_{level}"))
    fused = function_symbols(_module_file(f"sigfast._fused_{level}"))
    out = {}
    for f, dt in rows():
        if f == LOSS:
            out[f, dt] = pick_symbol(fused, rf"__pyx_pw_\w*_fused_{level}_\d*bce_plain",
                                     f"loss pass of {level}")
        else:
            assert f in _registry.BY_NAME
            out[f, dt] = pick_symbol(ufuncs, rf"\w*_ufuncs_{level}_k_{f}_{SUFFIX[dt]}",
                                     f"kernel {f}/{dt} of {level}")
    return out


# ---------------------------------------------------------------------------
# The worker: runs under valgrind, calls the kernels in plan() order
# ---------------------------------------------------------------------------

def _aligned(a):
    """A copy of ``a`` whose data starts on an ALIGN-byte boundary, so every
    call sees the same alignment (and the same vector prologue)."""
    import numpy as np
    buf = np.empty(a.size + ALIGN // a.itemsize, a.dtype)
    off = (-buf.ctypes.data % ALIGN) // a.itemsize
    out = buf[off:off + a.size]
    out[...] = a
    return out


def worker(level):
    import numpy as np
    import sigfast
    from sigfast import _dispatch
    from sigfast._testing.inputs import bench_inputs

    active = _dispatch.active().level
    if active != level:
        sys.exit(f"instruction_counts worker: asked for {level!r}, sigfast "
                 f"runs {active!r} under valgrind")
    sigfast.set_num_threads(1)
    ufuncs = _dispatch.load(level).UFUNCS
    calls = {}
    for f, dt in rows():
        args = tuple(_aligned(a) for a in bench_inputs(f, dt, N2))
        if f == LOSS:
            calls[f, dt] = (getattr(sigfast, LOSS), args, None)
        else:
            calls[f, dt] = (ufuncs[f], args, _aligned(np.empty(N2, dt)))
    with np.errstate(all="ignore"):
        for n, f, dt in plan():
            fn, args, out = calls[f, dt]
            if out is None:
                fn(*(a[:n] for a in args))
            else:
                fn(*(a[:n] for a in args), out=out[:n])


# ---------------------------------------------------------------------------
# Running valgrind and reading its dumps
# ---------------------------------------------------------------------------

def valgrind_version():
    try:
        return subprocess.run(["valgrind", "--version"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def read_dump(text):
    """(trigger symbol or None, total instructions, {object file: its own
    instructions}, names of the functions in it) of one callgrind dump
    (written with --compress-strings=no or not).  Cost lines right after a
    ``calls=`` line are a callee's inclusive cost and are skipped; the rest
    are the instructions of the object named by the last ``ob=``."""
    m = TRIGGER.search(text)
    tot = TOTALS.search(text)
    names, per_object, functions = {}, {}, set()
    obj, after_call = "?", False
    for line in text.splitlines():
        if line.startswith(("fn=", "cfn=")):
            name = line.split("=", 1)[1].partition(" ")[2]
            if name:
                functions.add(name)
        elif line.startswith(("ob=", "cob=")):
            ref, _, name = line.split("=", 1)[1].partition(" ")
            if name:
                names[ref] = name
            if line.startswith("ob="):
                obj = names.get(ref, ref)
        elif line.startswith("calls="):
            after_call = True
        elif line and (line[0].isdigit() or line[0] in "+-"):
            if after_call:
                after_call = False
            else:
                cost = int(line.split()[1])
                per_object[obj] = per_object.get(obj, 0) + cost
    return (m.group(1) if m else None, int(tot.group(1)) if tot else 0,
            per_object, functions)


def parse_dumps(directory, symbols):
    """[(instructions, {object file: instructions})] of the calls in plan()
    order, from callgrind's dumps in ``directory``.

    Each return from a counted function writes one dump; a kernel that the
    ufunc loop called in several pieces leaves consecutive dumps with one
    trigger, which are summed (plan order never repeats a function twice in
    a row)."""
    dumps = []
    counted = set(symbols.values())
    for p in directory.glob("cg.out.*"):
        trigger, total, objs, functions = read_dump(p.read_text(errors="replace"))
        if trigger is None:         # the dump at program exit
            continue
        nested = sorted((functions & counted) - {trigger})
        if nested:
            # a second toggle inside the first would switch counting off
            raise RuntimeError(f"{trigger} calls {nested}, which are counted "
                               "too: their counts cannot be taken apart")
        dumps.append((int(p.name.rsplit(".", 1)[1]), trigger, total, objs))
    dumps.sort()
    groups = []
    for _, sym, total, objs in dumps:
        if groups and groups[-1][0] == sym:
            groups[-1][1] += total
            for o, c in objs.items():
                groups[-1][2][o] = groups[-1][2].get(o, 0) + c
        else:
            groups.append([sym, total, dict(objs)])
    expected = [symbols[f, dt] for _, f, dt in plan()]
    got = [g[0] for g in groups]
    if got != expected:
        first = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b),
                     min(len(got), len(expected)))
        raise RuntimeError("callgrind's dumps do not follow the plan: expected "
                           f"{len(expected)} calls, got {len(got)}; first "
                           f"difference at call {first}")
    return [(g[1], g[2]) for g in groups]


def measure_level(level, keep=None, verbose=False):
    """{(function, dtype): instructions per element} at ``level``, and a list
    of notes (counts that did not repeat, ufunc kernels running code of
    another library)."""
    symbols = kernel_symbols(level)
    names = sorted(set(symbols.values()))
    tmp = tempfile.TemporaryDirectory(prefix=f"sigfast-cg-{level}-")
    outdir = pathlib.Path(keep) / level if keep else pathlib.Path(tmp.name)
    outdir.mkdir(parents=True, exist_ok=True)
    for old in outdir.glob("cg.out*"):
        old.unlink()
    # A fixed hash seed and symbols resolved at load time (no lazy binding
    # in anyone's first call) keep the process the same from run to run.
    env = dict(os.environ, SIGFAST_SIMD=level, SIGFAST_NUM_THREADS="1",
               OMP_NUM_THREADS="1", PYTHONHASHSEED="0", LD_BIND_NOW="1")
    cmd = (["valgrind", "--tool=callgrind", "--collect-atstart=no",
            f"--callgrind-out-file={outdir}/cg.out"]
           # One option per pattern: callgrind 3.19 files a pattern given a
           # second time as a separate entry once its prefix tree has split,
           # and a function then gets the settings of one entry only (the
           # toggle was lost).  So the toggles name the symbols and the dumps
           # name "*" + symbol, which callgrind keeps in a second tree.
           + [f"--toggle-collect={s}" for s in names]
           + [f"--dump-after=*{s}" for s in names]
           + [sys.executable, "-P", str(pathlib.Path(__file__).resolve()),
              "--worker", level])
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"valgrind run of level {level} failed "
                           f"(exit {r.returncode}):\n{r.stderr[-4000:]}")
    if verbose:
        print(r.stderr, file=sys.stderr)
    calls = parse_dumps(outdir, symbols)
    tmp.cleanup()
    counts = [c for c, _ in calls]
    if not all(counts):
        raise RuntimeError(f"callgrind counted no instructions in some kernel calls "
                           f"of {level}: {counts}")
    k = len(rows())
    _, c1, c2, again = (counts[i * k:(i + 1) * k] for i in range(len(PASSES)))
    per = {}
    notes = []
    for i, (f, dt) in enumerate(rows()):
        per[f, dt] = (c2[i] - c1[i]) / (N2 - N1)
        if abs(again[i] - c1[i]) > REPEAT_SLACK * per[f, dt] * (N2 - N1):
            notes.append(f"{level} {f}/{dt}: {c1[i]} then {again[i]} instructions "
                         f"for the same call (counts did not repeat)")
        # A ufunc kernel is expected to run only its own module's code; time
        # in another library (libm, say) makes its count depend on that
        # library's version and on the CPU valgrind presents to it.
        if f != LOSS:
            own = f"_ufuncs_{level}."
            _, objs = calls[2 * k + i]      # the N2 call
            total = sum(objs.values()) or 1
            for o, c in sorted(objs.items()):
                if own not in os.path.basename(o) and c:
                    notes.append(f"{level} {f}/{dt}: {100 * c / total:.1f} % of its "
                                 f"instructions run in {os.path.basename(o)}")
    return per, notes


# ---------------------------------------------------------------------------
# The table and the comparison (pure functions; tests/test_instruction_gate.py)
# ---------------------------------------------------------------------------

def build_info():
    """What the counts depend on, for the installed build: the compiler (and
    Cython) that made it, and the machine architecture."""
    from sigfast import _build_info
    return {"compiler": _build_info.compiler,
            "cython": getattr(_build_info, "cython", None),
            "machine": platform.machine(),
            "simd_levels": list(_build_info.simd_levels),
            "sigfast": _build_info.version}


def to_table(measured, meta):
    """The JSON table: {"_meta": ..., "per_element": {level: {function:
    {dtype: instructions per element}}}} from {(level, function, dtype): v}."""
    counts = {}
    for (lv, f, dt), v in measured.items():
        counts.setdefault(lv, {}).setdefault(f, {})[dt] = round(v, 4)
    return {"_meta": meta, "per_element": counts}


def flatten(table):
    """{(level, function, dtype): v} from a table's "per_element"."""
    return {(lv, f, dt): v
            for lv, fs in table["per_element"].items()
            for f, dts in fs.items() for dt, v in dts.items()}


def comparable(recorded_meta, current):
    """None when counts recorded with ``recorded_meta`` can be compared with
    the build described by ``current`` (build_info()); otherwise why not."""
    old, new = recorded_meta.get("machine"), current.get("machine")
    if old != new:
        return f"the table was recorded on {old}, this is {new}"
    old, new = recorded_meta.get("compiler"), current.get("compiler")
    if old != new:
        return (f"the table was recorded with {old}, this build used {new}: "
                "instruction counts depend on the compiler")
    return None


def compare(recorded, measured, tolerance=TOLERANCE):
    """Compare {(level, function, dtype): instructions per element} dicts.

    Returns (rows, failed): rows of (level, function, dtype, old, new, ratio,
    status) for every key in either dict, status one of "ok", "GREW" (more
    than ``tolerance`` percent more instructions: a failure), "shrank" (more
    than ``tolerance`` percent fewer), "new" (not in the table), "gone" (in
    the table, not measured); failed: the keys that grew."""
    limit = 1 + tolerance / 100
    out, failed = [], []
    for key in sorted(set(recorded) | set(measured)):
        old, new = recorded.get(key), measured.get(key)
        if old is None:
            out.append((*key, None, new, None, "new"))
            continue
        if new is None:
            out.append((*key, old, None, None, "gone"))
            continue
        ratio = new / old if old > 0 else (1.0 if new == old else float("inf"))
        if ratio > limit:
            status = "GREW"
            failed.append(key)
        elif ratio < 1 / limit:
            status = "shrank"
        else:
            status = "ok"
        out.append((*key, old, new, ratio, status))
    return out, failed


def format_rows(rows_, compared=True):
    def num(v):
        return "—" if v is None else f"{v:.3f}"
    lines = [f"| {'level':<8} | {'function':<32} | {'dtype':<7} | {'recorded':>9} | "
             f"{'measured':>9} | {'ratio':>6} | status |",
             f"|{'-' * 10}|{'-' * 34}|{'-' * 9}|{'-' * 11}|{'-' * 11}|{'-' * 8}|--------|"]
    for lv, f, dt, old, new, ratio, st in rows_:
        r = "—" if ratio is None else f"{ratio:.3f}"
        lines.append(f"| {lv:<8} | {f:<32} | {dt:<7} | {num(old):>9} | {num(new):>9} | "
                     f"{r:>6} | {st if compared else '—':<6} |")
    return "\n".join(lines)


def check(table, measured, current, tolerance=TOLERANCE, stream=sys.stdout):
    """Print the comparison of ``measured`` with ``table``; return the exit
    status (1 if a kernel grew beyond ``tolerance`` percent, else 0)."""
    why_not = comparable(table.get("_meta", {}), current)
    recorded = flatten(table)
    # levels not measured in this run (not compiled in) are not "gone"
    levels = {k[0] for k in measured}
    recorded = {k: v for k, v in recorded.items() if k[0] in levels}
    rows_, failed = compare(recorded, measured, tolerance)
    print(format_rows(rows_, compared=why_not is None), file=stream)
    print(file=stream)
    if why_not:
        print(f"note: comparison SKIPPED: {why_not}. Re-record the table with "
              "this build (python bench/instruction_counts.py --update) to "
              "check against it.", file=stream)
        return 0
    old_cy, new_cy = table.get("_meta", {}).get("cython"), current.get("cython")
    if old_cy and new_cy and old_cy != new_cy:
        print(f"note: the table was recorded with Cython {old_cy}, this build "
              f"used {new_cy}: Cython's C for a kernel loop rarely changes, but "
              "if many counts moved together, that is why", file=stream)
    shrank = [r for r in rows_ if r[-1] == "shrank"]
    new = [r for r in rows_ if r[-1] in ("new", "gone")]
    print(f"{sum(r[-1] != 'new' and r[-1] != 'gone' for r in rows_)} kernels "
          f"compared, tolerance {tolerance:g} %: {len(failed)} grew, "
          f"{len(shrank)} shrank", file=stream)
    if shrank or new:
        print(f"note: {len(shrank)} kernel(s) got cheaper and {len(new)} are new "
              "or gone: if intended, re-record the table with "
              "`python bench/instruction_counts.py --update`", file=stream)
    for lv, f, dt in failed:
        old, new_ = recorded[lv, f, dt], measured[lv, f, dt]
        print(f"FAIL {lv} {f}/{dt}: {new_:.3f} instructions per element, "
              f"recorded {old:.3f} (+{100 * (new_ / old - 1):.1f} % > "
              f"{tolerance:g} %)", file=stream)
    if failed:
        print("If the growth is intended, re-record with `python "
              "bench/instruction_counts.py --update` and commit the table; "
              "`--keep DIR` keeps callgrind's files for callgrind_annotate.",
              file=stream)
    return 1 if failed else 0


# ---------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--update", action="store_true",
                    help="measure and rewrite the table instead of checking")
    ap.add_argument("--tolerance", type=float, default=TOLERANCE,
                    help=f"percent of growth that fails (default {TOLERANCE:g})")
    ap.add_argument("--table", type=pathlib.Path, default=TABLE)
    ap.add_argument("--levels", default=",".join(LEVELS),
                    help=f"comma-separated, of {', '.join(LEVELS)}")
    ap.add_argument("--keep", type=pathlib.Path,
                    help="keep callgrind's output files under this folder")
    ap.add_argument("--json", type=pathlib.Path, help="write the measured table here")
    ap.add_argument("--verbose", action="store_true", help="show valgrind's output")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return 0

    t0 = time.perf_counter()
    vg = valgrind_version()
    if vg is None:
        print("instruction_counts: valgrind not found (Debian/Ubuntu: "
              "apt-get install valgrind)", file=sys.stderr)
        return 2
    if shutil.which("nm") is None:
        print("instruction_counts: nm (binutils) not found", file=sys.stderr)
        return 2
    levels = [lv for lv in args.levels.split(",") if lv]
    bad = [lv for lv in levels if lv not in LEVELS]
    if bad:
        ap.error(f"unknown level(s) {bad}; valgrind can run {', '.join(LEVELS)}")
    from sigfast import _cpu, _dispatch
    info = build_info()
    runnable = [lv for lv in levels if lv in _dispatch.COMPILED and _cpu.cpu_supports(lv)]
    for lv in levels:
        if lv not in runnable:
            print(f"note: level {lv} is not compiled in or not runnable here: skipped")
    if not runnable:
        print("instruction_counts: no level to measure", file=sys.stderr)
        return 2
    print(f"instruction counts under {vg}: {', '.join(runnable)}; sizes {N1} and "
          f"{N2}; sigfast {info['sigfast']} built with {info['compiler']}"
          + (f", Cython {info['cython']}" if info["cython"] else ""))

    measured, notes = {}, []
    for lv in runnable:
        t1 = time.perf_counter()
        per, nts = measure_level(lv, keep=args.keep, verbose=args.verbose)
        measured.update({(lv, f, dt): v for (f, dt), v in per.items()})
        notes += nts
        print(f"  {lv}: {len(per)} kernels counted ({time.perf_counter() - t1:.0f} s)")
    for n in notes:
        print("note: " + n)

    meta = dict(info, valgrind=vg, numpy=__import__("numpy").__version__,
                python=platform.python_version(), sizes=[N1, N2], threads=1,
                date=time.strftime("%Y-%m-%d"))
    table = to_table(measured, meta)
    if args.json:
        args.json.write_text(json.dumps(table, indent=1) + "\n")
    if args.update:
        if set(runnable) != set(LEVELS):
            # a partial table would turn the missing levels into "gone" rows
            print("instruction_counts: --update needs every level "
                  f"({', '.join(LEVELS)}) measured", file=sys.stderr)
            return 2
        args.table.write_text(json.dumps(table, indent=1) + "\n")
        print(format_rows(compare({}, measured)[0], compared=False))
        print(f"\nwrote {len(measured)} counts to {args.table} "
              f"({time.perf_counter() - t0:.0f} s)")
        return 0
    if not args.table.is_file():
        print(f"instruction_counts: no table at {args.table}; record one with --update",
              file=sys.stderr)
        return 2
    status = check(json.loads(args.table.read_text()), measured, info,
                   args.tolerance)
    print(f"({time.perf_counter() - t0:.0f} s)")
    return status


if __name__ == "__main__":
    sys.exit(main())
