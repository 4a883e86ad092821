"""Optimizers with PyTorch's API over pure NumPy update kernels.

:class:`Optimizer` (parameter groups, state, ``state_dict``), :class:`SGD` (momentum,
Nesterov), :class:`Adagrad`, :class:`RMSprop`, :class:`Adam` and :class:`AdamW`; the kernels
themselves are in :mod:`netopt.optim.functional`.
"""

from . import functional
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "functional"]
