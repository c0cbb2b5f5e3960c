# Seed 001, 2.4.6: pointwise ops.
# Note: addcdiv(t, 0.1, t1, t2) is the deprecated positional-value form; torch 2.13 still runs it
#       (UserWarning on stderr), so it is kept as written. Today's form: addcdiv(t, t1, t2, value=0.1).
# conformance: random
# conformance: needs addcdiv, clamp
import torch
t = torch.randn(1,3)
t1 = torch.randn(3,1)
t2 = torch.randn(1,3)
# t+0.1*(t1/t2)
a = torch.addcdiv(t, 0.1, t1, t2)
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
