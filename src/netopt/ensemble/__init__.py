r"""Ensembles of networks: bagging on bootstrap resamples, and snapshots of one SGDR run.

An ensemble's prediction averages its members' (soft or hard voting:
:mod:`netopt.ensemble.voting`). Averaging lowers the variance part of the error when members
err differently, which is why an ensemble is a remedy for overfitting.

* :class:`BaggingEnsemble` trains :math:`M` fresh networks, each on a bootstrap resample
  (:math:`N` draws with replacement) of the training set, with a training function such as
  :class:`FitTrainer` (netopt's :func:`~netopt.train.fit`).
* :class:`SnapshotEnsemble` is a :func:`~netopt.train.fit` callback: during one run with
  :class:`~netopt.optim.lr_scheduler.CosineAnnealingWarmRestarts`, it copies the weights at
  the end of every cosine cycle (a low-learning-rate minimum), giving :math:`M` members for
  the price of one training run (Huang et al., "Snapshot Ensembles", ICLR 2017).

Members output logits for class indices ``0..K-1``, as netopt classifiers do.
"""

from .bagging import BaggingEnsemble, FitTrainer
from .snapshot import SnapshotEnsemble, cycle_end_epochs
from .voting import average_probabilities, majority_vote

__all__ = [
    "BaggingEnsemble",
    "FitTrainer",
    "SnapshotEnsemble",
    "average_probabilities",
    "cycle_end_epochs",
    "majority_vote",
]
