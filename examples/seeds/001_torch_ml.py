# Seed 001, 2.7: the same model trained with Tensor and autograd (800 steps, update under no_grad).
# fix: '%matplotlib inline' and the matplotlib plotting calls are removed; the final print is kept.
# (seeded with manual_seed: compared directly, impl draws torch's exact CPU stream)
import torch as t
# (2)生成训练数据
t.manual_seed(100)
dtype=t.float
# 生成x坐标数据,x为tensor,需要把x的形状转换为100x1
x = t.unsqueeze(t.linspace(-1,1,100),dim=1)
# 生成y坐标数据,y为tensor,形状为100x1,加上一些噪声
y = 3*x.pow(2)+ 2 + 0.2*t.rand(x.size())
# (3)初始化权重
w = t.randn(1,1,dtype=dtype,requires_grad=True)
b = t.zeros(1,1,dtype=dtype,requires_grad=True)
# (4)训练模型
lr = 0.001 # 学习率
for ii in range(800):
    # 前向传播,定义损失函数
    y_pred = x.pow(2).mm(w) + b
    loss = 0.5 * (y_pred - y) **2
    loss = loss.sum()
    # 自动计算梯度
    loss.backward()
    # 手动更新参数,使用torch.no_grad(),使上下文切断自动求导计算
    with t.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    # 梯度清零
        w.grad.zero_()
        b.grad.zero_()
print(w,b)
