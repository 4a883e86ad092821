"""The training steps compared by ``peers.py``: one workload, six systems.

A workload is an MLP (layer sizes, ReLU or tanh between layers, softmax cross-entropy),
a batch size and an optimizer (SGD lr 0.01 momentum 0.9, or Adam lr 1e-3), on float32.
Every builder starts from the same weights (torch's default ``Linear`` draw) and returns
``(step, params)``: ``step()`` runs one training step (or one epoch, for the digits
workload), ``params()`` returns the parameters as NumPy arrays (for the agreement check).

- ``netopt``: the public API as a user writes it (``nn.Sequential``, ``F.cross_entropy``,
  ``optim.SGD``/``optim.Adam``, ``zero_grad``/``backward``/``step``).
- ``netopt captured``: the same model, loss and optimizer through
  ``netopt.train.capture_step`` (replayed as NumPy calls into buffers after the first
  call of each batch shape; bit-identical to ``netopt``); ``netopt captured fused``: the
  same with the optimizer's ``fused=True`` (the compiled update at every size, numba);
  ``netopt fit`` / ``netopt fit fused``: the captured step inside ``fit``'s threading policy,
  which is what ``fit`` runs.
- ``netopt numpy-opt``: the same without the fused optimizer loops (the NumPy kernels);
  ``netopt fit-policy``: the same inside ``fit``'s BLAS threading policy (one thread when
  every product is small, set before and restored after each call); ``netopt adaptive``:
  each step through ``fit(blas_threads="adaptive")``'s policy (timed; its probes happen
  inside the timed blocks, as in training); ``netopt 1-thread``: every step on one thread.
- ``floor``: hand-written NumPy into preallocated buffers, parameters and gradients views
  of flat buffers, the optimizer as whole-array operations (no autograd, no objects).
- ``torch``: PyTorch eager; ``torch.compile``: the model and loss compiled by
  ``torch.compile`` (inductor), backward through the compiled graph, optimizer eager.
- ``jax``: ``jax.jit`` over the whole step (forward, ``optax`` softmax cross-entropy,
  ``value_and_grad``, ``optax`` update), parameters and optimizer state donated; blocking
  (``block_until_ready`` after every step) and pipelined (``block_until_ready`` once per
  call of ``PIPELINE`` steps: the time per step JAX's asynchronous dispatch reaches).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

LR = {"sgd": 0.01, "adam": 1e-3}
MOMENTUM = 0.9
PIPELINE = 8  # steps per call of the pipelined JAX contender


@dataclass(frozen=True)
class Workload:
    name: str
    sizes: tuple[int, ...]
    batch: int
    act: str = "relu"
    opt: str = "sgd"
    epoch: bool = False  # one epoch over DIGITS_N samples instead of one step

    def weights(self, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
        rng = np.random.default_rng(seed)
        out = []
        for a, b in itertools.pairwise(self.sizes):
            bound = 1 / np.sqrt(a)
            out.append(
                (
                    rng.uniform(-bound, bound, (b, a)).astype(np.float32),
                    rng.uniform(-bound, bound, b).astype(np.float32),
                )
            )
        return out

    def batches(self, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
        """One batch, or the digits epoch's batches (fixed order, last one short)."""
        if not self.epoch:
            rng = np.random.default_rng(seed)
            x = rng.standard_normal((self.batch, self.sizes[0]), dtype=np.float32)
            return [(x, rng.integers(0, self.sizes[-1], self.batch).astype(np.int64))]
        from sklearn.datasets import load_digits

        d = load_digits()
        perm = np.random.default_rng(seed).permutation(len(d.target))[:DIGITS_N]
        x = (d.data[perm] / 16).astype(np.float32)
        y = d.target[perm].astype(np.int64)
        return [(x[i : i + self.batch], y[i : i + self.batch]) for i in range(0, DIGITS_N, 32)]


DIGITS_N = 1347
WORKLOADS = (
    Workload("64-128-128-10 @32 SGD-m", (64, 128, 128, 10), 32),
    Workload("784-512-512-10 @128 SGD-m", (784, 512, 512, 10), 128),
    Workload("784-512-512-10 @128 Adam", (784, 512, 512, 10), 128, opt="adam"),
    Workload("784-512-512-10 @1024 SGD-m", (784, 512, 512, 10), 1024),
    Workload("784-512-512-10 @1024 Adam", (784, 512, 512, 10), 1024, opt="adam"),
    Workload("10 tanh x 64 @32 SGD-m", (64,) * 11 + (10,), 32, act="tanh"),
    Workload("digits epoch @32 Adam", (64, 128, 10), 32, opt="adam", epoch=True),
)


