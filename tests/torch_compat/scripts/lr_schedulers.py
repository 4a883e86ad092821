# ruff: noqa: B007  (a tutorial script, kept as its authors wrote it)
# The torch.optim.lr_scheduler docs' patterns: a scheduler per epoch, chained and
# sequential ones, ReduceLROnPlateau on a validation loss, printed learning rates.
import torch
from torch.optim import SGD
from torch.optim.lr_scheduler import (
    ChainedScheduler,
    ConstantLR,
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    CyclicLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    OneCycleLR,
    PolynomialLR,
    ReduceLROnPlateau,
    SequentialLR,
    StepLR,
)

model = torch.nn.Linear(2, 1)


def run(name, make, epochs=12):
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = make(optimizer)
    lrs = []
    for epoch in range(epochs):
        optimizer.step()
        lrs.append(round(scheduler.get_last_lr()[0], 8))
        scheduler.step()
    print(name, lrs)


run("StepLR", lambda o: StepLR(o, step_size=3, gamma=0.5))
run("MultiStepLR", lambda o: MultiStepLR(o, milestones=[2, 5, 9], gamma=0.3))
run("ExponentialLR", lambda o: ExponentialLR(o, gamma=0.8))
run("CosineAnnealingLR", lambda o: CosineAnnealingLR(o, T_max=5, eta_min=0.01))
run("WarmRestarts", lambda o: CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001))
run("LambdaLR", lambda o: LambdaLR(o, lr_lambda=lambda epoch: 0.95**epoch))
run("MultiplicativeLR", lambda o: MultiplicativeLR(o, lr_lambda=lambda epoch: 0.9))
run("LinearLR", lambda o: LinearLR(o, start_factor=0.25, total_iters=4))
run("ConstantLR", lambda o: ConstantLR(o, factor=0.5, total_iters=3))
run("PolynomialLR", lambda o: PolynomialLR(o, total_iters=8, power=2.0))
run("OneCycleLR", lambda o: OneCycleLR(o, max_lr=1.0, total_steps=12))
run("CyclicLR", lambda o: CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3))
run("CyclicLR-tri2", lambda o: CyclicLR(o, 0.01, 0.1, step_size_up=2, mode="triangular2"))
run("CyclicLR-exp", lambda o: CyclicLR(o, 0.01, 0.1, step_size_up=2, mode="exp_range", gamma=0.9))
run(
    "Chained",
    lambda o: ChainedScheduler([ConstantLR(o, factor=0.1, total_iters=2), ExponentialLR(o, 0.9)]),
)
run(
    "Sequential",
    lambda o: SequentialLR(
        o,
        schedulers=[ConstantLR(o, factor=0.1, total_iters=2), ExponentialLR(o, gamma=0.9)],
        milestones=[2],
    ),
)

optimizer = SGD(model.parameters(), lr=0.1)
scheduler = ReduceLROnPlateau(optimizer, "min", patience=2, factor=0.5)
for epoch, val_loss in enumerate([1.0, 0.9, 0.95, 0.97, 0.99, 0.85, 0.86, 0.87, 0.88, 0.89]):
    optimizer.step()
    scheduler.step(val_loss)
    print(epoch, scheduler.get_last_lr())
