r"""Cosine annealing (余弦退火) and its warm-restart variant (SGDR), as pure functions.

Both share one formula, :func:`cosine_value`, written with PyTorch's operation order so that
:class:`~netopt.optim.lr_scheduler.CosineAnnealingWarmRestarts` (which evaluates it directly)
matches PyTorch bit for bit.
"""

from __future__ import annotations

import math

from ..._validate import is_int
from ._validate import Schedule, check_factor, check_int, check_lr, check_step

__all__ = ["cosine_annealing", "cosine_value", "cosine_warm_restarts", "warm_restart_position"]


def cosine_value(base_lr: float, eta_min: float, t: float, period: float) -> float:
    r"""Half-cosine interpolation from ``base_lr`` (at 0) to ``eta_min`` (at ``period``).

    .. math::
        \eta = \eta_{\min} + (\eta_{\max} - \eta_{\min})\,
               \frac{1 + \cos(\pi t / T)}{2}

    Parameters
    ----------
    base_lr : float
        :math:`\eta_{\max}`.
    eta_min : float
        :math:`\eta_{\min}`.
    t : float
        Position :math:`t` in the cycle.
    period : float
        Half-period :math:`T > 0`.

    Returns
    -------
    float

    Notes
    -----
    No validation: this is the inner formula of the validated factories below.

    Examples
    --------
    >>> cosine_value(1.0, 0.0, 0, 4), cosine_value(1.0, 0.0, 2, 4), cosine_value(1.0, 0.0, 4, 4)
    (1.0, 0.5, 0.0)
    """
    return eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * t / period)) / 2


def cosine_annealing(base_lr: float, T_max: float, eta_min: float = 0.0) -> Schedule:
    r"""Cosine annealing without restarts, periodic past ``T_max`` (as PyTorch).

    .. math::
        \eta_t = \eta_{\min} + \tfrac12(\eta_0 - \eta_{\min})
                 \left(1 + \cos\frac{\pi t}{T_{\max}}\right)

    Parameters
    ----------
    base_lr : float
        :math:`\eta_0`, the rate at :math:`t = 0` (and again at :math:`t = 2T_{\max}`).
    T_max : float
        :math:`T_{\max} > 0`, the step at which :math:`\eta_{\min}` is reached.
    eta_min : float, default 0.0
        :math:`\eta_{\min} \ge 0`.

    Returns
    -------
    callable
        ``t -> lr``.

    Raises
    ------
    ValueError
        ``T_max`` not positive; a negative ``base_lr`` or ``eta_min``.

    Notes
    -----
    The cosine keeps going past :math:`T_{\max}`: the rate climbs back to :math:`\eta_0` at
    :math:`2T_{\max}` (PyTorch's ``CosineAnnealingLR`` does the same; for restarts use
    :func:`cosine_warm_restarts`).

    Examples
    --------
    >>> f = cosine_annealing(1.0, T_max=2)
    >>> [round(f(t), 12) for t in range(5)]
    [1.0, 0.5, 0.0, 0.5, 1.0]
    """
    check_lr(base_lr)
    check_factor("T_max", T_max, 0.0, math.inf, open_low=True)
    check_lr(eta_min, "eta_min")

    def schedule(t: float) -> float:
        check_step(t)
        return cosine_value(base_lr, eta_min, t, T_max)

    return schedule


def warm_restart_position(t: float, T_0: int, T_mult: int = 1) -> tuple[float, int]:
    r"""Locate step ``t`` in SGDR's cycles: return :math:`(T_{cur}, T_i)`.

    Cycle :math:`i` lasts :math:`T_i = T_0 T_{mult}^i` steps and starts at
    :math:`S_i = T_0 (T_{mult}^i - 1)/(T_{mult} - 1)` (:math:`S_i = i T_0` when
    :math:`T_{mult} = 1`); :math:`T_{cur} = t - S_i` for the :math:`i` with
    :math:`S_i \le t < S_{i+1}`.

    Parameters
    ----------
    t : float
        Step, fractional allowed, :math:`\ge 0`.
    T_0 : int
        Length of the first cycle, a positive integer.
    T_mult : int, default 1
        Growth of the cycle length, an integer :math:`\ge 1`.

    Returns
    -------
    (float, int)
        :math:`T_{cur}` (steps since the last restart) and :math:`T_i` (current cycle length).

    Raises
    ------
    ValueError
        Bad ``T_0``, ``T_mult`` or a negative ``t``.

    Notes
    -----
    PyTorch's ``step(epoch)`` finds the cycle with a floating-point logarithm,
    ``int(math.log(t / T_0 * (T_mult - 1) + 1, T_mult))``, which rounds down at some exact
    restart points (``T_0=1, T_mult=3, t=121``: ``log(243, 3) = 4.999...``) and then returns
    :math:`\eta_{\min}` where its own step-by-step ``step()`` returns the restart rate. Here the
    cycle boundaries are summed in exact integer arithmetic, so ``step(epoch)`` agrees with
    ``step()`` everywhere and with PyTorch wherever PyTorch's logarithm is exact.

    Examples
    --------
    >>> [warm_restart_position(t, 2, 2) for t in (0, 1.5, 2, 5.5, 6)]
    [(0, 2), (1.5, 2), (0, 4), (3.5, 4), (0, 8)]
    """
    check_int("T_0", T_0, 1)
    if not is_int(T_mult) or T_mult < 1:
        raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult}")
    check_step(t)
    if t < T_0:
        return t, T_0
    if T_mult == 1:
        return t % T_0, T_0
    start, length = 0, T_0
    while t >= start + length:
        start += length
        length *= T_mult
    return t - start, length


def cosine_warm_restarts(
    base_lr: float, T_0: int, T_mult: int = 1, eta_min: float = 0.0
) -> Schedule:
    r"""Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter 2017).

    .. math::
        \eta_t = \eta_{\min} + \tfrac12(\eta_0 - \eta_{\min})
                 \left(1 + \cos\frac{\pi T_{cur}}{T_i}\right)

    with :math:`(T_{cur}, T_i)` = :func:`warm_restart_position` ``(t, T_0, T_mult)``.

    Parameters
    ----------
    base_lr : float
        :math:`\eta_0`, the rate at every restart.
    T_0 : int
        Steps until the first restart, a positive integer.
    T_mult : int, default 1
        Factor by which each cycle is longer than the previous, an integer :math:`\ge 1`.
    eta_min : float, default 0.0
        :math:`\eta_{\min} \ge 0`.

    Returns
    -------
    callable
        ``t -> lr``, fractional ``t`` allowed (``epoch + batch / n_batches``).

    Raises
    ------
    ValueError
        ``Expected positive integer T_0, but got 0``; ``Expected integer T_mult >= 1, but
        got 0``; a negative ``eta_min`` or ``base_lr``.

    References
    ----------
    I. Loshchilov, F. Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts",
    ICLR 2017.

    Examples
    --------
    >>> f = cosine_warm_restarts(1.0, T_0=2, T_mult=2)
    >>> [round(f(t), 12) for t in (0, 1, 2, 3, 4, 5, 6)]
    [1.0, 0.5, 1.0, 0.853553390593, 0.5, 0.146446609407, 1.0]
    """
    check_lr(base_lr)
    warm_restart_position(0, T_0, T_mult)
    check_lr(eta_min, "eta_min")

    def schedule(t: float) -> float:
        t_cur, t_i = warm_restart_position(t, T_0, T_mult)
        return cosine_value(base_lr, eta_min, t_cur, t_i)

    return schedule
