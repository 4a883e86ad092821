r"""Learning-rate schedules as pure ``step -> lr`` functions (the chapter's 有序调整).

The chapter (学习率的动态调整) lists three ways to adapt the learning rate: 1) on a fixed
plan, "等间隔调整、指数衰减、余弦退火" (step decay, exponential decay, cosine annealing);
2) from monitored performance (:class:`~netopt.optim.lr_scheduler.ReduceLROnPlateau`);
3) per parameter group (every scheduler acts on each ``param_group`` with its own base lr).
This module is the first kind: each factory validates its arguments when it is built and
returns a function of the step :math:`t \ge 0` (an epoch or a batch count; fractional
steps are allowed) to a learning rate.

Closed form versus PyTorch's recursion
--------------------------------------
These functions are the *closed forms*, written with exactly the expressions of PyTorch's
``_get_closed_form_lr`` so that they agree with ``scheduler.step(epoch)`` bit for bit.
PyTorch's scheduler classes instead update ``group["lr"]`` *recursively* (chainable form,
``lr_t = lr_{t-1} * ratio_t``), which differs from the closed form by float rounding
(about 1e-16 relative per step). :mod:`netopt.optim.lr_scheduler` reproduces PyTorch's
recursion so that its sequences are PyTorch's to the last bit, and the test suite checks
that recursion against these closed forms to 1e-12 relative over 60 steps.

=====================  ==========================  ===========================
function               scheduler class             class's step-by-step form
=====================  ==========================  ===========================
step_decay             StepLR                      recursive (``lr *= gamma``)
multistep_decay        MultiStepLR                 recursive
exponential_decay      ExponentialLR               recursive
constant               ConstantLR                  recursive
linear                 LinearLR                    recursive
cosine_annealing       CosineAnnealingLR           recursive
cosine_warm_restarts   CosineAnnealingWarmRestarts closed form (this function)
one_cycle              OneCycleLR                  closed form (this function)
lambda_schedule        LambdaLR                    closed form (this function)
sequence               SequentialLR                per stage, as above
chain                  ChainedScheduler            product of the stages
=====================  ==========================  ===========================
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence

from .schedule_compose import chain, sequence
from .schedule_cosine import cosine_annealing, cosine_warm_restarts, warm_restart_position
from .schedule_one_cycle import one_cycle, one_cycle_momentum
from .schedule_validate import (
    Schedule,
    check_factor,
    check_int,
    check_lr,
    check_step,
)

__all__ = [
    "Schedule",
    "chain",
    "constant",
    "cosine_annealing",
    "cosine_warm_restarts",
    "exponential_decay",
    "lambda_schedule",
    "linear",
    "multistep_decay",
    "one_cycle",
    "one_cycle_momentum",
    "sequence",
    "step_decay",
    "warm_restart_position",
]


CONSTANT_FACTOR = "Constant multiplicative factor expected to be between 0 and 1."
START_FACTOR = (
    "Starting multiplicative factor expected to be greater than 0 and less or equal to 1."
)
END_FACTOR = "Ending multiplicative factor expected to be between 0 and 1."


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


def constant(base_lr: float, factor: float = 1.0 / 3, total_iters: int = 5) -> Schedule:
    r"""Scale by ``factor`` for the first ``total_iters`` steps, then use ``base_lr``.

    .. math:: \eta_t = \eta_0 \left(f + [t \ge T]\,(1 - f)\right)

    Parameters
    ----------
    base_lr : float
        :math:`\eta_0`.
    factor : float, default 1/3
        :math:`f \in [0, 1]`.
    total_iters : int, default 5
        :math:`T`, a positive integer.

    Returns
    -------
    callable
        ``t -> lr``.

    Raises
    ------
    ValueError
        ``factor`` outside :math:`[0, 1]`; ``total_iters`` not a positive integer.

    Examples
    --------
    >>> f = constant(1.0, factor=0.25, total_iters=2)
    >>> [f(t) for t in range(4)]
    [0.25, 0.25, 1.0, 1.0]
    """
    check_lr(base_lr)
    check_factor("factor", factor, 0.0, 1.0, message=CONSTANT_FACTOR)
    check_int("total_iters", total_iters, 1)

    def schedule(t: float) -> float:
        check_step(t)
        return base_lr * (factor + (t >= total_iters) * (1 - factor))

    return schedule


def linear(
    base_lr: float, start_factor: float = 1.0 / 3, end_factor: float = 1.0, total_iters: int = 5
) -> Schedule:
    r"""Linear warm-up (or decay) of the factor from ``start_factor`` to ``end_factor``.

    .. math:: \eta_t = \eta_0 \left(f_s + (f_e - f_s)\,\frac{\min(t, T)}{T}\right)

    Parameters
    ----------
    base_lr : float
        :math:`\eta_0`.
    start_factor : float, default 1/3
        :math:`f_s \in (0, 1]`.
    end_factor : float, default 1.0
        :math:`f_e \in [0, 1]`.
    total_iters : int, default 5
        :math:`T`, a positive integer: the step at which :math:`f_e` is reached.

    Returns
    -------
    callable
        ``t -> lr``.

    Raises
    ------
    ValueError
        A factor out of range; ``total_iters`` not a positive integer.

    Examples
    --------
    >>> f = linear(1.0, start_factor=0.25, end_factor=1.0, total_iters=3)
    >>> [f(t) for t in range(5)]
    [0.25, 0.5, 0.75, 1.0, 1.0]
    """
    check_lr(base_lr)
    check_factor("start_factor", start_factor, 0.0, 1.0, open_low=True, message=START_FACTOR)
    check_factor("end_factor", end_factor, 0.0, 1.0, message=END_FACTOR)
    check_int("total_iters", total_iters, 1)

    def schedule(t: float) -> float:
        check_step(t)
        return base_lr * (
            start_factor + (end_factor - start_factor) * min(total_iters, t) / total_iters
        )

    return schedule


def lambda_schedule(base_lr: float, lr_lambda: Callable[[int], float]) -> Schedule:
    r"""Scale ``base_lr`` by a user function of the step (PyTorch's ``LambdaLR``).

    .. math:: \eta_t = \eta_0 \, \lambda(t)

    Parameters
    ----------
    base_lr : float
        :math:`\eta_0`.
    lr_lambda : callable
        :math:`\lambda`, step -> multiplicative factor.

    Returns
    -------
    callable
        ``t -> lr``.

    Raises
    ------
    TypeError
        ``lr_lambda`` is not callable.

    Examples
    --------
    >>> f = lambda_schedule(2.0, lambda t: 1 / (1 + t))
    >>> [f(t) for t in range(3)]
    [2.0, 1.0, 0.6666666666666666]
    """
    check_lr(base_lr)
    if not callable(lr_lambda):
        raise TypeError(f"lr_lambda must be callable, got {type(lr_lambda).__name__}")

    def schedule(t: float) -> float:
        check_step(t)
        return base_lr * lr_lambda(t)

    return schedule
