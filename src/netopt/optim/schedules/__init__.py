r"""Learning-rate schedules as pure ``step -> lr`` functions (the chapter's 有序调整).

Each factory validates its arguments when it is built and returns a function of the step
:math:`t \ge 0` (epoch or batch count, fractional allowed). These are the *closed forms*,
written with the expressions of PyTorch's ``_get_closed_form_lr``, so they equal
``scheduler.step(epoch)`` bit for bit. The classes of :mod:`netopt.optim.lr_scheduler`
step with PyTorch's recursion (``lr_t = lr_{t-1} * ratio_t``), which differs from these
by rounding only; ``CosineAnnealingWarmRestarts``, ``OneCycleLR`` and ``LambdaLR`` call
the closed form directly.

Examples
--------
>>> f = step_decay(0.5, step_size=2, gamma=0.1)
>>> [round(f(t), 6) for t in range(5)]
[0.5, 0.5, 0.05, 0.05, 0.005]
"""

from ._validate import Schedule
from .compose import chain, sequence
from .cosine import cosine_annealing, cosine_warm_restarts, warm_restart_position
from .decay import exponential_decay, multistep_decay, step_decay
from .one_cycle import one_cycle, one_cycle_momentum
from .warmup import constant, lambda_schedule, linear

__all__ = [
    "Schedule",
    "chain",
    "constant",
    "cosine_annealing",
    "cosine_warm_restarts",
    "exponential_decay",
    "lambda_schedule",
    "linear",
    "multistep_decay",
    "one_cycle",
    "one_cycle_momentum",
    "sequence",
    "step_decay",
    "warm_restart_position",
]
