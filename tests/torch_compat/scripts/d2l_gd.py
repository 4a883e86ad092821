# ruff: noqa: B007  (a tutorial script, kept as its authors wrote it)
# d2l.ai chapter 12 (optimization): gradient descent in 1-D and 2-D, learning-rate
# schedules for SGD, momentum, AdaGrad and RMSProp from scratch, with tensors (the
# chapter's noise replaced by a fixed NumPy stream).
import math

import numpy as np
import torch


def f(x):
    return x**2


def f_grad(x):
    return 2 * x


def gd(eta, f_grad):
    x = 10.0
    results = [x]
    for i in range(10):
        x -= eta * f_grad(x)
        results.append(float(x))
    print(f"epoch 10, x: {x:f}")
    return results


results = gd(0.2, f_grad)
gd(0.05, f_grad)
gd(1.1, f_grad)

c = torch.tensor(0.15 * np.pi)


def f_nc(x):
    return x * torch.cos(c * x)


def f_nc_grad(x):
    return torch.cos(c * x) - c * x * torch.sin(c * x)


gd(2, f_nc_grad)


def train_2d(trainer, steps=20, f_grad=None):
    x1, x2, s1, s2 = -5, -2, 0, 0
    results = [(x1, x2)]
    for i in range(steps):
        if f_grad:
            x1, x2, s1, s2 = trainer(x1, x2, s1, s2, f_grad)
        else:
            x1, x2, s1, s2 = trainer(x1, x2, s1, s2)
        results.append((x1, x2))
    print(f"epoch {i + 1}, x1: {float(x1):f}, x2: {float(x2):f}")
    return results


def f_2d(x1, x2):
    return x1**2 + 2 * x2**2


def f_2d_grad(x1, x2):
    return (2 * x1, 4 * x2)


def gd_2d(x1, x2, s1, s2, f_grad):
    g1, g2 = f_grad(x1, x2)
    return (x1 - eta * g1, x2 - eta * g2, 0, 0)


eta = 0.1
train_2d(gd_2d, f_grad=f_2d_grad)

noise = iter(torch.tensor(np.random.default_rng(10).normal(0.0, 1.0, (400,)), dtype=torch.float32))


def sgd(x1, x2, s1, s2, f_grad):
    g1, g2 = f_grad(x1, x2)
    g1 += next(noise)
    g2 += next(noise)
    eta_t = eta * lr()
    return (x1 - eta_t * g1, x2 - eta_t * g2, 0, 0)


def constant_lr():
    return 1


lr = constant_lr
train_2d(sgd, steps=50, f_grad=f_2d_grad)

t = 1


def exponential_lr():
    global t
    t += 1
    return math.exp(-0.1 * t)


lr = exponential_lr
train_2d(sgd, steps=50, f_grad=f_2d_grad)

t = 1


def polynomial_lr():
    global t
    t += 1
    return (1 + 0.1 * t) ** (-0.5)


lr = polynomial_lr
train_2d(sgd, steps=50, f_grad=f_2d_grad)


def f_2d_m(x1, x2):
    return 0.1 * x1**2 + 2 * x2**2


def momentum_2d(x1, x2, v1, v2):
    v1 = beta * v1 + 0.2 * x1
    v2 = beta * v2 + 4 * x2
    return x1 - eta * v1, x2 - eta * v2, v1, v2


eta, beta = 0.6, 0.5
train_2d(momentum_2d)
eta, beta = 0.6, 0.25
train_2d(momentum_2d)


def adagrad_2d(x1, x2, s1, s2):
    eps = 1e-6
    g1, g2 = 0.2 * x1, 4 * x2
    s1 += g1**2
    s2 += g2**2
    x1 -= eta / math.sqrt(s1 + eps) * g1
    x2 -= eta / math.sqrt(s2 + eps) * g2
    return x1, x2, s1, s2


eta = 0.4
train_2d(adagrad_2d)
eta = 2
train_2d(adagrad_2d)


def rmsprop_2d(x1, x2, s1, s2):
    g1, g2, eps = 0.2 * x1, 4 * x2, 1e-6
    s1 = gamma * s1 + (1 - gamma) * g1**2
    s2 = gamma * s2 + (1 - gamma) * g2**2
    x1 -= eta / math.sqrt(s1 + eps) * g1
    x2 -= eta / math.sqrt(s2 + eps) * g2
    return x1, x2, s1, s2


eta, gamma = 0.4, 0.9
train_2d(rmsprop_2d)

w = torch.zeros((3, 1), requires_grad=True)
x = torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0], [2.0, 0.0, -1.0], [1.5, 1.0, 0.5]])
y = torch.tensor([[1.0], [0.0], [2.0], [1.0]])
states = torch.zeros((3, 1))
for step in range(20):
    loss = ((x @ w - y) ** 2 / 2).mean()
    loss.backward()
    with torch.no_grad():
        states[:] = 0.9 * states + 0.1 * torch.square(w.grad)
        w[:] -= 0.01 * w.grad / torch.sqrt(states + 1e-6)
    w.grad.data.zero_()
print(f"rmsprop from scratch: loss {loss.item():.6f}, w {w.detach().reshape(-1).tolist()}")