# --------------------------------------------------------------------------- netopt
def netopt_step(
    w: Workload,
    fused: bool = True,
    policy: bool | str = False,
    captured: bool = False,
    opt_fused: bool | None = None,
):
    import netopt
    import netopt.nn.functional as F
    from netopt import nn
    from netopt.optim import _fused

    layers = []
    for i, (wt, b) in enumerate(w.weights()):
        lin = nn.Linear(wt.shape[1], wt.shape[0])
        with netopt.no_grad():
            lin.weight.data[...] = wt
            lin.bias.data[...] = b
        layers.append(lin)
        if i < len(w.sizes) - 2:
            layers.append(nn.ReLU() if w.act == "relu" else nn.Tanh())
    model = nn.Sequential(*layers)
    if w.opt == "sgd":
        opt = netopt.optim.SGD(model.parameters(), lr=LR["sgd"], momentum=MOMENTUM, fused=opt_fused)
    else:
        opt = netopt.optim.Adam(model.parameters(), lr=LR["adam"], fused=opt_fused)
    data = [(netopt.tensor(x), netopt.tensor(y)) for x, y in w.batches()]

    def step() -> None:
        _fused.ENABLED = fused
        for xb, yb in data:
            opt.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            opt.step()
        _fused.ENABLED = True

    if captured:
        from netopt.train import capture_step

        one = capture_step(model, F.cross_entropy, opt)

        def step() -> None:
            for xb, yb in data:
                one(xb, yb)

    if policy == "adaptive":
        from netopt.train.threads import threads_for

        if threads_for(model, w.batch) is not None:  # small products: one thread, as fit
            policy = True
    if policy == "adaptive":  # fit(blas_threads="adaptive"): the policy times every step
        from netopt.train.adaptive_threads import AdaptiveThreads

        adaptive, plain = AdaptiveThreads(), step

        def step() -> None:
            try:
                adaptive.run(plain)
            finally:
                adaptive.close()  # the other contenders run at the process's count

    elif policy:  # fit's threading policy (netopt.train.threads) around every call
        from threadpoolctl import ThreadpoolController

        from netopt.train.threads import threads_for

        limit = 1 if policy == "one" else threads_for(model, w.batch)
        libs = [c for c in ThreadpoolController().lib_controllers if c.user_api == "blas"]
        plain = step

        def step() -> None:
            before = [c.num_threads for c in libs]
            if limit is not None:
                for c in libs:
                    c.set_num_threads(limit)
            try:
                plain()
            finally:
                if limit is not None:
                    for c, n in zip(libs, before, strict=True):
                        c.set_num_threads(n)

    return step, lambda: [p.detach().numpy().copy() for p in model.parameters()]


# --------------------------------------------------------------------------- NumPy floor
class Floor:
    """The step by hand in NumPy, allocation-free (see ``mlp_step.NumpyMLP``), any act/opt."""

    def __init__(self, w: Workload) -> None:
        f32 = np.float32
        weights = w.weights()
        n = sum(a.size + b.size for a, b in weights)
        self.theta, self.grad = np.empty(n, f32), np.zeros(n, f32)
        self.m, self.v, self.tmp = np.zeros(n, f32), np.zeros(n, f32), np.empty(n, f32)
        self.W, self.b, self.gW, self.gb = [], [], [], []
        off = 0
        for a, b in weights:
            for src, ps, gs in ((a, self.W, self.gW), (b, self.b, self.gb)):
                ps.append(self.theta[off : off + src.size].reshape(src.shape))
                ps[-1][...] = src
                gs.append(self.grad[off : off + src.size].reshape(src.shape))
                off += src.size
        self.act, self.opt, self.t = w.act, w.opt, 0
        self.lr = f32(LR[w.opt])
        self.bufs: dict[int, tuple] = {}

    def _buffers(self, batch: int) -> tuple:
        if batch not in self.bufs:
            outs = [w.shape[0] for w in self.W]
            a = [np.empty((batch, m), np.float32) for m in outs]
            g = [np.empty((batch, m), np.float32) for m in outs]
            col = np.empty((batch, 1), np.float32)
            self.bufs[batch] = (a, g, col, np.empty((batch, 1), np.float32), np.arange(batch))
        return self.bufs[batch]

    def step(self, x: np.ndarray, y: np.ndarray) -> None:
        a, g, rowmax, rowsum, rows = self._buffers(len(x))
        last = len(self.W) - 1
        prev = x
        for i in range(last + 1):
            np.matmul(prev, self.W[i].T, out=a[i])
            a[i] += self.b[i]
            if i < last:
                (np.maximum(a[i], 0, out=a[i]) if self.act == "relu" else np.tanh(a[i], out=a[i]))
            prev = a[i]
        z, p = a[last], g[last]
        np.max(z, axis=1, keepdims=True, out=rowmax)
        np.subtract(z, rowmax, out=p)
        np.exp(p, out=p)
        np.sum(p, axis=1, keepdims=True, out=rowsum)
        np.divide(p, rowsum, out=p)
        p[rows, y] -= 1
        p *= np.float32(1 / len(x))
        for i in range(last, -1, -1):
            prev = x if i == 0 else a[i - 1]
            np.matmul(g[i].T, prev, out=self.gW[i])
            np.sum(g[i], axis=0, out=self.gb[i])
            if i > 0:
                np.matmul(g[i], self.W[i], out=g[i - 1])
                if self.act == "relu":
                    g[i - 1][prev <= 0] = 0
                else:
                    g[i - 1] *= 1 - prev * prev
        self._update()

    def _update(self) -> None:
        th, gr, m, v, tmp = self.theta, self.grad, self.m, self.v, self.tmp
        if self.opt == "sgd":  # v = mu v + g; theta -= lr v
            m *= np.float32(MOMENTUM)
            m += gr
            np.multiply(m, self.lr, out=tmp)
            th -= tmp
            return
        self.t += 1  # Adam, torch's order of operations
        m *= np.float32(0.9)
        np.multiply(gr, np.float32(0.1), out=tmp)
        m += tmp
        v *= np.float32(0.999)
        np.multiply(gr, gr, out=tmp)
        tmp *= np.float32(0.001)
        v += tmp
        np.sqrt(v, out=tmp)
        tmp /= np.float32((1 - 0.999**self.t) ** 0.5)
        tmp += np.float32(1e-8)
        np.divide(m, tmp, out=tmp)
        tmp *= np.float32(-self.lr / (1 - 0.9**self.t))
        th += tmp

    def params(self) -> list[np.ndarray]:
        return [t.copy() for pair in zip(self.W, self.b, strict=True) for t in pair]


