"""One MLP training step (forward, cross-entropy, backward, SGD with momentum 0.9).

Three contenders, built from the same initial weights and fed the same float32 batch:

- ``netopt``: the public API exactly as a user writes it: ``nn.Sequential(nn.Linear,
  nn.ReLU, ...)``, ``nn.functional.cross_entropy``, ``optim.SGD(lr, momentum=0.9)``,
  ``opt.zero_grad(); loss.backward(); opt.step()``.
- ``netopt captured``: the same model, loss and optimizer through
  ``netopt.train.capture_step`` (the step replayed as NumPy calls into buffers after
  the first call; bit-identical to ``netopt``).
- ``torch``: the same program in PyTorch eager mode (default ``torch.optim.SGD``, which on
  CPU is the per-parameter for-loop implementation).
- ``floor``: what NumPy alone can do: a hand-written forward and backward into
  preallocated buffers (``np.matmul(..., out=...)``), every parameter a view of one flat
  buffer and every gradient a view of one flat gradient buffer, and the momentum update as
  whole-array operations on those flat buffers. No autograd, no Python objects per step.

Before timing, :func:`check_agreement` runs three steps of each and compares the
parameters, so the three compute the same thing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from common import Settings, Timing, compare, progress

LR, MOMENTUM = 0.01, 0.9

#: (name, layer sizes, batch) of the issue's training-step table.
STEP_CONFIGS: tuple[tuple[str, tuple[int, ...], int], ...] = (
    ("64-128-128-10 @32", (64, 128, 128, 10), 32),
    ("40-100-100-10 @100", (40, 100, 100, 10), 100),
    ("784-512-512-10 @128", (784, 512, 512, 10), 128),
    ("784-512-512-10 @1024", (784, 512, 512, 10), 1024),
)


def step_flops(sizes: Sequence[int], batch: int) -> int:
    """Multiply-add FLOPs (2mnk per matmul) of one step: forward, gW, and gx but the first."""
    pairs = list(itertools.pairwise(sizes))
    forward = sum(2 * batch * a * b for a, b in pairs)
    grad_w = forward
    grad_x = sum(2 * batch * a * b for a, b in pairs[1:])
    return forward + grad_w + grad_x


def make_batch(sizes: Sequence[int], batch: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, sizes[0]), dtype=np.float32)
    y = rng.integers(0, sizes[-1], batch).astype(np.int64)
    return x, y


def initial_weights(sizes: Sequence[int], seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """PyTorch's default ``Linear`` initialization, drawn once and shared by all three."""
    rng = np.random.default_rng(seed)
    out = []
    for a, b in itertools.pairwise(sizes):
        bound = 1 / np.sqrt(a)
        w = rng.uniform(-bound, bound, (b, a)).astype(np.float32)
        bias = rng.uniform(-bound, bound, b).astype(np.float32)
        out.append((w, bias))
    return out


# --------------------------------------------------------------------------- netopt
def netopt_model(weights, lr: float = LR, momentum: float = MOMENTUM):
    import netopt
    from netopt import nn

    layers = []
    for i, (w, b) in enumerate(weights):
        layer = nn.Linear(w.shape[1], w.shape[0])
        with netopt.no_grad():
            layer.weight.data[...] = w
            layer.bias.data[...] = b
        layers.append(layer)
        if i < len(weights) - 1:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    opt = netopt.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    return model, opt


def netopt_step(weights, x: np.ndarray, y: np.ndarray) -> tuple[Callable[[], object], Callable]:
    """A closure running one netopt step, and one returning the parameters as arrays."""
    import netopt
    import netopt.nn.functional as F

    model, opt = netopt_model(weights)
    xb, yb = netopt.tensor(x), netopt.tensor(y)

    def step() -> None:
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()

    def params() -> list[np.ndarray]:
        return [p.detach().numpy().copy() for p in model.parameters()]

    return step, params


def netopt_captured_step(
    weights, x: np.ndarray, y: np.ndarray
) -> tuple[Callable[[], object], Callable]:
    """``netopt_step`` through ``netopt.train.capture_step``."""
    import netopt
    import netopt.nn.functional as F
    from netopt.train import capture_step

    model, opt = netopt_model(weights)
    step = capture_step(model, F.cross_entropy, opt)
    xb, yb = netopt.tensor(x), netopt.tensor(y)

    def params() -> list[np.ndarray]:
        return [p.detach().numpy().copy() for p in model.parameters()]

    return (lambda: step(xb, yb)), params


