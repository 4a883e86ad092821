"""netopt.nn's activation modules: reprs, no parameters, the same numbers as their
functions, and gradchecks (defaults, on float64 inputs kept >= 1e-3 from the kinks)."""

from __future__ import annotations

import numpy as np
import pytest

import netopt
import netopt.nn.functional as F
from netopt import nn
from netopt.autograd import gradcheck

ACTIVATIONS = [
    ("Sigmoid", nn.Sigmoid(), ()),
    ("Tanh", nn.Tanh(), ()),
    ("ReLU", nn.ReLU(), (0.0,)),
    ("LeakyReLU", nn.LeakyReLU(0.2), (0.0,)),
    ("ELU", nn.ELU(alpha=1.5), (0.0,)),
    ("Softplus", nn.Softplus(beta=0.5, threshold=1.0), (2.0,)),
    ("GELU", nn.GELU(), ()),
    ("GELU_tanh", nn.GELU(approximate="tanh"), ()),
    ("SELU", nn.SELU(), (0.0,)),
    ("SiLU", nn.SiLU(), ()),
    ("Softmax", nn.Softmax(dim=1), ()),
    ("LogSoftmax", nn.LogSoftmax(dim=0), ()),
]


@pytest.mark.parametrize(("fn", "kinks"), [pytest.param(f, k, id=i) for i, f, k in ACTIVATIONS])
def test_gradcheck_activation(fn, kinks, off_kinks):
    assert gradcheck(fn, [off_kinks((3, 4), seed=len(kinks), kinks=kinks)])


def test_module_reprs():
    assert repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.ELU(0.5)) == "ELU(alpha=0.5)"
    assert repr(nn.Softplus()) == "Softplus(beta=1.0, threshold=20.0)"
    assert repr(nn.GELU("tanh")) == "GELU(approximate='tanh')"
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"
    assert repr(nn.LogSoftmax(dim=-1)) == "LogSoftmax(dim=-1)"


def test_activation_modules_have_no_parameters_and_equal_their_functions():
    x = netopt.tensor(np.linspace(-2.0, 2.0, 5))
    for module, fn in [
        (nn.Sigmoid(), F.sigmoid),
        (nn.LeakyReLU(0.3), lambda t: F.leaky_relu(t, 0.3)),
        (nn.Softplus(2.0, 1.0), lambda t: F.softplus(t, 2.0, 1.0)),
        (nn.Softmax(0), lambda t: F.softmax(t, 0)),
    ]:
        assert list(module.parameters()) == []
        assert np.array_equal(module(x).data, fn(x).data)
