"""nn.init: bounds and spreads against the formulas, with seeded generators.

A uniform initializer must stay inside its bound and reach close to it; a normal one must
have the formula's standard deviation. With n = 40,000 draws the sample standard deviation
has a relative standard error of 1/sqrt(2n) = 0.35%, so REL_STD = 2% is more than 5 standard
errors; a U(-a, a) draw exceeds 0.999 a in magnitude with probability 1e-3, so
n = 40,000 draws all below it happen with probability e^-40. calculate_gain is compared
with torch in test_torch_reference.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from netopt import nn
from netopt.nn import init

REL_STD = 0.02
SHAPE = (200, 100, 2)  # fan_in = 100 * 2 = 200, fan_out = 200 * 2 = 400


def _param(shape=SHAPE, dtype=np.float64):
    return nn.Parameter(np.zeros(shape, dtype=dtype))


def _rng(seed=0):
    return np.random.default_rng(seed)


def test_calculate_gain_by_hand():
    assert init.calculate_gain("linear") == 1.0
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("conv2d") == 1.0
    assert init.calculate_gain("tanh") == 5.0 / 3.0
    assert init.calculate_gain("relu") == math.sqrt(2.0)
    assert init.calculate_gain("selu") == 0.75
    assert init.calculate_gain("leaky_relu") == math.sqrt(2.0 / (1 + 0.01**2))
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2.0 / 1.04)


def test_fans():
    assert init._calculate_fan_in_and_fan_out(_param((3, 5))) == (5, 3)
    assert init._calculate_fan_in_and_fan_out(_param(SHAPE)) == (200, 400)


def _assert_uniform(values, bound):
    assert np.abs(values).max() <= bound
    assert np.abs(values).max() > 0.999 * bound
    assert abs(values.std() / (bound / math.sqrt(3)) - 1) < REL_STD  # std of U(-a, a)
    assert abs(values.mean()) < 5 * bound / math.sqrt(3 * values.size)


def _assert_normal(values, std):
    assert abs(values.std() / std - 1) < REL_STD
    assert abs(values.mean()) < 5 * std / math.sqrt(values.size)


def test_xavier_uniform_and_normal():
    w = init.xavier_uniform_(_param(), gain=2.0, rng=_rng())
    _assert_uniform(w.data.numpy(), 2.0 * math.sqrt(6.0 / (200 + 400)))
    w = init.xavier_normal_(_param(), gain=0.5, rng=_rng())
    _assert_normal(w.data.numpy(), 0.5 * math.sqrt(2.0 / 600))


@pytest.mark.parametrize(
    ("a", "mode", "nonlinearity", "gain", "fan"),
    [
        (0.0, "fan_in", "relu", math.sqrt(2.0), 200),
        (0.0, "fan_out", "relu", math.sqrt(2.0), 400),
        (0.0, "fan_in", "leaky_relu", math.sqrt(2.0), 200),  # a = 0: the ReLU gain
        (0.3, "fan_in", "leaky_relu", math.sqrt(2.0 / 1.09), 200),
        (math.sqrt(5), "fan_in", "leaky_relu", math.sqrt(2.0 / 6.0), 200),  # Linear's default
        (0.0, "fan_out", "tanh", 5.0 / 3.0, 400),
    ],
)
def test_kaiming_uniform_and_normal(a, mode, nonlinearity, gain, fan):
    w = init.kaiming_uniform_(_param(), a=a, mode=mode, nonlinearity=nonlinearity, rng=_rng())
    _assert_uniform(w.data.numpy(), gain * math.sqrt(3.0 / fan))
    w = init.kaiming_normal_(_param(), a=a, mode=mode, nonlinearity=nonlinearity, rng=_rng())
    _assert_normal(w.data.numpy(), gain / math.sqrt(fan))


def test_linear_default_init_is_kaiming_uniform_with_a_sqrt5():
    # gain sqrt(2 / (1 + 5)) times sqrt(3 / fan_in) = 1 / sqrt(fan_in)
    w = init.kaiming_uniform_(_param((100, 400)), a=math.sqrt(5), rng=_rng())
    _assert_uniform(w.data.numpy(), 1 / math.sqrt(400))


def test_fillers_work_in_place_and_keep_the_dtype():
    p = _param((4, 3), np.float32)
    storage = p.data.numpy()
    assert init.uniform_(p, -2.0, -1.0, rng=_rng()) is p and p.data.numpy() is storage
    assert p.dtype == np.float32 and ((p.data >= -2.0) & (p.data < -1.0)).all()
    init.normal_(p, mean=5.0, std=0.0, rng=_rng())
    assert (p.data == 5.0).all()
    init.constant_(p, 0.25)
    assert (p.data == 0.25).all()
    init.zeros_(p)
    assert not p.data.any()
    init.ones_(p)
    assert (p.data.numpy() == 1.0).all() and p.data.numpy() is storage


def test_seeded_generators_reproduce_and_differ():
    a = init.xavier_uniform_(_param((5, 4)), rng=_rng(3)).data
    b = init.xavier_uniform_(_param((5, 4)), rng=_rng(3)).data
    c = init.xavier_uniform_(_param((5, 4)), rng=_rng(4)).data
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_zero_element_tensor_is_left_alone_with_a_warning():
    p = _param((0, 3))
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        assert init.kaiming_uniform_(p) is p
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_normal_(p)
