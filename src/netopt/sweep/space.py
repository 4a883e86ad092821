r"""Search spaces: the values each hyper-parameter may take, and how a trial draws them.

A space maps parameter names to dimensions. A dimension is written as

- a scalar (``0.9``, ``"cosine"``, ``true``): the parameter is fixed;
- a list (``["sgd", "adam"]``, ``[0.0, 0.9]``): a categorical choice;
- a table ``{low, high, log, n, int}``: a range; ``log = true`` draws log-uniformly (a
  learning rate), ``int = true`` draws integers, ``n`` is the number of points a grid
  takes (log-spaced when ``log``).

``when`` holds further dimensions per optimizer (``when.sgd.momentum = [0, 0.9]``): they
join the space only for trials of that optimizer, so a grid is the union over optimizers
of the product of the shared and that optimizer's dimensions, and TPE samples them
conditionally. Every value a dimension can produce is checked against
:mod:`netopt.sweep.params` before any trial starts.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validate import is_int, is_real
from .params import check_applies, check_value


@dataclass(frozen=True)
class Choice:
    """A categorical dimension (a fixed value is a choice of one)."""

    values: tuple[Any, ...]

    def grid(self, name: str) -> list[Any]:
        """Return the values a grid takes (all of them)."""
        return list(self.values)

    def draw(self, rng: np.random.Generator) -> Any:
        """Return one value drawn uniformly."""
        return self.values[int(rng.integers(len(self.values)))]

    def suggest(self, trial: Any, name: str) -> Any:
        """Ask an Optuna trial for the value (fixed values are not suggested)."""
        if len(self.values) == 1:
            return self.values[0]
        return trial.suggest_categorical(name, list(self.values))

    def endpoints(self) -> tuple[Any, ...]:
        """Every value, for validation."""
        return self.values


@dataclass(frozen=True)
class Range:
    """A numeric range ``[low, high]``, log-uniform when ``log``, integer when ``integer``."""

    low: float
    high: float
    log: bool = False
    integer: bool = False
    n: int | None = None

    def grid(self, name: str) -> list[Any]:
        """Return ``n`` points from ``low`` to ``high`` (log-spaced when ``log``)."""
        if self.n is None:
            raise ValueError(f"the grid sampler needs n (the number of points) for range {name!r}")
        if self.n == 1:
            points = np.array([self.low])
        elif self.log:
            points = np.geomspace(self.low, self.high, self.n)
        else:
            points = np.linspace(self.low, self.high, self.n)
        if self.integer:
            return sorted({round(float(p)) for p in points})
        return [float(f"{p:.12g}") for p in points]

    def draw(self, rng: np.random.Generator) -> Any:
        """Return one value drawn uniformly (in log space when ``log``)."""
        if self.integer:
            if self.log:
                value = math.exp(rng.uniform(math.log(self.low), math.log(self.high + 1)))
                return min(int(value), int(self.high))
            return int(rng.integers(int(self.low), int(self.high) + 1))
        if self.log:
            return float(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))
        return float(rng.uniform(self.low, self.high))

    def suggest(self, trial: Any, name: str) -> Any:
        """Ask an Optuna trial for the value."""
        if self.integer:
            return trial.suggest_int(name, int(self.low), int(self.high), log=self.log)
        return trial.suggest_float(name, self.low, self.high, log=self.log)

    def endpoints(self) -> tuple[Any, ...]:
        """The two bounds, for validation."""
        if self.integer:
            return (int(self.low), int(self.high))
        return (float(self.low), float(self.high))


Dim = Choice | Range


def _plain(value: Any, name: str) -> Any:
    if isinstance(value, (bool, str)) or value is None:
        return value
    if is_int(value):
        return int(value)
    if is_real(value):
        return float(value)
    raise ValueError(f"value of {name!r} must be a number, a string or a bool, got {value!r}")


def parse_dim(name: str, spec: Any) -> Dim:
    """Return the dimension written as ``spec`` (scalar, list or range table).

    Raises
    ------
    ValueError
        On an empty list, a range with ``low >= high`` or a log range with ``low <= 0``.
    """
    if isinstance(spec, (Choice, Range)):
        return spec
    if isinstance(spec, (list, tuple)):
        if not spec:
            raise ValueError(f"dimension {name!r} is an empty list of values")
        return Choice(tuple(_plain(v, name) for v in spec))
    if isinstance(spec, Mapping):
        unknown = set(spec) - {"low", "high", "log", "n", "int"}
        if unknown or "low" not in spec or "high" not in spec:
            raise ValueError(
                f"range {name!r} takes low, high and optionally log, n, int; got {sorted(spec)}"
            )
        low, high = spec["low"], spec["high"]
        if not (is_real(low) and is_real(high)) or not low < high:
            raise ValueError(f"range {name!r} needs numbers low < high, got {low!r}, {high!r}")
        log, integer = spec.get("log", False), spec.get("int", False)
        if not isinstance(log, bool) or not isinstance(integer, bool):
            raise ValueError(f"range {name!r}: log and int must be true or false")
        if log and low <= 0:
            raise ValueError(f"log range {name!r} needs low > 0, got {low!r}")
        n = spec.get("n")
        if n is not None and (not is_int(n) or n < 1):
            raise ValueError(f"range {name!r}: n must be an int >= 1, got {n!r}")
        return Range(float(low), float(high), log, integer, None if n is None else int(n))
    return Choice((_plain(spec, name),))


def canonical(config: Mapping[str, Any]) -> str:
    """Return the canonical JSON text of a config (sorted keys, no spaces).

    >>> canonical({"lr": 0.1, "optimizer": "sgd"})
    '{"lr":0.1,"optimizer":"sgd"}'
    """
    return json.dumps(config, sort_keys=True, separators=(",", ":"), allow_nan=False)


def config_key(config: Mapping[str, Any]) -> str:
    """Return a stable 16-hex-digit key of a config: the start of its canonical SHA-256.

    >>> config_key({"lr": 0.1}) == config_key({"lr": 0.1})
    True
    """
    return hashlib.sha256(canonical(config).encode("utf-8")).hexdigest()[:16]


def derive_seed(root_seed: int, config: Mapping[str, Any]) -> int:
    """Return the trial's seed from the sweep's ``root_seed`` and the trial's config.

    ``np.random.SeedSequence(root_seed, spawn_key=words of the config's SHA-256)`` gives
    a 63-bit integer that depends on nothing else (not the worker, machine or order).

    >>> derive_seed(0, {"lr": 0.1}) == derive_seed(0, {"lr": 0.1}) != derive_seed(1, {"lr": 0.1})
    True
    """
    digest = hashlib.sha256(canonical(config).encode("utf-8")).digest()
    words = tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))
    state = np.random.SeedSequence(int(root_seed), spawn_key=words).generate_state(2, np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1])) & ((1 << 63) - 1)


@dataclass(frozen=True)
class Space:
    """A search space: shared dimensions and per-optimizer ones (``when``).

    Examples
    --------
    >>> s = Space.parse({"optimizer": ["sgd", "adam"], "lr": {"low": 0.01, "high": 1.0,
    ...     "log": True, "n": 3}, "when": {"sgd": {"momentum": [0.0, 0.9]}}})
    >>> len(s.grid())
    9
    """

    dims: dict[str, Dim]
    when: dict[str, dict[str, Dim]] = field(default_factory=dict)

    @classmethod
    def parse(cls, spec: Mapping[str, Any]) -> Space:
        """Return the space written as a mapping (the ``[space]`` table of a sweep file)."""
        if not isinstance(spec, Mapping) or not spec:
            raise ValueError("the search space is empty: give at least one dimension")
        dims, when = {}, {}
        for name, value in spec.items():
            if name == "when":
                if not isinstance(value, Mapping):
                    raise ValueError("space.when must map optimizer names to dimensions")
                for branch, sub in value.items():
                    if not isinstance(sub, Mapping):
                        raise ValueError(f"space.when.{branch} must be a table of dimensions")
                    when[str(branch)] = {str(k): parse_dim(str(k), v) for k, v in sub.items()}
            else:
                dims[str(name)] = parse_dim(str(name), value)
        if not dims:
            raise ValueError("the search space is empty: give at least one dimension")
        return cls(dims, when)

    def _branches(self) -> list[tuple[Any, dict[str, Dim]]]:
        """``(optimizer, dims)`` per optimizer value (one ``(None, dims)`` without one)."""
        if not self.when:
            return [(None, dict(self.dims))]
        opt = self.dims.get("optimizer")
        if opt is None:
            raise ValueError("space.when needs an 'optimizer' dimension to branch on")
        if not isinstance(opt, Choice):
            raise ValueError("the 'optimizer' dimension must be a list of names")
        for branch in self.when:
            if branch not in opt.values:
                raise ValueError(f"space.when.{branch}: {branch!r} is not among the optimizers")
        out = []
        for value in opt.values:
            dims = {k: v for k, v in self.dims.items() if k != "optimizer"}
            dims = {"optimizer": Choice((value,)), **dims, **self.when.get(value, {})}
            out.append((value, dims))
        return out

    def validate(self, *, known_only: bool) -> None:
        """Check every value every dimension can take, and that each parameter applies."""
        for _, dims in self._branches():
            for name, dim in dims.items():
                for value in dim.endpoints():
                    check_value(name, value)
            sample = {name: dim.endpoints()[0] for name, dim in dims.items()}
            for name, dim in dims.items():  # every value of the deciding dimensions
                if name in ("optimizer", "schedule", "nesterov"):
                    for value in dim.endpoints():
                        check_applies({**sample, name: value}, known_only=known_only)
            check_applies(sample, known_only=known_only)

    def grid(self) -> list[dict[str, Any]]:
        """Return every config of the grid, in a fixed order."""
        configs = []
        for _, dims in self._branches():
            names = list(dims)
            for values in itertools.product(*(dims[n].grid(n) for n in names)):
                configs.append(dict(zip(names, values)))
        return configs

    def draw(self, rng: np.random.Generator) -> dict[str, Any]:
        """Return one config drawn at random (the optimizer first, then its dimensions)."""
        branches = self._branches()
        _, dims = branches[int(rng.integers(len(branches)))] if len(branches) > 1 else branches[0]
        return {name: dim.draw(rng) for name, dim in dims.items()}

    def random(self, n: int, seed: int) -> list[dict[str, Any]]:
        """Return ``n`` distinct configs drawn from ``seed`` (fewer if the space is smaller)."""
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x5EED]))
        out: dict[str, dict[str, Any]] = {}
        for _ in range(20 * n):
            if len(out) == n:
                break
            config = self.draw(rng)
            out.setdefault(config_key(config), config)
        return list(out.values())

    def suggest(self, trial: Any) -> dict[str, Any]:
        """Return a config asked from an Optuna trial (define-by-run, for TPE)."""
        config: dict[str, Any] = {}
        if "optimizer" in self.dims:
            config["optimizer"] = self.dims["optimizer"].suggest(trial, "optimizer")
        for name, dim in self.dims.items():
            if name != "optimizer":
                config[name] = dim.suggest(trial, name)
        for name, dim in self.when.get(config.get("optimizer"), {}).items():
            config[name] = dim.suggest(trial, name)
        return config

    def size(self) -> int | None:
        """Return the number of grid points (None when a range has no ``n``)."""
        try:
            return len(self.grid())
        except ValueError:
            return None

    def to_dict(self) -> dict[str, Any]:
        """Return the space as plain data (the inverse of :meth:`parse`)."""

        def dump(dim: Dim) -> Any:
            if isinstance(dim, Choice):
                return list(dim.values) if len(dim.values) != 1 else dim.values[0]
            out: dict[str, Any] = {"low": dim.low, "high": dim.high}
            if dim.log:
                out["log"] = True
            if dim.integer:
                out["int"] = True
            if dim.n is not None:
                out["n"] = dim.n
            return out

        out = {k: dump(v) for k, v in self.dims.items()}
        if self.when:
            out["when"] = {b: {k: dump(v) for k, v in d.items()} for b, d in self.when.items()}
        return out


def iter_dims(space: Space) -> Iterator[str]:
    """Yield every parameter name the space can set."""
    yield from space.dims
    for dims in space.when.values():
        yield from dims
