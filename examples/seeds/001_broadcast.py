# Seed 001, 2.4.5: broadcasting, and the same result built by hand with unsqueeze + expand.
# Note: np.arange gives int64 on Linux, so the tensors print without the note's dtype=torch.int32
# (the note ran on Windows; see the CATALOG erratum).
import torch
import numpy as np
A = np.arange(0,40,10).reshape(4,1)
B = np.arange(0,3)
A1 = torch.from_numpy(A)   #形状4x1
B1 = torch.from_numpy(B)   #形状3
#自动广播
C=A1+B1
#也可以根据广播机制手动配置
# B1要与A1看齐,变成(1,3)
B2=B1.unsqueeze(0)
A2=A1.expand(4,3)
B3=B2.expand(4,3)
C1=A2+B3
print("A1:",A1)
print("B1:",B1)
print("C:",C)
print("B2:",B2)
print("A2:",A2)
print("B3:",B3)
print("C1:",C1)
