"""netopt.optim.LBFGS against torch.optim.LBFGS, live, step by step; its line search; state.

The problem: a small tanh network (3 -> 4 -> 2) fitted by least squares to fixed data,
non-convex enough for the line search to bracket and zoom. Both optimizers start from the
same parameters; after every ``step`` the parameters, the returned loss and the counters
``func_evals``/``n_iter`` must agree (float64: to rounding, amplified a little by the
iterations).
"""

from __future__ import annotations

import numpy as np
import pytest

import netopt
from netopt.nn import Parameter
from netopt.optim._line_search import cubic_interpolate
from netopt.optim.lbfgs import LBFGS

RTOL, ATOL = 1e-8, 1e-10


def _data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "x": rng.standard_normal((16, 3)),
        "y": rng.standard_normal((16, 2)),
        "W1": rng.standard_normal((4, 3)),
        "b1": rng.standard_normal(4) * 0.1,
        "W2": rng.standard_normal((2, 4)),
        "b2": np.zeros(2),
    }


def _netopt_run(kwargs: dict, steps: int) -> list[tuple]:
    d = _data()
    x, y = netopt.tensor(d["x"]), netopt.tensor(d["y"])
    params = [Parameter(d[k].copy()) for k in ("W1", "b1", "W2", "b2")]
    opt = LBFGS(params, **kwargs)

    def closure():
        opt.zero_grad()
        h = (x @ params[0].T + params[1]).tanh()
        loss = ((h @ params[2].T + params[3] - y) ** 2).mean()
        loss.backward()
        return loss

    out = []
    for _ in range(steps):
        loss = float(opt.step(closure).item())
        state = opt.state[params[0]]
        out.append(([np.array(p.data) for p in params], loss, state["func_evals"], state["n_iter"]))
    return out


def _torch_run(kwargs: dict, steps: int) -> list[tuple]:
    torch = pytest.importorskip("torch")
    d = _data()
    x, y = torch.tensor(d["x"]), torch.tensor(d["y"])
    params = [torch.tensor(d[k].copy(), requires_grad=True) for k in ("W1", "b1", "W2", "b2")]
    opt = torch.optim.LBFGS(params, **kwargs)

    def closure():
        opt.zero_grad()
        h = torch.tanh(x @ params[0].T + params[1])
        loss = ((h @ params[2].T + params[3] - y) ** 2).mean()
        loss.backward()
        return loss

    out = []
    for _ in range(steps):
        loss = float(opt.step(closure).detach())
        state = opt.state[params[0]]
        out.append(
            (
                [p.detach().numpy().copy() for p in params],
                loss,
                state["func_evals"],
                state["n_iter"],
            )
        )
    return out


# name -> (arguments, steps). Rounding differences of the two autograd engines (~1e-16)
# grow along a non-convex run (to ~1e-6 after 100 iterations), so each row runs at most
# 40 iterations in all; a change of the algorithm shows up as an O(1) difference or as
# different function counts.
CONFIGS = {
    "defaults": ({}, 2),
    "strong_wolfe": ({"line_search_fn": "strong_wolfe"}, 2),
    "short-history-lr": ({"lr": 0.5, "max_iter": 7, "history_size": 3}, 5),
    "wolfe-max_eval": ({"line_search_fn": "strong_wolfe", "max_iter": 10, "max_eval": 12}, 4),
    "wolfe-short-history": (
        {"line_search_fn": "strong_wolfe", "history_size": 2, "max_iter": 8},
        5,
    ),
}


@pytest.mark.parametrize(("kwargs", "steps"), list(CONFIGS.values()), ids=list(CONFIGS))
def test_lbfgs_matches_torch_step_by_step(kwargs, steps):
    theirs = _torch_run(kwargs, steps)
    ours = _netopt_run(kwargs, steps)
    for step, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        for p, q in zip(a[0], b[0], strict=True):
            np.testing.assert_allclose(p, q, rtol=RTOL, atol=ATOL, err_msg=f"step {step}")
        assert a[1] == pytest.approx(b[1], rel=RTOL, abs=ATOL), f"loss at step {step}"
        assert a[2:] == b[2:], f"(func_evals, n_iter) at step {step}: ours {a[2:]}, torch {b[2:]}"


