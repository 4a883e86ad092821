"""``Sequential`` and ``ModuleList`` containers."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator
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
        exactly those classes, not subclasses) runs as one node,
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
    """A list of modules whose parameters are registered (no ``forward``)."""

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        for module in modules:
            self.append(module)

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end."""
        self.add_module(str(len(self)), module)
        return self

    def __getitem__(self, idx: int) -> Module:
        return list(self._modules.values())[idx]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())
