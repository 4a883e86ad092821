"""The parts of torch's test harness (``torch.testing._internal.common_utils``) that
torch's own scheduler tests use, rebuilt on netopt for :mod:`torch_suite_shim`.

What a test file sees, with torch's semantics (read from torch 2.13's
``common_utils.py`` and ``testing/_comparison.py``):

- ``TestCase.assertEqual(x, y, msg=None, *, atol=None, rtol=None, equal_nan=True,
  exact_dtype=True)``: sequences and mappings compared item by item; a Python number
  against a number or a one-element tensor with the float32 defaults
  (``rtol=1.3e-6, atol=1e-5``; integers exactly); two tensors by shape, dtype (when
  ``exact_dtype``) and values with their dtype's defaults (float64: ``1e-7, 1e-7``);
  a tensor against a list turns the list into a tensor of the tensor's dtype; anything
  else by ``==``. ``atol`` and ``rtol`` are given together or not at all.
- ``parametrize`` / ``instantiate_parametrized_tests``: one test per value, named
  ``<test>_<arg>_<value>`` for ints, floats and strings and ``<test>_<arg><index>``
  otherwise; stacked decorators give the product.
- ``skipIfTorchDynamo``: a no-op (these runs are never under dynamo);
  ``load_tests``: the unittest protocol hook, keeping every non-empty group.
- ``assert_close`` (``torch.testing.assert_close``): the same comparison, stricter:
  dtypes and number types must match and NaN is not equal to NaN.
"""

from __future__ import annotations

import functools
import math
import unittest
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

import netopt

#: the tensor library under test: netopt, or torch itself for a control run
#: (:func:`use_library`).
_lib: Any = netopt


def use_library(module: Any) -> None:
    """Compare ``module``'s tensors (``Tensor``, ``as_tensor``, ``manual_seed``): netopt by
    default; torch for a control run that checks this harness against torch's own code."""
    global _lib
    _lib = module


#: torch's default (rtol, atol) per dtype (torch/testing/_comparison.py).
_TOLERANCES = {
    np.dtype(np.float16): (1e-3, 1e-5),
    np.dtype(np.float32): (1.3e-6, 1e-5),
    np.dtype(np.float64): (1e-7, 1e-7),
    np.dtype(np.complex64): (1.3e-6, 1e-5),
    np.dtype(np.complex128): (1e-7, 1e-7),
}


def _dtype_tolerances(*dtypes: np.dtype) -> tuple[float, float]:
    """The largest default (rtol, atol) over ``dtypes`` (0 for exact dtypes)."""
    pairs = [_TOLERANCES.get(np.dtype(d), (0.0, 0.0)) for d in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _is_tensor(x: Any) -> bool:
    return isinstance(x, (_lib.Tensor, np.ndarray))


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, complex, np.number)) and not isinstance(x, (bool, np.bool_))


def _array(x: Any) -> np.ndarray:
    return np.asarray(x.detach().numpy() if isinstance(x, _lib.Tensor) else x)


def _number_dtype(x: Any) -> np.dtype:
    # torch's RelaxedNumberPair: int -> int64, float -> float32, complex -> complex64
    if isinstance(x, (complex, np.complexfloating)):
        return np.dtype(np.complex64)
    if isinstance(x, (float, np.floating)):
        return np.dtype(np.float32)
    return np.dtype(np.int64)


def _close(a: Any, b: Any, rtol: float, atol: float, equal_nan: bool) -> np.ndarray:
    a, b = np.asarray(a), np.asarray(b)
    both_nan = np.isnan(a) & np.isnan(b) if equal_nan else np.zeros(np.broadcast(a, b).shape, bool)
    with np.errstate(invalid="ignore", over="ignore"):
        ok = (a == b) | (np.abs(a - b) <= atol + rtol * np.abs(b))
    return ok | both_nan


class _Mismatch(AssertionError):
    pass


def _fail(path: str, text: str) -> None:
    where = f" at {path}" if path else ""
    raise _Mismatch(f"{text}{where}")


