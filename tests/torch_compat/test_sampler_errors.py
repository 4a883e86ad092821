"""Bad arguments to the in-place samplers raise torch 2.13's exception with torch's
message (live: each row runs on torch and on netopt), and valid edge cases pass in both."""

import numpy as np
import pytest

import netopt

torch = pytest.importorskip("torch")

DTYPES = {
    "float32": (np.float32, torch.float32),
    "float64": (np.float64, torch.float64),
    "float16": (np.float16, torch.float16),
    "int64": (np.int64, torch.int64),
    "int32": (np.int32, torch.int32),
    "int16": (np.int16, torch.int16),
    "int8": (np.int8, torch.int8),
    "uint8": (np.uint8, torch.uint8),
    "bool": (np.bool_, torch.bool),
}
NAN, INF = float("nan"), float("inf")

# (method, args, kwargs, dtype)
BAD = [
    ("normal_", (), {"std": -1}, "float32"),
    ("normal_", (0, NAN), {}, "float32"),
    ("normal_", (), {}, "int64"),
    ("normal_", (), {}, "bool"),
    ("normal_", ("a",), {}, "float32"),
    ("uniform_", (2, 1), {}, "float32"),
    ("uniform_", (0, INF), {}, "float32"),
    ("uniform_", (NAN, 1), {}, "float32"),
    ("uniform_", (0, 70000), {}, "float16"),
    ("uniform_", (-3e38, 3e38), {}, "float32"),
    ("uniform_", (), {}, "int64"),
    ("bernoulli_", (1.5,), {}, "float32"),
    ("bernoulli_", (-0.1,), {}, "float32"),
    ("bernoulli_", (NAN,), {}, "float32"),
    ("exponential_", (0,), {}, "float32"),
    ("exponential_", (-1,), {}, "float32"),
    ("exponential_", (-0.0,), {}, "float32"),
    ("exponential_", (NAN,), {}, "float32"),
    ("exponential_", (), {}, "int64"),
    ("exponential_", (), {}, "int32"),
    ("geometric_", (0,), {}, "float32"),
    ("geometric_", (1,), {}, "float32"),
    ("geometric_", (1.5,), {}, "float32"),
    ("geometric_", (NAN,), {}, "float32"),
    ("geometric_", (0.5,), {}, "bool"),
    ("log_normal_", (), {"std": 0}, "float32"),
    ("log_normal_", (), {"std": -1}, "float32"),
    ("log_normal_", (0, NAN), {}, "float32"),
    ("log_normal_", (), {}, "int64"),
    ("cauchy_", (), {"sigma": 0}, "float32"),
    ("cauchy_", (), {"sigma": -1}, "float32"),
    ("cauchy_", (), {}, "int64"),
    ("random_", (5, 2), {}, "float32"),
    ("random_", (5, 5), {}, "float32"),
    ("random_", (0,), {}, "float32"),
    ("random_", (-1,), {}, "float32"),
    ("random_", (-1, 5), {}, "uint8"),
    ("random_", (0, 300), {}, "int8"),
    ("random_", (-40000, 0), {}, "int16"),
    ("random_", (-(2**40), 0), {}, "int32"),
    ("random_", (0, 2**40), {}, "int32"),
    ("random_", (5,), {}, "bool"),
    ("random_", (-1, 2), {}, "bool"),
    ("random_", (0, 100000), {}, "float16"),
    ("random_", (-70000, 0), {}, "float16"),
    ("random_", (0, 2**63), {}, "int64"),
]


def _ids(row):
    method, args, kwargs, dtype = row
    return f"{method}{args}{kwargs}-{dtype}"


@pytest.mark.parametrize("row", BAD, ids=[_ids(r) for r in BAD])
def test_bad_arguments_raise_torchs_error(row):
    method, args, kwargs, dtype = row
    ours, theirs = DTYPES[dtype]
    with pytest.raises(Exception) as want:
        getattr(torch.zeros(3, dtype=theirs), method)(*args, **kwargs)
    with pytest.raises(want.type) as got:
        getattr(netopt.zeros(3, dtype=ours), method)(*args, **kwargs)
    if want.type is TypeError:  # torch lists its overloads; netopt names the argument
        assert "argument 'mean'" in str(got.value) and "str" in str(got.value)
    elif want.type is NotImplementedError:  # torch names its internal kernel
        assert str(got.value).endswith(str(want.value).split(" not implemented")[1])
    else:
        assert str(got.value) == str(want.value)


