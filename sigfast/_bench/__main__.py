"""``python -m sigfast._bench``: the benchmark worker process (see
:func:`sigfast._bench.runner.measure_isolated`)."""
from .runner import worker

worker()
