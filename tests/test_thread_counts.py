"""Thread counts: one rule for ``set_num_threads`` and the environment
(issue 13, items 3 and 4).

* ``-1`` and the default mean the CPUs available to this process (its
  affinity mask, capped by a cgroup CPU quota); ``-k`` is that minus k - 1.
* ``0`` and non-integers (bool included) are a ValueError.
* More than ``4 x`` the available CPUs is clamped there with a
  RuntimeWarning; no value ever raises OverflowError.
* ``SIGFAST_NUM_THREADS`` and ``OMP_NUM_THREADS`` follow the same rule; a bad
  value warns and is ignored: importing sigfast never fails because of one.
* ``show_config()`` reports the CPU count the rule uses.
"""
import io
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import sigfast
from sigfast import _openmp
from sigfast._testing import PYTHON

OMP = _openmp.openmp_enabled()
needs_omp = pytest.mark.skipif(not OMP, reason="built without OpenMP (always 1 thread)")


def affinity_cpus():
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@pytest.fixture
def restore():
    before = _openmp._user_setting()
    yield
    sigfast.set_num_threads(before if before > 0 else None)


def run(code, timeout=60, **env):
    """Run ``code`` in a fresh interpreter with only the given thread variables."""
    full = dict(os.environ)
    for k in ("SIGFAST_NUM_THREADS", "OMP_NUM_THREADS", "SIGFAST_SIMD"):
        full.pop(k, None)
    full.update(env)
    r = subprocess.run([*PYTHON, "-c", code], env=full, capture_output=True, text=True,
                       timeout=timeout)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip(), r.stderr


# ---------------------------------------------------------------------------
# the CPU count
# ---------------------------------------------------------------------------

def test_available_cpus_is_affinity_capped_by_quota():
    quota = _openmp._cgroup_cpus()
    want = affinity_cpus() if quota is None else max(1, min(affinity_cpus(), quota))
    assert _openmp.cpu_count() == want
    assert _openmp.max_threads() == 4 * want


