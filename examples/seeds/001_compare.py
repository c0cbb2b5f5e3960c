# Seed 001, 2.4.8: max / max(dim) / topk.
# conformance: needs max, topk
import torch
x=torch.linspace(0,10,6).view(2,3)
print(torch.max(x))
print(torch.max(x,dim=0))
print(torch.topk(x,1,dim=0))
