"""nn.Parameter: a leaf Tensor subclass that shares its data's memory and requires grad by default."""
from __future__ import annotations

from typing import Any

from ..tensor import Tensor


class Parameter(Tensor):
    __slots__ = ()

    def __new__(cls, data: Any = None, requires_grad: bool = True):
        if data is None:
            from ..ops.creation import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): data must be a Tensor, not {type(data).__name__}")
        p = cls._make(data._storage, data._shape, data._stride, data._offset, data._dtype, data._counter())
        p._is_param = True
        p.requires_grad_(requires_grad)
        return p

    def __init__(self, data: Any = None, requires_grad: bool = True):
        pass  # everything happens in __new__ (Tensor.__init__ is the legacy constructor)

    def __reduce_ex__(self, proto):  # pragma: no cover - pickling support is minimal
        return (Parameter, (self.detach(), self.requires_grad))
