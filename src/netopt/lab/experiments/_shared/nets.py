r"""The lab's one MLP builder, and the mini-batch loop pieces its experiments share.

Multi-layer perceptrons with a chosen activation, initialisation and dtype, random
mini-batches from an injected generator, and one optimizer step; everything draws its
randomness from the generator it is given.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterator, Sequence

import numpy as np

import netopt
from netopt import nn
from netopt.nn import functional as F


def mlp(
    sizes: Sequence[int],
    activation: Callable[[], nn.Module] = nn.ReLU,
    *,
    rng: np.random.Generator,
    init: Callable[[nn.Linear, np.random.Generator], None] | None = None,
    batch_norm: bool = False,
    dtype: type = np.float32,
) -> nn.Sequential:
    r"""``Linear -> [BatchNorm1d] -> activation`` per hidden layer, then a linear output.

    Parameters
    ----------
    sizes : sequence of int
        ``[inputs, hidden_1, ..., hidden_k, outputs]``.
    activation : callable, default ``nn.ReLU``
        Makes a fresh activation module, e.g. ``nn.Sigmoid``.
    rng : numpy.random.Generator
        Draws every initial weight.
    init : callable, optional
        ``init(linear, rng)`` re-initialises each hidden ``Linear`` (the output layer
        keeps PyTorch's default); None keeps PyTorch's default everywhere.
    batch_norm : bool, default False
        Put ``BatchNorm1d`` between each hidden ``Linear`` and its activation, as the
        chapter places it ("before the activation", slide 53).
    dtype : numpy dtype, default float32
        Of every ``Linear``'s weight and bias.

    Returns
    -------
    netopt.nn.Sequential
    """
    layers: list[nn.Module] = []
    for fan_in, fan_out in itertools.pairwise(sizes[:-1]):
        linear = nn.Linear(fan_in, fan_out, rng=rng, dtype=dtype)
        if init is not None:
            init(linear, rng)
        layers.append(linear)
        if batch_norm:
            layers.append(nn.BatchNorm1d(fan_out))
        layers.append(activation())
    layers.append(nn.Linear(sizes[-2], sizes[-1], rng=rng, dtype=dtype))
    return nn.Sequential(*layers)


def mlp_factory(
    sizes: Sequence[int], rng: np.random.Generator, dtype: type = np.float32
) -> Callable[[], nn.Sequential]:
    r"""A function that returns fresh copies of one ReLU :func:`mlp` drawn once from ``rng``.

    Every contender of a comparison starts from the same weights, so the comparison
    measures the method, not the initialization.

    Returns
    -------
    callable
        ``make() -> nn.Sequential``, a deep copy of the same initial model each call.
    """
    template = mlp(sizes, nn.ReLU, rng=rng, dtype=dtype)

    def make() -> nn.Sequential:
        return copy.deepcopy(template)

    return make


def he_init(linear: nn.Linear, rng: np.random.Generator) -> None:
    """He (Kaiming) normal weights for ReLU (:func:`netopt.nn.init.kaiming_normal_`); zero bias."""
    nn.init.kaiming_normal_(linear.weight, nonlinearity="relu", rng=rng)
    nn.init.zeros_(linear.bias)


def linears(model: nn.Sequential) -> list[nn.Linear]:
    """The ``Linear`` layers of ``model``, input first."""
    return [m for m in model if isinstance(m, nn.Linear)]


def batches(n: int, batch_size: int, steps: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """``steps`` index arrays of ``batch_size`` rows each, reshuffling every epoch."""
    order = rng.permutation(n)
    position = 0
    for _ in range(steps):
        if position + batch_size > n:
            order, position = rng.permutation(n), 0
        yield order[position : position + batch_size]
        position += batch_size


def cross_entropy_step(
    model: nn.Module, optimizer: netopt.optim.Optimizer, x: np.ndarray, y: np.ndarray
) -> float:
    """One optimizer step on the mean cross-entropy of ``(x, y)``; returns the loss."""
    loss = F.cross_entropy(model(netopt.tensor(x)), netopt.tensor(y))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return float(loss.item())


def predict(model: nn.Module, x: np.ndarray) -> np.ndarray:
    """Class predictions (argmax of the logits) in evaluation mode, without a graph."""
    was_training = model.training
    model.eval()
    with netopt.no_grad():
        logits = model(netopt.tensor(x))._data
    model.train(was_training)
    return logits.argmax(axis=1)
