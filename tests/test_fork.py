"""fork(): never a hang (issue 13, item 1).

libgomp's thread pool does not survive ``fork()``: a parallel region in a
child forked after the pool's threads existed blocks forever (and Ctrl-C
cannot stop it).  sigfast records that one of its parallel regions ran in
a process; that record is inherited by fork children and grandchildren, and
there every kernel runs serially whatever ``set_num_threads`` asks, with one
RuntimeWarning per process.  A child of a process that never ran a parallel
kernel keeps its threads.

Every scenario runs in its own session under a timeout: a hang kills the
whole process group and fails the test instead of blocking the suite.
"""
import os
import signal
import subprocess
import textwrap

import pytest

import sigfast
from sigfast._testing import PYTHON

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform"),
    pytest.mark.skipif(not sigfast._openmp.openmp_enabled(), reason="built without OpenMP"),
]

TIMEOUT = 60

PRELUDE = r"""
import os, sys, warnings, numpy as np, sigfast
warnings.simplefilter("always")
X = np.linspace(-5, 5, 2_000_000)          # large enough for 2 threads
Y = (X > 0.3).astype(np.float64)
with sigfast.num_threads(1):
    WANT = sigfast.sigmoid(X)
    WANT_LOSS = sigfast.binary_cross_entropy_with_logits(X, Y)

def kernels_ok():
    # a threaded ufunc and the threaded fused loss
    return (np.array_equal(sigfast.sigmoid(X), WANT)
            and sigfast.binary_cross_entropy_with_logits(X, Y) == WANT_LOSS)

def fork_and_wait(body):
    # body() -> exit status of the child; returns the child's status
    pid = os.fork()
    if pid == 0:
        try:
            code = body()
        except BaseException as e:
            print("child error:", repr(e), file=sys.stderr, flush=True)
            code = 99
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)

def fork_warnings(caught):
    return [w for w in caught if issubclass(w.category, RuntimeWarning)
            and "fork" in str(w.message)]
"""


def run(body):
    """Run PRELUDE + body in a new session; kill the whole group on a hang."""
    code = PRELUDE + textwrap.dedent(body)
    env = {k: v for k, v in os.environ.items()
           if k not in ("SIGFAST_NUM_THREADS", "OMP_NUM_THREADS")}
    p = subprocess.Popen([*PYTHON, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env, start_new_session=True)
    try:
        out, err = p.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        hung = True
    else:
        hung = False
    if hung:
        pytest.fail(f"hung for {TIMEOUT} s (killed the process group); output: {out!r}")
    assert p.returncode == 0, err
    return out.strip(), err


def test_child_after_parallel_parent_stays_serial_with_one_warning():
    out, _ = run(r"""
        sigfast.set_num_threads(2)
        assert kernels_ok()                   # the parent starts OpenMP threads

        def child():
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                before = sigfast.get_num_threads()
                sigfast.set_num_threads(2)
                ok = kernels_ok()
                with sigfast.num_threads(2):
                    ok = ok and kernels_ok() and sigfast.get_num_threads() == 1
                sigfast.set_num_threads(-1)
                ok = ok and kernels_ok() and sigfast.get_num_threads() == 1
            msgs = fork_warnings(caught)
            print(before, ok, len(msgs), flush=True)
            return 0 if before == 1 and ok and len(msgs) == 1 else 3

        print(fork_and_wait(child))
        print(kernels_ok(), sigfast.get_num_threads())   # the parent keeps its threads
    """)
    assert out.splitlines() == ["1 True 1", "0", "True 2"]


def test_warning_names_the_cause_and_the_remedy():
    _, err = run(r"""
        sigfast.set_num_threads(2)
        assert kernels_ok()

        def child():
            sigfast.set_num_threads(2)
            return 0

        assert fork_and_wait(child) == 0
    """)
    assert "RuntimeWarning" in err
    assert "fork" in err and "serial" in err and "spawn" in err


def test_grandchild_of_parallel_process_stays_serial():
    # the child itself only runs serially; its own child must still not hang
    out, _ = run(r"""
        sigfast.set_num_threads(2)
        assert kernels_ok()

        def grandchild():
            sigfast.set_num_threads(2)
            return 0 if kernels_ok() and sigfast.get_num_threads() == 1 else 4

        def child():
            sigfast.set_num_threads(1)
            if not kernels_ok():
                return 5
            return fork_and_wait(grandchild)

        print(fork_and_wait(child))
    """)
    assert out == "0"


@pytest.mark.parametrize("parent_threads", [True, False], ids=["after-threads", "clean"])
def test_fork_pool_with_initializer(parent_threads):
    # workers of a parent that ran threads are serial; of a clean one, not
    out, _ = run(rf"""
        import multiprocessing as mp

        def work(i):
            return sigfast.get_num_threads(), bool(kernels_ok())

        if {parent_threads}:
            sigfast.set_num_threads(2)
            assert kernels_ok()
        ctx = mp.get_context("fork")
        with ctx.Pool(2, initializer=sigfast.set_num_threads, initargs=(2,)) as pool:
            res = pool.map(work, range(6))
        print(res)
    """)
    assert out == str([(1 if parent_threads else 2, True)] * 6)


def test_child_of_clean_parent_keeps_its_threads():
    # the parent imported sigfast and ran only small (serial) kernels
    out, _ = run(r"""
        sigfast.set_num_threads(2)
        sigfast.sigmoid(X[:1000])

        def child():
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                n = sigfast.get_num_threads()
                sigfast.set_num_threads(2)
                ok = kernels_ok() and sigfast.get_num_threads() == 2
            print(n, ok, len(fork_warnings(caught)), flush=True)
            return 0

        assert fork_and_wait(child) == 0
    """)
    assert out == "2 True 0"


def test_child_that_ran_threads_makes_its_children_serial():
    out, _ = run(r"""
        def grandchild():
            sigfast.set_num_threads(2)
            return 0 if kernels_ok() and sigfast.get_num_threads() == 1 else 4

        def child():
            sigfast.set_num_threads(2)
            if not (kernels_ok() and sigfast.get_num_threads() == 2):
                return 5                    # the clean child had its threads
            return fork_and_wait(grandchild)

        print(fork_and_wait(child))
    """)
    assert out == "0"


def test_show_config_says_why_serial():
    out, _ = run(r"""
        import io
        sigfast.set_num_threads(2)
        assert kernels_ok()

        def child():
            buf = io.StringIO()
            sigfast.show_config(file=buf)
            line = [l for l in buf.getvalue().splitlines() if "threads" in l][0]
            print(line, flush=True)
            return 0

        assert fork_and_wait(child) == 0
    """)
    assert "1 (of" in out and "fork" in out
