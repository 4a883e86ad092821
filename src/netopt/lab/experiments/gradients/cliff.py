r"""The recurrent cliff (private): one sigmoid unit run for T steps, trained with and without
gradient clipping.

The model is the chapter's recurrent unit with a scalar weight and bias,

.. math::

    h_t = \sigma(w\,h_{t-1} + b), \quad t = 1..T, \qquad L(w, b) = (h_T - y)^2,

from :math:`h_0 = 1/2`. For :math:`w > 4` the map :math:`h \mapsto \sigma(wh + b)` has two
stable fixed points, and on the line :math:`b = -w/2` the start :math:`h_0 = 1/2` is the
unstable fixed point between them: a start just above the line is carried to the upper
fixed point, one just below to the lower. Near the line a change of :math:`b` is amplified
by :math:`\partial h_t/\partial h_{t-1} = w\,\sigma'(\cdot) \approx w/4` at every step, so
:math:`h_T` jumps from one fixed point to the other within a strip of width about
:math:`(w/4)^{-T}`: a cliff, on which :math:`\|\nabla L\|` is orders of magnitude larger than
on the plateaus beside it (Pascanu, Mikolov and Bengio 2013, section 3). The sigmoid (the
chapter's :math:`\sigma`) is chosen over tanh because with it the issue's formula has the
cliff as written; tanh has one too, at :math:`b = 0` for :math:`w > 1`.

The gradient is netopt's own autograd, by backpropagation through the T steps; the
experiment's test checks it against the forward-mode chain rule written out by hand.
"""

from __future__ import annotations

import math

import numpy as np

import netopt
from netopt import optim
from netopt.nn import Parameter
from netopt.nn import functional as F
from netopt.nn.utils import clip_grad_norm_, clip_grad_value_

from ...core import Claim, Context, Table, seed_count

T = 15
"""Recurrent steps."""
H0 = 0.5
"""The start state :math:`h_0`: the unstable fixed point on the line b = -w/2."""
LR = 2.0
"""Gradient-descent learning rate of every run."""
STEPS = 400
"""Gradient-descent steps of every run."""
MAX_NORM = 0.5
"""``clip_grad_norm_`` threshold: a clipped step is at most LR * MAX_NORM = 1 long."""
CLIP_VALUE = 0.5
"""``clip_grad_value_`` threshold: each coordinate moves at most LR * CLIP_VALUE = 1."""
CLIPS = {"no clipping": None, "norm": ("norm", MAX_NORM), "value": ("value", CLIP_VALUE)}
"""The three runs of each draw: label -> (kind, threshold) or None."""
W_RANGE = (6.5, 7.5)
"""The start's w is drawn uniformly from here (bistable: w > 4)."""
Y_RANGE = (0.35, 0.65)
"""The target y is drawn uniformly from here, between the two fixed points."""
LOG_OFFSET_RANGE = (-4.0, -3.0)
"""The start's b is -w/2 +- 10**u, u uniform here: on the cliff's face."""
THROWN = 10.0
"""'Thrown far away': one step moves (w, b) farther than this (a clipped step is <= 1.42)."""
STUCK = 0.05
"""'Stuck': the final loss is above this (a saturated unit gives at least 0.35**2)."""
REACHED = 0.01
"""'Keeps progress': the final loss is below this."""
PLATEAU_OFFSET = 0.01
"""The plateau beside the start: b moved this far away from the line b = -w/2."""


def draw(rng: np.random.Generator) -> dict:
    r"""One draw of the start :math:`(w_0, b_0)` on the cliff's face and the target ``y``."""
    w0 = float(rng.uniform(*W_RANGE))
    y = float(rng.uniform(*Y_RANGE))
    offset = float(10 ** rng.uniform(*LOG_OFFSET_RANGE)) * (1.0 if rng.random() < 0.5 else -1.0)
    return {"w0": w0, "b0": -w0 / 2 + offset, "y": y}


def loss_and_grad(w: float, b: float, y: float) -> tuple[float, np.ndarray]:
    r""":math:`L(w, b)` and :math:`\nabla L` by netopt's autograd (the module's model)."""
    wt, bt = _leaf(w), _leaf(b)
    loss = _loss(wt, bt, y)
    loss.backward()
    return float(loss.item()), np.array([float(wt._grad), float(bt._grad)])


def _leaf(value: float) -> Parameter:
    return Parameter(np.array(value, dtype=np.float64))


def _loss(w: Parameter, b: Parameter, y: float) -> netopt.Tensor:
    h = netopt.tensor(np.array(H0, dtype=np.float64))
    for _ in range(T):
        h = F.sigmoid(w * h + b)
    return (h - y) ** 2


def surface(ws: np.ndarray, bs: np.ndarray, y: float) -> np.ndarray:
    r"""The loss over the grid ``bs x ws`` (rows b, columns w), NumPy only, for the figure."""
    w, b = np.meshgrid(ws, bs)
    h = np.full_like(w, H0)
    for _ in range(T):
        z = w * h + b
        h = np.exp(-np.logaddexp(0.0, -z))  # sigmoid without overflow
    return (h - y) ** 2


