r"""RMSProp, AdaGrad with an exponential moving average of squared gradients (eq. 6-30)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._common import _nonnegative, direction, lerp
from ._fused import fused
from ._torch_flags import check_torch_flags
from .optimizer import Optimizer


def rmsprop(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict[str, Any],
    *,
    lr: float,
    alpha: float = 0.99,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    centered: bool = False,
    maximize: bool = False,
) -> dict[str, Any]:
    r"""One RMSProp step, in place on ``param`` and ``state``.

    .. math::

        g_t &= \nabla_\theta J(\theta_{t-1}) + \lambda\,\theta_{t-1} \\
        G_t &= \rho\, G_{t-1} + (1-\rho)\, g_t \odot g_t, \quad G_0 = 0
            &&\text{(6-30)} \\
        \bar g_t &= \rho\, \bar g_{t-1} + (1-\rho)\, g_t, \quad
        \sigma_t = \sqrt{G_t - \bar g_t^2} \;\text{(centered) or}\; \sqrt{G_t} \\
        b_t &= \mu\, b_{t-1} + g_t / (\sigma_t + \varepsilon), \quad
        \theta_t = \theta_{t-1} - \alpha\, b_t \;\text{(momentum) or}\;
        \theta_t = \theta_{t-1} - \alpha\, g_t / (\sigma_t + \varepsilon)

    Symbols: :math:`\alpha` = ``lr``, :math:`\rho` = ``alpha``, :math:`\mu` = ``momentum``,
    :math:`\lambda` = ``weight_decay``, :math:`\varepsilon` = ``eps``; state
    :math:`G` = ``"square_avg"``, :math:`\bar g` = ``"grad_avg"`` (centered),
    :math:`b` = ``"momentum_buffer"`` (momentum > 0), ``"step"``.

    Parameters
    ----------
    param : numpy.ndarray
        :math:`\theta_{t-1}`; overwritten with :math:`\theta_t`.
    grad : numpy.ndarray
        Not modified.
    state : dict
        Empty before the first step (entries start at zero); updated in place.
    lr, alpha, eps, weight_decay, momentum : float
    centered, maximize : bool

    Returns
    -------
    dict
        ``state`` (the same dict).

    Notes
    -----
    Eq. 6-30 as printed, :math:`G_t = \rho \sum_{\tau<t} g_\tau^2 + (1-\rho) g_t^2`, is
    garbled: it weights the whole unweighted history by :math:`\rho` once. The algorithm
    it describes, and the one implemented, is the exponential moving average
    :math:`G_t = \rho G_{t-1} + (1-\rho) g_t^2`, used in eq. 6-29's place of AdaGrad's sum.
    torch calls :math:`\rho` ``alpha`` and adds :math:`\varepsilon` outside the root.

    References
    ----------
    Tieleman and Hinton, Lecture 6.5 (COURSERA: Neural Networks for Machine Learning), 2012.
    Graves, "Generating Sequences With Recurrent Neural Networks", 2013 (centered form).
    PyTorch, ``torch/optim/rmsprop.py`` (``_single_tensor_rmsprop``).

    Examples
    --------
    >>> import numpy as np
    >>> theta, state = np.array([1.0]), {}
    >>> _ = rmsprop(theta, np.array([2.0]), state, lr=0.1, alpha=0.75, eps=0.0)
    >>> state["square_avg"], theta      # G = 0.25 * 4 = 1; step 0.1 * 2 / 1
    (array([1.]), array([0.8]))
    """
    if "square_avg" not in state:
        state["step"] = 0.0
        state["square_avg"] = np.zeros_like(param)
    if centered and "grad_avg" not in state:
        state["grad_avg"] = np.zeros_like(param)
    if momentum > 0 and "momentum_buffer" not in state:
        state["momentum_buffer"] = np.zeros_like(param)
    state["step"] += 1
    d = direction(param, grad, weight_decay, maximize)
    square_avg = state["square_avg"]
    np.multiply(square_avg, alpha, out=square_avg)
    avg = np.multiply(d, 1 - alpha)
    avg *= d
    square_avg += avg
    if centered:
        grad_avg = state["grad_avg"]
        lerp(grad_avg, d, 1 - alpha)
        np.multiply(grad_avg, grad_avg, out=avg)
        np.subtract(square_avg, avg, out=avg)
        np.sqrt(avg, out=avg)
    else:
        np.sqrt(square_avg, out=avg)
    avg += eps
    if momentum > 0:
        buf = state["momentum_buffer"]
        np.multiply(buf, momentum, out=buf)
        np.divide(d, avg, out=avg)
        buf += avg
        param -= lr * buf
    else:
        update = np.multiply(d, -lr, out=None if d is grad else d)
        update /= avg
        param += update
    return state


class RMSprop(Optimizer):
    r"""RMSProp (eq. 6-30): divide by the root of a moving average of squared gradients.

    Each step applies :func:`rmsprop` (equations, symbols, the centered form and momentum
    are there) to every parameter with a gradient.

    Parameters
    ----------
    params : iterable of Tensor or of dicts
    lr : float, default 1e-2
        :math:`\alpha`.
    alpha : float, default 0.99
        :math:`\rho`, the decay of the moving average.
    eps : float, default 1e-8
        :math:`\varepsilon`.
    weight_decay : float, default 0
        :math:`\lambda`, coupled L2 (added to the gradient).
    momentum : float, default 0
        :math:`\mu`.
    centered : bool, default False
    maximize : bool, default False, keyword-only
    foreach, fused, capturable, differentiable : keyword-only
        torch's implementation flags (:mod:`netopt.optim._torch_flags`): ``foreach`` and
        the False defaults change nothing; ``True`` raises where netopt cannot honour it.
        Keyword-only here; torch accepts it positionally after ``capturable`` and
        ``foreach``, which netopt does not have.

    Raises
    ------
    ValueError
        For an invalid hyperparameter, in the constructor or in a parameter group, with
        torch's message (the table ``RMSprop._checks``).

    Notes
    -----
    Eq. 6-30 is printed garbled; this is the exponential moving average it describes (see
    :func:`rmsprop`). As in torch, ``alpha`` is only checked to be >= 0.

    References
    ----------
    PyTorch, ``torch.optim.RMSprop``.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Parameter
    >>> w = Parameter(np.array([1.0]))
    >>> opt = RMSprop([w], lr=0.01, alpha=0.0, eps=0.0)   # alpha=0: G_t = g_t^2
    >>> w.grad = np.array([-5.0])
    >>> opt.step()
    >>> w.data.numpy()  # a step of exactly lr against the sign of the gradient
    array([1.01])
    """

    _checks = (
        (_nonnegative("lr"), "Invalid learning rate: {lr}"),
        (_nonnegative("eps"), "Invalid epsilon value: {eps}"),
        (_nonnegative("momentum"), "Invalid momentum value: {momentum}"),
        (_nonnegative("weight_decay"), "Invalid weight_decay value: {weight_decay}"),
        (_nonnegative("alpha"), "Invalid alpha value: {alpha}"),
    )
    _state_keys = frozenset({"step", "square_avg", "grad_avg", "momentum_buffer"})
    _kernel = staticmethod(fused(rmsprop))
    _hyperparameters = Optimizer._from_defaults

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_torch_flags(type(self).__name__, capturable=capturable, differentiable=differentiable)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