def test_lbfgs_solves_a_quadratic_exactly():
    # f(w) = sum((w - c)^2): the line search's first step already lands on c.
    c = np.array([1.0, -2.0, 0.5])
    w = Parameter(np.zeros(3))
    opt = LBFGS([w], line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = ((w - netopt.tensor(c)) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_allclose(w.data, c, atol=1e-10)


def test_cubic_interpolate_hand_values():
    # (x-1)^2 from its values/slopes at 0 and 2: minimum at 1; at 0 and 3 as well.
    assert cubic_interpolate(0.0, 1.0, -2.0, 2.0, 1.0, 2.0) == pytest.approx(1.0)
    assert cubic_interpolate(0.0, 1.0, -2.0, 3.0, 4.0, 4.0) == pytest.approx(1.0)
    # clamped to the bounds
    assert cubic_interpolate(0.0, 1.0, -2.0, 2.0, 1.0, 2.0, bounds=(1.5, 3.0)) == 1.5


def test_state_dict_round_trip_gives_the_identical_next_step():
    d = _data()
    x, y = netopt.tensor(d["x"]), netopt.tensor(d["y"])

    def make():
        params = [Parameter(d[k].copy()) for k in ("W1", "b1", "W2", "b2")]
        opt = LBFGS(params, line_search_fn="strong_wolfe", max_iter=4)

        def closure():
            opt.zero_grad()
            h = (x @ params[0].T + params[1]).tanh()
            loss = ((h @ params[2].T + params[3] - y) ** 2).mean()
            loss.backward()
            return loss

        return params, opt, closure

    p1, o1, c1 = make()
    o1.step(c1)
    saved = o1.state_dict()
    p2, o2, c2 = make()
    for a, b in zip(p2, p1, strict=True):
        a.data[...] = b.data
    o2.load_state_dict(saved)
    o1.step(c1)
    o2.step(c2)
    for a, b in zip(p1, p2, strict=True):
        np.testing.assert_array_equal(a.data, b.data)
    # the saved dict does not alias the live state
    assert saved["state"][0]["n_iter"] == 4


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": -1.0}, "Invalid learning rate: -1.0"),
        ({"line_search_fn": "armijo"}, "only 'strong_wolfe'"),
        ({"max_iter": 0}, "Invalid max_iter value: 0"),
        ({"history_size": True}, "Invalid history_size value: True"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LBFGS([Parameter(np.zeros(2))], **kwargs)


def test_one_group_only():
    groups = [{"params": [Parameter(np.zeros(2))]}, {"params": [Parameter(np.zeros(2))]}]
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        LBFGS(groups)


def test_float32_stays_float32_and_follows_torch():
    # 10 strong-Wolfe iterations in float32: float32 rounding (~6e-8) grows to ~1e-6.
    torch = pytest.importorskip("torch")
    d = {k: v.astype(np.float32) for k, v in _data().items()}

    x, y = netopt.tensor(d["x"]), netopt.tensor(d["y"])
    ours = [Parameter(d[k].copy()) for k in ("W1", "b1", "W2", "b2")]
    opt = LBFGS(ours, line_search_fn="strong_wolfe", max_iter=10)

    def closure():
        opt.zero_grad()
        h = (x @ ours[0].T + ours[1]).tanh()
        loss = ((h @ ours[2].T + ours[3] - y) ** 2).mean()
        loss.backward()
        return loss

    opt.step(closure)
    tx, ty = torch.tensor(d["x"]), torch.tensor(d["y"])
    theirs = [torch.tensor(d[k].copy(), requires_grad=True) for k in ("W1", "b1", "W2", "b2")]
    topt = torch.optim.LBFGS(theirs, line_search_fn="strong_wolfe", max_iter=10)

    def tclosure():
        topt.zero_grad()
        h = torch.tanh(tx @ theirs[0].T + theirs[1])
        loss = ((h @ theirs[2].T + theirs[3] - ty) ** 2).mean()
        loss.backward()
        return loss

    topt.step(tclosure)
    assert opt.state[ours[0]]["func_evals"] == topt.state[theirs[0]]["func_evals"]
    for p, q in zip(ours, theirs, strict=True):
        assert p.data.dtype == np.float32
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-5, atol=1e-5)
