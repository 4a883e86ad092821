r"""Gradient descent with momentum and Nesterov momentum: the ``sgd`` kernel and :class:`SGD`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._common import _nonnegative, direction
from ._fused import fused
from ._torch_flags import check_torch_flags
from .optimizer import Optimizer


def sgd(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict[str, Any],
    *,
    lr: float,
    momentum: float = 0.0,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
    nesterov: bool = False,
    maximize: bool = False,
) -> dict[str, Any]:
    r"""One step of (momentum, Nesterov) gradient descent, in place on ``param`` and ``state``.

    .. math::

        g_t &= \nabla_\theta J(\theta_{t-1}) + \lambda\,\theta_{t-1}
            &&\text{(6-21, plus L2)} \\
        v_t &= \beta\, v_{t-1} + (1-\tau)\, g_t, \quad v_1 = g_1
            &&\text{(6-22, 6-23)} \\
        \theta_t &= \theta_{t-1} - \alpha\, v_t
            &&\text{(6-24)} \\
        \theta_t &= \theta_{t-1} - \alpha\,(g_t + \beta\, v_t)
            &&\text{(Nesterov, torch's form)}

    Without momentum (:math:`\beta = 0`) this is plain gradient descent, eq. 6-19/6-20:
    :math:`\theta_t = \theta_{t-1} - \alpha g_t`.

    Symbols: :math:`\alpha` = ``lr``, :math:`\beta` = ``momentum``, :math:`\tau` =
    ``dampening``, :math:`\lambda` = ``weight_decay``, :math:`v` = ``state["momentum_buffer"]``.

    Parameters
    ----------
    param : numpy.ndarray
        :math:`\theta_{t-1}`; overwritten with :math:`\theta_t`.
    grad : numpy.ndarray
        :math:`\nabla_\theta J(\theta_{t-1})`; not modified.
    state : dict
        ``{"momentum_buffer": v_{t-1}}``, or empty before the first step; updated in place.
    lr, momentum, dampening, weight_decay : float
    nesterov, maximize : bool
        ``maximize`` ascends (uses :math:`-\nabla`).

    Returns
    -------
    dict
        ``state`` (the same dict), holding :math:`v_t` when ``momentum != 0``.

    Notes
    -----
    The chapter's momentum (eq. 6-23, :math:`v_t = g_t + \beta v_{t-1}`, learning rate
    outside the buffer) is torch's form with ``dampening=0``. Other libraries (Sutskever et
    al., Keras) keep :math:`v_t = \beta v_{t-1} - \alpha g_t`; both agree while
    :math:`\alpha` is constant and part ways when it changes mid-run, because torch's buffer
    does not carry the old learning rate. torch starts the buffer at :math:`g_1` itself,
    undamped.

    The chapter's Nesterov method (the look-ahead steps between eq. 6-24 and 6-29)
    evaluates the gradient at :math:`\theta' = \theta_{t-1} - \alpha\beta v_{t-1}`, then
    :math:`v_t = \nabla J(\theta') + \beta v_{t-1}`, :math:`\theta_t = \theta_{t-1} - \alpha
    v_t`. With the change of variables :math:`\phi_t = \theta_t - \alpha\beta v_t` this
    becomes :math:`\phi_t = \phi_{t-1} - \alpha(\nabla J(\phi_{t-1}) + \beta v_t)`, which
    is torch's update: the parameter torch stores is the chapter's look-ahead point
    (exactly, for a constant learning rate).

    References
    ----------
    Sutskever, Martens, Dahl, Hinton, "On the importance of initialization and momentum in
    deep learning", ICML 2013. PyTorch, ``torch/optim/sgd.py`` (``_single_tensor_sgd``).

    Examples
    --------
    >>> import numpy as np
    >>> theta, state = np.array([1.0]), {}
    >>> _ = sgd(theta, np.array([1.0]), state, lr=0.1, momentum=0.9)
    >>> _ = sgd(theta, np.array([1.0]), state, lr=0.1, momentum=0.9)
    >>> theta, state["momentum_buffer"]   # v = 1, then 1 + 0.9 * 1
    (array([0.71]), array([1.9]))
    """
    d = direction(param, grad, weight_decay, maximize)
    owned = d is not grad
    if momentum != 0:
        buf = state.get("momentum_buffer")
        if buf is None:
            buf = np.array(d, dtype=param.dtype, copy=True)
            state["momentum_buffer"] = buf
        else:
            np.multiply(buf, momentum, out=buf)
            if dampening == 0:
                buf += d
            else:
                buf += (1 - dampening) * d
        if nesterov:
            step = np.multiply(buf, momentum)
            step += d
            d, owned = step, True
        else:
            d, owned = buf, False
    if owned:
        np.multiply(d, lr, out=d)
        param -= d
    else:
        param -= lr * d
    return state


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum or Nesterov momentum.

    Each step applies :func:`sgd` (equations, symbols and torch's conventions are there)
    to every parameter with a gradient.

    Parameters
    ----------
    params : iterable of Tensor or of dicts
        Parameters or parameter groups (see :class:`Optimizer`).
    lr : float, default 1e-3
        :math:`\alpha`.
    momentum : float, default 0
        :math:`\beta`.
    dampening : float, default 0
        :math:`\tau`.
    weight_decay : float, default 0
        :math:`\lambda`, coupled L2: adds ``weight_decay * param`` to the gradient, the
        gradient of ``weight_decay / 2 * ||param||^2`` added to the loss.
    nesterov : bool, default False
    maximize : bool, default False, keyword-only
    foreach, fused, capturable, differentiable : keyword-only
        torch's implementation flags (:mod:`netopt.optim._torch_flags`): ``foreach`` and
        the False defaults change nothing; ``True`` raises where netopt cannot honour it.

    Raises
    ------
    ValueError
        For an invalid hyperparameter, in the constructor or in a parameter group, with
        torch's message (the table ``SGD._checks``).

    Notes
    -----
    State per parameter: ``"momentum_buffer"`` once ``momentum != 0``.

    References
    ----------
    PyTorch, ``torch.optim.SGD``.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Parameter
    >>> w = Parameter(np.array([1.0, -1.0]))
    >>> opt = SGD([w], lr=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     w.grad = 2 * w.data          # gradient of ||w||^2
    ...     opt.step()
    >>> w.data.numpy()
    array([ 0.46, -0.46])
    """

    _checks = (
        (_nonnegative("lr"), "Invalid learning rate: {lr}"),
        (_nonnegative("momentum"), "Invalid momentum value: {momentum}"),
        (_nonnegative("weight_decay"), "Invalid weight_decay value: {weight_decay}"),
        (
            lambda g: not g["nesterov"] or (g["momentum"] > 0 and g["dampening"] == 0),
            "Nesterov momentum requires a momentum and zero dampening",
        ),
    )
    _state_keys = frozenset({"momentum_buffer"})
    _kernel = staticmethod(fused(sgd))
    _hyperparameters = Optimizer._from_defaults

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool | None = None,
        differentiable: bool = False,
    ) -> None:
        check_torch_flags(
            type(self).__name__,
            differentiable=differentiable,
            fused=fused,
            foreach=foreach,
        )
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "fused": fused,
        }
        super().__init__(params, defaults)
