# Seed 001, 2.4.4: indexing, masks, masked_select, nonzero, gather, scatter_.
# The note's gather formula for dim 0 has a typo (see tests/seeds/test_errata.py); the code runs as is.
# (seeded with manual_seed: compared directly, impl draws torch's exact CPU stream)
# conformance: needs masked_select, nonzero, gather, LongTensor, Tensor.scatter_
import torch
# 设置一个随机种子
torch.manual_seed(100)
# print(torch.manual_seed(100))
x = torch.randn(2,3)
print(x)
# 索引获取第一行所有数据x[0,:]
print(x[0,:])
# 获取最后一列的数据x[:,-1]
print(x[:,-1])
# 生成是否大于0的张量
mask=x>0
print(mask)
# 获取大于0的值
torch.masked_select(x,mask)
print(torch.masked_select(x,mask))
# 获取非0下标,即行、列的索引
torch.nonzero(mask)
print(torch.nonzero(mask))
# 获取指定索引对应的值
index = torch.LongTensor([[0,1,1]])
print(index)
torch.gather(x,0,index)
index=torch.LongTensor([[0,1,1],[1,1,1]])
a = torch.gather(x,1,index)
print("a: ",a)
# 把a的值返回到2x3的0矩阵中
z = torch.zeros(2,3)
z.scatter_(1,index,a)
print(z)  # the note shows this value as the notebook's Out[25]
