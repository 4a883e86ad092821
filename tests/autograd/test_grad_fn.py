"""``Tensor.grad_fn`` names, reprs and ``next_functions`` against torch 2.13.

The cases and torch's names come from ``tests/golden/make_grad_fn.py`` and the golden file it
writes (``tests/golden/grad_fn.json``); the live tests rerun the cases under torch when it is
installed.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import numpy as np
import pytest

import netopt
import netopt.nn.functional as F
from netopt.autograd.grad_fn import AccumulateGrad

_spec = importlib.util.spec_from_file_location(
    "make_grad_fn", Path(__file__).parents[1] / "golden" / "make_grad_fn.py"
)
mk = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mk)

GOLDEN = json.loads(mk.GOLDEN.read_text(encoding="utf-8"))["chains"]


@pytest.fixture(autouse=True)
def _seeded():
    netopt.manual_seed(0)  # dropout masks (names do not depend on them)


def test_golden_file_covers_every_case():
    assert sorted(GOLDEN) == sorted(mk.CASES)
    assert set(mk.DIFFERENT) <= set(mk.CASES)


@pytest.mark.parametrize("case", sorted(set(mk.CASES) - set(mk.DIFFERENT)))
def test_name_is_torchs(case):
    ours = mk.run_case(netopt, F, case)
    assert ours[0] == GOLDEN[case][0], f"{case}: netopt {ours} torch {GOLDEN[case]}"


@pytest.mark.parametrize("case", sorted(mk.DIFFERENT))
def test_documented_difference(case):
    name, in_torch, _why = mk.DIFFERENT[case]
    ours = mk.run_case(netopt, F, case)[0]
    assert ours == name
    assert ours != GOLDEN[case][0], f"{case} now matches torch: drop it from DIFFERENT"
    assert (ours in GOLDEN[case]) is in_torch


@pytest.mark.parametrize("case", sorted(mk.CASES))
def test_golden_is_live_torch(case):
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF

    assert mk.run_case(torch, TF, case) == GOLDEN[case]


def test_leaf_and_untracked_results_have_no_grad_fn():
    x = netopt.tensor([1.0, 2.0], requires_grad=True)
    assert x.grad_fn is None
    assert (x.detach() * 2).grad_fn is None
    with netopt.no_grad():
        assert (x * 2).grad_fn is None


def test_type_name_and_reprs():
    x = netopt.ones(2, 3, requires_grad=True)
    y = x @ netopt.ones(3, 2)
    node = y.grad_fn
    assert type(node).__name__ == "MmBackward0" == node.name()
    assert re.fullmatch(r"<MmBackward0 object at 0x[0-9a-f]+>", repr(node))
    assert repr(y).endswith("grad_fn=<MmBackward0>)")
    assert type((x * 2).grad_fn) is type((x * 3).grad_fn)  # one class per name


def test_next_functions_as_torch():
    x = netopt.tensor([1.0, 2.0], requires_grad=True)
    y = netopt.tensor([3.0, 4.0], requires_grad=True)
    nodes = ((x * 2) + y.exp()).grad_fn.next_functions
    assert [type(n).__name__ for n, _ in nodes] == ["MulBackward0", "ExpBackward0"]
    assert [k for _, k in nodes] == [0, 0]
    (mul_x, _), (mul_const, _) = nodes[0][0].next_functions
    assert isinstance(mul_x, AccumulateGrad) and mul_x.variable is x
    assert mul_const is None
    assert mul_x.next_functions == ()


def test_next_functions_live_torch():
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF

    def kinds(lib, functional, case):
        node = mk.CASES[case](lib, functional, mk.inputs(lib)).grad_fn
        return [None if n is None else type(n).__name__ for n, _ in node.next_functions]

    for case in ("mul_scalar", "mm", "log", "linear_relu", "sum_dim", "mse_loss"):
        assert kinds(netopt, F, case) == kinds(torch, TF, case), case


def test_custom_function_node_named_after_the_class():
    class MyReLU(netopt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clamp(min=0)

        @staticmethod
        def backward(ctx, g):
            return g

    x = netopt.tensor([1.0, -1.0], requires_grad=True)
    assert type(MyReLU.apply(x).grad_fn).__name__ == "MyReLUBackward"


def test_extremum_names_follow_the_op_not_the_values():
    x = netopt.tensor(np.array([[1.0, 5.0], [3.0, 2.0]]), requires_grad=True)
    assert x.max().grad_fn.name() == "MaxBackward1"
    assert x.min().grad_fn.name() == "MinBackward1"
    assert x.max(1).values.grad_fn.name() == "MaxBackward0"
    assert x.min(0).values.grad_fn.name() == "MinBackward0"
    assert netopt.minimum(x, 2.5).grad_fn.name() == "MinimumBackward0"
    assert netopt.maximum(x, 2.5).grad_fn.name() == "MaximumBackward0"
