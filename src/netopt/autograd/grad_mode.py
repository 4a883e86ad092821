"""Graph recording on or off, per thread, as in ``torch.no_grad`` and its relatives.

The switch is thread-local, as PyTorch's is: ``no_grad`` in one thread does not stop
another thread from recording, and a new thread starts with recording on (whatever the
thread that started it was doing). ``no_grad``, ``enable_grad``, ``set_grad_enabled`` and
``inference_mode`` are context managers and decorators; a decorated function runs each
call under a fresh copy of the manager, so it may be called from several threads at once
or recursively. ``set_grad_enabled(mode)`` also acts as a plain call, as in torch.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])


class _State(threading.local):
    """This thread's grad mode: the class attributes are every new thread's defaults."""

    enabled = True
    inference = False


#: The calling thread's switch; :func:`netopt.autograd.tensor.make_result` reads it.
state = _State()


def is_grad_enabled() -> bool:
    """Return True when operations on tensors that require grad record a graph (this thread)."""
    return state.enabled


def is_inference_mode_enabled() -> bool:
    """Return True inside :class:`inference_mode` (this thread)."""
    return state.inference


class _DecoratorContextManager:
    """A context manager that also decorates functions (and generator functions).

    Subclasses define ``_enter``/``_exit`` through ``__enter__``/``__exit__`` and
    :meth:`clone`, a fresh manager with the same arguments used for each decorated call.
    """

    def clone(self) -> _DecoratorContextManager:
        """A fresh manager with the same arguments (one per decorated call)."""
        return type(self)()

    def __enter__(self) -> None:
        raise NotImplementedError

    def __exit__(self, *exc: object) -> None:
        raise NotImplementedError

    def __call__(self, fn: _F) -> _F:
        if inspect.isclass(fn):
            raise RuntimeError("netopt's grad mode managers decorate functions, not classes")
        if inspect.isgeneratorfunction(fn):

            @functools.wraps(fn)
            def gen_wrapper(*args: Any, **kwargs: Any) -> Any:
                # each resumption of the generator runs under the manager (torch's rule)
                gen = fn(*args, **kwargs)
                try:
                    with self.clone():
                        response = gen.send(None)
                    while True:
                        try:
                            request = yield response
                        except GeneratorExit:
                            with self.clone():
                                gen.close()
                            raise
                        except BaseException as err:
                            with self.clone():
                                response = gen.throw(err)
                        else:
                            with self.clone():
                                response = gen.send(request)
                except StopIteration as stop:
                    return stop.value

            return gen_wrapper  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.clone():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class _NoParam(_DecoratorContextManager):
    """A manager usable as ``@manager`` as well as ``@manager()`` (torch's no_grad)."""

    def __new__(cls, orig_func: Callable[..., Any] | None = None) -> Any:
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)

    def __init__(self, orig_func: Callable[..., Any] | None = None) -> None:
        self.prev = True


class no_grad(_NoParam):
    """Disable graph recording in this thread inside a ``with`` block or decorated function.

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

    def __enter__(self) -> None:
        self.prev = state.enabled
        state.enabled = False

    def __exit__(self, *exc: object) -> None:
        state.enabled = self.prev


class enable_grad(_NoParam):
    """Re-enable graph recording (this thread) inside a ``no_grad`` block."""

    def __enter__(self) -> None:
        self.prev = state.enabled
        state.enabled = True

    def __exit__(self, *exc: object) -> None:
        state.enabled = self.prev


class set_grad_enabled(_DecoratorContextManager):
    """Set graph recording on or off: as a call, a ``with`` block or a decorator (torch).

    ``set_grad_enabled(False)`` switches recording off at once (for the calling thread);
    used in a ``with`` statement it restores the previous mode on leaving.

    Parameters
    ----------
    mode : bool
        True to record, False not to.
    """

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled(): mode must be a bool, got {type(mode).__name__}")
        self.prev = state.enabled
        self.mode = mode
        state.enabled = mode

    def __call__(self, fn: _F) -> _F:
        state.enabled = self.prev  # used as a decorator: the call above changed nothing
        return super().__call__(fn)

    def __enter__(self) -> None:
        state.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        state.enabled = self.prev

    def clone(self) -> set_grad_enabled:
        """A fresh manager with the same mode."""
        return type(self)(self.mode)

    def __repr__(self) -> str:
        return f"netopt.set_grad_enabled(mode={self.mode})"


class inference_mode(_DecoratorContextManager):
    """``no_grad`` for inference (torch's ``inference_mode``); ``mode=False`` records again.

    netopt has no separate inference tensors, so this is ``no_grad`` that also sets
    :func:`is_inference_mode_enabled`. Usable as ``@inference_mode``, ``@inference_mode()``
    and ``with inference_mode(mode):``.
    """

    def __new__(cls, mode: Any = True) -> Any:
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode

    def __enter__(self) -> None:
        self._prev = (state.enabled, state.inference)
        state.enabled = not self.mode
        state.inference = self.mode

    def __exit__(self, *exc: object) -> None:
        state.enabled, state.inference = self._prev

    def clone(self) -> inference_mode:
        """A fresh manager with the same mode."""
        return type(self)(self.mode)
