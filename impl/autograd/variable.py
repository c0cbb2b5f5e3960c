"""torch.autograd.Variable (legacy): today just a Tensor constructor that can set requires_grad."""
from __future__ import annotations

from typing import Any


def Variable(data: Any, requires_grad: bool = False, volatile: bool = False) -> Any:
    from ..tensor import Tensor

    t = data if isinstance(data, Tensor) else Tensor(data)
    t = t.detach()
    t.requires_grad = requires_grad
    return t
