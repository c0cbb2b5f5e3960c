# Seed 001, 2.4.2: creating tensors; torch.Tensor vs torch.tensor.
# fix: torch.Tensor(2,3) / torch.Tensor(1) / torch.Tensor(t.size()) are uninitialised memory (see the
#      CATALOG erratum): their contents are not printed, their shape and type are.
# conformance: random
# conformance: needs eye
import torch
print(torch.Tensor([1,2,3,4,5,6]))
print(torch.Tensor(2,3).shape)  # fix: contents uninitialised, print the shape
t = torch.Tensor([[1,2,3],[4,5,6]])
print(t)
print(t.size())
t.shape
print(torch.Tensor(t.size()).shape)  # fix: contents uninitialised

t1=torch.Tensor(1)
t2=torch.tensor(1)
print("t1的形状{},t1的数据类型{}".format(t1.shape,t1.type()))  # fix: t1's value is uninitialised
print("t2的值{},t2的数据类型{}".format(t2,t2.type()))

print(torch.eye(2,2))
print(torch.zeros(2,3))
print(torch.linspace(1,10,4))
print(torch.rand(2,3))
print(torch.randn(2,3))
print(torch.zeros_like(torch.rand(2,3)))
