"""``netopt.utils.data``: torch's path to netopt.data, the samplers, and tensors from
``TensorDataset`` indexing, against ``torch.utils.data`` where the result is deterministic."""

from __future__ import annotations

import numpy as np
import pytest

import netopt
import netopt.data
from netopt.utils import data as ndata

torch = pytest.importorskip("torch")
tdata = pytest.importorskip("torch.utils.data")

NAMES = [
    "BatchSampler",
    "DataLoader",
    "Dataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "default_collate",
    "random_split",
]


@pytest.mark.parametrize("name", NAMES)
def test_torch_names_exist_on_the_torch_path(name):
    assert hasattr(tdata, name)
    assert getattr(ndata, name) is not None


def test_utils_data_is_netopt_data():
    assert ndata.DataLoader is netopt.data.DataLoader
    assert netopt.utils.data.TensorDataset is netopt.data.TensorDataset


def test_tensor_dataset_indexing_gives_tensors_as_torch():
    x = np.arange(12.0, dtype=np.float32).reshape(6, 2)
    y = np.arange(6)
    ours = ndata.TensorDataset(netopt.tensor(x), netopt.tensor(y))
    theirs = tdata.TensorDataset(torch.tensor(x), torch.tensor(y))
    for index in (1, -1, slice(1, 4), slice(None, None, 2)):
        got, want = ours[index], theirs[index]
        assert all(isinstance(t, netopt.Tensor) for t in got)
        for a, b in zip(got, want, strict=True):
            assert a.tolist() == b.tolist()
            assert a.dtype == np.dtype(str(b.numpy().dtype))


@pytest.mark.parametrize("drop_last", [False, True])
def test_sequential_batches_match_torch(drop_last):
    x = np.arange(14.0, dtype=np.float32).reshape(7, 2)
    ours = ndata.DataLoader(ndata.TensorDataset(x), batch_size=3, drop_last=drop_last)
    theirs = tdata.DataLoader(
        tdata.TensorDataset(torch.tensor(x)), batch_size=3, drop_last=drop_last
    )
    assert len(ours) == len(theirs)
    got = [b[0].tolist() for b in ours]
    assert got == [b[0].tolist() for b in theirs]


def test_batch_sampler_matches_torch():
    for drop_last in (False, True):
        ours = list(ndata.BatchSampler(ndata.SequentialSampler(range(7)), 3, drop_last))
        theirs = list(tdata.BatchSampler(tdata.SequentialSampler(range(7)), 3, drop_last))
        assert ours == theirs
        assert len(ndata.BatchSampler(range(7), 3, drop_last)) == len(theirs)


def test_loader_with_a_sampler_and_a_batch_sampler():
    x = np.arange(10.0).reshape(5, 2)
    ds = ndata.TensorDataset(x)
    sampler = ndata.SubsetRandomSampler([0, 2, 4], generator=np.random.default_rng(0))
    loader = ndata.DataLoader(ds, batch_size=2, sampler=sampler)
    seen = sorted(row for b in loader for row in b[0][:, 0].tolist())
    assert len(loader) == 2 and seen == [0.0, 4.0, 8.0]
    batches = ndata.BatchSampler(ndata.SequentialSampler(ds), 2, True)
    loader = ndata.DataLoader(ds, batch_sampler=batches)
    assert [b[0][:, 0].tolist() for b in loader] == [[0.0, 2.0], [4.0, 6.0]]


def test_random_sampler_is_a_permutation_or_draws_with_replacement():
    perm = list(ndata.RandomSampler(range(8), generator=np.random.default_rng(1)))
    assert sorted(perm) == list(range(8))
    drawn = list(
        ndata.RandomSampler(range(3), True, num_samples=50, generator=np.random.default_rng(1))
    )
    assert len(drawn) == 50 and set(drawn) <= {0, 1, 2}
    longer = list(ndata.RandomSampler(range(3), num_samples=7, generator=np.random.default_rng(0)))
    assert len(longer) == 7 and sorted(longer[:3]) == [0, 1, 2]


def test_weighted_sampler_never_draws_a_zero_weight():
    s = ndata.WeightedRandomSampler([0.0, 1.0, 3.0], 400, generator=np.random.default_rng(0))
    drawn = np.array(list(s))
    assert 0 not in drawn
    # P(2) = 3/4; 400 draws: within 4 standard errors (sqrt(.75*.25/400) ~ 0.022)
    assert abs(np.mean(drawn == 2) - 0.75) < 0.09


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (
            lambda ds: ndata.DataLoader(ds, sampler=[0], shuffle=True),
            ValueError,
            "sampler option is mutually exclusive with shuffle",
        ),
        (
            lambda ds: ndata.DataLoader(ds, batch_size=2, batch_sampler=[[0]]),
            ValueError,
            "batch_sampler option is mutually exclusive with batch_size",
        ),
        (
            lambda ds: ndata.DataLoader(ds, bacth_size=2),
            TypeError,
            "unexpected keyword argument 'bacth_size'",
        ),
        (
            lambda ds: ndata.BatchSampler(range(3), 0, False),
            ValueError,
            "batch_size should be a positive integer value, but got batch_size=0",
        ),
        (
            lambda ds: ndata.RandomSampler(ds, num_samples=0),
            ValueError,
            "num_samples should be a positive integer value, but got num_samples=0",
        ),
        (
            lambda ds: ndata.WeightedRandomSampler([1.0, -1.0], 2),
            ValueError,
            "weights must be finite and non-negative",
        ),
    ],
)
def test_errors(make, error, message):
    ds = ndata.TensorDataset(np.zeros((3, 1)))
    with pytest.raises(error, match=message):
        make(ds)


def test_torch_worker_options_are_accepted():
    ds = ndata.TensorDataset(np.zeros((3, 1)))
    loader = ndata.DataLoader(ds, batch_size=2, num_workers=0, timeout=0, persistent_workers=False)
    assert len(loader) == 2
