r"""Model capacity on real data: linear vs MLP on MNIST-1D (private).

* :func:`mnist1d` trains logistic regression, a two-hidden-layer MLP and the paper's CNN on
  MNIST-1D (Greydanus, 2020), whose published test accuracies are about 32%, 68% and 94%: a
  linear model underfits this data, a non-linear one does not (slide 57).
* :func:`mnist1d_cnn` is the CNN of the mnist1d repository (``ConvBase``).
"""

from __future__ import annotations

import numpy as np

from netopt import nn
from netopt.data import load_mnist1d

from .._shared.nets import mlp
from .common import accuracy, train_classifier

PAPER = {"logistic regression": 0.32, "MLP": 0.68, "CNN": 0.94}
"""Test accuracies published with MNIST-1D (Greydanus, 2020)."""
MNIST1D_HIDDEN = 100
MNIST1D_BATCH = 100
MNIST1D_LR = 1e-2
"""Adam learning rate and batch size of the MNIST-1D repository's training defaults."""
CNN_CHANNELS = 25
SIGNAL_LENGTH = 40


def mnist1d_cnn(rng: np.random.Generator) -> nn.Sequential:
    r"""The MNIST-1D paper's CNN (``ConvBase``), taking ``(N, 40)`` signals.

    Three 1-D convolutions of 25 channels (kernel 5, then 3 and 3; stride 2, padding 1;
    lengths 40 -> 19 -> 10 -> 5), each followed by ReLU, then a linear layer from the
    flattened 125 features to 10 classes; torch's default initialization drawn from ``rng``.
    """
    c = CNN_CHANNELS
    return nn.Sequential(
        nn.Unflatten(1, (1, SIGNAL_LENGTH)),
        nn.Conv1d(1, c, 5, stride=2, padding=1, rng=rng),
        nn.ReLU(),
        nn.Conv1d(c, c, 3, stride=2, padding=1, rng=rng),
        nn.ReLU(),
        nn.Conv1d(c, c, 3, stride=2, padding=1, rng=rng),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(c * 5, 10, rng=rng),
    )


def mnist1d(streams: dict, *, steps: int) -> dict:
    r"""Logistic regression, a 40-100-100-10 ReLU MLP and the paper's CNN (:func:`mnist1d_cnn`)
    on MNIST-1D, the same budget each.

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
