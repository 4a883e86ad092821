r"""How the estimators train: :func:`netopt.train.fit` with sample weights in the loss.

``fit`` feeds ``loss_fn(output, target)`` from ``(inputs, targets)`` batches, so the sample
weights travel as the last column of the target array (:func:`pack`) and
:class:`WeightedLoss` splits them off again. The minimized risk is

.. math::
    R(\theta) = \frac{\sum_i w_i\, \ell_i(\theta)}{\sum_i w_i}
        + \lambda_2 J_{L2}(\theta) + \lambda_1 J_{L1}(\theta),

estimated on a batch :math:`B` without bias by
:math:`\frac{1}{|B|}\sum_{i\in B} \tilde w_i \ell_i` with :math:`\tilde w_i = N w_i/\sum_j w_j`
(weights rescaled to mean 1, so unit weights give exactly the plain mean loss), plus the
penalties of a :class:`~netopt.regularization.StructuralRisk`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..autograd import Tensor, tensor
from ..data import DataLoader, TensorDataset
from ..regularization import StructuralRisk
from ..train import EarlyStopping, History, fit

PerSampleLoss = Callable[[Tensor, np.ndarray], Tensor]


def pack(targets: np.ndarray, weights: np.ndarray) -> np.ndarray:
    r"""Targets (labels or values) with the weights appended as a last column, float32.

    Examples
    --------
    >>> pack(np.array([2, 0]), np.array([1.0, 0.5])).tolist()
    [[2.0, 1.0], [0.0, 0.5]]
    """
    columns = np.asarray(targets, dtype=np.float32).reshape(len(targets), -1)
    return np.column_stack([columns, np.asarray(weights, dtype=np.float32)])


class WeightedLoss:
    r"""``loss(output, packed)``: the mean of ``per_sample(output, t) * w`` over a batch.

    Parameters
    ----------
    per_sample : callable
        ``per_sample(output, targets) -> Tensor`` of shape ``(batch,)``.
    labels : bool
        Whether the targets are class indices (one column, cast back to int64).

    Examples
    --------
    >>> from netopt.nn import functional as F
    >>> loss = WeightedLoss(lambda out, t: F.mse_loss(out, t, reduction="none").mean(1), False)
    >>> out = tensor(np.array([[1.0], [3.0]], dtype=np.float32))
    >>> loss(out, tensor(pack(np.array([0.0, 0.0]), np.array([2.0, 0.0])))).item()
    1.0
    """

    def __init__(self, per_sample: PerSampleLoss, labels: bool) -> None:
        self.per_sample = per_sample
        self.labels = labels

    def __call__(self, output: Tensor, packed: Any) -> Tensor:
        data = packed.data if isinstance(packed, Tensor) else np.asarray(packed)
        targets = data[:, :-1]
        if self.labels:
            targets = targets[:, 0].astype(np.int64)
        return (self.per_sample(output, targets) * tensor(data[:, -1])).mean()


@dataclass(frozen=True)
class Config:
    """What the loop needs from the estimator's validated parameters."""

    max_iter: int
    batch_size: int
    shuffle: bool
    alpha: float
    alpha_l1: float
    n_iter_no_change: int
    tol: float
    batch_norm: bool


@dataclass
class Result:
    """The outcome: every epoch's record and the epoch whose weights the model holds."""

    history: History
    best_epoch: int
    best_val_loss: float | None


def run(
    model: Any,
    loss: WeightedLoss,
    optimizer: Any,
    scheduler: Any,
    train: tuple[np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray] | None,
    config: Config,
    rng: np.random.Generator,
) -> Result:
    r"""Train ``model`` in place with :func:`netopt.train.fit`.

    ``train`` and ``val`` are ``(inputs, packed targets)``. With ``val``, an
    :class:`~netopt.train.EarlyStopping` on ``val_loss`` (patience ``n_iter_no_change``,
    ``min_delta=tol``) stops training and restores the best epoch's weights; a
    ``ReduceLROnPlateau`` schedule watches ``val_loss`` when there is one, else ``loss``.
    With BatchNorm, a last batch of a single sample is dropped (one sample of the epoch's
    random order), since batch statistics need two. The model is left in eval mode.

    Returns
    -------
    Result

    Raises
    ------
    netopt.train.NonFiniteLossError
        When a batch's loss is NaN or infinite.
    """
    n = len(train[0])
    loader = DataLoader(
        TensorDataset(*train),
        batch_size=config.batch_size,
        shuffle=config.shuffle,
        drop_last=config.batch_norm and n > config.batch_size and n % config.batch_size == 1,
        rng=rng,
    )
    val_loader = None if val is None else DataLoader(TensorDataset(*val), batch_size=len(val[0]))
    stopper = None
    if val is not None:
        stopper = EarlyStopping("val_loss", patience=config.n_iter_no_change, min_delta=config.tol)
    history = fit(
        model,
        StructuralRisk(loss, model, l1=config.alpha_l1, l2=config.alpha),
        optimizer,
        loader,
        epochs=config.max_iter,
        val_loader=val_loader,
        scheduler=scheduler,
        callbacks=() if stopper is None else (stopper,),
        progress=False,
    )
    model.eval()
    if stopper is None or stopper.best_epoch_ is None:
        return Result(history, len(history), None)
    return Result(history, stopper.best_epoch_, stopper.best_)
