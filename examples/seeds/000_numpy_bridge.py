# Seed 000: tensor <-> numpy. numpy() and from_numpy() share memory; torch.tensor(ndarray) copies.
# The note gives the calls only; concrete inputs are stand-ins.
import numpy as np
import torch

a = torch.ones(5)
b = a.numpy()
print(a, b)
a += 1
print(a, b)
b += 1
print(a, b)

a = np.ones(5)
b = torch.from_numpy(a)
print(a, b)
a += 1
print(a, b)
b += 1
print(a, b)

c = torch.tensor(a)
a += 1
print(a, c)

# tensor on GPU: to() moves between CPU and GPU
x = torch.ones(2)
if torch.cuda.is_available():
    device = torch.device("cuda")
    y = torch.ones_like(x, device=device)
    x = x.to(device)
    z = x + y
    print(z)
    print(z.to("cpu", torch.double))
print(torch.cuda.is_available())
