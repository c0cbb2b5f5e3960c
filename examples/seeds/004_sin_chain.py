# Seed 004, "例子" and "区别": z = sin(x**2), backward, and the note's zero_-then-backward-again steps.
# The note claims z = [0.8415, 0.9093] and x.grad = [1.6830, 1.8186]; torch prints z = [0.8415, -0.7568]
# and x.grad = [1.0806, -2.6146] (CATALOG erratum, checked in tests/seeds/test_errata.py).
# fix: a second backward through the same graph needs retain_graph=True on the earlier backward
#      calls (without it torch raises "Trying to backward through the graph a second time").
import torch
# 定义张量 x,并设置 requires_grad=True
x = torch.tensor([1.0, 2.0], requires_grad=True)
# 计算 y = x ** 2
y = x ** 2
print("y:", y)
# 计算 z = sin(y)
z = torch.sin(y)
print("z:", z)
# 计算梯度
z.backward(torch.ones_like(z), retain_graph=True)  # fix: retain_graph=True
# 打印 x 的梯度
print("x.grad:", x.grad)
x.grad.zero_()
z.backward(torch.ones_like(z), retain_graph=True)  # fix: retain_graph=True
print("x.grad:", x.grad)

# 区别: 6. 对比 z 和 y 的梯度
z.backward(torch.ones_like(z), retain_graph=True)  # fix: retain_graph=True
x.grad.zero_()
z.backward(torch.ones_like(z), retain_graph=True)  # fix: retain_graph=True
print("x.grad (from z):", x.grad)
# 清零梯度
x.grad.zero_()
y.backward(torch.ones_like(y), retain_graph=True)  # fix: retain_graph=True
x.grad.zero_()
y.backward(torch.ones_like(y))
print("x.grad (from y):", x.grad)
