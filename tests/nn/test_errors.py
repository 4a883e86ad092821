"""nn error paths as one table: (callable, kwargs, exception, message regex).

Unlike torch, a loss whose input and target shapes differ raises (naming both shapes)
instead of broadcasting: (256, 1) against (256,) would silently become a 256x256 loss.
"""

from __future__ import annotations

import numpy as np
import pytest

import netopt
import netopt.nn.functional as F
from netopt import nn
from netopt.nn import init


def _t(*shape, dtype=np.float64):
    return netopt.tensor(np.zeros(shape, dtype=dtype))


def _y(*values):
    return netopt.tensor(np.asarray(values, dtype=np.int64))


def _batchnorm_train(shape):
    nn.BatchNorm1d(shape[1])(netopt.zeros(*shape))


def _load(state, strict=True):
    nn.Linear(2, 1).load_state_dict(state, strict=strict)


def _assign(module, name, value):
    setattr(module, name, value)


class _NoInit(nn.Module):
    def __init__(self):
        self.w = 1  # before Module.__init__()


LINEAR_STATE = {"weight": np.zeros((1, 2), np.float32), "bias": np.zeros(1, np.float32)}
SHAPES = r"input shape \(256, 1\) and target shape \(256,\) differ"

ERRORS = [
    # losses: shapes (named, both), classes, reductions, smoothing
    (F.mse_loss, {"input": _t(256, 1), "target": _t(256)}, ValueError, "mse_loss: " + SHAPES),
    (F.l1_loss, {"input": _t(256, 1), "target": _t(256)}, ValueError, "l1_loss: " + SHAPES),
    (
        F.binary_cross_entropy_with_logits,
        {"input": _t(256, 1), "target": _t(256)},
        ValueError,
        SHAPES,
    ),
    (F.kl_div, {"input": _t(256, 1), "target": _t(256)}, ValueError, "kl_div: " + SHAPES),
    (
        nn.MSELoss().forward,
        {"input": _t(2, 3), "target": _t(3, 2)},
        ValueError,
        r"\(2, 3\).*\(3, 2\)",
    ),
    (
        F.cross_entropy,
        {"input": _t(4, 3), "target": _y(0, 1, 2)},
        ValueError,
        r"input shape \(4, 3\) needs class-index target of shape \(4,\), got \(3,\)",
    ),
    (
        F.cross_entropy,
        {"input": _t(4, 3), "target": _t(4, 2)},
        ValueError,
        r"probability target shape \(4, 2\) must equal input shape \(4, 3\)",
    ),
    (
        F.cross_entropy,
        {"input": _t(2, 3), "target": _y(0, 5)},
        ValueError,
        r"Target 5 is out of bounds: class indices must be in \[0, 3\)",
    ),
    (F.cross_entropy, {"input": _t(2, 3), "target": _y(-1, 0)}, ValueError, "Target -1 is out"),
    (
        nn.CrossEntropyLoss(ignore_index=3).forward,
        {"input": _t(2, 3), "target": _y(3, 4)},
        ValueError,
        "Target 4 is out of bounds",
    ),
    (F.nll_loss, {"input": _t(2, 3), "target": _y(0, 3)}, ValueError, "Target 3 is out of bounds"),
    (F.nll_loss, {"input": _t(2, 3, 1), "target": _y(0, 1)}, ValueError, r"expected input of sh"),
    (F.nll_loss, {"input": _t(2, 3), "target": _y(0)}, ValueError, "must be 2 class indices"),
    (F.cross_entropy, {"input": _t(), "target": _y(0)}, ValueError, "at least one dimension"),
    (
        F.cross_entropy,
        {"input": _t(2, 3), "target": np.array([True, False])},
        TypeError,
        "target dtype bool is neither integer nor float",
    ),
    (
        F.cross_entropy,
        {"input": _t(2, 3), "target": _y(0, 1), "weight": np.ones(2)},
        ValueError,
        r"weight should have shape \(3,\), got \(2,\)",
    ),
    (
        F.cross_entropy,
        {"input": _t(2, 3), "target": _y(0, 1), "reduction": "elementwise"},
        ValueError,
        "elementwise is not a valid value for reduction",
    ),
    (
        F.mse_loss,
        {"input": _t(2), "target": _t(2), "reduction": "batchmean"},
        ValueError,
        "batchmean is not a valid value for reduction",
    ),
    (nn.L1Loss, {"reduction": "avg"}, ValueError, "avg is not a valid value for reduction"),
    (F.kl_div, {"input": _t(2), "target": _t(2), "reduction": "max"}, ValueError, "max is not"),
    (
        F.cross_entropy,
        {"input": _t(2, 3), "target": _y(0, 1), "label_smoothing": -0.1},
        ValueError,
        r"label_smoothing must be between 0.0 and 1.0. Got: -0.1",
    ),
    (
        F.cross_entropy,
        {"input": _t(2, 3), "target": _y(0, 1), "label_smoothing": 1.5},
        ValueError,
        "label_smoothing must be between 0.0 and 1.0. Got: 1.5",
    ),
    # BatchNorm1d
    (
        _batchnorm_train,
        {"shape": (1, 3)},
        ValueError,
        r"Expected more than 1 value per channel when training, got input size \(1, 3\)",
    ),
    (
        _batchnorm_train,
        {"shape": (1, 3, 1)},
        ValueError,
        r"Expected more than 1 value per channel when training, got input size \(1, 3, 1\)",
    ),
    (
        F.batch_norm,
        {"input": _t(1, 2), "running_mean": None, "running_var": None, "training": True},
        ValueError,
        "Expected more than 1 value per channel when training",
    ),
    (F.batch_norm, {"input": _t(2), "running_mean": None, "running_var": None}, ValueError, "1D"),
    (
        nn.BatchNorm1d(3).forward,
        {"input": _t(4, 2)},
        ValueError,
        r"expects input of shape \(N, 3\)",
    ),
    (nn.BatchNorm1d, {"num_features": 0}, ValueError, "num_features must be a positive integer"),
    (nn.BatchNorm1d, {"num_features": 2, "eps": 0.0}, ValueError, "eps must be positive"),
    (nn.BatchNorm1d, {"num_features": 2, "momentum": 1.5}, ValueError, r"momentum must be in"),
    # Dropout
    (
        nn.Dropout,
        {"p": -0.1},
        ValueError,
        "dropout probability has to be between 0 and 1, but got -0.1",
    ),
    (
        nn.Dropout,
        {"p": 1.5},
        ValueError,
        "dropout probability has to be between 0 and 1, but got 1.5",
    ),
    (nn.Dropout, {"p": True}, ValueError, "dropout probability"),
    (F.dropout, {"input": _t(2), "p": 2.0}, ValueError, "between 0 and 1, but got 2.0"),
    # Linear
    (nn.Linear, {"in_features": -1, "out_features": 2}, ValueError, "in_features must be a non-n"),
    (nn.Linear, {"in_features": 2.5, "out_features": 2}, ValueError, "got 2.5"),
    (nn.Linear, {"in_features": 2, "out_features": True}, ValueError, "out_features must be a non"),
    (
        nn.Linear(3, 2).forward,
        {"input": _t(4, 2)},
        ValueError,
        "input has 2 features but weight expects 3",
    ),
    # load_state_dict (that a failed load changes nothing is tested in test_module.py)
    (_load, {"state": {"weight": LINEAR_STATE["weight"]}}, KeyError, r"missing keys \['bias'\]"),
    (_load, {"state": {**LINEAR_STATE, "w2": np.zeros(1)}}, KeyError, r"unexpected keys \['w2'\]"),
    (
        _load,
        {"state": {**LINEAR_STATE, "weight": np.zeros((2, 1))}},
        ValueError,
        r"size mismatch for weight: copying a param with shape \(2, 1\), "
        r"the shape in current model is \(1, 2\)",
    ),
    (
        _load,
        {"state": {"bias": np.zeros(3)}, "strict": False},
        ValueError,
        "size mismatch for bias",
    ),
    (_load, {"state": {**LINEAR_STATE, "bias": np.zeros(1, int)}}, ValueError, "dtype mismatch"),
    # Module registration
    (nn.Linear(1, 1).train, {"mode": "yes"}, ValueError, "training mode is expected to be boolean"),
    (_NoInit, {}, AttributeError, r"cannot assign before Module.__init__\(\) call"),
    (
        _assign,
        {"module": nn.Linear(1, 1), "name": "weight", "value": netopt.tensor([[1.0]])},
        TypeError,
        "cannot assign 'Tensor' as parameter 'weight'",
    ),
    (
        _assign,
        {"module": nn.BatchNorm1d(2), "name": "running_mean", "value": [0.0, 0.0]},
        TypeError,
        "cannot assign 'list' as buffer 'running_mean'",
    ),
    (
        nn.Module().register_parameter,
        {"name": "w", "param": netopt.tensor([1.0])},
        TypeError,
        "cannot assign 'Tensor' as parameter 'w'",
    ),
    (nn.Module().register_buffer, {"name": "b", "value": [1]}, TypeError, "must be an ndarray"),
    (nn.Module().add_module, {"name": "m", "module": 3}, TypeError, "int is not a Module"),
    (nn.Module(), {}, NotImplementedError, r"Module \[Module\] is missing 'forward'"),
    (nn.Parameter, {"data": np.array([1, 2])}, RuntimeError, "floating point dtype"),
    # activations
    (F.gelu, {"input": _t(2), "approximate": "fast"}, ValueError, "either none or tanh, got 'f"),
    # init
    (init.xavier_uniform_, {"tensor": _t(3)}, ValueError, "fewer than 2 dimensions"),
    (init.kaiming_normal_, {"tensor": _t(2, 2), "mode": "fan_avg"}, ValueError, "Mode fan_avg"),
    (init.calculate_gain, {"nonlinearity": "swish"}, ValueError, "Unsupported nonlinearity swish"),
    (
        init.calculate_gain,
        {"nonlinearity": "leaky_relu", "param": "0.1"},
        ValueError,
        "negative_slope 0.1 not a valid number",
    ),
]


def _row_id(row):
    fn = row[0]
    name = getattr(fn, "__qualname__", None) or type(fn).__name__
    return f"{name}-{row[2].__name__}"


@pytest.mark.parametrize(("fn", "kwargs", "exc", "match"), ERRORS, ids=[_row_id(r) for r in ERRORS])
def test_error_paths(fn, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        fn(**kwargs)
