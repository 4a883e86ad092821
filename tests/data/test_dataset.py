"""Dataset, TensorDataset, Subset, collate and random_split (lengths checked against torch)."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import netopt
from netopt.data import Dataset, Subset, TensorDataset, collate, random_split


class Squares(Dataset):
    """A plain dataset: sample i is (float(i), i*i)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return float(i), i * i


def test_tensor_dataset_keeps_arrays_and_dtypes():
    x = np.arange(12, dtype=np.float64).reshape(6, 2)
    y = netopt.tensor([0, 1, 2, 0, 1, 2])
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    assert ds.arrays[0] is x  # stored as given: no copy, dtype kept
    assert ds.arrays[1].dtype == np.int64
    row_x, row_y = ds[4]
    np.testing.assert_array_equal(row_x, [8.0, 9.0])
    assert row_y == 1
    bx, by = ds.get_batch(np.array([5, 0, 5]))
    np.testing.assert_array_equal(bx, x[[5, 0, 5]])
    np.testing.assert_array_equal(by, [2, 0, 2])
    bx[:] = -1  # a batch is a copy
    assert x.min() == 0


def test_subset_maps_indices_and_batches_through_parent():
    ds = TensorDataset(np.arange(10) * 10)
    part = Subset(ds, [7, 2, 9])
    assert len(part) == 3
    assert part[1][0] == 20
    np.testing.assert_array_equal(part.get_batch(np.array([2, 0]))[0], [90, 70])
    nested = Subset(part, [2])
    np.testing.assert_array_equal(nested.get_batch(np.array([0]))[0], [90])
    plain = Subset(Squares(5), [4, 1])
    xs, ys = plain.get_batch(np.array([0, 1]))
    np.testing.assert_array_equal(xs, [4.0, 1.0])
    np.testing.assert_array_equal(ys, [16, 1])


def test_generic_dataset_batches_by_collate():
    xs, ys = Squares(4).get_batch(np.array([3, 1]))
    assert xs.dtype == np.float64 and ys.dtype == np.int64
    np.testing.assert_array_equal(ys, [9, 1])
    single = collate([np.zeros(3), np.ones(3)])
    assert single.shape == (2, 3)
    tensors = collate([(netopt.tensor([1.0, 2.0]), 0), (netopt.tensor([3.0, 4.0]), 1)])
    np.testing.assert_array_equal(tensors[0], [[1.0, 2.0], [3.0, 4.0]])


@given(
    n=st.integers(1, 200),
    fractions=st.lists(st.integers(1, 20), min_size=1, max_size=5),
)
def test_fractional_lengths_follow_torch(n, fractions):
    torch_data = pytest.importorskip("torch.utils.data")
    torch = pytest.importorskip("torch")
    total = sum(fractions)
    fracs = [f / total for f in fractions]
    fracs[-1] = 1.0 - sum(fracs[:-1])  # exact sum for float round-off
    ds = TensorDataset(np.arange(n))
    ours = [len(s) for s in random_split(ds, fracs, rng=np.random.default_rng(0))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about empty parts
        ref = [len(s) for s in torch_data.random_split(range(n), fracs, torch.Generator())]
    assert ours == ref


def test_random_split_is_a_seeded_partition():
    ds = TensorDataset(np.arange(50))
    a = random_split(ds, [20, 25, 5], rng=np.random.default_rng(3))
    b = random_split(ds, [20, 25, 5], rng=np.random.default_rng(3))
    assert [len(s) for s in a] == [20, 25, 5]
    joined = np.concatenate([s.indices for s in a])
    np.testing.assert_array_equal(np.sort(joined), np.arange(50))
    for s, t in zip(a, b, strict=True):
        np.testing.assert_array_equal(s.indices, t.indices)
    assert not np.array_equal(joined, np.arange(50))  # shuffled (50! orders, one is sorted)
    netopt.manual_seed(7)
    c = random_split(ds, [0.5, 0.5])
    netopt.manual_seed(7)
    d = random_split(ds, [0.5, 0.5])
    np.testing.assert_array_equal(c[0].indices, d[0].indices)


ONE = np.ones((3, 2))
ERRORS = [
    (TensorDataset, dict(), ValueError, "at least one array"),
    (lambda: TensorDataset(np.zeros((0, 2))), dict(), ValueError, "empty"),
    (lambda: TensorDataset(ONE, np.zeros(4)), dict(), ValueError, r"mismatch.*\[3, 4\]"),
    (lambda: TensorDataset(np.array([1.0, np.nan])), dict(), ValueError, "array 0.*NaN"),
    (lambda: TensorDataset(ONE, np.array([0.0, np.inf, 1.0])), dict(), ValueError, "array 1"),
    (lambda: TensorDataset(np.array(["a", "b"])), dict(), TypeError, "dtype"),
    (lambda: TensorDataset(np.float64(1.0)), dict(), ValueError, "scalar"),
    (collate, dict(samples=[]), ValueError, "empty"),
    (collate, dict(samples=[(1.0, 2), (1.0,)]), ValueError, "2 fields"),
    (collate, dict(samples=[(np.nan, 0), (1.0, 1)]), ValueError, "field 0.*NaN"),
    (Subset, dict(dataset=TensorDataset(ONE), indices=[0, 3]), ValueError, r"\[0, 3\)"),
    (Subset, dict(dataset=TensorDataset(ONE), indices=[0.5]), TypeError, "integers"),
    (Subset, dict(dataset=TensorDataset(ONE), indices=[[0]]), ValueError, "1-D"),
    (random_split, dict(dataset=TensorDataset(ONE), lengths=[1, 1]), ValueError, r"\(2\).*\(3\)"),
    (random_split, dict(dataset=TensorDataset(ONE), lengths=[]), ValueError, "empty"),
    (random_split, dict(dataset=TensorDataset(ONE), lengths=[1.5, -0.5]), ValueError, "index 0"),
    (random_split, dict(dataset=TensorDataset(ONE), lengths=[2, 0.5]), ValueError, "index 1"),
    (random_split, dict(dataset=TensorDataset(ONE), lengths=["3"]), TypeError, "'3'"),
    (random_split, dict(dataset=TensorDataset(ONE), lengths=[3], rng=0), TypeError, "rng"),
]


@pytest.mark.parametrize(("fn", "kwargs", "exc", "match"), ERRORS)
def test_bad_input_raises(fn, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        fn(**kwargs)


def test_dataset_is_abstract():
    with pytest.raises(TypeError, match="abstract"):
        Dataset()
