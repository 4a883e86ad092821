r"""Rprop: per-coordinate step sizes adapted from the sign of successive gradients
(Riedmiller & Braun 1993)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._common import _nonnegative
from ._torch_flags import check_torch_flags
from .optimizer import Optimizer


def rprop(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict[str, Any],
    *,
    lr: float,
    etaminus: float = 0.5,
    etaplus: float = 1.2,
    step_size_min: float = 1e-6,
    step_size_max: float = 50.0,
    maximize: bool = False,
) -> dict[str, Any]:
    r"""One Rprop step, in place on ``param`` and ``state``.

    .. math::

        s_t = g_t\, g_{t-1}, \quad
        \Delta_t &= \operatorname{clip}\Bigl(\Delta_{t-1} \cdot
            \begin{cases}\eta^+ & s_t > 0\\ \eta^- & s_t < 0\\ 1 & s_t = 0\end{cases},\
            \Delta_\min, \Delta_\max\Bigr) \\
        \tilde g_t &= 0 \text{ where } s_t < 0, \text{ else } g_t \\
        \theta_t &= \theta_{t-1} - \operatorname{sign}(\tilde g_t)\, \Delta_t,
        \qquad g_{t-1} \leftarrow \tilde g_t

    Symbols: :math:`\Delta` = ``state["step_size"]`` (starting at ``lr``),
    :math:`\eta^\mp` = ``etaminus``/``etaplus``, :math:`\Delta_{\min,\max}` =
    ``step_size_min``/``step_size_max``, :math:`g_{t-1}` = ``state["prev"]``.

    Parameters
    ----------
    param : numpy.ndarray
        Overwritten with :math:`\theta_t`.
    grad : numpy.ndarray
        Not modified.
    state : dict
        Empty before the first step; updated in place.
    lr, etaminus, etaplus, step_size_min, step_size_max : float
    maximize : bool

    Returns
    -------
    dict
        ``state``.

    References
    ----------
    M. Riedmiller, H. Braun, "A Direct Adaptive Method for Faster Backpropagation
    Learning: The RPROP Algorithm", ICNN 1993. PyTorch, ``torch/optim/rprop.py``.

    Examples
    --------
    >>> theta, state = np.array([1.0, 1.0]), {}
    >>> _ = rprop(theta, np.array([3.0, -0.1]), state, lr=0.1)
    >>> theta                      # every coordinate moves by lr against its gradient's sign
    array([0.9, 1.1])
    """
    if "prev" not in state:
        state["step"] = 0.0
        state["prev"] = np.zeros_like(param)
        state["step_size"] = np.full_like(grad, lr)
    state["step"] += 1
    g = -grad if maximize else grad
    prev, step_size = state["prev"], state["step_size"]
    sign = np.sign(g * prev)
    factor = np.where(sign > 0, etaplus, np.where(sign < 0, etaminus, 1.0)).astype(param.dtype)
    step_size *= factor
    np.clip(step_size, step_size_min, step_size_max, out=step_size)
    g = np.where(sign < 0, 0, g).astype(param.dtype)
    param -= np.sign(g) * step_size
    prev[...] = g
    return state


def _etas(group: Any) -> bool:
    minus, plus = group["etas"]
    return 0.0 < minus < 1.0 < plus


class Rprop(Optimizer):
    r"""Rprop (``torch.optim.Rprop``); each step applies :func:`rprop` (equations and
    symbols there) to every parameter with a gradient.

    Parameters
    ----------
    params : iterable of Tensor or of dicts
    lr : float, default 1e-2
        The initial step size.
    etas : tuple of float, default (0.5, 1.2)
        :math:`(\eta^-, \eta^+)`, with :math:`0 < \eta^- < 1 < \eta^+`.
    step_sizes : tuple of float, default (1e-6, 50)
        :math:`(\Delta_\min, \Delta_\max)`.
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
        (_etas, "Invalid eta values: {etas[0]}, {etas[1]}"),
    )
    _state_keys = frozenset({"step", "prev", "step_size"})
    _kernel = staticmethod(rprop)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_torch_flags(type(self).__name__, capturable=capturable, differentiable=differentiable)
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "maximize": maximize}
        super().__init__(params, defaults)

    def _hyperparameters(self, group: Any) -> dict[str, Any]:
        etaminus, etaplus = (float(e) for e in group["etas"])
        low, high = (float(s) for s in group["step_sizes"])
        return {
            "lr": float(group["lr"]),
            "etaminus": etaminus,
            "etaplus": etaplus,
            "step_size_min": low,
            "step_size_max": high,
            "maximize": bool(group["maximize"]),
        }
