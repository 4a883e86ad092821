"""The Tensor path: same values as NumPy, gradchecks, no NaN at zero probabilities."""

import itertools
import math

import numpy as np
import pytest

import netopt
from netopt.autograd import gradcheck
from netopt.info import (
    conditional_entropy,
    cross_entropy,
    decompose,
    entropy,
    joint_entropy,
    js_divergence,
    kl_divergence,
    mutual_information,
)

TOL = 1e-12  # Tensor path vs NumPy path, and gradients vs hand-derived or torch gradients
# gradcheck keeps its tolerances (atol=1e-5, rtol=1e-3); its step must stay inside the
# 1e-6 sum tolerance, since a perturbed distribution has to pass validation, so inputs
# that must sum to 1 use eps=1e-7 (float64 central differences: truncation ~1e-14,
# rounding ~1e-9, far below atol). Unnormalized inputs (normalize=True) use eps=1e-6.
EPS = 1e-7

PAIRWISE = (cross_entropy, kl_divergence, js_divergence)
TABLEWISE = (joint_entropy, conditional_entropy, mutual_information)


def _positive(seed, shape):
    """Strictly positive distributions along the last axis (off the 0 boundary)."""
    rng = np.random.default_rng(seed)
    return rng.dirichlet(np.full(shape[-1], 3.0), size=shape[:-1])


def _leaf(a):
    return netopt.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def test_tensor_path_matches_numpy_path():
    p, q = _positive(0, (3, 4)), _positive(1, (3, 4))
    p[0, 1] = 0.0
    p[0] /= p[0].sum()
    for fn in PAIRWISE:
        out = fn(_leaf(p), _leaf(q), base=2)
        assert isinstance(out, netopt.Tensor) and out.shape == (3,)
        np.testing.assert_allclose(out.data, fn(p, q, base=2), rtol=0, atol=TOL)
    np.testing.assert_allclose(entropy(_leaf(p)).data, entropy(p), rtol=0, atol=TOL)
    pxy = _positive(2, (2, 12)).reshape(2, 3, 4)
    for fn in TABLEWISE:
        np.testing.assert_allclose(fn(_leaf(pxy)).data, fn(pxy), rtol=0, atol=TOL)


def test_mixed_inputs_dtype_and_zero_dim_results():
    p32 = netopt.tensor(np.array([0.25, 0.75], dtype=np.float32), requires_grad=True)
    out = kl_divergence(p32, [0.5, 0.5], base=2)
    assert isinstance(out, netopt.Tensor) and out.dtype == np.float32 and out.shape == ()
    out.backward()
    assert p32.grad is not None and p32.grad.dtype == np.float32
    # A list p with a Tensor q: the Tensor decides the path.
    q = _leaf([0.5, 0.5])
    kl = kl_divergence([0.25, 0.75], q)
    kl.backward()
    # dKL/dq_i = -p_i / q_i.
    np.testing.assert_allclose(q.grad, [-0.5, -1.5], rtol=0, atol=TOL)


@pytest.mark.parametrize("fn", PAIRWISE)
@pytest.mark.parametrize("base", [None, 2])
def test_gradcheck_pairwise(fn, base):
    p, q = _leaf(_positive(3, (2, 4))), _leaf(_positive(4, (2, 4)))
    assert gradcheck(lambda a, b: fn(a, b, base=base), [p, q], eps=EPS)


def test_gradcheck_entropy_and_normalize():
    p = _leaf(_positive(5, (3, 5)))
    assert gradcheck(lambda a: entropy(a, base=2), [p], eps=EPS)
    # Unnormalized weights: the gradient flows through the normalization.
    w = _leaf(np.array([[1.0, 2.0, 3.0], [0.5, 0.25, 4.0]]))
    v = _leaf(np.array([[2.0, 2.0, 1.0], [1.0, 3.0, 0.5]]))
    assert gradcheck(lambda a, b: js_divergence(a, b, normalize=True), [w, v])
    assert gradcheck(lambda a: entropy(a, normalize=True), [w])


@pytest.mark.parametrize("fn", TABLEWISE)
def test_gradcheck_tables(fn):
    pxy = _leaf(_positive(6, (2, 6)).reshape(2, 2, 3))
    assert gradcheck(fn, [pxy], eps=EPS)


def test_gradcheck_decompose_fields():
    pxy = _leaf(_positive(7, (12,)).reshape(3, 4))
    for k in range(6):
        assert gradcheck(lambda t, k=k: decompose(t, base=2)[k], [pxy], eps=EPS)


def test_no_nan_gradients_at_zero_probabilities():
    p = _leaf([0.5, 0.0, 0.5, 0.0])
    q = _leaf([0.25, 0.25, 0.5, 0.0])
    losses = [
        entropy(p),
        kl_divergence(p, q),
        cross_entropy(p, q),
        js_divergence(p, q),
        mutual_information(p.reshape(2, 2)),
        conditional_entropy(p.reshape(2, 2)),
        decompose(q.reshape(2, 2)).h_y_given_x,
    ]
    for loss in losses:
        p.grad = q.grad = None
        loss.backward()
        for t in (p, q):
            assert t.grad is None or np.isfinite(t.grad.numpy()).all(), loss
    # KL's gradient in q is -p/q, exactly 0 where p = 0 (including q = 0).
    p.grad = q.grad = None
    kl_divergence(p, q).backward()
    np.testing.assert_allclose(q.grad, [-2.0, 0.0, -1.0, 0.0], rtol=0, atol=TOL)


def test_js_gradient_matches_torch_at_zeros():
    torch = pytest.importorskip("torch")
    p = np.array([[0.5, 0.0, 0.5], [0.2, 0.3, 0.5]])
    q = np.array([[0.25, 0.25, 0.5], [0.6, 0.0, 0.4]])
    tq = torch.tensor(q, requires_grad=True)
    tp = torch.tensor(p)
    tm = (tp + tq) / 2
    kl_pm = (torch.xlogy(tp, tp) - torch.xlogy(tp, tm)).sum(-1)
    kl_qm = (torch.xlogy(tq, tq) - torch.xlogy(tq, tm)).sum(-1)
    (0.5 * (kl_pm + kl_qm)).sum().backward()
    # Where q = 0 the derivative is a limit torch does not take (it gives NaN there);
    # compare the entries with q > 0, p = 0 included.
    nq = _leaf(q)
    js_divergence(p, nq).sum().backward()
    finite = q > 0
    np.testing.assert_allclose(nq.grad[finite], tq.grad.numpy()[finite], rtol=0, atol=TOL)
    # Hand-derived: dJS/dq_i = 1/2 log(2 q_i / (p_i + q_i)); at p_i = 0 that is 1/2 ln 2.
    expected = 0.5 * np.log(2 * q[finite] / (p[finite] + q[finite]))
    np.testing.assert_allclose(nq.grad[finite], expected, rtol=0, atol=TOL)
    assert nq.grad[0, 1].item() == pytest.approx(0.5 * math.log(2), abs=TOL)


def test_kl_as_a_training_objective():
    # Fit q = softmax(z) to p by gradient descent on KL(p || q): the loss falls every step.
    p = np.array([0.7, 0.2, 0.1, 0.0])
    z = _leaf(np.zeros(4))
    losses = []
    for _ in range(200):
        e = z.exp()
        loss = kl_divergence(p, e / e.sum())
        losses.append(loss.item())
        z.grad = None
        loss.backward()
        assert np.isfinite(z.grad.numpy()).all()
        z.data -= 1.0 * z.grad
    assert all(b < a for a, b in itertools.pairwise(losses))
    assert losses[-1] < 1e-2
