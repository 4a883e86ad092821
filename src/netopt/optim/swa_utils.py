r"""Stochastic weight averaging (SWA): ``AveragedModel``, ``SWALR`` and ``update_bn``, as
``torch.optim.swa_utils``.

SWA is an ensemble in weight space (the chapter's ensembles, 集成, for one network): late in
training, at a constant or cyclic learning rate (:class:`SWALR`), the weights visited are
averaged (:class:`AveragedModel`),

.. math:: \bar\theta_n = \bar\theta_{n-1} + \frac{\theta_n - \bar\theta_{n-1}}{n},

and batch-norm statistics are recomputed for the averaged weights (:func:`update_bn`).

References
----------
P. Izmailov et al., "Averaging Weights Leads to Wider Optima and Better Generalization",
UAI 2018.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..autograd import Tensor, no_grad
from ..autograd.device import check_device
from ..nn import BatchNorm1d, Module
from ._common import lerp
from .lr_scheduler.base import LRScheduler, lr_value, param_groups

__all__ = ["SWALR", "AveragedModel", "get_ema_avg_fn", "get_swa_avg_fn", "update_bn"]


def get_swa_avg_fn() -> Callable[[Any, Any, Any], Any]:
    r"""The running mean :math:`\bar\theta + (\theta - \bar\theta)/(n + 1)`, as torch's."""

    def swa_update(averaged: Any, current: Any, num_averaged: Any) -> Any:
        return averaged + (current - averaged) / (num_averaged + 1)

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable[[Any, Any, Any], Any]:
    r"""The exponential moving average :math:`d\,\bar\theta + (1 - d)\,\theta`."""
    if not 0.0 <= decay <= 1.0:
        raise ValueError(
            f"Invalid decay value {decay} provided. Please provide a value in [0,1] range."
        )

    def ema_update(ema: Any, current: Any, num_averaged: Any) -> Any:
        return decay * ema + (1 - decay) * current

    return ema_update


def _array(x: Any) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else x


class AveragedModel(Module):
    r"""A copy of ``model`` whose parameters are the running average of ``model``'s.

    Parameters
    ----------
    model : Module
        Deep-copied; calling the averaged model calls the copy.
    device : str, optional
        ``"cpu"`` or None (netopt computes on the CPU).
    avg_fn : callable, optional
        ``avg_fn(averaged, current, num_averaged) -> new average`` per parameter;
        the equal-weight running mean (torch's ``lerp`` form) when None.
    multi_avg_fn : callable, optional
        ``multi_avg_fn(averaged_list, current_list, num_averaged)`` updating in place.
    use_buffers : bool, default False
        Average the buffers too (instead of copying them from ``model``).

    Attributes
    ----------
    module : Module
    n_averaged : numpy.ndarray
        0-d int64 buffer: how many models were averaged.

    Examples
    --------
    >>> from netopt import nn
    >>> net = nn.Linear(2, 1)
    >>> swa = AveragedModel(net)
    >>> swa.update_parameters(net)
    >>> int(swa.n_averaged)
    1
    """

    def __init__(
        self,
        model: Module,
        device: Any = None,
        avg_fn: Callable[[Any, Any, Any], Any] | None = None,
        multi_avg_fn: Callable[[list, list, Any], None] | None = None,
        use_buffers: bool = False,
    ) -> None:
        super().__init__()
        check_device(device)
        self.module = copy.deepcopy(model)
        self.register_buffer("n_averaged", np.zeros((), dtype=np.int64))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Call the averaged copy of the model."""
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        r"""Fold ``model``'s current parameters into the average (the first call copies)."""
        ours = list(
            itertools.chain(self.module.parameters(), self.module.buffers())
            if self.use_buffers
            else self.module.parameters()
        )
        theirs = list(
            itertools.chain(model.parameters(), model.buffers())
            if self.use_buffers
            else model.parameters()
        )
        n = int(self.n_averaged)
        with no_grad():
            if n == 0:
                for a, p in zip(ours, theirs, strict=False):
                    np.copyto(_array(a), _array(p))
            elif self.multi_avg_fn is not None:
                self.multi_avg_fn(ours, theirs, n)
            elif self.avg_fn is None:  # torch's default: foreach lerp by 1 / (n + 1)
                for a, p in zip(ours, theirs, strict=True):
                    if _array(a).dtype.kind == "f":
                        lerp(_array(a), _array(p), 1 / (n + 1))
            else:
                for a, p in zip(ours, theirs, strict=True):
                    np.copyto(_array(a), _array(self.avg_fn(a, p, n)), casting="unsafe")
        if not self.use_buffers:
            for mine, source in zip(self.module.buffers(), model.buffers(), strict=True):
                np.copyto(mine, source)
        self.n_averaged[...] += 1


