"""Weight penalties and the structural risk (eq. 6-9..6-12): values, gradients, the L2 and
weight-decay equivalence, and bad input.

Hand values are exact in binary floating point and compared with ``==``; the
weight-decay comparison is float64 at rtol 1e-12.
"""

from __future__ import annotations

import numpy as np
import pytest

import netopt
from netopt import nn
from netopt.autograd import gradcheck
from netopt.optim import SGD
from netopt.regularization import StructuralRisk, l1_penalty, l2_penalty


def _layer(weight, bias, dtype=np.float64) -> nn.Linear:
    weight = np.asarray(weight, dtype=dtype)
    layer = nn.Linear(weight.shape[1], weight.shape[0], dtype=dtype)
    layer.weight.data[...] = weight
    layer.bias.data[...] = bias
    return layer


def test_penalties_by_hand_weights_only_by_default():
    layer = _layer([[1.0, -2.0], [0.5, 0.0]], [3.0, -4.0])
    assert l1_penalty(layer).item() == 3.5  # |1| + |-2| + |0.5| + |0|
    assert l2_penalty(layer).item() == 2.625  # (1 + 4 + 0.25 + 0) / 2
    assert l1_penalty(layer, include_bias=True).item() == 10.5  # + |3| + |-4|
    assert l2_penalty(layer, include_bias=True).item() == 15.125  # + (9 + 16) / 2


def test_penalty_gradients_are_sign_and_the_weight():
    layer = _layer([[1.0, -2.0], [0.5, 0.0]], [3.0, -4.0])
    l1_penalty(layer).backward()
    assert layer.weight.grad.tolist() == [[1.0, -1.0], [1.0, 0.0]]  # sign(w); 0 at 0
    assert layer.bias.grad is None  # biases are not penalized
    layer.zero_grad()
    l2_penalty(layer).backward()
    assert layer.weight.grad.tolist() == [[1.0, -2.0], [0.5, 0.0]]  # d(w^2/2)/dw = w


def test_gradcheck_penalties_over_parameter_lists():
    rng = np.random.default_rng(0)
    w1 = nn.Parameter(rng.uniform(0.1, 1.0, (3, 2)) * rng.choice([-1, 1], (3, 2)))
    w2 = nn.Parameter(rng.standard_normal((2, 2)))
    assert np.abs(w1.data.numpy()).min() >= 1e-3  # |w| has a kink at 0
    assert gradcheck(lambda a, b: l1_penalty([a, b]), [w1, w2])
    assert gradcheck(lambda a, b: l2_penalty([a, b]), [w1, w2])


def test_l2_penalty_step_equals_sgd_weight_decay():
    # loss + lam * J_L2 has gradient grad + lam * w: one SGD step on it equals one step of
    # SGD(weight_decay=lam) on the loss alone (biases: no decay on either side).
    rng = np.random.default_rng(1)
    x = netopt.tensor(rng.standard_normal((8, 3)))
    y = netopt.tensor(rng.standard_normal((8, 2)))
    lam = 0.3
    weights = rng.standard_normal((2, 3)), rng.standard_normal(2)
    penalized, decayed = _layer(*weights), _layer(*weights)
    opt_p = SGD(penalized.parameters(), lr=0.1)
    opt_d = SGD(
        [{"params": [decayed.weight], "weight_decay": lam}, {"params": [decayed.bias]}], lr=0.1
    )
    risk = StructuralRisk(nn.MSELoss(), penalized, l2=lam)
    for _ in range(3):
        for model, opt, loss_fn in ((penalized, opt_p, risk), (decayed, opt_d, nn.MSELoss())):
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
    for a, b in zip(penalized.parameters(), decayed.parameters(), strict=True):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-12)


def test_structural_risk_adds_both_penalties_and_records_the_last():
    layer = _layer([[1.0, -2.0]], [5.0])
    zero = nn.MSELoss()
    risk = StructuralRisk(zero, layer, l1=0.5, l2=0.25)
    x = netopt.tensor(np.array([[0.0, 0.0]]))
    out = risk(layer(x), layer(x).detach())  # the loss itself is 0
    assert out.item() == 0.5 * 3.0 + 0.25 * 2.5
    assert risk.last_penalty == 0.5 * 3.0 + 0.25 * 2.5
    assert StructuralRisk(zero, layer).penalty() == 0.0  # no strengths: no penalty


@pytest.mark.parametrize("kwargs", [{"l1": -0.1}, {"l2": float("nan")}])
def test_structural_risk_rejects_bad_strengths(kwargs):
    ((name, value),) = kwargs.items()
    with pytest.raises(ValueError, match=f"Invalid {name} strength: {value}"):
        StructuralRisk(nn.MSELoss(), nn.Linear(2, 1), **kwargs)


def test_nothing_to_penalize_is_an_error():
    with pytest.raises(ValueError, match="no parameters to penalize"):
        l2_penalty([nn.Parameter(np.zeros(3))])  # a bias only, and biases are excluded
