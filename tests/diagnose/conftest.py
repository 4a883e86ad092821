"""Fixtures for the diagnosis tests: the digits split, an MLP factory, and a fit helper.

Each training condition of the tests is built on purpose from these: a 10-layer sigmoid net
(vanishing gradients), an over-parameterized net on 100 digits (overfitting), a linear model
on spirals (underfitting), a learning rate past the stability limit (exploding gradients).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from netopt import nn
from netopt.data import DataLoader, TensorDataset, load_digits
from netopt.diagnose import LayerStats
from netopt.train import fit


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's digits, 1,347 train and 450 test images, pixels in [0, 1]."""
    return load_digits()


def make_mlp(sizes, activation, seed=0):
    """``Linear -> activation`` per hidden layer, then a linear output, drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    layers = []
    for fan_in, fan_out in itertools.pairwise(sizes[:-1]):
        layers += [nn.Linear(fan_in, fan_out, rng=rng), activation()]
    layers.append(nn.Linear(sizes[-2], sizes[-1], rng=rng))
    return nn.Sequential(*layers)


def train(
    model, optimizer, x, y, *, epochs, val=None, batch_size=64, loss=None,
    metrics=("accuracy",), callbacks=(), nonfinite_guard=True,
):  # fmt: skip
    """Fit with LayerStats probing the first 256 training inputs; return the History."""
    rng = np.random.default_rng(1)
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True, rng=rng)
    val_loader = None if val is None else DataLoader(TensorDataset(*val), batch_size=512)
    return fit(
        model, loss or nn.CrossEntropyLoss(), optimizer, loader, epochs=epochs,
        val_loader=val_loader, callbacks=[LayerStats(x[:256]), *callbacks], metrics=metrics,
        nonfinite_guard=nonfinite_guard, progress=False,
    )  # fmt: skip


@pytest.fixture
def mlp():
    return make_mlp


@pytest.fixture
def run():
    return train
