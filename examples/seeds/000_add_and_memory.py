# Seed 000 (tensor operations and memory): addition forms, views share memory,
# y = x + y allocates, y[:] = ..., out=, += and add_ write into y's memory.
# The note lists calls without data; the inputs below are concrete stand-ins.
# fix: torch.add(x, y, output=z) -> torch.add(x, y, out=z)  (there is no output= keyword)
import torch

x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
y = torch.ones(2, 3)

# 加法
z = x + y
print(z)
z = torch.empty(2, 3)
torch.add(x, y, out=z)  # fix: output=z -> out=z
print(z)
y.add_(x)
print(y)

# 索引: 索引出来的结果与原数据共享内存
y = x[0, :]
y += 1
print(y)
print(x[0, :])

# 改变形状: view 共享内存
y = x.view(6)
z = x.view(-1, 2)
print(x.size(), y.size(), z.size())
x += 1
print(x)
print(y)
x_cp = x.clone().view(6)
x -= 1
print(x)
print(x_cp)

x = torch.tensor([2.5])
print(x)
print(x.item())

# 运算中的内存问题
x = torch.tensor([1, 2])
y = torch.tensor([3, 4])
id_before = id(y)
y = y + x
print(id(y) == id_before)

x = torch.tensor([1, 2])
y = torch.tensor([3, 4])
id_before = id(y)
y[:] = y + x
print(id(y) == id_before)

x = torch.tensor([1, 2])
y = torch.tensor([3, 4])
id_before = id(y)
torch.add(x, y, out=y)  # y += x, y.add_(x)
print(id(y) == id_before)
y += x
print(id(y) == id_before)
y.add_(x)
print(id(y) == id_before)
print(y)
