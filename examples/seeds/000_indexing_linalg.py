# Seed 000: selection and linear-algebra calls listed in the note, on concrete inputs.
# fix: torch.non_zero(x) -> torch.nonzero(x)   (torch.non_zero does not exist)
# fix: x.badbmm()        -> x.baddbmm()         (misspelt in the note)
# fix: torch.masked_select(x, masked=) needs a mask: torch.masked_select(x, mask)
# conformance: needs index_select, masked_select, nonzero, gather, Tensor.trace, Tensor.diag, Tensor.triu, Tensor.tril, Tensor.addmm, Tensor.addbmm, Tensor.addmv, Tensor.addr, Tensor.baddbmm, Tensor.dot, Tensor.cross, Tensor.inverse, Tensor.svd
import torch

x = torch.tensor([[1.0, 2.0, 0.0], [0.0, 5.0, 6.0], [7.0, 0.0, 9.0]])

print(torch.index_select(x, dim=0, index=torch.tensor([0, 1])))  # 选取第0行和第1行
mask = x > 4
print(torch.masked_select(x, mask))
print(torch.nonzero(x))  # fix: non_zero -> nonzero
print(torch.gather(x, 1, torch.tensor([[0, 0], [1, 0], [2, 1]])))

print(x.trace())
print(x.diag())
print(x.triu())
print(x.tril())
print(x.mm(x))
b = torch.arange(12.0).view(2, 3, 2)
c = torch.arange(12.0).view(2, 2, 3)
print(b.bmm(c))
print(x.addmm(x, x))
print(torch.zeros(3, 3).addbmm(b, c))
print(torch.ones(3).addmv(x, torch.ones(3)))
print(x.addr(torch.ones(3), torch.arange(3.0)))
print(torch.zeros(2, 3, 3).baddbmm(b, c))  # fix: badbmm -> baddbmm
print(x.t())
v = torch.tensor([1.0, 2.0, 3.0])
w = torch.tensor([4.0, 5.0, 6.0])
print(v.dot(w))
print(v.cross(w, dim=0))
print(x.inverse())
u, s, vh = x.svd()
print(s)
