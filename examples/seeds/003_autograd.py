# Seed 003, 2.2.2: gradients with the legacy Variable wrapper.
import torch
from torch.autograd import Variable
# 1. 准备式子
x = Variable(torch.Tensor([2]), requires_grad = True)
y = Variable(torch.Tensor([3]), requires_grad = True)
z = 2 * x + 3 * y + 4
# 2. z对x和y进行求导
z.backward()
# 3. 获得z对x和y的导数
print (x.grad.data)
print (y.grad.data)

x = Variable(torch.ones(2, 2), requires_grad = True)
y = x + 2
z = y * y * 3
out = z.mean()
out.backward()
# d(out)/dx
print (x.grad)

x = Variable(torch.Tensor([2,1]), requires_grad = True)
y = x + 2
gradients = torch.FloatTensor([0.01, 0.1])
y.backward(gradients)
print (x.grad.data)
