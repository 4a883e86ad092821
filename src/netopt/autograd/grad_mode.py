"""Global switch for graph recording (``no_grad``), as in ``torch.no_grad``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])

_enabled = True


def is_grad_enabled() -> bool:
    """Return True when operations on tensors that require grad record a graph."""
    return _enabled


class _GradMode:
    """Context manager and decorator that sets graph recording on or off."""

    mode = True

    def __enter__(self) -> None:
        global _enabled
        self._prev = _enabled
        _enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        global _enabled
        _enabled = self._prev

    def __call__(self, fn: _F) -> _F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):
    """Disable graph recording inside a ``with`` block or a decorated function.

    Results computed inside have ``requires_grad=False``; use it for evaluation
    and for optimizer updates.

    Examples
    --------
    >>> import netopt
    >>> w = netopt.tensor([1.0, 2.0], requires_grad=True)
    >>> with netopt.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    mode = False


class enable_grad(_GradMode):
    """Re-enable graph recording inside a ``no_grad`` block."""

    mode = True
