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
    # torch's keyword ``from`` (a Python keyword: passed as **{"from": ...})
    ("random_", (), {"from": 5, "to": 2}, "float32"),
    ("random_", (), {"from": 5, "to": 5}, "int64"),
    ("random_", (), {"from": -1, "to": 5}, "uint8"),
    ("uniform_", (), {"from": 2}, "float32"),
    ("uniform_", (), {"from": 2, "to": 1}, "float64"),
    # random_(from, None): [from, the top of the unbounded range]
    ("random_", (200, None), {}, "int8"),
    ("random_", (-1, None), {}, "uint8"),
    ("random_", (), {"from": 2, "to": None}, "bool"),
    ("random_", (4000, None), {}, "float16"),
    ("random_", (2**53, None), {}, "float64"),
    ("random_", (2**24, None), {}, "float32"),
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
    ("random_", (), {"from": 3, "to": 5}, "float32"),
    ("random_", (), {"to": 5}, "int64"),
    ("random_", (3,), {"to": 5}, "int16"),
    ("random_", (127, None), {}, "int8"),
    ("random_", (), {"from": -5, "to": None}, "int64"),
    ("random_", (0, None), {}, "bool"),
    ("random_", (2**24 - 1, None), {}, "float32"),
    ("uniform_", (), {"from": -2, "to": 3}, "float32"),
    ("uniform_", (), {"from": 0.5}, "float64"),
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
    """The parameter names and defaults as the signature shows them (``from`` is ``from_``
    in netopt: a Python keyword; torch's spelling comes through ``**kwargs``)."""
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
            if p.kind not in (p.KEYWORD_ONLY, p.VAR_KEYWORD)  # **kwargs: torch's ``from``
        )
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


# Calls none of torch's overloads of random_ takes (or, for uniform_, its one signature):
# torch's TypeError. With two keywords torch writes them in its own dict order, so only
# the opening is compared there.
REFUSED = [
    ("random_", (), {"from": 3}),
    ("random_", (3,), {"from": 1}),
    ("random_", (), {"from": None, "to": 5}),
    ("random_", (), {"from": 2.5, "to": 5}),
    ("random_", (), {"to": None}),
    ("random_", (), {"from": None}),
    ("random_", (), {"frm": 1}),
    ("random_", (None,), {}),
    ("random_", (None, 5), {}),
    ("random_", (None, None), {}),
    ("random_", (3, 7), {"to": 9}),
    ("random_", (2,), {"from": 1, "to": 5}),  # "got multiple values for argument 'from'"
    ("random_", (2, 5), {"from": 1}),
    ("uniform_", (2,), {"from": 2}),
    ("uniform_", (), {"frm": 2}),
]


@pytest.mark.parametrize("row", REFUSED, ids=[_ids((*r, "")) for r in REFUSED])
def test_calls_torch_refuses_raise_its_typeerror(row):
    method, args, kwargs = row
    with pytest.raises(TypeError) as want:
        getattr(torch.zeros(3), method)(*args, **kwargs)
    with pytest.raises(TypeError) as got:
        getattr(netopt.zeros(3), method)(*args, **kwargs)
    theirs, ours = str(want.value).splitlines()[0], str(got.value).splitlines()[0]
    if kwargs.get("from") == 2.5:  # netopt names the bad argument (torch: its overloads)
        assert theirs.startswith("random_() received an invalid combination of arguments")
        assert ours == "random_(): argument 'from' must be int, not float"
        return
    if len(kwargs) > 1:
        theirs, ours = theirs.split(" - got ")[0], ours.split(" - got ")[0]
    assert ours == theirs


@pytest.mark.parametrize(
    ("args", "kwargs", "dtype"),
    [
        ((), {"from": 3, "to": 7}, "int64"),
        ((3,), {"to": 7}, "float32"),
        ((), {"to": 4}, "int8"),
        ((100, None), {}, "int8"),
        ((), {"from": 250, "to": None}, "uint8"),
        ((), {"from": 0, "to": None}, "bool"),
    ],
)
def test_keyword_and_open_ended_bounds_draw_torchs_values(args, kwargs, dtype):
    """Every value torch draws over 4000 draws (all of a range of at most 28 integers: a
    value is missed with probability below 28 * (27/28)**4000 < 1e-60) and no other."""
    ours, theirs = DTYPES[dtype]
    torch.manual_seed(0)
    want = torch.zeros(4000, dtype=theirs).random_(*args, **kwargs)
    got = netopt.zeros(4000, dtype=ours).random_(*args, generator=netopt.Generator(), **kwargs)
    assert set(np.unique(got.numpy()).tolist()) == set(np.unique(want.numpy()).tolist())
