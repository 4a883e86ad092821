r"""Composing pure schedules: one after another (:func:`sequence`) or multiplied (:func:`chain`).

These are the closed forms of :class:`~netopt.optim.lr_scheduler.SequentialLR` and
:class:`~netopt.optim.lr_scheduler.ChainedScheduler`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from ._validate import Schedule, check_lr, check_milestones, check_step

__all__ = ["chain", "sequence"]


def sequence(schedules: Sequence[Schedule], milestones: Sequence[int]) -> Schedule:
    r"""Run ``schedules[i]`` from milestone :math:`m_{i-1}` on, restarted at its step 0.

    .. math:: \eta_t = s_i(t - m_{i-1}), \quad i = \#\{m_j \le t\},\ m_{-1} = 0

    Parameters
    ----------
    schedules : sequence of callable
        One more schedule than milestones.
    milestones : sequence of int
        Strictly increasing positive integers.

    Returns
    -------
    callable
        ``t -> lr``.

    Raises
    ------
    ValueError
        No schedule; the wrong number of milestones; milestones not strictly increasing
        positive integers.

    Examples
    --------
    >>> from netopt.optim.schedules import exponential_decay, linear
    >>> warm = linear(1.0, start_factor=0.5, total_iters=2)
    >>> f = sequence([warm, exponential_decay(1.0, 0.5)], milestones=[2])
    >>> [f(t) for t in range(5)]
    [0.5, 0.75, 1.0, 0.5, 0.25]
    """
    stages = list(schedules)
    ms = check_milestones(milestones, len(stages))
    for i, s in enumerate(stages):
        if not callable(s):
            raise TypeError(f"schedule at index {i} must be callable, got {type(s).__name__}")
    starts = [0, *ms]

    def schedule(t: float) -> float:
        check_step(t)
        i = bisect_right(ms, t)
        return stages[i](t - starts[i])

    return schedule


def chain(base_lr: float, schedules: Sequence[Schedule]) -> Schedule:
    r"""Compose multiplicative schedules built on the same ``base_lr`` (``ChainedScheduler``).

    .. math:: \eta_t = \eta_0 \prod_i \frac{s_i(t)}{\eta_0}

    Parameters
    ----------
    base_lr : float
        :math:`\eta_0 > 0`, the base rate every ``s_i`` was built with.
    schedules : sequence of callable
        At least one schedule.

    Returns
    -------
    callable
        ``t -> lr``.

    Raises
    ------
    ValueError
        ``base_lr`` not positive; no schedule.

    Notes
    -----
    This is what PyTorch's ``ChainedScheduler`` computes when each stage is multiplicative
    (step, multistep, exponential, constant, linear). Cosine annealing with
    ``eta_min > 0`` is not multiplicative, and chaining it has no closed form.

    Examples
    --------
    >>> from netopt.optim.schedules import constant, exponential_decay
    >>> f = chain(1.0, [constant(1.0, 0.5, 2), exponential_decay(1.0, 0.5)])
    >>> [f(t) for t in range(4)]
    [0.5, 0.25, 0.25, 0.125]
    """
    if not check_lr(base_lr) > 0:
        raise ValueError(f"Invalid learning rate: {base_lr}")
    stages = list(schedules)
    if not stages:
        raise ValueError("chain expects at least one schedule, but got no schedule.")

    def schedule(t: float) -> float:
        lr = base_lr
        for s in stages:
            lr = lr * (s(t) / base_lr)
        return lr

    return schedule
