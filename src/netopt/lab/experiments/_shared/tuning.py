r"""The lab's one tuning protocol for fair comparisons, and the spread of a finding (private).

Every contender of a comparison gets its own hyper-parameters from the same protocol
(issue 13, item 3): the same number of configurations tried (the budget), each trained on
``select`` seeds and scored on a validation split; the configuration with the least
**median** validation score wins; the winner is then re-run on ``fresh`` seeds, never
seen by the selection, and scored on held-out data. Only the held-out scores are compared.

A diverged run scores ``inf`` (never NaN), so it loses every median it takes part in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Config = dict[str, float]
"""One configuration: hyper-parameter name -> value, e.g. ``{"lr": 0.1, "momentum": 0.9}``."""

RunFunction = Callable[[str, Config, str], tuple[float, float]]
"""``run(method, config, stream) -> (validation score, held-out score)``, lower is better;
``stream`` names the seed's random streams (``"select-0"``, ``"fresh-2"``, ...)."""


@dataclass
class Tuned:
    """One contender after the protocol.

    Attributes
    ----------
    method : str
    config : dict
        The chosen configuration.
    grid : list of dict
        Every configuration tried (the search space; its length is the budget).
    medians : ndarray
        Median validation score over the selection seeds, one per configuration.
    held_out : ndarray
        Held-out score of the chosen configuration on each fresh seed.
    """

    method: str
    config: Config
    grid: list[Config]
    medians: np.ndarray
    held_out: np.ndarray = field(default_factory=lambda: np.empty(0))


def _finite(value: float) -> float:
    value = float(value)
    return value if math.isfinite(value) else math.inf


def tune(
    spaces: Mapping[str, Sequence[Config]], run: RunFunction, *, select: int, fresh: int
) -> dict[str, Tuned]:
    r"""Choose each method's configuration on validation data, then score it on fresh seeds.

    Parameters
    ----------
    spaces : mapping
        Method name -> its configurations. Give every method the same number of
        configurations: that number is the tuning budget the protocol states.
    run : callable
        See :data:`RunFunction`.
    select, fresh : int
        Seeds used to choose (streams ``"select-<i>"``) and to compare (``"fresh-<i>"``).

    Returns
    -------
    dict
        Method -> :class:`Tuned`, in the order of ``spaces``.

    Raises
    ------
    ValueError
        When the methods' budgets differ or a seed count is below 1.
    """
    budgets = {len(grid) for grid in spaces.values()}
    if len(budgets) != 1:
        raise ValueError(f"every method needs the same budget, got sizes {sorted(budgets)}")
    if select < 1 or fresh < 1:
        raise ValueError(f"select and fresh must be >= 1, got {select} and {fresh}")
    out = {}
    for method, grid in spaces.items():
        scores = np.array(
            [[_finite(run(method, c, f"select-{s}")[0]) for s in range(select)] for c in grid]
        )
        medians = np.median(scores, axis=1)
        chosen = dict(grid[int(np.argmin(medians))])
        held = np.array([_finite(run(method, chosen, f"fresh-{s}")[1]) for s in range(fresh)])
        out[method] = Tuned(method, chosen, [dict(c) for c in grid], medians, held)
    return out


def protocol(
    spaces: Mapping[str, Sequence[Config]], *, select: int, fresh: int, statistic: str, **more: Any
) -> dict[str, Any]:
    """The ``protocol`` dict of a tuned finding (:class:`netopt.lab.core.Claim`)."""
    budget = len(next(iter(spaces.values())))
    names = sorted({k for grid in spaces.values() for c in grid for k in c})
    return {
        "seeds": fresh,
        "tuning": (
            f"grid of {budget} configurations per method over {', '.join(names)}; each "
            f"trained on {select} selection seeds, least median validation score chosen"
        ),
        "statistic": statistic,
        "selection_seeds": select,
        **more,
    }


def spread(values: Sequence[float], digits: int = 3) -> str:
    """``"median 0.12 (range 0.10-0.15)"`` over seeds."""
    v = np.asarray(values, dtype=float)
    fmt = f"{{:.{digits}g}}"
    return f"median {fmt.format(np.median(v))} (range {fmt.format(v.min())}-{fmt.format(v.max())})"


def count(flags: Sequence[bool]) -> str:
    """``"9 of 10 seeds"``."""
    flags = [bool(f) for f in flags]
    return f"{sum(flags)} of {len(flags)} seeds"
