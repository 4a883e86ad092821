r"""Adamax: Adam with the infinity norm in place of the second moment (Kingma & Ba 2015, §7.1)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._common import direction, lerp
from ._torch_flags import check_torch_flags
from .adam import ADAM_CHECKS
from .optimizer import Optimizer


def adamax(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict[str, Any],
    *,
    lr: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    maximize: bool = False,
) -> dict[str, Any]:
    r"""One Adamax step, in place on ``param`` and ``state``.

    .. math::

        g_t &= \pm\nabla_\theta J(\theta_{t-1}) + \lambda\,\theta_{t-1} \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t \\
        u_t &= \max(\beta_2 u_{t-1},\ |g_t| + \varepsilon) \\
        \theta_t &= \theta_{t-1} - \frac{\alpha}{1-\beta_1^t}\, \frac{m_t}{u_t}

    Symbols: :math:`\alpha` = ``lr``, :math:`\beta_{1,2}` = ``betas``, :math:`m` =
    ``state["exp_avg"]``, :math:`u` = ``state["exp_inf"]``, :math:`t` = ``state["step"]``.

    Parameters
    ----------
    param : numpy.ndarray
        Overwritten with :math:`\theta_t`.
    grad : numpy.ndarray
        Not modified.
    state : dict
        Empty before the first step; updated in place.
    lr, beta1, beta2, eps, weight_decay : float
    maximize : bool

    Returns
    -------
    dict
        ``state``.

    References
    ----------
    Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, section 7.1.
    PyTorch, ``torch/optim/adamax.py`` (``_single_tensor_adamax``).

    Examples
    --------
    >>> theta, state = np.array([1.0]), {}
    >>> _ = adamax(theta, np.array([4.0]), state, lr=0.1, eps=0.0)
    >>> theta                      # the first step is lr in every coordinate
    array([0.9])
    """
    if "exp_avg" not in state:
        state["step"] = 0.0
        state["exp_avg"] = np.zeros_like(param)
        state["exp_inf"] = np.zeros_like(param)
    state["step"] += 1
    d = direction(param, grad, weight_decay, maximize)
    exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
    lerp(exp_avg, d, 1 - beta1)
    exp_inf *= beta2
    np.maximum(exp_inf, np.abs(d) + eps, out=exp_inf)
    clr = lr / (1 - beta1 ** state["step"])
    param -= clr * (exp_avg / exp_inf)
    return state


class Adamax(Optimizer):
    r"""Adamax (``torch.optim.Adamax``); each step applies :func:`adamax` (equations and
    symbols there) to every parameter with a gradient.

    Parameters
    ----------
    params : iterable of Tensor or of dicts
    lr : float, default 2e-3
    betas : tuple of float, default (0.9, 0.999)
    eps : float, default 1e-8
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

    _checks = ADAM_CHECKS
    _state_keys = frozenset({"step", "exp_avg", "exp_inf"})
    _kernel = staticmethod(adamax)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        check_torch_flags(type(self).__name__, capturable=capturable, differentiable=differentiable)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _hyperparameters(self, group: Any) -> dict[str, Any]:
        hp = self._from_defaults(group, skip=("betas",))
        hp["beta1"], hp["beta2"] = (float(beta) for beta in group["betas"])
        return hp
