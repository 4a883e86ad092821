# ruff: noqa: B007  (a tutorial script, kept as its authors wrote it)
# pytorch/examples regression/main.py: fit a degree-4 polynomial with one Linear layer,
# smooth_l1_loss and manual updates through param.data (random draws from NumPy).
import numpy as np
import torch
import torch.nn.functional as F

POLY_DEGREE = 4
rng = np.random.default_rng(8)
W_target = torch.tensor(rng.standard_normal((POLY_DEGREE, 1)), dtype=torch.float) * 5
b_target = torch.tensor(rng.standard_normal(1), dtype=torch.float) * 5


def make_features(x):
    """Builds features i.e. a matrix with columns [x, x^2, x^3, x^4]."""
    x = x.unsqueeze(1)
    return torch.cat([x**i for i in range(1, POLY_DEGREE + 1)], 1)


def f(x):
    """Approximated function."""
    return x.mm(W_target) + b_target.item()


def poly_desc(W, b):
    """Creates a string description of a polynomial."""
    result = "y = "
    for i, w in enumerate(W):
        result += f"{w:+.2f} x^{i + 1} "
    result += f"{b[0]:+.2f}"
    return result


def get_batch(batch_size=32):
    """Builds a batch i.e. (x, f(x)) pair."""
    random = torch.tensor(rng.standard_normal(batch_size), dtype=torch.float)
    x = make_features(random)
    y = f(x)
    return x, y


fc = torch.nn.Linear(W_target.size(0), 1)
with torch.no_grad():
    fc.weight.copy_(torch.tensor(rng.uniform(-0.5, 0.5, (1, POLY_DEGREE)), dtype=torch.float))
    fc.bias.fill_(0.0)

for batch_idx in range(1, 400):
    batch_x, batch_y = get_batch()
    fc.zero_grad()
    output = F.smooth_l1_loss(fc(batch_x), batch_y)
    loss = output.item()
    output.backward()
    for param in fc.parameters():
        param.data.add_(-0.1 * param.grad)
    if loss < 1e-3:
        break

print(f"Loss: {loss:.6f} after {batch_idx} batches")
print("==> Learned function:\t" + poly_desc(fc.weight.view(-1), fc.bias))
print("==> Actual function:\t" + poly_desc(W_target.view(-1), b_target))
