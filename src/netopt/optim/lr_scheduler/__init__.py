r"""Learning-rate schedulers with ``torch.optim.lr_scheduler``'s names, arguments and numbers.

The chapter's three ways of adjusting the learning rate (学习率的动态调整) map to:

1. a fixed plan (有序调整): :class:`StepLR` (等间隔调整), :class:`MultiStepLR`,
   :class:`ExponentialLR` (指数衰减), :class:`CosineAnnealingLR` (余弦退火),
   :class:`CosineAnnealingWarmRestarts`, :class:`LinearLR`, :class:`ConstantLR`,
   :class:`LambdaLR`, :class:`MultiplicativeLR`, :class:`PolynomialLR`, :class:`OneCycleLR`,
   :class:`CyclicLR`, composed by :class:`SequentialLR` and
   :class:`ChainedScheduler`;
2. monitored performance (基于性能监测): :class:`ReduceLROnPlateau`;
3. per parameter group: every scheduler acts on each ``param_group`` from its own base lr.

A scheduler touches only ``optimizer.param_groups``: the pure ``step -> lr`` functions live
in :mod:`netopt.optim.schedules`, and a class writes ``group["lr"]``. The classes step with
PyTorch's own (chainable, recursive) rules, so their sequences equal PyTorch's bit for bit;
``step(epoch)`` uses the closed forms. Each scheduler logs its decisions in ``history``.

Beyond PyTorch: ``ReduceLROnPlateau`` may be a stage of :class:`SequentialLR` (after a
warm-up) or a member of :class:`ChainedScheduler` (pass ``step(metrics)``); arguments that
PyTorch accepts and later fails on (``step_size=0``, ``ConstantLR(factor=0)``,
``pct_start * total_steps == 1``) raise when the scheduler is built.

Examples
--------
>>> import numpy as np
>>> from netopt.nn import Parameter
>>> from netopt.optim import SGD
>>> w, b = Parameter(np.zeros(3, np.float32)), Parameter(np.zeros(1, np.float32))
>>> opt = SGD([{"params": [w], "lr": 0.05}, {"params": [b], "lr": 0.5}], lr=0.05)
>>> sched = StepLR(opt, step_size=1, gamma=0.5)
>>> sched.step()
>>> sched.get_last_lr()
[0.025, 0.25]
"""

from __future__ import annotations

from ._torch_warnings import EPOCH_DEPRECATION_WARNING
from .base import Decision, LRScheduler
from .compose import ChainedScheduler, SequentialLR
from .cosine import CosineAnnealingLR, CosineAnnealingWarmRestarts
from .cyclic import CyclicLR
from .decay import ExponentialLR, MultiStepLR, StepLR
from .one_cycle import OneCycleLR
from .plateau import ReduceLROnPlateau, is_better, plateau_threshold
from .poly import MultiplicativeLR, PolynomialLR
from .warmup import ConstantLR, LambdaLR, LinearLR

__all__ = [
    "EPOCH_DEPRECATION_WARNING",
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "Decision",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
    "is_better",
    "plateau_threshold",
]
