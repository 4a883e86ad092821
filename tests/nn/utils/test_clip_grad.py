"""Gradient clipping and per-parameter gradient norms (``netopt.nn.utils``).

Hand-worked values, then torch's numbers for every norm type; float64 is compared to
rounding (RTOL64), float32 to a few ulps (RTOL32); a hypothesis property (the clipped norm
is bounded, the direction kept; RTOL_NORM bounds rounding in the norm identities); invalid
arguments as a table, with torch's message where torch has one.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from netopt.nn import Module, Parameter
from netopt.nn.utils import clip_grad_norm_, clip_grad_value_, get_total_norm, grad_norms

RTOL64, RTOL32 = 1e-13, 1e-6
RTOL_NORM = 1e-12


def _params(*grads) -> list[Parameter]:
    out = []
    for g in grads:
        p = Parameter(np.zeros(np.shape(g)))
        p.grad = None if g is None else np.array(g, dtype=np.float64)
        out.append(p)
    return out


def test_clip_grad_norm_hand_worked():
    # grads (3, 4) and (12,): total 2-norm sqrt(9 + 16 + 144) = 13; max_norm 6.5 halves them
    # (coef = 6.5 / (13 + 1e-6)).
    a, b = _params([3.0, 4.0], [12.0])
    total = clip_grad_norm_([a, b], max_norm=6.5)
    assert total == 13.0
    coef = 6.5 / (13.0 + 1e-6)
    np.testing.assert_allclose(a.grad, [3.0 * coef, 4.0 * coef], rtol=RTOL64)
    np.testing.assert_allclose(b.grad, [12.0 * coef], rtol=RTOL64)


def test_clip_grad_norm_below_max_leaves_grads_and_skips_none():
    a, b = _params([0.3, 0.4], None)
    assert clip_grad_norm_([a, b], max_norm=1.0) == pytest.approx(0.5, rel=RTOL64)
    np.testing.assert_array_equal(a.grad, [0.3, 0.4])
    assert b.grad is None


def test_clip_grad_norm_single_tensor_and_other_norms():
    (a,) = _params([-3.0, 4.0, 0.0])
    assert clip_grad_norm_(a, max_norm=100.0, norm_type=1) == 7.0
    assert clip_grad_norm_(a, max_norm=100.0, norm_type=math.inf) == 4.0
    # order 0 of the per-tensor norms counts the tensors with a non-zero gradient (as torch)
    assert clip_grad_norm_(a, max_norm=100.0, norm_type=0) == 1.0


def test_clip_grad_norm_nonfinite_scales_like_torch_unless_asked_to_raise():
    a, b = _params([math.inf, 1.0], [1.0])
    total = clip_grad_norm_([a, b], max_norm=1.0)
    assert math.isinf(total)
    # coef = 1 / inf = 0: finite entries become 0, the infinite one NaN (as torch)
    assert math.isnan(a.grad[0]) and a.grad[1] == 0.0 and b.grad[0] == 0.0


def test_empty_generator_warns_and_returns_zero():
    with pytest.warns(UserWarning, match="empty generator"):
        total = clip_grad_norm_((p for p in []), max_norm=1.0)
    assert total == 0.0


def test_get_total_norm_of_arrays_and_dtype():
    g32 = [np.array([3.0], np.float32), np.array([[4.0]], np.float32)]
    total = get_total_norm(g32)
    assert total == 5.0 and total.dtype == np.float32
    assert get_total_norm([]) == 0.0


def test_clip_grad_value_hand_worked():
    a, b = _params([-5.0, 0.5, 2.0], [[0.1, -0.2]])
    assert clip_grad_value_([a, b], clip_value=0.15) is None
    np.testing.assert_array_equal(a.grad, [-0.15, 0.15, 0.15])
    np.testing.assert_array_equal(b.grad, [[0.1, -0.15]])


class _Net(Module):
    def __init__(self) -> None:
        super().__init__()
        self.first = Parameter(np.zeros((2, 2)))
        self.second = Parameter(np.zeros(3))
        self.unused = Parameter(np.zeros(1))


def test_grad_norms_per_named_parameter():
    net = _Net()
    net.first.grad = np.array([[1.0, 2.0], [2.0, 4.0]])  # sqrt(1 + 4 + 4 + 16) = 5
    net.second.grad = np.array([0.0, -3.0, 4.0])
    assert grad_norms(net) == {"first": 5.0, "second": 5.0}
    assert grad_norms(net, norm_type=math.inf) == {"first": 4.0, "second": 4.0}


NORMS = [2.0, 1.0, 3.0, 0.5, math.inf, 0.0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("norm_type", NORMS)
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_matches_torch(dtype, norm_type, max_norm):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    grads = [(rng.standard_normal(s) * 3).astype(dtype) for s in [(4, 3), (7,), (2, 2, 2)]]
    ours = [Parameter(np.zeros_like(g)) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=getattr(torch, np.dtype(dtype).name)) for g in grads]
    for p, t, g in zip(ours, theirs, grads, strict=True):
        p.grad, t.grad = g.copy(), torch.from_numpy(g.copy())
    total = clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    rtol = RTOL32 if dtype == np.float32 else RTOL64
    assert total.dtype == dtype
    np.testing.assert_allclose(total, expected.numpy(), rtol=rtol)
    for p, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=rtol, atol=0)


def test_clip_grad_value_matches_torch():
    torch = pytest.importorskip("torch")
    g = np.random.default_rng(1).standard_normal((5, 4))
    (p,) = _params(g)
    t = torch.zeros(5, 4, dtype=torch.float64)
    t.grad = torch.from_numpy(g.copy())
    clip_grad_value_([p], 0.7)
    torch.nn.utils.clip_grad_value_([t], 0.7)
    np.testing.assert_array_equal(p.grad, t.grad.numpy())


finite = st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False)

grad_lists = st.lists(
    arrays(np.float64, st.integers(1, 6), elements=finite), min_size=1, max_size=4
)


@given(grads=grad_lists, max_norm=st.floats(1e-3, 1e3))
def test_clipped_norm_is_bounded_and_direction_kept(grads, max_norm):
    params = [Parameter(np.zeros_like(g)) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = g.copy()
    total = clip_grad_norm_(params, max_norm)
    flat = np.concatenate(grads)
    np.testing.assert_allclose(total, np.sqrt(np.sum(flat * flat)), rtol=RTOL_NORM, atol=1e-300)
    clipped = np.concatenate([p.grad for p in params])
    assert np.linalg.norm(clipped) <= max_norm * (1 + RTOL_NORM)
    coef = min(1.0, max_norm / (total + 1e-6))
    np.testing.assert_allclose(clipped, coef * flat, rtol=RTOL_NORM, atol=0)


def _with_grad(value: float) -> list[Parameter]:
    p = Parameter(np.zeros(3))
    p.grad = np.full(3, value)
    return [p]


NONFINITE = (
    r"^The total norm of order 2\.0 for gradients from `parameters` is non-finite, so it "
    r"cannot be clipped\. To disable this error and scale the gradients by the non-finite "
    r"norm anyway, set `error_if_nonfinite=False`$"
)
ERRORS = [
    # (callable, kwargs, exception, regex); torch flips the gradients for max_norm < 0
    (clip_grad_norm_, {"parameters": _with_grad(1.0), "max_norm": -1.0}, ValueError,
     r"^max_norm must be non-negative, but got -1\.0$"),
    (clip_grad_norm_, {"parameters": _with_grad(math.inf), "max_norm": 1.0,
                       "error_if_nonfinite": True}, RuntimeError, NONFINITE),
    (clip_grad_value_, {"parameters": _with_grad(1.0), "clip_value": -1.0}, ValueError,
     r"^clip_value must be non-negative, but got -1\.0$"),
]  # fmt: skip


@pytest.mark.parametrize(("fn", "kwargs", "exc", "regex"), ERRORS)
def test_invalid_arguments_raise(fn, kwargs, exc, regex):
    with pytest.raises(exc, match=regex):
        fn(**kwargs)


def test_torch_raises_the_same_for_a_nonfinite_norm():
    torch = pytest.importorskip("torch")
    t = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    t.grad = torch.full((3,), math.inf, dtype=torch.float64)
    with pytest.raises(RuntimeError, match=NONFINITE):
        torch.nn.utils.clip_grad_norm_([t], 1.0, error_if_nonfinite=True)
