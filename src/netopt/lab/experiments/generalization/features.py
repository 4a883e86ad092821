r"""Model capacity on real data: linear vs MLP on MNIST-1D (private).

* :func:`mnist1d` trains logistic regression, a two-hidden-layer MLP and the paper's CNN on
  MNIST-1D (Greydanus, 2020), whose published test accuracies are about 32%, 68% and 94%: a
  linear model underfits this data, a non-linear one does not (slide 57).
* :func:`mnist1d_cnn` is the CNN of the mnist1d repository (``ConvBase``), imported from
  :mod:`netopt.sweep.models`: one builder for the lab and the sweep problem ``mnist1d_cnn``.
"""

from __future__ import annotations

from netopt import nn
from netopt.data import Split, load_mnist1d
from netopt.sweep.models import mnist1d_cnn

from .._shared.nets import mlp
from .common import accuracy, train_classifier

PAPER = {"logistic regression": 0.32, "MLP": 0.68, "CNN": 0.94}
"""Test accuracies published with MNIST-1D (Greydanus, 2020)."""
MNIST1D_HIDDEN = 100
MNIST1D_BATCH = 100
MNIST1D_LR = 1e-2
"""Adam learning rate and batch size of the MNIST-1D repository's training defaults."""


def mnist1d(streams: dict, *, steps: int, split: Split | None = None) -> dict:
    r"""Logistic regression, a 40-100-100-10 ReLU MLP and the paper's CNN (:func:`mnist1d_cnn`)
    on MNIST-1D, the same budget each.

    Parameters
    ----------
    streams : dict
        Generators ``init`` and ``shuffle``.
    steps : int
        Adam steps of batch 100 (rounded up to whole epochs of the 4,000 training signals).
    split : netopt.data.Split, optional
        MNIST-1D as :func:`netopt.data.load_mnist1d` returns it; loaded here when omitted.

    Returns
    -------
    dict
        name -> ``{"train", "test", "paper", "epochs", "curve"}`` (test accuracy is of the
        1,000 test signals; ``curve`` is the training loss per epoch).
    """
    if split is None:
        split = load_mnist1d()  # the paper's dataset (seed 42)
    epochs = max(1, -(-steps * MNIST1D_BATCH // len(split.x_train)))
    models = {
        "logistic regression": nn.Linear(40, 10, rng=streams["init"]),
        "MLP": mlp([40, MNIST1D_HIDDEN, MNIST1D_HIDDEN, 10], rng=streams["init"]),
        "CNN": mnist1d_cnn(streams["init"]),
    }
    out = {}
    for name, model in models.items():
        history = train_classifier(
            model,
            split.x_train,
            split.y_train,
            epochs=epochs,
            lr=MNIST1D_LR,
            rng=streams["shuffle"],
            batch_size=MNIST1D_BATCH,
        )
        out[name] = {
            "train": accuracy(model, split.x_train, split.y_train),
            "test": accuracy(model, split.x_test, split.y_test),
            "paper": PAPER[name],
            "epochs": epochs,
            "steps": epochs * -(-len(split.x_train) // MNIST1D_BATCH),
            "curve": list(history["loss"]),
        }
    return out
