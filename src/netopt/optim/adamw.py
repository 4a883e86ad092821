r"""AdamW: Adam with weight decay decoupled from the gradient."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .adam import Adam


class AdamW(Adam):
    r"""Adam with decoupled weight decay: :math:`\theta \leftarrow \theta(1 - \alpha\lambda)`.

    Each step applies :func:`~netopt.optim.adam.adam` with ``decoupled_weight_decay=True``
    (its equations hold the decoupled form) to every parameter with a gradient.

    Parameters
    ----------
    params : iterable of Tensor or of dicts
    lr : float, default 1e-3
        :math:`\alpha`.
    betas : tuple of float, default (0.9, 0.999)
        :math:`(\beta_1, \beta_2)`.
    eps : float, default 1e-8
        :math:`\varepsilon`.
    weight_decay : float, default 1e-2
        :math:`\lambda`; note the non-zero default (torch's).
    amsgrad : bool, default False
    maximize : bool, default False, keyword-only
    foreach, fused, capturable, differentiable : keyword-only
        torch's implementation flags (:mod:`netopt.optim._torch_flags`): ``foreach`` and
        the False defaults change nothing; ``True`` raises where netopt cannot honour it.

    Raises
    ------
    ValueError
        As :class:`~netopt.optim.Adam`.

    Notes
    -----
    How decoupled decay differs from Adam's coupled ``weight_decay`` is in the Notes of
    :func:`~netopt.optim.adam.adam`. As in torch, every group of an AdamW has
    ``decoupled_weight_decay=True``.

    References
    ----------
    Loshchilov and Hutter, "Decoupled Weight Decay Regularization", ICLR 2019. PyTorch,
    ``torch.optim.AdamW``.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Parameter
    >>> w = Parameter(np.array([2.0]))
    >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
    >>> w.grad = np.array([0.0])          # no gradient: only the decay acts
    >>> opt.step()
    >>> w.data.numpy()  # 2 * (1 - 0.1 * 0.5)
    array([1.9])
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
            foreach=foreach,
            fused=fused,
            capturable=capturable,
            differentiable=differentiable,
        )

    def load_state_dict(self, state_dict: Any) -> None:
        """Load as :meth:`Optimizer.load_state_dict`, then force decoupled decay (torch)."""
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
