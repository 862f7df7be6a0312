"""The interleaved timer.

* Candidates are timed **interleaved in one process**: round r times A, B,
  C, ... back to back, then round r + 1, so slow drift of a shared machine
  (other jobs, frequency changes) hits every candidate alike.
* One sample = a calibrated inner loop of at least ``min_time`` (2 ms by
  default) divided by its call count; the reported time of a candidate is
  the median of its ``rounds`` samples.
* Speed-ups are medians of the *per-round* ratios (t_other[r] /
  t_sigfast[r]), so each ratio compares samples taken side by side.
"""
import gc
import math
import statistics
import time


class Timing:
    """Result of :func:`time_interleaved`.

    ``samples[name]`` holds one per-call time (seconds) per round; ``seconds``
    and ``gelems`` are medians; :meth:`speedup` is a median of paired ratios.
    """

    def __init__(self, samples, numbers, n_elems):
        self.samples = samples
        self.numbers = numbers
        self.n_elems = n_elems
        self.seconds = {k: statistics.median(v) for k, v in samples.items()}
        self.gelems = {k: n_elems / t / 1e9 for k, t in self.seconds.items()}

    def speedup(self, fast, slow):
        """How many times faster ``fast`` ran than ``slow``: the median over
        rounds of t_slow[r] / t_fast[r]."""
        return statistics.median(
            b / a for a, b in zip(self.samples[fast], self.samples[slow]))

    def ratios(self, ref):
        """``{name: speedup(ref, name)}`` for every other candidate."""
        return {k: self.speedup(ref, k) for k in self.samples if k != ref}


def _calibrate(fn, min_time, timer):
    """Smallest call count (1, 2, 5, 10, 20, ...) whose loop takes ``min_time``."""
    fn()  # warm-up: first-call costs (JIT compile, page faults) stay out
    number = 1
    while True:
        t0 = timer()
        for _ in range(number):
            fn()
        dt = timer() - t0
        if dt >= min_time:
            return number
        # jump close to the target in one step, then round up to 1-2-5
        want = number * min_time / max(dt, 1e-9) * 1.1
        step = 10 ** math.floor(math.log10(want))
        for m in (1, 2, 5, 10):
            if m * step >= want:
                number = max(number + 1, int(m * step))
                break


def time_interleaved(candidates, n_elems=1, *, rounds=7, min_time=2e-3,
                     timer=time.perf_counter):
    """Time zero-argument callables interleaved (A, B, C, A, B, C, ...).

    ``candidates``: ``{name: fn}``.  Each sample is a loop of a calibrated
    number of calls lasting at least ``min_time`` seconds; there are
    ``rounds`` samples per candidate.  ``n_elems`` (elements per call) turns
    times into Gelem/s.  Returns a :class:`Timing`.
    """
    if not candidates:
        raise ValueError("no candidates")
    names = list(candidates)
    numbers = {k: _calibrate(candidates[k], min_time, timer) for k in names}
    samples = {k: [] for k in names}
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for _ in range(rounds):
            for k in names:
                fn, number = candidates[k], numbers[k]
                t0 = timer()
                for _ in range(number):
                    fn()
                samples[k].append((timer() - t0) / number)
    finally:
        if gc_was:
            gc.enable()
    return Timing(samples, numbers, n_elems)
