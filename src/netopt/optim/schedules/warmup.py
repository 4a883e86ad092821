r"""Factor schedules: constant and linear warm-up factors, and a user-given factor."""

from __future__ import annotations

from collections.abc import Callable

from ._validate import Schedule, check_factor, check_int, check_lr, check_step

__all__ = ["constant", "lambda_schedule", "linear"]

_CONSTANT_FACTOR = "Constant multiplicative factor expected to be between 0 and 1."
_START_FACTOR = (
    "Starting multiplicative factor expected to be greater than 0 and less or equal to 1."
)
_END_FACTOR = "Ending multiplicative factor expected to be between 0 and 1."


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
    check_factor("factor", factor, 0.0, 1.0, message=_CONSTANT_FACTOR)
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
    check_factor("start_factor", start_factor, 0.0, 1.0, open_low=True, message=_START_FACTOR)
    check_factor("end_factor", end_factor, 0.0, 1.0, message=_END_FACTOR)
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
