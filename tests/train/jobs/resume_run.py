"""One leg of the exact-resume test: train straight, train the first half, or resume.

``python resume_run.py straight OUT N``: train N epochs from seed 0, checkpointing every epoch
to OUT. ``... first CKPT N``: the same, but only N/2 epochs, checkpointing to CKPT.
``... second CKPT OUT N``: build everything from another seed (so nothing survives but what
the checkpoint restores), load CKPT, train to epoch N, checkpointing to OUT. BLAS runs on one
thread, so the two ways must give bit-identical checkpoints at epoch N.
"""

import sys

import numpy as np
from threadpoolctl import threadpool_limits

from netopt import nn, optim, train
from netopt.data import DataLoader, GaussianNoise, TensorDataset
from netopt.optim import lr_scheduler


def build(seed):
    data = np.random.default_rng(100)
    x = data.normal(size=(120, 8)).astype(np.float32)
    y = (x[:, :3].argmax(axis=1)).astype(np.int64)
    init, shuffle, dropout, val_rng = train.seeded_streams(seed, 4)
    model = nn.Sequential(
        nn.Linear(8, 32, rng=init),
        nn.ReLU(),
        nn.Dropout(0.2, rng=dropout),
        nn.Linear(32, 3, rng=init),
    )
    opt = optim.Adam(model.parameters(), lr=0.05)
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5, threshold=0.2)
    loader = DataLoader(
        TensorDataset(x[:90], y[:90]), batch_size=16, shuffle=True, rng=shuffle,
        transform=GaussianNoise(0.1),
    )  # fmt: skip
    val = DataLoader(TensorDataset(x[90:], y[90:]), batch_size=16, rng=val_rng)
    es = train.EarlyStopping(patience=100, min_delta=0.5)
    return model, opt, sched, loader, val, es


def run(model, opt, sched, loader, val, es, epochs, out, **resume):
    return train.fit(
        model, nn.CrossEntropyLoss(), opt, loader, epochs=epochs, val_loader=val,
        scheduler=sched, metrics=["accuracy"],
        callbacks=[es, train.ModelCheckpoint(out)], **resume,
    )  # fmt: skip


def main(argv):
    mode, n = argv[1], int(argv[-1])
    if mode == "straight":
        run(*build(0), n, argv[2])
    elif mode == "first":
        run(*build(0), n // 2, argv[2])
    elif mode == "second":
        model, opt, sched, loader, val, es = build(1)
        ck = train.load_checkpoint(
            argv[2], model, opt, sched, train_loader=loader, val_loader=val, callbacks=[es]
        )
        run(
            model,
            opt,
            sched,
            loader,
            val,
            es,
            n,
            argv[3],
            initial_epoch=ck.epoch,
            history=ck.history,
        )
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    with threadpool_limits(limits=1):
        main(sys.argv)