@no_grad()
def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    r"""Recompute every batch norm's running statistics with one pass over ``loader``.

    Running statistics are reset and re-estimated as a cumulative average
    (``momentum=None``) in training mode; the momenta and the mode are restored after.
    A batch that is a tuple or list contributes its first element.
    """
    check_device(device)
    momenta = {}
    for module in model.modules():
        if isinstance(module, BatchNorm1d) and module.running_mean is not None:
            module.running_mean[...] = 0
            module.running_var[...] = 1
            module.num_batches_tracked[...] = 0
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    for batch in loader:
        if isinstance(batch, (list, tuple)):
            batch = batch[0]
        model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


def _anneal(strategy: str, t: float) -> float:
    return (1 - math.cos(math.pi * t)) / 2 if strategy == "cos" else t


class SWALR(LRScheduler):
    r"""Anneal every group's lr to ``swa_lr`` over ``anneal_epochs``, then hold it.

    .. math::
        \eta_t = \alpha_t\,\eta_\text{swa} + (1 - \alpha_t)\,\eta_\text{start},
        \qquad \alpha_t = a\bigl(\min(1, t / T)\bigr)

    with :math:`a(t) = (1 - \cos\pi t)/2` (``"cos"``) or :math:`t` (``"linear"``) and
    :math:`T` = ``anneal_epochs``; :math:`\eta_\text{start}` is recovered from the
    current lr at each step, as torch does.

    Raises
    ------
    ValueError
        torch's messages for ``anneal_strategy`` and ``anneal_epochs``, or a ``swa_lr``
        list whose length differs from the number of groups.
    """

    _state_keys = (*LRScheduler._state_keys, "anneal_epochs", "anneal_strategy")

    def __init__(
        self,
        optimizer: Any,
        swa_lr: float | list[float],
        anneal_epochs: int = 10,
        anneal_strategy: str = "cos",
        last_epoch: int = -1,
    ) -> None:
        groups = param_groups(optimizer)
        swa_lrs = list(swa_lr) if isinstance(swa_lr, (list, tuple)) else [swa_lr] * len(groups)
        if len(swa_lrs) != len(groups):
            raise ValueError(
                f"swa_lr must have the same length as optimizer.param_groups. "
                f"swa_lr has {len(swa_lrs)} values, param_groups has {len(groups)}."
            )
        for value, group in zip(swa_lrs, groups, strict=True):
            group["swa_lr"] = lr_value(value)
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_strategy = anneal_strategy
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        r"""torch's rule: undo the previous step's blend, then blend at the new :math:`t`.

        Returns
        -------
        list of float
        """
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = _anneal(
            self.anneal_strategy, max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        )
        alpha = _anneal(self.anneal_strategy, max(0, min(1, step / max(1, self.anneal_epochs))))
        out = []
        for group in self.optimizer.param_groups:
            lr, swa = lr_value(group["lr"]), group["swa_lr"]
            start = swa if prev_alpha == 1 else (lr - prev_alpha * swa) / (1 - prev_alpha)
            out.append(swa * alpha + start * (1 - alpha))
        return out
