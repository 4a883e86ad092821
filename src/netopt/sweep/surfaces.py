r"""The 2-D surfaces of :mod:`netopt.data.surfaces` as sweep problems: ``ravine``,
``rosenbrock`` and ``saddle``. Each descends from a fixed start with the trial's optimizer,
optionally with Gaussian gradient noise (``noise``) drawn from the trial's seed, and reports
the gap ``f - f_min`` (the objective ``loss``) ``reports`` times.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import nn
from ..data.surfaces import ravine, rosenbrock, saddle
from .base import OPTIMIZER_SET, Problem, ProblemFn, Report
from .build import make_optimizer, make_scheduler


def _ravine(x: Any, y: Any) -> Any:
    return ravine(x, y, (1.0, 50.0))


def _saddle(x: Any, y: Any) -> Any:
    return saddle(x, y, curvature=2.0)


_SURFACES = {
    # name: (function, start, minimum value, description)
    "ravine": (_ravine, (-4.0, 1.0), 0.0, "f = (x^2 + 50 y^2)/2, a ravine of condition 50"),
    "rosenbrock": (rosenbrock, (-1.5, 2.0), 0.0, "f = (1-x)^2 + 100 (y-x^2)^2"),
    "saddle": (_saddle, (1.0, 1e-3), -0.25, "f = x^2 + y^4/4 - y^2/2, saddle at the origin"),
}


def _surface_problem(name: str) -> ProblemFn:
    fn, start, f_min, _ = _SURFACES[name]

    def run(config: dict[str, Any], report: Report) -> dict[str, Any]:
        steps, noise = int(config["steps"]), float(config["noise"])
        rng = np.random.default_rng(np.random.SeedSequence(int(config["trial_seed"])))
        point = nn.Parameter(np.array(start, dtype=np.float64))
        opt = make_optimizer([point], config)
        sched = make_scheduler(opt, config, steps)
        every = max(1, steps // int(config["reports"]))
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is checked below
            return _descend(config, report, point, opt, sched, steps, noise, rng, every)

    def _descend(config, report, point, opt, sched, steps, noise, rng, every):
        gap, reached = math.inf, None
        for step in range(1, steps + 1):
            opt.zero_grad()
            loss = fn(point[0], point[1])
            loss.backward()
            if noise > 0:
                point._grad[...] += noise * rng.standard_normal(2)
            opt.step()
            if sched is not None:
                sched.step()
            gap = float(fn(*point._data)) - f_min
            if not math.isfinite(gap):
                raise FloatingPointError(f"loss is not finite at step {step}: {gap}")
            if reached is None and gap <= config["target"]:
                reached = step
            if step % every == 0 or step == steps:
                report(step, gap)
        x, y = (float(v) for v in point._data)
        out: dict[str, Any] = {"loss": gap, "x": x, "y": y, "steps": float(steps)}
        out["steps_to_target"] = float(reached) if reached is not None else None
        return out

    run.__doc__ = f"Minimize the {name} surface from {start}; metric: f - f_min."
    return run


#: The surface problems, registered by :mod:`netopt.sweep.problems`.
PROBLEMS = [
    Problem(
        name,
        _surface_problem(name),
        metric="loss",
        params=OPTIMIZER_SET,
        options={"steps": 100, "noise": 0.0, "target": 1e-3, "reports": 10},
        doc=desc,
    )
    for name, (_, _, _, desc) in _SURFACES.items()
]
