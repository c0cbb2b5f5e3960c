# Seed 000: autograd narrative (requires_grad, grad_fn, is_leaf, backward on scalars and with a
# weight tensor, accumulation and x.grad.data.zero_(), detach, no_grad, .data edits).
# The note has no code here; these lines perform exactly the steps it describes.
import torch

x = torch.ones(2, 2, requires_grad=True)
print(x)
print(x.grad_fn)
print(x.is_leaf)
y = x + 2
print(y)
print(y.grad_fn)
print(x.is_leaf, y.is_leaf)

z = y * y * 3
out = z.mean()
print(z, out)
out.backward()
print(x.grad)

# grad 在反向传播过程中是累加的
out2 = x.sum()
out2.backward()
print(x.grad)
out3 = x.sum()
x.grad.data.zero_()
out3.backward()
print(x.grad)

# 非标量: y.backward(w) 等价于 l = torch.sum(y * w); l.backward()
x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
y = 2 * x
z = y.view(2, 2)
w = torch.tensor([[1.0, 0.1], [0.01, 0.001]])
z.backward(w)
print(x.grad)

# detach / no_grad
x = torch.tensor(1.0, requires_grad=True)
with torch.no_grad():
    y2 = x ** 2
y1 = x ** 2
y3 = y1 + y2
print(x.requires_grad)
print(y1, y1.requires_grad)
print(y2, y2.requires_grad)
print(y3, y3.requires_grad)
y3.backward()
print(x.grad)
d = y1.detach()
print(d.requires_grad, d.grad_fn)

# 修改 tensor.data 不会被 autograd 记录
x = torch.ones(1, requires_grad=True)
print(x.data)
print(x.data.requires_grad)
y = 2 * x
x.data *= 100
y.backward()
print(x)
print(x.grad)
