# pytorch/tutorials examples_nn/polynomial_module.py: a custom nn.Module, SGD.
import math

import numpy as np
import torch


class Polynomial3(torch.nn.Module):
    def __init__(self, init):
        super().__init__()
        self.a = torch.nn.Parameter(torch.tensor(init[0], dtype=torch.float))
        self.b = torch.nn.Parameter(torch.tensor(init[1], dtype=torch.float))
        self.c = torch.nn.Parameter(torch.tensor(init[2], dtype=torch.float))
        self.d = torch.nn.Parameter(torch.tensor(init[3], dtype=torch.float))

    def forward(self, x):
        return self.a + self.b * x + self.c * x**2 + self.d * x**3

    def string(self):
        return (
            f"y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3"
        )


x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

model = Polynomial3(np.random.default_rng(4).standard_normal(4))
criterion = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
for t in range(2000):
    y_pred = model(x)
    loss = criterion(y_pred, y)
    if t % 100 == 99:
        print(t, loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

print(f"Result: {model.string()}")
