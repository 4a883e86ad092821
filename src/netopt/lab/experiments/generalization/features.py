r"""Model capacity on real data: linear vs MLP on MNIST-1D (private).

* :func:`mnist1d` trains logistic regression and a two-hidden-layer MLP on MNIST-1D
  (Greydanus, 2020), whose published test accuracies are about 32% and 68%: a linear model
  underfits this data, a non-linear one does not (slide 57).
"""

from __future__ import annotations

from netopt import nn
from netopt.data import load_mnist1d

from .._shared.nets import mlp
from .common import accuracy, train_classifier

PAPER = {"logistic regression": 0.32, "MLP": 0.68}
"""Test accuracies published with MNIST-1D (Greydanus, 2020)."""
MNIST1D_HIDDEN = 100
MNIST1D_BATCH = 100
MNIST1D_LR = 1e-2
"""Adam learning rate and batch size of the MNIST-1D repository's training defaults."""


def mnist1d(streams: dict, *, steps: int) -> dict:
    r"""Logistic regression and a 40-100-100-10 ReLU MLP on MNIST-1D, the same budget each.

    Parameters
    ----------
    streams : dict
        Generators ``init`` and ``shuffle``.
    steps : int
        Adam steps of batch 100 (rounded up to whole epochs of the 4,000 training signals).

    Returns
    -------
    dict
        name -> ``{"train", "test", "paper", "epochs", "curve"}`` (test accuracy is of the
        1,000 test signals; ``curve`` is the training loss per epoch).
    """
    split = load_mnist1d()  # the paper's dataset (seed 42)
    epochs = max(1, -(-steps * MNIST1D_BATCH // len(split.x_train)))
    models = {
        "logistic regression": nn.Linear(40, 10, rng=streams["init"]),
        "MLP": mlp([40, MNIST1D_HIDDEN, MNIST1D_HIDDEN, 10], rng=streams["init"]),
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
