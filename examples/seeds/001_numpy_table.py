# Seed 001, 2.4.10: the PyTorch <-> NumPy correspondence table, each torch entry called once.
# The table has no data; concrete inputs are stand-ins.
# conformance: needs floor, Tensor.lt
import torch
import numpy as np
x = torch.tensor([3.2,4.3], dtype=torch.float16)
print(x)
print(np.array([3.2,4.3],dtype=np.float16))
print(x.clone())
m = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
print(torch.mm(m, m))
print(m.dim(), m.nelement())
print(m.reshape(4), m.view(4, 1).shape, m.view(-1))
print(torch.floor(x), x.floor())
print(x.lt(4))
torch.manual_seed(0)