# --------------------------------------------------------------------------- torch
def torch_step(weights, x: np.ndarray, y: np.ndarray) -> tuple[Callable[[], object], Callable]:
    import torch

    layers = []
    for i, (w, b) in enumerate(weights):
        layer = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(w))
            layer.bias.copy_(torch.from_numpy(b))
        layers.append(layer)
        if i < len(weights) - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    xb, yb = torch.from_numpy(x.copy()), torch.from_numpy(y.copy())
    cross_entropy = torch.nn.functional.cross_entropy

    def step() -> None:
        opt.zero_grad()
        loss = cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()

    def params() -> list[np.ndarray]:
        return [p.detach().numpy().copy() for p in model.parameters()]

    return step, params


# --------------------------------------------------------------------------- NumPy floor
class NumpyMLP:
    """A ReLU MLP with softmax cross-entropy and SGD momentum, by hand, allocation-free.

    Parameters ``[W1, b1, W2, b2, ...]`` (``W`` of shape ``(out, in)`` as torch) are views
    of one flat float32 buffer ``theta``; their gradients are views of ``grad``; the
    momentum buffer ``v`` is flat. Every activation and backward buffer is allocated once
    for the batch size; a step allocates only a handful of tiny temporaries.
    """

    def __init__(
        self,
        weights,
        batch: int,
        lr: float = LR,
        momentum: float = MOMENTUM,
    ) -> None:
        f32 = np.float32
        self.lr, self.momentum = f32(lr), f32(momentum)
        n = sum(w.size + b.size for w, b in weights)
        self.theta = np.empty(n, f32)
        self.grad = np.zeros(n, f32)
        self.v = np.zeros(n, f32)
        self.tmp = np.empty(n, f32)
        self.W, self.b, self.gW, self.gb = [], [], [], []
        offset = 0
        for w, b in weights:
            for src, params, grads in ((w, self.W, self.gW), (b, self.b, self.gb)):
                view = self.theta[offset : offset + src.size].reshape(src.shape)
                view[...] = src
                params.append(view)
                grads.append(self.grad[offset : offset + src.size].reshape(src.shape))
                offset += src.size
        outs = [w.shape[0] for w, _ in weights]
        self.a = [np.empty((batch, m), f32) for m in outs]  # post-activation (logits last)
        self.g = [np.empty((batch, m), f32) for m in outs]  # dL/d(pre-activation)
        self.mask = [np.empty((batch, m), bool) for m in outs[:-1]]
        self.rowmax = np.empty((batch, 1), f32)
        self.rowsum = np.empty((batch, 1), f32)
        self.rows = np.arange(batch)
        self.inv_batch = f32(1.0 / batch)
        self.loss = 0.0

    def step(self, x: np.ndarray, y: np.ndarray) -> None:
        last = len(self.W) - 1
        # forward: a_l = relu(a_{l-1} W_l^T + b_l), logits without the relu
        prev = x
        for i, (w, b, a) in enumerate(zip(self.W, self.b, self.a, strict=True)):
            np.matmul(prev, w.T, out=a)
            a += b
            if i < last:
                np.maximum(a, 0, out=a)
            prev = a
        # softmax cross-entropy, mean over the batch; g_L = (softmax - onehot) / B
        z, p = self.a[last], self.g[last]
        np.max(z, axis=1, keepdims=True, out=self.rowmax)
        np.subtract(z, self.rowmax, out=p)
        picked = p[self.rows, y]  # z_y - max, for the loss value
        np.exp(p, out=p)
        np.sum(p, axis=1, keepdims=True, out=self.rowsum)
        self.loss = float(np.log(self.rowsum[:, 0]).sum() - picked.sum()) * float(self.inv_batch)
        np.divide(p, self.rowsum, out=p)
        p[self.rows, y] -= 1
        p *= self.inv_batch
        # backward
        for i in range(last, -1, -1):
            g = self.g[i]
            prev = x if i == 0 else self.a[i - 1]
            np.matmul(g.T, prev, out=self.gW[i])
            np.sum(g, axis=0, out=self.gb[i])
            if i > 0:
                gp = self.g[i - 1]
                np.matmul(g, self.W[i], out=gp)
                np.greater(prev, 0, out=self.mask[i - 1])
                np.multiply(gp, self.mask[i - 1], out=gp)
        # SGD with momentum on the flat buffers: v = m v + g; theta -= lr v
        np.multiply(self.v, self.momentum, out=self.v)
        np.add(self.v, self.grad, out=self.v)
        np.multiply(self.v, self.lr, out=self.tmp)
        np.subtract(self.theta, self.tmp, out=self.theta)

    def parameters(self) -> list[np.ndarray]:
        out = []
        for w, b in zip(self.W, self.b, strict=True):
            out += [w.copy(), b.copy()]
        return out


