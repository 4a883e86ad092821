"""DataLoader: batch counts (by hand and as torch), shuffling, transforms, exact resume."""

import json

import numpy as np
import pytest

import netopt
from netopt.data import DataLoader, Dataset, GaussianNoise, TensorDataset


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return float(i), i * i


class Plain:
    """Duck-typed dataset with single-array samples (no get_batch)."""

    def __len__(self):
        return 5

    def __getitem__(self, i):
        return np.full(2, float(i))


def _dataset(n=10):
    return TensorDataset(np.arange(2 * n, dtype=np.float32).reshape(n, 2), np.arange(n))


def _epoch(loader):
    return [tuple(np.array(t.data) for t in batch) for batch in loader]


@pytest.mark.parametrize(
    ("n", "batch_size", "drop_last", "sizes"),
    [
        (10, 3, False, [3, 3, 3, 1]),
        (10, 3, True, [3, 3, 3]),
        (10, 10, False, [10]),  # batch gradient descent: one step per epoch
        (10, 1, False, [1] * 10),  # stochastic gradient descent: N steps per epoch
        (10, 25, False, [10]),
        (12, 4, True, [4, 4, 4]),
    ],
)
def test_batch_sizes_and_len(n, batch_size, drop_last, sizes):
    loader = DataLoader(_dataset(n), batch_size=batch_size, drop_last=drop_last)
    assert [len(y) for _, y in _epoch(loader)] == sizes
    assert len(loader) == len(sizes)
    torch_data = pytest.importorskip("torch.utils.data")
    ref = torch_data.DataLoader(range(n), batch_size=batch_size, drop_last=drop_last)
    assert len(loader) == len(ref)


def test_unshuffled_order_and_untouched_rng():
    rng = np.random.default_rng(0)
    before = rng.bit_generator.state
    batches = _epoch(DataLoader(_dataset(), batch_size=4, rng=rng))
    np.testing.assert_array_equal(np.concatenate([y for _, y in batches]), np.arange(10))
    assert rng.bit_generator.state == before


def test_shuffle_draws_a_permutation_per_epoch_at_iteration_start():
    n = 10
    loader = DataLoader(_dataset(n), batch_size=3, shuffle=True, rng=np.random.default_rng(5))
    reference = np.random.default_rng(5)  # the same stream, drawn by hand
    for _ in range(3):
        iterator = iter(loader)  # the permutation is drawn here, before the first batch
        expected = reference.permutation(n)
        assert loader.rng.bit_generator.state == reference.bit_generator.state
        order = np.concatenate([y.data for _, y in iterator])
        np.testing.assert_array_equal(order, expected)


def test_same_seed_same_batches_different_seed_different_order():
    def run(seed):
        loader = DataLoader(
            _dataset(30), batch_size=7, shuffle=True, rng=np.random.default_rng(seed)
        )
        return [y for _ in range(3) for _, y in _epoch(loader)]

    a, b, c = run(1), run(1), run(2)
    assert all(np.array_equal(u, v) for u, v in zip(a, b, strict=True))
    assert not all(np.array_equal(u, v) for u, v in zip(a, c, strict=True))


def test_batches_are_fresh_tensors_without_grad():
    ds = _dataset()
    x, y = next(iter(DataLoader(ds, batch_size=4)))
    assert isinstance(x, netopt.Tensor) and isinstance(y, netopt.Tensor)
    assert not x.requires_grad and x.dtype == np.float32 and y.dtype == np.int64
    x.data[:] = -1.0
    assert ds.arrays[0].min() == 0.0


def test_transform_changes_inputs_only_and_is_seeded():
    seen = []

    def add_noise(x, rng):
        seen.append(isinstance(rng, np.random.Generator))
        return x + rng.standard_normal(x.shape).astype(x.dtype)

    def run():
        loader = DataLoader(
            _dataset(),
            batch_size=4,
            shuffle=True,
            rng=np.random.default_rng(3),
            transform=add_noise,
        )
        return _epoch(loader)

    a, b = run(), run()
    clean = _dataset().arrays[0]
    for (xa, ya), (xb, yb) in zip(a, b, strict=True):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
        assert not np.array_equal(xa, clean[ya])  # inputs changed ...
        assert xa.dtype == np.float32
    labels = np.concatenate([y for _, y in a])
    np.testing.assert_array_equal(np.sort(labels), np.arange(10))  # ... labels untouched
    assert all(seen)


def test_generic_and_single_field_datasets():
    xs, ys = next(iter(DataLoader(Squares(6), batch_size=6)))
    np.testing.assert_array_equal(ys.data, [0, 1, 4, 9, 16, 25])
    assert xs.dtype == np.float64
    batch = next(iter(DataLoader(Plain(), batch_size=2, transform=GaussianNoise(0.0))))
    assert isinstance(batch, netopt.Tensor)
    np.testing.assert_array_equal(batch.data, [[0.0, 0.0], [1.0, 1.0]])


@pytest.mark.parametrize("stop_after", [0, 1, 3, 4])  # 4 = a whole epoch of 4 batches
def test_state_dict_resumes_the_exact_data_order(stop_after):
    def make(seed):
        return DataLoader(
            _dataset(),
            batch_size=3,
            shuffle=True,
            rng=np.random.default_rng(seed),
            transform=GaussianNoise(0.5),
        )

    straight_loader = make(0)
    straight = [b for _ in range(3) for b in _epoch(straight_loader)]
    first = make(0)
    iterator = iter(first)
    head = [tuple(np.array(t.data) for t in next(iterator)) for _ in range(stop_after)]
    state = json.loads(json.dumps(first.state_dict()))  # plain, JSON-able
    assert state["position"] == stop_after % 4
    resumed = make(99)
    resumed.load_state_dict(state)
    tail = [b for _ in range(3) for b in _epoch(resumed)]
    for got, want in zip(head + tail, straight, strict=False):
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)
    assert len(head + tail) >= len(straight)


