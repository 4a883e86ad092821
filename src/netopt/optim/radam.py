r"""RAdam: Adam whose adaptive step is switched on once its variance is tractable (Liu 2020)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._common import direction, lerp
from ._torch_flags import check_torch_flags
from .adam import ADAM_CHECKS
from .optimizer import Optimizer


def radam(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict[str, Any],
    *,
    lr: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    decoupled_weight_decay: bool = False,
    maximize: bool = False,
) -> dict[str, Any]:
    r"""One RAdam step, in place on ``param`` and ``state``.

    .. math::

        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2 \\
        \rho_\infty &= \frac{2}{1-\beta_2} - 1, \qquad
        \rho_t = \rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t} \\
        r_t &= \sqrt{\frac{(\rho_t-4)(\rho_t-2)\rho_\infty}
                          {(\rho_\infty-4)(\rho_\infty-2)\rho_t}} \\
        \theta_t &= \theta_{t-1} - \alpha \frac{m_t}{1-\beta_1^t}\cdot
            \begin{cases} r_t \dfrac{\sqrt{1-\beta_2^t}}{\sqrt{v_t}+\varepsilon}
            & \rho_t > 5 \\ 1 & \text{otherwise} \end{cases}

    Symbols: :math:`\alpha` = ``lr``, :math:`\beta_{1,2}` = ``betas``; :math:`g_t` is the
    (signed, L2-decayed) gradient, or the parameter is first scaled by
    :math:`1-\alpha\lambda` with ``decoupled_weight_decay``. State: ``step``, ``exp_avg``,
    ``exp_avg_sq``.

    Parameters
    ----------
    param : numpy.ndarray
        Overwritten with :math:`\theta_t`.
    grad : numpy.ndarray
        Not modified.
    state : dict
        Empty before the first step; updated in place.
    lr, beta1, beta2, eps, weight_decay : float
    decoupled_weight_decay, maximize : bool

    Returns
    -------
    dict
        ``state``.

    References
    ----------
    L. Liu et al., "On the Variance of the Adaptive Learning Rate and Beyond", ICLR 2020.
    PyTorch, ``torch/optim/radam.py`` (``_single_tensor_radam``).

    Examples
    --------
    >>> theta, state = np.array([1.0]), {}
    >>> _ = radam(theta, np.array([3.0]), state, lr=0.1)
    >>> theta                      # rho_1 <= 5: plain bias-corrected momentum, 0.1 * 3
    array([0.7])
    """
    if "exp_avg" not in state:
        state["step"] = 0.0
        state["exp_avg"] = np.zeros_like(param)
        state["exp_avg_sq"] = np.zeros_like(param)
    state["step"] += 1
    step = state["step"]
    if weight_decay != 0 and decoupled_weight_decay:
        param *= 1 - lr * weight_decay
        d = direction(param, grad, 0.0, maximize)
    else:
        d = direction(param, grad, weight_decay, maximize)
    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
    lerp(exp_avg, d, 1 - beta1)
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * (d * d)
    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    corrected = exp_avg / bias_correction1
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
    if rho_t > 5.0:
        rect = (
            (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
        ) ** 0.5
        adaptive = (bias_correction2**0.5) / (np.sqrt(exp_avg_sq) + eps)
        param -= corrected * lr * adaptive * rect
    else:
        param -= corrected * lr
    return state


class RAdam(Optimizer):
    r"""RAdam (``torch.optim.RAdam``); each step applies :func:`radam` (equations and
    symbols there) to every parameter with a gradient.

    Parameters
    ----------
    params : iterable of Tensor or of dicts
    lr : float, default 1e-3
    betas : tuple of float, default (0.9, 0.999)
    eps : float, default 1e-8
    weight_decay : float, default 0
    decoupled_weight_decay : bool, default False
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
    _state_keys = frozenset({"step", "exp_avg", "exp_avg_sq"})
    _kernel = staticmethod(radam)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_torch_flags(type(self).__name__, capturable=capturable, differentiable=differentiable)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _hyperparameters(self, group: Any) -> dict[str, Any]:
        hp = self._from_defaults(group, skip=("betas",))
        hp["beta1"], hp["beta2"] = (float(beta) for beta in group["betas"])
        return hp
