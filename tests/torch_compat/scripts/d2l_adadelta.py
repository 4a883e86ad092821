# ruff: noqa: E741  (a tutorial script, kept as its authors wrote it)
# d2l.ai chapter 12.9 (Adadelta) and 12.10 (Adam): from scratch and the concise
# torch.optim versions, on a synthetic linear-regression set of airfoil's shape.
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(11)
features = torch.tensor(rng.standard_normal((1500, 5)), dtype=torch.float32)
true_w = torch.tensor([[2.0], [-3.4], [1.2], [0.5], [-0.7]])
labels = (
    features @ true_w
    + 4.2
    + torch.tensor(0.01 * rng.standard_normal((1500, 1)), dtype=torch.float32)
)
data_iter = DataLoader(TensorDataset(features, labels), batch_size=10)
init_w = torch.tensor(rng.normal(0, 0.01, (5, 1)), dtype=torch.float32)


def linreg(X, w, b):
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def init_adadelta_states(feature_dim):
    s_w, s_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    delta_w, delta_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    return ((s_w, delta_w), (s_b, delta_b))


def adadelta(params, states, hyperparams):
    rho, eps = hyperparams["rho"], 1e-5
    for p, (s, delta) in zip(params, states):
        with torch.no_grad():
            s[:] = rho * s + (1 - rho) * torch.square(p.grad)
            g = (torch.sqrt(delta + eps) / torch.sqrt(s + eps)) * p.grad
            p[:] -= g
            delta[:] = rho * delta + (1 - rho) * g * g
        p.grad.data.zero_()


def init_adam_states(feature_dim):
    v_w, v_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    s_w, s_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    return ((v_w, s_w), (v_b, s_b))


def adam(params, states, hyperparams):
    beta1, beta2, eps = 0.9, 0.999, 1e-6
    for p, (v, s) in zip(params, states):
        with torch.no_grad():
            v[:] = beta1 * v + (1 - beta1) * p.grad
            s[:] = beta2 * s + (1 - beta2) * torch.square(p.grad)
            v_bias_corr = v / (1 - beta1 ** hyperparams["t"])
            s_bias_corr = s / (1 - beta2 ** hyperparams["t"])
            p[:] -= hyperparams["lr"] * v_bias_corr / (torch.sqrt(s_bias_corr) + eps)
        p.grad.data.zero_()
    hyperparams["t"] += 1


def train_ch11(trainer_fn, states, hyperparams, num_epochs=2):
    w = init_w.clone().requires_grad_(True)
    b = torch.zeros((1), requires_grad=True)
    net, loss = lambda X: linreg(X, w, b), squared_loss
    for epoch in range(num_epochs):
        for X, y in data_iter:
            l = loss(net(X), y).mean()
            l.backward()
            trainer_fn([w, b], states, hyperparams)
        total = loss(net(features), labels).mean().item()
        print(f"epoch {epoch + 1}, loss: {total:.6f}")


def train_concise_ch11(trainer_fn, hyperparams, num_epochs=2):
    net = nn.Sequential(nn.Linear(5, 1))
    with torch.no_grad():
        net[0].weight.copy_(init_w.T)
        net[0].bias.zero_()
    optimizer = trainer_fn(net.parameters(), **hyperparams)
    loss = nn.MSELoss(reduction="none")
    for epoch in range(num_epochs):
        for X, y in data_iter:
            optimizer.zero_grad()
            out = net(X)
            y = y.reshape(out.shape)
            l = loss(out, y)
            l.mean().backward()
            optimizer.step()
        total = (loss(net(features), labels) / 2).mean().item()
        print(f"concise epoch {epoch + 1}, loss: {total:.6f}")


train_ch11(adadelta, init_adadelta_states(5), {"rho": 0.9})
train_concise_ch11(torch.optim.Adadelta, {"rho": 0.9})
train_ch11(adam, init_adam_states(5), {"lr": 0.01, "t": 1})
train_concise_ch11(torch.optim.Adam, {"lr": 0.01})
