"""Error paths of the training API, as one table: (callable, kwargs, exception, message)."""

from __future__ import annotations

import numpy as np
import pytest

import netopt
from netopt import nn, optim, train
from netopt.data import DataLoader, TensorDataset
from netopt.optim import lr_scheduler
from netopt.train import checkpoint


def _fit(**overrides):
    """Call fit on a tiny problem, with some arguments replaced."""
    x = np.arange(8, dtype=np.float32).reshape(4, 2)
    model = nn.Linear(2, 2, rng=np.random.default_rng(0))
    opt = optim.SGD(model.parameters(), lr=0.1)
    args = {
        "model": model,
        "loss_fn": nn.CrossEntropyLoss(),
        "optimizer": opt,
        "train_loader": DataLoader(TensorDataset(x, np.array([0, 1, 0, 1])), batch_size=2),
        "epochs": 2,
    }
    if overrides.pop("plateau", False):
        args["scheduler"] = lr_scheduler.ReduceLROnPlateau(opt)
    if overrides.pop("step_lr", False):
        args["scheduler"] = lr_scheduler.StepLR(opt, 1)
    args.update(overrides)
    return train.fit(args.pop("model"), args.pop("loss_fn"), args.pop("optimizer"),
                     args.pop("train_loader"), **args)  # fmt: skip


def _triples(n):
    return [(netopt.tensor(np.zeros((1, 2))), netopt.tensor(np.array([0])), None)] * n


def _vector_loss(output, target):
    return output.sum(1)


def _metric(y_true, y_pred):
    return 0.0


def _save_to(tmp, **kwargs):
    return checkpoint.save(tmp / "c.safetensors", nn.Linear(1, 1), **kwargs)