def floor_step(w: Workload):
    net, data = Floor(w), w.batches()

    def step() -> None:
        for x, y in data:
            net.step(x, y)

    return step, net.params


# --------------------------------------------------------------------------- torch
def torch_step(w: Workload, compiled: bool = False):
    import torch

    layers = []
    for i, (wt, b) in enumerate(w.weights()):
        lin = torch.nn.Linear(wt.shape[1], wt.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(wt))
            lin.bias.copy_(torch.from_numpy(b))
        layers.append(lin)
        if i < len(w.sizes) - 2:
            layers.append(torch.nn.ReLU() if w.act == "relu" else torch.nn.Tanh())
    model = torch.nn.Sequential(*layers)
    if w.opt == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=LR["sgd"], momentum=MOMENTUM)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=LR["adam"])
    ce = torch.nn.functional.cross_entropy

    def loss_of(x, y):
        return ce(model(x), y)

    loss_fn = torch.compile(loss_of, dynamic=False) if compiled else loss_of
    data = [(torch.from_numpy(x.copy()), torch.from_numpy(y.copy())) for x, y in w.batches()]

    def step() -> None:
        for x, y in data:
            opt.zero_grad()
            loss_fn(x, y).backward()
            opt.step()

    return step, lambda: [p.detach().numpy().copy() for p in model.parameters()]


# --------------------------------------------------------------------------- JAX
def jax_step(w: Workload, pipelined: bool = False):
    import jax
    import jax.numpy as jnp
    import optax

    last = len(w.sizes) - 2
    act = jax.nn.relu if w.act == "relu" else jnp.tanh
    if w.opt == "sgd":
        tx = optax.sgd(LR["sgd"], momentum=MOMENTUM)
    else:
        tx = optax.adam(LR["adam"])

    def loss_fn(params, x, y):
        h = x
        for i, (wt, b) in enumerate(params):
            h = h @ wt.T + b
            if i < last:
                h = act(h)
        return optax.softmax_cross_entropy_with_integer_labels(h, y).mean()

    def train_step(params, opt_state, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    jstep = jax.jit(train_step, donate_argnums=(0, 1))
    state = {"params": [(jnp.asarray(a), jnp.asarray(b)) for a, b in w.weights()]}
    state["opt"] = tx.init(state["params"])
    data = [(jnp.asarray(x), jnp.asarray(y.astype(np.int32))) for x, y in w.batches()]
    repeat = PIPELINE if pipelined else 1

    def step() -> None:
        params, opt_state = state["params"], state["opt"]
        for _ in range(repeat):
            for x, y in data:
                params, opt_state, loss = jstep(params, opt_state, x, y)
                if not pipelined:
                    loss.block_until_ready()
        jax.block_until_ready(params)
        state["params"], state["opt"] = params, opt_state

    def params():
        return [np.asarray(t) for pair in state["params"] for t in pair]

    return step, params


#: contender -> (builder, steps per call)
BUILDERS = {
    "netopt": (netopt_step, 1),
    "netopt captured": (lambda w: netopt_step(w, captured=True), 1),
    "netopt captured fused": (lambda w: netopt_step(w, captured=True, opt_fused=True), 1),
    "netopt fit": (lambda w: netopt_step(w, captured=True, policy=True), 1),
    "netopt fit fused": (lambda w: netopt_step(w, captured=True, policy=True, opt_fused=True), 1),
    "netopt numpy-opt": (lambda w: netopt_step(w, fused=False), 1),
    "netopt fit-policy": (lambda w: netopt_step(w, policy=True), 1),
    "netopt adaptive": (lambda w: netopt_step(w, policy="adaptive"), 1),
    "netopt 1-thread": (lambda w: netopt_step(w, policy="one"), 1),
    "floor": (floor_step, 1),
    "torch": (torch_step, 1),
    "torch.compile": (lambda w: torch_step(w, compiled=True), 1),
    "jax": (jax_step, 1),
    "jax pipelined": (lambda w: jax_step(w, pipelined=True), PIPELINE),
}
