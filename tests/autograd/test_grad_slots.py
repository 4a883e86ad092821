"""netopt.autograd.grad_slots: where backward puts a leaf's new gradient.

Every expected gradient below is worked out by hand: for ``y = (w * x).sum()`` the gradient
of ``w`` is ``x``; for ``linear`` the weight gradient is ``G^T x`` with ``G`` all ones.
"""

from __future__ import annotations

import gc
import threading

import numpy as np
import pytest

import netopt
from netopt.autograd import grad_slots
from netopt.autograd.grad_slots import clear_grad_slot, grad_slot, gradient_out, set_grad_slot
from netopt.nn.functional import linear


def _leaf(values):
    return netopt.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_a_new_gradient_is_written_into_the_slot():
    w = _leaf([1.0, 2.0])
    slot = np.full(2, 7.0)
    set_grad_slot(w, slot)
    (w * netopt.tensor(np.array([3.0, 4.0]))).sum().backward()
    assert w.grad.numpy() is slot
    np.testing.assert_array_equal(slot, [3.0, 4.0])
    (w * netopt.tensor(np.array([1.0, 1.0]))).sum().backward()  # accumulates in place
    assert w.grad.numpy() is slot
    np.testing.assert_array_equal(slot, [4.0, 5.0])


def test_cleared_or_replaced_storage_drops_the_slot():
    w = _leaf([1.0, 2.0])
    slot = np.zeros(2)
    set_grad_slot(w, slot)
    assert grad_slot(w) is slot
    w.data = w.data.float()  # another array: the registration lapses
    assert grad_slot(w) is None
    set_grad_slot(w, np.zeros(2, dtype=np.float32))
    clear_grad_slot(w)
    assert grad_slot(w) is None
    (w * 2.0).sum().backward()
    assert w.grad is not slot
    np.testing.assert_array_equal(w.grad, [2.0, 2.0])


def test_a_slot_must_fit_the_tensor():
    w = _leaf([1.0, 2.0])
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        set_grad_slot(w, np.zeros(3))
    with pytest.raises(ValueError, match="float32"):
        set_grad_slot(w, np.zeros(2, dtype=np.float32))


def test_the_registry_forgets_a_collected_leaf():
    w = _leaf([1.0])
    set_grad_slot(w, np.zeros(1))
    key = id(w)
    assert key in grad_slots._slots
    del w
    gc.collect()
    assert key not in grad_slots._slots


def test_gradient_out_offers_the_slot_once_per_pass_and_only_inside_one():
    w = _leaf(np.ones((2, 3)))
    slot = np.zeros((2, 3))
    set_grad_slot(w, slot)
    assert gradient_out(w) is None  # no pass is running
    x = netopt.tensor(np.arange(12.0).reshape(4, 3))
    # w is used twice: linear's backward writes the first contribution into the slot, the
    # second is a new array that the engine adds; both are G^T x = column sums of x.
    y = linear(x, w).sum() + linear(x, w).sum()
    y.backward()
    assert w.grad.numpy() is slot
    np.testing.assert_array_equal(slot, 2 * np.tile(x.data.numpy().sum(axis=0), (2, 1)))


def test_the_pass_record_is_per_thread():
    seen = {}

    def other():
        seen["record"] = getattr(grad_slots._pass, "written", None)

    written, outer = grad_slots.begin_pass()
    try:
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert grad_slots._pass.written is written and written == {}
    finally:
        grad_slots.end_pass(outer)
    assert seen["record"] is None
