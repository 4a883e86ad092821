r"""In-place samplers: ``Tensor.normal_``, ``uniform_``, ``bernoulli_``, ``exponential_``,
``geometric_``, ``log_normal_``, ``cauchy_`` and ``random_``, with torch's signatures.

Each overwrites the tensor with draws from ``generator`` (a :class:`netopt.Generator` or
any ``numpy.random.Generator``; netopt's default generator, the one
:func:`netopt.manual_seed` seeds, when None), counts as one in-place write (the version
counter, :mod:`netopt.autograd.version`) and returns the tensor. The values are drawn in
float64 (integers in int64) by NumPy and cast to the tensor's dtype, as :mod:`netopt.nn.init`
draws: the same seed gives the same values in netopt, different ones from torch's.

The distributions, and the parameters refused (RuntimeError, torch's messages):

- ``normal_(mean, std)``: :math:`\mathcal N(\mu, \sigma^2)`; std < 0 or NaN.
- ``uniform_(from, to)``: :math:`U[a, b)`, every value below ``to`` when from < to;
  from > to, a bound outside the dtype's finite range, to - from overflowing it.
- ``bernoulli_(p)``: 1 with probability p, else 0; p (a number, or a floating tensor
  broadcast to the shape) outside [0, 1].
- ``exponential_(lambd)``: density :math:`\lambda e^{-\lambda x}`, :math:`x \ge 0`;
  lambd <= 0 or NaN.
- ``geometric_(p)``: :math:`P(k) = (1-p)^{k-1} p`, :math:`k = 1, 2, \dots` (trials up to
  the first success); p outside (0, 1).
- ``log_normal_(mean, std)``: :math:`e^{Y}`, :math:`Y \sim \mathcal N(\mu, \sigma^2)`;
  std <= 0 or NaN.
- ``cauchy_(median, sigma)``: density :math:`1 / (\pi\sigma(1 + ((x - m)/\sigma)^2))`;
  sigma <= 0 or NaN.
- ``random_(from, to)``: integers uniform on [from, to); without bounds
  :math:`[0, 2^{d}]` for a floating dtype with a d-bit significand, [0, max] for an
  integer dtype; from >= to, or a bound the dtype cannot hold.

Floating dtypes only, except ``bernoulli_`` (any dtype), ``geometric_`` and ``random_``
(integers too). Autograd, as torch: a leaf that requires grad is refused outside
:func:`netopt.no_grad` ("a leaf Variable that requires grad is being used in an in-place
operation."). A non-leaf that requires grad is refused too: torch records the fill (a
zero gradient to the inputs); netopt does not record in-place writes (see
:func:`netopt.autograd._methods._setitem`).

torch names the bounds of ``uniform_`` and ``random_`` ``from`` and ``to``; ``from`` is a
Python keyword, so torch code passes it by position or as ``**{"from": a}``, and netopt
takes both (and ``from_=a``, its own spelling; :mod:`netopt.autograd._sampling_args`).

Examples
--------
>>> import netopt
>>> t = netopt.zeros(3).uniform_(-1, 1, generator=netopt.Generator().manual_seed(0))
>>> bool(((t >= -1) & (t < 1)).all())
True
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import random as _random
from . import grad_mode
from ._sampling_args import from_keyword, random_bounds
from .aliases import NOT_GIVEN, shown_defaults
from .tensor import Tensor
from .version import mark_modified

#: torch's ScalarType names (``NotImplementedError`` messages).
_TYPE = {"float16": "Half", "float32": "Float", "float64": "Double", "int64": "Long"}
_TYPE.update({"int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"})
#: The C++ names torch prints in bound checks.
_CTYPE = {"float16": "c10::Half", "float32": "float", "float64": "double", "int64": "long int"}
_CTYPE.update({"int32": "int", "int16": "short int", "int8": "signed char"})
_CTYPE.update({"uint8": "unsigned char", "bool": "bool"})


def _type(t: Tensor, table: dict) -> str:
    return table.get(str(t._data.dtype), str(t._data.dtype))


def _writable(t: Tensor, name: str) -> None:
    """Refuse an in-place fill autograd would have to record (torch's leaf message)."""
    if grad_mode.state.enabled and t.requires_grad:
        if t._backward is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation."
            )
        raise RuntimeError(
            f"netopt does not record {name}() on a tensor that is part of a graph; "
            "fill a new tensor, or call it under no_grad()"
        )


