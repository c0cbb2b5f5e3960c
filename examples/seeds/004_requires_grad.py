# Seed 004, 8-10: requires_grad, backward of y = x**2, detach, no_grad.
import torch
# 创建一个张量并开启梯度计算
x = torch.tensor([1.0, 2.0], requires_grad=True)
print(x.requires_grad)  # 输出: True
# 假设我们有一个简单的操作
x = torch.tensor(2.0, requires_grad=True)  # 创建一个张量 x
y = x ** 2  # y = x^2
# 计算 y 相对于 x 的梯度
y.backward()  # 计算梯度
print(x.grad)  # 输出: 4.0
x = torch.tensor(2.0, requires_grad=True)
y = x ** 2
z = y.detach()  # z 与 y 共享数据,但是不会被跟踪
print(z.requires_grad)  # 输出: False
with torch.no_grad():
    z = x ** 2  # 这个操作不会计算梯度
print(z.requires_grad)  # added: observe the effect of no_grad
