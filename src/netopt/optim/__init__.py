"""Optimizers with PyTorch's API over pure NumPy update kernels.

:class:`Optimizer` (parameter groups, state, ``state_dict``), :class:`SGD` (momentum,
Nesterov), :class:`Adagrad`, :class:`RMSprop`, :class:`Adam` and :class:`AdamW`; the kernels
themselves are in :mod:`netopt.optim.functional`. Learning-rate schedules are pure
``step -> lr`` functions in :mod:`netopt.optim.schedules`; PyTorch's scheduler classes
over them are in :mod:`netopt.optim.lr_scheduler`.
"""

from . import functional, lr_scheduler, schedules
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Optimizer",
    "RMSprop",
    "functional",
    "lr_scheduler",
    "schedules",
]
