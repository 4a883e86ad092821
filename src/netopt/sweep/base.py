r"""What a problem is: a function ``problem(config, report) -> metrics`` and its metadata.

See :mod:`netopt.sweep.problems` for the registry and the contract of ``config`` and
``report``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .params import OPTIMIZER_PARAMS, SCHEDULES

Report = Callable[[int, float], None]
ProblemFn = Callable[[dict[str, Any], Report], Mapping[str, float]]

#: The parameters every optimizing problem accepts: the optimizer's, its schedule's, seed.
OPTIMIZER_SET = frozenset({"optimizer", "lr", "seed"}).union(
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