# fmt: off
ROWS = [
    # fit arguments
    (_fit, {"model": object()}, TypeError, "model must be a netopt.nn.Module, got object"),
    (_fit, {"loss_fn": 3}, TypeError, "loss_fn must be callable, got int"),
    (_fit, {"optimizer": object()}, TypeError, "optimizer must be a netopt.optim.Optimizer"),
    (_fit, {"train_loader": None}, TypeError, "train_loader must be iterable, got NoneType"),
    (_fit, {"val_loader": 5}, TypeError, "val_loader must be iterable, got int"),
    (_fit, {"epochs": 0}, ValueError, "epochs must be an int >= 1, got 0"),
    (_fit, {"epochs": True}, ValueError, "epochs must be an int >= 1, got True"),
    (_fit, {"epochs": 2.0}, ValueError, "epochs must be an int >= 1, got 2.0"),
    (_fit, {"initial_epoch": -1}, ValueError, "initial_epoch must be an int >= 0, got -1"),
    (_fit, {"initial_epoch": 5}, ValueError, "initial_epoch=5 is past epochs=2"),
    (_fit, {"history": "h"}, TypeError, "history must be a History or None, got str"),
    (_fit, {"clip_grad_norm": 0}, ValueError, "clip_grad_norm must be a positive finite number"),
    (_fit, {"clip_grad_norm": float("inf")}, ValueError, "got inf"),
    (_fit, {"clip_grad_norm": True}, ValueError, "got True"),
    (_fit, {"nonfinite_guard": "yes"}, ValueError, "nonfinite_guard must be a bool, got 'yes'"),
    (_fit, {"progress": 1}, ValueError, "progress must be a bool, got 1"),
    (_fit, {"scheduler_interval": "epoch"}, ValueError, "need a scheduler"),
    (_fit, {"step_lr": True, "scheduler_interval": "step"}, ValueError,
     "scheduler_interval must be 'epoch' or 'batch', got 'step'"),
    (_fit, {"step_lr": True, "scheduler_monitor": "loss"}, ValueError,
     "scheduler_monitor applies only to ReduceLROnPlateau"),
    (_fit, {"plateau": True, "scheduler_interval": "batch"}, ValueError,
     "ReduceLROnPlateau steps once per epoch"),
    (_fit, {"plateau": True, "scheduler_monitor": "val_loss"}, ValueError,
     "scheduler_monitor='val_loss' needs a val_loader"),
    (_fit, {"callbacks": [object()]}, TypeError, r"callbacks\[0\] is a object, not a Callback"),
    (_fit, {"metrics": ["auc"]}, ValueError, "unknown metric 'auc'; known: \\['accuracy'\\]"),
    (_fit, {"metrics": [3]}, TypeError, "a metric must be a name or a callable, got 3"),
    (_fit, {"metrics": {"loss": _metric}}, ValueError, "'loss' is repeated or reserved"),
    (_fit, {"metrics": {"val_x": _metric}}, ValueError, "not starting 'val_', got 'val_x'"),
    (_fit, {"metrics": {"m": 3}}, TypeError, "metric 'm' is not callable"),
    # what fit meets while training
    (_fit, {"train_loader": _triples(2)}, ValueError,
     r"train_loader must yield \(inputs, targets\) pairs, got a 3-tuple"),
    (_fit, {"train_loader": [np.zeros(2)]}, ValueError, "pairs, got <class 'numpy.ndarray'>"),
    (_fit, {"loss_fn": _vector_loss}, TypeError,
     r"loss_fn must return a scalar Tensor, got Tensor of shape \(2,\)"),
    (_fit, {"train_loader": []}, ValueError, "train_loader yielded no batches in epoch 1"),
    (_fit, {"val_loader": []}, ValueError, "val_loader yielded no batches in epoch 1"),
    (_fit, {"callbacks": [train.EarlyStopping()]}, KeyError,
     r"EarlyStopping monitors 'val_loss', which is not in the epoch logs \['loss', 'lr', "
     r"'time'\] \(val_\* entries need a val_loader\)"),
    (_fit, {"callbacks": [train.ModelCheckpoint("unused", save_best_only=True, monitor="acc")]},
     KeyError, "ModelCheckpoint monitors 'acc'"),
    # callbacks
    (train.EarlyStopping, {"patience": -1}, ValueError, "patience must be a non-negative int"),
    (train.EarlyStopping, {"patience": 1.5}, ValueError, "got 1.5"),
    (train.EarlyStopping, {"min_delta": -0.1}, ValueError, "min_delta must be a non-negative"),
    (train.EarlyStopping, {"min_delta": float("nan")}, ValueError, "got nan"),
    (train.EarlyStopping, {"mode": "auto"}, ValueError, "mode must be 'min' or 'max', got 'auto'"),
    (train.EarlyStopping, {"monitor": ""}, ValueError, "monitor must be a non-empty str"),
    (train.EarlyStopping, {"restore_best_weights": 1}, ValueError, "must be a bool, got 1"),
    (train.ModelCheckpoint, {"path": ""}, ValueError, "ModelCheckpoint path must be a non-empty"),
    (train.ModelCheckpoint, {"path": "a", "mode": "x"}, ValueError, "mode must be 'min' or 'max'"),
    (train.ModelCheckpoint, {"path": "a", "save_best_only": "no"}, ValueError,
     "save_best_only must be a bool, got 'no'"),
    (train.ModelCheckpoint, {"path": "a", "monitor": None}, ValueError, "monitor must be"),
    (train.CSVLogger, {"path": 3}, ValueError, "CSVLogger path must be a non-empty str or path"),
    (train.JSONLogger, {"path": "a", "append": None}, ValueError, "append must be a bool"),
    (train.NonFiniteGuard, {"action": "warn"}, ValueError, "action must be 'raise' or 'stop'"),
    (train.ProgressBar, {"enabled": "yes"}, ValueError, "enabled must be None or a bool"),
    (train.Callback().load_state_dict, {"state_dict": {"a": 1}}, ValueError,
     r"Callback keeps no state, got keys \['a'\]"),
    (train.EarlyStopping().load_state_dict, {"state_dict": {"wait": 1}}, ValueError,
     "EarlyStopping state needs keys"),
    # seeding, history
    (train.seeded_streams, {"seed": -1, "n": 2}, ValueError, "seed must be a non-negative int"),
    (train.seeded_streams, {"seed": True, "n": 2}, ValueError, "got True"),
    (train.seeded_streams, {"seed": 0, "n": 0}, ValueError, "n must be a positive int, got 0"),
    (train.History, {"records": [3]}, TypeError, "a history record must be a dict, got int"),
    (train.History.from_dict, {"data": {"format": "x"}}, ValueError, "not a netopt history"),
    (train.History.from_dict, {"data": {"format": "netopt.history", "version": 1}},
     ValueError, "'records' must be a list"),
    (train.History.from_dict, {"data": {"format": "netopt.history", "version": 1,
     "records": [1]}}, ValueError, "'records' must be a list"),
]
# fmt: on


@pytest.mark.parametrize(("fn", "kwargs", "exc", "message"), ROWS)
def test_errors(fn, kwargs, exc, message):
    with pytest.raises(exc, match=message):
        fn(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "exc", "message"),
    [
        ({"epoch": -1}, ValueError, "epoch must be a non-negative int or None, got -1"),
        ({"extra": {"o": object()}}, TypeError, "extra/o is a object, which JSON cannot hold"),
        ({"extra": {object(): 2}}, TypeError, "extra/key is a object"),
        ({"extra": {"__float__": 1}}, TypeError, "extra uses the reserved key '__float__'"),
        ({"extra": np.zeros(2, complex)}, TypeError, r"cannot store arrays \['extra \(complex128"),
    ],
)
def test_checkpoint_save_errors(tmp_path, kwargs, exc, message):
    with pytest.raises(exc, match=message):
        _save_to(tmp_path, **kwargs)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_checkpoint_save_into_a_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        checkpoint.save(tmp_path / "no" / "c.safetensors", nn.Linear(1, 1))