def _floating(t: Tensor, name: str, kernel: str) -> None:
    if t._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_type(t, _TYPE)}'")


def _continuous(t: Tensor, family: str, names: dict) -> None:
    if t._data.dtype.kind != "f":
        raise RuntimeError(
            f"{family} distribution is a continuous probability distribution. dtype must be a "
            f"floating point but you specified {_type(t, names)}"
        )


def _number(value: Any, name: str, arg: str) -> float:
    """``value`` as a float: a number or a one-element tensor (torch's conversion)."""
    if isinstance(value, Tensor) and value._data.size == 1:
        value = value._data.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{name}(): argument '{arg}' must be float, not {type(value).__name__}")
    return float(value)


def _generator(generator: Any, name: str) -> np.random.Generator:
    if generator is not None and not isinstance(generator, np.random.Generator):
        raise TypeError(
            f"{name}(): argument 'generator' must be netopt.Generator, "
            f"not {type(generator).__name__}"
        )
    return _random.resolve(None, generator)


def _fill(t: Tensor, values: np.ndarray) -> Tensor:
    """Write ``values`` into ``t``'s storage and count the write."""
    t._data[...] = values
    mark_modified(t)
    return t


def normal_(self: Tensor, mean: float = 0, std: float = 1, *, generator: Any = None) -> Tensor:
    r"""Fill with draws from :math:`\mathcal N(\text{mean}, \text{std}^2)` (``std`` 0 gives
    ``mean``); floating dtypes. See the module's table for the checks."""
    _writable(self, "normal_")
    mean, std = _number(mean, "normal_", "mean"), _number(std, "normal_", "std")
    if not std >= 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    _floating(self, "normal_", "normal_kernel_cpu")
    z = _generator(generator, "normal_").standard_normal(self._data.shape)
    return _fill(self, mean + std * z)


def _in_range(t: Tensor, value: float, label: str) -> None:
    top = float(np.finfo(t._data.dtype).max)
    if not -top <= value <= top:
        raise RuntimeError(f"{label} is out of bounds for {_type(t, _CTYPE)}")


def uniform_(
    self: Tensor, from_: Any = NOT_GIVEN, to: float = 1, *, generator: Any = None, **kwargs: Any
) -> Tensor:
    r"""Fill with draws from :math:`U[\text{from}, \text{to})`; floating dtypes.

    A draw that rounds up to ``to`` in the tensor's dtype is moved to the largest value
    below it, so every value lies in ``[from, to)`` (or equals ``from`` when they are equal).
    """
    _writable(self, "uniform_")
    a = _number(from_keyword("uniform_", from_, kwargs, 0), "uniform_", "from")
    b = _number(to, "uniform_", "to")
    if self._data.dtype.kind != "f":
        raise NotImplementedError(
            f"\"check_uniform_bounds\" not implemented for '{_type(self, _TYPE)}'"
        )
    _in_range(self, a, "from")
    _in_range(self, b, "to")
    if a > b:
        raise RuntimeError(
            f"uniform_ expects to return a [from, to) range, but found from={a:g} > to={b:g}"
        )
    dtype = self._data.dtype
    if b - a > float(np.finfo(dtype).max):
        raise RuntimeError(
            f"uniform_ expects to-from <= std::numeric_limits<{_TYPE[str(dtype)]}>::max(), but "
            f"found to={b:g} and from={a:g} which result in to-from to exceed the limit"
        )
    u = _generator(generator, "uniform_").random(self._data.shape)
    values = (a + (b - a) * u).astype(dtype)
    if a < b:
        np.minimum(values, np.nextafter(dtype.type(b), dtype.type(a)), out=values)
    return _fill(self, values)


