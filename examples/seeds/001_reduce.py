# Seed 001, 2.4.7: reductions along a dim, with keepdim.
import torch
a=torch.linspace(0,10,6)
#使用view变为2x3矩阵
a=a.view((2,3))
print("a: ",a)
# 沿着y轴方向累加,dim=0
b=a.sum(dim=0)
print("b: ",b)
# 沿着y轴方向累加,dim=0,并保留含1的维度
b=a.sum(dim=0,keepdim=True)
print("b: ",b)