@pytest.mark.parametrize("files,want", [
    ({"cpu.max": "max 100000\n"}, None),
    ({"cpu.max": "200000 100000\n"}, 2),
    ({"cpu.max": "150000 100000\n"}, 2),          # 1.5 CPUs: rounded up
    ({"cpu.max": "50000 100000\n"}, 1),
    ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
    ({"cpu/cpu.cfs_quota_us": "300000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 3),
    ({"cpu.max": "garbage\n"}, None),
    ({}, None),
])
def test_cgroup_quota_parsing(tmp_path, files, want):
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    assert _openmp._cgroup_cpus(str(tmp_path)) == want


def test_show_config_reports_the_rule_count():
    buf = io.StringIO()
    sigfast.show_config(file=buf)
    assert f"(of {_openmp.cpu_count()} CPUs)" in buf.getvalue()


@needs_omp
@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no affinity API")
def test_one_cpu_affinity():
    # as `taskset -c 0 python ...`: the affinity is set before sigfast loads
    code = ("import io, os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); "
            "import sigfast; d = sigfast.get_num_threads(); sigfast.set_num_threads(-1); "
            "b = io.StringIO(); sigfast.show_config(file=b); "
            "print(d, sigfast.get_num_threads(), '(of 1 CPUs)' in b.getvalue())")
    out, _ = run(code)
    assert out == "1 1 True"


# ---------------------------------------------------------------------------
# set_num_threads
# ---------------------------------------------------------------------------

@needs_omp
def test_negative_counts_from_available(restore):
    avail = _openmp.cpu_count()
    sigfast.set_num_threads(-1)
    assert sigfast.get_num_threads() == avail
    sigfast.set_num_threads(-2)
    assert sigfast.get_num_threads() == max(1, avail - 1)
    sigfast.set_num_threads(-10**6)
    assert sigfast.get_num_threads() == 1
    sigfast.set_num_threads(-2**64)            # no OverflowError
    assert sigfast.get_num_threads() == 1


@pytest.mark.parametrize("bad", [0, 1.5, 2.0, "2", b"2", True, False, [2], np.float64(2)])
def test_zero_and_non_integers_are_valueerror(bad, restore):
    sigfast.set_num_threads(1)
    with pytest.raises(ValueError, match=r"set_num_threads"):
        sigfast.set_num_threads(bad)
    assert sigfast.get_num_threads() == 1          # unchanged


@needs_omp
def test_integer_like_accepted(restore):
    sigfast.set_num_threads(np.int64(2))
    assert sigfast.get_num_threads() == 2
    with sigfast.num_threads(np.uint8(1)):
        assert sigfast.get_num_threads() == 1


@needs_omp
@pytest.mark.parametrize("huge", [4 * 64 + 1, 10**9, 2**31 - 1, 2**31, 2**63, 10**100])
def test_huge_counts_clamped_with_warning(huge, restore):
    cap = _openmp.max_threads()
    if huge <= cap:
        pytest.skip("not above this machine's cap")
    with pytest.warns(RuntimeWarning, match=rf"set_num_threads\({huge}\).*using {cap}"):
        sigfast.set_num_threads(huge)
    assert sigfast.get_num_threads() == cap
    with pytest.warns(RuntimeWarning):
        with sigfast.num_threads(huge):
            assert sigfast.get_num_threads() == cap


def test_non_openmp_build_still_validates(restore):
    with pytest.raises(ValueError):
        sigfast.set_num_threads(0)
    sigfast.set_num_threads(1)
    assert sigfast.get_num_threads() == 1


@needs_omp
def test_clamped_run_starts_few_threads():
    # 10**9 requested threads once started thousands of OS threads
    code = r"""
import os, warnings, numpy as np, sigfast
warnings.simplefilter("ignore", RuntimeWarning)
cap = 4 * len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 4 * os.cpu_count()
sigfast.set_num_threads(10**9)
x = np.linspace(-5, 5, 4_000_000)
y = sigfast.sigmoid(x)
with sigfast.num_threads(1):
    ok = np.array_equal(y, sigfast.sigmoid(x))
tasks = len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else 1
print(ok, tasks <= cap + 8)
"""
    out, _ = run(code, timeout=120)
    assert out == "True True"


# ---------------------------------------------------------------------------
# environment variables
# ---------------------------------------------------------------------------

GET = ("import sigfast; from sigfast import _openmp; "
       "print(sigfast.get_num_threads(), _openmp.cpu_count(), _openmp.max_threads())")


def counts(stdout):
    n, avail, cap = map(int, stdout.split())
    return n, avail, cap


@needs_omp
@pytest.mark.parametrize("var", ["SIGFAST_NUM_THREADS", "OMP_NUM_THREADS"])
@pytest.mark.parametrize("value", ["2147483648", "99999999999", "4294967297", str(10**30)])
def test_env_huge_value_clamped_import_ok(var, value):
    out, err = run(GET, **{var: value})
    n, avail, cap = counts(out)
    assert n == cap
    assert var in err and "RuntimeWarning" in err


@needs_omp
@pytest.mark.parametrize("var", ["SIGFAST_NUM_THREADS", "OMP_NUM_THREADS"])
@pytest.mark.parametrize("value", ["0", "abc", "1.5", "true", "2x"])
def test_env_bad_value_warns_and_is_ignored(var, value):
    out, err = run(GET, **{var: value})
    n, avail, cap = counts(out)
    assert n == avail
    assert var in err and "RuntimeWarning" in err


@needs_omp
@pytest.mark.parametrize("var", ["SIGFAST_NUM_THREADS", "OMP_NUM_THREADS"])
def test_env_values_follow_the_rule(var):
    n, avail, cap = counts(run(GET, **{var: "-1"})[0])
    assert n == avail
    n, avail, cap = counts(run(GET, **{var: " 3 "})[0])
    assert n == min(3, cap)
    n, avail, cap = counts(run(GET, **{var: ""})[0])
    assert n == avail


@needs_omp
def test_default_is_available_cpus():
    out, err = run(GET)
    n, avail, cap = counts(out)
    assert n == avail
    assert err == ""


@needs_omp
def test_sigfast_variable_wins_and_lists_take_the_first_level():
    n, _, cap = counts(run(GET, SIGFAST_NUM_THREADS="2", OMP_NUM_THREADS="3")[0])
    assert n == min(2, cap)
    n, _, cap = counts(run(GET, OMP_NUM_THREADS="3,2")[0])
    assert n == min(3, cap)


def test_get_num_threads_in_python_never_warns():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sigfast.get_num_threads() >= 1


# ---------------------------------------------------------------------------
# OpenMP's own settings (issue 23, item 5)
# ---------------------------------------------------------------------------

@needs_omp
@pytest.mark.parametrize("var, value", [
    ("OMP_PROC_BIND", "true"), ("OMP_PROC_BIND", "close"), ("OMP_PROC_BIND", "spread"),
    ("OMP_PLACES", "cores"), ("OMP_PLACES", "threads"), ("GOMP_CPU_AFFINITY", "0-1023"),
])
def test_binding_variables_keep_the_cpu_count(var, value):
    # libgomp pins the initial thread to one place when it loads, before
    # sigfast reads its affinity; the count must be the unpinned one
    # (before the fix: 1 CPU, a default of 1 thread, a clamp of 4)
    plain = counts(run(GET)[0])
    bound = counts(run(GET, **{var: value})[0])
    assert bound == plain


@needs_omp
def test_proc_bind_false_is_not_binding():
    assert _openmp._binding_set({"OMP_PROC_BIND": "false"}) is False
    assert _openmp._binding_set({"OMP_PROC_BIND": " FALSE "}) is False
    assert _openmp._binding_set({"OMP_PROC_BIND": "true"}) is True
    assert _openmp._binding_set({"OMP_PLACES": "cores"}) is True
    assert _openmp._binding_set({}) is False


@needs_omp
def test_thread_limit_caps_every_count():
    code = ("import warnings, sigfast; from sigfast import _openmp\n"
            "d = sigfast.get_num_threads()\n"
            "with warnings.catch_warnings(record=True) as w:\n"
            "    warnings.simplefilter('always')\n"
            "    sigfast.set_num_threads(2)\n"
            "print(d, sigfast.get_num_threads(), _openmp.max_threads(), "
            "any('OMP_THREAD_LIMIT=1' in str(x.message) for x in w))")
    out, _ = run(code, OMP_THREAD_LIMIT="1")
    assert out == "1 1 1 True"
    n, avail, cap = counts(run(GET, OMP_THREAD_LIMIT="2")[0])
    assert (n, cap) == (min(avail, 2), min(4 * avail, 2))


# ---------------------------------------------------------------------------
# threads the OS cannot create (issue 23, item 6)
# ---------------------------------------------------------------------------

RLIMIT_AS_CODE = r"""
import resource, numpy as np, sigfast
x = np.linspace(-5, 5, 2_000_000); out = np.empty_like(x)
y = (x > 0.3).astype(np.float64)
with sigfast.num_threads(1):
    want = sigfast.sigmoid(x)
    want_loss = sigfast.binary_cross_entropy_with_logits(x, y)
sigfast.set_num_threads(2)
vm = [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmSize")][0]
# 4 MiB of address space left: less than one 8 MiB thread stack
resource.setrlimit(resource.RLIMIT_AS, (vm * 1024 + (4 << 20), resource.RLIM_INFINITY))
sigfast.sigmoid(x, out=out)
print(np.array_equal(out, want), sigfast.binary_cross_entropy_with_logits(x, y) == want_loss)
resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
sigfast.sigmoid(x, out=out)          # the threads come back with the memory
print(np.array_equal(out, want))
"""


@needs_omp
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc: Linux")
def test_address_space_limit_runs_serially_instead_of_exiting():
    # before the fix: "libgomp: Thread creation failed", exit status 1
    out, _ = run(RLIMIT_AS_CODE)
    assert out.splitlines() == ["True True", "True"]
