"""Legacy typed constructors: FloatTensor(2, 3), LongTensor([1, 2]) ... (torch.FloatTensor and friends)."""
from __future__ import annotations

from typing import Any

from . import dtypes as D
from ._types import Size


def _typed(dt: D.dtype) -> type:
    from .ops import creation
    from .tensor import Tensor

    def new(cls: type, *args: Any, device: Any = None) -> Tensor:
        if len(args) == 1 and not isinstance(args[0], (int, Size)):
            if isinstance(args[0], (float, bool)):
                raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")
            return creation.tensor(args[0], dtype=dt, device=device)
        size = args[0] if len(args) == 1 and isinstance(args[0], Size) else (args or (0,))
        return creation.empty(*size, dtype=dt, device=device)

    return type(dt.legacy, (), {"__new__": new, "dtype": dt})


FloatTensor, DoubleTensor, HalfTensor = _typed(D.float32), _typed(D.float64), _typed(D.float16)
ByteTensor, CharTensor, ShortTensor = _typed(D.uint8), _typed(D.int8), _typed(D.int16)
IntTensor, LongTensor, BoolTensor = _typed(D.int32), _typed(D.int64), _typed(D.bool_)
