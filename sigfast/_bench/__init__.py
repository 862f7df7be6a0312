"""The benchmark engine behind ``python -m sigfast`` and the speed scripts
of ``bench/`` (private).

* :mod:`.timer`: the interleaved timer (candidates timed round-robin in one
  process; medians of samples and of per-round ratios).
* :mod:`.peers`: what each function is compared with (the NumPy expression,
  SciPy, PyTorch, JAX), keyed by registry name.
* :mod:`.runner`: grids of measurements, in-process or in one worker process
  per thread count.
* :mod:`.report`: tables, the plot, metadata.
"""
from .peers import (COMPARE, LOSS_NAMES, PEERS, UFUNC_NAMES, available_peers,
                    jax_config, load_peer)
from .report import (Progress, busy_threads, busy_warning, fmt_n, fmt_ratio, load_average,
                     markdown_table, metadata, plot, print_table)
from .runner import (DTYPES, JAX_SINGLE_THREAD_FLAGS, TUNED_MALLOC_ENV, make_inputs,
                     malloc_config, measure, measure_isolated, measure_one, with_malloc)
from .timer import Timing, time_interleaved

__all__ = [
    "COMPARE", "LOSS_NAMES", "PEERS", "UFUNC_NAMES", "available_peers",
    "jax_config", "load_peer", "Progress", "busy_threads", "busy_warning", "fmt_n",
    "fmt_ratio", "load_average", "markdown_table", "metadata", "plot", "print_table", "DTYPES", "JAX_SINGLE_THREAD_FLAGS", "TUNED_MALLOC_ENV",
    "make_inputs", "malloc_config", "measure", "measure_isolated", "measure_one",
    "with_malloc", "Timing", "time_interleaved",
]
