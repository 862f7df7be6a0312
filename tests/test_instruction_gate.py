"""bench/instruction_counts.py: the comparison, the table and the parsing of
callgrind's dumps, on synthetic data (valgrind itself never runs here)."""
import importlib.util
import io
import json
import pathlib

import pytest

from sigfast import _registry

SCRIPT = pathlib.Path(__file__).resolve().parent.parent / "bench" / "instruction_counts.py"
pytestmark = pytest.mark.skipif(not SCRIPT.is_file(), reason="needs bench/ next to tests/")


@pytest.fixture(scope="module")
def gate():
    spec = importlib.util.spec_from_file_location("instruction_counts", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


BUILD = {"compiler": "gcc 12.2.0", "cython": "3.1.0", "machine": "x86_64"}


def table(gate, counts, **meta):
    return gate.to_table(counts, dict(BUILD, **meta))


def run_check(gate, recorded, measured, current=BUILD, **kw):
    out = io.StringIO()
    status = gate.check(recorded, measured, current, stream=out, **kw)
    return status, out.getvalue()


OLD = {("avx2", "sigmoid", "float32"): 10.0,
       ("avx2", "sigmoid", "float64"): 20.0,
       ("baseline", "logit", "float32"): 40.0}


def test_growth_beyond_tolerance_fails(gate):
    new = dict(OLD)
    new["avx2", "sigmoid", "float64"] = 20.0 * 1.031
    status, out = run_check(gate, table(gate, OLD), new)
    assert status == 1
    assert "FAIL avx2 sigmoid/float64" in out
    assert "+3.1 %" in out
    # the table shows old, new and ratio of every kernel
    row = next(line for line in out.splitlines() if "| sigmoid " in line and "float64" in line)
    assert "20.000" in row and "20.620" in row and "1.031" in row and "GREW" in row
    assert sum("| ok " in line for line in out.splitlines()) == 2


def test_growth_within_tolerance_passes(gate):
    new = {k: v * 1.029 for k, v in OLD.items()}
    status, out = run_check(gate, table(gate, OLD), new)
    assert status == 0
    assert "FAIL" not in out
    assert "3 kernels compared, tolerance 3 %: 0 grew, 0 shrank" in out


def test_tolerance_is_configurable(gate):
    new = dict(OLD)
    new["baseline", "logit", "float32"] = 42.0          # +5 %
    assert run_check(gate, table(gate, OLD), new)[0] == 1
    assert run_check(gate, table(gate, OLD), new, tolerance=6)[0] == 0
    assert run_check(gate, table(gate, OLD), new, tolerance=4.9)[0] == 1


def test_shrinking_is_reported_but_passes(gate):
    new = dict(OLD)
    new["avx2", "sigmoid", "float32"] = 5.0
    status, out = run_check(gate, table(gate, OLD), new)
    assert status == 0
    assert "shrank" in out and "--update" in out
    rows, failed = gate.compare(OLD, new)
    assert failed == []
    assert [r[-1] for r in rows if r[:3] == ("avx2", "sigmoid", "float32")] == ["shrank"]


def test_compiler_mismatch_skips(gate):
    new = {k: v * 2 for k, v in OLD.items()}            # would fail
    status, out = run_check(gate, table(gate, OLD, compiler="gcc 13.1.0"), new)
    assert status == 0
    assert "SKIPPED" in out and "gcc 13.1.0" in out and "gcc 12.2.0" in out
    assert "FAIL" not in out and "GREW" not in out


def test_machine_mismatch_skips(gate):
    new = {k: v * 2 for k, v in OLD.items()}
    status, out = run_check(gate, table(gate, OLD, machine="aarch64"), new)
    assert status == 0 and "SKIPPED" in out


def test_cython_mismatch_is_only_a_note(gate):
    new = dict(OLD)
    new["avx2", "sigmoid", "float32"] = 11.0
    status, out = run_check(gate, table(gate, OLD, cython="3.0.0"), new)
    assert status == 1 and "Cython 3.0.0" in out


def test_new_gone_and_unmeasured_levels(gate):
    new = {("avx2", "sigmoid", "float32"): 10.0,
           ("avx2", "silu", "float32"): 9.0}            # new function
    rows, failed = gate.compare({k: v for k, v in OLD.items() if k[0] == "avx2"}, new)
    status = {r[:3]: r[-1] for r in rows}
    assert failed == []
    assert status["avx2", "silu", "float32"] == "new"
    assert status["avx2", "sigmoid", "float64"] == "gone"
    # a level this run did not measure (not compiled in) is left out, not "gone"
    code, out = run_check(gate, table(gate, OLD), new)
    assert code == 0 and "baseline" not in out


def test_table_round_trip(gate):
    t = json.loads(json.dumps(table(gate, OLD)))
    assert gate.flatten(t) == OLD
    assert t["per_element"]["avx2"]["sigmoid"] == {"float32": 10.0, "float64": 20.0}


def test_committed_table_covers_every_kernel(gate):
    """Adding a ufunc (or a level valgrind can run) needs the table
    re-recorded: python bench/instruction_counts.py --update."""
    t = json.loads(gate.TABLE.read_text())
    want = {(lv, f, dt) for lv in gate.LEVELS for f, dt in gate.rows()}
    assert set(gate.flatten(t)) == want
    assert all(v > 0 for v in gate.flatten(t).values())
    for key in ("compiler", "valgrind", "sigfast", "machine"):
        assert t["_meta"][key]


def test_rows_and_plan(gate):
    rows = gate.rows()
    assert len(rows) == 2 * (len(_registry.NAMES) + 1)
    assert {f for f, _ in rows} == set(_registry.NAMES) | {gate.LOSS}
    # neighbours never share a C function (dumps are grouped by it)
    plan = gate.plan()
    sym = [f for _, f, _ in plan]
    assert all(a != b for a, b in zip(sym, sym[1:]))
    assert [n for n, _, _ in plan[::len(rows)]] == list(gate.PASSES)


def test_symbol_choice(gate):
    syms = {"__pyx_f_12_ufuncs_avx2_k_sigmoid_f32",
            "__pyx_f_12_ufuncs_avx2_k_sigmoid_f32.part.0",
            "__pyx_f_12_ufuncs_avx2_k_sigmoid_grad_f32",
            "__pyx_f_12_ufuncs_avx2_s_sigmoid_f32"}
    assert gate.pick_symbol(syms, r"\w*_ufuncs_avx2_k_sigmoid_f32", "x") == \
        "__pyx_f_12_ufuncs_avx2_k_sigmoid_f32"
    with pytest.raises(LookupError, match="logit"):
        gate.pick_symbol(syms, r"\w*_ufuncs_avx2_k_logit_f32", "kernel logit")


DUMP = """\
# callgrind format
version: 1
creator: callgrind-3.19.0
desc: Trigger: --dump-after={sym}

positions: line
events: Ir
summary: {total}

ob=(1) /lib/numpy.so
fl=(1) ???
fn=(1) generic_loop
cob=(2) /lib/_ufuncs_avx2.so
cfi=(2) ???
cfn=(2) {sym}
calls=1 0
0 {total}

ob=(2)
fl=(2)
fn=(2)
0 {own}
cob=(3) /lib/libm.so.6
cfi=(3) ???
cfn=(3) exp
calls=2 0
0 {ext}

ob=(3)
fl=(3)
fn=(3)
0 {ext}

totals: {total}
"""


def dump(sym, own, ext=0):
    return DUMP.format(sym=sym, own=own, ext=ext, total=own + ext)


def test_read_dump(gate):
    trigger, total, objs, functions = gate.read_dump(dump("k_a", 700, 300))
    assert trigger == "k_a" and total == 1000
    # the callee's inclusive cost lines are not counted twice
    assert objs == {"/lib/_ufuncs_avx2.so": 700, "/lib/libm.so.6": 300}
    assert {"generic_loop", "k_a", "exp"} <= functions
    assert gate.read_dump("desc: Trigger: Program termination\ntotals: 0\n")[0] is None


def test_parse_dumps_follows_the_plan(gate, tmp_path):
    symbols = {r: f"k_{r[0]}_{r[1]}" for r in gate.rows()}
    plan = gate.plan()
    i = 0
    for call, (n, f, dt) in enumerate(plan):
        pieces = [n] if call != 5 else [n // 2, n - n // 2]   # one call in two pieces
        for p in pieces:
            i += 1
            (tmp_path / f"cg.out.{i}").write_text(dump(symbols[f, dt], p))
    (tmp_path / "cg.out").write_text("desc: Trigger: Program termination\ntotals: 0\n")
    calls = gate.parse_dumps(tmp_path, symbols)
    assert [c for c, _ in calls] == [n for n, _, _ in plan]
    # a missing call is an error, not a shifted table
    (tmp_path / f"cg.out.{i}").unlink()
    with pytest.raises(RuntimeError, match="do not follow the plan"):
        gate.parse_dumps(tmp_path, symbols)


def test_parse_dumps_refuses_nested_counted_functions(gate, tmp_path):
    symbols = {r: f"k_{r[0]}_{r[1]}" for r in gate.rows()}
    f, dt = gate.rows()[0]
    other = symbols[gate.rows()[1]]
    (tmp_path / "cg.out.1").write_text(dump(symbols[f, dt], 10).replace("exp", other))
    with pytest.raises(RuntimeError, match="counted"):
        gate.parse_dumps(tmp_path, symbols)
