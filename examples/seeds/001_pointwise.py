# Seed 001, 2.4.6: pointwise ops.
# fix: torch.addcdiv(t, 0.1, t1, t2) -> torch.addcdiv(t, t1, t2, value=0.1)  (positional value removed)
# conformance: random
# conformance: needs addcdiv, clamp
import torch
t = torch.randn(1,3)
t1 = torch.randn(3,1)
t2 = torch.randn(1,3)
# t+0.1*(t1/t2)
a = torch.addcdiv(t, t1, t2, value=0.1)  # fix: was addcdiv(t, 0.1, t1, t2)
#计算sigmoid
b = torch.sigmoid(t)
# 将t限制在【0,1】之间
c = torch.clamp(t,0,1)
#t+2进行直接运算
t.add_(2)
print("t: ",t)
print("t1: ",t1)
print("t2: ",t2)
print("a: ",a)
print("b: ",b)
print("c: ",c)
