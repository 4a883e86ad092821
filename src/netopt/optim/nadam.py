r"""NAdam: Adam with Nesterov momentum and a momentum schedule (Dozat 2016)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._common import _nonnegative, direction, lerp
from ._torch_flags import check_torch_flags
from .adam import ADAM_CHECKS
from .optimizer import Optimizer


def nadam(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict[str, Any],
    *,
    lr: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum_decay: float = 4e-3,
    decoupled_weight_decay: bool = False,
    maximize: bool = False,
) -> dict[str, Any]:
    r"""One NAdam step, in place on ``param`` and ``state``.

    .. math::

        \mu_t &= \beta_1 \bigl(1 - \tfrac12\, 0.96^{t\psi}\bigr), \qquad
        \Pi_t = \textstyle\prod_{i \le t} \mu_i \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2 \\
        d_t &= \sqrt{v_t / (1-\beta_2^t)} + \varepsilon \\
        \theta_t &= \theta_{t-1} - \alpha\,\frac{1-\mu_t}{1-\Pi_t}\,\frac{g_t}{d_t}
                   - \alpha\,\frac{\mu_{t+1}}{1-\Pi_t\mu_{t+1}}\,\frac{m_t}{d_t}

    Symbols: :math:`\alpha` = ``lr``, :math:`\beta_{1,2}` = ``betas``, :math:`\psi` =
    ``momentum_decay``; :math:`g_t` is the (signed, L2-decayed) gradient; with
    ``decoupled_weight_decay`` the parameter is first scaled by :math:`1-\alpha\lambda`
    instead. State: ``step``, ``mu_product`` (:math:`\Pi`, a float rounded to float32 after
    every product, as torch keeps it in a float32 scalar tensor), ``exp_avg``,
    ``exp_avg_sq``.

    Parameters
    ----------
    param : numpy.ndarray
        Overwritten with :math:`\theta_t`.
    grad : numpy.ndarray
        Not modified.
    state : dict
        Empty before the first step; updated in place.
    lr, beta1, beta2, eps, weight_decay, momentum_decay : float
    decoupled_weight_decay, maximize : bool

    Returns
    -------
    dict
        ``state``.

    References
    ----------
    T. Dozat, "Incorporating Nesterov Momentum into Adam", ICLR workshop 2016. PyTorch,
    ``torch/optim/nadam.py`` (``_single_tensor_nadam``).

    Examples
    --------
    >>> theta, state = np.array([1.0]), {}
    >>> _ = nadam(theta, np.array([1.0]), state, lr=0.1)
    >>> round(float(theta[0]), 4)
    0.8944
    """
    if "exp_avg" not in state:
        state["step"] = 0.0
        state["mu_product"] = 1.0
        state["exp_avg"] = np.zeros_like(param)
        state["exp_avg_sq"] = np.zeros_like(param)
    state["step"] += 1
    step = state["step"]
    bias_correction2 = 1 - beta2**step
    if weight_decay != 0 and decoupled_weight_decay:
        param *= 1 - lr * weight_decay
        d = direction(param, grad, 0.0, maximize)
    else:
        d = direction(param, grad, weight_decay, maximize)
    mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
    mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
    # torch keeps mu_product as a float32 scalar tensor (the default scalar dtype)
    mu_product = state["mu_product"] = float(np.float32(state["mu_product"]) * np.float32(mu))
    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
    lerp(exp_avg, d, 1 - beta1)
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * (d * d)
    denom = np.sqrt(exp_avg_sq / bias_correction2)
    denom += eps
    mu_product_next = mu_product * mu_next
    param += (-lr * (1.0 - mu) / (1.0 - mu_product)) * (d / denom)
    param += ((-lr * mu_next) / (1.0 - mu_product_next)) * (exp_avg / denom)
    return state


class NAdam(Optimizer):
    r"""NAdam (``torch.optim.NAdam``); each step applies :func:`nadam` (equations and
    symbols there) to every parameter with a gradient.

    Parameters
    ----------
    params : iterable of Tensor or of dicts
    lr : float, default 2e-3
    betas : tuple of float, default (0.9, 0.999)
    eps : float, default 1e-8
    weight_decay : float, default 0
    momentum_decay : float, default 4e-3
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

    _checks = (
        *ADAM_CHECKS,
        (_nonnegative("momentum_decay"), "Invalid momentum_decay value: {momentum_decay}"),
    )
    _state_keys = frozenset({"step", "mu_product", "exp_avg", "exp_avg_sq"})
    _kernel = staticmethod(nadam)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
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
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _load_entry(self, key: Any, param: Any, entry: Any) -> dict[str, Any]:
        """The base class's checks for the arrays and ``step``; ``mu_product`` is a float."""
        if not isinstance(entry, dict) or "mu_product" not in entry:
            return super()._load_entry(key, param, entry)
        rest = {k: v for k, v in entry.items() if k != "mu_product"}
        out = super()._load_entry(key, param, rest)
        mu_product = float(getattr(entry["mu_product"], "data", entry["mu_product"]))
        if not 0.0 < mu_product <= 1.0:
            raise ValueError(f"loaded state for parameter {key!r} has mu_product {mu_product}")
        out["mu_product"] = mu_product
        return out

    def _hyperparameters(self, group: Any) -> dict[str, Any]:
        hp = self._from_defaults(group, skip=("betas",))
        hp["beta1"], hp["beta2"] = (float(beta) for beta in group["betas"])
        return hp
