r"""``fit(..., blas_threads="adaptive")``: choose the BLAS thread count by timing real steps.

A static threshold cannot see the machine's load: with one of two cores held by another
process, OpenBLAS's two threads wait on each other and the 784-512-512-10 step at batch
128 took 237-298 ms against 5.9 ms on one thread. The adaptive policy measures instead.
Training runs in cycles of a probe and a run:

.. code-block:: text

    probe   for each candidate c in (current choice, the other one):
                WARMUP steps at c threads (untimed: thread start-up, a capture trace),
                TIMED steps at c threads, each timed
            choice  = the candidate with the smaller median step time t
            waste   = (WARMUP + TIMED) * max(0, t_loser - t_choice)
            period  = max(MIN_PERIOD, ceil(waste / (BUDGET * t_choice)))
    run     period steps at the choice, then probe again

so the steps spent at the slower count cost at most ``BUDGET`` (2 %) of the run they
decide (``MIN_PERIOD`` steps at least). The candidates are the count the BLAS libraries had
when ``fit`` started (their largest) and 1. Every probe step is a training step: no extra
work is done, only the thread count changes. The clock serves only to choose; callers (and
tests) may drive :meth:`AdaptiveThreads.next_limit` and :meth:`AdaptiveThreads.observe`
with durations of their own. The limits found at the start come back at :meth:`close`.

Why opt-in: measured on this machine's OpenBLAS 0.3.31 (SkylakeX kernel), single-precision
products whose inner dimension is 600, 700 or 784 (``x @ W.T`` of a 784-input layer) differ
in the last bits between 1 and 2 threads (up to 7e-5 absolute on unit-normal data), while
inner dimensions 64 to 512 and 1024 gave identical bits. A choice made by the clock would
make results timing-dependent, so ``fit`` keeps the static policy of
:mod:`netopt.train.threads` unless asked for this one.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

#: Untimed steps at each candidate before its timed ones.
WARMUP = 1
#: Timed steps per candidate; the median decides.
TIMED = 3
#: Largest share of training time the probe's slower steps may cost.
BUDGET = 0.02
#: Fewest steps between two probes.
MIN_PERIOD = 200


def blas_controllers() -> list[Any]:
    """threadpoolctl's controllers of every loaded BLAS library ([] without threadpoolctl)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return []
    return [c for c in ThreadpoolController().lib_controllers if c.user_api == "blas"]


def choose(times: dict[int, Sequence[float]]) -> int:
    """The thread count whose median step time is smallest (the larger count on a tie).

    Parameters
    ----------
    times : dict of int to sequence of float
        Timed step durations (seconds) per thread count.

    Examples
    --------
    >>> choose({2: [0.30, 0.24, 0.26], 1: [0.006, 0.006, 0.007]})
    1
    """
    return min(times, key=lambda n: (_median(times[n]), -n))


def probe_period(times: dict[int, Sequence[float]], chosen: int, steps_each: int) -> int:
    """Steps to run at ``chosen`` so the probe's slower steps cost at most :data:`BUDGET`.

    ``waste / (BUDGET * t_chosen)`` with ``waste = steps_each * (t_loser - t_chosen)``
    (medians; see the module's docstring), and at least :data:`MIN_PERIOD`.

    Examples
    --------
    >>> probe_period({1: [0.006] * 3, 2: [0.250] * 3}, chosen=1, steps_each=4)
    8134
    """
    best = _median(times[chosen])
    worst = max(_median(v) for v in times.values())
    if best <= 0:
        return MIN_PERIOD
    waste = steps_each * (worst - best)
    return max(MIN_PERIOD, math.ceil(waste / (BUDGET * best)))


class AdaptiveThreads:
    """Train at the faster of the starting BLAS thread count and 1, re-measured periodically.

    Parameters
    ----------
    controllers : sequence, optional
        threadpoolctl library controllers to limit; default every loaded BLAS library.
    clock : callable, default time.perf_counter
        Seconds, read before and after each step by :meth:`run`.

    Attributes
    ----------
    choice : int
        The thread count the run phase uses (the starting count until the first probe ends).
    period : int
        Steps of the current run phase (0 before the first probe ends).
    choices : list of int
        Every probe's choice, in order.
    """

    def __init__(
        self,
        controllers: Sequence[Any] | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._libs = blas_controllers() if controllers is None else list(controllers)
        self._before = [c.num_threads for c in self._libs]
        self.high = max(self._before, default=1)
        self.choice, self.period, self.choices = self.high, 0, []
        self._clock = clock
        self._plan: deque[tuple[int, bool]] = deque()
        self._times: dict[int, list[float]] = {}
        self._pending: tuple[int, bool] | None = None
        self._left = 0  # steps left in the run phase
        self._set: int | None = None  # the limit now set (None: the starting ones)
        if self.high > 1:
            self._start_probe()

    def _start_probe(self) -> None:
        other = 1 if self.choice != 1 else self.high
        self._times = {self.choice: [], other: []}
        for n in (self.choice, other):
            self._plan.extend([(n, False)] * WARMUP + [(n, True)] * TIMED)

    def next_limit(self) -> int:
        """Set the thread count for the next step and return it."""
        if self.high <= 1:
            return self.high
        if self._plan:
            self._pending = self._plan.popleft()
        else:
            self._left -= 1
            self._pending = (self.choice, False)
            if self._left <= 0:
                self._start_probe()
        self._limit(self._pending[0])
        return self._pending[0]

    def observe(self, seconds: float) -> None:
        """Record the duration of the step :meth:`next_limit` prepared; decide after a probe."""
        if self._pending is None:
            return
        limit, timed = self._pending
        self._pending = None
        if timed:
            self._times[limit].append(seconds)
            if not self._plan:
                self.choice = choose(self._times)
                self.choices.append(self.choice)
                self.period = probe_period(self._times, self.choice, WARMUP + TIMED)
                self._left = self.period

    def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` at :meth:`next_limit`'s count, timed by the clock for :meth:`observe`."""
        self.next_limit()
        start = self._clock()
        out = fn(*args)
        self.observe(self._clock() - start)
        return out

    def close(self) -> None:
        """Give every library back the thread count it had at the start."""
        if self._set is not None:
            for c, n in zip(self._libs, self._before, strict=True):
                if c.num_threads != n:
                    c.set_num_threads(n)
        self._set = None

    def _limit(self, n: int) -> None:
        if n != self._set:
            for c, before in zip(self._libs, self._before, strict=True):
                c.set_num_threads(min(n, before))
            self._set = n


def _median(values: Sequence[float]) -> float:
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2
