"""Engine error paths as one table: (callable, kwargs, exception, message regex)."""

from __future__ import annotations

import numpy as np
import pytest

import netopt
from netopt.autograd import Tensor, gather


def _leaf(values=(1.0, 2.0)):
    return netopt.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def _numpy_of_grad_tensor():
    return _leaf().numpy()


def _backward_non_scalar():
    (_leaf() * 2.0).backward()


def _backward_wrong_gradient_shape():
    (_leaf() * 2.0).backward(np.ones(3))


def _backward_without_grad():
    netopt.tensor([1.0, 2.0]).sum().backward()


def _requires_grad_on_non_leaf():
    (_leaf() * 2.0).requires_grad_(False)


def _bool_of(values):
    return bool(netopt.tensor(np.asarray(values, dtype=np.float64)))


ERRORS = [
    (_numpy_of_grad_tensor, {}, RuntimeError, r"Can't call numpy\(\) on Tensor that requires grad"),
    (_backward_non_scalar, {}, RuntimeError, "grad can be implicitly created only for scalar"),
    (_backward_wrong_gradient_shape, {}, RuntimeError, r"grad_output\[0\] has a shape of \(3,\)"),
    (_backward_without_grad, {}, RuntimeError, "does not require grad"),
    (_requires_grad_on_non_leaf, {}, RuntimeError, "only change requires_grad flags of leaf"),
    (
        netopt.tensor,
        {"data": [1, 2], "requires_grad": True},
        RuntimeError,
        "only Tensors of floating point dtype can require gradients",
    ),
    (
        netopt.full,
        {"size": (2,), "fill_value": 1, "dtype": np.int64, "requires_grad": True},
        RuntimeError,
        "floating point dtype",
    ),
    (Tensor.requires_grad_, {"self": netopt.tensor([1, 2])}, RuntimeError, "floating point"),
    (netopt.tensor, {"data": [1 + 2j]}, TypeError, "complex tensors are not supported"),
    (netopt.tensor, {"data": ["a"]}, TypeError, "can't convert data of dtype <U1"),
    (Tensor.item, {"self": netopt.tensor([1.0, 2.0])}, ValueError, "2 elements cannot be conv"),
    (_bool_of, {"values": [1.0, 2.0]}, ValueError, r"only one element .* \(got 2 elements\)"),
    (_bool_of, {"values": []}, ValueError, r"only one element .* \(got 0 elements\)"),
    (Tensor.__len__, {"self": netopt.tensor(1.0)}, TypeError, "len\\(\\) of a 0-d tensor"),
    (netopt.clamp, {"a": netopt.tensor([1.0])}, ValueError, "At least one of 'min' or 'max'"),
    (netopt.mean, {"input": netopt.tensor([1, 2])}, RuntimeError, "dtype should be floating"),
    (
        gather,
        {"a": netopt.tensor([[1.0]]), "dim": 0, "index": np.array([[0.0]])},
        TypeError,
        "index must be an integer tensor, got dtype float64",
    ),
    (
        gather,
        {"a": netopt.tensor([[1.0]]), "dim": 0, "index": np.array([0])},
        ValueError,
        "index has 1 dimensions but input has 2",
    ),
    (netopt.cat, {"tensors": []}, ValueError, "expected a non-empty sequence"),
    (netopt.stack, {"tensors": []}, ValueError, "expected a non-empty sequence"),
    (netopt.from_numpy, {"array": [1.0]}, TypeError, r"expected np.ndarray \(got list\)"),
    (netopt.rand, {"rng": 0}, TypeError, "rng must be a netopt.Generator, a numpy.random"),
    (netopt.manual_seed, {"seed": 2**64}, ValueError, r"seed must be in \[-2\*\*63, 2\*\*64 - 1\]"),
    (netopt.manual_seed, {"seed": -(2**63) - 1}, ValueError, "seed must be in"),
    (netopt.manual_seed, {"seed": True}, ValueError, "seed must be an integer, got True"),
    (netopt.manual_seed, {"seed": 1.5}, ValueError, "seed must be an integer, got 1.5"),
]


def _row_id(row):
    fn = row[0]
    name = getattr(fn, "__qualname__", None) or type(fn).__name__
    return f"{name}-{row[2].__name__}"


@pytest.mark.parametrize(("fn", "kwargs", "exc", "match"), ERRORS, ids=[_row_id(r) for r in ERRORS])
def test_error_paths(fn, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        fn(**kwargs)