def descend(start: dict, clip: tuple[str, float] | None, steps: int = STEPS) -> dict:
    """Gradient descent from ``start`` (:func:`draw`); ``clip`` is None, ``("norm", c)``
    (:func:`~netopt.nn.utils.clip_grad_norm_`) or ``("value", c)``
    (:func:`~netopt.nn.utils.clip_grad_value_`)."""
    w, b = _leaf(start["w0"]), _leaf(start["b0"])
    optimizer = optim.SGD([w, b], lr=LR)
    path, losses, norms = [(start["w0"], start["b0"])], [], []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = _loss(w, b, start["y"])
        loss.backward()
        norm = math.hypot(float(w._grad), float(b._grad))  # before clipping
        if clip is not None and clip[0] == "norm":
            clip_grad_norm_([w, b], max_norm=clip[1])
        elif clip is not None:
            clip_grad_value_([w, b], clip[1])
        optimizer.step()
        losses.append(float(loss.item()))
        norms.append(norm)
        path.append((float(w._data), float(b._data)))
    losses.append(float(_loss(w, b, start["y"]).item()))
    p = np.asarray(path)
    return {
        "clip": clip,
        "path": p,
        "losses": losses,
        "norms": norms,
        "longest_step": float(np.max(np.linalg.norm(np.diff(p, axis=0), axis=1))),
    }


def run(ctx: Context, stream: str, steps: int = STEPS) -> dict:
    """One draw (``ctx.rng("cliff<stream>")``) and its three runs, with the gradient on the
    plateau beside the start."""
    start = draw(ctx.rng(f"cliff{stream}"))
    side = 1.0 if start["b0"] > -start["w0"] / 2 else -1.0
    _, g_face = loss_and_grad(start["w0"], start["b0"], start["y"])
    _, g_plateau = loss_and_grad(start["w0"], -start["w0"] / 2 + side * PLATEAU_OFFSET, start["y"])
    return {
        "start": start,
        "face": float(np.linalg.norm(g_face)),
        "plateau": float(np.linalg.norm(g_plateau)),
        "runs": {label: descend(start, clip, steps) for label, clip in CLIPS.items()},
    }


def holds(runs: dict) -> bool:
    """Unclipped GD is thrown far away and stays stuck; clipped by norm and by value it
    reaches the target (final loss below :data:`REACHED`)."""
    free = runs["no clipping"]
    ok = free["longest_step"] > THROWN and free["losses"][-1] > STUCK
    return bool(ok and all(runs[k]["losses"][-1] < REACHED for k in ("norm", "value")))


def _spread(values) -> str:
    v = np.asarray(values, dtype=float)
    return f"median {np.median(v):.3g} (range {v.min():.3g}-{v.max():.3g})"


def claims(draws: list[dict]) -> list[Claim]:
    """The check that the start is on a cliff and the finding that clipping keeps progress
    there, over ``draws`` (one per seed, :func:`run`)."""
    held = [holds(d["runs"]) for d in draws]
    ratio = [d["face"] / d["plateau"] for d in draws]
    free = [d["runs"]["no clipping"] for d in draws]
    cliff = Claim(
        f"The recurrent unit h_t = sigmoid(w h_(t-1) + b), run for T = {T} steps, has a cliff "
        "in its loss (h_T - y)^2: on the line b = -w/2 the gradient is orders of magnitude "
        "larger than on the plateau beside it",
        min(ratio) > 100,
        f"||grad L|| at the start / {PLATEAU_OFFSET:g} away in b: {_spread(ratio)} over "
        f"{len(draws)} starts (the unstable fixed point amplifies by about w/4 per step)",
        kind="check",
    )
    finding = Claim(
        "Gradient clipping tames the recurrent cliff (slides 52-53): from a start on the "
        f"cliff, unclipped gradient descent (lr {LR:g}) is thrown far away in one step and "
        "stays stuck where the unit saturates, while the same descent clipped by norm "
        f"(clip_grad_norm_, max_norm={MAX_NORM:g}) or by value (clip_grad_value_, "
        f"{CLIP_VALUE:g}) reaches the target",
        all(held),
        f"unclipped: longest step {_spread([r['longest_step'] for r in free])}, final loss "
        f"{_spread([r['losses'][-1] for r in free])}; "
        + "; ".join(
            f"clipped by {k}: final loss {_spread([d['runs'][k]['losses'][-1] for d in draws])}"
            for k in ("norm", "value")
        )
        + f" after {len(free[0]['losses']) - 1} steps; holds on {seed_count(held)}",
        kind="finding",
        protocol={
            "seeds": len(draws),
            "tuning": f"none: lr {LR:g} and the thresholds are fixed, the same for all runs",
            "statistic": f"every seed: unclipped longest step > {THROWN:g} and final loss > "
            f"{STUCK:g}; clipped by norm and by value final loss < {REACHED:g}",
            "draws": f"each seed draws w0 ~ U{W_RANGE}, target y ~ U{Y_RANGE} and the start "
            f"b0 = -w0/2 +- 10^u, u ~ U{LOG_OFFSET_RANGE} (on the cliff's face)",
            "per_seed": held,
        },
    )
    return [cliff, finding]


def clip_label(label: str) -> str:
    """``"no clipping"``, ``"clip_grad_norm_(max_norm=0.5)"`` or ``"clip_grad_value_(0.5)"``."""
    if CLIPS[label] is None:
        return label
    kind, value = CLIPS[label]
    return (
        f"clip_grad_norm_(max_norm={value:g})" if kind == "norm" else f"clip_grad_value_({value:g})"
    )


def table(draw_: dict) -> Table:
    """The three runs of one draw."""
    rows = [
        [
            clip_label(label),
            run["longest_step"],
            run["losses"][0],
            run["losses"][-1],
            f"({run['path'][-1][0]:.3g}, {run['path'][-1][1]:.3g})",
        ]
        for label, run in draw_["runs"].items()
    ]
    s = draw_["start"]
    return Table(
        f"The recurrent cliff, first seed: start (w, b) = ({s['w0']:.4g}, {s['b0']:.6g}), "
        f"target y = {s['y']:.3g}, lr {LR:g}",
        ["run", "longest step", "loss at the start", "final loss", "final (w, b)"],
        rows,
    )
