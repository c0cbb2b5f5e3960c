# Seed 002: Usage in PyTorch: forward, loss.backward(), SGD step; then freezing parameters.
# fix: resnet18(weights=ResNet18_Weights.DEFAULT) needs torchvision and downloaded weights, neither
#      available here: a small stand-in model with the same input (1,3,64,64), the same output
#      (1,1000) and a final layer named fc (512 -> 1000) is used instead.
# fix: the note prints nothing here; the prints marked "added" make the run observable.
# (seeded with manual_seed: compared directly, impl draws torch's exact CPU stream)
# conformance: needs nn.Module, nn.Sequential, nn.Flatten, nn.Linear, optim.SGD
import torch
from torch import nn, optim


class StandIn(nn.Module):  # fix: stand-in for resnet18
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(3 * 64 * 64, 512))
        self.fc = nn.Linear(512, 1000)

    def forward(self, x):
        return self.fc(self.body(x))


torch.manual_seed(0)  # fix: deterministic stand-in weights
model = StandIn()
data = torch.rand(1, 3, 64, 64) # 四维tensor
labels = torch.rand(1, 1000) # 二维tensor
prediction = model(data) # forward pass
loss = (prediction - labels).sum()
loss.backward() # backward pass
optim_ = torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)  # the note names it 'optim'
optim_.step() #gradient descent
print(prediction.shape, loss.requires_grad)  # added

# Freeze all the parameters in the network
for param in model.parameters():
    param.requires_grad = False
model.fc = nn.Linear(512, 10)
# Optimize only the classifier
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
print([p.requires_grad for p in model.parameters()])  # added
print([tuple(p.shape) for p in model.parameters() if p.requires_grad])  # added