def compare(
    actual: Any,
    expected: Any,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = True,
    exact_dtype: bool = True,
    strict_numbers: bool = False,
    path: str = "",
) -> None:
    """Raise ``AssertionError`` where ``actual`` and ``expected`` differ (torch's rules,
    summarised in the module docstring)."""
    if (rtol is None) != (atol is None):
        raise ValueError(
            "Both 'rtol' and 'atol' must be either specified or omitted, "
            f"but got no {'rtol' if rtol is None else 'atol'}."
        )
    kw = dict(
        rtol=rtol, atol=atol, equal_nan=equal_nan, exact_dtype=exact_dtype,
        strict_numbers=strict_numbers,
    )  # fmt: skip
    if isinstance(actual, _lib.Tensor) and _is_sequence(expected):
        expected = _lib.as_tensor(expected, dtype=actual.dtype)
    elif _is_sequence(actual) and isinstance(expected, _lib.Tensor):
        actual = _lib.as_tensor(actual, dtype=expected.dtype)
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            _fail(path, f"The length of the sequences mismatch: {len(actual)} != {len(expected)}")
        for i, (a, b) in enumerate(zip(actual, expected, strict=True)):
            compare(a, b, path=f"{path}[{i}]", **kw)
        return
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        if set(actual) != set(expected):
            _fail(path, f"The keys of the mappings do not match: {set(actual) ^ set(expected)}")
        for key in actual:
            compare(actual[key], expected[key], path=f"{path}[{key!r}]", **kw)
        return
    if actual is None or expected is None:
        if actual is not expected:
            _fail(path, f"None mismatch: {actual!r} is not {expected!r}")
        return
    if isinstance(actual, (bool, np.bool_)) or isinstance(expected, (bool, np.bool_)):
        if bool(_item(actual)) != bool(_item(expected)):
            _fail(path, f"Booleans mismatch: {actual} is not {expected}")
        return
    if _is_number(actual) or _is_number(expected):
        _compare_numbers(actual, expected, path=path, **kw)
        return
    if _is_tensor(actual) and _is_tensor(expected):
        _compare_tensors(actual, expected, path=path, **kw)
        return
    if not actual == expected:
        _fail(path, f"Object comparison failed: {actual!r} != {expected!r}")


def _is_sequence(x: Any) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, (str, bytes))


def _item(x: Any) -> Any:
    if _is_tensor(x):
        arr = _array(x)
        if arr.size != 1:
            raise ValueError(
                "Only single element tensor-likes can be compared against a number. "
                f"Got {arr.size} elements instead."
            )
        return arr.reshape(()).item()
    return x.item() if isinstance(x, np.generic) else x


def _compare_numbers(actual, expected, *, rtol, atol, equal_nan, strict_numbers, path, **_):
    for x in (actual, expected):
        if not (_is_number(x) or _is_tensor(x)):
            _fail(path, f"Cannot compare a number with {type(x).__name__}: {x!r}")
    if strict_numbers and type(actual) is not type(expected):
        _fail(path, f"The (d)types do not match: {type(actual)} != {type(expected)}")
    a, b = _item(actual), _item(expected)
    if rtol is None:
        rtol, atol = _dtype_tolerances(_number_dtype(a), _number_dtype(b))
    if not bool(_close(a, b, rtol, atol, equal_nan)):
        diff = abs(a - b) if not (math.isinf(abs(a)) or math.isinf(abs(b))) else math.inf
        _fail(
            path,
            f"Scalars are not close!\n\nExpected {b} but got {a}.\n"
            f"Absolute difference: {diff} (up to {atol} allowed)",
        )


def _compare_tensors(actual, expected, *, rtol, atol, equal_nan, exact_dtype, path, **_):
    a, b = _array(actual), _array(expected)
    if a.shape != b.shape:
        _fail(path, f"The values for attribute 'shape' do not match: {a.shape} != {b.shape}.")
    if exact_dtype and a.dtype != b.dtype:
        _fail(path, f"The values for attribute 'dtype' do not match: {a.dtype} != {b.dtype}.")
    if rtol is None:
        rtol, atol = _dtype_tolerances(a.dtype, b.dtype)
    if a.dtype != b.dtype:
        common = np.promote_types(a.dtype, b.dtype)
        a, b = a.astype(common), b.astype(common)
    ok = _close(a, b, rtol, atol, equal_nan)
    if not ok.all():
        _fail(path, f"Tensor-likes are not close!\n\nExpected {b} but got {a}.")


