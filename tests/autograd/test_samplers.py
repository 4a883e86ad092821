"""In-place samplers (:mod:`netopt.autograd.sampling`): distributions checked with
scipy.stats on fixed seeds, the generator's stream, the version counter and autograd's
refusals, and bad arguments with torch's messages (live against torch).

Bounds: with N = 20,000 draws a KS or chi-square test of the right distribution gives a
p-value below 1e-4 with probability 1e-4, and a sample mean strays more than 5 standard
errors (sigma / sqrt(N)) with probability below 1e-6; the seeds are fixed, so each test is
deterministic and these are the odds that a fixed seed happens to be unlucky."""

import math

import numpy as np
import pytest

import netopt

stats = pytest.importorskip("scipy.stats")

N = 20_000
P_MIN = 1e-4


def _gen(seed=0):
    return netopt.Generator().manual_seed(seed)


def _draw(method, *args, dtype=np.float64, seed=0, **kwargs):
    t = netopt.zeros(N, dtype=dtype)
    out = getattr(t, method)(*args, generator=_gen(seed), **kwargs)
    assert out is t
    assert t.dtype == np.dtype(dtype)
    return t.numpy()


CONTINUOUS = [
    ("normal_", (2.0, 3.0), stats.norm(2.0, 3.0)),
    ("normal_", (), stats.norm(0.0, 1.0)),
    ("uniform_", (-1.0, 3.0), stats.uniform(-1.0, 4.0)),
    ("uniform_", (), stats.uniform(0.0, 1.0)),
    ("exponential_", (2.0,), stats.expon(scale=0.5)),
    ("exponential_", (), stats.expon()),
    ("log_normal_", (0.5, 0.75), stats.lognorm(s=0.75, scale=math.exp(0.5))),
    ("log_normal_", (), stats.lognorm(s=2.0, scale=math.exp(1.0))),
    ("cauchy_", (1.0, 2.0), stats.cauchy(1.0, 2.0)),
    ("cauchy_", (), stats.cauchy()),
]


@pytest.mark.parametrize(("method", "args", "dist"), CONTINUOUS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_continuous_samplers_follow_their_distribution(method, args, dist, dtype):
    x = _draw(method, *args, dtype=dtype).astype(np.float64)
    assert stats.kstest(x, dist.cdf).pvalue > P_MIN


def test_uniform_stays_below_to_after_rounding():
    """A float64 draw above 1 - 2**-12 rounds to 1.0 in float16 (about 49 of 200,000);
    none may land on ``to``."""
    for dtype in (np.float16, np.float32):
        t = netopt.zeros(200_000, dtype=dtype).uniform_(generator=_gen(1))
        assert t.numpy().min() >= 0 and t.numpy().max() < 1
    same = netopt.zeros(3).uniform_(2.5, 2.5)
    assert same.tolist() == [2.5, 2.5, 2.5]


def test_normal_with_zero_std_is_the_mean():
    assert netopt.zeros(3).normal_(1.5, 0).tolist() == [1.5, 1.5, 1.5]


def test_geometric_follows_its_mass_function():
    p = 0.3
    for dtype in (np.float64, np.int64):
        k = _draw("geometric_", p, dtype=dtype)
        assert k.min() >= 1 and np.all(k == np.round(k))
        ks = np.arange(1, 16)
        observed = np.append([np.sum(k == i) for i in ks], np.sum(k > ks[-1]))
        expected = N * np.append(stats.geom(p).pmf(ks), stats.geom(p).sf(ks[-1]))
        assert stats.chisquare(observed, expected).pvalue > P_MIN


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.bool_])
def test_bernoulli_with_a_number(dtype):
    x = _draw("bernoulli_", 0.3, dtype=dtype).astype(np.float64)
    assert set(np.unique(x)) <= {0.0, 1.0}
    assert stats.binomtest(int(x.sum()), N, 0.3).pvalue > P_MIN


def test_bernoulli_with_a_tensor_of_probabilities_broadcasts():
    t = netopt.zeros((N, 3)).bernoulli_(netopt.tensor([0.0, 1.0, 0.25]), generator=_gen(2))
    x = t.numpy()
    assert np.all(x[:, 0] == 0) and np.all(x[:, 1] == 1)
    assert stats.binomtest(int(x[:, 2].sum()), N, 0.25).pvalue > P_MIN
    edge = netopt.zeros(4).bernoulli_(1.0)  # p = 1 and 0 are certain
    assert edge.tolist() == [1.0] * 4 and netopt.ones(4).bernoulli_(0).tolist() == [0.0] * 4


