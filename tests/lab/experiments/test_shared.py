"""The lab's one MLP builder and its mini-batch pieces (netopt.lab.experiments._shared)."""

import numpy as np

from netopt import nn
from netopt.lab.experiments._shared.nets import batches, linears, mlp, mlp_factory


def test_mlp_layers_in_order():
    model = mlp([3, 5, 4, 2], nn.Tanh, rng=np.random.default_rng(0), batch_norm=True)
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Linear", "BatchNorm1d", "Tanh", "Linear", "BatchNorm1d", "Tanh", "Linear"]
    shapes = [layer.weight.data.shape for layer in linears(model)]
    assert shapes == [(5, 3), (4, 5), (2, 4)]


def test_mlp_default_is_relu_float32_and_dtype_is_passed_on():
    assert [type(m).__name__ for m in mlp([2, 3, 1], rng=np.random.default_rng(0))] == [
        "Linear",
        "ReLU",
        "Linear",
    ]
    for dtype in (np.float32, np.float64):
        model = mlp([2, 3, 1], rng=np.random.default_rng(0), dtype=dtype)
        assert {p.data.dtype for p in model.parameters()} == {np.dtype(dtype)}


def test_factory_copies_the_mlp_drawn_from_the_same_generator():
    make = mlp_factory((4, 6, 3), np.random.default_rng(7), np.float64)
    reference = mlp([4, 6, 3], rng=np.random.default_rng(7), dtype=np.float64)
    a, b = make(), make()
    assert a is not b
    for p, q, r in zip(a.parameters(), b.parameters(), reference.parameters()):
        assert p is not q
        np.testing.assert_array_equal(p.data, r.data)
        np.testing.assert_array_equal(q.data, r.data)


def test_batches_cover_every_row_once_per_epoch():
    drawn = list(batches(10, 5, 4, np.random.default_rng(1)))
    assert [len(b) for b in drawn] == [5, 5, 5, 5]
    assert sorted(np.concatenate(drawn[:2])) == list(range(10))
    assert sorted(np.concatenate(drawn[2:])) == list(range(10))