def test_bernoulli_with_a_bad_tensor_p():
    """torch's message here is an internal check ("Expected p_in >= 0 && p_in <= 1 ...");
    netopt names the bad value."""
    with pytest.raises(RuntimeError):
        torch.zeros(3).bernoulli_(torch.tensor([0.2, 1.5, 0.3]))
    with pytest.raises(RuntimeError, match=r"all elements of p to be in \[0, 1\], but got p=1.5"):
        netopt.zeros(3).bernoulli_(netopt.tensor([0.2, 1.5, 0.3]))
    with pytest.raises(RuntimeError):
        torch.zeros(3).bernoulli_(torch.tensor([0.5, 0.5]))
    with pytest.raises(RuntimeError, match=r"shape \[2\] cannot be broadcast .* shape \[3\]"):
        netopt.zeros(3).bernoulli_(netopt.tensor([0.5, 0.5]))
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        netopt.zeros(3).bernoulli_(netopt.tensor([0, 1, 1]))


def test_bad_generator_and_bounds_types():
    with pytest.raises(TypeError, match="argument 'generator' must be"):
        torch.zeros(3).normal_(generator=1)
    with pytest.raises(TypeError, match=r"argument 'generator' must be netopt\.Generator, not int"):
        netopt.zeros(3).normal_(generator=1)
    for bad in (2.5, True):
        with pytest.raises(TypeError):
            torch.zeros(3).random_(bad)
        with pytest.raises(TypeError, match="random_\\(\\): argument 'to' must be int"):
            netopt.zeros(3).random_(bad)
    with pytest.raises(TypeError, match="missing 1 required positional argument"):
        netopt.zeros(3).geometric_()


GOOD = [
    ("normal_", (0, 0), {}, "float32"),
    ("uniform_", (1, 1), {}, "float32"),
    ("uniform_", (-3e38, 3e38), {}, "float64"),
    ("bernoulli_", (0.5,), {}, "int64"),
    ("bernoulli_", (True,), {}, "float32"),
    ("bernoulli_", (1,), {}, "float32"),
    ("exponential_", (INF,), {}, "float32"),
    ("geometric_", (0.5,), {}, "int64"),
    ("random_", (-3, 5), {}, "float32"),
    ("random_", (-3, 5), {}, "int64"),
    ("random_", (0, 2**63 - 1), {}, "int64"),
    ("random_", (0, 2), {}, "bool"),
    ("random_", (), {}, "bool"),
    ("random_", (), {}, "int8"),
]


@pytest.mark.parametrize("row", GOOD, ids=[_ids(r) for r in GOOD])
def test_edge_arguments_accepted_by_both(row):
    method, args, kwargs, dtype = row
    ours, theirs = DTYPES[dtype]
    getattr(torch.zeros(3, dtype=theirs), method)(*args, **kwargs)
    got = getattr(netopt.zeros(3, dtype=ours), method)(*args, **kwargs)
    assert got.dtype == ours


def test_exponential_with_infinite_rate_is_zero_as_torch():
    assert netopt.zeros(3).exponential_(INF).tolist() == torch.zeros(3).exponential_(INF).tolist()


def test_one_element_tensor_parameter_as_torch():
    got = netopt.zeros(3).normal_(mean=netopt.tensor(1.0), std=0)
    want = torch.zeros(3).normal_(mean=torch.tensor(1.0), std=0)
    assert got.tolist() == want.tolist() == [1.0, 1.0, 1.0]


def test_signatures_match_torchs_docstrings():
    """The parameter names and defaults (``from`` is ``from_`` in netopt: a Python keyword;
    random_'s ``from_`` defaults to None so that ``random_(0)`` is ``to=0``, an error)."""
    import inspect

    for name in (
        "normal_",
        "uniform_",
        "bernoulli_",
        "exponential_",
        "geometric_",
        "log_normal_",
        "cauchy_",
        "random_",
    ):
        head = getattr(torch.Tensor, name).__doc__.strip().splitlines()[0]
        params = inspect.signature(getattr(netopt.Tensor, name)).parameters
        ours = ", ".join(
            (p.name.rstrip("_") if p.name == "from_" else p.name)
            + ("" if p.default is inspect.Parameter.empty else f"={p.default}")
            for p in list(params.values())[1:]
            if p.kind is not p.KEYWORD_ONLY
        )
        if name == "random_":  # None: random_(0) must stay an error (torch's overloads)
            ours = ours.replace("from=None", "from=0")
        assert head.startswith(f"{name}({ours}, *, generator=None)"), (head, ours)


@pytest.mark.parametrize(
    ("args", "dtype"), [((-(2**30), 0), "float32"), ((0, 2**60), "float64"), ((0, 4000), "float16")]
)
def test_float_bounds_beyond_the_significand_warn_as_torch(args, dtype):
    ours, theirs = DTYPES[dtype]
    with pytest.warns(UserWarning) as want:
        torch.zeros(3, dtype=theirs).random_(*args)
    with pytest.warns(UserWarning) as got:
        netopt.zeros(3, dtype=ours).random_(*args)
    theirs_text = str(want[0].message).split(" This warning will become")[0]
    assert str(got[0].message) == theirs_text
