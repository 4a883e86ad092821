# LBFGS with a closure, as in pytorch/examples time_sequence_prediction and the
# torch.optim docs: fit a small MLP to a smooth curve in full batch.
import numpy as np
import torch
from torch import nn

x = torch.linspace(-2, 2, 200).unsqueeze(1)
y = torch.sin(2 * x) + 0.3 * x**2
model = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1))
rng = np.random.default_rng(12)
with torch.no_grad():
    for param in model.parameters():
        param.copy_(torch.tensor(rng.uniform(-0.8, 0.8, param.shape), dtype=torch.float32))
criterion = nn.MSELoss()
optimizer = torch.optim.LBFGS(model.parameters(), lr=0.8)

for i in range(6):

    def closure():
        optimizer.zero_grad()
        out = model(x)
        loss = criterion(out, y)
        loss.backward()
        return loss

    loss = optimizer.step(closure)
    print("STEP:", i, "loss:", f"{loss.item():.6f}")
