r"""Adam, momentum and RMSProp with bias correction: the ``adam`` kernel and :class:`Adam`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from numbers import Real
from typing import Any

import numpy as np

from ._common import _nonnegative, adam_state, direction, lerp
from ._fused import fused
from ._torch_flags import check_torch_flags
from .optimizer import Optimizer


def adam(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict[str, Any],
    *,
    lr: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    amsgrad: bool = False,
    maximize: bool = False,
    decoupled_weight_decay: bool = False,
) -> dict[str, Any]:
    r"""One Adam (or AdamW) step, in place on ``param`` and ``state``.

    .. math::

        g_t &= \nabla_\theta J(\theta_{t-1}) \;(+\,\lambda\theta_{t-1}
            \text{ unless decoupled}) \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t
            &&\text{(momentum, eq. 6-23, as a moving average)} \\
        v_t &= \beta_2 v_{t-1} + (1-\beta_2)\, g_t \odot g_t
            &&\text{(RMSProp, eq. 6-30)} \\
        \hat m_t &= \frac{m_t}{1-\beta_1^t}, \quad
        \hat v_t = \frac{v_t}{1-\beta_2^t} \quad
            (v \to \max_{s \le t} v_s \text{ with amsgrad}) \\
        \theta_t &= \theta_{t-1}\,(1 - \alpha\lambda \text{ if decoupled})
            - \alpha\, \frac{\hat m_t}{\sqrt{\hat v_t} + \varepsilon}

    Symbols: :math:`\alpha` = ``lr``, :math:`\beta_1, \beta_2` = ``beta1, beta2``
    (``betas``), :math:`\lambda` = ``weight_decay``, :math:`\varepsilon` = ``eps``; state
    :math:`m` = ``"exp_avg"``, :math:`v` = ``"exp_avg_sq"``, ``"max_exp_avg_sq"``
    (amsgrad), :math:`t` = ``"step"``.

    Parameters
    ----------
    param : numpy.ndarray
        :math:`\theta_{t-1}`; overwritten with :math:`\theta_t`.
    grad : numpy.ndarray
        Not modified.
    state : dict
        Empty before the first step (moments start at zero); updated in place.
    lr, beta1, beta2, eps, weight_decay : float
    amsgrad, maximize, decoupled_weight_decay : bool
        ``decoupled_weight_decay=True`` is AdamW.

    Returns
    -------
    dict
        ``state`` (the same dict).

    Notes
    -----
    The chapter stops at RMSProp; Adam adds its momentum as a moving average of gradients
    and corrects both averages for their zero start. Coupled ``weight_decay`` (Adam) adds
    :math:`\lambda\theta` to the gradient (L2 regularization, the chapter's structural
    risk, eq. 6-11), so it is rescaled by :math:`1/\sqrt{\hat v}` like any gradient and
    weights with large gradients are barely decayed; decoupled decay (AdamW) shrinks
    :math:`\theta` by :math:`\alpha\lambda` directly, whatever the gradient history. With
    plain SGD the two coincide (up to rescaling :math:`\lambda` by :math:`\alpha`), with
    Adam they do not. torch computes :math:`\theta - \frac{\alpha}{1-\beta_1^t}
    \frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \varepsilon}`, which is the formula above;
    netopt follows that order of operations.

    References
    ----------
    Kingma and Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015. Reddi, Kale,
    Kumar, "On the Convergence of Adam and Beyond", ICLR 2018 (amsgrad). Loshchilov and
    Hutter, "Decoupled Weight Decay Regularization", ICLR 2019 (AdamW). PyTorch,
    ``torch/optim/adam.py`` (``_single_tensor_adam``).

    Examples
    --------
    >>> import numpy as np
    >>> theta, state = np.array([1.0, 1.0]), {}
    >>> _ = adam(theta, np.array([1e-3, 50.0]), state, lr=0.1, eps=0.0)
    >>> theta            # the first step moves every coordinate by lr
    array([0.9, 0.9])
    """
    adam_state(param, state, amsgrad)
    state["step"] += 1
    step = state["step"]
    if weight_decay != 0 and decoupled_weight_decay:
        param *= 1 - lr * weight_decay
        d = direction(param, grad, 0.0, maximize)
    else:
        d = direction(param, grad, weight_decay, maximize)
    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
    lerp(exp_avg, d, 1 - beta1)
    np.multiply(exp_avg_sq, beta2, out=exp_avg_sq)
    scratch = np.multiply(d, 1 - beta2)
    scratch *= d
    exp_avg_sq += scratch
    if amsgrad:
        second = state["max_exp_avg_sq"]
        np.maximum(second, exp_avg_sq, out=second)
    else:
        second = exp_avg_sq
    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    step_size = lr / bias_correction1
    denom = np.sqrt(second, out=scratch)
    denom /= bias_correction2**0.5
    denom += eps
    update = np.multiply(exp_avg, -step_size, out=None if d is grad else d)
    update /= denom
    param += update
    return state


def _betas_pair(group: Mapping[str, Any]) -> bool:
    betas = group["betas"]
    return (
        isinstance(betas, (tuple, list))
        and len(betas) == 2
        and all(isinstance(b, Real) for b in betas)
    )


#: The argument checks of the Adam family (Adam, AdamW, Adamax, NAdam, RAdam), with torch's
#: messages: lr, eps, the two betas, weight_decay.
ADAM_CHECKS = (
    (_nonnegative("lr"), "Invalid learning rate: {lr}"),
    (_nonnegative("eps"), "Invalid epsilon value: {eps}"),
    (_betas_pair, "betas must be a pair of numbers, but got {betas}"),
    (lambda g: 0.0 <= g["betas"][0] < 1.0, "Invalid beta parameter at index 0: {betas[0]}"),
    (lambda g: 0.0 <= g["betas"][1] < 1.0, "Invalid beta parameter at index 1: {betas[1]}"),
    (_nonnegative("weight_decay"), "Invalid weight_decay value: {weight_decay}"),
)


class Adam(Optimizer):
    r"""Adam: bias-corrected moving averages of the gradient and of its square.

    Each step applies :func:`adam` (equations, symbols, amsgrad and decoupled decay are
    there) to every parameter with a gradient.

    Parameters
    ----------
    params : iterable of Tensor or of dicts
    lr : float, default 1e-3
        :math:`\alpha`.
    betas : tuple of float, default (0.9, 0.999)
        :math:`(\beta_1, \beta_2)`, each in [0, 1).
    eps : float, default 1e-8
        :math:`\varepsilon`.
    weight_decay : float, default 0
        :math:`\lambda`, coupled L2 (added to the gradient) unless
        ``decoupled_weight_decay``.
    amsgrad : bool, default False
        Normalize by the running maximum of :math:`v_t`.
    maximize : bool, default False, keyword-only
    foreach, fused, capturable, differentiable : keyword-only
        torch's implementation flags (:mod:`netopt.optim._torch_flags`): ``foreach`` and
        the False defaults change nothing; ``True`` raises where netopt cannot honour it.
    decoupled_weight_decay : bool, default False, keyword-only
        Shrink parameters directly, as :class:`~netopt.optim.AdamW`.

    Raises
    ------
    ValueError
        For an invalid hyperparameter (``betas`` included: a pair of numbers in [0, 1)), in
        the constructor or in a parameter group, with torch's message (the table
        ``Adam._checks``).

    Notes
    -----
    State per parameter: ``"step"`` (float), ``"exp_avg"``, ``"exp_avg_sq"`` and, with
    amsgrad, ``"max_exp_avg_sq"``. torch keeps ``step`` as a 0-d tensor; netopt as a
    Python float, which is what torch's CPU path computes the bias corrections from.

    References
    ----------
    PyTorch, ``torch.optim.Adam``.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Parameter
    >>> w = Parameter(np.array([3.0, -3.0]))
    >>> opt = Adam([w], lr=0.5)
    >>> w.grad = np.array([1e-2, -20.0])
    >>> opt.step()
    >>> w.data.numpy().round(4)       # the first Adam step is about lr in every coordinate
    array([ 2.5, -2.5])
    """

    _checks = ADAM_CHECKS
    _state_keys = frozenset({"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"})
    _kernel = staticmethod(fused(adam))

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        check_torch_flags(
            type(self).__name__,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            foreach=foreach,
        )
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
            "fused": fused,
        }
        super().__init__(params, defaults)

    def _hyperparameters(self, group: Mapping[str, Any]) -> dict[str, Any]:
        hp = self._from_defaults(group, skip=("betas",))
        hp["beta1"], hp["beta2"] = (float(beta) for beta in group["betas"])
        return hp
