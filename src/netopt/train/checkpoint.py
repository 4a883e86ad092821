r"""Checkpoints: a training state in one container file (:mod:`netopt._io.container`).

The manifest carries the format tag :data:`FORMAT`, the netopt version, ``epoch``, and for
each saved part its type name and state: ``model`` (its ``state_dict`` and the state of every
``numpy.random.Generator`` its modules hold, e.g. Dropout's), ``optimizer`` (``param_groups``
as plain JSON), ``scheduler``, ``train_loader`` / ``val_loader`` (their shuffling generators
and position), ``callbacks``, ``history`` and the caller's ``extra``. Arrays become tensors
named by where they stood: ``"model/state/<key>"``, ``"optimizer/state/state/<i>/exp_avg"``,
``"callbacks/<j>/state/best_weights/<key>"``, ``"extra/..."``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._io import container as _container
from .._io.container import VERSION, CheckpointError, write_container
from .._validate import is_int
from .._version import __version__
from .history import History

FORMAT = "netopt.checkpoint"


@dataclass
class Checkpoint:
    r"""What :func:`load` read, beyond the states it wrote into the objects it was given.

    Attributes
    ----------
    epoch : int or None
        Epochs completed when it was saved (resume with ``fit(..., initial_epoch=epoch)``).
    history : History or None
    extra : object
        The caller's ``extra`` (arrays included), or None.
    manifest : dict
        The decoded manifest (arrays in place), for inspection.
    """

    epoch: int | None
    history: History | None
    extra: Any
    manifest: dict[str, Any] = field(repr=False)


def _module_rngs(model: Any) -> dict[str, np.random.Generator]:
    """Every Generator held as an attribute by the model's modules, by qualified name."""
    found: dict[str, np.random.Generator] = {}
    for mod_name, module in model.named_modules():
        for attr, value in vars(module).items():
            if isinstance(value, np.random.Generator):
                found[f"{mod_name}.{attr}" if mod_name else attr] = value
    return found


def _typed(obj: Any) -> dict[str, Any] | None:
    return None if obj is None else {"type": type(obj).__name__, "state": obj.state_dict()}


def _callback_entries(callbacks: Sequence[Any]) -> list[dict[str, Any]]:
    return [{"type": type(cb).__name__, "state": cb.state_dict()} for cb in callbacks]


def save(
    path: str | os.PathLike[str],
    model: Any,
    optimizer: Any = None,
    scheduler: Any = None,
    extra: Any = None,
    *,
    train_loader: Any = None,
    val_loader: Any = None,
    callbacks: Sequence[Any] = (),
    history: History | None = None,
    epoch: int | None = None,
    key: bytes | None = None,
) -> Path:
    r"""Save a training state to one safetensors file, atomically; return its path.

    Parameters
    ----------
    path : path-like
        The file to write (its folder must exist); an existing file is replaced.
    model : Module
    optimizer, scheduler : optional
        Objects with ``state_dict()``.
    extra : optional
        Any JSON-able data, arrays allowed (stored as tensors).
    train_loader, val_loader : DataLoader, optional
        Their ``state_dict()`` (shuffling generator and position).
    callbacks : sequence of Callback
        Their ``state_dict()``, in order, with their type names.
    history : History, optional
    epoch : int, optional
        Epochs completed.
    key : bytes, optional
        A secret: sign the file with HMAC-SHA256 (:func:`load` with the same key checks
        it). The SHA-256 digest every file carries detects corruption, not tampering.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    TypeError
        If a state holds something neither JSON nor a safetensors array can hold (named).
    FileNotFoundError
        If the folder does not exist.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from netopt import nn
    >>> net = nn.Linear(2, 1, rng=np.random.default_rng(0))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = save(pathlib.Path(d) / "ckpt.safetensors", net, extra={"note": "hi"}, epoch=3)
    ...     ck = load(p, nn.Linear(2, 1))
    >>> ck.epoch, ck.extra
    (3, {'note': 'hi'})
    """
    if epoch is not None and (not is_int(epoch) or epoch < 0):
        raise ValueError(f"epoch must be a non-negative int or None, got {epoch!r}")
    rngs = {name: g.bit_generator.state for name, g in _module_rngs(model).items()}
    content = {
        "format": FORMAT,
        "version": VERSION,
        "netopt_version": __version__,
        "epoch": None if epoch is None else int(epoch),
        "model": {"type": type(model).__name__, "state": dict(model.state_dict()), "rngs": rngs},
        "optimizer": _typed(optimizer),
        "scheduler": _typed(scheduler),
        "train_loader": None if train_loader is None else train_loader.state_dict(),
        "val_loader": None if val_loader is None else val_loader.state_dict(),
        "callbacks": _callback_entries(callbacks),
        "history": None if history is None else history.to_dict(),
        "extra": extra,
    }
    return write_container(path, content, key=key)


