"""Custom ``autograd.Function`` and ``autograd.grad`` against torch live."""

from __future__ import annotations

import numpy as np
import pytest

import netopt
from netopt.autograd import Function, gradcheck

torch = pytest.importorskip("torch")


def _legendre(base):
    """The P3 Legendre polynomial of pytorch/tutorials' examples_autograd, on ``base``."""

    class LegendrePolynomial3(base):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input**3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input**2 - 1)

    return LegendrePolynomial3


def _scaled(base):
    """Two inputs, one a number: gradients per input, None for the number."""

    class Scaled(base):
        @staticmethod
        def forward(ctx, x, w, k):
            ctx.save_for_backward(x, w)
            ctx.k = k
            return k * x * w

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            seen.append(ctx.needs_input_grad)
            return g * ctx.k * w, g * ctx.k * x, None

    seen: list = []
    return Scaled, seen


X = np.array([0.3, -0.7, 1.2])
W = np.array([1.5, 0.5, -2.0])


def test_legendre_function_matches_torch():
    ours = netopt.tensor(X, requires_grad=True)
    theirs = torch.tensor(X, requires_grad=True)
    out = _legendre(Function).apply(ours * 2)
    ref = _legendre(torch.autograd.Function).apply(theirs * 2)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy())
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy())
    assert gradcheck(lambda t: _legendre(Function).apply(t), [netopt.tensor(X, requires_grad=True)])


def test_needs_input_grad_and_several_inputs_match_torch():
    ours_cls, ours_seen = _scaled(Function)
    theirs_cls, theirs_seen = _scaled(torch.autograd.Function)
    x, w = netopt.tensor(X, requires_grad=True), netopt.tensor(W)
    tx, tw = torch.tensor(X, requires_grad=True), torch.tensor(W)
    ours_cls.apply(x, w, 3.0).sum().backward()
    theirs_cls.apply(tx, tw, 3.0).sum().backward()
    assert ours_seen == theirs_seen == [(True, False, False)]
    np.testing.assert_allclose(x.grad, tx.grad.numpy())


def test_setup_context_form():
    class Square(Function):
        @staticmethod
        def forward(x):
            return x * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            (ctx.x,) = inputs

        @staticmethod
        def backward(ctx, g):
            return 2 * ctx.x * g

    x = netopt.tensor(X, requires_grad=True)
    Square.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad, 2 * X)


def test_wrong_number_of_gradients_is_torchs_error():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, g):
            return g

    x = netopt.tensor(X, requires_grad=True)
    with pytest.raises(RuntimeError, match="returned an incorrect number of gradients"):
        Bad.apply(x, x).sum().backward()


def test_grad_fn_is_none_for_leaves_and_named_for_results():
    x = netopt.tensor(X, requires_grad=True)
    assert x.grad_fn is None
    assert (x * 2).grad_fn.name() == (torch.tensor(X, requires_grad=True) * 2).grad_fn.name()
    assert "grad_fn=<MulBackward0>" in repr(x * 2)


def _graph(lib, x, y):
    h = (x * y).sum() + (x**2).mean()
    return h, x * 3


def test_autograd_grad_matches_torch_and_leaves_grad_alone():
    ours = [netopt.tensor(a, requires_grad=True) for a in (X, W)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (X, W)]
    out, mid = _graph(netopt, *ours)
    ref, tmid = _graph(torch, *theirs)
    got = netopt.autograd.grad(out, ours)
    want = torch.autograd.grad(ref, theirs)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy())
    assert all(t.grad is None for t in ours)
    weights = np.array([1.0, -2.0, 0.5])
    (g,) = netopt.autograd.grad(mid, ours[0], grad_outputs=netopt.tensor(weights))
    (tg,) = torch.autograd.grad(tmid, theirs[0], grad_outputs=torch.tensor(weights))
    np.testing.assert_allclose(g.numpy(), tg.numpy())


def test_autograd_grad_with_respect_to_an_intermediate():
    x = netopt.tensor(X, requires_grad=True)
    tx = torch.tensor(X, requires_grad=True)
    mid, tmid = x * 2, tx * 2
    (g,) = netopt.autograd.grad((mid**3).sum(), mid)
    (tg,) = torch.autograd.grad((tmid**3).sum(), tmid)
    np.testing.assert_allclose(g.numpy(), tg.numpy())


def test_autograd_grad_unused_input_as_torch():
    x, unused = netopt.tensor(X, requires_grad=True), netopt.tensor(W, requires_grad=True)
    tx, tunused = torch.tensor(X, requires_grad=True), torch.tensor(W, requires_grad=True)
    with pytest.raises(RuntimeError) as theirs:
        torch.autograd.grad(tx.sum(), [tx, tunused])
    with pytest.raises(RuntimeError) as ours:
        netopt.autograd.grad(x.sum(), [x, unused])
    assert str(ours.value) == str(theirs.value)
    assert netopt.autograd.grad(x.sum(), [x, unused], allow_unused=True)[1] is None
    zeros = netopt.autograd.grad(x.sum(), [x, unused], materialize_grads=True)[1]
    assert zeros.tolist() == [0.0, 0.0, 0.0]
