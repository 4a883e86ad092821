r"""The pure update kernels, one per optimizer, in one namespace (as ``torch.optim._functional``).

Each kernel takes ``(param, grad, state, **hyperparameters)``, updates the ``param``
array and the ``state`` dict's arrays in place, in ``param``'s dtype, and returns
``state``. An empty ``state`` is initialized on the first call, so a kernel can be tested
from an injected state against its docstring's formula.

Examples
--------
>>> import numpy as np
>>> theta = np.array([1.0])
>>> sgd(theta, np.array([0.5]), {}, lr=0.2)
{}
>>> theta
array([0.9])
"""

from .adadelta import adadelta
from .adagrad import adagrad
from .adam import adam
from .adamax import adamax
from .nadam import nadam
from .radam import radam
from .rmsprop import rmsprop
from .rprop import rprop
from .sgd import sgd

__all__ = ["adadelta", "adagrad", "adam", "adamax", "nadam", "radam", "rmsprop", "rprop", "sgd"]
