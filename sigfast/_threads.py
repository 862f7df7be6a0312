"""Thread-count helpers built on the C-level state in ``_openmp``."""
from contextlib import contextmanager

from ._openmp import get_num_threads, set_num_threads, _set_num_threads, _user_setting

__all__ = ["get_num_threads", "set_num_threads", "num_threads"]


@contextmanager
def num_threads(n):
    """Context manager: run sigfast with ``n`` threads inside the block.

    >>> with sigfast.num_threads(1):
    ...     y = sigfast.sigmoid(x)

    The previous setting (including "not set") is restored on exit.
    """
    before = _user_setting()
    # a warning (a clamped count) names the caller's `with` line: 3 frames up
    # through this generator and contextlib
    _set_num_threads(n, 3)
    try:
        yield
    finally:
        set_num_threads(before if before > 0 else None)