def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
    r"""Fill with 1 (probability ``p``) or 0; any dtype.

    ``p`` is a number or a floating tensor broadcast to this tensor's shape (one
    probability per element).
    """
    _writable(self, "bernoulli_")
    if isinstance(p, Tensor) and p._data.ndim > 0:
        if p._data.dtype.kind != "f":
            raise NotImplementedError(
                f"\"bernoulli_tensor_cpu_p_\" not implemented for '{_type(p, _TYPE)}'"
            )
        prob = p._data
        bad = prob[~((prob >= 0) & (prob <= 1))]
        if bad.size:
            raise RuntimeError(
                f"bernoulli_ expects all elements of p to be in [0, 1], but got p={bad[0]:g}"
            )
        try:
            prob = np.broadcast_to(prob, self._data.shape)
        except ValueError:
            raise RuntimeError(
                f"bernoulli_: p of shape {list(prob.shape)} cannot be broadcast to the "
                f"tensor's shape {list(self._data.shape)}"
            ) from None
    else:
        prob = p._data.item() if isinstance(p, Tensor) else p
        if not isinstance(prob, (bool, np.bool_)):
            prob = _number(prob, "bernoulli_", "p")
        if not 0 <= prob <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={prob:g}")
    u = _generator(generator, "bernoulli_").random(self._data.shape)
    return _fill(self, u < prob)


def exponential_(self: Tensor, lambd: float = 1, *, generator: Any = None) -> Tensor:
    r"""Fill with draws from the exponential distribution of rate ``lambd``
    (mean :math:`1/\lambda`); floating dtypes."""
    _writable(self, "exponential_")
    lam = _number(lambd, "exponential_", "lambd")
    if not lam > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lam:g}")
    _continuous(self, "Exponential", _TYPE)
    e = _generator(generator, "exponential_").standard_exponential(self._data.shape)
    return _fill(self, e / lam)


def geometric_(self: Tensor, p: float, *, generator: Any = None) -> Tensor:
    r"""Fill with the number of Bernoulli(``p``) trials up to the first success
    (1, 2, ...; mean :math:`1/p`); floating and integer dtypes."""
    _writable(self, "geometric_")
    prob = _number(p, "geometric_", "p")
    if not 0 < prob < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={prob:g}")
    if self._data.dtype.kind not in "fiu":
        raise NotImplementedError(f"\"geometric_cpu\" not implemented for '{_type(self, _TYPE)}'")
    k = _generator(generator, "geometric_").geometric(prob, self._data.shape)
    return _fill(self, k)


def log_normal_(self: Tensor, mean: float = 1, std: float = 2, *, generator: Any = None) -> Tensor:
    r"""Fill with :math:`e^{Y}`, :math:`Y \sim \mathcal N(\text{mean}, \text{std}^2)`
    (the parameters are those of the logarithm); floating dtypes."""
    _writable(self, "log_normal_")
    mu, sigma = _number(mean, "log_normal_", "mean"), _number(std, "log_normal_", "std")
    if not sigma > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={sigma:g}")
    _floating(self, "log_normal_", "log_normal_cpu")
    z = _generator(generator, "log_normal_").standard_normal(self._data.shape)
    with np.errstate(over="ignore"):
        return _fill(self, np.exp(mu + sigma * z))


def cauchy_(self: Tensor, median: float = 0, sigma: float = 1, *, generator: Any = None) -> Tensor:
    r"""Fill with draws from the Cauchy distribution of location ``median`` and scale
    ``sigma``; floating dtypes."""
    _writable(self, "cauchy_")
    m, s = _number(median, "cauchy_", "median"), _number(sigma, "cauchy_", "sigma")
    if not s > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={s:g}")
    _continuous(self, "Cauchy", _CTYPE)
    c = _generator(generator, "cauchy_").standard_cauchy(self._data.shape)
    return _fill(self, m + s * c)


