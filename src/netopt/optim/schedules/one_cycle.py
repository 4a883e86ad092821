r"""The 1cycle policy (Smith & Topin 2017) as pure functions of the step.

The rate climbs from :math:`\eta_{\max}/d` to :math:`\eta_{\max}` over the first
``pct_start`` of the run, then anneals to :math:`\eta_{\max}/(d \cdot d_f)`; momentum moves
the opposite way. :func:`one_cycle_interpolate` is the shared inner formula, written in
PyTorch's operation order, that :class:`~netopt.optim.lr_scheduler.OneCycleLR` also calls.
"""

from __future__ import annotations

import math
from typing import Any

from ..._validate import is_real
from ._validate import Schedule, check_factor, check_int, check_lr, check_step

__all__ = [
    "one_cycle",
    "one_cycle_anneal",
    "one_cycle_interpolate",
    "one_cycle_momentum",
    "one_cycle_phases",
]

_ANNEAL = ("cos", "linear")


def one_cycle_anneal(strategy: Any, start: float, end: float, pct: float) -> float:
    r"""Anneal from ``start`` to ``end`` as ``pct`` goes from 0 to 1 (the ``anneal`` of
    :func:`one_cycle_interpolate`).

    Parameters
    ----------
    strategy : {"cos", "linear"} or callable
        A callable ``f(start, end, pct)`` is called (torch's legacy ``anneal_func``).
    start, end, pct : float

    Returns
    -------
    float

    Examples
    --------
    >>> one_cycle_anneal("linear", 1.0, 0.0, 0.25)
    0.75
    """
    if callable(strategy):
        return strategy(start, end, pct)
    if strategy == "cos":
        return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
    return (end - start) * pct + start


def one_cycle_phases(
    total_steps: int, pct_start: float = 0.3, three_phase: bool = False
) -> list[tuple[float, int, int]]:
    r"""Return the phases ``(end_step, start_key, end_key)`` of a 1cycle run, as PyTorch.

    Keys index ``(initial, peak, final)``: two phases go initial -> peak -> final, ending at
    steps :math:`p T - 1` and :math:`T - 1`; three phases go initial -> peak -> initial ->
    final, ending at :math:`p T - 1`, :math:`2 p T - 2` and :math:`T - 1`.

    Parameters
    ----------
    total_steps : int
        :math:`T`, a positive integer.
    pct_start : float, default 0.3
        :math:`p \in [0, 1]`, a float as in PyTorch.
    three_phase : bool, default False

    Returns
    -------
    list of (float, int, int)

    Raises
    ------
    ValueError
        ``Expected positive integer total_steps, but got 0``; ``Expected float between 0
        and 1 pct_start, but got 2``; a phase of zero length (PyTorch then divides by zero
        when a step lands in it, e.g. ``pct_start * total_steps == 1``).

    Examples
    --------
    >>> one_cycle_phases(10, 0.3)
    [(2.0, 0, 1), (9, 1, 2)]
    """
    check_int("total_steps", total_steps, 1)
    if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
        raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
    rise = float(pct_start * total_steps) - 1
    if three_phase:
        phases = [(rise, 0, 1), (float(2 * pct_start * total_steps) - 2, 1, 0)]
        phases.append((total_steps - 1, 0, 2))
    else:
        phases = [(rise, 0, 1), (total_steps - 1, 1, 2)]
    start = 0.0
    for end, _, _ in phases:
        if end == start:
            raise ValueError(
                f"1cycle with total_steps={total_steps} and pct_start={pct_start} has a "
                f"phase of zero length ending at step {end}"
            )
        start = end
    return phases


def one_cycle_interpolate(
    t: float,
    phases: list[tuple[float, int, int]],
    values: tuple[float, float, float],
    anneal_strategy: str,
) -> float:
    r"""Evaluate a 1cycle curve at step ``t`` (PyTorch's ``OneCycleLR.get_lr`` loop).

    .. math::
        v = \mathrm{anneal}(v_a, v_b, \tfrac{t - s}{e - s}), \quad
        \mathrm{cos}: v_b + \tfrac{v_a - v_b}{2}(1 + \cos\pi x), \quad
        \mathrm{linear}: (v_b - v_a) x + v_a

    for the first phase :math:`(s, e]` with :math:`t \le e` (the last phase takes the rest).

    Parameters
    ----------
    t : float
        Step.
    phases : list
        From :func:`one_cycle_phases`.
    values : (float, float, float)
        ``(initial, peak, final)``: learning rates, or momenta ``(max, base, max)``.
    anneal_strategy : {"cos", "linear"} or callable
        See :func:`one_cycle_anneal`.

    Returns
    -------
    float

    Examples
    --------
    >>> one_cycle_interpolate(2, one_cycle_phases(10, 0.3), (0.1, 1.0, 0.0), "linear")
    1.0
    """
    start = 0.0
    for i, (end, a, b) in enumerate(phases):
        if t <= end or i == len(phases) - 1:
            return one_cycle_anneal(
                anneal_strategy, values[a], values[b], (t - start) / (end - start)
            )
        start = end
    raise ValueError("one_cycle_interpolate needs at least one phase")