LOADER_ERRORS = [
    (dict(batch_size=0), ValueError, "batch_size=0"),
    (dict(batch_size=-2), ValueError, "batch_size=-2"),
    (dict(batch_size=True), ValueError, "batch_size=True"),
    (dict(batch_size=2.0), ValueError, r"batch_size=2\.0"),
    (dict(batch_size="4"), ValueError, "batch_size='4'"),
    (dict(shuffle="yes"), ValueError, "shuffle='yes'"),
    (dict(drop_last=1), ValueError, "drop_last=1"),
    (dict(transform="noise"), TypeError, "transform"),
    (dict(rng=42), TypeError, "rng"),
    (dict(batch_size=11, drop_last=True), ValueError, "no batches"),
    (dict(dataset=Squares(0)), ValueError, "empty"),
    (dict(dataset=[1, 2, 3].__iter__()), TypeError, "__getitem__"),
]


def _loader(**kwargs):
    kwargs.setdefault("dataset", _dataset())
    return DataLoader(**kwargs)


def _load(state):
    _loader(batch_size=3).load_state_dict(state)


def _iterate_bad_transform():
    list(_loader(batch_size=2, transform=lambda x, rng: x[:1]))


GOOD_STATE = _loader(batch_size=3).state_dict
ERRORS = [(_loader, kwargs, exc, match) for kwargs, exc, match in LOADER_ERRORS] + [
    (_load, dict(state={"position": 0}), ValueError, "keys"),
    (_load, dict(state={**GOOD_STATE(), "position": 4}), ValueError, r"\[0, 4\), got 4"),
    (_load, dict(state={**GOOD_STATE(), "position": 1.0}), ValueError, "int"),
    (_load, dict(state={**GOOD_STATE(), "bit_generator": "MT19937"}), ValueError, "MT19937"),
    (_iterate_bad_transform, dict(), ValueError, "2 rows"),
]


@pytest.mark.parametrize(("fn", "kwargs", "exc", "match"), ERRORS)
def test_bad_input_raises(fn, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        fn(**kwargs)


# ------------------------------------------------------------ PyTorch keywords
def test_collate_fn_receives_the_batch_samples_in_order_and_its_result_is_yielded():
    ds = TensorDataset(np.arange(10.0).reshape(5, 2), np.arange(5))
    seen = []

    def as_dict(samples):
        seen.append(len(samples))
        return {"x": np.stack([x for x, _ in samples]), "y": [int(y) for _, y in samples]}

    rng = np.random.default_rng(0)
    loader = DataLoader(ds, batch_size=2, shuffle=True, rng=rng, collate_fn=as_dict)
    order = np.random.default_rng(0).permutation(5)  # the loader's first epoch
    batches = list(loader)
    assert seen == [2, 2, 1]
    assert [b["y"] for b in batches] == [order[i : i + 2].tolist() for i in (0, 2, 4)]
    np.testing.assert_array_equal(batches[0]["x"], ds.get_batch(order[:2])[0])


def test_num_workers_and_pin_memory_give_the_same_batches():
    ds = TensorDataset(np.arange(12.0).reshape(6, 2), np.arange(6))
    plain = DataLoader(ds, batch_size=4, shuffle=True, rng=np.random.default_rng(3))
    torchy = DataLoader(
        ds, batch_size=4, shuffle=True, rng=np.random.default_rng(3), num_workers=2, pin_memory=True
    )
    for (xa, ya), (xb, yb) in zip(plain, torchy, strict=True):
        np.testing.assert_array_equal(xa.data, xb.data)
        np.testing.assert_array_equal(ya.data, yb.data)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"num_workers": -1}, ValueError, "num_workers option should be non-negative"),
        ({"num_workers": True}, ValueError, "num_workers option should be non-negative"),
        ({"collate_fn": 3}, TypeError, "collate_fn must be callable"),
        (
            {"collate_fn": list, "transform": GaussianNoise(0.1)},
            ValueError,
            "apply it inside collate_fn",
        ),
    ],
)
def test_bad_torch_keywords(kwargs, error, message):
    with pytest.raises(error, match=message):
        DataLoader(_dataset(), batch_size=2, **kwargs)


class _DictSamples(Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"image": np.full(3, float(i)), "label": i}


def test_dict_samples_give_dict_batches_of_tensors_like_torch():
    loader = DataLoader(_DictSamples(), batch_size=2)
    batches = list(loader)
    assert [sorted(b) for b in batches] == [["image", "label"]] * 3
    assert batches[0]["label"].data.tolist() == [0, 1] and batches[2]["label"].shape == (1,)
    np.testing.assert_array_equal(batches[1]["image"].data, [[2.0] * 3, [3.0] * 3])
    with pytest.raises(ValueError, match="first field of tuple samples"):
        list(DataLoader(_DictSamples(), batch_size=2, transform=GaussianNoise(0.1)))
    default_collate = pytest.importorskip("torch.utils.data").default_collate

    samples = [_DictSamples()[i] for i in (4, 0)]
    theirs = default_collate(samples)
    ours = netopt.data.collate(samples)
    assert list(ours) == list(theirs)
    for key in ours:
        np.testing.assert_array_equal(ours[key], theirs[key].numpy())


def test_dict_samples_must_share_their_keys():
    with pytest.raises(ValueError, match=r"dict with the keys \['a'\]"):
        netopt.data.collate([{"a": 1}, {"b": 2}])
