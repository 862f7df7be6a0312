"""fork(): never a hang (issue 13, item 1; issue 23, item 1).

libgomp's thread pool does not survive ``fork()``: a parallel region in a
child forked while the forking thread owned a pool blocks forever (and
Ctrl-C cannot stop it).  The pool may have been started by any library that
shares the runtime (PyTorch's libgomp has the same soname; numba's omp
threading layer uses it).  sigfast's prepare handler frees the forking
thread's pool before every fork, so children and grandchildren keep their
threads.  Where the pool cannot be freed (simulated here with
``_disable_pool_release_for_test``, the behaviour of a runtime without
``omp_pause_resource_all``), a child of a process whose sigfast kernels ran
threads runs serially, with one RuntimeWarning.

Every scenario runs in its own session under a timeout: a hang kills the
whole process group and fails the test instead of blocking the suite.
"""
import os
import signal
import subprocess
import tempfile
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


def run(body, module=False):
    """Run PRELUDE + body in a new session; kill the whole group on a hang.

    ``module=True`` runs it from a file, as the spawn and forkserver start
    methods need (their workers import the main module by path)."""
    code = PRELUDE + textwrap.dedent(body)
    env = {k: v for k, v in os.environ.items()
           if k not in ("SIGFAST_NUM_THREADS", "OMP_NUM_THREADS")}
    if module:
        fd, path = tempfile.mkstemp(suffix=".py", prefix="sigfast_fork_")
        with os.fdopen(fd, "w") as f:
            f.write(code)
        argv = [*PYTHON, path]
    else:
        path, argv = None, [*PYTHON, "-c", code]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env, start_new_session=True)
    try:
        out, err = p.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        hung = True
    else:
        hung = False
    if path is not None:
        os.unlink(path)
    if hung:
        pytest.fail(f"hung for {TIMEOUT} s (killed the process group); output: {out!r}")
    assert p.returncode == 0, err
    return out.strip(), err


def test_child_after_parallel_parent_keeps_its_threads():
    out, _ = run(r"""
        sigfast.set_num_threads(2)
        assert kernels_ok()                   # the parent starts OpenMP threads

        def child():
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                n = sigfast.get_num_threads()
                ok = kernels_ok() and kernels_ok()
            print(n, ok, sigfast._openmp.fork_serial(), len(fork_warnings(caught)), flush=True)
            return 0

        print(fork_and_wait(child))
        print(kernels_ok(), sigfast.get_num_threads())   # the parent's pool comes back
    """)
    assert out.splitlines() == ["2 True False 0", "0", "True 2"]


def test_grandchild_of_parallel_processes_keeps_its_threads():
    out, _ = run(r"""
        sigfast.set_num_threads(2)
        assert kernels_ok()

        def grandchild():
            return 0 if kernels_ok() and sigfast.get_num_threads() == 2 else 4

        def child():
            if not (kernels_ok() and sigfast.get_num_threads() == 2):
                return 5
            return fork_and_wait(grandchild)

        print(fork_and_wait(child))
    """)
    assert out == "0"


@pytest.mark.parametrize("parent_threads", [True, False], ids=["after-threads", "clean"])
def test_fork_pool_with_initializer(parent_threads):
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
    assert out == str([(2, True)] * 6)


# --- another library's OpenMP team in the parent (issue 23, item 1) ---------

def _torch_or_skip():
    pytest.importorskip("torch")


def test_fork_pool_after_torch_openmp():
    # torch.sigmoid over 4e6 elements starts libgomp's pool in the parent;
    # before the prepare handler the workers' first threaded call hung
    _torch_or_skip()
    out, _ = run(r"""
        import multiprocessing as mp, torch
        torch.sigmoid(torch.randn(4_000_000))

        def work(i):
            # PyTorch sets OpenMP's limit from MKL_NUM_THREADS and the like,
            # which sigfast follows: ask for 2 explicitly
            sigfast.set_num_threads(2)
            return sigfast.get_num_threads(), bool(kernels_ok())

        with mp.get_context("fork").Pool(2) as pool:
            print(pool.map(work, range(4)))
    """)
    assert out == str([(2, True)] * 4)