def floor_step(weights, x: np.ndarray, y: np.ndarray) -> tuple[Callable[[], object], Callable]:
    net = NumpyMLP(weights, x.shape[0])
    xb, yb = x.copy(), y.copy()
    return (lambda: net.step(xb, yb)), net.parameters


BUILDERS = {
    "netopt": netopt_step,
    "torch": torch_step,
    "floor": floor_step,
    "netopt captured": netopt_captured_step,
}


def contenders(captured: bool = False) -> tuple[str, ...]:
    """The contenders this environment can run (PyTorch only where installed); the
    captured step only when asked (``memory.py`` measures the first three)."""
    names = ["netopt", "torch", "floor"] + (["netopt captured"] if captured else [])
    try:
        import torch  # noqa: F401
    except ImportError:
        names.remove("torch")
    return tuple(names)


# --------------------------------------------------------------------------- runs
def check_agreement(sizes: Sequence[int] = (64, 128, 128, 10), batch: int = 32) -> dict:
    """Run 3 steps of each contender from the same start; max |param difference| vs netopt."""
    weights = initial_weights(sizes)
    x, y = make_batch(sizes, batch)
    finals = {}
    for name in contenders(captured=True):
        step, params = BUILDERS[name](weights, x, y)
        for _ in range(3):
            step()
        finals[name] = params()
    scale = max(float(np.abs(p).max()) for p in finals["netopt"])
    return {
        name: max(
            float(np.abs(a - b).max()) / scale
            for a, b in zip(finals["netopt"], finals[name], strict=True)
        )
        for name in finals
        if name != "netopt"
    }


@dataclass
class StepResult:
    name: str
    sizes: tuple[int, ...]
    batch: int
    timings: dict[str, Timing]
    ratios: dict[tuple[str, str], float]

    @property
    def flops(self) -> int:
        return step_flops(self.sizes, self.batch)

    def gflops(self, who: str) -> float:
        return self.flops / self.timings[who].median / 1e9

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "sizes": list(self.sizes),
            "batch": self.batch,
            "flops": self.flops,
            "median_s": {k: t.median for k, t in self.timings.items()},
            "best_s": {k: t.best for k, t in self.timings.items()},
            "rounds_s": {k: t.per_step for k, t in self.timings.items()},
            "steps_per_block": {k: t.steps for k, t in self.timings.items()},
            "torch_over_netopt": self.ratios.get(("torch", "netopt")),
            "floor_over_netopt": self.ratios.get(("floor", "netopt")),
        }


def measure(
    name: str,
    sizes: Sequence[int],
    batch: int,
    settings: Settings,
) -> StepResult:
    progress(f"training step {name}")
    weights = initial_weights(sizes)
    x, y = make_batch(sizes, batch)
    fns = {who: BUILDERS[who](weights, x, y)[0] for who in contenders(captured=True)}
    timings, ratios = compare(fns, settings)
    return StepResult(name, tuple(sizes), batch, timings, ratios)


def scaling_configs(quick: bool) -> list[tuple[str, tuple[int, ...], int]]:
    batches = (32, 128, 1024) if quick else (32, 64, 128, 256, 512, 1024)
    widths = (128, 1024) if quick else (128, 256, 512, 1024)
    out = [(f"784-512-512-10 @{b}", (784, 512, 512, 10), b) for b in batches]
    out += [(f"784-{w}-{w}-10 @128", (784, w, w, 10), 128) for w in widths if w != 512]
    return out
