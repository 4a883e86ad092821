# torch.optim.swa_utils as its docs use it: AveragedModel, SWALR after swa_start,
# update_bn over the loader; a model with BatchNorm on synthetic regression data.
import numpy as np
import torch
from torch import nn
from torch.optim.swa_utils import SWALR, AveragedModel, update_bn
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(13)
x = torch.tensor(rng.standard_normal((256, 4)), dtype=torch.float32)
y = (x @ torch.tensor([[1.0], [-2.0], [0.5], [0.0]])).squeeze(1) + 0.1
loader = DataLoader(TensorDataset(x, y), batch_size=32)

model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 1), nn.Flatten(0))
with torch.no_grad():
    for param in model.parameters():
        param.copy_(torch.tensor(rng.uniform(-0.5, 0.5, param.shape), dtype=torch.float32))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=10)
swa_model = AveragedModel(model)
swa_start = 5
swa_scheduler = SWALR(optimizer, swa_lr=0.02, anneal_epochs=3)
loss_fn = nn.MSELoss()

for epoch in range(10):
    for xb, yb in loader:
        optimizer.zero_grad()
        loss_fn(model(xb), yb).backward()
        optimizer.step()
    if epoch > swa_start:
        swa_model.update_parameters(model)
        swa_scheduler.step()
    else:
        scheduler.step()
    print(epoch, f"{loss_fn(model(x), y).item():.6f}", optimizer.param_groups[0]["lr"])

update_bn(loader, swa_model)
swa_model.eval()
with torch.no_grad():
    print("swa loss", f"{loss_fn(swa_model(x), y).item():.6f}", swa_model.n_averaged.item())