def test_random_with_bounds_is_uniform_on_the_integers():
    for dtype in (np.int64, np.float32, np.int8):
        x = _draw("random_", 2, 7, dtype=dtype)
        assert set(np.unique(x).tolist()) == {2, 3, 4, 5, 6}
        counts = [np.sum(x == v) for v in range(2, 7)]
        assert stats.chisquare(counts).pvalue > P_MIN
    x = _draw("random_", 3)  # random_(to): [0, to)
    assert set(np.unique(x).tolist()) == {0, 1, 2}
    x = _draw("random_", to=3)
    assert set(np.unique(x).tolist()) == {0, 1, 2}


@pytest.mark.parametrize(
    ("dtype", "high"),
    [(np.float32, 2**24), (np.float64, 2**53), (np.int16, 2**15 - 1), (np.uint8, 255)],
)
def test_random_without_bounds_spans_the_dtype(dtype, high):
    """[0, 2**mantissa] for floats (every value exact), [0, max] for integers."""
    x = _draw("random_", dtype=dtype).astype(np.float64)
    assert x.min() >= 0 and x.max() <= high and np.all(x == np.round(x))
    assert stats.kstest(x / high, "uniform").pvalue > P_MIN


def test_random_bool_gives_both_values():
    x = _draw("random_", dtype=np.bool_)
    assert stats.binomtest(int(x.sum()), N, 0.5).pvalue > P_MIN


# ------------------------------------------------------------------ the generator
def test_same_seed_same_values_and_numpys_stream():
    a = netopt.zeros(5, dtype=np.float64).normal_(1.0, 2.0, generator=_gen(5))
    b = netopt.zeros(5, dtype=np.float64).normal_(1.0, 2.0, generator=_gen(5))
    assert a.tolist() == b.tolist()
    # the documented stream: float64 standard normals of numpy.random.default_rng(seed)
    want = 1.0 + 2.0 * np.random.default_rng(5).standard_normal(5)
    np.testing.assert_array_equal(a.numpy(), want)
    c = netopt.zeros(5, dtype=np.float64).normal_(1.0, 2.0, generator=_gen(6))
    assert a.tolist() != c.tolist()


def test_default_generator_follows_manual_seed():
    netopt.manual_seed(11)
    a = netopt.zeros(4).uniform_(-1, 1)
    netopt.manual_seed(11)
    b = netopt.zeros(4).uniform_(-1, 1)
    assert a.tolist() == b.tolist()


def test_one_generator_continues_its_stream():
    g = _gen(3)
    a = netopt.zeros(4, dtype=np.float64).uniform_(generator=g)
    b = netopt.zeros(4, dtype=np.float64).uniform_(generator=g)
    np.testing.assert_array_equal(
        np.concatenate([a.numpy(), b.numpy()]), np.random.default_rng(3).random(8)
    )


# ------------------------------------------------------------------ autograd
ALL = [
    ("normal_", ()),
    ("uniform_", ()),
    ("bernoulli_", ()),
    ("exponential_", ()),
    ("geometric_", (0.5,)),
    ("log_normal_", ()),
    ("cauchy_", ()),
    ("random_", ()),
]


@pytest.mark.parametrize(("method", "args"), ALL)
def test_each_sampler_is_one_in_place_write(method, args):
    t = netopt.zeros(3)
    v = t._version
    view = t.detach()
    getattr(t, method)(*args)
    assert t._version == v + 1
    assert view.tolist() == t.tolist()  # the storage itself was written


@pytest.mark.parametrize(("method", "args"), ALL)
def test_leaf_that_requires_grad_is_refused_outside_no_grad(method, args):
    w = netopt.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used"):
        getattr(w, method)(*args)
    with netopt.no_grad():
        getattr(w, method)(*args)
    assert w.requires_grad and w._version == 1


def test_a_graph_node_is_refused():
    y = netopt.ones(3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="does not record normal_\\(\\)"):
        y.normal_()


def test_a_write_after_recording_is_caught_by_backward():
    w = netopt.ones(3, requires_grad=True)
    x = netopt.ones(3)
    loss = (w * x).sum()
    x.uniform_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_torch_init_idioms_on_parameters():
    """``layer.weight.data.normal_(0, 0.01)`` and ``with no_grad(): w.uniform_(-a, a)``."""
    from netopt import nn

    layer = nn.Linear(400, 50)
    layer.weight.data.normal_(0.0, 0.01, generator=_gen(4))  # writes the parameter's storage
    w = layer.weight.detach().numpy().astype(np.float64).ravel()
    assert stats.kstest(w, stats.norm(0.0, 0.01).cdf).pvalue > P_MIN
    with netopt.no_grad():
        layer.bias.uniform_(-0.5, 0.5, generator=_gen(5))
    b = layer.bias.detach().numpy()
    assert b.min() >= -0.5 and b.max() < 0.5 and layer.bias.requires_grad
    assert stats.kstest(b, stats.uniform(-0.5, 1.0).cdf).pvalue > P_MIN
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        layer.bias.uniform_()
