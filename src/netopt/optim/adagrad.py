r"""AdaGrad, per-parameter learning rates from accumulated squared gradients (eq. 6-29)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._common import _nonnegative, direction
from ._fused import fused
from ._torch_flags import check_torch_flags
from .optimizer import Optimizer


def adagrad(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict[str, Any],
    *,
    lr: float,
    lr_decay: float = 0.0,
    weight_decay: float = 0.0,
    initial_accumulator_value: float = 0.0,
    eps: float = 1e-10,
    maximize: bool = False,
) -> dict[str, Any]:
    r"""One AdaGrad step, in place on ``param`` and ``state``.

    .. math::

        g_t &= \nabla_\theta J(\theta_{t-1}) + \lambda\,\theta_{t-1} \\
        G_t &= G_{t-1} + g_t \odot g_t, \quad G_0 = G_\text{init}
            &&\text{(6-29)} \\
        \alpha_t &= \frac{\alpha}{1 + (t-1)\,\eta} \\
        \theta_t &= \theta_{t-1} - \alpha_t\, \frac{g_t}{\sqrt{G_t} + \varepsilon}
            &&\text{(6-29, torch's placement of } \varepsilon\text{)}

    Symbols: :math:`\alpha` = ``lr``, :math:`\eta` = ``lr_decay``, :math:`\lambda` =
    ``weight_decay``, :math:`G_\text{init}` = ``initial_accumulator_value``,
    :math:`\varepsilon` = ``eps``, :math:`G` = ``state["sum"]``, :math:`t` = ``state["step"]``.

    Parameters
    ----------
    param : numpy.ndarray
        :math:`\theta_{t-1}`; overwritten with :math:`\theta_t`.
    grad : numpy.ndarray
        Not modified.
    state : dict
        ``{"step": t-1, "sum": G_{t-1}}``, or empty before the first step (then
        :math:`G_0` is filled with ``initial_accumulator_value``); updated in place.
    lr, lr_decay, weight_decay, initial_accumulator_value, eps : float
    maximize : bool

    Returns
    -------
    dict
        ``state`` (the same dict).

    Notes
    -----
    Where :math:`\varepsilon` goes: the chapter (eq. 6-29) divides by
    :math:`\sqrt{G + \varepsilon}`, torch, and so netopt, by :math:`\sqrt{G} + \varepsilon`.
    For :math:`G \gg \varepsilon` they exceed :math:`\sqrt{G}` by the relative amounts
    :math:`\varepsilon / (2G)` and :math:`\varepsilon / \sqrt{G}`, both small; at
    :math:`G \approx \varepsilon` they differ by a factor :math:`\sqrt 2`; below, the
    chapter's stays at least :math:`\sqrt{\varepsilon}` while torch's falls to
    :math:`\sqrt{G} + \varepsilon`, so the chapter's step is smaller by about
    :math:`\sqrt{G/\varepsilon}` (by :math:`\sqrt{\varepsilon}` once :math:`G \lesssim
    \varepsilon^2`). The placements thus part once :math:`G` is around
    :math:`\varepsilon` or below. The chapter's
    :math:`G_{t-1}` indexes the sum that already includes the gradient being applied; here
    that sum is :math:`G_t`.

    References
    ----------
    Duchi, Hazan, Singer, "Adaptive Subgradient Methods for Online Learning and Stochastic
    Optimization", JMLR 2011. PyTorch, ``torch/optim/adagrad.py`` (``_single_tensor_adagrad``).

    Examples
    --------
    >>> import numpy as np
    >>> theta, state = np.array([1.0, 1.0]), {}
    >>> _ = adagrad(theta, np.array([3.0, 0.5]), state, lr=0.1, eps=0.0)
    >>> theta            # every coordinate moves by lr on the first step
    array([0.9, 0.9])
    >>> state["sum"]
    array([9.  , 0.25])
    """
    if "sum" not in state:
        state["step"] = 0.0
        state["sum"] = np.full_like(param, initial_accumulator_value)
    state["step"] += 1
    step = state["step"]
    d = direction(param, grad, weight_decay, maximize)
    clr = lr / (1 + (step - 1) * lr_decay)
    total = state["sum"]
    sq = np.multiply(d, d)
    total += sq
    std = np.sqrt(total, out=sq)
    std += eps
    update = np.multiply(d, -clr) if d is grad else np.multiply(d, -clr, out=d)
    update /= std
    param += update
    return state


class Adagrad(Optimizer):
    r"""AdaGrad (eq. 6-29): each coordinate's step shrinks with its accumulated squared gradient.

    Each step applies :func:`adagrad` (equations, symbols and where :math:`\varepsilon`
    goes are there) to every parameter with a gradient.

    Parameters
    ----------
    params : iterable of Tensor or of dicts
    lr : float, default 1e-2
        :math:`\alpha`.
    lr_decay : float, default 0
        :math:`\eta`.
    weight_decay : float, default 0
        :math:`\lambda`, coupled L2 (added to the gradient).
    initial_accumulator_value : float, default 0
        :math:`G_\text{init}`.
    eps : float, default 1e-10
        :math:`\varepsilon`.
    maximize : bool, default False, keyword-only
    foreach, fused, capturable, differentiable : keyword-only
        torch's implementation flags (:mod:`netopt.optim._torch_flags`): ``foreach`` and
        the False defaults change nothing; ``True`` raises where netopt cannot honour it.

    Raises
    ------
    ValueError
        For an invalid hyperparameter, in the constructor or in a parameter group, with
        torch's message (the table ``Adagrad._checks``).

    Notes
    -----
    State per parameter: ``"step"`` (float) and ``"sum"``, created at a parameter's first
    step from its group's ``initial_accumulator_value``. torch creates it in the
    constructor from the constructor's value for every group (a group's own value is
    ignored there); netopt honours the group's value.

    References
    ----------
    PyTorch, ``torch.optim.Adagrad``.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Parameter
    >>> w = Parameter(np.array([4.0, -4.0]))
    >>> opt = Adagrad([w], lr=1.0)
    >>> w.grad = np.array([2.0, -0.5])
    >>> opt.step()
    >>> w.data.numpy().round(6)
    array([ 3., -3.])
    """

    _checks = (
        (_nonnegative("lr"), "Invalid learning rate: {lr}"),
        (_nonnegative("lr_decay"), "Invalid lr_decay value: {lr_decay}"),
        (_nonnegative("weight_decay"), "Invalid weight_decay value: {weight_decay}"),
        (
            _nonnegative("initial_accumulator_value"),
            "Invalid initial_accumulator_value value: {initial_accumulator_value}",
        ),
        (_nonnegative("eps"), "Invalid epsilon value: {eps}"),
    )
    _state_keys = frozenset({"step", "sum"})
    _kernel = staticmethod(fused(adagrad))
    _hyperparameters = Optimizer._from_defaults

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
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
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "maximize": maximize,
            "fused": fused,
        }
        super().__init__(params, defaults)
