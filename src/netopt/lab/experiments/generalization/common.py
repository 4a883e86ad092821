r"""Training and scoring helpers of the under/overfitting experiment (private).

Every network here is trained by :func:`netopt.train.fit` over a
:class:`~netopt.data.DataLoader` (full batch unless a batch size is given) with Adam, and
scored in evaluation mode without a graph. Randomness comes only from the generators passed
in (the experiment draws them from :meth:`netopt.lab.core.Context.rng`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import netopt
from netopt import nn, optim
from netopt.data import DataLoader, TensorDataset
from netopt.nn import functional as F
from netopt.train import Callback, History, fit


def train_classifier(
    model: nn.Module,
    x: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    lr: float,
    rng: np.random.Generator,
    batch_size: int | None = None,
    loss_fn: Any = None,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    callbacks: Sequence[Callback] = (),
    transform: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
) -> History:
    r"""Train ``model`` on ``(x, y)`` with Adam and cross-entropy through :func:`~netopt.train.fit`.

    Parameters
    ----------
    model : netopt.nn.Module
        Outputs one logit per class.
    x, y : ndarray
        Inputs (float32) and class indices.
    epochs : int
        Passes over ``x``.
    lr : float
        Adam's learning rate.
    rng : numpy.random.Generator
        Shuffling and the transform's randomness (the DataLoader's generator).
    batch_size : int, optional
        Mini-batch size; None trains full batch (one step per epoch).
    loss_fn : callable, optional
        Default ``nn.CrossEntropyLoss()``; a :class:`~netopt.regularization.StructuralRisk`
        adds a penalty.
    validation : (ndarray, ndarray), optional
        Evaluated after every epoch into the history's ``val_loss``.
    callbacks : sequence of Callback
        E.g. :class:`~netopt.train.EarlyStopping`.
    transform : callable, optional
        Augmentation applied to every training batch, ``transform(x_batch, rng)``.

    Returns
    -------
    netopt.train.History
    """
    size = len(x) if batch_size is None else min(batch_size, len(x))
    loader = DataLoader(
        TensorDataset(x, y), batch_size=size, shuffle=True, rng=rng, transform=transform
    )
    val_loader = None
    if validation is not None:
        val_loader = DataLoader(TensorDataset(*validation), batch_size=len(validation[0]))
    return fit(
        model,
        nn.CrossEntropyLoss() if loss_fn is None else loss_fn,
        optim.Adam(model.parameters(), lr=lr),
        loader,
        epochs=epochs,
        val_loader=val_loader,
        callbacks=callbacks,
        progress=False,
    )


def logits(model: nn.Module, x: np.ndarray) -> np.ndarray:
    """The model's outputs on ``x`` in evaluation mode, without a graph."""
    was_training = model.training
    model.eval()
    with netopt.no_grad():
        out = model(netopt.tensor(x))._data
    model.train(was_training)
    return np.asarray(out)


def score(model: nn.Module, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """``(accuracy, mean cross-entropy)`` of ``model`` on ``(x, y)``."""
    out = logits(model, x)
    loss = F.cross_entropy(netopt.tensor(out), netopt.tensor(y)).item()
    return float((out.argmax(axis=1) == y).mean()), float(loss)


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    """Fraction of ``x`` whose arg-max logit is ``y``."""
    return float((logits(model, x).argmax(axis=1) == y).mean())


def stratified_sample(
    y: np.ndarray, per_class: int, rng: np.random.Generator, exclude: np.ndarray | None = None
) -> np.ndarray:
    """Indices of ``per_class`` rows of every class of ``y`` (not in ``exclude``), shuffled."""
    allowed = np.ones(len(y), dtype=bool)
    if exclude is not None:
        allowed[exclude] = False
    chosen = [
        rng.choice(np.flatnonzero((y == k) & allowed), per_class, replace=False)
        for k in np.unique(y)
    ]
    return rng.permutation(np.concatenate(chosen))
