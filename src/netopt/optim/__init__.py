"""Optimizers with PyTorch's API over pure NumPy update kernels.

:class:`Optimizer` (parameter groups, state, ``state_dict``), :class:`SGD` (momentum,
Nesterov), :class:`Adagrad`, :class:`RMSprop`, :class:`Adam` and :class:`AdamW`; the kernels
themselves are in :mod:`netopt.optim.functional`. Learning-rate schedules are pure
``step -> lr`` functions in :mod:`netopt.optim.schedules`; PyTorch's scheduler classes
over them are in :mod:`netopt.optim.lr_scheduler`.
"""

from . import functional, lr_scheduler, schedules, swa_utils
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = [
    "LBFGS",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "Rprop",
    "functional",
    "lr_scheduler",
    "schedules",
    "swa_utils",
]
