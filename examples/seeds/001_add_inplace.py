# Seed 001, 2.4.1: x.add(y) leaves x unchanged; x.add_(y) stores the result in x.
import torch
x=torch.tensor([1,2])
y=torch.tensor([3,4])
z=x.add(y)
print(z)
print(x)
x.add_(y)
print(x)
