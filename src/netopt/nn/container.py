"""``Sequential``, ``ModuleList`` and ``ModuleDict`` containers."""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from typing import Any

from .activation import ReLU
from .functional.layer import linear_relu
from .linear import Linear
from .module import Module


class Sequential(Module):
    """Apply modules in order; built from modules or from an ``OrderedDict`` of them.

    Examples
    --------
    >>> from netopt import nn
    >>> net = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    >>> net
    Sequential(
      (0): Linear(in_features=2, out_features=3, bias=True)
      (1): ReLU()
    )
    """

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def forward(self, input: Any) -> Any:
        """Apply the modules in order.

        A :class:`~netopt.nn.Linear` directly followed by a :class:`~netopt.nn.ReLU` (both
        exactly those classes, not subclasses; the ReLU's ``inplace`` flag does not
        matter, as netopt computes it out of place anyway) runs as one node,
        :func:`netopt.nn.functional.linear_relu`: the same numbers with less overhead.
        """
        modules = tuple(self._modules.values())
        i, n = 0, len(modules)
        while i < n:
            module = modules[i]
            if type(module) is Linear and i + 1 < n and type(modules[i + 1]) is ReLU:
                input = linear_relu(input, module.weight, module.bias)
                i += 2
            else:
                input = module(input)
                i += 1
        return input

    def __getitem__(self, idx: int | slice) -> Module:
        modules = list(self._modules.values())
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        return modules[idx]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end."""
        self.add_module(str(len(self)), module)
        return self


class ModuleList(Module):
    """A list of modules whose parameters are registered (no ``forward``).

    Entries are registered under ``"0"``, ``"1"``, ... in list order, so ``state_dict``
    keys read ``"0.weight"``, ``"1.weight"``, ... as in torch.

    Examples
    --------
    >>> from netopt import nn
    >>> layers = nn.ModuleList([nn.Linear(2, 2)]).extend([nn.Tanh(), nn.Linear(2, 1)])
    >>> layers.insert(1, nn.ReLU())
    >>> [type(m).__name__ for m in layers]
    ['Linear', 'ReLU', 'Tanh', 'Linear']
    >>> [n for n, _ in layers.named_parameters()]
    ['0.weight', '0.bias', '3.weight', '3.bias']
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; returns self (as torch)."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append the modules of an iterable at the end, in order; returns self (as torch).

        TypeError when ``modules`` is not iterable or an item is not a Module (or None);
        the items before a bad one stay appended, as in torch.
        """
        if not isinstance(modules, Iterable):
            raise TypeError(
                f"ModuleList.extend should be called with an iterable, but got "
                f"{type(modules).__name__}"
            )
        offset = len(self)
        for i, module in enumerate(modules):
            self.add_module(str(offset + i), module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``; returns None (as torch).

        The modules from ``index`` on move up by one and are renamed (``"1"`` becomes
        ``"2"``...), so names always run ``"0"`` to ``str(len - 1)``, as torch. ``index``
        must be in ``[0, len(self)]`` (``len(self)`` appends): torch corrupts the list for
        a negative or larger index, netopt raises IndexError and changes nothing. A module
        that is not a Module (or None) raises TypeError, also before any change.
        """
        index = operator.index(index)
        if not 0 <= index <= len(self):
            raise IndexError(
                f"ModuleList.insert index {index} out of range [0, {len(self)}] "
                "(negative indices are not supported, as in torch)"
            )
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        modules = self._modules
        for i in range(len(modules), index, -1):
            modules[str(i)] = modules[str(i - 1)]
        modules[str(index)] = module

    def __getitem__(self, idx: int) -> Module:
        return list(self._modules.values())[idx]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())


class ModuleDict(Module):
    """An ordered dict of named modules whose parameters are registered (no ``forward``).

    As torch's ``ModuleDict``: built from a mapping or an iterable of ``(key, module)``
    pairs, in their order (a plain ``dict`` keeps its insertion order); iteration,
    :meth:`keys`, :meth:`values` and :meth:`items` follow insertion order, and setting an
    existing key replaces the module in place. Keys follow :meth:`Module.add_module`'s
    rules (a non-empty str without ``"."`` that is not an attribute such as ``"update"``
    or ``"training"``), and each entry is also an attribute (``d.key``). ``state_dict``
    keys read ``"key.weight"``.

    Examples
    --------
    >>> from netopt import nn
    >>> heads = nn.ModuleDict({"cls": nn.Linear(4, 3), "reg": nn.Linear(4, 1)})
    >>> heads["act"] = nn.ReLU()
    >>> list(heads), len(heads), "reg" in heads
    (['cls', 'reg', 'act'], 3, True)
    >>> [n for n, _ in heads.named_parameters()]
    ['cls.weight', 'cls.bias', 'reg.weight', 'reg.bias']
    """

    def __init__(
        self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None
    ) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        """The module under ``key``; KeyError when absent."""
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        """Register ``module`` under ``key`` (:meth:`Module.add_module`)."""
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        """Remove the entry ``key`` (and its parameters); KeyError when absent."""
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        """Iterate over the keys, in insertion order."""
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def clear(self) -> None:
        """Remove every entry."""
        self._modules.clear()

    def pop(self, key: str) -> Module:
        """Remove the entry ``key`` and return its module; KeyError when absent (as
        torch, there is no default)."""
        module = self[key]
        del self[key]
        return module

    def keys(self) -> KeysView[str]:
        """A live view of the keys, in insertion order."""
        return self._modules.keys()

    def items(self) -> ItemsView[str, Module]:
        """A live view of the ``(key, module)`` pairs, in insertion order."""
        return self._modules.items()

    def values(self) -> ValuesView[Module]:
        """A live view of the modules, in insertion order."""
        return self._modules.values()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace entries from a mapping or an iterable of ``(key, module)`` pairs.

        As torch: a mapping (``dict``, ``OrderedDict``, ``ModuleDict``) is read through
        its ``items()``, in its order; any other iterable must yield pairs, else
        TypeError (an item not iterable) or ValueError (not of length 2). Existing keys
        are overwritten in place; entries before a bad one stay added, as in torch.
        """
        if not isinstance(modules, Iterable):
            raise TypeError(
                "ModuleDict.update should be called with an iterable of key/value pairs, "
                f"but got {type(modules).__name__}"
            )
        if isinstance(modules, (Mapping, ModuleDict)):
            for key, module in modules.items():
                self[key] = module
            return
        for j, pair in enumerate(modules):
            if not isinstance(pair, Iterable):
                raise TypeError(
                    f"ModuleDict update sequence element #{j} should be Iterable; is"
                    f"{type(pair).__name__}"
                )
            if len(pair) != 2:
                raise ValueError(
                    f"ModuleDict update sequence element #{j} has length {len(pair)}; 2 is required"
                )
            self[pair[0]] = pair[1]
