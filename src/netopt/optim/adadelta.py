r"""Adadelta: steps scaled by the ratio of two running root-mean-squares (Zeiler 2012)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._common import _nonnegative, direction
from ._torch_flags import check_torch_flags
from .optimizer import Optimizer


def adadelta(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict[str, Any],
    *,
    lr: float,
    rho: float = 0.9,
    eps: float = 1e-6,
    weight_decay: float = 0.0,
    maximize: bool = False,
) -> dict[str, Any]:
    r"""One Adadelta step, in place on ``param`` and ``state``.

    .. math::

        g_t &= \pm\nabla_\theta J(\theta_{t-1}) + \lambda\,\theta_{t-1} \\
        v_t &= \rho\, v_{t-1} + (1-\rho)\, g_t^2 \\
        \Delta_t &= \frac{\sqrt{u_{t-1} + \varepsilon}}{\sqrt{v_t + \varepsilon}}\, g_t \\
        u_t &= \rho\, u_{t-1} + (1-\rho)\, \Delta_t^2 \\
        \theta_t &= \theta_{t-1} - \alpha\, \Delta_t

    Symbols: :math:`\alpha` = ``lr``, :math:`\rho` = ``rho``, :math:`\varepsilon` = ``eps``,
    :math:`\lambda` = ``weight_decay``, :math:`v` = ``state["square_avg"]``, :math:`u` =
    ``state["acc_delta"]``, :math:`t` = ``state["step"]``.

    Parameters
    ----------
    param : numpy.ndarray
        :math:`\theta_{t-1}`; overwritten with :math:`\theta_t`.
    grad : numpy.ndarray
        Not modified.
    state : dict
        Empty before the first step; updated in place.
    lr, rho, eps, weight_decay : float
    maximize : bool

    Returns
    -------
    dict
        ``state``.

    References
    ----------
    M. D. Zeiler, "ADADELTA: An Adaptive Learning Rate Method", 2012. PyTorch,
    ``torch/optim/adadelta.py`` (``_single_tensor_adadelta``), whose order of operations
    this follows.

    Examples
    --------
    >>> theta, state = np.array([1.0]), {}
    >>> _ = adadelta(theta, np.array([2.0]), state, lr=1.0, eps=1e-6)
    >>> round(float(theta[0]), 6)    # sqrt(eps) / sqrt(0.1 * 4 + eps) * 2 ~ 0.00316
    0.996838
    """
    if "square_avg" not in state:
        state["step"] = 0.0
        state["square_avg"] = np.zeros_like(param)
        state["acc_delta"] = np.zeros_like(param)
    state["step"] += 1
    d = direction(param, grad, weight_decay, maximize)
    square_avg, acc_delta = state["square_avg"], state["acc_delta"]
    square_avg *= rho
    square_avg += (1 - rho) * (d * d)
    std = np.sqrt(square_avg + eps)
    delta = np.sqrt(acc_delta + eps)
    delta /= std
    delta *= d
    acc_delta *= rho
    acc_delta += (1 - rho) * (delta * delta)
    param -= lr * delta
    return state


class Adadelta(Optimizer):
    r"""Adadelta (``torch.optim.Adadelta``); each step applies :func:`adadelta` (equations
    and symbols there) to every parameter with a gradient.

    Parameters
    ----------
    params : iterable of Tensor or of dicts
    lr : float, default 1.0
    rho : float, default 0.9
        In [0, 1].
    eps : float, default 1e-6
    weight_decay : float, default 0
    maximize : bool, default False, keyword-only
    foreach, fused, capturable, differentiable : keyword-only
        torch's implementation flags (:mod:`netopt.optim._torch_flags`): ``foreach`` and
        the False defaults change nothing; ``True`` raises where netopt cannot honour it.

    Raises
    ------
    ValueError
        For an invalid hyperparameter, with torch's message.
    """

    _checks = (
        (_nonnegative("lr"), "Invalid learning rate: {lr}"),
        (lambda g: 0.0 <= g["rho"] <= 1.0, "Invalid rho value: {rho}"),
        (_nonnegative("eps"), "Invalid epsilon value: {eps}"),
        (_nonnegative("weight_decay"), "Invalid weight_decay value: {weight_decay}"),
    )
    _state_keys = frozenset({"step", "square_avg", "acc_delta"})
    _kernel = staticmethod(adadelta)
    _hyperparameters = Optimizer._from_defaults

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_torch_flags(type(self).__name__, capturable=capturable, differentiable=differentiable)
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
