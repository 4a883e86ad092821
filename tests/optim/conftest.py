"""The optimizer registry and the small problems that every optimizer test runs on.

Tests take ``optim_row`` (parametrized over :data:`REGISTRY`), the ``optim_problem``
factory: a linear map ``W`` (10x5) with bias ``b`` and loss ``sum((x W^T + b)^2)``, and
the ``kernel_inputs`` factory of a kernel test's random inputs.
"""

from __future__ import annotations

import numpy as np
import pytest

import netopt
from netopt.nn import Module, Parameter
from netopt.optim import SGD, Adagrad, Adam, AdamW, RMSprop

#: (optimizer class, constructor keywords): every row must make the test loss fall.
REGISTRY = {
    "sgd": (SGD, {"lr": 0.01}),
    "sgd-momentum": (SGD, {"lr": 0.01, "momentum": 0.9}),
    "sgd-nesterov": (SGD, {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
    "sgd-dampening-wd": (
        SGD,
        {"lr": 0.01, "momentum": 0.9, "dampening": 0.3, "weight_decay": 1e-3},
    ),
    "adagrad": (Adagrad, {"lr": 0.1}),
    "adagrad-decay": (
        Adagrad,
        {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1, "weight_decay": 1e-3},
    ),
    "rmsprop": (RMSprop, {"lr": 0.01}),
    "rmsprop-centered-momentum": (RMSprop, {"lr": 0.01, "centered": True, "momentum": 0.5}),
    "adam": (Adam, {"lr": 0.05}),
    "adam-amsgrad-wd": (Adam, {"lr": 0.05, "amsgrad": True, "weight_decay": 1e-3}),
    "adamw": (AdamW, {"lr": 0.05}),
    "adamw-amsgrad": (AdamW, {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}),
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "optim_row" in metafunc.fixturenames:
        metafunc.parametrize("optim_row", list(REGISTRY.values()), ids=list(REGISTRY))


class Affine(Module):
    """``x W^T + b`` with W of shape (10, 5), drawn from ``rng``."""

    def __init__(self, rng: np.random.Generator, dtype: type) -> None:
        super().__init__()
        self.W = Parameter(rng.standard_normal((10, 5)).astype(dtype))
        self.b = Parameter(rng.standard_normal(10).astype(dtype))

    def forward(self, x: netopt.Tensor) -> netopt.Tensor:
        return x @ self.W.T + self.b


class Problem:
    """A model, its inputs and ``loss()``; ``backward()`` refills the gradients."""

    def __init__(self, seed: int, dtype: type = np.float64) -> None:
        rng = np.random.default_rng(seed)
        self.model = Affine(rng, dtype)
        self.x = netopt.tensor(rng.standard_normal((3, 5)).astype(dtype))

    def loss(self) -> netopt.Tensor:
        return (self.model(self.x) ** 2).sum()

    def backward(self) -> float:
        self.model.zero_grad()
        loss = self.loss()
        loss.backward()
        return loss.item()

    def params(self) -> list[Parameter]:
        return list(self.model.parameters())

    def values(self) -> list[np.ndarray]:
        return [np.array(p.data) for p in self.model.parameters()]


@pytest.fixture
def optim_problem():
    """Factory ``(seed, dtype=np.float64) -> Problem``; the same seed gives equal problems."""
    return Problem


def _kernel_inputs(seed: int) -> tuple[np.random.Generator, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    theta = rng.standard_normal(6)
    grad = rng.standard_normal(6)
    return rng, theta, grad


@pytest.fixture
def kernel_inputs():
    """Factory ``seed -> (rng, theta, grad)``: six float64 values each, for a kernel test."""
    return _kernel_inputs
