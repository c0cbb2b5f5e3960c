# Seed 003, 2.2.1: basic operations (the note prints nothing; the run must simply succeed).
# conformance: random
# conformance: needs Tensor.norm
import torch
x = torch.rand(5, 3)
y = torch.rand(5, 3)
# 1. 直接相加
z = x + y
# 2. torch相加
z = torch.add(x, y)
# 3. 传递参数返回结果
result = torch.rand(5, 3)
torch.add(x, y, out = result)
# 4. 加到自身去,自身y会改变
y.add_(x)
# 平均
x.mean()
# 范数
x.norm()
