# Seed 001, 2.4.3: size/dim/view/unsqueeze/numel.
# conformance: random
import torch
x = torch.randn(2,3)
print(x.size())
print("维度:" ,x.dim())
print("这里把矩阵变为3x2的矩阵:",x.view(3,2))
print("这里把x展为1维向量:", x.view(-1))
y=x.view(-1)
z=torch.unsqueeze(y,0)
print("没增加维度前:",y,"  的维度",y.size())
print("增加一个维度:", z)
print("z的维度:", z.size())
print("z的个数:", z.numel())
