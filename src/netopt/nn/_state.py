"""The machinery behind a module's state methods: every parameter and buffer under every
name it has (``state_dict``), torch's rule for unexpected keys and a load that validates
everything before it writes anything (``load_state_dict``), and the in-place cast of
``Module.to(dtype)``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from ..autograd.tensor import Tensor


class _IncompatibleKeys(NamedTuple):
    """What :meth:`Module.load_state_dict` returns: torch's ``_IncompatibleKeys``.

    ``missing_keys`` lists the module's keys that the state dict lacks, in
    :meth:`Module.state_dict` order; ``unexpected_keys`` the state dict's keys that name
    nothing in the module, in torch's order (module by module, depth first, and within one
    module in the state dict's order). As in torch, the repr of an empty result is
    ``<All keys matched successfully>``.

    Examples
    --------
    >>> _IncompatibleKeys([], [])
    <All keys matched successfully>
    >>> _IncompatibleKeys(["bias"], [])
    _IncompatibleKeys(missing_keys=['bias'], unexpected_keys=[])
    """

    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (
            f"_IncompatibleKeys(missing_keys={self.missing_keys!r}, "
            f"unexpected_keys={self.unexpected_keys!r})"
        )

    __str__ = __repr__


def state_targets(root: Any) -> Iterator[tuple[str, np.ndarray]]:
    """``(key, array)`` of every parameter and buffer under every name it has (the live
    arrays, in ``state_dict`` order: module by module, parameters before buffers)."""
    for mod_name, module in root.named_modules(remove_duplicate=False):
        for registry in (module._parameters, module._buffers):
            for name, value in registry.items():
                if value is not None:
                    key = f"{mod_name}.{name}" if mod_name else name
                    yield key, value._data if isinstance(value, Tensor) else value


def unexpected_keys(root: Any, state_dict: Mapping[str, Any]) -> list[str]:
    """The keys of ``state_dict`` that name nothing in ``root``, in torch's order.

    torch's rule (``Module._load_from_state_dict``), applied at every module path
    (shared modules under each): a key ``prefix + "a.b..."`` is unexpected there when
    ``a`` is not one of its sub-module slots; a key ``prefix + "a"`` when ``a`` is not
    one of its (non-None) parameters or buffers.
    """
    unexpected: list[str] = []
    for mod_name, module in root.named_modules(remove_duplicate=False):
        prefix = f"{mod_name}." if mod_name else ""
        local = {
            name
            for registry in (module._parameters, module._buffers)
            for name, value in registry.items()
            if value is not None
        }
        for key in state_dict:
            if not key.startswith(prefix):
                continue
            head, dot, _ = key[len(prefix) :].partition(".")
            if (head not in module._modules) if dot else (head not in local):
                unexpected.append(key)
    return unexpected


def load_state(root: Any, state_dict: Mapping[str, Any], strict: bool) -> _IncompatibleKeys:
    """:meth:`netopt.nn.Module.load_state_dict`: check keys, shapes and dtypes, then copy.

    Raises
    ------
    TypeError
        If ``state_dict`` is not a mapping (torch's message).
    """
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
    targets = dict(state_targets(root))
    missing = [k for k in targets if k not in state_dict]
    unexpected = unexpected_keys(root, state_dict)
    if strict and (missing or unexpected):
        raise KeyError(
            f"Error(s) in loading state_dict for {type(root).__name__}: "
            f"missing keys {missing}, unexpected keys {unexpected}"
        )
    staged = []
    for key, target in targets.items():
        if key not in state_dict:
            continue
        value = state_dict[key]
        arr = np.asarray(value._data if isinstance(value, Tensor) else value)
        if arr.shape != target.shape:
            raise ValueError(
                f"size mismatch for {key}: copying a param with shape {arr.shape}, "
                f"the shape in current model is {target.shape}"
            )
        if arr.dtype.kind != target.dtype.kind and not (
            arr.dtype.kind in "iu" and target.dtype.kind in "iu"
        ):
            raise ValueError(f"dtype mismatch for {key}: {arr.dtype} vs {target.dtype}")
        staged.append((target, arr))
    for target, arr in staged:
        np.copyto(target, arr, casting="unsafe")
    return _IncompatibleKeys(missing, unexpected)


def cast_floating(root: Any, dtype: np.dtype) -> None:
    """Cast every floating parameter (with its gradient) and floating buffer of ``root``.

    The Parameter objects stay the same; their arrays are replaced, so a parameter leaves
    an optimizer's flat buffer (a gradient slot holds only for the array it was registered
    for, see :mod:`netopt.autograd.grad_slots`). Integer buffers stay.
    """
    for p in root.parameters():
        if p._data.dtype.kind == "f" and p._data.dtype != dtype:
            p._data = p._data.astype(dtype)
            if p._grad is not None:
                p._grad = p._grad.astype(dtype)
    for module in root.modules():
        for name, buf in module._buffers.items():
            if buf is not None and buf.dtype.kind == "f" and buf.dtype != dtype:
                module._buffers[name] = buf.astype(dtype)
