"""netopt.Generator (torch.Generator's API), generator= on the random functions, and the
factories' size= keyword and randperm, against torch's rules (live where torch is needed)."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import netopt
from netopt import nn
from netopt.nn import functional as F
from netopt.utils.data import DataLoader, TensorDataset, random_split


def test_manual_seed_returns_self_and_fixes_the_stream():
    g = netopt.Generator()
    assert g.manual_seed(7) is g
    a = g.random(5)
    b = netopt.Generator().manual_seed(7).random(5)
    np.testing.assert_array_equal(a, b)
    # the documented stream: NumPy's PCG64 from SeedSequence(seed), i.e. default_rng(seed)
    np.testing.assert_array_equal(a, np.random.default_rng(7).random(5))
    assert not np.array_equal(a, netopt.Generator().manual_seed(8).random(5))


def test_generator_is_a_numpy_generator():
    assert isinstance(netopt.Generator(), np.random.Generator)
    assert isinstance(netopt.manual_seed(0), netopt.Generator)


def test_fresh_generators_start_from_torchs_default_seed():
    a, b = netopt.Generator(), netopt.Generator()
    assert a.initial_seed() == 67280421310721  # torch's default_rng_seed_val
    np.testing.assert_array_equal(a.random(3), b.random(3))


def test_initial_seed_and_seed():
    g = netopt.Generator().manual_seed(123)
    assert g.initial_seed() == 123
    s = g.seed()
    assert isinstance(s, int) and 0 <= s < 2**64 and g.initial_seed() == s
    np.testing.assert_array_equal(g.random(3), np.random.default_rng(s).random(3))


def test_negative_seeds_count_modulo_2_64():
    g = netopt.Generator().manual_seed(-1)
    assert g.initial_seed() == 2**64 - 1
    np.testing.assert_array_equal(g.random(2), np.random.default_rng(2**64 - 1).random(2))


@pytest.mark.parametrize("bad", [2**64, -(2**63) - 1, 1.5, True, "1"])
def test_bad_seeds(bad):
    with pytest.raises(ValueError, match="seed must be"):
        netopt.Generator().manual_seed(bad)


def test_get_state_set_state_round_trip():
    g = netopt.Generator().manual_seed(3)
    g.standard_normal()  # leaves a cached value in no state, but moves the stream
    g.integers(0, 10, dtype=np.int32)  # 32-bit draws cache the other half (has_uint32)
    state = g.get_state()
    assert state.dtype == np.uint8
    first = g.random(4)
    other = netopt.Generator().manual_seed(99)
    assert other.set_state(state) is other
    np.testing.assert_array_equal(other.random(4), first)
    assert other.initial_seed() == 3
    assert netopt.tensor(state).dtype == np.uint8  # as a tensor too
    np.testing.assert_array_equal(
        netopt.Generator().set_state(netopt.tensor(state)).random(4), first
    )


@pytest.mark.parametrize("bad", [np.zeros(3, np.uint8), np.zeros(45, np.int64)])
def test_set_state_refuses_foreign_states(bad):
    with pytest.raises(RuntimeError, match="Expected a netopt generator state of 45"):
        netopt.Generator().set_state(bad)


def test_set_state_refuses_torchs_state():
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="netopt generator state"):
        netopt.Generator().set_state(torch.Generator().get_state())


def test_copies_and_pickles_keep_class_seed_and_stream():
    g = netopt.Generator().manual_seed(11)
    g.random(3)
    for h in (copy.deepcopy(g), pickle.loads(pickle.dumps(g))):
        assert type(h) is netopt.Generator and h.initial_seed() == 11
    h = copy.deepcopy(g)
    np.testing.assert_array_equal(h.random(3), g.random(3))


def test_spawn_gives_numpy_children_as_numpy_does():
    g = netopt.Generator().manual_seed(2)
    kids = g.spawn(2)
    ref = np.random.default_rng(2).spawn(2)
    assert all(type(k) is np.random.Generator for k in kids)
    for kid, expected in zip(kids, ref, strict=True):
        np.testing.assert_array_equal(kid.random(3), expected.random(3))
    with pytest.raises(TypeError, match="takes a device, not a bit generator"):
        netopt.Generator(np.random.PCG64(0))


def test_device():
    assert netopt.Generator("cpu").device == "cpu"
    assert netopt.Generator(device=netopt.device("cpu")).device == "cpu"
    with pytest.raises(RuntimeError, match="netopt computes on the CPU only"):
        netopt.Generator("cuda")


def test_default_generator_functions():
    netopt.manual_seed(5)
    assert netopt.initial_seed() == 5
    state = netopt.get_rng_state()
    a = netopt.rand(3)
    netopt.set_rng_state(state)
    np.testing.assert_array_equal(netopt.rand(3).numpy(), a.numpy())
    s = netopt.seed()
    assert netopt.initial_seed() == s


def _same(draw):
    """``draw(generator)`` twice from equal seeds gives equal arrays; another seed differs."""
    a = np.asarray(draw(netopt.Generator().manual_seed(4)))
    b = np.asarray(draw(netopt.Generator().manual_seed(4)))
    c = np.asarray(draw(netopt.Generator().manual_seed(5)))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


DRAWS = {
    "rand": lambda g: netopt.rand(8, generator=g).numpy(),
    "randn": lambda g: netopt.randn(size=(8,), generator=g).numpy(),
    "randint": lambda g: netopt.randint(0, 1000, (8,), generator=g).numpy(),
    "randperm": lambda g: netopt.randperm(50, generator=g).numpy(),
    "normal": lambda g: netopt.normal(0.0, 1.0, (8,), generator=g).numpy(),
    "init.normal_": lambda g: nn.init.normal_(netopt.zeros(8), generator=g).numpy(),
    "init.uniform_": lambda g: nn.init.uniform_(netopt.zeros(8), generator=g).numpy(),
    "init.xavier_uniform_": lambda g: nn.init.xavier_uniform_(
        netopt.zeros(3, 4), generator=g
    ).numpy(),
    "init.kaiming_normal_": lambda g: nn.init.kaiming_normal_(
        netopt.zeros(3, 4), generator=g
    ).numpy(),
    "dropout": lambda g: F.dropout(netopt.ones(50), 0.5, rng=g).numpy(),
    "random_split": lambda g: random_split(range(50), [25, 25], generator=g)[0].indices,
    "DataLoader": lambda g: np.concatenate(
        [
            b[0].numpy()
            for b in DataLoader(TensorDataset(netopt.arange(50)), 10, shuffle=True, generator=g)
        ]
    ),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_generator_keyword_gives_reproducible_draws(name):
    _same(DRAWS[name])


def test_generator_and_rng_together_raise():
    g = netopt.Generator()
    with pytest.raises(TypeError, match="got both rng and generator"):
        netopt.rand(2, rng=np.random.default_rng(0), generator=g)


def test_a_torch_generator_is_refused_with_the_reason():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match=r"must be a netopt\.Generator"):
        netopt.rand(2, generator=torch.Generator())


@pytest.mark.parametrize("name", ["rand", "randn", "zeros", "ones", "empty"])
def test_size_keyword(name):
    fn = getattr(netopt, name)
    assert fn(size=(2, 3)).shape == (2, 3)
    assert fn(size=[4]).shape == (4,)
    assert fn(size=()).shape == ()
    assert fn(2, 3).shape == fn((2, 3)).shape == (2, 3)
    with pytest.raises(TypeError, match="invalid combination of arguments"):
        fn(2, size=(3,))
    with pytest.raises(TypeError, match=f"{name}\\(\\): argument 'size' must be tuple of ints"):
        fn(size=2)


@pytest.mark.parametrize("name", ["rand", "randn", "zeros", "ones", "empty"])
def test_size_keyword_errors_as_torch(name):
    torch = pytest.importorskip("torch")
    for call in (lambda f: f(2, size=(3,)), lambda f: f(size=2)):
        with pytest.raises(TypeError):
            call(getattr(torch, name))
        with pytest.raises(TypeError):
            call(getattr(netopt, name))


def test_randperm():
    p = netopt.randperm(10)
    assert p.dtype == np.int64 and sorted(p.tolist()) == list(range(10))
    assert netopt.randperm(0).shape == (0,)
    assert netopt.randperm(3, dtype=np.float32).dtype == np.float32
    with pytest.raises(RuntimeError, match="negative dimension -1"):
        netopt.randperm(-1)
    with pytest.raises(TypeError, match="must be int, not float"):
        netopt.randperm(2.5)
    with pytest.raises(RuntimeError, match="floating point"):
        netopt.randperm(3, requires_grad=True)


def test_randperm_errors_as_torch():
    torch = pytest.importorskip("torch")
    for arg, exc in ((-1, RuntimeError), (2.5, TypeError)):
        with pytest.raises(exc):
            torch.randperm(arg)
        with pytest.raises(exc):
            netopt.randperm(arg)
