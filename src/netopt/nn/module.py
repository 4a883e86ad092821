"""``Module``: the base class of layers and models, with PyTorch's interface.

A module owns parameters (:class:`Parameter`), buffers (non-learnable arrays such as
BatchNorm's running statistics) and sub-modules, all registered by plain attribute
assignment and kept in insertion order. ``state_dict`` flattens them into
``{"layer.0.weight": ndarray, ...}``; ``load_state_dict`` checks names, shapes and
dtypes before writing anything, so a failed load leaves the module unchanged.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from ..autograd.tensor import Tensor
from ._state import _IncompatibleKeys, cast_floating, load_state, state_targets
from .parameter import Parameter


class Module:
    """Base class for all layers and models.

    Subclasses assign parameters and sub-modules as attributes in ``__init__`` (after
    calling ``super().__init__()``) and implement ``forward``; calling the module
    calls ``forward``.

    Examples
    --------
    >>> import netopt
    >>> from netopt import nn
    >>> class Affine(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.scale = nn.Parameter(netopt.ones(2))
    ...     def forward(self, x):
    ...         return x * self.scale
    >>> [name for name, _ in Affine().named_parameters()]
    ['scale']
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # ----------------------------------------------------------- registration
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign before Module.__init__() call")
        # As PyTorch: a registered parameter or buffer stays registered when reassigned
        # (else ``bn.running_mean = ...`` would silently drop it from state_dict, and
        # ``layer.weight = tensor`` from parameters()).
        if name in self._parameters and not isinstance(value, (Parameter, Module)):
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                    "(netopt.nn.Parameter or None expected)"
                )
            self._parameters[name] = None
            return
        if name in self._buffers and not isinstance(value, (Parameter, Module)):
            if isinstance(value, Tensor):
                value = value._data
            if value is not None and not isinstance(value, np.ndarray):
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                    "(numpy.ndarray or None expected)"
                )
            self._buffers[name] = value
            return
        if isinstance(value, Parameter):
            target = self._parameters
        elif isinstance(value, Module):
            target = self._modules
        else:
            target = None
        for registry in (self._parameters, self._buffers, self._modules):
            if registry is not target:
                registry.pop(name, None)
        if target is None:
            object.__setattr__(self, name, value)
            return
        target[name] = value  # a replaced entry keeps its place in the order, as torch
        self.__dict__.pop(name, None)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in d and name in d[registry]:
                return d[registry][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or None, for an absent optional parameter) as ``name``."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' as parameter '{name}'")
        self.__dict__.pop(name, None)
        self._parameters[name] = param

    def register_buffer(self, name: str, value: np.ndarray | Tensor | None) -> None:
        """Register a non-learnable array saved in ``state_dict`` (e.g. running means).

        A tensor is accepted as in torch and stored as its array (netopt's buffers are
        NumPy arrays, updated in place).
        """
        if isinstance(value, Tensor):
            value = value._data
        if value is not None and not isinstance(value, np.ndarray):
            raise TypeError(f"buffer '{name}' must be an ndarray or None, got {type(value)}")
        self.__dict__.pop(name, None)
        self._buffers[name] = value

    def add_module(self, name: str, module: Module | None) -> None:
        """Register a sub-module (or None, for an absent one) under ``name``.

        As torch, ``name`` must be a non-empty string without ``"."`` that is not
        already an attribute other than a sub-module (``"training"``, ``"forward"``, a
        parameter's name...): TypeError for a non-Module or a non-string name, KeyError for
        a bad name. Re-adding an existing sub-module name replaces it in place.
        """
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {type(name).__name__}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError('module name can\'t be empty string ""')
        self._modules[name] = module

    # ----------------------------------------------------------- traversal
    def named_modules(
        self, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """Yield ``(qualified_name, module)`` for this module and all descendants, depth first.

        A module reachable under several names is yielded once, under the first, unless
        ``remove_duplicate`` is False (then under every name, as :meth:`state_dict` needs).
        """
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in seen:
                    continue
                seen.add(id(module))
            yield name, module
            children = [
                (f"{name}.{child_name}" if name else child_name, child)
                for child_name, child in module._modules.items()
                if child is not None
            ]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """Yield this module and all descendants."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Yield ``(name, module)`` for the direct sub-modules."""
        for name, module in self._modules.items():
            if module is not None:
                yield name, module

    def children(self) -> Iterator[Module]:
        """Yield the direct sub-modules."""
        for _, module in self.named_children():
            yield module

    def named_parameters(self, prefix: str = "", recurse: bool = True):
        """Yield ``(qualified_name, parameter)``, each shared parameter once."""
        seen: set[int] = set()
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mod_name, module in modules:
            for name, param in module._parameters.items():
                if param is None or id(param) in seen:
                    continue
                seen.add(id(param))
                yield (f"{mod_name}.{name}" if mod_name else name), param

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Yield the learnable parameters (what an optimizer takes)."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, np.ndarray]]:
        """Yield ``(qualified_name, array)`` for every buffer (None entries skipped).

        As torch: ``recurse=False`` yields only this module's own buffers; with
        ``remove_duplicate`` (the default) a shared module and an array registered as a
        buffer in several places are yielded once, under the first name, and with
        ``remove_duplicate=False`` under every name (as :meth:`state_dict` lists them).
        """
        seen: set[int] = set()
        if recurse:
            modules = self.named_modules(prefix, remove_duplicate=remove_duplicate)
        else:
            modules = iter([(prefix, self)])
        for mod_name, module in modules:
            for name, buf in module._buffers.items():
                if buf is None or id(buf) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(buf))
                yield (f"{mod_name}.{name}" if mod_name else name), buf

    def buffers(self, recurse: bool = True) -> Iterator[np.ndarray]:
        """Yield the buffer arrays (the live arrays, not copies), as :meth:`named_buffers`.

        Each buffer is yielded once even when shared; ``recurse=False`` yields only this
        module's own buffers.

        Examples
        --------
        >>> from netopt import nn
        >>> [b.shape for b in nn.BatchNorm1d(3).buffers()]
        [(3,), (3,), ()]
        """
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every sub-module (children first) and on ``self``."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ----------------------------------------------------------- modes, grads
    def train(self, mode: bool = True) -> Module:
        """Set training mode (Dropout drops, BatchNorm uses batch statistics)."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode; the same as ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter (each shared one once) and return self.

        As torch: this is how a part of a model is frozen (``requires_grad_(False)``: its
        parameters get no gradient from ``backward``) or unfrozen. Buffers are not touched.
        Setting True on a non-float parameter raises RuntimeError, as
        :meth:`Tensor.requires_grad_ <netopt.Tensor.requires_grad_>` does.

        Examples
        --------
        >>> from netopt import nn
        >>> layer = nn.Linear(2, 1).requires_grad_(False)
        >>> [p.requires_grad for p in layer.parameters()]
        [False, False]
        """
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def to(self, *args: Any, dtype: Any = None) -> Module:
        """Move to a device or cast, in place, and return self (``torch.nn.Module.to``).

        A device (``"cpu"``) changes nothing: netopt computes on the CPU only, and any
        other device raises RuntimeError. A floating ``dtype`` casts every floating
        parameter (and its gradient) and floating buffer; the Parameter objects stay the
        same, integer buffers such as ``num_batches_tracked`` are left alone. Create the
        optimizer after casting, as in PyTorch.

        Raises
        ------
        TypeError
            If ``dtype`` is not a floating dtype.
        """
        from ..autograd.tensor import target_dtype

        dtype = target_dtype(args, dtype)
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(
                f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dtype}"
            )
        cast_floating(self, dtype)
        return self

    def cpu(self) -> Module:
        """``self``: netopt's modules live in CPU memory (``torch.nn.Module.cpu``)."""
        return self

    def float(self) -> Module:
        """Cast floating parameters and buffers to float32 (``to(np.float32)``)."""
        return self.to(np.float32)

    def double(self) -> Module:
        """Cast floating parameters and buffers to float64 (``to(np.float64)``)."""
        return self.to(np.float64)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of all parameters (to None, or to zeros in place)."""
        for p in self.parameters():
            if set_to_none:
                p._grad = None
            elif p._grad is not None:
                p._grad[...] = 0

    # ----------------------------------------------------------- state
    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Return copies of all parameters and buffers, keyed by qualified name.

        As in PyTorch, a shared module or tied parameter appears under every name it has
        (``Sequential(shared, Tanh(), shared)`` gives ``0.weight`` and ``2.weight``),
        while :meth:`named_parameters` lists it once.
        """
        return OrderedDict((key, np.array(arr, copy=True)) for key, arr in state_targets(self))

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> _IncompatibleKeys:
        """Copy values from ``state_dict`` into the parameters and buffers, in place.

        Everything is validated before anything is written: with ``strict`` every
        key must match; for each present key the shape must match and the dtype
        must cast safely within its kind.

        Returns
        -------
        _IncompatibleKeys
            A named tuple ``(missing_keys, unexpected_keys)`` of lists of str, as torch:
            the module's keys absent from ``state_dict`` (in :meth:`state_dict` order) and
            the keys of ``state_dict`` that name no parameter or buffer, in torch's order
            (module by module, depth first; within one module in ``state_dict``'s order).
            A key below a sub-module slot holding None is in neither list (torch skips
            such slots). With ``strict=True`` a successful load returns two empty lists.

        Raises
        ------
        KeyError
            Missing or unexpected keys (``strict=True``); nothing is written.
        ValueError
            A shape or dtype mismatch, naming the key and both shapes (also with
            ``strict=False``, as torch); nothing is written.

        Examples
        --------
        >>> import numpy as np
        >>> from netopt import nn
        >>> layer = nn.Linear(2, 1)
        >>> layer.load_state_dict({"weight": np.ones((1, 2)), "scale": np.ones(1)}, strict=False)
        _IncompatibleKeys(missing_keys=['bias'], unexpected_keys=['scale'])
        """
        return load_state(self, state_dict, strict)

    # ----------------------------------------------------------- calling, repr
    def forward(self, *args: Any) -> Any:
        """Compute the module's output; subclasses override this."""
        raise NotImplementedError(f"Module [{type(self).__name__}] is missing 'forward'")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # Keyword arguments go to ``forward`` as in PyTorch; ``forward``'s own signature
        # rejects unknown ones, so nothing is swallowed.
        return self.forward(*args, **kwargs)

    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr."""
        return ""

    def __repr__(self) -> str:
        lines = []
        for name, module in self._modules.items():
            child = repr(module).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child}")
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        head = f"{type(self).__name__}({extra}" if extra else f"{type(self).__name__}("
        return head + "\n" + "\n".join(lines) + "\n)"
