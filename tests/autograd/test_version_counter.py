"""Version counters: an in-place write of a tensor a pending graph reads raises at backward."""

from __future__ import annotations

import numpy as np
import pytest

import netopt
from netopt import nn, optim

MESSAGE = "one of the variables needed for gradient computation has been modified by an inplace"


def _graph():
    w = netopt.tensor([1.0, 2.0], requires_grad=True)
    x = netopt.tensor([3.0, 4.0], requires_grad=True)
    return w, x, (w * x).sum()  # the product saves both operands


def test_no_grad_write_of_a_saved_leaf_raises_at_backward():
    w, _, out = _graph()
    with netopt.no_grad():
        w -= 1
    with pytest.raises(RuntimeError, match=MESSAGE):
        out.backward()
    assert w.grad is None  # nothing accumulated


def test_torch_raises_in_the_same_case():
    torch = pytest.importorskip("torch")
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    out = (w * torch.tensor([3.0, 4.0], requires_grad=True)).sum()
    with torch.no_grad():
        w -= 1
    with pytest.raises(RuntimeError, match=MESSAGE):
        out.backward()


@pytest.mark.parametrize(
    "write",
    [
        lambda t: t.__iadd__(1.0),
        lambda t: t.__isub__(1.0),
        lambda t: t.__imul__(2.0),
        lambda t: t.__itruediv__(2.0),
        lambda t: t.add_(1.0, alpha=2),
        lambda t: t.sub_(1.0),
        lambda t: t.mul_(2.0),
        lambda t: t.div_(2.0),
        lambda t: t.zero_(),
        lambda t: t.fill_(3.0),
        lambda t: t.copy_(t * 0 + 5),
        lambda t: t.__setitem__(0, 9.0),
    ],
    ids=[
        "iadd",
        "isub",
        "imul",
        "idiv",
        "add_",
        "sub_",
        "mul_",
        "div_",
        "zero_",
        "fill_",
        "copy_",
        "setitem",
    ],
)
def test_every_in_place_write_bumps_the_version_as_torch(write):
    torch = pytest.importorskip("torch")
    ours = netopt.tensor([1.0, 2.0])
    theirs = torch.tensor([1.0, 2.0])
    assert ours._version == theirs._version == 0
    write(ours)
    write(theirs)
    assert ours._version == theirs._version == 1
    write(ours)
    write(theirs)
    assert ours._version == theirs._version == 2


def test_index_assignment_of_a_saved_input_raises():
    _, x, out = _graph()
    with netopt.no_grad():
        x[0] = 5.0
    with pytest.raises(RuntimeError, match=MESSAGE):
        out.backward()


def test_write_through_a_detached_view_raises():
    w, _, out = _graph()
    d = w.detach()
    d += 1.0  # same storage as w: torch shares the version counter
    assert w._version == 1
    with pytest.raises(RuntimeError, match=MESSAGE):
        out.backward()


def test_write_of_the_base_seen_through_a_reshaped_view():
    w = netopt.tensor([[1.0, 2.0]], requires_grad=True)
    x = netopt.tensor([3.0, 4.0])
    v = w.reshape(2)
    out = (v * x).sum()  # the product saved the view
    with netopt.no_grad():
        w.mul_(2.0)
    with pytest.raises(RuntimeError, match=MESSAGE):
        out.backward()


def test_write_of_a_saved_result_raises():
    w = netopt.tensor([0.5, 1.0], requires_grad=True)
    y = w.exp()  # exp's backward reads its result
    with netopt.no_grad():
        y += 1.0
    with pytest.raises(RuntimeError, match=MESSAGE):
        y.sum().backward()


def test_writes_before_recording_or_of_other_tensors_are_fine():
    w = netopt.tensor([1.0, 2.0], requires_grad=True)
    with netopt.no_grad():
        w -= 1.0  # before the graph: nothing pending reads the old value
    x = netopt.tensor([3.0, 4.0])
    unrelated = netopt.tensor([0.0])
    out = (w * x).sum()
    unrelated += 1.0  # after the graph, but nothing in it
    out.backward()
    np.testing.assert_array_equal(w.grad, [3.0, 4.0])


def test_optimizer_step_between_forward_and_backward_of_one_graph_raises():
    layer = nn.Linear(3, 2, rng=np.random.default_rng(0))
    opt = optim.SGD(layer.parameters(), lr=0.1)
    x = netopt.tensor(np.ones((4, 3), dtype=np.float32))
    first = layer(x).sum()
    first.backward()
    second = layer(x).sum()
    opt.step()  # writes the weight that ``second`` read
    with pytest.raises(RuntimeError, match=MESSAGE):
        second.backward()


def test_optimizer_step_matches_torch_on_the_version():
    torch = pytest.importorskip("torch")
    p = netopt.tensor([1.0, 2.0], requires_grad=True)
    q = torch.tensor([1.0, 2.0], requires_grad=True)
    ours, theirs = optim.SGD([p], lr=0.1), torch.optim.SGD([q], lr=0.1)
    for _ in range(3):
        (p * p).sum().backward()
        (q * q).sum().backward()
        ours.step()
        theirs.step()
    assert p._version == q._version == 3


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_the_usual_training_cycle_never_raises(momentum):
    model = nn.Sequential(nn.Linear(3, 4, rng=np.random.default_rng(0)), nn.ReLU(), nn.Linear(4, 1))
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=momentum)
    x = netopt.tensor(np.random.default_rng(1).standard_normal((8, 3)).astype(np.float32))
    for _ in range(5):
        opt.zero_grad()
        loss = (model(x) ** 2).mean()
        loss.backward()
        opt.step()


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_lbfgs_counts_its_writes_as_torch(line_search):
    """LBFGS moves the parameters in place (and, with the line search, sets them back):
    each write is counted, so the versions equal torch's after the same steps."""
    torch = pytest.importorskip("torch")
    start = [1.5, -0.5]
    p = netopt.tensor(start, dtype=netopt.float64, requires_grad=True)
    q = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    ours = optim.LBFGS([p], lr=0.5, max_iter=4, line_search_fn=line_search)
    theirs = torch.optim.LBFGS([q], lr=0.5, max_iter=4, line_search_fn=line_search)

    def closure(opt, t, lib):
        def evaluate():
            opt.zero_grad()
            loss = ((t - lib.tensor([1.0, 2.0], dtype=t.dtype)) ** 4).sum() + (t * t).sum()
            loss.backward()
            return loss

        return evaluate

    for _ in range(2):
        ours.step(closure(ours, p, netopt))
        theirs.step(closure(theirs, q, torch))
    assert q._version > 0 and p._version == q._version
    np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-12)
