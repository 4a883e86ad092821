r"""The problems a sweep can tune: a registry of training tasks, and user functions.

A problem is a function ``problem(config, report) -> metrics``: ``config`` is one trial's
hyper-parameters merged with the problem's options and ``trial_seed`` (the seed derived
from the sweep's root seed and the config), ``report(step, value)`` hands an intermediate
objective value to the pruner (and raises to stop a pruned or diverged trial), and the
returned dict of finite numbers holds the objective and anything else worth keeping.

Built in: the 2-D surfaces ``ravine``, ``rosenbrock`` and ``saddle`` (written here; the
lab keeps its own), and the model problems of :mod:`netopt.sweep.models`. A user problem
is named by its import path ``"package.module:function"``, so that a trial travels to a
worker as plain data and the worker imports the function itself.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import nn
from .build import make_optimizer, make_scheduler
from .params import OPTIMIZER_PARAMS, SCHEDULES

Report = Callable[[int, float], None]
ProblemFn = Callable[[dict[str, Any], Report], Mapping[str, float]]

_OPTIMIZER_SET = frozenset({"optimizer", "lr", "seed"}).union(
    *OPTIMIZER_PARAMS.values(), *SCHEDULES.values(), {"schedule"}
)


@dataclass(frozen=True)
class Problem:
    """A registered problem: its function, objective, accepted parameters and options."""

    name: str
    fn: ProblemFn
    metric: str
    direction: str = "minimize"
    params: frozenset[str] | None = None  # None: any names (a user problem)
    options: dict[str, Any] = field(default_factory=dict)
    doc: str = ""

    def check_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """Return the defaults overridden by ``options``; refuse an unknown option name."""
        if self.params is not None:
            unknown = sorted(set(options) - set(self.options))
            if unknown:
                raise ValueError(
                    f"problem {self.name!r} has no option {unknown[0]!r}; "
                    f"its options are {', '.join(sorted(self.options)) or 'none'}"
                )
        return {**self.options, **options}


_REGISTRY: dict[str, Problem] = {}


def register(problem: Problem) -> Problem:
    """Add ``problem`` to the registry under its name (replacing one of the same name)."""
    _REGISTRY[problem.name] = problem
    return problem


def names() -> list[str]:
    """Return the registered problem names, sorted."""
    _load_models()
    return sorted(_REGISTRY)


def _load_models() -> None:
    from . import models  # noqa: F401  (registers the model problems)


def resolve(problem: str | Callable[..., Any]) -> Problem:
    """Return the :class:`Problem` named by ``problem``.

    ``problem`` is a registered name, an import path ``"module:function"`` or a function
    (which must be importable by its module and qualified name to run on Dask workers).

    Raises
    ------
    ValueError
        On a name that is neither registered nor an importable ``module:function``.
    """
    if callable(problem):
        return Problem(getattr(problem, "__name__", "user"), problem, metric="loss")
    if not isinstance(problem, str) or not problem:
        raise ValueError(f"problem must be a name or 'module:function', got {problem!r}")
    _load_models()
    if problem in _REGISTRY:
        return _REGISTRY[problem]
    if ":" not in problem:
        raise ValueError(
            f"unknown problem {problem!r}; expected one of {', '.join(sorted(_REGISTRY))} "
            "or an import path 'module:function'"
        )
    return Problem(problem, import_function(problem), metric="loss")


def import_function(path: str) -> ProblemFn:
    """Import ``"package.module:function"`` and return the function."""
    module_name, _, attr = path.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot import problem {path!r}: {exc}") from None
    if not callable(obj):
        raise ValueError(f"problem {path!r} is not callable")
    return obj


def import_path(fn: Callable[..., Any]) -> str:
    """Return ``"module:qualname"`` of ``fn``, checking that it imports back to ``fn``."""
    path = f"{fn.__module__}:{fn.__qualname__}"
    if "<" in path or fn.__module__ == "__main__":
        raise ValueError(
            f"problem {fn.__qualname__!r} cannot travel to a worker: define it at the top of "
            "an importable module and pass 'module:function', or use executor='inprocess'"
        )
    if import_function(path) is not fn:
        raise ValueError(f"problem {path!r} does not import back to the same function")
    return path


# -- 2-D surfaces ---------------------------------------------------------------------


def _ravine(x: Any, y: Any) -> Any:
    return 0.5 * (x * x + 50.0 * y * y)


def _rosenbrock(x: Any, y: Any) -> Any:
    return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


def _saddle(x: Any, y: Any) -> Any:
    return x * x + 0.25 * y**4 - 0.5 * y * y


_SURFACES = {
    # name: (function, start, minimum value, description)
    "ravine": (_ravine, (-4.0, 1.0), 0.0, "f = (x^2 + 50 y^2)/2, a ravine of condition 50"),
    "rosenbrock": (_rosenbrock, (-1.5, 2.0), 0.0, "f = (1-x)^2 + 100 (y-x^2)^2"),
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
                point.grad[...] += noise * rng.standard_normal(2)
            opt.step()
            if sched is not None:
                sched.step()
            gap = float(fn(*point.data)) - f_min
            if not math.isfinite(gap):
                raise FloatingPointError(f"loss is not finite at step {step}: {gap}")
            if reached is None and gap <= config["target"]:
                reached = step
            if step % every == 0 or step == steps:
                report(step, gap)
        x, y = (float(v) for v in point.data)
        out: dict[str, Any] = {"loss": gap, "x": x, "y": y, "steps": float(steps)}
        out["steps_to_target"] = float(reached) if reached is not None else None
        return out

    run.__doc__ = f"Minimize the {name} surface from {start}; metric: f - f_min."
    return run


for _name, (_, _start, _, _desc) in _SURFACES.items():
    register(
        Problem(
            _name,
            _surface_problem(_name),
            metric="loss",
            params=_OPTIMIZER_SET,
            options={"steps": 100, "noise": 0.0, "target": 1e-3, "reports": 10},
            doc=_desc,
        )
    )
