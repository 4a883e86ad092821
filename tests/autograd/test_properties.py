"""Property tests (hypothesis) for broadcasting and the backward pass, in float64.

Tolerance: rtol/atol 1e-12 (TOL): each identity is a reordering of a sum of at most a few
dozen terms of order 1.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import netopt
from netopt.autograd import unbroadcast

TOL = 1e-12


@st.composite
def broadcast_pair(draw):
    """A shape and a shape it broadcasts to (leading axes added, length-1 axes stretched)."""
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3))
    lead = draw(st.lists(st.integers(1, 3), max_size=2))
    stretched = [draw(st.integers(1, 3)) if n == 1 else n for n in shape]
    return shape, (*lead, *stretched)


@given(broadcast_pair(), st.data())
def test_unbroadcast_is_the_adjoint_of_broadcasting(shapes, data):
    small, big = shapes
    x = data.draw(hnp.arrays(np.float64, small, elements=st.floats(-10, 10)))
    g = data.draw(hnp.arrays(np.float64, big, elements=st.floats(-10, 10)))
    u = unbroadcast(g, small)
    assert u.shape == small
    # <broadcast(x), g> = <x, unbroadcast(g)>, and the total is preserved
    np.testing.assert_allclose(
        np.sum(np.broadcast_to(x, big) * g), np.sum(x * u), rtol=TOL, atol=TOL * 100
    )
    np.testing.assert_allclose(u.sum(), g.sum(), rtol=TOL, atol=TOL * 100)
    # ones broadcast back count how many copies each element had
    counts = unbroadcast(np.ones(big), small)
    assert (counts == np.prod(big) / max(np.prod(small), 1)).all()


@given(broadcast_pair(), st.data())
def test_gradients_of_broadcast_binary_ops_have_the_input_shapes(shapes, data):
    small, big = shapes
    a = netopt.tensor(
        data.draw(hnp.arrays(np.float64, big, elements=st.floats(0.5, 2))), requires_grad=True
    )
    b = netopt.tensor(
        data.draw(hnp.arrays(np.float64, small, elements=st.floats(0.5, 2))), requires_grad=True
    )
    ((a * b + a / b - b) ** 2).sum().backward()
    assert a.grad.shape == a.shape and b.grad.shape == b.shape
    # the same with b broadcast by hand first: the gradient of b is the sum over copies
    a2 = netopt.tensor(a.data, requires_grad=True)
    bb = netopt.tensor(np.array(np.broadcast_to(b.data, big)), requires_grad=True)
    ((a2 * bb + a2 / bb - bb) ** 2).sum().backward()
    np.testing.assert_allclose(b.grad, unbroadcast(bb.grad.numpy(), small), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(a.grad, a2.grad, rtol=TOL, atol=TOL)


@given(
    hnp.arrays(np.float64, (2, 3), elements=st.floats(-3, 3)),
    st.floats(-2.0, 2.0),
    st.floats(-2.0, 2.0),
)
def test_backward_is_linear_in_the_output_gradient(x, alpha, beta):
    def grad(seed):
        t = netopt.tensor(x, requires_grad=True)
        (t.sin() * t.exp() + t**2).backward(seed)
        return t.grad

    g1, g2 = np.arange(6.0).reshape(2, 3), np.ones((2, 3))
    np.testing.assert_allclose(
        grad(alpha * g1 + beta * g2), alpha * grad(g1) + beta * grad(g2), rtol=1e-10, atol=1e-10
    )