def _dtype_bounds(dtype: np.dtype) -> tuple[int, int]:
    """The integers ``random_`` may write into ``dtype``: its range (floats: finite range)."""
    if dtype.kind == "b":
        return 0, 1
    if dtype.kind == "f":
        top = int(np.finfo(dtype).max)
        return -top, top
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)


def _warn_inexact(t: Tensor, low: int, high: int) -> None:
    r"""torch's UserWarning for bounds beyond :math:`\pm 2^d` (``d`` significand bits),
    where a floating dtype cannot hold every integer."""
    d = np.finfo(t._data.dtype).nmant + 1
    for label, value in (("from", low), ("to - 1", high - 1)):
        if not -(2**d) <= value <= 2**d:
            warnings.warn(
                f"{label} is out of bounds [-(2^{d}), 2^{d}]. Due to precision limitations "
                f"{_type(t, _CTYPE)} can support discrete uniform distribution only within "
                "this range.",
                UserWarning,
                stacklevel=3,
            )


def random_(
    self: Tensor,
    from_: Any = NOT_GIVEN,
    to: Any = NOT_GIVEN,
    *,
    generator: Any = None,
    **kwargs: Any,
) -> Tensor:
    r"""Fill with integers drawn uniformly from ``[from, to)``, as ``torch.Tensor.random_``.

    ``random_(to)``: ``[0, to)``. Without bounds: ``[0, 2^d]`` for a floating dtype with a
    ``d``-bit significand (float32: :math:`2^{24}`, float64: :math:`2^{53}`, every value
    exact), ``[0, max]`` for an integer dtype, {False, True} for bool; ``random_(from,
    None)``: ``[from, 2^d]`` or ``[from, max]``. torch's keyword ``from`` is taken as
    ``random_(**{"from": a, "to": b})``; ``from_`` is netopt's spelling of it.

    Raises
    ------
    RuntimeError
        ``from >= to``, or a bound the dtype cannot hold (torch's messages).
    TypeError
        A bound that is not an int; a call none of torch's overloads takes (``from``
        without ``to``, a None ``from``, an unknown keyword: torch's message).

    Warns
    -----
    UserWarning
        A floating tensor with a bound beyond :math:`\pm 2^d`, as torch warns: not every
        integer there is representable, so draws round.
    """
    _writable(self, "random_")
    low, high = random_bounds(from_, to, kwargs)
    dtype = self._data.dtype
    gen = _generator(generator, "random_")
    lowest, highest = _dtype_bounds(dtype)
    top = 2 ** (np.finfo(dtype).nmant + 1) if dtype.kind == "f" else highest
    if low is NOT_GIVEN:
        return _fill(self, gen.integers(0, top, self._data.shape, endpoint=True))
    if high is None:  # random_(from, None): [from, top]
        if not lowest <= low <= highest:
            raise RuntimeError(f"from is out of bounds for {_type(self, _CTYPE)}")
        if dtype.kind == "f" and low >= top:  # torch's check (its message says >)
            raise RuntimeError(
                "random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' "
                f"casted to dtype, but got from={low} > to_inc={top}"
            )
        high = top + 1
    if low >= high:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )
    if low < lowest:
        raise RuntimeError(f"from is out of bounds for {_type(self, _CTYPE)}")
    if high - 1 > highest:
        raise RuntimeError(f"to - 1 is out of bounds for {_type(self, _CTYPE)}")
    if dtype.kind == "f":
        _warn_inexact(self, low, high)
    return _fill(self, gen.integers(low, high, self._data.shape, dtype=np.int64))


SAMPLERS = (normal_, uniform_, bernoulli_, exponential_, geometric_, log_normal_, cauchy_)
for _fn in (*SAMPLERS, random_):
    setattr(Tensor, _fn.__name__, _fn)
shown_defaults(uniform_, from_=0)
shown_defaults(random_, from_=0, to=None)
