"""Fixtures for the training tests: a small seeded classification problem and an MLP factory."""

from __future__ import annotations

import numpy as np
import pytest

from netopt import nn
from netopt.data import DataLoader, TensorDataset


def blobs(seed: int, n: int = 96, d: int = 4, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Samples (drawn from ``seed``) of ``k`` fixed Gaussian blobs in ``d`` dimensions."""
    centers = np.random.default_rng(1234).normal(scale=2.0, size=(k, d))
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, size=n)
    x = centers[y] + rng.normal(size=(n, d))
    return x.astype(np.float32), y.astype(np.int64)


@pytest.fixture
def problem():
    """Train and validation loaders over blobs (shuffled with their own generator)."""
    x, y = blobs(0)
    xv, yv = blobs(1, n=40)
    train = DataLoader(
        TensorDataset(x, y), batch_size=16, shuffle=True, rng=np.random.default_rng(2)
    )
    val = DataLoader(TensorDataset(xv, yv), batch_size=16)
    return train, val


@pytest.fixture
def mlp():
    """Factory: a 4-16-3 ReLU MLP initialized from ``seed``."""

    def make(seed: int = 0) -> nn.Module:
        rng = np.random.default_rng(seed)
        return nn.Sequential(nn.Linear(4, 16, rng=rng), nn.ReLU(), nn.Linear(16, 3, rng=rng))

    return make
