# Seed 004, 13-16: grad_fn of y = x ** 2 and backward with ones_like.
import torch
# 创建一个张量 x,并设置 requires_grad=True
x = torch.tensor([[1.0, 1.0], [1.0, 1.0]], requires_grad=True)
# 进行一个操作 y = x ** 2
y = x ** 2
# 打印 y 和 y 的 grad_fn
print(y)
print(y.grad_fn)
# 计算梯度
y.backward(torch.ones_like(y))
# 打印 x 的梯度
print(x.grad)