def assert_close(
    actual,
    expected,
    *,
    allow_subclasses=True,
    rtol=None,
    atol=None,
    equal_nan=False,
    check_device=True,
    check_dtype=True,
    check_layout=True,
    check_stride=False,
    msg=None,
):
    """torch.testing.assert_close: :func:`compare` with dtypes and number types checked
    and NaN unequal to NaN (its defaults). There is one device, one layout and no
    strides to check; ``allow_subclasses`` is moot (no tensor subclasses)."""
    try:
        compare(
            actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan,
            exact_dtype=check_dtype, strict_numbers=check_dtype,
        )  # fmt: skip
    except _Mismatch as err:
        raise AssertionError(msg or str(err)) from None


class TestCase(unittest.TestCase):
    """torch's ``TestCase``: ``assertEqual`` with torch's comparison and a seeded RNG."""

    def setUp(self) -> None:
        """Seed the global generator, as torch seeds its own (``set_rng_seed``)."""
        super().setUp()
        _lib.manual_seed(1234)

    def assertEqual(
        self,
        x: Any,
        y: Any,
        msg: str | None = None,
        *,
        atol: float | None = None,
        rtol: float | None = None,
        equal_nan: bool = True,
        exact_dtype: bool = True,
        exact_device: bool = False,
        exact_layout: bool = False,
        exact_stride: bool = False,
        exact_is_coalesced: bool = False,
    ) -> None:
        """Assert ``x`` equals ``y`` by torch's rules (see the module docstring); one
        device, one layout, no strides or sparse tensors: the ``exact_*`` flags but
        ``exact_dtype`` have nothing to check."""
        __tracebackhide__ = True
        try:
            compare(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan, exact_dtype=exact_dtype)
        except _Mismatch as err:
            text = f"{err}\n{msg}" if isinstance(msg, str) and self.longMessage else str(err)
            raise self.failureException(text) from None


class parametrize:
    """torch's ``@parametrize(arg_str, arg_values, name_fn=None)``."""

    def __init__(self, arg_str: str, arg_values, name_fn=None) -> None:
        self.arg_names = [s.strip() for s in arg_str.split(",") if s != ""]
        self.arg_values = arg_values
        self.name_fn = name_fn

    def _name(self, idx: int, values: list) -> str:
        if self.name_fn:
            return self.name_fn(*values)
        parts = []
        for name, value in zip(self.arg_names, values, strict=True):
            if isinstance(value, (int, float, str)):
                parts.append(f"{name}_{str(value).replace('.', '_')}")
            else:
                parts.append(f"{name}{idx}")
        return "_".join(parts)

    def _expand(self, test):
        for idx, values in enumerate(self.arg_values):
            values = list(values) if len(self.arg_names) > 1 else [values]
            yield test, self._name(idx, values), dict(zip(self.arg_names, values, strict=True))

    def __call__(self, fn):
        inner = getattr(fn, "parametrize_fn", None)
        if inner is None:
            fn.parametrize_fn = self._expand
            return fn

        def product(test):  # stacked decorators: the outer one's values vary slowest
            for t1, name1, kw1 in inner(test):
                for t2, name2, kw2 in self._expand(t1):
                    yield t2, f"{name1}_{name2}" if name1 else name2, {**kw1, **kw2}

        fn.parametrize_fn = product
        return fn


def instantiate_parametrized_tests(generic_cls):
    """Replace each parametrized test of ``generic_cls`` by one test per parameter set."""
    for attr_name in tuple(dir(generic_cls)):
        attr = getattr(generic_cls, attr_name)
        if not hasattr(attr, "parametrize_fn"):
            continue
        delattr(generic_cls, attr_name)
        for test, suffix, kwargs in attr.parametrize_fn(attr):
            name = f"{test.__name__}_{suffix}"
            if hasattr(generic_cls, name):
                raise AssertionError(f"Redefinition of test {name}")

            @functools.wraps(test)
            def instantiated(self, _test=test, _kwargs=kwargs):
                _test(self, **_kwargs)

            instantiated.__name__ = name
            setattr(generic_cls, name, instantiated)
    return generic_cls


def skipIfTorchDynamo(msg: str = "test doesn't currently work with dynamo"):
    """A no-op: these runs are never under torch dynamo (torch skips only under it)."""
    if not isinstance(msg, str):
        raise AssertionError("Are you using skipIfTorchDynamo correctly?")
    return lambda fn: fn


def load_tests(loader, tests, pattern):
    """The unittest ``load_tests`` hook: every non-empty test group, unchanged."""
    suite = unittest.TestSuite()
    for group in tests:
        if getattr(group, "_tests", None):
            suite.addTest(group)
    return suite