def read(
    path: str | os.PathLike[str], *, kind: str = FORMAT, key: bytes | None = None
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    r"""Read and verify a checkpoint file; return the decoded manifest and its arrays.

    ``kind`` is the format tag the manifest must carry: a training checkpoint (the default)
    or :data:`netopt._io.objects.OBJECT_FORMAT`, a file written by ``netopt.save``. Errors:
    :func:`netopt._io.container.read`.
    """
    return _container.read(path, kind=kind, key=key)


def _field(entry: Any, key: str, types: Any, path: Path, where: str) -> Any:
    """``entry[key]``, checked to exist and be of ``types``; else a CheckpointError."""
    if not isinstance(entry, dict) or key not in entry:
        raise CheckpointError(f"checkpoint {str(path)!r} has no {where}{key!r} entry")
    value = entry[key]
    if not isinstance(value, types) or (isinstance(value, bool) and int in types):
        names = " or ".join(t.__name__ for t in types)
        raise CheckpointError(
            f"checkpoint {str(path)!r}: {where}{key!r} is a {type(value).__name__}, not {names}"
        )
    return value


def _part(manifest: Mapping[str, Any], key: str, obj: Any, path: Path) -> Any:
    """The saved state for ``obj`` under ``key``, checking that it exists and its type."""
    entry = manifest.get(key)
    if entry is None:
        raise CheckpointError(f"checkpoint {str(path)!r} has no {key} state")
    _field(entry, "state", (object,), path, f"{key}/")
    if _field(entry, "type", (str,), path, f"{key}/") != type(obj).__name__:
        raise CheckpointError(
            f"checkpoint {str(path)!r} holds a {entry['type']} {key} state, "
            f"cannot load it into a {type(obj).__name__}"
        )
    return entry["state"]


def _match_callbacks(saved: list[dict[str, Any]], callbacks: Sequence[Any], path: Path) -> list:
    """Pair each callback with the saved state of the same type and occurrence."""
    pairs = []
    for cb in callbacks:
        name = type(cb).__name__
        k = sum(type(other).__name__ == name for other, _ in pairs)
        same = [entry for entry in saved if entry["type"] == name]  # checked by load
        if k >= len(same):
            raise CheckpointError(f"checkpoint {str(path)!r} has no state for callback {name} #{k}")
        pairs.append((cb, same[k]["state"]))
    return pairs


def _rng_setter(model: Any, saved: Mapping[str, Any], strict: bool, path: Path) -> Callable:
    rngs = _module_rngs(model)
    if strict and set(rngs) != set(saved):
        raise CheckpointError(
            f"checkpoint {str(path)!r} has generators {sorted(saved)}, "
            f"the model holds {sorted(rngs)}"
        )

    def apply(states: Mapping[str, Any]) -> None:
        for name, state in states.items():
            if name in rngs:
                rngs[name].bit_generator.state = state

    return apply


def load(
    path: str | os.PathLike[str],
    model: Any = None,
    optimizer: Any = None,
    scheduler: Any = None,
    *,
    train_loader: Any = None,
    val_loader: Any = None,
    callbacks: Sequence[Any] = (),
    strict: bool = True,
    key: bytes | None = None,
) -> Checkpoint:
    r"""Load a checkpoint written by :func:`save` into the given objects.

    Each object given gets its saved state (with ``load_state_dict``); objects left out are
    not touched, and parts of the file nobody asks for are ignored. If any part fails to
    load, the parts already loaded are rolled back, so the objects are unchanged.

    Parameters
    ----------
    path : path-like
    model : Module, optional
        Gets the parameters, buffers and module generator states.
    optimizer, scheduler : optional
        Must be of the saved types.
    train_loader, val_loader : DataLoader, optional
    callbacks : sequence of Callback
        Matched to saved states by type name and order of occurrence.
    strict : bool, default True
        Require the model's class name, state keys and generators to match.
    key : bytes, optional
        Accept only a file signed with this key (see :func:`save`).

    Returns
    -------
    Checkpoint
        ``epoch``, ``history``, ``extra`` and the decoded ``manifest``.

    Raises
    ------
    CheckpointError
        (a ValueError) On a missing, corrupt or foreign file, a part that is absent or of
        another type, or a state the object refuses; the message names the file.

    Examples
    --------
    See :func:`save`.
    """
    p = Path(path)
    manifest, _ = read(p, key=key)
    steps: list[tuple[str, Any, Any]] = []  # (what, object, state)
    saved_callbacks = _field(manifest, "callbacks", (list,), p, "")
    for j, entry in enumerate(saved_callbacks):
        _field(entry, "type", (str,), p, f"callbacks/{j}/")
        _field(entry, "state", (object,), p, f"callbacks/{j}/")
    epoch = _field(manifest, "epoch", (int, type(None)), p, "")
    history = _field(manifest, "history", (dict, type(None)), p, "")
    if model is not None:
        saved = _field(manifest, "model", (dict,), p, "")
        _field(saved, "state", (dict,), p, "model/")
        _field(saved, "rngs", (dict,), p, "model/")
        if strict and _field(saved, "type", (str,), p, "model/") != type(model).__name__:
            raise CheckpointError(
                f"checkpoint {str(p)!r} holds a {saved['type']}, not a {type(model).__name__}"
            )
        steps.append(("model", model, saved["state"]))
        set_rngs = _rng_setter(model, saved["rngs"], strict, p)
        snapshot = {n: g.bit_generator.state for n, g in _module_rngs(model).items()}
        steps.append(("model generators", _FuncState(set_rngs, snapshot), saved["rngs"]))
    for key, obj in (("optimizer", optimizer), ("scheduler", scheduler)):
        if obj is not None:
            steps.append((key, obj, _part(manifest, key, obj, p)))
    for key, loader in (("train_loader", train_loader), ("val_loader", val_loader)):
        if loader is not None:
            if manifest.get(key) is None:
                raise CheckpointError(f"checkpoint {str(p)!r} has no {key} state")
            steps.append((key, loader, manifest[key]))
    for cb, state in _match_callbacks(saved_callbacks, callbacks, p):
        steps.append((f"callback {type(cb).__name__}", cb, state))
    _apply_all(steps, p, strict)
    try:
        history = None if history is None else History.from_dict(history)
    except (KeyError, ValueError, TypeError) as err:
        raise CheckpointError(f"checkpoint {str(p)!r} has a bad history: {err}") from None
    return Checkpoint(
        epoch=epoch,
        history=history,
        extra=manifest.get("extra"),
        manifest=manifest,
    )


class _FuncState:
    """Adapter giving a setter function the state_dict/load_state_dict interface."""

    def __init__(self, setter: Callable[[Any], None], snapshot: Any) -> None:
        self._setter, self._snapshot = setter, snapshot

    def state_dict(self) -> Any:
        return self._snapshot

    def load_state_dict(self, state: Any, strict: bool = True) -> None:
        self._setter(state)


def _apply_all(steps: list[tuple[str, Any, Any]], path: Path, strict: bool) -> None:
    """Load every state; on the first failure restore the ones already loaded and raise."""
    undo: list[tuple[Any, Any]] = []
    try:
        for what, obj, state in steps:
            before = obj.state_dict()
            try:
                if what == "model":
                    obj.load_state_dict(state, strict=strict)
                else:
                    obj.load_state_dict(state)
            except (KeyError, ValueError, TypeError, AttributeError, IndexError) as err:
                message = err.args[0] if isinstance(err, KeyError) and err.args else err
                raise CheckpointError(
                    f"cannot load the {what} state of {str(path)!r}: {message}"
                ) from err
            undo.append((obj, before))
    except BaseException:
        for obj, before in reversed(undo):
            obj.load_state_dict(before)
        raise
