"""torch's ``torch.utils`` path: ``netopt.utils.data`` is :mod:`netopt.data` under torch's name.

Code written as ``from torch.utils.data import DataLoader, TensorDataset`` runs as
``from netopt.utils.data import DataLoader, TensorDataset``.
"""

from . import data

__all__ = ["data"]