def test_torch_dataloader_fork_workers():
    _torch_or_skip()
    out, _ = run(r"""
        import torch
        from torch.utils.data import DataLoader, Dataset
        torch.sigmoid(torch.randn(4_000_000))

        class Data(Dataset):
            def __len__(self):
                return 4
            def __getitem__(self, i):
                # workers get torch.set_num_threads(1), which sigfast follows
                # as OpenMP's limit; ask for 2 explicitly
                sigfast.set_num_threads(2)
                return torch.tensor([float(kernels_ok()), sigfast.get_num_threads()])

        loader = DataLoader(Data(), batch_size=None, num_workers=2,
                            multiprocessing_context="fork")
        print(sorted(tuple(b.tolist()) for b in loader))
    """)
    assert out == str([(1.0, 2.0)] * 4)


def test_grandchild_after_torch_in_child():
    # the child runs torch's team itself, then forks: the grandchild is safe too
    _torch_or_skip()
    out, _ = run(r"""
        import torch

        def grandchild():
            sigfast.set_num_threads(2)
            return 0 if kernels_ok() and sigfast.get_num_threads() == 2 else 4

        def child():
            torch.sigmoid(torch.randn(4_000_000))
            if not kernels_ok():
                return 5
            return fork_and_wait(grandchild)

        torch.sigmoid(torch.randn(4_000_000))
        print(fork_and_wait(child))
    """)
    assert out == "0"


def test_fork_pool_after_numba_omp_layer():
    numba = pytest.importorskip("numba")
    try:
        from numba.np.ufunc import omppool  # noqa: F401
    except ImportError:
        pytest.skip("numba's omp threading layer is not available")
    out, _ = run(r"""
        import multiprocessing as mp, numba
        numba.config.THREADING_LAYER = "omp"

        @numba.njit(parallel=True)
        def total(a):
            s = 0.0
            for i in numba.prange(a.size):
                s += a[i]
            return s

        assert total(np.ones(4_000_000)) == 4_000_000.0
        assert numba.threading_layer() == "omp"

        def work(i):
            return sigfast.get_num_threads(), bool(kernels_ok())

        with mp.get_context("fork").Pool(2) as pool:
            print(pool.map(work, range(4)))
    """)
    assert out == str([(2, True)] * 4)


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_spawn_and_forkserver_unaffected(method):
    out, _ = run(rf"""
        import multiprocessing as mp
        sigfast.set_num_threads(2)
        assert kernels_ok()

        def work(i):
            import sigfast
            return sigfast.get_num_threads(), sigfast._openmp.fork_serial()

        if __name__ == "__main__":
            with mp.get_context("{method}").Pool(2) as pool:
                print(pool.map(work, range(2)))
    """, module=True)
    assert out == str([(2, False)] * 2)


# --- the fallback: a pool that cannot be freed -------------------------------

def fallback(body):
    """``body`` in a process whose fork cannot free the pool."""
    return "\nsigfast._openmp._disable_pool_release_for_test()\n" + textwrap.dedent(body)


def test_fallback_child_after_parallel_parent_stays_serial_with_one_warning():
    out, _ = run(fallback(r"""
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
    """))
    assert out.splitlines() == ["1 True 1", "0", "True 2"]


def test_fallback_warning_names_the_cause_and_the_remedy():
    _, err = run(fallback(r"""
        sigfast.set_num_threads(2)
        assert kernels_ok()

        def child():
            sigfast.set_num_threads(2)
            return 0

        assert fork_and_wait(child) == 0
    """))
    assert "RuntimeWarning" in err
    assert "fork" in err and "serial" in err and "spawn" in err


def test_fallback_grandchild_of_parallel_process_stays_serial():
    # the child itself only runs serially; its own child must still not hang
    # (its prepare handler must not touch the pool inherited without threads)
    out, _ = run(fallback(r"""
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
    """))
    assert out == "0"


def test_fallback_child_of_clean_parent_keeps_its_threads():
    # the parent imported sigfast and ran only small (serial) kernels
    out, _ = run(fallback(r"""
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
    """))
    assert out == "2 True 0"


def test_fallback_show_config_says_why_serial():
    out, _ = run(fallback(r"""
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
    """))
    assert "1 (of" in out and "fork" in out
