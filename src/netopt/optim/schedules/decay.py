r"""Decay schedules (等间隔调整, 指数衰减): step, multistep and exponential decay."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from ._validate import Schedule, check_factor, check_int, check_lr, check_step

__all__ = ["exponential_decay", "multistep_decay", "step_decay"]


def _gamma(gamma: float) -> float:
    return check_factor("gamma", gamma, 0.0, float("inf"), open_low=True)


def step_decay(base_lr: float, step_size: int, gamma: float = 0.1) -> Schedule:
    r"""Step decay (等间隔调整): multiply by ``gamma`` every ``step_size`` steps.

    .. math:: \eta_t = \eta_0 \, \gamma^{\lfloor t / s \rfloor}

    Parameters
    ----------
    base_lr : float
        :math:`\eta_0`, the learning rate at :math:`t = 0`.
    step_size : int
        :math:`s`, the period of the decay, a positive integer.
    gamma : float, default 0.1
        :math:`\gamma > 0`, the factor applied at each multiple of ``step_size``.

    Returns
    -------
    callable
        ``t -> lr`` for real :math:`t \ge 0`.

    Raises
    ------
    ValueError
        A negative ``base_lr``, a non-positive ``step_size`` or ``gamma``; or, when the
        schedule is called, a negative step.

    Notes
    -----
    PyTorch's ``StepLR`` does not validate ``step_size`` (0 fails later with
    ``ZeroDivisionError``) nor ``gamma``; here both are checked when the schedule is built.

    Examples
    --------
    >>> f = step_decay(0.5, step_size=3, gamma=0.1)
    >>> [round(f(t), 6) for t in range(7)]
    [0.5, 0.5, 0.5, 0.05, 0.05, 0.05, 0.005]
    """
    check_lr(base_lr)
    check_int("step_size", step_size, 1)
    _gamma(gamma)

    def schedule(t: float) -> float:
        check_step(t)
        return base_lr * gamma ** (t // step_size)

    return schedule


def multistep_decay(base_lr: float, milestones: Sequence[int], gamma: float = 0.1) -> Schedule:
    r"""Multiply by ``gamma`` at each milestone (a milestone listed twice applies twice).

    .. math:: \eta_t = \eta_0 \, \gamma^{\#\{m_i \,:\, m_i \le t\}}

    Parameters
    ----------
    base_lr : float
        :math:`\eta_0`.
    milestones : sequence of int
        Non-negative integer steps :math:`m_i`, in any order, repeats allowed (as PyTorch's
        ``Counter``).
    gamma : float, default 0.1
        :math:`\gamma > 0`.

    Returns
    -------
    callable
        ``t -> lr``.

    Raises
    ------
    ValueError
        A milestone that is not a non-negative integer; a bad ``base_lr`` or ``gamma``.

    Examples
    --------
    >>> f = multistep_decay(1.0, [2, 4, 4], gamma=0.5)
    >>> [f(t) for t in range(6)]
    [1.0, 1.0, 0.5, 0.5, 0.125, 0.125]
    """
    check_lr(base_lr)
    _gamma(gamma)
    ms = sorted(check_int("milestone", m, 0) for m in milestones)

    def schedule(t: float) -> float:
        check_step(t)
        return base_lr * gamma ** bisect_right(ms, t)

    return schedule


def exponential_decay(base_lr: float, gamma: float) -> Schedule:
    r"""Exponential decay (指数衰减).

    .. math:: \eta_t = \eta_0 \, \gamma^{t}

    Parameters
    ----------
    base_lr : float
        :math:`\eta_0`.
    gamma : float
        :math:`\gamma > 0`; values above 1 grow the rate (a learning-rate range test).

    Returns
    -------
    callable
        ``t -> lr``.

    Raises
    ------
    ValueError
        ``gamma`` not finite and positive; a negative ``base_lr``.

    Examples
    --------
    >>> f = exponential_decay(1.0, 0.5)
    >>> [f(t) for t in range(4)]
    [1.0, 0.5, 0.25, 0.125]
    """
    check_lr(base_lr)
    _gamma(gamma)

    def schedule(t: float) -> float:
        check_step(t)
        return base_lr * gamma**t

    return schedule
