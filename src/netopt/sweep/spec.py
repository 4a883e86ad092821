r"""A sweep: a problem, a search space and a budget, from Python or from a TOML file.

A sweep file (TOML, read with :mod:`tomllib`; never evaluated)::

    [sweep]
    name = "ravine-lr"          # the study's name in the store
    problem = "ravine"          # a registered problem or "package.module:function"
    sampler = "grid"            # grid | random | tpe
    n_trials = 40               # random and tpe (a grid runs every point)
    seed = 0                    # root seed: every trial's seed derives from it
    pruner = "none"             # none | median | halving | hyperband
    # metric = "loss"; direction = "minimize"  (the problem's by default)

    [problem]                   # the problem's options
    steps = 100

    [pruner_options]            # passed to Optuna's pruner (min_resource, ...)

    [space]
    optimizer = ["sgd", "adam"]
    lr = { low = 1e-3, high = 1.0, log = true, n = 8 }
    seed = [0, 1, 2]
    [space.when.sgd]
    momentum = [0.0, 0.9]

Everything is checked by :meth:`Sweep.validate` before any trial starts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._validate import is_int
from .problems import Problem, import_path, resolve
from .space import Space, iter_dims

SAMPLERS = ("grid", "random", "tpe")
PRUNERS: dict[str, frozenset[str]] = {
    "none": frozenset(),
    "median": frozenset({"n_startup_trials", "n_warmup_steps", "interval_steps", "n_min_trials"}),
    "halving": frozenset({"min_resource", "reduction_factor", "min_early_stopping_rate"}),
    "hyperband": frozenset({"min_resource", "max_resource", "reduction_factor"}),
}
_SWEEP_KEYS = {"name", "problem", "sampler", "n_trials", "seed", "pruner", "metric", "direction"}


@dataclass
class Sweep:
    """A sweep definition.

    Parameters
    ----------
    problem : str or callable
        A registered problem name, ``"module:function"``, or a function
        ``problem(config, report) -> metrics``.
    space : Space or mapping
        The search space (see :mod:`netopt.sweep.space`).
    sampler : {"grid", "random", "tpe"}
    n_trials : int, optional
        Trials for ``random`` and ``tpe`` (required there); a grid runs every point.
    seed : int
        The root seed; each trial's seed is ``derive_seed(seed, config)``.
    pruner : {"none", "median", "halving", "hyperband"}
    pruner_options : mapping
        Keyword arguments of Optuna's pruner.
    options : mapping
        The problem's options (``steps``, ``epochs``, ...).
    metric, direction : str, optional
        The objective; the problem's by default.
    name : str
        The study's name in the store.

    Examples
    --------
    >>> s = Sweep("ravine", {"optimizer": "sgd", "lr": [0.01, 0.1]}, name="demo")
    >>> s.validate(); [c["lr"] for c in s.planned()]
    [0.01, 0.1]
    """

    problem: str | Callable[..., Any]
    space: Space | Mapping[str, Any]
    sampler: str = "grid"
    n_trials: int | None = None
    seed: int = 0
    pruner: str = "none"
    pruner_options: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    metric: str | None = None
    direction: str | None = None
    name: str = "sweep"

    def __post_init__(self) -> None:
        if not isinstance(self.space, Space):
            self.space = Space.parse(self.space) if self.space else Space.parse({})

    @property
    def problem_def(self) -> Problem:
        """The resolved :class:`~netopt.sweep.problems.Problem`."""
        return resolve(self.problem)

    @property
    def problem_ref(self) -> str:
        """The problem as plain text: its registered name or ``module:function``."""
        if callable(self.problem):
            return import_path(self.problem)
        return self.problem

    @property
    def objective(self) -> tuple[str, str]:
        """``(metric, direction)`` of the objective."""
        p = self.problem_def
        return self.metric or p.metric, self.direction or p.direction

    def validate(self) -> None:
        """Check everything a trial will need; raise ``ValueError`` naming the bad value."""
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"sweep name must be a non-empty string, got {self.name!r}")
        if self.sampler not in SAMPLERS:
            raise ValueError(f"unknown sampler {self.sampler!r}; expected one of {SAMPLERS}")
        if self.pruner not in PRUNERS:
            raise ValueError(f"unknown pruner {self.pruner!r}; expected one of {tuple(PRUNERS)}")
        bad = sorted(set(self.pruner_options) - PRUNERS[self.pruner])
        if bad:
            raise ValueError(f"pruner {self.pruner!r} takes no option {bad[0]!r}")
        if not is_int(self.seed) or self.seed < 0:
            raise ValueError(f"sweep seed must be a non-negative int, got {self.seed!r}")
        if self.sampler != "grid" and (not is_int(self.n_trials) or self.n_trials < 1):
            raise ValueError(f"sampler {self.sampler!r} needs n_trials >= 1, got {self.n_trials!r}")
        if self.direction not in (None, "minimize", "maximize"):
            raise ValueError(f"direction must be 'minimize' or 'maximize', got {self.direction!r}")
        problem = self.problem_def
        options = problem.check_options(self.options)
        clash = sorted(set(options) & set(_names(self.space)))
        if clash:
            raise ValueError(f"{clash[0]!r} is both a problem option and a searched parameter")
        if problem.params is not None:
            for name in _names(self.space):
                if name not in problem.params:
                    raise ValueError(
                        f"hyper-parameter {name!r} does not apply to problem {problem.name!r}"
                    )
        self.space.validate(known_only=problem.params is not None)
        if self.sampler == "grid":
            if not self.space.grid():
                raise ValueError("the grid is empty")

    def planned(self) -> list[dict[str, Any]]:
        """Return the configs a grid or random sweep will run, in order (TPE: empty)."""
        if self.sampler == "grid":
            return self.space.grid()
        if self.sampler == "random":
            return self.space.random(int(self.n_trials), self.seed)
        return []

    def to_dict(self) -> dict[str, Any]:
        """Return the sweep as plain data (JSON-able; a function as ``module:function``)."""
        return {
            "name": self.name,
            "problem": self.problem_ref,
            "sampler": self.sampler,
            "n_trials": self.n_trials,
            "seed": self.seed,
            "pruner": self.pruner,
            "pruner_options": dict(self.pruner_options),
            "options": dict(self.options),
            "metric": self.objective[0],
            "direction": self.objective[1],
            "space": self.space.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Sweep:
        """Return the sweep of a mapping shaped like :meth:`to_dict`'s or a sweep file."""
        if "sweep" in data:  # the file layout: [sweep], [problem], [space], [pruner_options]
            unknown = set(data) - {"sweep", "problem", "space", "pruner_options"}
            if unknown:
                raise ValueError(f"unknown table {sorted(unknown)[0]!r} in the sweep file")
            head = dict(data["sweep"])
            bad = set(head) - _SWEEP_KEYS
            if bad:
                raise ValueError(f"unknown key {sorted(bad)[0]!r} in [sweep]")
            if "problem" not in head:
                raise ValueError("[sweep] needs a problem")
            flat = {
                **head,
                "options": dict(data.get("problem", {})),
                "space": data.get("space", {}),
                "pruner_options": dict(data.get("pruner_options", {})),
            }
        else:
            flat = dict(data)
        known = _SWEEP_KEYS | {"options", "space", "pruner_options"}
        bad = set(flat) - known
        if bad:
            raise ValueError(f"unknown sweep key {sorted(bad)[0]!r}")
        return cls(**flat)

    @classmethod
    def from_file(cls, path: str | Path) -> Sweep:
        """Read a sweep from a TOML file (``.toml``) or a YAML file (``.yaml``, safe loader)."""
        path = Path(path)
        text = path.read_text(encoding="utf-8")
        if path.suffix in (".yaml", ".yml"):
            import yaml  # optional; safe_load builds plain data only

            data = yaml.safe_load(text)
        else:
            try:
                import tomllib
            except ImportError:  # Python 3.10
                import tomli as tomllib
            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError as exc:
                raise ValueError(f"{path}: not valid TOML: {exc}") from None
        if not isinstance(data, Mapping):
            raise ValueError(f"{path}: expected a table at the top level")
        return cls.from_dict(data)


def _names(space: Space) -> list[str]:
    return list(iter_dims(space))
