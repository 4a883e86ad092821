"""NumPy-style keyword aliases that torch accepts: ``axis`` for ``dim``, ``keepdims`` for
``keepdim``.

torch's argument parser lets every native function with a ``dim`` parameter take it as
``axis`` and a ``keepdim`` parameter as ``keepdims`` (``t.sum(axis=0)``,
``t.mean(axis=1, keepdims=True)``, ``torch.max(t, axis=1)``, ``torch.cat(ts, axis=1)``).
Its Python-level functions (``Tensor.norm``, ``torch.norm``, ``nn.functional.softmax``)
do not: there the aliases are unexpected keywords. netopt accepts them where torch 2.13
does, as Tensor methods and as ``netopt.*`` functions: the reductions ``sum``, ``mean``,
``var``, ``std``, ``max``, ``min``, ``amax``, ``amin``, ``prod``, ``nansum``,
``logsumexp``, ``argmax``, ``argmin``, ``any``, ``all``, and ``softmax``,
``log_softmax``, ``cat``, ``stack``, ``squeeze``, ``unsqueeze``, ``gather``; not ``norm``
nor ``nn.functional``'s softmax.

A name and its alias both given is torch's TypeError, whatever the values
(``t.sum(dim=None, axis=0)``, ``t.sum(None, axis=0)``, ``netopt.cat(ts, 0, axis=1)``,
``t.sum(0, keepdim=False, keepdims=True)``): these functions default to
:data:`NOT_GIVEN`, so a value written in the call counts even when it equals the default.
The message is torch's: "sum() got an unexpected keyword argument 'axis'" where torch's
parser has a single plausible overload for the call, otherwise torch's opening "var()
received an invalid combination of arguments" followed by the two names (torch goes on
to list its overloads); where torch's function and method word it differently
(``torch.mean(t, 0, axis=0)`` is the invalid combination, ``t.mean(0, axis=0)`` the
unexpected keyword), ``netopt.mean`` & co. give the method's.

The ``netopt.sum``, ``mean``, ``max``, ``min``, ``argmax`` and ``argmin`` functions
(:mod:`netopt`) default to :data:`NOT_GIVEN` too and pass what they were given on to the
method, so they accept and refuse the same calls.
"""

from __future__ import annotations

import inspect
from typing import Any


class _NotGiven:
    """The type of :data:`NOT_GIVEN`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_GIVEN"


#: The default of an aliased parameter: the caller wrote neither the name nor its alias.
NOT_GIVEN: Any = _NotGiven()

#: How many arguments (besides the tensor) a call may pass and still meet a single
#: plausible overload of torch's method, so that torch's parser names the alias; more is
#: its "invalid combination" message. Absent: torch has one signature (always the name).
_ONE_OVERLOAD_UP_TO = {"sum": 3, "mean": 3, "max": 2, "min": 2}
_ONE_OVERLOAD_UP_TO.update(dict.fromkeys(("var", "std", "any", "all", "squeeze"), 0))


def both_given(name: str, pairs: list[tuple[str, str]], n_args: int) -> TypeError:
    """torch's TypeError for a call to ``name`` that gave each ``(name, alias)`` of
    ``pairs`` both ways, with ``n_args`` arguments besides the tensor.

    >>> both_given("sum", [("dim", "axis")], 2)
    TypeError("sum() got an unexpected keyword argument 'axis'")
    """
    if n_args <= _ONE_OVERLOAD_UP_TO.get(name, n_args):
        return TypeError(f"{name}() got an unexpected keyword argument '{pairs[0][1]}'")
    both = ", ".join(f"both '{own}' and its alias '{alias}'" for own, alias in pairs)
    return TypeError(f"{name}() received an invalid combination of arguments - got {both}")


def dim_keepdim(
    name: str, dim: Any, axis: Any, keepdim: Any, keepdims: Any, n_other: int = 0
) -> tuple[Any, Any]:
    """The ``(dim, keepdim)`` a reduction called ``name`` was given, under either spelling.

    Parameters
    ----------
    name : str
        The function's name, for the message.
    dim, axis : int, tuple of ints, None or NOT_GIVEN
        torch's name and NumPy's; :data:`NOT_GIVEN` when not written in the call.
    keepdim, keepdims : bool or NOT_GIVEN
        Likewise.
    n_other : int
        How many other arguments the call passed (``correction``, ``unbiased``).

    Returns
    -------
    tuple
        ``dim`` (None: all dimensions) and ``keepdim`` (default False).

    Raises
    ------
    TypeError
        Both ``dim`` and ``axis``, or both ``keepdim`` and ``keepdims``, given; or
        ``keepdims=None`` (torch wants a bool).

    Examples
    --------
    >>> dim_keepdim("sum", NOT_GIVEN, 0, NOT_GIVEN, True)
    (0, True)
    """
    if axis is not NOT_GIVEN:
        if dim is not NOT_GIVEN or (keepdim is not NOT_GIVEN and keepdims is not NOT_GIVEN):
            raise _both_given_reduction(name, dim, axis, keepdim, keepdims, n_other)
        dim = axis
    elif dim is NOT_GIVEN:
        dim = None
    if keepdims is not NOT_GIVEN:
        if keepdim is not NOT_GIVEN:
            raise _both_given_reduction(name, dim, axis, keepdim, keepdims, n_other)
        keepdim = keepdims
    elif keepdim is NOT_GIVEN:
        keepdim = False
    if keepdim is None:
        raise TypeError(f"{name}(): argument 'keepdim' must be bool, not NoneType")
    return dim, keepdim


def _both_given_reduction(
    name: str, dim: Any, axis: Any, keepdim: Any, keepdims: Any, n_other: int
) -> TypeError:
    values = {"dim": dim, "keepdim": keepdim, "axis": axis, "keepdims": keepdims}
    given = {k for k, v in values.items() if v is not NOT_GIVEN}
    pairs = [p for p in (("dim", "axis"), ("keepdim", "keepdims")) if set(p) <= given]
    return both_given(name, pairs, len(given) + n_other)


def dim_of(name: str, dim: Any, axis: Any, default: Any = None, required: bool = False) -> Any:
    """The ``dim`` a function called ``name`` was given, as ``dim`` or as ``axis``
    (:data:`NOT_GIVEN` when not written in the call; then ``default``).

    Raises
    ------
    TypeError
        Both given (:func:`both_given`), or (``required``) neither, or None.

    Examples
    --------
    >>> dim_of("cat", NOT_GIVEN, 1, default=0)
    1
    """
    if axis is not NOT_GIVEN:
        if dim is not NOT_GIVEN:
            raise both_given(name, [("dim", "axis")], 2)
        dim = axis
    elif dim is NOT_GIVEN:
        dim = default
    if required and dim is None:
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    return dim


def shown_defaults(fn: Any, **shown: Any) -> Any:
    """``fn`` with a signature (``help``, ``inspect.signature``) that shows ``shown``'s
    values as the defaults of the parameters whose real default is :data:`NOT_GIVEN`
    (torch's documented ``dim=None``, ``keepdim=False``); the call is unchanged.

    >>> def f(a, dim=NOT_GIVEN):
    ...     pass
    >>> str(inspect.signature(shown_defaults(f, dim=None)))
    '(a, dim=None)'
    """
    sig = inspect.signature(fn)
    params = [
        p.replace(default=shown[p.name]) if p.default is NOT_GIVEN and p.name in shown else p
        for p in sig.parameters.values()
    ]
    fn.__signature__ = sig.replace(parameters=params)
    return fn
