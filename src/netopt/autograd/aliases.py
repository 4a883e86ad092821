"""NumPy-style keyword aliases that torch accepts: ``axis`` for ``dim``, ``keepdims`` for
``keepdim``.

torch's argument parser lets every native function with a ``dim`` parameter take it as
``axis`` and a ``keepdim`` parameter as ``keepdims`` (``t.sum(axis=0)``,
``t.mean(axis=1, keepdims=True)``, ``torch.max(t, axis=1)``, ``torch.cat(ts, axis=1)``).
Its Python-level functions (``Tensor.norm``, ``torch.norm``, ``nn.functional.softmax``)
do not: there the aliases are unexpected keywords. netopt accepts them where torch 2.13
does, as Tensor methods and as ``netopt.*`` functions: the reductions ``sum``, ``mean``,
``var``, ``std``, ``max``, ``min``, ``logsumexp``, ``argmax``, ``argmin``, ``any``,
``all``, and ``softmax``, ``log_softmax``, ``cat``, ``stack``, ``squeeze``,
``unsqueeze``, ``gather``; not ``norm`` nor ``nn.functional``'s softmax.

Giving both spellings is a TypeError with torch's message ("sum() got an unexpected
keyword argument 'axis'"). One difference: netopt counts a name as given when its value
is not the default (``dim=None``, ``keepdim=False``; ``dim=0`` for ``cat``/``stack``),
where torch counts a name written in the call, so ``t.sum(dim=None, axis=0)`` is
``t.sum(axis=0)`` here and an error in torch.
"""

from __future__ import annotations

from typing import Any


def dim_keepdim(name: str, dim: Any, axis: Any, keepdim: Any, keepdims: Any) -> tuple[Any, Any]:
    """The ``(dim, keepdim)`` a reduction called ``name`` was given, under either spelling.

    Parameters
    ----------
    name : str
        The function's name, for the message.
    dim, axis : int, tuple of ints or None
        torch's name and NumPy's; None means not given.
    keepdim : bool
        torch's name (default False).
    keepdims : bool or None
        NumPy's name; None means not given.

    Raises
    ------
    TypeError
        Both ``dim`` and ``axis``, or both ``keepdim`` (True) and ``keepdims``, given.

    Examples
    --------
    >>> dim_keepdim("sum", None, 0, False, True)
    (0, True)
    """
    dim = dim_of(name, dim, axis)
    if keepdims is not None:
        if keepdim is not False:
            raise TypeError(f"{name}() got an unexpected keyword argument 'keepdims'")
        keepdim = keepdims
    return dim, keepdim


def dim_of(name: str, dim: Any, axis: Any, default: Any = None, required: bool = False) -> Any:
    """The ``dim`` a function called ``name`` was given, as ``dim`` or as ``axis``.

    ``dim`` equal to ``default`` counts as not given. With ``required``, giving neither
    is torch's TypeError for a missing ``dim``.

    Raises
    ------
    TypeError
        Both given, or (``required``) neither.

    Examples
    --------
    >>> dim_of("cat", 0, 1, default=0)
    1
    """
    if axis is not None:
        if dim is not default and dim != default:
            raise TypeError(f"{name}() got an unexpected keyword argument 'axis'")
        dim = axis
    if required and dim is None:
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    return dim