def _check_common(total_steps: int, anneal_strategy: str) -> None:
    check_int("total_steps", total_steps, 1)
    if anneal_strategy not in _ANNEAL:
        raise ValueError(
            f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
        )


def _check_t(t: float, total_steps: int) -> None:
    check_step(t)
    if t > total_steps:
        raise ValueError(
            f"Tried to step {t} times. The specified number of total steps is {total_steps}"
        )


def one_cycle(
    max_lr: float,
    total_steps: int,
    *,
    pct_start: float = 0.3,
    anneal_strategy: str = "cos",
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    three_phase: bool = False,
) -> Schedule:
    r"""The 1cycle learning rate (PyTorch's ``OneCycleLR`` for one group).

    .. math::
        \eta_{\text{init}} = \eta_{\max} / d, \qquad
        \eta_{\text{final}} = \eta_{\text{init}} / d_f

    and the rate anneals :math:`\eta_{\text{init}} \to \eta_{\max}` over steps
    :math:`[0, pT-1]`, then :math:`\eta_{\max} \to \eta_{\text{final}}` until :math:`T - 1`
    (see :func:`one_cycle_interpolate`).

    Parameters
    ----------
    max_lr : float
        :math:`\eta_{\max}`.
    total_steps : int
        :math:`T`; steps ``0 .. T`` are valid, as PyTorch.
    pct_start : float, default 0.3
        :math:`p`, fraction of the run spent rising.
    anneal_strategy : {"cos", "linear"}, default "cos"
    div_factor : float, default 25.0
        :math:`d > 0`.
    final_div_factor : float, default 1e4
        :math:`d_f > 0`.
    three_phase : bool, default False
        Go back down to :math:`\eta_{\text{init}}` symmetrically before the final anneal.

    Returns
    -------
    callable
        ``t -> lr`` for :math:`0 \le t \le T`.

    Raises
    ------
    ValueError
        Bad arguments (see :func:`one_cycle_phases`); when called, ``Tried to step 11 times.
        The specified number of total steps is 10``.

    References
    ----------
    L. N. Smith, N. Topin, "Super-Convergence: Very Fast Training of Neural Networks Using
    Large Learning Rates", arXiv:1708.07120.

    Examples
    --------
    >>> f = one_cycle(1.0, 10, anneal_strategy="linear", div_factor=10.0)
    >>> [round(f(t), 6) for t in (0, 1, 2, 9)]
    [0.1, 0.55, 1.0, 1e-05]
    """
    check_lr(max_lr, "max_lr")
    _check_common(total_steps, anneal_strategy)
    phases = one_cycle_phases(total_steps, pct_start, three_phase)
    check_factor("div_factor", div_factor, 0.0, math.inf, open_low=True)
    check_factor("final_div_factor", final_div_factor, 0.0, math.inf, open_low=True)
    initial = max_lr / div_factor
    values = (initial, max_lr, initial / final_div_factor)

    def schedule(t: float) -> float:
        _check_t(t, total_steps)
        return one_cycle_interpolate(t, phases, values, anneal_strategy)

    return schedule


def one_cycle_momentum(
    total_steps: int,
    *,
    base_momentum: float = 0.85,
    max_momentum: float = 0.95,
    pct_start: float = 0.3,
    anneal_strategy: str = "cos",
    three_phase: bool = False,
) -> Schedule:
    r"""The momentum that 1cycle cycles inversely to the rate (``cycle_momentum=True``).

    .. math:: \beta: \beta_{\max} \to \beta_{\text{base}} \to \beta_{\max}

    over the same phases as :func:`one_cycle` (three phases: max -> base -> max -> max).

    Parameters
    ----------
    total_steps : int
    base_momentum : float, default 0.85
        Momentum at the peak learning rate.
    max_momentum : float, default 0.95
        Momentum at the start and end.
    pct_start : float, default 0.3
    anneal_strategy : {"cos", "linear"}, default "cos"
    three_phase : bool, default False

    Returns
    -------
    callable
        ``t -> momentum`` (``betas[0]`` for Adam-type optimizers).

    Raises
    ------
    ValueError
        Non-finite momenta; see :func:`one_cycle`.

    Examples
    --------
    >>> f = one_cycle_momentum(10, anneal_strategy="linear")
    >>> [round(f(t), 6) for t in (0, 2, 9)]
    [0.95, 0.85, 0.95]
    """
    _check_common(total_steps, anneal_strategy)
    phases = one_cycle_phases(total_steps, pct_start, three_phase)
    for name, value in (("base_momentum", base_momentum), ("max_momentum", max_momentum)):
        if not is_real(value):
            raise ValueError(f"Invalid {name}: {value}")
    values = (max_momentum, base_momentum, max_momentum)

    def schedule(t: float) -> float:
        _check_t(t, total_steps)
        return one_cycle_interpolate(t, phases, values, anneal_strategy)

    return schedule
